//! The CUDA device: runs a program's instructions on one NVIDIA GPU. It holds one device arena of
//! exactly the program's planned `arena_bytes`, compiles the program's generated kernels once per
//! process with NVRTC (PTX cached on disk by a hash of the source, the architecture and the NVRTC
//! version), launches each kernel instruction with the entry points and the grid and block of
//! codegen's manifest ([`LaunchTable`]), and runs `exec.gemm` through cuBLAS
//! (`cublasGemmStridedBatchedEx`: f32, or bf16 with f32 accumulation, [`GemmPlan`]).
//!
//! Everything runs on the legacy default stream, in program order, so the synchronous copies of
//! [`Accelerator`] see every launch before them. Collectives need the NCCL communicator, which is
//! not built yet: a program with one refuses to open.
//!
//! Every library is loaded at run time (cudarc's dynamic loading); a missing one is reported by a
//! presence check before the first call, never by cudarc's panic.

use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::path::PathBuf;
use std::sync::Arc;

use cudarc::cublas::{result as blas, sys as blas_sys};
use cudarc::cublaslt::{result as lt, sys as lt_sys};
use cudarc::driver::{result as drv, sys as drv_sys, CudaContext};
use parc_dialects::types::DType;

use super::nvrtc::{self, GpuArch};
use crate::backend::{Accelerator, CollectiveError, Device};
use crate::cpu::exec::BatchSource;
use crate::gpu::{GemmPlan, KernelSet, LaunchTable, Slot};
use crate::instr::{Collective, Kernel};
use crate::program::{Buf, Instr, Program};

/// An entry point with its grid, block and dynamic shared memory.
type Launch = (drv_sys::CUfunction, (u32, u32, u32), (u32, u32, u32), u32);

/// One loaded kernel file: its entry points, launch configurations and scratch.
struct Loaded {
    module: drv_sys::CUmodule,
    entries: Vec<Launch>,
    scratch: Option<drv_sys::CUdeviceptr>,
    file: String,
}

/// Per-instruction GPU times, from a pair of events around each kernel and GEMM (`--profile`).
#[derive(Default)]
struct Profiler {
    events: HashMap<(usize, usize), (drv_sys::CUevent, drv_sys::CUevent)>,
    /// Instructions launched since the last drain, in order.
    pending: Vec<(usize, usize)>,
    /// Milliseconds and launches per instruction.
    totals: HashMap<(usize, usize), (f64, u64)>,
    /// What each instruction ran: its kernel file, or the GEMM's shape.
    labels: HashMap<(usize, usize), String>,
    /// Steps drained (reads of the loss).
    steps: u64,
}

/// Bytes of cuBLASLt workspace: what NVIDIA recommends for Hopper (32 MiB), allocated once.
pub const CUBLASLT_WORKSPACE_BYTES: usize = 32 << 20;

/// One GEMM call prepared for cuBLASLt: its descriptor, layouts and the algorithm the heuristic
/// chose, found once when the device opens.
struct LtCall {
    desc: lt_sys::cublasLtMatmulDesc_t,
    layouts: [lt_sys::cublasLtMatrixLayout_t; 3],
    algo: lt_sys::cublasLtMatmulAlgo_t,
}

/// A run of kernel instructions between two host interactions (a micro-batch load, a copy, the
/// end of a step): the unit captured as one CUDA graph.
struct Segment {
    instrs: Vec<(usize, usize)>,
    graph: Option<drv_sys::CUgraphExec>,
}

/// Where the step's kernels go: launched one by one (the first step, or graphs off), captured
/// (the second step), or replayed as graphs (from the third).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GraphMode {
    Off,
    Record,
    Capture,
    Replay,
}

/// A program on one GPU.
pub struct CudaDevice {
    stream: drv_sys::CUstream,
    mode: GraphMode,
    segments: Vec<Segment>,
    /// The current segment of this step and the position in it.
    seg: usize,
    pos: usize,
    /// Whether the current segment's kernels are being captured or were replayed.
    in_segment: bool,
    /// cuBLASLt plans by (function instance, instruction), one per call of the GEMM's plan; a GEMM
    /// that cuBLASLt has no algorithm for runs through cublasGemmStridedBatchedEx.
    lt_calls: HashMap<(usize, usize), Vec<LtCall>>,
    lt: lt_sys::cublasLtHandle_t,
    lt_workspace: drv_sys::CUdeviceptr,
    profiler: Option<Profiler>,
    ctx: Arc<CudaContext>,
    arena: drv_sys::CUdeviceptr,
    arena_bytes: usize,
    kernels: Vec<Loaded>,
    table: LaunchTable,
    cublas: blas_sys::cublasHandle_t,
    name: String,
    capability: (i32, i32),
    /// Host staging for micro-batch loads.
    tokens: Vec<i32>,
    labels: Vec<i32>,
}

fn driver(what: &str, e: drv::DriverError) -> String {
    let name = e.error_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|_| format!("{:?}", e.0));
    let text = e.error_string().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{what}: {name} ({text})")
}

fn cublas_err(what: &str, e: blas::CublasError) -> String {
    format!("{what}: {:?}", e.0)
}

fn lt_err(what: &str, e: lt::CublasError) -> String {
    format!("{what}: {:?}", e.0)
}

/// Where compiled PTX is cached: `$PARC_CACHE_DIR`, else `$XDG_CACHE_HOME/parc`, else
/// `$HOME/.cache/parc`; then `ptx/`.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = var("PARC_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("parc")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("parc")))?;
    Some(base.join("ptx"))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// PTX for `source`, from the disk cache or compiled with NVRTC (and then cached).
fn ptx_for(file: &str, source: &str, arch: GpuArch) -> Result<String, String> {
    let version = nvrtc::nvrtc_version().unwrap_or((0, 0));
    let key = format!("{}\0{}\0{}.{}", source, arch.compute_name(), version.0, version.1);
    let path = cache_dir().map(|d| d.join(format!("{:016x}.ptx", fnv1a(key.as_bytes()))));
    if let Some(ptx) = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
        return Ok(ptx);
    }
    let ptx = nvrtc::compile_cuda(source, file, arch, &[]).map_err(|e| e.to_string())?;
    if let Some(path) = &path {
        // A cache that cannot be written only costs the next process a compile.
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, &ptx).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
    Ok(ptx)
}

impl CudaDevice {
    /// Opens GPU 0 (`CUDA_VISIBLE_DEVICES` picks which), allocates the arena and loads every
    /// kernel of `program`.
    pub fn new(program: &Program, kernels: &KernelSet) -> Result<Self, String> {
        // cudarc panics when a library it loads on first use is missing: check first.
        // SAFETY: presence checks only dlopen and close the library names cudarc tries.
        if !unsafe { drv_sys::is_culib_present() } {
            return Err("--backend cuda: no CUDA driver library (libcuda.so) on this machine; run on a machine with \
                        an NVIDIA GPU and its driver"
                .into());
        }
        // SAFETY: as above.
        if !unsafe { blas_sys::is_culib_present() } || !unsafe { lt_sys::is_culib_present() } {
            return Err("--backend cuda: cuBLAS (libcublas.so and libcublasLt.so) cannot be loaded; install the nvidia-cublas wheel or \
                        the CUDA toolkit and put its lib directory on LD_LIBRARY_PATH"
                .into());
        }
        if !nvrtc::nvrtc_available() {
            return Err("--backend cuda: NVRTC (libnvrtc.so) cannot be loaded; scripts/install-nvrtc.sh installs it \
                        (then put NVRTC_LIB_DIR on LD_LIBRARY_PATH)"
                .into());
        }
        for instrs in &program.functions {
            if let Some(Instr::Collective { collective, .. }) =
                instrs.iter().find(|i| matches!(i, Instr::Collective { .. }))
            {
                return Err(format!(
                    "--backend cuda runs single-device programs today: this one has collectives ({}), which need \
                     the NCCL communicator, not built yet; run it on the CPU backend",
                    collective.op().name()
                ));
            }
        }
        let table = LaunchTable::build(program, kernels)?;
        let ctx = CudaContext::new(0).map_err(|e| driver("cannot open GPU 0", e))?;
        let name = ctx.name().map_err(|e| driver("cannot read the GPU's name", e))?;
        let capability = ctx.compute_capability().map_err(|e| driver("cannot read the compute capability", e))?;
        let arch = match capability.0 {
            8 => GpuArch::Sm80,
            m if m >= 9 => GpuArch::Sm90,
            _ => {
                return Err(format!(
                    "{name} has compute capability {}.{}; parc's kernels need 8.0 (A100) or newer",
                    capability.0, capability.1
                ))
            }
        };
        let (free, _) = drv::mem_get_info().map_err(|e| driver("cannot read the GPU's free memory", e))?;
        if program.arena_bytes > free {
            return Err(format!(
                "the program's arena is {} bytes ({:.2} GiB); {name} has {:.2} GiB free; recompile for more ranks \
                 (a larger mesh, ZeRO, recomputation) so that each needs less",
                program.arena_bytes,
                program.arena_bytes as f64 / (1u64 << 30) as f64,
                free as f64 / (1u64 << 30) as f64
            ));
        }
        // SAFETY: the context is current on this thread (CudaContext::new binds it).
        let arena = unsafe { drv::malloc_sync(program.arena_bytes.max(1)) }
            .map_err(|e| driver("cannot allocate the arena on the GPU", e))?;
        // SAFETY: `arena` holds at least `arena_bytes` bytes.
        unsafe { drv::memset_d8_sync(arena, 0, program.arena_bytes) }
            .map_err(|e| driver("cannot zero the arena", e))?;
        let cublas = blas::create_handle().map_err(|e| cublas_err("cannot create a cuBLAS handle", e))?;
        let lt = lt::create_handle().map_err(|e| lt_err("cannot create a cuBLASLt handle", e))?;
        // SAFETY: the context is current.
        let lt_workspace = unsafe { drv::malloc_sync(CUBLASLT_WORKSPACE_BYTES) }
            .map_err(|e| driver("cannot allocate the cuBLASLt workspace", e))?;
        let stream = drv::stream::create(drv::stream::StreamKind::NonBlocking)
            .map_err(|e| driver("cannot create a CUDA stream", e))?;
        // SAFETY: both handles are live.
        unsafe { blas::set_stream(cublas, stream as blas_sys::cudaStream_t) }
            .map_err(|e| cublas_err("cublasSetStream", e))?;
        let mut device = CudaDevice {
            stream,
            mode: GraphMode::Off,
            segments: Vec::new(),
            seg: 0,
            pos: 0,
            in_segment: false,
            lt_calls: HashMap::new(),
            lt,
            lt_workspace,
            profiler: None,
            ctx,
            arena,
            arena_bytes: program.arena_bytes,
            kernels: Vec::new(),
            table,
            cublas,
            name,
            capability,
            tokens: Vec::new(),
            labels: Vec::new(),
        };
        for file in &kernels.manifest.kernels {
            let loaded = device.load(file, &kernels.sources[&file.file], arch)?;
            device.kernels.push(loaded);
        }
        // PARC_CUBLASLT=0 runs every GEMM through cublasGemmStridedBatchedEx (to compare the two).
        let use_lt = std::env::var("PARC_CUBLASLT").map_or(true, |v| v != "0");
        for (f, row) in device.table.slots.iter().enumerate().filter(|_| use_lt) {
            for (i, slot) in row.iter().enumerate() {
                if let Slot::Gemm(plan) = slot {
                    if let Some(calls) = lt_plan(device.lt, plan)? {
                        device.lt_calls.insert((f, i), calls);
                    }
                }
            }
        }
        Ok(device)
    }

    fn load(&self, file: &crate::gpu::manifest::KernelFile, source: &str, arch: GpuArch) -> Result<Loaded, String> {
        let ptx = ptx_for(&file.file, source, arch)?;
        let ptx = CString::new(ptx).map_err(|_| format!("{}: NVRTC's PTX has a NUL byte", file.file))?;
        // SAFETY: a NUL-terminated PTX image; the context is current.
        let module = unsafe { drv::module::load_data(ptx.as_ptr().cast()) }
            .map_err(|e| driver(&format!("cannot load the PTX of {}", file.file), e))?;
        let mut entries = Vec::with_capacity(file.entry_points.len());
        for e in &file.entry_points {
            let name = CString::new(e.name.as_str())
                .map_err(|_| format!("{}: an entry point name has a NUL byte", file.file))?;
            // SAFETY: `module` was just loaded.
            let f = unsafe { drv::module::get_function(module, name) }
                .map_err(|err| driver(&format!("{} has no entry point {}", file.file, e.name), err))?;
            let dim = |what: &str, v: u64, max: u64| -> Result<u32, String> {
                if v == 0 || v > max {
                    return Err(format!("{}: entry point {} has {what} {v}, outside 1..={max}", file.file, e.name));
                }
                Ok(v as u32)
            };
            let grid = (
                dim("grid.x", e.grid[0], (1 << 31) - 1)?,
                dim("grid.y", e.grid[1], 65535)?,
                dim("grid.z", e.grid[2], 65535)?,
            );
            let block = (
                dim("block.x", u64::from(e.block[0]), 1024)?,
                dim("block.y", u64::from(e.block[1]), 1024)?,
                dim("block.z", u64::from(e.block[2]), 64)?,
            );
            entries.push((f, grid, block, e.shared_bytes));
        }
        let scratch = if file.scratch_bytes > 0 {
            // SAFETY: the context is current.
            Some(
                unsafe { drv::malloc_sync(file.scratch_bytes as usize) }
                    .map_err(|e| driver(&format!("cannot allocate the scratch of {}", file.file), e))?,
            )
        } else {
            None
        };
        Ok(Loaded { module, entries, scratch, file: file.file.clone() })
    }

    fn ptr(&self, b: &Buf) -> Result<u64, String> {
        if b.end() > self.arena_bytes {
            return Err(format!("a buffer ends at byte {}, past the {}-byte arena", b.end(), self.arena_bytes));
        }
        Ok(self.arena + b.offset as u64)
    }

    fn launch(&self, k: usize, operands: &[Buf]) -> Result<(), String> {
        let loaded = &self.kernels[k];
        let mut params: Vec<u64> = operands.iter().map(|b| self.ptr(b)).collect::<Result<_, _>>()?;
        if let Some(s) = loaded.scratch {
            params.push(s);
        }
        for &(f, grid, block, shared) in &loaded.entries {
            let mut args: Vec<*mut c_void> = params.iter_mut().map(|p| (p as *mut u64).cast::<c_void>()).collect();
            // SAFETY: `f` belongs to a loaded module; every parameter is a device pointer into the
            // arena (or the kernel's scratch), as the kernel's signature takes them (checked
            // against the manifest by the launch table); the launch copies the parameter values.
            unsafe { drv::launch_kernel(f, grid, block, shared, self.stream, &mut args) }
                .map_err(|e| driver(&format!("launching {}", loaded.file), e))?;
        }
        Ok(())
    }

    fn gemm(&self, plan: &GemmPlan, operands: &[Buf], at: (usize, usize)) -> Result<(), String> {
        let (a, b, c) = (self.ptr(&operands[0])?, self.ptr(&operands[1])?, self.ptr(&operands[2])?);
        let size = |d: DType| d.size_bytes();
        if let Some(calls) = self.lt_calls.get(&at) {
            let (alpha, beta) = (1.0f32, plan.beta);
            for (call, prepared) in plan.calls.iter().zip(calls) {
                let pa = b + call.a_offset as u64 * size(plan.a_type);
                let pb = a + call.b_offset as u64 * size(plan.b_type);
                let pc = c + call.c_offset as u64 * size(plan.c_type);
                let [la, lb, lc] = prepared.layouts;
                // SAFETY: as in the cuBLAS path below; C and D are the same matrix (in place), the
                // algorithm came from the heuristic for exactly these layouts, and the workspace
                // holds CUBLASLT_WORKSPACE_BYTES, the most the heuristic was allowed.
                unsafe {
                    lt::matmul(
                        self.lt,
                        prepared.desc,
                        (&alpha as *const f32).cast(),
                        (&beta as *const f32).cast(),
                        pa as *const c_void,
                        la,
                        pb as *const c_void,
                        lb,
                        pc as *const c_void,
                        lc,
                        pc as *mut c_void,
                        lc,
                        &prepared.algo,
                        self.lt_workspace as *mut c_void,
                        CUBLASLT_WORKSPACE_BYTES,
                        self.stream as lt_sys::cudaStream_t,
                    )
                }
                .map_err(|e| lt_err("cublasLtMatmul", e))?;
            }
            return Ok(());
        }
        let ty = |d: DType| match d {
            DType::BF16 => blas_sys::cudaDataType::CUDA_R_16BF,
            _ => blas_sys::cudaDataType::CUDA_R_32F,
        };
        let op = |t: bool| {
            if t {
                blas_sys::cublasOperation_t::CUBLAS_OP_T
            } else {
                blas_sys::cublasOperation_t::CUBLAS_OP_N
            }
        };
        let (alpha, beta) = (1.0f32, plan.beta);
        let int =
            |v: usize| i32::try_from(v).map_err(|_| format!("a GEMM dimension {v} exceeds cuBLAS's 32-bit sizes"));
        for call in &plan.calls {
            // cuBLAS's A is the program's b, its B the program's a.
            let pa = b + call.a_offset as u64 * size(plan.a_type);
            let pb = a + call.b_offset as u64 * size(plan.b_type);
            let pc = c + call.c_offset as u64 * size(plan.c_type);
            // SAFETY: the plan's offsets, strides and leading dimensions stay inside the operands
            // (GemmPlan::of derives them from the operands' shapes); alpha and beta are host f32,
            // as CUBLAS_COMPUTE_32F takes them.
            unsafe {
                blas::gemm_strided_batched_ex(
                    self.cublas,
                    op(call.transa),
                    op(call.transb),
                    int(call.m)?,
                    int(call.n)?,
                    int(call.k)?,
                    (&alpha as *const f32).cast(),
                    pa as *const c_void,
                    ty(plan.a_type),
                    int(call.lda)?,
                    call.stride_a as i64,
                    pb as *const c_void,
                    ty(plan.b_type),
                    int(call.ldb)?,
                    call.stride_b as i64,
                    (&beta as *const f32).cast(),
                    pc as *mut c_void,
                    ty(plan.c_type),
                    int(call.ldc)?,
                    call.stride_c as i64,
                    int(call.batch)?,
                    blas_sys::cublasComputeType_t::CUBLAS_COMPUTE_32F,
                    blas_sys::cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
                )
            }
            .map_err(|e| cublas_err("cublasGemmStridedBatchedEx", e))?;
        }
        Ok(())
    }
}

/// cuBLASLt descriptors, layouts and algorithms for every call of `plan`, or `None` where the
/// heuristic offers no algorithm for one of them (the GEMM then runs through cuBLAS).
fn lt_plan(handle: lt_sys::cublasLtHandle_t, plan: &GemmPlan) -> Result<Option<Vec<LtCall>>, String> {
    let ty = |d: DType| match d {
        DType::BF16 => lt_sys::cudaDataType::CUDA_R_16BF,
        _ => lt_sys::cudaDataType::CUDA_R_32F,
    };
    let op =
        |t: bool| if t { blas_sys::cublasOperation_t::CUBLAS_OP_T } else { blas_sys::cublasOperation_t::CUBLAS_OP_N };
    let e = |what: &'static str| move |err: lt::CublasError| lt_err(what, err);
    let mut out = Vec::with_capacity(plan.calls.len());
    for call in &plan.calls {
        let desc =
            lt::create_matmul_desc(lt_sys::cublasComputeType_t::CUBLAS_COMPUTE_32F, lt_sys::cudaDataType::CUDA_R_32F)
                .map_err(e("cublasLtMatmulDescCreate"))?;
        let (ta, tb) = (op(call.transa), op(call.transb));
        // Stored shapes (column-major rows × cols) of A, B and C.
        let a_dims = if call.transa { (call.k, call.m) } else { (call.m, call.k) };
        let b_dims = if call.transb { (call.n, call.k) } else { (call.k, call.n) };
        let mut layouts = Vec::with_capacity(3);
        for (d, (rows, cols), ld, stride) in [
            (plan.a_type, a_dims, call.lda, call.stride_a),
            (plan.b_type, b_dims, call.ldb, call.stride_b),
            (plan.c_type, (call.m, call.n), call.ldc, call.stride_c),
        ] {
            let l = lt::create_matrix_layout(ty(d), rows as u64, cols as u64, ld as i64)
                .map_err(e("cublasLtMatrixLayoutCreate"))?;
            if call.batch > 1 {
                let (count, offset) = (call.batch as i32, stride as i64);
                // SAFETY: a live layout; the attribute values have the types cuBLASLt reads.
                unsafe {
                    lt::set_matrix_layout_attribute(
                        l,
                        lt_sys::cublasLtMatrixLayoutAttribute_t::CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                        (&count as *const i32).cast(),
                        4,
                    )
                    .map_err(e("setting the batch count"))?;
                    lt::set_matrix_layout_attribute(
                        l,
                        lt_sys::cublasLtMatrixLayoutAttribute_t::CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                        (&offset as *const i64).cast(),
                        8,
                    )
                    .map_err(e("setting the batch stride"))?;
                }
            }
            layouts.push(l);
        }
        // SAFETY: a live descriptor; cublasOperation_t is a 32-bit enum.
        unsafe {
            lt::set_matmul_desc_attribute(
                desc,
                lt_sys::cublasLtMatmulDescAttributes_t::CUBLASLT_MATMUL_DESC_TRANSA,
                (&ta as *const blas_sys::cublasOperation_t).cast(),
                std::mem::size_of::<blas_sys::cublasOperation_t>(),
            )
            .map_err(e("setting TRANSA"))?;
            lt::set_matmul_desc_attribute(
                desc,
                lt_sys::cublasLtMatmulDescAttributes_t::CUBLASLT_MATMUL_DESC_TRANSB,
                (&tb as *const blas_sys::cublasOperation_t).cast(),
                std::mem::size_of::<blas_sys::cublasOperation_t>(),
            )
            .map_err(e("setting TRANSB"))?;
        }
        let pref = lt::create_matmul_pref().map_err(e("cublasLtMatmulPreferenceCreate"))?;
        let workspace = CUBLASLT_WORKSPACE_BYTES as u64;
        // SAFETY: live handles; the workspace limit is a u64.
        let heuristic = unsafe {
            lt::set_matmul_pref_attribute(
                pref,
                lt_sys::cublasLtMatmulPreferenceAttributes_t::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                (&workspace as *const u64).cast(),
                8,
            )
            .map_err(e("setting the workspace limit"))?;
            let h = lt::get_matmul_algo_heuristic(handle, desc, layouts[0], layouts[1], layouts[2], layouts[2], pref);
            let _ = lt::destroy_matmul_pref(pref);
            h
        };
        match heuristic {
            Ok(h) => out.push(LtCall { desc, layouts: [layouts[0], layouts[1], layouts[2]], algo: h.algo }),
            Err(_) => {
                // SAFETY: created above, used by nothing else.
                unsafe {
                    let _ = lt::destroy_matmul_desc(desc);
                    for l in layouts {
                        let _ = lt::destroy_matrix_layout(l);
                    }
                    for c in &out {
                        let _ = lt::destroy_matmul_desc(c.desc);
                        for l in c.layouts {
                            let _ = lt::destroy_matrix_layout(l);
                        }
                    }
                }
                return Ok(None);
            }
        }
    }
    Ok(Some(out))
}

impl CudaDevice {
    /// Times every kernel and GEMM from now on, with a pair of CUDA events around each
    /// ([`Accelerator::profile`] reports them).
    pub fn enable_profiling(&mut self) {
        self.profiler = Some(Profiler::default());
        // Per-instruction events time launches, not a replayed graph.
        self.mode = GraphMode::Off;
    }

    /// Captures the second step's kernels as CUDA graphs (one per run of kernels between host
    /// interactions) and replays them from the third step on.
    pub fn enable_graphs(&mut self) {
        if self.profiler.is_none() {
            self.mode = GraphMode::Record;
        }
    }

    /// Whether steps are captured and replayed as CUDA graphs.
    pub fn graphs(&self) -> bool {
        self.mode != GraphMode::Off
    }

    /// Ends the current segment at a host interaction: a capture is ended, instantiated and
    /// launched (capturing runs nothing); a replay must have seen every instruction it recorded.
    fn boundary(&mut self) -> Result<(), String> {
        if !self.in_segment {
            return Ok(());
        }
        self.in_segment = false;
        let seg = self.seg;
        self.seg += 1;
        match self.mode {
            GraphMode::Off | GraphMode::Record => Ok(()),
            GraphMode::Capture => {
                // SAFETY: the stream is capturing (begun at the segment's first kernel).
                let graph = unsafe { drv::stream::end_capture(self.stream) }
                    .map_err(|e| driver("ending a CUDA graph capture", e))?;
                // SAFETY: a graph just captured; instantiated once, destroyed after.
                let exec = unsafe { drv::graph::instantiate(graph, drv_sys::CUgraphInstantiate_flags(0)) };
                // SAFETY: the graph is no longer needed once instantiated (or failed).
                unsafe {
                    let _ = drv::graph::destroy(graph);
                }
                let exec = exec.map_err(|e| driver("instantiating a CUDA graph", e))?;
                self.segments[seg].graph = Some(exec);
                // SAFETY: a live executable graph, on our stream.
                unsafe { drv::graph::launch(exec, self.stream) }.map_err(|e| driver("launching a CUDA graph", e))
            }
            GraphMode::Replay => {
                if self.pos != self.segments[seg].instrs.len() {
                    return Err(format!(
                        "internal error: a CUDA graph of {} instructions was replayed, but the step ran {} of them",
                        self.segments[seg].instrs.len(),
                        self.pos
                    ));
                }
                Ok(())
            }
        }
    }

    /// Waits for the stream (before a synchronous copy, which does not order with it).
    fn sync(&mut self) -> Result<(), String> {
        self.boundary()?;
        // SAFETY: a live stream.
        unsafe { drv::stream::synchronize(self.stream) }.map_err(|e| driver("waiting for the GPU", e))
    }

    /// The kernel instruction `at` in graph mode: true when it has been taken care of (recorded
    /// and then launched by the caller, captured, or part of a replayed graph), false when the
    /// caller must launch it.
    fn graph_step(&mut self, at: (usize, usize)) -> Result<bool, String> {
        match self.mode {
            GraphMode::Off => Ok(false),
            GraphMode::Record => {
                if !self.in_segment {
                    self.in_segment = true;
                    self.segments.push(Segment { instrs: Vec::new(), graph: None });
                }
                self.segments[self.seg].instrs.push(at);
                Ok(false)
            }
            GraphMode::Capture | GraphMode::Replay => {
                if !self.in_segment {
                    self.in_segment = true;
                    self.pos = 0;
                    if self.seg >= self.segments.len() {
                        return Err("internal error: the step ran more kernel segments than the first step".into());
                    }
                    if self.mode == GraphMode::Capture {
                        // SAFETY: a live stream, not capturing.
                        unsafe {
                            drv::stream::begin_capture(
                                self.stream,
                                drv_sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL,
                            )
                        }
                        .map_err(|e| driver("beginning a CUDA graph capture", e))?;
                    } else if let Some(exec) = self.segments[self.seg].graph {
                        // SAFETY: a live executable graph, on our stream.
                        unsafe { drv::graph::launch(exec, self.stream) }
                            .map_err(|e| driver("launching a CUDA graph", e))?;
                    }
                }
                let seg = &self.segments[self.seg];
                if seg.instrs.get(self.pos) != Some(&at) {
                    return Err(format!(
                        "internal error: the step's instructions differ from the first step's at {at:?} (graph segment {})",
                        self.seg
                    ));
                }
                self.pos += 1;
                // Captured kernels are launched (into the capture); replayed ones are done.
                Ok(self.mode == GraphMode::Replay)
            }
        }
    }

    /// Adds the times of the instructions launched since the last drain (after a synchronizing
    /// copy, so their events have completed).
    fn drain_profile(&mut self) -> Result<(), String> {
        let Some(p) = self.profiler.as_mut() else { return Ok(()) };
        if p.pending.is_empty() {
            return Ok(());
        }
        for at in p.pending.drain(..) {
            let (start, end) = p.events[&at];
            // SAFETY: both events were recorded on the default stream, which the caller synchronized.
            let ms = unsafe { drv::event::elapsed(start, end) }.map_err(|e| driver("reading a profiling event", e))?;
            let t = p.totals.entry(at).or_insert((0.0, 0));
            t.0 += f64::from(ms);
            t.1 += 1;
        }
        p.steps += 1;
        Ok(())
    }

    fn label(&self, slot: &Slot, kernel: &Kernel) -> String {
        match slot {
            Slot::Kernel(k) => format!("{} {}", kernel.op().name(), self.kernels[*k].file),
            Slot::Gemm(plan) => {
                let c = &plan.calls[0];
                format!(
                    "exec.gemm {}x{}x{}{} {}{} {:?}",
                    c.n,
                    c.m,
                    c.k,
                    if c.batch > 1 || plan.calls.len() > 1 {
                        format!(" x{}", c.batch * plan.calls.len())
                    } else {
                        String::new()
                    },
                    if c.transb { "T" } else { "N" },
                    if c.transa { "T" } else { "N" },
                    plan.c_type
                )
            }
            Slot::Other => kernel.op().name().to_string(),
        }
    }
}

impl Drop for CudaDevice {
    fn drop(&mut self) {
        // Freeing at exit: failures here change nothing the run reported.
        let _ = self.ctx.bind_to_thread();
        // SAFETY: every handle below was created by this device and is released once.
        unsafe {
            let _ = drv::ctx::synchronize();
            if let Some(p) = &self.profiler {
                for &(a, b) in p.events.values() {
                    let _ = drv::event::destroy(a);
                    let _ = drv::event::destroy(b);
                }
            }
            let _ = blas::destroy_handle(self.cublas);
            for calls in self.lt_calls.values() {
                for c in calls {
                    let _ = lt::destroy_matmul_desc(c.desc);
                    for l in c.layouts {
                        let _ = lt::destroy_matrix_layout(l);
                    }
                }
            }
            let _ = lt::destroy_handle(self.lt);
            for seg in &self.segments {
                if let Some(g) = seg.graph {
                    let _ = drv::graph::exec_destroy(g);
                }
            }
            let _ = drv::stream::synchronize(self.stream);
            let _ = drv::stream::destroy(self.stream);
            let _ = drv::free_sync(self.lt_workspace);
            for k in &self.kernels {
                if let Some(s) = k.scratch {
                    let _ = drv::free_sync(s);
                }
                let _ = drv::module::unload(k.module);
            }
            let _ = drv::free_sync(self.arena);
        }
    }
}

impl Device for CudaDevice {
    fn kernel(&mut self, kernel: &Kernel, operands: &[Buf], at: (usize, usize)) -> Result<(), String> {
        if self.graph_step(at)? {
            return Ok(());
        }
        let slot = self.table.slots.get(at.0).and_then(|row| row.get(at.1)).ok_or_else(|| {
            format!("internal error: instruction {} of function {} is not in the launch table", at.1, at.0)
        })?;
        let events = match self.profiler.as_ref() {
            None => None,
            Some(p) => Some(match p.events.get(&at) {
                Some(&e) => e,
                None => {
                    let make = || {
                        drv::event::create(drv_sys::CUevent_flags::CU_EVENT_DEFAULT)
                            .map_err(|e| driver("creating a profiling event", e))
                    };
                    (make()?, make()?)
                }
            }),
        };
        if let Some((start, _)) = events {
            // SAFETY: a live event, recorded on the default stream.
            unsafe { drv::event::record(start, self.stream) }.map_err(|e| driver("recording an event", e))?;
        }
        match slot {
            Slot::Kernel(k) => self.launch(*k, operands)?,
            Slot::Gemm(plan) => self.gemm(plan, operands, at)?,
            Slot::Other => return Err(format!("internal error: {} has no GPU launch", kernel.op().name())),
        }
        if let Some((start, end)) = events {
            // SAFETY: as above.
            unsafe { drv::event::record(end, self.stream) }.map_err(|e| driver("recording an event", e))?;
            let label = self.label(slot, kernel);
            if let Some(p) = self.profiler.as_mut() {
                p.events.insert(at, (start, end));
                p.labels.entry(at).or_insert(label);
                p.pending.push(at);
            }
        }
        Ok(())
    }

    fn collective(&mut self, collective: &Collective, _: &[Buf], _: (&str, usize)) -> Result<(), CollectiveError> {
        Err(CollectiveError::Invalid(format!(
            "{} on a GPU needs the NCCL communicator, which is not built yet",
            collective.op().name()
        )))
    }

    fn load_batch(&mut self, mb: usize, tokens: &Buf, labels: &Buf, data: &mut dyn BatchSource) -> Result<(), String> {
        self.tokens.resize(tokens.len(), 0);
        self.labels.resize(labels.len(), 0);
        data.load(mb, &mut self.tokens, &mut self.labels)?;
        self.sync()?;
        let (t, l) = (self.ptr(tokens)?, self.ptr(labels)?);
        // SAFETY: both buffers lie in the arena (checked by `ptr`) and hold exactly these many i32.
        unsafe {
            drv::memcpy_htod_sync(t, &self.tokens).map_err(|e| driver("copying tokens to the GPU", e))?;
            drv::memcpy_htod_sync(l, &self.labels).map_err(|e| driver("copying labels to the GPU", e))?;
        }
        Ok(())
    }
}

impl CudaDevice {
    /// A whole-arena copy must be exactly the arena's size.
    fn check_host(&self, len: usize) -> Result<(), String> {
        if len != self.arena_bytes {
            return Err(format!(
                "internal error: a {len}-byte host arena for a {}-byte device arena",
                self.arena_bytes
            ));
        }
        Ok(())
    }
}

impl Accelerator for CudaDevice {
    fn upload(&mut self, host: &[u8]) -> Result<(), String> {
        self.check_host(host.len())?;
        self.sync()?;
        // SAFETY: the device arena holds `arena_bytes` bytes.
        unsafe { drv::memcpy_htod_sync(self.arena, host) }.map_err(|e| driver("copying the arena to the GPU", e))
    }

    fn download(&mut self, host: &mut [u8]) -> Result<(), String> {
        self.check_host(host.len())?;
        self.sync()?;
        // SAFETY: as `upload`; the stream's work is done.
        unsafe { drv::memcpy_dtoh_sync(host, self.arena) }.map_err(|e| driver("copying the arena from the GPU", e))
    }

    fn write(&mut self, buf: &Buf, bytes: &[u8]) -> Result<(), String> {
        let p = self.ptr(buf)?;
        if bytes.len() != buf.bytes() {
            return Err(format!("internal error: writing {} bytes into a {}-byte buffer", bytes.len(), buf.bytes()));
        }
        self.sync()?;
        // SAFETY: the buffer lies in the arena.
        unsafe { drv::memcpy_htod_sync(p, bytes) }.map_err(|e| driver("copying to the GPU", e))
    }

    fn read(&mut self, buf: &Buf, bytes: &mut [u8]) -> Result<(), String> {
        let p = self.ptr(buf)?;
        if bytes.len() != buf.bytes() {
            return Err(format!("internal error: reading a {}-byte buffer into {} bytes", buf.bytes(), bytes.len()));
        }
        self.sync()?;
        // SAFETY: the buffer lies in the arena; the stream's work is done.
        unsafe { drv::memcpy_dtoh_sync(bytes, p) }.map_err(|e| driver("copying from the GPU", e))?;
        self.drain_profile()
    }

    fn profile(&self) -> Option<Vec<crate::backend::ProfileEntry>> {
        let p = self.profiler.as_ref()?;
        let mut by_label: HashMap<&str, (f64, u64, u64)> = HashMap::new();
        for (at, &(ms, n)) in &p.totals {
            let e = by_label.entry(p.labels[at].as_str()).or_insert((0.0, 0, 0));
            e.0 += ms;
            e.1 += n;
            e.2 += 1;
        }
        let steps = p.steps.max(1) as f64;
        let mut out: Vec<crate::backend::ProfileEntry> = by_label
            .into_iter()
            .map(|(label, (ms, launches, instructions))| crate::backend::ProfileEntry {
                label: label.to_string(),
                ms_per_step: ms / steps,
                instructions: instructions as usize,
                launches_per_step: launches as f64 / steps,
            })
            .collect();
        out.sort_by(|a, b| b.ms_per_step.total_cmp(&a.ms_per_step).then_with(|| a.label.cmp(&b.label)));
        Some(out)
    }

    fn describe(&self) -> String {
        format!(
            "{}, compute capability {}.{}{}",
            self.name,
            self.capability.0,
            self.capability.1,
            if self.graphs() { ", CUDA graphs" } else { "" }
        )
    }

    fn begin_step(&mut self) -> Result<(), String> {
        self.seg = 0;
        self.in_segment = false;
        Ok(())
    }

    fn end_step(&mut self) -> Result<(), String> {
        self.boundary()?;
        if self.mode != GraphMode::Off && self.seg != self.segments.len() {
            return Err(format!(
                "internal error: the step ran {} kernel segments, the first step {}",
                self.seg,
                self.segments.len()
            ));
        }
        self.mode = match self.mode {
            GraphMode::Record => GraphMode::Capture,
            GraphMode::Capture | GraphMode::Replay => GraphMode::Replay,
            GraphMode::Off => GraphMode::Off,
        };
        Ok(())
    }
}
