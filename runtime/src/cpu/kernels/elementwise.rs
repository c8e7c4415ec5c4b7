//! Fused elementwise expressions with NumPy broadcasting: the CPU executor of the elementwise part
//! of the kernel IR (`graph.add`, `sub`, `mul`, `div`, `scale`, `gelu`, `silu`, `gelu_grad`,
//! `silu_grad`, chained without intermediate buffers).
//!
//! A program is a list of [`ElemOp`] nodes in SSA order: a node reads inputs or earlier nodes.
//! [`elementwise`] evaluates it over the output in chunks of [`CHUNK`] elements: each node is
//! computed for the whole chunk into a scratch row before the next node runs, so the cost of
//! interpreting the program is paid once per chunk, not per element, and every node's loop is a
//! plain loop over slices that the compiler vectorizes. An input that is not broadcast is read in
//! place, without a copy.
//!
//! Before evaluating, the output shape is simplified the way PyTorch's TensorIterator does it:
//! size-1 dims are dropped and neighbouring dims merged wherever every input allows, so a bias
//! `[H]` added to `[B, S, H]` is a 2-D broadcast over `[B·S, H]`.

use parc_dialects::exec::{broadcast_layout, Access};
use rayon::prelude::*;

use super::{check_len, gelu, gelu_grad, invalid, product, put, silu, silu_grad, Result};
use crate::comm::{bf16_to_f32, f32_to_bf16};

/// One node of an elementwise program. Operands (`usize`) name earlier nodes of the same program,
/// except in [`ElemOp::Input`], which names an input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ElemOp {
    /// Input `i`, broadcast to the output shape.
    Input(usize),
    /// `a + b`.
    Add(usize, usize),
    /// `a - b`.
    Sub(usize, usize),
    /// `a * b`.
    Mul(usize, usize),
    /// `a / b`.
    Div(usize, usize),
    /// `a * factor`.
    Scale(usize, f32),
    /// GELU, tanh form.
    Gelu(usize),
    /// SiLU, `x · sigmoid(x)`.
    Silu(usize),
    /// `GeluGrad(x, dy) = dy · gelu'(x)`.
    GeluGrad(usize, usize),
    /// `SiluGrad(x, dy) = dy · silu'(x)`.
    SiluGrad(usize, usize),
    /// `graph.cast` to bf16 inside a body: the value rounded to the nearest bf16 (ties to even),
    /// kept in f32.
    RoundBf16(usize),
}

impl ElemOp {
    /// The nodes this node reads (none for an input).
    fn operands(self) -> ([usize; 2], usize) {
        match self {
            ElemOp::Input(_) => ([0, 0], 0),
            ElemOp::Scale(a, _) | ElemOp::Gelu(a) | ElemOp::Silu(a) | ElemOp::RoundBf16(a) => ([a, 0], 1),
            ElemOp::Add(a, b)
            | ElemOp::Sub(a, b)
            | ElemOp::Mul(a, b)
            | ElemOp::Div(a, b)
            | ElemOp::GeluGrad(a, b)
            | ElemOp::SiluGrad(a, b) => ([a, b], 2),
        }
    }
}

/// Elements per chunk: the scratch of a program of ten nodes stays in the L1 and L2 caches.
const CHUNK: usize = 1024;

/// Chunks per rayon task.
const CHUNKS_PER_TASK: usize = 16;

/// Evaluates `program` over the output shape `out_shape` and writes node `outputs[k]` to
/// `outs[k]` (overwriting, or adding when `acc`). `inputs[i]` is a slice and its shape, which must
/// broadcast to `out_shape` NumPy-style (aligned at the trailing dim, a dim of 1 stretches).
pub fn elementwise(
    program: &[ElemOp],
    outputs: &[usize],
    out_shape: &[usize],
    inputs: &[(&[f32], &[usize])],
    outs: &mut [&mut [f32]],
    acc: bool,
) -> Result {
    const K: &str = "elementwise";
    for (i, node) in program.iter().enumerate() {
        let (operands, arity) = node.operands();
        if let Some(&bad) = operands[..arity].iter().find(|&&a| a >= i) {
            return Err(invalid(K, format!("node {i} ({node:?}) reads node {bad}, which is not an earlier node")));
        }
        if let ElemOp::Input(k) = *node {
            if k >= inputs.len() {
                return Err(invalid(K, format!("node {i} reads input {k}, but there are {} inputs", inputs.len())));
            }
        }
    }
    if outputs.len() != outs.len() {
        return Err(invalid(K, format!("{} output nodes are named for {} output slices", outputs.len(), outs.len())));
    }
    if let Some(&bad) = outputs.iter().find(|&&o| o >= program.len()) {
        return Err(invalid(K, format!("output node {bad} does not exist in a program of {} nodes", program.len())));
    }
    let n = product(K, out_shape)?;
    for out in outs.iter() {
        check_len(K, "an output", out.len(), n, || format!("output shape {out_shape:?}"))?;
    }
    for (k, &(data, shape)) in inputs.iter().enumerate() {
        let fits = shape.len() <= out_shape.len()
            && shape.iter().rev().zip(out_shape.iter().rev()).all(|(&d, &o)| d == o || d == 1);
        if !fits {
            return Err(invalid(K, format!("input {k} of shape {shape:?} does not broadcast to {out_shape:?}")));
        }
        check_len(K, "an input", data.len(), product(K, shape)?, || format!("input {k} of shape {shape:?}"))?;
    }
    if n == 0 || outs.is_empty() {
        return Ok(());
    }

    let shapes: Vec<&[usize]> = inputs.iter().map(|&(_, shape)| shape).collect();
    let (dims, access) = broadcast_layout(out_shape, &shapes);
    // Nodes that some output needs; the others are skipped.
    let mut live = vec![false; program.len()];
    for &o in outputs {
        live[o] = true;
    }
    for i in (0..program.len()).rev() {
        if live[i] {
            let (operands, arity) = program[i].operands();
            for &a in &operands[..arity] {
                live[a] = true;
            }
        }
    }
    let ctx = Ctx { program, inputs, dims: &dims, access: &access, live: &live };

    // Split every output into task-sized pieces, so that each task owns its piece of each output.
    let task = CHUNK * CHUNKS_PER_TASK;
    let n_tasks = n.div_ceil(task);
    let mut pieces: Vec<Vec<&mut [f32]>> = (0..n_tasks).map(|_| Vec::with_capacity(outs.len())).collect();
    for out in outs.iter_mut() {
        for (t, piece) in out.chunks_mut(task).enumerate() {
            pieces[t].push(piece);
        }
    }
    pieces.into_par_iter().enumerate().for_each_init(
        || vec![0.0f32; program.len() * CHUNK],
        |scratch, (t, mut outs)| {
            let task_start = t * task;
            let task_len = outs[0].len();
            for c0 in (0..task_len).step_by(CHUNK) {
                let len = CHUNK.min(task_len - c0);
                ctx.eval_chunk(scratch, task_start + c0, len);
                for (out, &node) in outs.iter_mut().zip(outputs) {
                    let value = ctx.value(scratch, node, task_start + c0, len);
                    for (o, &v) in out[c0..c0 + len].iter_mut().zip(value) {
                        put(o, v, acc);
                    }
                }
            }
        },
    );
    Ok(())
}

/// What a chunk evaluation needs, shared by all tasks.
struct Ctx<'a> {
    program: &'a [ElemOp],
    inputs: &'a [(&'a [f32], &'a [usize])],
    dims: &'a [usize],
    access: &'a [Access],
    live: &'a [bool],
}

impl Ctx<'_> {
    /// The value of `node` over the chunk: the input itself for a contiguous input, else the
    /// node's scratch row.
    fn value<'s>(&'s self, scratch: &'s [f32], node: usize, start: usize, len: usize) -> &'s [f32] {
        match self.program[node] {
            ElemOp::Input(k) if matches!(self.access[k], Access::Contiguous) => &self.inputs[k].0[start..start + len],
            _ => &scratch[node * CHUNK..node * CHUNK + len],
        }
    }

    /// Computes every live node over output elements `start..start + len`.
    fn eval_chunk(&self, scratch: &mut [f32], start: usize, len: usize) {
        for (i, &node) in self.program.iter().enumerate() {
            if !self.live[i] {
                continue;
            }
            let (done, rest) = scratch.split_at_mut(i * CHUNK);
            let out = &mut rest[..len];
            let arg = |a: usize| self.value(done, a, start, len);
            match node {
                ElemOp::Input(k) => self.load(k, start, out),
                ElemOp::Add(a, b) => zip2(out, arg(a), arg(b), |x, y| x + y),
                ElemOp::Sub(a, b) => zip2(out, arg(a), arg(b), |x, y| x - y),
                ElemOp::Mul(a, b) => zip2(out, arg(a), arg(b), |x, y| x * y),
                ElemOp::Div(a, b) => zip2(out, arg(a), arg(b), |x, y| x / y),
                ElemOp::Scale(a, factor) => zip1(out, arg(a), |x| x * factor),
                ElemOp::Gelu(a) => zip1(out, arg(a), gelu),
                ElemOp::Silu(a) => zip1(out, arg(a), silu),
                ElemOp::GeluGrad(a, b) => zip2(out, arg(a), arg(b), gelu_grad),
                ElemOp::SiluGrad(a, b) => zip2(out, arg(a), arg(b), silu_grad),
                ElemOp::RoundBf16(a) => zip1(out, arg(a), |x| bf16_to_f32(f32_to_bf16(x))),
            }
        }
    }

    /// Gathers input `k` over output elements `start..start + out.len()` into `out`. Contiguous
    /// inputs are read in place by [`Ctx::value`], so there is nothing to load.
    fn load(&self, k: usize, start: usize, out: &mut [f32]) {
        let data = self.inputs[k].0;
        let strides = match &self.access[k] {
            Access::Contiguous => return,
            Access::Scalar => return out.fill(data[0]),
            Access::Strided(s) => s,
        };
        let dims = self.dims;
        let mut index = vec![0usize; dims.len()];
        let mut rest = start;
        for d in (0..dims.len()).rev() {
            index[d] = rest % dims[d];
            rest /= dims[d];
        }
        let last = dims.len() - 1;
        let mut i = 0;
        while i < out.len() {
            let offset: usize = index.iter().zip(strides).map(|(&j, &s)| j * s).sum();
            let run = (dims[last] - index[last]).min(out.len() - i);
            if strides[last] == 0 {
                out[i..i + run].fill(data[offset]);
            } else {
                out[i..i + run].copy_from_slice(&data[offset..offset + run]);
            }
            i += run;
            index[last] += run;
            for d in (1..dims.len()).rev() {
                if index[d] < dims[d] {
                    break;
                }
                index[d] = 0;
                index[d - 1] += 1;
            }
        }
    }
}

#[inline(always)]
fn zip1(out: &mut [f32], a: &[f32], f: impl Fn(f32) -> f32) {
    for (o, &x) in out.iter_mut().zip(a) {
        *o = f(x);
    }
}

#[inline(always)]
fn zip2(out: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = f(x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use parc_dialects::graph::interp::Tensor;
    use parc_dialects::graph::{broadcast_shapes, GraphOp};
    use parc_dialects::{Attr, AttrMap};

    fn to_f32(t: &Tensor) -> Vec<f32> {
        t.data.iter().map(|&v| v as f32).collect()
    }

    fn broadcast(t: &Tensor, shape: &[usize]) -> Tensor {
        let attrs = AttrMap::new().with("shape", Attr::Ints(shape.iter().map(|&d| d as i64).collect()));
        reference1(GraphOp::Broadcast, &[f(&to_f32(t), &t.shape)], &attrs)
    }

    /// The program evaluated node by node in the interpreter, each binary node on operands
    /// broadcast to their common shape; the outputs broadcast to `out_shape`. Every intermediate
    /// is rounded to f32, as the kernel's are.
    fn reference_program(
        program: &[ElemOp],
        outputs: &[usize],
        out_shape: &[usize],
        inputs: &[(&[f32], &[usize])],
    ) -> Vec<Tensor> {
        let mut values: Vec<Tensor> = Vec::new();
        for &node in program {
            let unary =
                |kind: GraphOp, a: &Tensor, attrs: &AttrMap| reference1(kind, &[f(&to_f32(a), &a.shape)], attrs);
            let binary = |kind: GraphOp, a: &Tensor, b: &Tensor| {
                let shape = broadcast_shapes(&a.shape, &b.shape).unwrap();
                let (a, b) = (broadcast(a, &shape), broadcast(b, &shape));
                reference1(kind, &[f(&to_f32(&a), &shape), f(&to_f32(&b), &shape)], &AttrMap::new())
            };
            let none = AttrMap::new();
            let value = match node {
                ElemOp::Input(k) => f(inputs[k].0, inputs[k].1).into_tensor(),
                ElemOp::Add(a, b) => binary(GraphOp::Add, &values[a], &values[b]),
                ElemOp::Sub(a, b) => binary(GraphOp::Sub, &values[a], &values[b]),
                ElemOp::Mul(a, b) => binary(GraphOp::Mul, &values[a], &values[b]),
                ElemOp::Div(a, b) => binary(GraphOp::Div, &values[a], &values[b]),
                ElemOp::Scale(a, factor) => {
                    unary(GraphOp::Scale, &values[a], &AttrMap::new().with("factor", Attr::Float(f64::from(factor))))
                }
                ElemOp::Gelu(a) => unary(GraphOp::Gelu, &values[a], &none),
                ElemOp::Silu(a) => unary(GraphOp::Silu, &values[a], &none),
                ElemOp::GeluGrad(a, b) => binary(GraphOp::GeluGrad, &values[a], &values[b]),
                ElemOp::SiluGrad(a, b) => binary(GraphOp::SiluGrad, &values[a], &values[b]),
                ElemOp::RoundBf16(a) => {
                    unary(GraphOp::Cast, &values[a], &AttrMap::new().with("dtype", Attr::Str("bf16".into())))
                }
            };
            values.push(value);
        }
        outputs.iter().map(|&o| broadcast(&values[o], out_shape)).collect()
    }

    fn check(program: &[ElemOp], outputs: &[usize], out_shape: &[usize], inputs: &[(&[f32], &[usize])]) {
        let want = reference_program(program, outputs, out_shape, inputs);
        let n: usize = out_shape.iter().product();
        let mut rng = Rng::new(n as u64);
        for acc in [false, true] {
            let bases: Vec<Vec<f32>> =
                outputs.iter().map(|_| if acc { rng.vec(n, 1.0) } else { vec![f32::NAN; n] }).collect();
            let mut got = bases.clone();
            let mut outs: Vec<&mut [f32]> = got.iter_mut().map(|v| v.as_mut_slice()).collect();
            elementwise(program, outputs, out_shape, inputs, &mut outs, acc).unwrap();
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                let base = if acc { Some(bases[k].as_slice()) } else { None };
                assert_close_acc(&format!("output {k} of {program:?} over {out_shape:?}"), g, &w.data, base);
            }
        }
    }

    #[test]
    fn broadcasting_scalar_row_and_column() {
        let mut rng = Rng::new(50);
        for out_shape in [[1usize, 1, 1], [4, 7, 33], [2, 33, 7], [3, 1, 700]] {
            let [a, b, c] = out_shape;
            let full = rng.vec(a * b * c, 2.0);
            let row = rng.vec(c, 2.0);
            let col: Vec<f32> = rng.vec(a * b, 2.0).iter().map(|v| v + 3.0).collect();
            let scalar = [rng.uniform() + 2.0];
            let inputs: [(&[f32], &[usize]); 4] =
                [(&full, &out_shape), (&row, &[c]), (&col, &[a, b, 1]), (&scalar, &[])];
            let program = [
                ElemOp::Input(0),
                ElemOp::Input(1),
                ElemOp::Add(0, 1),
                ElemOp::Input(2),
                ElemOp::Mul(2, 3),
                ElemOp::Gelu(4),
                ElemOp::Input(3),
                ElemOp::Sub(5, 6),
                ElemOp::Div(7, 3),
                ElemOp::Scale(8, -0.75),
                ElemOp::Silu(9),
                ElemOp::GeluGrad(0, 10),
                ElemOp::SiluGrad(9, 1),
                ElemOp::RoundBf16(8),
            ];
            check(&program, &[11, 12, 5, 13], &out_shape, &inputs);
            // Outputs that are inputs: a broadcast copy and an in-place one.
            check(&program[..4], &[1, 0, 3], &out_shape, &inputs);
        }
    }

    #[test]
    fn broadcasting_higher_rank_and_odd_sizes() {
        let mut rng = Rng::new(51);
        let out_shape = [2, 5, 3, 33];
        let x = rng.vec(2 * 3 * 33, 2.0);
        let y = rng.vec(5 * 33, 2.0);
        let z = rng.vec(2 * 5 * 3 * 33, 2.0);
        let inputs: [(&[f32], &[usize]); 3] = [(&x, &[2, 1, 3, 33]), (&y, &[5, 1, 33]), (&z, &out_shape)];
        let program = [ElemOp::Input(0), ElemOp::Input(1), ElemOp::Mul(0, 1), ElemOp::Input(2), ElemOp::Add(2, 3)];
        check(&program, &[4], &out_shape, &inputs);
        // A long odd-sized vector spans several chunks and tasks.
        let n = 3 * CHUNK * CHUNKS_PER_TASK + 7;
        let (a, b) = (rng.vec(n, 3.0), rng.vec(n, 3.0));
        let inputs: [(&[f32], &[usize]); 2] = [(&a, &[n]), (&b, &[n])];
        let program = [ElemOp::Input(0), ElemOp::Input(1), ElemOp::Silu(0), ElemOp::GeluGrad(1, 2)];
        check(&program, &[3, 2], &[n], &inputs);
    }

    #[test]
    fn elementwise_rejects_malformed_programs_and_sizes() {
        let a = [1.0f32; 6];
        let mut out = [0.0f32; 6];
        let inputs: [(&[f32], &[usize]); 1] = [(&a, &[2, 3])];
        let mut run = |program: &[ElemOp], outputs: &[usize], shape: &[usize], inputs: &[(&[f32], &[usize])]| {
            elementwise(program, outputs, shape, inputs, &mut [&mut out[..]], false).unwrap_err().to_string()
        };
        assert_eq!(
            run(&[ElemOp::Input(0), ElemOp::Add(0, 2)], &[1], &[2, 3], &inputs),
            "elementwise: node 1 (Add(0, 2)) reads node 2, which is not an earlier node"
        );
        assert_eq!(
            run(&[ElemOp::Input(1)], &[0], &[2, 3], &inputs),
            "elementwise: node 0 reads input 1, but there are 1 inputs"
        );
        assert_eq!(
            run(&[ElemOp::Input(0)], &[3], &[2, 3], &inputs),
            "elementwise: output node 3 does not exist in a program of 1 nodes"
        );
        assert_eq!(
            run(&[ElemOp::Input(0)], &[0], &[3, 2], &inputs),
            "elementwise: input 0 of shape [2, 3] does not broadcast to [3, 2]"
        );
        assert_eq!(
            run(&[ElemOp::Input(0)], &[0], &[2, 3], &[(&a[..5], &[2, 3])]),
            "elementwise: an input has 5 elements, expected 6 (input 0 of shape [2, 3])"
        );
        assert_eq!(
            run(&[ElemOp::Input(0)], &[0], &[3, 3], &[(&a[..3], &[3])]),
            "elementwise: an output has 6 elements, expected 9 (output shape [3, 3])"
        );
    }
}
