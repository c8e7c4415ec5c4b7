//! The CUDA C side of codegen: how element types, literals and indices are spelled, the prelude
//! snippets kernels may ask for (conversions, deterministic block reductions), the `$name`
//! template substitution the kernel templates use, and [`write_frame`], the one function that
//! writes a kernel file around the bodies a template produced: header comment, includes, prelude,
//! per-operand typedefs, constants and one `extern "C" __global__` function per entry point.
//!
//! Nothing here knows about exec ops beyond what a [`KernelSpec`] says; the templates in the
//! sibling modules decide what to compute.

use std::collections::BTreeSet;
use std::fmt::Write;

use parc_dialects::exec::ExecOp;
use parc_dialects::types::{DType, TensorType, Type};

/// The placeholder for the kernel's base name in a rendered template; the final name contains a
/// hash of the source, so it is substituted after hashing.
pub const NAME_PLACEHOLDER: &str = "@KERNEL@";

/// How a kernel parameter is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Read only.
    Input,
    /// Written (and read first when the op accumulates).
    Output,
    /// Read and written in place (optimizer state, the parameter).
    InOut,
}

impl Role {
    /// How the manifest and the header comment spell the role.
    pub fn name(self) -> &'static str {
        match self {
            Role::Input => "input",
            Role::Output => "output",
            Role::InOut => "in-out",
        }
    }
}

/// One kernel parameter: an operand of the exec op, in operand order.
#[derive(Clone, Debug)]
pub struct Param {
    /// The C name; also the name of its typedef (`<name>_t`).
    pub name: String,
    /// The operand's type (shape and element type).
    pub ty: TensorType,
    pub role: Role,
}

/// A prelude snippet a kernel needs. The frame emits each requested one once, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Helper {
    /// `put(p, v)`: store `v` (a float) at `p`, or add it to what is there when the op accumulates.
    Put,
    /// `block_sum_f(float)`: the sum over the block, every thread gets it.
    BlockSumF,
    /// `block_max_f(float)`: the maximum over the block, ignoring NaN (as `fmaxf`).
    BlockMaxF,
    /// `block_sum_d(double)`.
    BlockSumD,
    /// `block_max_d(double)`: the maximum over the block; NaN propagates.
    BlockMaxD,
    /// `block_sum_i(int)`.
    BlockSumI,
    /// `parc_gelu_grad(x, dy)`.
    GeluGrad,
    /// `parc_silu_grad(x, dy)`.
    SiluGrad,
}

/// One `__global__` function of a kernel file.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Appended to the kernel's base name (`""`, `"_finish"`, ...).
    pub suffix: &'static str,
    /// What this launch does, for the header comment.
    pub purpose: &'static str,
    /// Blocks (1-D).
    pub grid: u64,
    /// Threads per block (1-D, a multiple of 32).
    pub block: u32,
    /// The statements of the function body.
    pub body: String,
}

/// Everything a template produces for one kernel; [`write_frame`] turns it into a file.
#[derive(Clone, Debug)]
pub struct KernelSpec {
    /// The exec op it implements.
    pub op: ExecOp,
    /// The op's attributes as MLIR prints them (`{causal = true}`), for the header.
    pub attrs: String,
    /// Parameters in operand order. A scratch buffer, if any, is one more parameter at the end.
    pub params: Vec<Param>,
    /// Launched in this order on one stream.
    pub entries: Vec<Entry>,
    /// Bytes of device scratch the runtime must pass as the last parameter, and their layout.
    pub scratch: Option<(u64, String)>,
    /// Whether outputs are accumulated into (the `accumulate` attribute): decides `put`.
    pub accumulate: bool,
    pub helpers: BTreeSet<Helper>,
    /// Whether the bodies use `ld(v)` / `st(p, v)` (element to float and back) for their float
    /// operands; the elementwise renderer spells its conversions inline instead.
    pub conversions: bool,
    /// File-scope definitions (constant tables), after the typedefs.
    pub globals: String,
}

/// The element variant of a kernel: bf16 if any float operand is bf16, else f16 if any is, else
/// f32. Optimizer state and integer operands do not change it.
pub fn variant(params: &[Param]) -> DType {
    let dtypes: BTreeSet<DType> = params.iter().map(|p| p.ty.dtype).collect();
    if dtypes.contains(&DType::BF16) {
        DType::BF16
    } else if dtypes.contains(&DType::F16) {
        DType::F16
    } else {
        DType::F32
    }
}

/// The C type that stores one element.
pub fn storage_type(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "float",
        DType::BF16 => "__nv_bfloat16",
        DType::F16 => "__half",
        DType::I32 => "int",
        DType::I64 => "long long",
    }
}

/// The C type arithmetic on elements of `dtype` happens in: float for every float type (bf16 and
/// f16 are widened on load and rounded on store), the integer type itself otherwise.
pub fn compute_type(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 | DType::BF16 | DType::F16 => "float",
        DType::I32 => "int",
        DType::I64 => "long long",
    }
}

/// `expr`, an element of `dtype` as stored, converted to [`compute_type`].
pub fn load_expr(dtype: DType, expr: &str) -> String {
    match dtype {
        DType::BF16 => format!("__bfloat162float({expr})"),
        DType::F16 => format!("__half2float({expr})"),
        DType::F32 | DType::I32 | DType::I64 => expr.to_string(),
    }
}

/// `expr`, a value of [`compute_type`], converted to the storage type of `dtype` (round to
/// nearest even for bf16 and f16).
pub fn store_expr(dtype: DType, expr: &str) -> String {
    match dtype {
        DType::BF16 => format!("__float2bfloat16({expr})"),
        DType::F16 => format!("__float2half({expr})"),
        DType::F32 | DType::I32 | DType::I64 => expr.to_string(),
    }
}

/// `v` as a C float literal that reads back as the f32 nearest `v` (the shortest round-trip
/// digits), e.g. `0.25f`, `1e-6f`, `(-0.5f)`; non-finite values as bit patterns.
pub fn f32_lit(v: f64) -> String {
    let f = v as f32;
    if f.is_nan() {
        return "__int_as_float(0x7fc00000)".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "__int_as_float(0x7f800000)".into() } else { "__int_as_float(0xff800000)".into() };
    }
    let mut s = format!("{f:?}");
    if !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    if f.is_sign_negative() {
        format!("({s}f)")
    } else {
        format!("{s}f")
    }
}

/// `v` as a C double literal that reads back as exactly `v`.
pub fn f64_lit(v: f64) -> String {
    if v.is_nan() {
        return "__longlong_as_double(0x7ff8000000000000ll)".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "__longlong_as_double(0x7ff0000000000000ll)".into()
        } else {
            "__longlong_as_double((long long)0xfff0000000000000ull)".into()
        };
    }
    let mut s = format!("{v:?}");
    if !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    if v.is_sign_negative() {
        format!("({s})")
    } else {
        s
    }
}

/// The index type of a kernel: 32-bit unsigned when every flat index it forms stays below 2^31
/// (so `i + gridDim.x * blockDim.x` cannot wrap), 64-bit otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Index {
    wide: bool,
}

impl Index {
    /// The index type for a kernel whose largest flat index is below `max_elements`.
    pub fn for_elements(max_elements: u64) -> Index {
        Index { wide: max_elements > i32::MAX as u64 }
    }

    /// The C type.
    pub fn ty(self) -> &'static str {
        if self.wide {
            "unsigned long long"
        } else {
            "unsigned int"
        }
    }

    /// An index constant.
    pub fn lit(self, v: u64) -> String {
        if self.wide {
            format!("{v}ull")
        } else {
            format!("{v}u")
        }
    }

    /// The header of a grid-stride loop of `var` over `0..n` with one thread per index.
    pub fn grid_stride(self, var: &str, n: u64) -> String {
        let (t, n) = (self.ty(), self.lit(n));
        format!(
            "for ({t} {var} = ({t})blockIdx.x * blockDim.x + threadIdx.x; {var} < {n}; {var} += ({t})gridDim.x * blockDim.x)"
        )
    }

    /// The header of a loop of `var` over `0..n` with one block per index.
    pub fn block_stride(self, var: &str, n: u64) -> String {
        let (t, n) = (self.ty(), self.lit(n));
        format!("for ({t} {var} = blockIdx.x; {var} < {n}; {var} += gridDim.x)")
    }

    /// The offset `Σ index_d · stride_d` of the element at row-major position `var` of the dims
    /// `(size, stride)`, outermost first: `((i / 2048u) % 32u) * 64u + (i % 64u)`. Dims with stride
    /// 0 or size 1 contribute nothing; the outermost needs no `%` because `var` is in range.
    pub fn offset_expr(self, var: &str, dims: &[(u64, u64)]) -> String {
        let mut terms = Vec::new();
        let mut div = 1u64;
        for d in (0..dims.len()).rev() {
            let (size, stride) = dims[d];
            if stride != 0 && size != 1 {
                let mut t = if div == 1 { var.to_string() } else { format!("({var} / {})", self.lit(div)) };
                if d != 0 {
                    t = format!("({t} % {})", self.lit(size));
                }
                if stride != 1 {
                    t = format!("{t} * {}", self.lit(stride));
                }
                terms.push(t);
            }
            div = div.saturating_mul(size);
        }
        if terms.is_empty() {
            return self.lit(0);
        }
        terms.reverse();
        terms.join(" + ")
    }
}

/// Replaces every `$name` (an ASCII identifier after `$`) in `template` by its value in `vars`.
/// Templates are constants of this crate, so a name without a value is a bug in it: it panics.
pub fn subst(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..len];
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => panic!("kernel template variable ${name} has no value"),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Threads per block of a kernel that gives one block to each row of `n` elements: enough warps to
/// cover short rows, 256 for most, more for long rows (a vocabulary of logits).
pub fn row_block(n: u64) -> u32 {
    match n {
        0..=256 => (n.max(1).div_ceil(32) * 32) as u32,
        257..=8192 => 256,
        8193..=32768 => 512,
        _ => 1024,
    }
}

/// Threads per block of grid-stride kernels over elements.
pub const ELEMENT_BLOCK: u32 = 256;

/// At most this many blocks for a grid-stride kernel over elements: 8192 × 256 threads fill an
/// H100 many times over; every thread then loops.
pub const MAX_ELEMENT_GRID: u64 = 8192;

/// At most this many blocks for a kernel with one block per row (rows loop beyond it).
pub const MAX_ROW_GRID: u64 = 65535;

/// The launch of a grid-stride kernel over `n` elements: `(grid, block)`.
pub fn element_launch(n: u64) -> (u64, u32) {
    let block = if n >= ELEMENT_BLOCK as u64 { ELEMENT_BLOCK } else { (n.max(1).div_ceil(32) * 32) as u32 };
    (n.div_ceil(block as u64).clamp(1, MAX_ELEMENT_GRID), block)
}

/// The launch of a kernel with one block per each of `rows` rows of `n` elements.
pub fn row_launch(rows: u64, n: u64) -> (u64, u32) {
    (rows.clamp(1, MAX_ROW_GRID), row_block(n))
}

fn memref(t: &TensorType) -> String {
    Type::MemRef(t.clone()).to_string()
}

/// A deterministic block reduction over `ty` combining with `combine` (an expression of `a` and
/// `b`) from `identity`: a warp-shuffle tree in each warp, then the warps' results in warp 0, in an
/// order fixed by `blockDim.x` (a multiple of 32). Every thread gets the result; the function ends
/// with `__syncthreads()` so it can be called again at once.
fn block_reduce(name: &str, ty: &str, combine: &str, identity: &str) -> String {
    let step = |indent: &str| {
        format!(
            "{indent}for (int offset = 16; offset > 0; offset >>= 1) {{\n\
             {indent}    const {ty} a = v, b = __shfl_down_sync(0xffffffffu, v, offset);\n\
             {indent}    v = {combine};\n\
             {indent}}}\n"
        )
    };
    format!(
        "__device__ __forceinline__ {ty} {name}({ty} v) {{\n\
         \x20   __shared__ {ty} partial[32];\n\
         \x20   const unsigned int lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;\n\
         {}\
         \x20   if (lane == 0) partial[warp] = v;\n\
         \x20   __syncthreads();\n\
         \x20   if (warp == 0) {{\n\
         \x20       v = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : {identity};\n\
         {}\
         \x20       if (lane == 0) partial[0] = v;\n\
         \x20   }}\n\
         \x20   __syncthreads();\n\
         \x20   v = partial[0];\n\
         \x20   __syncthreads();\n\
         \x20   return v;\n\
         }}\n",
        step("    "),
        step("        "),
    )
}

fn helper_source(helper: Helper, accumulate: bool) -> String {
    match helper {
        Helper::Put if accumulate => "// Adds v to the element at p (the op accumulates into its outputs).\n\
             template <typename T> __device__ __forceinline__ void put(T* p, float v) { st(p, ld(*p) + v); }\n"
            .into(),
        Helper::Put => "// Writes v to the element at p.\n\
                        template <typename T> __device__ __forceinline__ void put(T* p, float v) { st(p, v); }\n"
            .into(),
        Helper::BlockSumF => block_reduce("block_sum_f", "float", "a + b", "0.0f"),
        Helper::BlockMaxF => block_reduce("block_max_f", "float", "fmaxf(a, b)", "__int_as_float(0xff800000)"),
        Helper::BlockSumD => block_reduce("block_sum_d", "double", "a + b", "0.0"),
        Helper::BlockMaxD => block_reduce(
            "block_max_d",
            "double",
            "(b > a || isnan(b)) ? b : a",
            "__longlong_as_double((long long)0xfff0000000000000ull)",
        ),
        Helper::BlockSumI => block_reduce("block_sum_i", "int", "a + b", "0"),
        Helper::GeluGrad => format!(
            "// dy * gelu'(x), GELU in its tanh form.\n\
             __device__ __forceinline__ float parc_gelu_grad(float x, float dy) {{\n\
             \x20   const float t = tanhf({c} * (x + {a} * x * x * x));\n\
             \x20   return dy * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * {c} * (1.0f + 3.0f * {a} * x * x));\n\
             }}\n",
            c = f32_lit(GELU_C),
            a = f32_lit(GELU_A),
        ),
        Helper::SiluGrad => "// dy * silu'(x) = dy * s * (1 + x * (1 - s)), s = sigmoid(x).\n\
             __device__ __forceinline__ float parc_silu_grad(float x, float dy) {\n\
             \x20   const float s = 1.0f / (1.0f + expf(-x));\n\
             \x20   return dy * s * (1.0f + x * (1.0f - s));\n\
             }\n"
        .into(),
    }
}

/// √(2/π), the GELU (tanh form) constant.
pub const GELU_C: f64 = 0.7978845608028654;
/// The cubic coefficient of the GELU tanh form.
pub const GELU_A: f64 = 0.044715;

/// `ld(v)` and `st(p, v)` for one storage type: element to float and float to element.
fn conversions(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => {
            "__device__ __forceinline__ float ld(float v) { return v; }\n\
             __device__ __forceinline__ void st(float* p, float v) { *p = v; }\n"
        }
        DType::BF16 => {
            "__device__ __forceinline__ float ld(__nv_bfloat16 v) { return __bfloat162float(v); }\n\
             __device__ __forceinline__ void st(__nv_bfloat16* p, float v) { *p = __float2bfloat16(v); }\n"
        }
        DType::F16 => {
            "__device__ __forceinline__ float ld(__half v) { return __half2float(v); }\n\
             __device__ __forceinline__ void st(__half* p, float v) { *p = __float2half(v); }\n"
        }
        // Integer operands (token ids, labels, the step) are read as they are.
        DType::I32 | DType::I64 => "",
    }
}

/// Writes the kernel file for `spec`: the header comment (op, parameters with shapes and dtypes,
/// variant, launch configuration, scratch), the includes its element types need, the prelude
/// snippets it asked for, a typedef per parameter, its globals and one `extern "C" __global__`
/// function per entry point, all taking the same parameters. The kernel's name is
/// [`NAME_PLACEHOLDER`] until the caller substitutes it.
pub fn write_frame(spec: &KernelSpec) -> String {
    let mut s = String::with_capacity(4096);
    let name = NAME_PLACEHOLDER;
    let _ = writeln!(s, "// Generated by parc (compiler/src/codegen, docs/codegen.md). Do not edit.");
    let _ = writeln!(s, "// op: {} {}", spec.op.name(), spec.attrs);
    let _ = writeln!(s, "// variant: {}", variant(&spec.params));
    let _ = writeln!(s, "// parameters, in order (one device pointer each):");
    let width = spec.params.iter().map(|p| p.name.len()).max().unwrap_or(0).max("scratch".len());
    for p in &spec.params {
        let _ = writeln!(s, "//   {:width$}  {}  {}", p.name, memref(&p.ty), p.role.name());
    }
    match &spec.scratch {
        Some((bytes, layout)) => {
            let _ = writeln!(s, "//   {:width$}  {bytes} bytes of device scratch: {layout}", "scratch");
        }
        None => {
            let _ = writeln!(s, "// scratch: none");
        }
    }
    let _ = writeln!(s, "// launch, in this order on one stream (1-D grid and block, no dynamic shared memory):");
    for e in &spec.entries {
        let _ = writeln!(s, "//   {name}{}  grid {}  block {}  -- {}", e.suffix, e.grid, e.block, e.purpose);
    }
    s.push('\n');

    let dtypes: BTreeSet<DType> = spec.params.iter().map(|p| p.ty.dtype).collect();
    if dtypes.contains(&DType::BF16) {
        s.push_str("#include <cuda_bf16.h>\n");
    }
    if dtypes.contains(&DType::F16) {
        s.push_str("#include <cuda_fp16.h>\n");
    }
    if dtypes.contains(&DType::BF16) || dtypes.contains(&DType::F16) {
        s.push('\n');
    }
    let mut prelude = String::new();
    if spec.conversions || spec.helpers.contains(&Helper::Put) {
        for &d in &dtypes {
            prelude.push_str(conversions(d));
        }
    }
    for &h in &spec.helpers {
        prelude.push_str(&helper_source(h, spec.accumulate));
    }
    if !prelude.is_empty() {
        s.push_str(&prelude);
        s.push('\n');
    }
    for p in &spec.params {
        let _ = writeln!(s, "typedef {} {}_t;", storage_type(p.ty.dtype), p.name);
    }
    s.push('\n');
    if !spec.globals.is_empty() {
        s.push_str(&spec.globals);
        s.push('\n');
    }

    let mut params: Vec<String> = spec
        .params
        .iter()
        .map(|p| {
            let constness = if p.role == Role::Input { "const " } else { "" };
            format!("{constness}{0}_t* __restrict__ {0}", p.name)
        })
        .collect();
    if spec.scratch.is_some() {
        params.push("void* __restrict__ scratch".into());
    }
    let params = params.join(", ");
    for (i, e) in spec.entries.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let _ =
            writeln!(s, "extern \"C\" __global__ void __launch_bounds__({}) {name}{}({params}) {{", e.block, e.suffix);
        s.push_str(&e.body);
        s.push_str("}\n");
    }
    s
}

/// Indents every non-empty line of `text` by `n` spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::with_capacity(text.len() + 16 * n);
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_round_trip_and_are_valid_c() {
        assert_eq!(f32_lit(0.25), "0.25f");
        assert_eq!(f32_lit(1.0), "1.0f");
        assert_eq!(f32_lit(1e-6), "1e-6f");
        assert_eq!(f32_lit(-0.5), "(-0.5f)");
        assert_eq!(f32_lit(f64::NEG_INFINITY), "__int_as_float(0xff800000)");
        assert_eq!(f64_lit(0.9), "0.9");
        assert_eq!(f64_lit(3.0), "3.0");
        assert_eq!(f64_lit(1e-8), "1e-8");
    }

    #[test]
    fn offsets_skip_broadcast_dims_and_the_outer_modulo() {
        let i = Index::for_elements(1000);
        assert_eq!(i.offset_expr("i", &[(2, 2048), (32, 0), (64, 1)]), "(i / 2048u) * 2048u + (i % 64u)");
        assert_eq!(i.offset_expr("i", &[(4, 0)]), "0u");
        assert_eq!(Index::for_elements(1 << 40).offset_expr("i", &[(3, 5)]), "i * 5ull");
    }

    #[test]
    fn subst_replaces_names_and_keeps_the_rest() {
        assert_eq!(
            subst("y[$i] = $v_1 + $v;", &[("i", "k".into()), ("v", "a".into()), ("v_1", "b".into())]),
            "y[k] = b + a;"
        );
    }
}
