//! Hand-written rank programs around one exchange instruction, and the reference permutation
//! of `exec.all_to_all`, shared by the in-process test (all_to_all.rs) and the MPI one
//! (mpi_comm.rs).

#![allow(dead_code)] // each test binary uses the parts it needs

use parc_dialects::mesh::{GroupKind, Mesh};
use parc_dialects::parser::parse_module;
use parc_dialects::types::DType;
use parc_runtime::cpu::exec::{BatchSource, Executor};
use parc_runtime::program::Program;

pub struct NoData;

impl BatchSource for NoData {
    fn load(&mut self, _: usize, _: &mut [i32], _: &mut [i32]) -> Result<(), String> {
        Err("these programs load no batches".into())
    }
}

/// A rank program of `mesh`: `x` (input) and `y` (output) of `shape` and `dtype`, and `@train_step` running
/// `op` from `x` to `y` with `attrs`.
pub fn program(mesh: &Mesh, shape: &[usize], dtype: DType, op: &str, attrs: &str, y_shape: &[usize]) -> Program {
    let dims = |s: &[usize]| s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
    let memref = |s: &[usize]| {
        let d: Vec<String> = s.iter().map(|d| d.to_string()).collect();
        format!("memref<{}x{}>", d.join("x"), dtype.name())
    };
    let x_bytes: usize = shape.iter().product::<usize>() * dtype.size_bytes() as usize;
    let y_bytes: usize = y_shape.iter().product::<usize>() * dtype.size_bytes() as usize;
    let y_offset = x_bytes.div_ceil(64) * 64;
    let arena = y_offset + y_bytes.div_ceil(64) * 64;
    let t = dtype.name();
    let text = format!(
        r#"module attributes {{exec.memory = {{arena = {arena} : i64}}, exec.mesh = {mesh_attr}, exec.tensors = [{{dtype = "{t}", name = "x", offset = 0 : i64, role = "input", shape = array<i64: {xs}>}}, {{dtype = "{t}", name = "y", offset = {y_offset} : i64, role = "output", shape = array<i64: {ys}>}}]}} {{
  func.func @train_step() {{
    %x = "exec.tensor"() {{name = "x"}} : () -> {xm}
    %y = "exec.tensor"() {{name = "y"}} : () -> {ym}
    "exec.{op}"(%x, %y) {{{attrs}}} : ({xm}, {ym}) -> ()
    "func.return"() : () -> ()
  }}
}}
"#,
        mesh_attr = mesh.to_attr(),
        xs = dims(shape),
        ys = dims(y_shape),
        xm = memref(shape),
        ym = memref(y_shape),
    );
    let module = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    Program::load(&module).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The input of `rank`: distinct bit patterns (element `i` of rank `r` is `r · 4096 + i` as
/// f32, or the bf16 bits `r << 9 | i`), so every element's origin is known.
pub fn input(rank: usize, len: usize, dtype: DType) -> Vec<u32> {
    (0..len)
        .map(|i| match dtype {
            DType::F32 => ((rank * 4096 + i) as f32).to_bits(),
            _ => ((rank << 9) | i) as u32,
        })
        .collect()
}

/// What `rank`'s output must be, from the definition: with the shape seen as
/// `[outer, full, inner]` around `dim` and `rows = full / n`, `y[o][i·rows + r][k]` of member
/// `me` is `x[o][me·rows + r][k]` of member `i`.
pub fn expected(mesh: &Mesh, kind: GroupKind, rank: usize, shape: &[usize], dim: usize, dtype: DType) -> Vec<u32> {
    let members = mesh.group(rank, kind);
    let n = members.len();
    let me = members.iter().position(|&m| m == rank).unwrap();
    let outer: usize = shape[..dim].iter().product();
    let full = shape[dim];
    let inner: usize = shape[dim + 1..].iter().product();
    let rows = full / n;
    let len = outer * full * inner;
    let mut y = vec![u32::MAX; len];
    for (i, &peer) in members.iter().enumerate() {
        let x = input(peer, len, dtype);
        for o in 0..outer {
            for r in 0..rows {
                for k in 0..inner {
                    y[(o * full + i * rows + r) * inner + k] = x[(o * full + me * rows + r) * inner + k];
                }
            }
        }
    }
    y
}

/// Fills `x` of `exec` with `input(rank)`, runs `@train_step` and returns `y` as bit patterns.
pub fn run_rank(
    exec: &mut Executor<'_>,
    rank: usize,
    dtype: DType,
) -> Result<Vec<u32>, parc_runtime::cpu::exec::ExecError> {
    let program = exec.program;
    let x = program.tensor("x").unwrap().buf.clone();
    let y = program.tensor("y").unwrap().buf.clone();
    let data = input(rank, x.len(), dtype);
    match dtype {
        DType::F32 => {
            for (d, s) in exec.arena.f32_mut(&x).iter_mut().zip(&data) {
                *d = f32::from_bits(*s);
            }
        }
        _ => {
            for (d, s) in exec.arena.bf16_mut(&x).iter_mut().zip(&data) {
                *d = *s as u16;
            }
        }
    }
    let step = program.function("train_step").unwrap();
    exec.run(step, &mut NoData)?;
    Ok(match dtype {
        DType::F32 => exec.arena.f32(&y).iter().map(|v| v.to_bits()).collect(),
        _ => exec.arena.bf16(&y).iter().map(|&v| v as u32).collect(),
    })
}
