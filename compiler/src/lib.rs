//! parc's compiler: the model-description frontend ([`frontend`]), the mesh ([`mesh`]), model
//! builders ([`models`]), passes ([`passes`]), the plan summary ([`plan`]) and the driver that
//! strings them together and writes the artifacts ([`driver`]). The IR itself lives in
//! `parc_dialects`; nothing here executes a model.

pub mod check;
pub mod codegen;
pub mod cost;
pub mod driver;
pub mod frontend;
pub mod hardware;
pub mod hf;
pub mod mesh;
pub mod models;
pub mod passes;
pub mod pipeline;
pub mod plan;
pub mod planner;
pub mod sharding;

pub use driver::{compile_file, compile_spec, write_artifacts, CompileError, CompileOptions, CompileOutput};
pub use frontend::{load_model, load_model_with, parse_model, ModelSpec};
pub use mesh::Mesh;
