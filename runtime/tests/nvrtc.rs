//! Compiles small CUDA C kernels with NVRTC for every target architecture (no GPU needed): an f32
//! elementwise kernel, a bf16 kernel that uses cuda_bf16.h, a kernel that includes a header from a
//! caller's include directory, and one with a syntax error whose message must name the file and
//! line. Without NVRTC these tests fail with install instructions, unless PARC_SKIP_NVRTC=1.

// The CUDA side of the runtime exists only with the `cuda` feature (scripts/test.sh enables it).
#![cfg(feature = "cuda")]

use std::path::PathBuf;

use parc_runtime::cuda::nvrtc::{compile_cuda, nvrtc_for_test, nvrtc_version, GpuArch, NvrtcError};

const ADD_F32: &str = r#"extern "C" __global__ void add_f32(const float* a, const float* b, float* out, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i] + b[i];
    }
}
"#;

const SCALE_BF16: &str = r#"#include <cuda_bf16.h>

// y = bf16(f32(x) * scale), and x widened to f32: both conversions.
extern "C" __global__ void scale_bf16(const __nv_bfloat16* x, __nv_bfloat16* y, float* x_f32, float scale,
                                      unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = __bfloat162float(x[i]);
        x_f32[i] = v;
        y[i] = __float2bfloat16(v * scale);
    }
}
"#;

// The `;` missing at the end of line 3 is reported at line 4, where the next statement starts.
const SYNTAX_ERROR: &str = r#"extern "C" __global__ void broken(float* out) {
    float x = 1.0f;
    float y = x * 2.0f
    out[0] = y;
}
"#;

/// Compiles `source` for every architecture and checks that the PTX targets it and defines the
/// kernel `entry`, plus any `needles` (instructions the kernel must have compiled to).
fn check_compiles(name: &str, source: &str, include_dirs: &[PathBuf], entry: &str, needles: &[&str]) {
    if !nvrtc_for_test(name) {
        return;
    }
    eprintln!("NVRTC {:?}", nvrtc_version());
    for arch in GpuArch::ALL {
        let ptx = match compile_cuda(source, name, arch, include_dirs) {
            Ok(ptx) => ptx,
            Err(err) => panic!("{err}"),
        };
        let target = format!(".target {}", arch.sm_name());
        assert!(ptx.lines().any(|line| line.trim() == target), "{name} for {arch}: no `{target}` line in\n{ptx}");
        assert!(ptx.contains(&format!(".entry {entry}(")), "{name} for {arch}: no entry `{entry}` in\n{ptx}");
        for needle in needles {
            assert!(ptx.contains(needle), "{name} for {arch}: no `{needle}` in\n{ptx}");
        }
    }
}

#[test]
fn f32_elementwise_kernel_compiles() {
    check_compiles("add_f32.cu", ADD_F32, &[], "add_f32", &["add.f32"]);
}

#[test]
fn bf16_kernel_with_cuda_bf16_h_compiles() {
    // f32 -> bf16 rounds to nearest even in hardware on sm_80 and later.
    check_compiles("scale_bf16.cu", SCALE_BF16, &[], "scale_bf16", &["cvt.rn.bf16.f32"]);
}

#[test]
fn headers_come_from_the_callers_include_dirs() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nvrtc-include");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("parc_test_twice.cuh"), "__device__ inline float twice(float x) { return 2.0f * x; }\n")
        .unwrap();
    let source = "#include \"parc_test_twice.cuh\"\n\
                  extern \"C\" __global__ void twice_f32(float* x) { x[threadIdx.x] = twice(x[threadIdx.x]); }\n";
    check_compiles("twice_f32.cu", source, &[dir], "twice_f32", &[]);
}

#[test]
fn syntax_error_reports_nvrtc_log_with_file_and_line() {
    let name = "broken.cu";
    if !nvrtc_for_test(name) {
        return;
    }
    for arch in GpuArch::ALL {
        let err = match compile_cuda(SYNTAX_ERROR, name, arch, &[]) {
            Ok(ptx) => panic!("{name} compiled for {arch}:\n{ptx}"),
            Err(err) => err,
        };
        let NvrtcError::Compile { name: err_name, arch: err_arch, status, log, .. } = &err else {
            panic!("expected a compile error for {arch}, got: {err}");
        };
        assert_eq!((err_name.as_str(), *err_arch, status.as_str()), (name, arch, "NVRTC_ERROR_COMPILATION"));
        // NVRTC's own words, verbatim, with the file and line.
        assert!(log.contains("broken.cu(4): error: expected a \";\""), "unexpected NVRTC log for {arch}:\n{log}");
        let message = err.to_string();
        assert!(message.starts_with(&format!("broken.cu: NVRTC could not compile it for {arch}")), "{message}");
        assert!(message.contains(log.as_str()), "{message}");
    }
}
