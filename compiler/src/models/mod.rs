//! Model builders: turn a validated [`ModelSpec`] into the forward graph (`@forward` in the graph
//! dialect). One builder covers the dense decoder family; its switches (norm, activation,
//! position, bias, tied embeddings, grouped-query attention) are data from the spec, not separate
//! code paths per model name.

pub mod transformer;

pub use transformer::{
    build_forward, build_forward_rows, build_moe_probe, build_part, param_names, part_has_param, ParamInfo, Part,
    TpLayout, STAGE_COTANGENT, STAGE_INPUT,
};
