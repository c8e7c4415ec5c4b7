//! Dead-code elimination: drops every op none of whose results is used, repeatedly, walking the
//! block backwards so a chain of dead ops goes in one sweep. `func.return` is the root of
//! liveness and is never dropped; all `graph` ops are pure.
//!
//! ```text
//! %a = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>    // unused
//! "func.return"(%x) : (tensor<4xf32>) -> ()
//! // after:
//! "func.return"(%x) : (tensor<4xf32>) -> ()
//! ```

use parc_dialects::entity::SecondaryMap;
use parc_dialects::ir::{Function, Module, OpData, OpKind, Value};

/// Runs DCE over every function's top-level block.
pub fn run(module: &mut Module) -> Result<(), String> {
    for func in &mut module.functions {
        remove_dead(func, |data| matches!(data.kind, OpKind::Graph(_)) && data.regions.is_empty());
    }
    Ok(())
}

/// Drops from `func`'s top-level block every op that `removable` allows and none of whose
/// results is used, walking backwards so a chain of dead ops goes in one sweep.
pub fn remove_dead(func: &mut Function, removable: impl Fn(&OpData) -> bool) {
    let block = func.entry_block();
    let mut use_count: SecondaryMap<Value, u32> = SecondaryMap::new();
    for op in func.walk_ops() {
        for &v in &func.ops[op].operands {
            use_count[v] += 1;
        }
    }
    let mut dead = Vec::new();
    for &op in func.blocks[block].ops.iter().rev() {
        let data = &func.ops[op];
        if removable(data) && data.results.iter().all(|&r| use_count[r] == 0) {
            for &v in &data.operands {
                use_count[v] -= 1;
            }
            dead.push(op);
        }
    }
    func.remove_ops(&dead);
}
