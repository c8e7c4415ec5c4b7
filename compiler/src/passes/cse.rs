//! Common-subexpression elimination: an op whose kind, operands and attributes equal those of an
//! earlier op in the same block is dropped and its results replaced by the earlier op's. All
//! `graph` ops are pure, so this is always sound for them; `func.return` is never merged.
//!
//! ```text
//! %a = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
//! %b = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
//! %c = "graph.add"(%a, %b) : …
//! // after:
//! %a = "graph.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
//! %c = "graph.add"(%a, %a) : …
//! ```

use std::collections::HashMap;

use parc_dialects::ir::{Module, OpKind, Value};

/// Runs CSE over every function's top-level block.
pub fn run(module: &mut Module) -> Result<(), String> {
    for func in &mut module.functions {
        let block = func.entry_block();
        let mut seen: HashMap<(OpKind, Vec<Value>, String), Vec<Value>> = HashMap::new();
        let mut dead = Vec::new();
        for op in func.blocks[block].ops.clone() {
            let data = &func.ops[op];
            if !matches!(data.kind, OpKind::Graph(_)) || !data.regions.is_empty() {
                continue;
            }
            // Earlier replacements may have rewritten this op's operands; the key reads them now.
            let key = (data.kind, data.operands.clone(), data.attrs.to_string());
            match seen.get(&key) {
                Some(earlier) => {
                    let pairs: Vec<(Value, Value)> =
                        data.results.iter().copied().zip(earlier.iter().copied()).collect();
                    for (from, to) in pairs {
                        func.replace_all_uses(from, to);
                    }
                    dead.push(op);
                }
                None => {
                    seen.insert(key, data.results.clone());
                }
            }
        }
        func.remove_ops(&dead);
    }
    Ok(())
}
