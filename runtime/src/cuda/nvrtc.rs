//! Compiles CUDA C source (the kernels codegen renders) to PTX with NVRTC, NVIDIA's runtime
//! compiler library. This module owns the NVRTC options (target architecture, C++ standard,
//! precision flags, include directories), so that the CUDA backend and the compile checks in the
//! tests build every kernel the same way. NVRTC needs no GPU and no CUDA toolkit: cudarc loads
//! `libnvrtc.so` at run time (scripts/install-nvrtc.sh installs it from NVIDIA's wheels), and
//! [`nvrtc_available`] says whether it was found. Nothing here calls into cudarc before that
//! check, because cudarc panics when a library it loads on demand is missing. This module does
//! not load or run PTX; that needs a driver and a GPU. See docs/cuda.md.

use std::ffi::{c_char, CString};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cudarc::nvrtc::{result, sys};

/// The environment variable naming the directory that holds the CUDA headers (`cuda_bf16.h`,
/// `cuda_fp16.h`, `crt/`, ...). scripts/test.sh sets it from scripts/install-nvrtc.sh.
pub const CUDA_INCLUDE_ENV: &str = "PARC_CUDA_INCLUDE";

/// The environment variable that, set to `1`, lets tests that need NVRTC skip (loudly) where it
/// cannot be loaded. CI does not set it, so there a missing NVRTC fails the tests.
pub const SKIP_NVRTC_ENV: &str = "PARC_SKIP_NVRTC";

/// How to make NVRTC and the CUDA headers available; part of the messages that report them missing.
pub const INSTALL_HINT: &str = "run `bash scripts/install-nvrtc.sh`, put the NVRTC_LIB_DIR it prints on \
     LD_LIBRARY_PATH and set PARC_CUDA_INCLUDE to the CUDA_INCLUDE_DIR it prints (`bash scripts/test.sh` \
     does all three)";

/// Where scripts/install-nvrtc.sh puts the CUDA headers, relative to the tools directory.
const TOOLS_INCLUDE_SUBDIR: &str = "cuda/site/nvidia/cu13/include";

/// A GPU architecture that generated kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GpuArch {
    /// Ampere (A100), compute capability 8.0.
    Sm80,
    /// Hopper (H100, H200), compute capability 9.0.
    Sm90,
}

impl GpuArch {
    /// Every architecture parc targets; CI compiles each generated kernel for all of them.
    pub const ALL: [GpuArch; 2] = [GpuArch::Sm80, GpuArch::Sm90];

    /// The real architecture, as the PTX `.target` directive names it: `sm_80`.
    pub fn sm_name(self) -> &'static str {
        match self {
            GpuArch::Sm80 => "sm_80",
            GpuArch::Sm90 => "sm_90",
        }
    }

    /// The virtual architecture that NVRTC's `--gpu-architecture` takes when the output is PTX:
    /// `compute_80`. (An `sm_XX` value there makes NVRTC produce a cubin instead.)
    pub fn compute_name(self) -> &'static str {
        match self {
            GpuArch::Sm80 => "compute_80",
            GpuArch::Sm90 => "compute_90",
        }
    }
}

impl fmt::Display for GpuArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sm_name())
    }
}

/// Why CUDA C could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum NvrtcError {
    /// NVRTC's shared library could not be loaded on this machine.
    #[error(
        "NVRTC (libnvrtc.so) could not be loaded, so CUDA C cannot be compiled here; to install it, {INSTALL_HINT}"
    )]
    Unavailable,
    /// The input cannot be handed to NVRTC at all (a NUL byte, an include path that is not UTF-8).
    #[error("{name}: {reason}")]
    InvalidInput {
        /// The file name the program was to be compiled under.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// NVRTC rejected the program; `log` is NVRTC's compile log, verbatim.
    #[error("{name}: NVRTC could not compile it for {arch} ({status}):\n{log}{}", missing_headers_note(.cuda_include))]
    Compile {
        /// The file name the program was compiled under; NVRTC's log refers to it.
        name: String,
        /// The architecture it was compiled for.
        arch: GpuArch,
        /// NVRTC's result code, e.g. `NVRTC_ERROR_COMPILATION`.
        status: String,
        /// NVRTC's compile log: `name(line): error: ...`, with the offending source line.
        log: String,
        /// The options the program was compiled with.
        options: Vec<String>,
        /// The CUDA include directory that was passed, if one was found.
        cuda_include: Option<PathBuf>,
    },
    /// Another NVRTC call failed (out of memory, an internal error).
    #[error("{name}: NVRTC's {call} failed: {status}")]
    Api {
        /// The file name the program was compiled under.
        name: String,
        /// The NVRTC function that failed.
        call: &'static str,
        /// NVRTC's result code.
        status: String,
    },
}

fn missing_headers_note(cuda_include: &Option<PathBuf>) -> String {
    match cuda_include {
        Some(_) => String::new(),
        None => format!("\n(no CUDA include directory was passed: set {CUDA_INCLUDE_ENV}; {INSTALL_HINT})"),
    }
}

/// The version of the NVRTC library that cudarc loads, or `None` where none can be loaded.
/// Checked once per process.
pub fn nvrtc_version() -> Option<(i32, i32)> {
    static VERSION: OnceLock<Option<(i32, i32)>> = OnceLock::new();
    *VERSION.get_or_init(|| {
        // SAFETY: `is_culib_present` only tries to dlopen the library names that cudarc's loader
        // tries, and closes what it opened. It is cudarc's own presence check: every other cudarc
        // NVRTC call panics when the library is missing, so this must come first.
        if !unsafe { sys::is_culib_present() } {
            return None;
        }
        let (mut major, mut minor) = (0, 0);
        // SAFETY: the library is present, so cudarc's loader finds it (the same names, in the same
        // order), and both pointers are valid for the call.
        let status = unsafe { sys::nvrtcVersion(&mut major, &mut minor) };
        (status == sys::nvrtcResult::NVRTC_SUCCESS).then_some((major, minor))
    })
}

/// Whether NVRTC can be loaded on this machine (see [`nvrtc_version`]). cudarc searches the
/// dynamic loader's path for `libnvrtc.so`, `libnvrtc.so.13`, `libnvrtc.so.12`, ...; point
/// `LD_LIBRARY_PATH` at the directory scripts/install-nvrtc.sh prints as `NVRTC_LIB_DIR`.
pub fn nvrtc_available() -> bool {
    nvrtc_version().is_some()
}

/// The directory with the CUDA headers that every compilation gets on its include path:
/// `$PARC_CUDA_INCLUDE` if set, else the headers scripts/install-nvrtc.sh installed under
/// `$PARC_TOOLS_DIR` (default `<repo>/.tools`, a convenience for a checkout) if they are there.
pub fn cuda_include_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CUDA_INCLUDE_ENV).filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let tools = match std::env::var_os("PARC_TOOLS_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).parent()?.join(".tools"),
    };
    let dir = tools.join(TOOLS_INCLUDE_SUBDIR);
    dir.join("cuda_bf16.h").is_file().then_some(dir)
}

/// The NVRTC options for `arch`, with `include_dirs` and then `cuda_include` on the include path.
/// Fast math stays off and the precision flags are spelled out (they are NVRTC's defaults), so
/// that kernels round like the CPU backend: IEEE division and square root, denormals kept. FMA
/// contraction (`--fmad`) is left at NVRTC's default, on.
fn compile_options(
    name: &str,
    arch: GpuArch,
    include_dirs: &[PathBuf],
    cuda_include: Option<&Path>,
) -> Result<Vec<String>, NvrtcError> {
    let mut options = vec![
        "--std=c++17".to_string(),
        format!("--gpu-architecture={}", arch.compute_name()),
        "--ftz=false".to_string(),
        "--prec-div=true".to_string(),
        "--prec-sqrt=true".to_string(),
    ];
    for dir in include_dirs.iter().map(PathBuf::as_path).chain(cuda_include) {
        match dir.to_str() {
            Some(dir) if !dir.contains('\0') => options.push(format!("--include-path={dir}")),
            _ => {
                return Err(NvrtcError::InvalidInput {
                    name: name.to_string(),
                    reason: format!("include directory {} is not valid UTF-8 without NUL bytes", dir.display()),
                })
            }
        }
    }
    Ok(options)
}

/// Compiles CUDA C `source` to PTX for `arch`. `name` is the file name NVRTC's messages use
/// (`add.cu(3): error: ...`); `include_dirs` come first on the include path, then the CUDA headers
/// ([`cuda_include_dir`]). Options: `--std=c++17`, `--gpu-architecture=compute_XX`, no fast math.
pub fn compile_cuda(source: &str, name: &str, arch: GpuArch, include_dirs: &[PathBuf]) -> Result<String, NvrtcError> {
    let invalid = |reason: String| NvrtcError::InvalidInput { name: name.to_string(), reason };
    let source_c = CString::new(source)
        .map_err(|err| invalid(format!("the source has a NUL byte at offset {}", err.nul_position())))?;
    let name_c = CString::new(name).map_err(|_| invalid("the file name has a NUL byte".to_string()))?;
    let cuda_include = cuda_include_dir();
    let options = compile_options(name, arch, include_dirs, cuda_include.as_deref())?;
    if !nvrtc_available() {
        return Err(NvrtcError::Unavailable);
    }
    let api_error = |call: &'static str, err: result::NvrtcError| NvrtcError::Api {
        name: name.to_string(),
        call,
        status: format!("{:?}", err.0),
    };

    // The program may point into `source_c` and `name_c`; both outlive it (declared earlier,
    // dropped later).
    let program =
        Program(result::create_program(&source_c, Some(&name_c)).map_err(|err| api_error("nvrtcCreateProgram", err))?);
    // SAFETY: `program.0` comes from `create_program` and is destroyed only when `program` drops.
    if let Err(err) = unsafe { result::compile_program(program.0, &options) } {
        // SAFETY: as above; NVRTC keeps the log of a failed compilation on the program.
        let log = match unsafe { result::get_program_log(program.0) } {
            Ok(log) => c_chars_to_string(&log),
            Err(log_err) => format!("(NVRTC's log could not be read: {:?})", log_err.0),
        };
        return Err(NvrtcError::Compile {
            name: name.to_string(),
            arch,
            status: format!("{:?}", err.0),
            log,
            options,
            cuda_include,
        });
    }
    // SAFETY: as above, and the program compiled.
    let ptx = unsafe { result::get_ptx(program.0) }.map_err(|err| api_error("nvrtcGetPTX", err))?;
    Ok(c_chars_to_string(&ptx))
}

/// An NVRTC program, destroyed on drop.
struct Program(sys::nvrtcProgram);

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: the program came from `create_program` and is destroyed only here. A failure
        // to free it leaks a little memory and is not worth reporting.
        let _ = unsafe { result::destroy_program(self.0) };
    }
}

/// NVRTC's NUL-terminated output (a log, PTX) as a string, without the terminator.
fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// For tests that need NVRTC: whether to go on. Returns true where NVRTC can be loaded. Where it
/// cannot, the test fails with instructions for installing it, unless `PARC_SKIP_NVRTC=1`: then
/// this prints a loud notice and returns false, and the test returns early.
pub fn nvrtc_for_test(test_name: &str) -> bool {
    if nvrtc_available() {
        return true;
    }
    if std::env::var(SKIP_NVRTC_ENV).is_ok_and(|value| value == "1") {
        // Straight to the process's stderr: the test harness captures `eprintln!` and shows it
        // only for failing tests, and this notice must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!! SKIPPED {test_name}: NVRTC could not be loaded and {SKIP_NVRTC_ENV}=1. \
             The CUDA C compile check did NOT run. !!!!!!\n"
        );
        return false;
    }
    panic!(
        "{test_name} needs NVRTC, which could not be loaded (cudarc found no libnvrtc.so on the \
         dynamic loader's path). To install it, {INSTALL_HINT}. To skip the CUDA C compile checks \
         instead, set {SKIP_NVRTC_ENV}=1."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_names_are_what_nvrtc_and_ptx_use() {
        let names: Vec<_> = GpuArch::ALL.iter().map(|arch| (arch.sm_name(), arch.compute_name())).collect();
        assert_eq!(names, [("sm_80", "compute_80"), ("sm_90", "compute_90")]);
        assert_eq!(GpuArch::Sm90.to_string(), "sm_90");
    }

    #[test]
    fn options_keep_ieee_numerics_and_put_cuda_headers_last() {
        let options =
            compile_options("k.cu", GpuArch::Sm80, &[PathBuf::from("/gen")], Some(Path::new("/cuda/include"))).unwrap();
        assert_eq!(
            options,
            [
                "--std=c++17",
                "--gpu-architecture=compute_80",
                "--ftz=false",
                "--prec-div=true",
                "--prec-sqrt=true",
                "--include-path=/gen",
                "--include-path=/cuda/include",
            ]
        );
        assert!(!options.iter().any(|option| option.contains("fast_math") || option.contains("fast-math")));
    }

    #[test]
    fn nul_bytes_are_an_error_not_a_panic() {
        // Checked before NVRTC is needed, so this runs on every machine.
        let err = compile_cuda("__global__ void k() {}\0", "nul.cu", GpuArch::Sm80, &[]).unwrap_err();
        assert!(err.to_string().starts_with("nul.cu: the source has a NUL byte at offset 22"), "{err}");
        let err = compile_options("k.cu", GpuArch::Sm80, &[PathBuf::from("/a\0b")], None).unwrap_err();
        assert!(err.to_string().contains("not valid UTF-8 without NUL bytes"), "{err}");
    }
}
