//! Parses the MLIR text that [`crate::printer`] writes back into a [`Module`].
//!
//! Accepted syntax: an optional `module attributes {..} { .. }` wrapper around `func.func`
//! definitions in MLIR's custom form; inside them, ops in generic form (`%a, %b = "d.op"(%x)
//! ({regions}) {attrs} : (types) -> (types)`), plus what `mlir-opt` prints when it echoes such
//! text: the custom `func.return %v : type` / `return` form and result groups (`%x:2 = …`, used as
//! `%x#0`, `%x#1`). `//` comments are skipped. Errors carry the line and
//! column and say what was expected. The parser checks syntax, names and the types written on
//! each op against its operands; op semantics are left to the verifier.

use std::collections::HashMap;

use thiserror::Error;

use crate::attr::{Attr, AttrMap};
use crate::ir::{Block, Function, Module, OpKind, Region, Value};
use crate::types::{DType, TensorType, Type};

/// A syntax or naming error at a position of the input.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{line}:{col}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses a module (or a bare sequence of functions).
pub fn parse_module(text: &str) -> Result<Module, ParseError> {
    let mut p = Parser { src: text.as_bytes(), pos: 0 };
    let module = p.module()?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error("expected end of input"));
    }
    Ok(module)
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
}

/// The scope of value names while parsing one function: names are visible in the block that
/// defines them and in regions nested below it.
struct Scope {
    frames: Vec<HashMap<String, Value>>,
}

impl Scope {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.frames.iter().rev().find_map(|f| f.get(name).copied())
    }
}

fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'-')
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let before = &self.src[..pos.min(self.src.len())];
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        ParseError { line, col, message: message.into() }
    }

    fn skip_ws(&mut self) {
        loop {
            while self.pos < self.src.len() && self.src[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.src[self.pos..].starts_with(b"//") {
                while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn here(&mut self) -> usize {
        self.skip_ws();
        self.pos
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    /// What the input holds at the cursor, for "found …" messages.
    fn found(&mut self) -> String {
        self.skip_ws();
        if self.pos >= self.src.len() {
            return "end of input".into();
        }
        let end = (self.pos..self.src.len())
            .find(|&i| self.src[i].is_ascii_whitespace() || (i > self.pos && matches!(self.src[i], b',' | b')' | b'(')))
            .unwrap_or(self.src.len())
            .min(self.pos + 24);
        format!("'{}'", String::from_utf8_lossy(&self.src[self.pos..end.max(self.pos + 1)]))
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.src[self.pos..].starts_with(s.as_bytes()) {
            // A keyword must not run into an identifier character (`module` vs `modules`).
            let last = s.as_bytes()[s.len() - 1];
            let next = self.src.get(self.pos + s.len()).copied();
            if is_id_char(last) && last != b'.' && next.is_some_and(is_id_char) {
                return false;
            }
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> Result<(), ParseError> {
        if self.eat(s) {
            Ok(())
        } else {
            let found = self.found();
            Err(self.error(format!("expected '{s}', found {found}")))
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        if self.pos < self.src.len() && (self.src[self.pos].is_ascii_alphabetic() || self.src[self.pos] == b'_') {
            while self.pos < self.src.len() && is_id_char(self.src[self.pos]) {
                self.pos += 1;
            }
            Some(String::from_utf8_lossy(&self.src[start..self.pos]).into_owned())
        } else {
            None
        }
    }

    /// A `%name`, `@name` or `^name` reference: returns the part after the sigil.
    fn sigil_name(&mut self, sigil: u8) -> Result<String, ParseError> {
        self.skip_ws();
        if self.src.get(self.pos) != Some(&sigil) {
            let found = self.found();
            return Err(self.error(format!("expected a '{}' name, found {found}", sigil as char)));
        }
        self.pos += 1;
        if self.src.get(self.pos) == Some(&b'"') {
            return self.string();
        }
        let start = self.pos;
        while self.pos < self.src.len() && is_id_char(self.src[self.pos]) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error(format!("expected a name after '{}'", sigil as char)));
        }
        // `%x#1` names result 1 of an op whose results were declared as a group `%x:2`.
        if sigil == b'%'
            && self.src.get(self.pos) == Some(&b'#')
            && self.src.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        }
        Ok(String::from_utf8_lossy(&self.src[start..self.pos]).into_owned())
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        if self.src.get(self.pos) != Some(&b'"') {
            let found = self.found();
            return Err(self.error(format!("expected a string, found {found}")));
        }
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            match self.src.get(self.pos) {
                None | Some(b'\n') => return Err(self.error_at(start, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    let esc = self.src.get(self.pos + 1).copied();
                    match esc {
                        Some(b'"') | Some(b'\\') => {
                            bytes.push(esc.unwrap_or_default());
                            self.pos += 2;
                        }
                        Some(b'n') => {
                            bytes.push(b'\n');
                            self.pos += 2;
                        }
                        Some(b't') => {
                            bytes.push(b'\t');
                            self.pos += 2;
                        }
                        _ => {
                            let hex =
                                self.src.get(self.pos + 1..self.pos + 3).and_then(|h| std::str::from_utf8(h).ok());
                            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                                Some(b) => bytes.push(b),
                                None => return Err(self.error("invalid escape in string (expected \\XX hex)")),
                            }
                            self.pos += 3;
                        }
                    }
                }
                Some(&c) => {
                    bytes.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| self.error_at(start, "string is not valid UTF-8"))
    }

    /// An integer or float literal; returns the text.
    fn number_text(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        let mut i = self.pos;
        if matches!(self.src.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        if !self.src.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        if self.src[i..].starts_with(b"0x") {
            i += 2;
            while self.src.get(i).is_some_and(|c| c.is_ascii_hexdigit()) {
                i += 1;
            }
        } else {
            while self.src.get(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            if self.src.get(i) == Some(&b'.') {
                i += 1;
                while self.src.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                if matches!(self.src.get(i), Some(b'e') | Some(b'E')) {
                    let mut j = i + 1;
                    if matches!(self.src.get(j), Some(b'-') | Some(b'+')) {
                        j += 1;
                    }
                    if self.src.get(j).is_some_and(|c| c.is_ascii_digit()) {
                        i = j;
                        while self.src.get(i).is_some_and(|c| c.is_ascii_digit()) {
                            i += 1;
                        }
                    }
                }
            }
        }
        self.pos = i;
        Some(String::from_utf8_lossy(&self.src[start..i]).into_owned())
    }

    fn int(&mut self) -> Result<i64, ParseError> {
        let start = self.pos;
        match self.number_text() {
            Some(t) => t.parse::<i64>().map_err(|_| self.error_at(start, format!("expected an integer, found '{t}'"))),
            None => {
                let found = self.found();
                Err(self.error(format!("expected an integer, found {found}")))
            }
        }
    }

    fn module(&mut self) -> Result<Module, ParseError> {
        let mut module = Module::new();
        let wrapped = self.eat("module");
        if wrapped {
            if self.peek() == Some(b'@') {
                self.sigil_name(b'@')?;
            }
            if self.eat("attributes") {
                module.attrs = self.attr_dict()?;
            }
            self.expect("{")?;
        }
        loop {
            match self.peek() {
                Some(b'}') if wrapped => {
                    self.pos += 1;
                    break;
                }
                None if !wrapped => break,
                None => return Err(self.error("expected '}' to close the module")),
                _ => {
                    let start = self.pos;
                    let func = self.function()?;
                    if module.function(&func.name).is_some() {
                        return Err(self.error_at(start, format!("redefinition of function @{}", func.name)));
                    }
                    module.functions.push(func);
                }
            }
        }
        Ok(module)
    }

    fn function(&mut self) -> Result<Function, ParseError> {
        if !self.eat("func.func") {
            let found = self.found();
            return Err(self.error(format!("expected 'func.func', found {found}")));
        }
        self.eat("private");
        let name = self.sigil_name(b'@')?;
        self.expect("(")?;
        let mut arg_names = Vec::new();
        let mut arg_types = Vec::new();
        let mut arg_attrs = Vec::new();
        if !self.eat(")") {
            loop {
                let pos = self.here();
                let n = self.sigil_name(b'%')?;
                arg_names.push((n, pos));
                self.expect(":")?;
                arg_types.push(self.ty()?);
                arg_attrs.push(if self.peek() == Some(b'{') { self.attr_dict()? } else { AttrMap::new() });
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        let mut result_types = Vec::new();
        if self.eat("->") {
            if self.peek() == Some(b'(') {
                result_types = self.type_list()?;
            } else {
                result_types.push(self.ty()?);
            }
        }
        let mut func = Function::new(name, arg_types, result_types);
        func.arg_attrs = arg_attrs;
        if self.eat("attributes") {
            func.attrs = self.attr_dict()?;
        }
        let mut scope = Scope { frames: vec![HashMap::new()] };
        let entry = func.entry_block();
        for (i, (n, pos)) in arg_names.into_iter().enumerate() {
            let v = func.args()[i];
            self.define(&mut scope, &mut func, v, n, pos)?;
        }
        self.expect("{")?;
        self.ops_until_close(&mut func, entry, &mut scope)?;
        Ok(func)
    }

    fn define(
        &self,
        scope: &mut Scope,
        func: &mut Function,
        v: Value,
        name: String,
        pos: usize,
    ) -> Result<(), ParseError> {
        if scope.lookup(&name).is_some() {
            return Err(self.error_at(pos, format!("redefinition of value %{name}")));
        }
        // Purely numeric names are the printer's numbering, not a name hint; a group member
        // `%x#1` keeps `x` as its hint (the printer makes the names unique again).
        let base = name.split('#').next().unwrap_or(&name);
        if !base.bytes().all(|c| c.is_ascii_digit()) {
            func.values[v].name = Some(base.to_string());
        }
        scope.frames.last_mut().expect("scope has a frame").insert(name, v);
        Ok(())
    }

    /// Parses ops into `block` until the closing `}` (consumed) or a `^label` (not consumed).
    fn ops_until_close(&mut self, func: &mut Function, block: Block, scope: &mut Scope) -> Result<bool, ParseError> {
        loop {
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(true);
                }
                Some(b'^') => return Ok(false),
                None => return Err(self.error("expected '}' to close the block")),
                _ => self.op(func, block, scope)?,
            }
        }
    }

    fn op(&mut self, func: &mut Function, block: Block, scope: &mut Scope) -> Result<(), ParseError> {
        let mut results = Vec::new();
        if self.peek() == Some(b'%') {
            loop {
                let pos = self.here();
                let name = self.sigil_name(b'%')?;
                // `%x:2` (as mlir-opt prints multi-result ops) declares `%x#0` and `%x#1`.
                if self.src.get(self.pos) == Some(&b':') && self.src.get(self.pos + 1).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                    let count = self.int()?;
                    if count < 1 {
                        return Err(
                            self.error_at(pos, format!("result group %{name}:{count} must have at least one result"))
                        );
                    }
                    results.extend((0..count).map(|i| (format!("{name}#{i}"), pos)));
                } else {
                    results.push((name, pos));
                }
                if !self.eat(",") {
                    break;
                }
            }
            self.expect("=")?;
        }
        let op_pos = self.here();
        // The custom form of the terminator, as mlir-opt prints it.
        if self.peek() != Some(b'"') {
            if self.eat("func.return") || self.eat("return") {
                return self.custom_return(func, block, scope, op_pos, &results);
            }
            let found = self.found();
            return Err(self.error(format!("expected an op in generic form (\"dialect.op\"(..)), found {found}")));
        }
        let name = self.string()?;
        let kind = OpKind::from_name(&name).ok_or_else(|| {
            let hint = crate::diag::did_you_mean(&name, OpKind::all_names())
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            self.error_at(op_pos, format!("unknown op '{name}'{hint}"))
        })?;
        self.expect("(")?;
        let mut operands = Vec::new();
        if !self.eat(")") {
            loop {
                let pos = self.here();
                let n = self.sigil_name(b'%')?;
                let v = scope.lookup(&n).ok_or_else(|| self.error_at(pos, format!("use of undefined value %{n}")))?;
                operands.push((v, pos));
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        let at = self.here();
        if self.eat("[") {
            return Err(self.error_at(at, "successor blocks are not supported"));
        }
        if self.eat("<{") {
            return Err(self.error_at(at, "op properties (<{..}>) are not supported; write attributes as {..}"));
        }
        let mut region_starts = Vec::new();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            loop {
                self.expect("{")?;
                region_starts.push(self.pos);
                self.skip_region_text()?;
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        let attrs = if self.peek() == Some(b'{') { self.attr_dict()? } else { AttrMap::new() };
        self.expect(":")?;
        let type_pos = self.here();
        let operand_types = self.type_list()?;
        self.expect("->")?;
        let result_types = if self.peek() == Some(b'(') { self.type_list()? } else { vec![self.ty()?] };
        if operand_types.len() != operands.len() {
            return Err(self.error_at(
                type_pos,
                format!("'{name}' has {} operands but its type lists {}", operands.len(), operand_types.len()),
            ));
        }
        for (i, ((v, pos), ty)) in operands.iter().zip(&operand_types).enumerate() {
            if func.value_type(*v) != ty {
                return Err(self.error_at(
                    *pos,
                    format!("operand {i} has type {} but the op's type says {ty}", func.value_type(*v)),
                ));
            }
        }
        if result_types.len() != results.len() {
            return Err(self.error_at(
                op_pos,
                format!(
                    "'{name}' defines {} result names but its type lists {} results",
                    results.len(),
                    result_types.len()
                ),
            ));
        }
        let op = func.append_op(block, kind, operands.iter().map(|(v, _)| *v).collect(), attrs, result_types);
        // Regions are parsed after the op exists so that their blocks get the op as parent.
        let end = self.pos;
        for start in region_starts {
            self.pos = start;
            let region = func.add_region(op);
            self.region_body(func, region, scope)?;
        }
        self.pos = end;
        for (i, (n, pos)) in results.into_iter().enumerate() {
            let v = func.ops[op].results[i];
            self.define(scope, func, v, n, pos)?;
        }
        Ok(())
    }

    fn custom_return(
        &mut self,
        func: &mut Function,
        block: Block,
        scope: &mut Scope,
        pos: usize,
        results: &[(String, usize)],
    ) -> Result<(), ParseError> {
        if !results.is_empty() {
            return Err(self.error_at(pos, "func.return has no results"));
        }
        let mut operands = Vec::new();
        while self.peek() == Some(b'%') {
            let p = self.here();
            let n = self.sigil_name(b'%')?;
            operands.push(scope.lookup(&n).ok_or_else(|| self.error_at(p, format!("use of undefined value %{n}")))?);
            if !self.eat(",") {
                break;
            }
        }
        if !operands.is_empty() {
            self.expect(":")?;
            for (i, &v) in operands.iter().enumerate() {
                if i > 0 {
                    self.expect(",")?;
                }
                let tp = self.here();
                let ty = self.ty()?;
                if &ty != func.value_type(v) {
                    return Err(self.error_at(
                        tp,
                        format!("returned value has type {} but the return says {ty}", func.value_type(v)),
                    ));
                }
            }
        }
        func.append_op(block, OpKind::Func(crate::func::FuncOp::Return), operands, AttrMap::new(), Vec::new());
        Ok(())
    }

    /// Skips a balanced `{ … }` (the opening brace already consumed), respecting strings.
    fn skip_region_text(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let mut depth = 1;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'/' if self.src[self.pos..].starts_with(b"//") => {
                    self.skip_ws();
                    continue;
                }
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(self.error_at(start, "unterminated region"))
    }

    /// Parses the blocks of a region whose `{` is just behind the cursor.
    fn region_body(&mut self, func: &mut Function, region: Region, scope: &mut Scope) -> Result<(), ParseError> {
        scope.frames.push(HashMap::new());
        let mut closed = false;
        let mut first = true;
        while !closed {
            let block = func.add_block(region);
            if self.peek() == Some(b'^') {
                self.sigil_name(b'^')?;
                if self.eat("(") {
                    loop {
                        let pos = self.here();
                        let n = self.sigil_name(b'%')?;
                        self.expect(":")?;
                        let ty = self.ty()?;
                        let v = func.add_block_arg(block, ty, None);
                        self.define(scope, func, v, n, pos)?;
                        if self.eat(")") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                self.expect(":")?;
            } else if !first {
                return Err(self.error("expected a block label '^bbN'"));
            }
            first = false;
            closed = self.ops_until_close(func, block, scope)?;
        }
        scope.frames.pop();
        Ok(())
    }

    fn type_list(&mut self) -> Result<Vec<Type>, ParseError> {
        self.expect("(")?;
        let mut out = Vec::new();
        if self.eat(")") {
            return Ok(out);
        }
        loop {
            out.push(self.ty()?);
            if self.eat(")") {
                return Ok(out);
            }
            self.expect(",")?;
        }
    }

    fn ty(&mut self) -> Result<Type, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let memref = self.eat("memref<");
        if !memref && !self.eat("tensor<") {
            let found = self.found();
            return Err(self.error(format!("expected a type (tensor<..> or memref<..>), found {found}")));
        }
        let end = self.src[self.pos..]
            .iter()
            .position(|&c| c == b'>')
            .map(|i| self.pos + i)
            .ok_or_else(|| self.error_at(start, "unterminated tensor type"))?;
        let body = String::from_utf8_lossy(&self.src[self.pos..end]).into_owned();
        let mut parts: Vec<&str> = body.split('x').collect();
        let elem = parts.pop().unwrap_or_default().trim();
        let dtype = DType::from_name(elem).ok_or_else(|| {
            self.error_at(
                start,
                format!("unknown element type '{elem}' in tensor<{body}>; expected f32, bf16, f16, i32 or i64"),
            )
        })?;
        let mut shape = Vec::with_capacity(parts.len());
        for p in parts {
            let d = p.trim();
            match d.parse::<usize>() {
                Ok(n) => shape.push(n),
                Err(_) if d == "?" => {
                    return Err(self.error_at(start, "dynamic dims (?) are not supported; every dim needs a size"))
                }
                Err(_) => return Err(self.error_at(start, format!("invalid dim '{d}' in tensor<{body}>"))),
            }
        }
        self.pos = end + 1;
        let t = TensorType::new(shape, dtype);
        Ok(if memref { Type::MemRef(t) } else { Type::Tensor(t) })
    }

    fn attr_dict(&mut self) -> Result<AttrMap, ParseError> {
        self.expect("{")?;
        let mut map = AttrMap::new();
        if self.eat("}") {
            return Ok(map);
        }
        loop {
            let pos = self.here();
            let key = if self.peek() == Some(b'"') {
                self.string()?
            } else {
                self.ident().ok_or_else(|| {
                    let found = self.found();
                    self.error(format!("expected an attribute name, found {found}"))
                })?
            };
            if map.get(&key).is_some() {
                return Err(self.error_at(pos, format!("duplicate attribute '{key}'")));
            }
            let value = if self.eat("=") { self.attr()? } else { Attr::Unit };
            map.set(key, value);
            if self.eat("}") {
                return Ok(map);
            }
            self.expect(",")?;
        }
    }

    fn attr(&mut self) -> Result<Attr, ParseError> {
        let pos = self.here();
        match self.peek() {
            Some(b'"') => return Ok(Attr::Str(self.string()?)),
            Some(b'@') => return Ok(Attr::Symbol(self.sigil_name(b'@')?)),
            Some(b'{') => return Ok(Attr::Dict(self.attr_dict()?)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.attr()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                return Ok(Attr::Array(items));
            }
            _ => {}
        }
        if self.eat("true") {
            return Ok(Attr::Bool(true));
        }
        if self.eat("false") {
            return Ok(Attr::Bool(false));
        }
        if self.eat("unit") {
            return Ok(Attr::Unit);
        }
        if self.eat("array<") {
            let elem = self.ident().unwrap_or_default();
            if elem != "i64" {
                return Err(self.error_at(pos, format!("only array<i64: ..> is supported, found array<{elem}")));
            }
            let mut items = Vec::new();
            if self.eat(":") {
                loop {
                    items.push(self.int()?);
                    if !self.eat(",") {
                        break;
                    }
                }
            }
            self.expect(">")?;
            return Ok(Attr::Ints(items));
        }
        self.skip_ws();
        if self.src[self.pos..].starts_with(b"tensor<") || self.src[self.pos..].starts_with(b"memref<") {
            return Ok(Attr::Type(self.ty()?));
        }
        if let Some(text) = self.number_text() {
            let is_float = text.contains('.') || text.starts_with("0x");
            let declared = if self.eat(":") { self.ident() } else { None };
            let want_float = match declared.as_deref() {
                Some("f64") | Some("f32") | Some("f16") | Some("bf16") => true,
                Some("i64") | Some("i32") | Some("i8") | Some("i1") | Some("index") => false,
                Some(other) => return Err(self.error_at(pos, format!("unsupported attribute type '{other}'"))),
                None => is_float,
            };
            if want_float {
                let v = if let Some(hex) = text.strip_prefix("0x") {
                    u64::from_str_radix(hex, 16).map(f64::from_bits).ok()
                } else {
                    text.parse::<f64>().ok()
                };
                return v.map(Attr::Float).ok_or_else(|| self.error_at(pos, format!("invalid float literal '{text}'")));
            }
            if is_float {
                return Err(self.error_at(pos, format!("'{text}' is not an integer")));
            }
            return text
                .parse::<i64>()
                .map(Attr::Int)
                .map_err(|_| self.error_at(pos, format!("integer '{text}' is out of range")));
        }
        let found = self.found();
        Err(self.error(format!("expected an attribute value, found {found}")))
    }
}
