//! Prints IR as MLIR text that `mlir-opt --allow-unregistered-dialect` accepts and that
//! [`crate::parser`] reads back to the same IR.
//!
//! Modules and functions use MLIR's custom `module` / `func.func` syntax; every other op uses the
//! generic form `%r = "dialect.op"(%a, %b) ({regions}) {attrs} : (types) -> types`. Values print
//! with their name hint when they have one (made unique and valid: `%h0.attn.q`, `%x_1`) and as
//! `%0`, `%1`, … otherwise, numbered per function in print order. Printing is deterministic.

use std::collections::HashSet;
use std::fmt::Write;

use crate::attr::write_escaped;
use crate::entity::SecondaryMap;
use crate::ir::{Block, Function, Module, Op, Region, Value};
use crate::types::Type;

/// The printed names of one function's values.
pub struct Names {
    names: SecondaryMap<Value, String>,
}

impl Names {
    /// Assigns names to every value reachable in `func`, in print order.
    pub fn new(func: &Function) -> Self {
        let mut namer = Namer { names: SecondaryMap::new(), used: HashSet::new(), next_number: 0 };
        for &v in func.args() {
            namer.assign(func, v);
        }
        namer.region(func, func.body, true);
        Names { names: namer.names }
    }

    /// The printed name of `v`, with its `%`.
    pub fn get(&self, v: Value) -> &str {
        &self.names[v]
    }
}

struct Namer {
    names: SecondaryMap<Value, String>,
    used: HashSet<String>,
    next_number: usize,
}

/// Turns a name hint into a valid MLIR suffix identifier (`[A-Za-z_$.-][A-Za-z0-9_$.-]*`).
fn sanitize(hint: &str) -> String {
    let mut s: String = hint
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '-') { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'v');
    }
    s
}

impl Namer {
    fn assign(&mut self, func: &Function, v: Value) {
        let name = match &func.values[v].name {
            Some(hint) => {
                let base = sanitize(hint);
                let mut candidate = base.clone();
                let mut k = 1;
                while self.used.contains(&candidate) {
                    candidate = format!("{base}_{k}");
                    k += 1;
                }
                candidate
            }
            None => loop {
                let candidate = self.next_number.to_string();
                self.next_number += 1;
                if !self.used.contains(&candidate) {
                    break candidate;
                }
            },
        };
        self.used.insert(name.clone());
        self.names[v] = format!("%{name}");
    }

    fn region(&mut self, func: &Function, region: Region, is_body: bool) {
        for (i, &block) in func.regions[region].blocks.iter().enumerate() {
            if !(is_body && i == 0) {
                for &a in &func.blocks[block].args {
                    self.assign(func, a);
                }
            }
            for &op in &func.blocks[block].ops {
                for &r in &func.ops[op].results {
                    self.assign(func, r);
                }
                for &r in &func.ops[op].regions {
                    self.region(func, r, false);
                }
            }
        }
    }
}

fn write_type_list(out: &mut String, types: impl Iterator<Item = impl std::fmt::Display>) {
    out.push('(');
    for (i, t) in types.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{t}");
    }
    out.push(')');
}

struct Printer<'a> {
    func: &'a Function,
    names: &'a Names,
    out: String,
}

impl Printer<'_> {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn op(&mut self, op: Op, depth: usize) {
        let data = &self.func.ops[op];
        self.indent(depth);
        if !data.results.is_empty() {
            for (i, &r) in data.results.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.out.push_str(self.names.get(r));
            }
            self.out.push_str(" = ");
        }
        let _ = write!(self.out, "\"{}\"(", data.kind.name());
        for (i, &v) in data.operands.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.out.push_str(self.names.get(v));
        }
        self.out.push(')');
        if !data.regions.is_empty() {
            self.out.push_str(" (");
            for (i, &r) in data.regions.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.region(r, depth);
            }
            self.out.push(')');
        }
        if !data.attrs.is_empty() {
            let _ = write!(self.out, " {}", data.attrs);
        }
        self.out.push_str(" : ");
        write_type_list(&mut self.out, data.operands.iter().map(|&v| self.func.value_type(v)));
        self.out.push_str(" -> ");
        match data.results.as_slice() {
            [r] => {
                let _ = write!(self.out, "{}", self.func.value_type(*r));
            }
            many => write_type_list(&mut self.out, many.iter().map(|&v| self.func.value_type(v))),
        }
        self.out.push('\n');
    }

    fn block_ops(&mut self, block: Block, depth: usize) {
        for &op in &self.func.blocks[block].ops {
            self.op(op, depth);
        }
    }

    /// A nested region: `{\n^bb0(%a: t):\n ops }`.
    fn region(&mut self, region: Region, depth: usize) {
        self.out.push_str("{\n");
        for (i, &block) in self.func.regions[region].blocks.iter().enumerate() {
            self.indent(depth);
            let _ = write!(self.out, "^bb{i}");
            let args = &self.func.blocks[block].args;
            if !args.is_empty() {
                self.out.push('(');
                for (j, &a) in args.iter().enumerate() {
                    if j > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{}: {}", self.names.get(a), self.func.value_type(a));
                }
                self.out.push(')');
            }
            self.out.push_str(":\n");
            self.block_ops(block, depth + 1);
        }
        self.indent(depth);
        self.out.push('}');
    }
}

/// Prints one function as `func.func @name(…) -> … { … }` at the given indentation depth.
pub fn print_function(func: &Function, depth: usize) -> String {
    let names = Names::new(func);
    let mut p = Printer { func, names: &names, out: String::new() };
    p.indent(depth);
    p.out.push_str("func.func @");
    if crate::attr::is_bare_identifier(&func.name) {
        p.out.push_str(&func.name);
    } else {
        let _ = write_escaped(&mut p.out, &func.name);
    }
    p.out.push('(');
    // Long signatures (a model's parameters) get one argument per line.
    let one_per_line = func.args().len() > 2;
    for (i, &a) in func.args().iter().enumerate() {
        if i > 0 {
            p.out.push(',');
            if !one_per_line {
                p.out.push(' ');
            }
        }
        if one_per_line {
            p.out.push('\n');
            p.indent(depth + 2);
        }
        let _ = write!(p.out, "{}: {}", names.get(a), func.value_type(a));
        if let Some(attrs) = func.arg_attrs.get(i).filter(|a| !a.is_empty()) {
            let _ = write!(p.out, " {attrs}");
        }
    }
    p.out.push(')');
    match func.result_types.as_slice() {
        [] => {}
        [t] => {
            let _ = write!(p.out, " -> {t}");
        }
        many => {
            p.out.push_str(" -> ");
            write_type_list(&mut p.out, many.iter());
        }
    }
    if !func.attrs.is_empty() {
        let _ = write!(p.out, " attributes {}", func.attrs);
    }
    p.out.push_str(" {\n");
    for &block in &func.regions[func.body].blocks {
        p.block_ops(block, depth + 1);
    }
    p.indent(depth);
    p.out.push_str("}\n");
    p.out
}

/// Prints a whole module.
pub fn print_module(module: &Module) -> String {
    let mut out = String::from("module");
    if !module.attrs.is_empty() {
        let _ = write!(out, " attributes {}", module.attrs);
    }
    out.push_str(" {\n");
    for (i, f) in module.functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&print_function(f, 1));
    }
    out.push_str("}\n");
    out
}

/// Prints one op on one line (its regions included), naming values as the whole function does.
/// Used to show an op inline in error messages.
pub fn print_op(func: &Function, op: Op) -> String {
    let names = Names::new(func);
    let mut p = Printer { func, names: &names, out: String::new() };
    p.op(op, 0);
    p.out.trim_end().to_string()
}

/// Formats a list of types as MLIR does in a function type: `(tensor<..>, tensor<..>)`.
pub fn type_list(types: &[Type]) -> String {
    let mut out = String::new();
    write_type_list(&mut out, types.iter());
    out
}

/// Writes `s` as an MLIR string literal into a new `String`.
pub fn escaped(s: &str) -> String {
    let mut out = String::new();
    let _ = write_escaped(&mut out, s);
    out
}
