//! Building IR: a [`Builder`] appends ops at the end of one block of a function, inferring every
//! result type from the op kind's rule, so that built IR is well-typed by construction. Dialect
//! modules add typed helpers (`b.matmul(x, w)`) on top of [`Builder::op`].

use thiserror::Error;

use crate::attr::AttrMap;
use crate::ir::{Block, Function, OpKind, Value};
use crate::types::Type;

/// An op could not be built: its operands or attributes break the op kind's rule.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("cannot build {op}: {message}")]
pub struct BuildError {
    /// The op name.
    pub op: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Appends ops to the end of a block.
pub struct Builder<'f> {
    pub func: &'f mut Function,
    pub block: Block,
}

impl<'f> Builder<'f> {
    /// A builder appending to the function's entry block.
    pub fn at_entry(func: &'f mut Function) -> Self {
        let block = func.entry_block();
        Builder { func, block }
    }

    /// Appends an op of `kind`, inferring its result types; returns the results.
    pub fn op(&mut self, kind: OpKind, operands: &[Value], attrs: AttrMap) -> Result<Vec<Value>, BuildError> {
        let info = kind.info();
        if !info.operands.accepts(operands.len()) {
            return Err(BuildError {
                op: kind.name(),
                message: format!("expected {} operands, got {}", info.operands.describe(), operands.len()),
            });
        }
        let types: Vec<&Type> = operands.iter().map(|&v| self.func.value_type(v)).collect();
        let results = kind.infer_types(&types, &attrs).map_err(|message| BuildError { op: kind.name(), message })?;
        let op = self.func.append_op(self.block, kind, operands.to_vec(), attrs, results);
        Ok(self.func.ops[op].results.clone())
    }

    /// Appends an op with exactly one result and returns it.
    pub fn op1(&mut self, kind: OpKind, operands: &[Value], attrs: AttrMap) -> Result<Value, BuildError> {
        let results = self.op(kind, operands, attrs)?;
        match results.as_slice() {
            [v] => Ok(*v),
            _ => Err(BuildError { op: kind.name(), message: format!("expected one result, got {}", results.len()) }),
        }
    }

    /// Names `v` for printing and returns it.
    pub fn named(&mut self, v: Value, name: impl Into<String>) -> Value {
        self.func.set_name(v, name);
        v
    }

    /// The type of `v`.
    pub fn ty(&self, v: Value) -> &Type {
        self.func.value_type(v)
    }

    /// The shape of tensor `v`.
    pub fn shape(&self, v: Value) -> Vec<usize> {
        self.func.value_type(v).as_tensor().shape.clone()
    }

    /// Appends `func.return` with `values`.
    pub fn ret(&mut self, values: &[Value]) -> Result<(), BuildError> {
        self.op(OpKind::Func(crate::func::FuncOp::Return), values, AttrMap::new())?;
        Ok(())
    }
}
