//! The verifier: checks that a module is well-formed. It runs after the frontend and after every
//! pass in debug builds and tests (and always before IR is written out). Invariants checked:
//!
//! 1. Function names are unique and non-empty.
//! 2. A function has one attribute dictionary per argument.
//! 3. Every op in a block's layout names that block as its block, and appears in one block only.
//! 4. Every result value names its op and index as its definition; every block argument names its
//!    block and index.
//! 5. Every operand is defined before its use: an argument of the block or of an enclosing block,
//!    or a result of an earlier op of the same block or of an enclosing block before the op that
//!    owns the region (straight-line dominance; there are no branches).
//! 6. Operand and result counts match the op kind's signature.
//! 7. Attributes: every required one is present, each has the declared kind, and no op carries an
//!    attribute its kind does not declare.
//! 8. Result types equal what the op kind's shape rule infers from the operand types and
//!    attributes (this is where shape errors surface, with the numbers).
//! 9. Only op kinds that declare regions have regions.
//! 10. The function body is one block that ends with `func.return`; `func.return` appears nowhere
//!     else, and its operand types equal the function's result types.
//!
//! 11. `exec.elementwise` bodies take one scalar per input, use only scalar elementwise `graph`
//!     ops and yield one scalar per output ([`crate::exec::verify_op`]); `exec.tensor` and
//!     `exec.view` produce memrefs.
//! 12. Module attributes and argument attributes have dialect-prefixed names (`parc.param`), as
//!     MLIR requires of attributes that no op defines.
//!
//! Errors name the function, show the offending op as printed IR, and say what is wrong.

use std::fmt;

use crate::entity::SecondaryMap;
use crate::exec::ExecOp;
use crate::func::FuncOp;
use crate::ir::{Block, Function, Module, Op, OpKind, Region, ValueDef};
use crate::printer::print_op;
use crate::types::Type;

/// A violated invariant.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyError {
    /// The function it was found in.
    pub function: String,
    /// The offending op, printed.
    pub op_text: Option<String>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.function.is_empty() {
            write!(f, "verification failed: {}", self.message)?;
        } else {
            write!(f, "verification failed in @{}: {}", self.function, self.message)?;
        }
        if let Some(op) = &self.op_text {
            write!(f, "\n  at: {op}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// Verifies every function of `module`.
pub fn verify_module(module: &Module) -> Result<(), VerifyError> {
    if let Some(name) = unprefixed(&module.attrs) {
        return Err(VerifyError {
            function: String::new(),
            op_text: None,
            message: format!("module attribute '{name}' needs a dialect prefix (e.g. 'parc.{name}')"),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for f in &module.functions {
        if f.name.is_empty() || !seen.insert(f.name.as_str()) {
            return Err(VerifyError {
                function: f.name.clone(),
                op_text: None,
                message: "function names must be unique and non-empty".into(),
            });
        }
        verify_function(f)?;
    }
    Ok(())
}

/// Verifies one function.
pub fn verify_function(func: &Function) -> Result<(), VerifyError> {
    let mut v =
        Verifier { func, defined: SecondaryMap::with_default(false), placed: SecondaryMap::with_default(false) };
    v.run()
}

struct Verifier<'a> {
    func: &'a Function,
    defined: SecondaryMap<crate::ir::Value, bool>,
    placed: SecondaryMap<Op, bool>,
}

impl Verifier<'_> {
    fn err(&self, op: Option<Op>, message: impl Into<String>) -> VerifyError {
        VerifyError {
            function: self.func.name.clone(),
            op_text: op.map(|op| print_op(self.func, op)),
            message: message.into(),
        }
    }

    fn run(&mut self) -> Result<(), VerifyError> {
        let f = self.func;
        if f.arg_attrs.len() != f.args().len() {
            return Err(self.err(
                None,
                format!("{} arguments but {} argument attribute dictionaries", f.args().len(), f.arg_attrs.len()),
            ));
        }
        let blocks = &f.regions[f.body].blocks;
        if blocks.len() != 1 {
            return Err(self.err(None, format!("the function body must have one block, found {}", blocks.len())));
        }
        for (i, attrs) in f.arg_attrs.iter().enumerate() {
            if let Some(name) = unprefixed(attrs) {
                return Err(self.err(
                    None,
                    format!("argument {i} attribute '{name}' needs a dialect prefix (e.g. 'parc.{name}')"),
                ));
            }
        }
        self.region(f.body)?;
        let entry = f.entry_block();
        let last = f.blocks[entry].ops.last().copied();
        match last {
            Some(op) if f.ops[op].kind == OpKind::Func(FuncOp::Return) => {
                let types: Vec<&Type> = f.ops[op].operands.iter().map(|&v| f.value_type(v)).collect();
                let expected: Vec<&Type> = f.result_types.iter().collect();
                if types != expected {
                    return Err(self.err(
                        Some(op),
                        format!(
                            "func.return returns ({}) but the function's result types are ({})",
                            join(&types),
                            join(&expected)
                        ),
                    ));
                }
                Ok(())
            }
            other => Err(self.err(other, "the function body must end with func.return")),
        }
    }

    fn region(&mut self, region: Region) -> Result<(), VerifyError> {
        let f = self.func;
        let blocks = f.regions[region].blocks.clone();
        for block in blocks {
            if f.blocks[block].region != Some(region) {
                return Err(self.err(None, format!("{block} is listed in {region} but does not name it as its region")));
            }
            self.block(block)?;
        }
        Ok(())
    }

    fn block(&mut self, block: Block) -> Result<(), VerifyError> {
        let f = self.func;
        for (i, &a) in f.blocks[block].args.iter().enumerate() {
            if f.values[a].def != ValueDef::Arg(block, i as u32) {
                return Err(self.err(None, format!("block argument {i} of {block} has a wrong definition")));
            }
            self.defined[a] = true;
        }
        let ops = &f.blocks[block].ops;
        let mut defined_here = Vec::new();
        for (index, &op) in ops.iter().enumerate() {
            self.op(op, block, index + 1 == ops.len())?;
            defined_here.extend(f.ops[op].results.iter().copied());
        }
        // Values of this block go out of scope when the block ends (nested regions see them only
        // while they are open).
        for v in defined_here.into_iter().chain(f.blocks[block].args.iter().copied()) {
            self.defined[v] = false;
        }
        Ok(())
    }

    fn op(&mut self, op: Op, block: Block, is_last: bool) -> Result<(), VerifyError> {
        let f = self.func;
        let data = &f.ops[op];
        if data.block != Some(block) {
            return Err(
                self.err(Some(op), format!("op is in the layout of {block} but names {:?} as its block", data.block))
            );
        }
        if self.placed[op] {
            return Err(self.err(Some(op), "op appears twice in the layout"));
        }
        self.placed[op] = true;
        for (i, &v) in data.operands.iter().enumerate() {
            if !f.values.is_valid(v) || !self.defined[v] {
                return Err(
                    self.err(Some(op), format!("operand {i} is used before it is defined (or is out of scope)"))
                );
            }
        }
        let info = data.kind.info();
        if !info.operands.accepts(data.operands.len()) {
            return Err(self.err(
                Some(op),
                format!(
                    "'{}' takes {} operands, found {}",
                    data.kind.name(),
                    info.operands.describe(),
                    data.operands.len()
                ),
            ));
        }
        if !info.results.accepts(data.results.len()) {
            return Err(self.err(
                Some(op),
                format!("'{}' has {} results, found {}", data.kind.name(), info.results.describe(), data.results.len()),
            ));
        }
        for spec in info.attrs {
            match data.attrs.get(spec.name) {
                None if spec.required => {
                    return Err(self.err(
                        Some(op),
                        format!("missing required attribute '{}' ({})", spec.name, spec.kind.describe()),
                    ))
                }
                Some(a) if !spec.kind.matches(a) => {
                    return Err(self.err(
                        Some(op),
                        format!("attribute '{}' must be {}, found {}", spec.name, spec.kind.describe(), a.kind_name()),
                    ))
                }
                _ => {}
            }
        }
        if !info.open_attrs {
            // Names with a dialect prefix (`sharding.placements`) are discardable attributes, as in
            // MLIR: any op may carry them.
            let unknown = |n: &str| !n.contains('.') && !info.attrs.iter().any(|s| s.name == n);
            if let Some((name, _)) = data.attrs.iter().find(|(n, _)| unknown(n)) {
                let known: Vec<&str> = info.attrs.iter().map(|s| s.name).collect();
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err(self.err(
                    Some(op),
                    format!("unknown attribute '{name}' for '{}' (accepted: {known})", data.kind.name()),
                ));
            }
        }
        let operand_types: Vec<&Type> = data.operands.iter().map(|&v| f.value_type(v)).collect();
        let actual: Vec<&Type> = data.results.iter().map(|&v| f.value_type(v)).collect();
        // `exec.tensor` and `exec.view` declare their buffer's type; any memref is well-formed.
        let declared = matches!(data.kind, OpKind::Exec(ExecOp::Tensor | ExecOp::View));
        let inferred = if declared {
            if !actual[0].is_memref() {
                return Err(
                    self.err(Some(op), format!("'{}' must produce a memref, found {}", data.kind.name(), actual[0]))
                );
            }
            actual.iter().map(|t| (*t).clone()).collect()
        } else {
            data.kind.infer_types(&operand_types, &data.attrs).map_err(|m| self.err(Some(op), m))?
        };
        if let OpKind::Exec(_) = data.kind {
            crate::exec::verify_op(f, op).map_err(|m| self.err(Some(op), m))?;
        }
        if inferred.iter().collect::<Vec<_>>() != actual {
            return Err(self.err(
                Some(op),
                format!(
                    "result types ({}) differ from the inferred ({})",
                    join(&actual),
                    join(&inferred.iter().collect::<Vec<_>>())
                ),
            ));
        }
        for (i, &r) in data.results.iter().enumerate() {
            if f.values[r].def != ValueDef::Result(op, i as u32) {
                return Err(self.err(Some(op), format!("result {i} has a wrong definition")));
            }
        }
        if data.kind == OpKind::Func(FuncOp::Return) {
            let at_top = f.regions[f.body].blocks.contains(&block);
            if !(at_top && is_last) {
                return Err(self.err(Some(op), "func.return must be the last op of the function body"));
            }
        }
        if !data.regions.is_empty() && !info.has_regions {
            return Err(self.err(Some(op), format!("'{}' takes no regions", data.kind.name())));
        }
        for &r in &data.regions {
            if f.regions[r].parent != Some(op) {
                return Err(self.err(Some(op), format!("{r} does not name this op as its parent")));
            }
            self.region(r)?;
        }
        for &r in &data.results {
            self.defined[r] = true;
        }
        Ok(())
    }
}

/// The first attribute name that is not of the form `dialect.name`.
fn unprefixed(attrs: &crate::attr::AttrMap) -> Option<&str> {
    attrs.iter().map(|(n, _)| n).find(|n| !matches!(n.split_once('.'), Some((d, r)) if !d.is_empty() && !r.is_empty()))
}

fn join(types: &[&Type]) -> String {
    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}
