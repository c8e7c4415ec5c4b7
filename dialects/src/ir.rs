//! The in-memory IR: a [`Module`] of [`Function`]s; each function owns arenas of ops, values,
//! blocks and regions (Cranelift's layout). Data flow (which op defines and uses which value) is
//! kept apart from order (the op list of each block), so a scheduler reorders only the lists.
//!
//! This module owns the structure and the small mutations every pass needs (append an op, replace
//! uses, drop an op from its block). It does not know op semantics: those live in the dialect
//! modules ([`crate::graph`], [`crate::func`]) and are checked by [`crate::verifier`].

use crate::attr::AttrMap;
use crate::dist::{DistOp, ShardingOp};
use crate::entity::{EntityRef, PrimaryMap, SecondaryMap};
use crate::types::Type;
use crate::{entity_impl, exec::ExecOp, func::FuncOp, graph::GraphOp};

entity_impl!(
    /// An SSA value: an op result or a block argument.
    Value,
    "v"
);
entity_impl!(
    /// An operation.
    Op,
    "op"
);
entity_impl!(
    /// A basic block: arguments and an ordered list of ops.
    Block,
    "bb"
);
entity_impl!(
    /// A region: an ordered list of blocks owned by an op or by a function.
    Region,
    "region"
);

/// Declares one dialect's op-kind enum with its textual names (`graph.matmul`).
#[macro_export]
macro_rules! dialect_ops {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $dialect:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $opname:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// The dialect namespace of these ops.
            pub const DIALECT: &'static str = $dialect;
            /// Every op kind of the dialect, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The full op name, `dialect.op`.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => concat!($dialect, ".", $opname), )*
                }
            }

            /// The op kind for a full op name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.name() == name)
            }
        }
    };
}

/// The kind of an op: one enum per dialect, so every `match` over kinds is exhaustive.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    Func(FuncOp),
    Graph(GraphOp),
    Exec(ExecOp),
    Sharding(ShardingOp),
    Dist(DistOp),
}

impl OpKind {
    /// The full op name.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Func(k) => k.name(),
            OpKind::Graph(k) => k.name(),
            OpKind::Exec(k) => k.name(),
            OpKind::Sharding(k) => k.name(),
            OpKind::Dist(k) => k.name(),
        }
    }

    /// Looks up an op kind by its full name in every dialect.
    pub fn from_name(name: &str) -> Option<OpKind> {
        FuncOp::from_name(name)
            .map(OpKind::Func)
            .or_else(|| GraphOp::from_name(name).map(OpKind::Graph))
            .or_else(|| ExecOp::from_name(name).map(OpKind::Exec))
            .or_else(|| ShardingOp::from_name(name).map(OpKind::Sharding))
            .or_else(|| DistOp::from_name(name).map(OpKind::Dist))
    }

    /// Every known op name, for "did you mean" messages.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        FuncOp::ALL
            .iter()
            .map(|k| k.name())
            .chain(GraphOp::ALL.iter().map(|k| k.name()))
            .chain(ExecOp::ALL.iter().map(|k| k.name()))
            .chain(ShardingOp::ALL.iter().map(|k| k.name()))
            .chain(DistOp::ALL.iter().map(|k| k.name()))
    }
}

/// Where a value comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueDef {
    /// Result `index` of an op.
    Result(Op, u32),
    /// Argument `index` of a block.
    Arg(Block, u32),
}

/// Data of one value.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
    /// A readable name for printing (`%h0.attn.q`); the printer makes names unique.
    pub name: Option<String>,
}

/// Data of one op.
#[derive(Clone, Debug, PartialEq)]
pub struct OpData {
    pub kind: OpKind,
    pub operands: Vec<Value>,
    pub results: Vec<Value>,
    pub attrs: AttrMap,
    pub regions: Vec<Region>,
    /// The block whose op list holds this op; `None` once the op was removed.
    pub block: Option<Block>,
}

/// Data of one block.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BlockData {
    pub args: Vec<Value>,
    /// The layout: the ops of this block in execution order.
    pub ops: Vec<Op>,
    pub region: Option<Region>,
}

/// Data of one region.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RegionData {
    pub blocks: Vec<Block>,
    /// The op owning this region, or `None` for a function body.
    pub parent: Option<Op>,
}

/// A function: a signature and a body region whose entry block's arguments are the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    /// Function-level attributes (`attributes {..}` in the text).
    pub attrs: AttrMap,
    /// One dictionary per argument (`%w: tensor<..> {parc.param = "wte"}`).
    pub arg_attrs: Vec<AttrMap>,
    pub result_types: Vec<Type>,
    pub body: Region,
    pub ops: PrimaryMap<Op, OpData>,
    pub values: PrimaryMap<Value, ValueData>,
    pub blocks: PrimaryMap<Block, BlockData>,
    pub regions: PrimaryMap<Region, RegionData>,
}

impl Function {
    /// A function with an empty entry block whose arguments have `arg_types`.
    pub fn new(name: impl Into<String>, arg_types: Vec<Type>, result_types: Vec<Type>) -> Self {
        let mut f = Function {
            name: name.into(),
            attrs: AttrMap::new(),
            arg_attrs: vec![AttrMap::new(); arg_types.len()],
            result_types,
            body: Region::new(0),
            ops: PrimaryMap::new(),
            values: PrimaryMap::new(),
            blocks: PrimaryMap::new(),
            regions: PrimaryMap::new(),
        };
        f.body = f.regions.push(RegionData::default());
        let entry = f.add_block(f.body);
        for ty in arg_types {
            f.add_block_arg(entry, ty, None);
        }
        f
    }

    /// The entry block of the body.
    pub fn entry_block(&self) -> Block {
        self.regions[self.body].blocks[0]
    }

    /// The function's parameters (the entry block's arguments).
    pub fn args(&self) -> &[Value] {
        &self.blocks[self.entry_block()].args
    }

    /// Appends a new empty block to `region`.
    pub fn add_block(&mut self, region: Region) -> Block {
        let block = self.blocks.push(BlockData { region: Some(region), ..Default::default() });
        self.regions[region].blocks.push(block);
        block
    }

    /// Appends an argument of type `ty` to `block`.
    pub fn add_block_arg(&mut self, block: Block, ty: Type, name: Option<String>) -> Value {
        let index = self.blocks[block].args.len() as u32;
        let v = self.values.push(ValueData { ty, def: ValueDef::Arg(block, index), name });
        self.blocks[block].args.push(v);
        v
    }

    /// Creates an op with fresh results of `result_types` and appends it to `block`.
    /// No semantic check happens here: builders infer the types, the verifier checks them.
    pub fn append_op(
        &mut self,
        block: Block,
        kind: OpKind,
        operands: Vec<Value>,
        attrs: AttrMap,
        result_types: Vec<Type>,
    ) -> Op {
        let op = self.ops.push(OpData {
            kind,
            operands,
            results: Vec::with_capacity(result_types.len()),
            attrs,
            regions: Vec::new(),
            block: Some(block),
        });
        for (i, ty) in result_types.into_iter().enumerate() {
            let v = self.values.push(ValueData { ty, def: ValueDef::Result(op, i as u32), name: None });
            self.ops[op].results.push(v);
        }
        self.blocks[block].ops.push(op);
        op
    }

    /// Adds an empty region owned by `op`.
    pub fn add_region(&mut self, op: Op) -> Region {
        let region = self.regions.push(RegionData { blocks: Vec::new(), parent: Some(op) });
        self.ops[op].regions.push(region);
        region
    }

    /// The type of `v`.
    pub fn value_type(&self, v: Value) -> &Type {
        &self.values[v].ty
    }

    /// The op that defines `v`, if it is an op result.
    pub fn defining_op(&self, v: Value) -> Option<Op> {
        match self.values[v].def {
            ValueDef::Result(op, _) => Some(op),
            ValueDef::Arg(..) => None,
        }
    }

    /// Sets the printing name of `v`.
    pub fn set_name(&mut self, v: Value, name: impl Into<String>) {
        self.values[v].name = Some(name.into());
    }

    /// Every op of the body in layout order, descending into nested regions (pre-order).
    pub fn walk_ops(&self) -> Vec<Op> {
        let mut out = Vec::with_capacity(self.ops.len());
        self.walk_region(self.body, &mut out);
        out
    }

    fn walk_region(&self, region: Region, out: &mut Vec<Op>) {
        for &block in &self.regions[region].blocks {
            for &op in &self.blocks[block].ops {
                out.push(op);
                for &r in &self.ops[op].regions {
                    self.walk_region(r, out);
                }
            }
        }
    }

    /// For every value, the ops that use it (in layout order, an op once per operand slot).
    pub fn uses(&self) -> SecondaryMap<Value, Vec<Op>> {
        let mut uses: SecondaryMap<Value, Vec<Op>> = SecondaryMap::new();
        for op in self.walk_ops() {
            for &v in &self.ops[op].operands {
                uses[v].push(op);
            }
        }
        uses
    }

    /// Replaces every use of `from` by `to` in ops that are still in the layout.
    pub fn replace_all_uses(&mut self, from: Value, to: Value) {
        for op in self.walk_ops() {
            for operand in &mut self.ops[op].operands {
                if *operand == from {
                    *operand = to;
                }
            }
        }
    }

    /// Removes `ops` from their blocks' layouts. Their arena entries stay but are unreachable.
    pub fn remove_ops(&mut self, ops: &[Op]) {
        let mut dead: SecondaryMap<Op, bool> = SecondaryMap::new();
        for &op in ops {
            dead[op] = true;
        }
        let blocks: Vec<Block> = ops.iter().filter_map(|&op| self.ops[op].block).collect();
        for block in blocks {
            self.blocks[block].ops.retain(|&op| !dead[op]);
        }
        for &op in ops {
            self.ops[op].block = None;
        }
    }

    /// The number of ops in the layout (arena entries that were removed are not counted).
    pub fn num_live_ops(&self) -> usize {
        self.walk_ops().len()
    }

    /// Argument `index`'s attributes.
    pub fn arg_attrs(&self, index: usize) -> &AttrMap {
        &self.arg_attrs[index]
    }

    /// The index of a block argument inside its block.
    pub fn arg_index(&self, v: Value) -> Option<usize> {
        match self.values[v].def {
            ValueDef::Arg(_, i) => Some(i as usize),
            ValueDef::Result(..) => None,
        }
    }
}

/// A module: attributes and functions, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    pub attrs: AttrMap,
    pub functions: Vec<Function>,
}

impl Module {
    /// An empty module.
    pub fn new() -> Self {
        Self::default()
    }

    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The function named `name`, mutably.
    pub fn function_mut(&mut self, name: &str) -> Option<&mut Function> {
        self.functions.iter_mut().find(|f| f.name == name)
    }
}

impl OpKind {
    /// The signature of this op kind.
    pub fn info(self) -> crate::signature::OpInfo {
        use crate::signature::{Arity, OpInfo};
        match self {
            OpKind::Func(FuncOp::Return) => OpInfo::new(Arity::AtLeast(0), Arity::Exactly(0), &[]),
            OpKind::Graph(k) => k.info(),
            OpKind::Exec(k) => k.info(),
            OpKind::Sharding(k) => k.info(),
            OpKind::Dist(k) => k.info(),
        }
    }

    /// The result types of an op of this kind, or why the operands and attributes are invalid.
    pub fn infer_types(self, operands: &[&Type], attrs: &AttrMap) -> Result<Vec<Type>, String> {
        match self {
            OpKind::Func(FuncOp::Return) => Ok(Vec::new()),
            OpKind::Graph(k) => {
                if let Some(t) = operands.iter().find(|t| t.is_memref()) {
                    return Err(format!("graph ops take tensors, not buffers ({t})"));
                }
                crate::graph::infer_types(k, operands, attrs)
            }
            OpKind::Exec(k) => crate::exec::infer_types(k, operands, attrs),
            OpKind::Sharding(_) | OpKind::Dist(_) if operands.iter().any(|t| t.is_memref()) => {
                Err(format!("'{}' takes tensors, not buffers", self.name()))
            }
            OpKind::Sharding(k) => crate::dist::infer_sharding(k, operands, attrs),
            OpKind::Dist(k) => crate::dist::infer_dist(k, operands, attrs),
        }
    }
}
