//! The checks behind each fuzz target, one function per target taking the fuzzer's bytes. A
//! check returns normally for every input parc handles as it should (refused with an error that
//! renders, or accepted with its invariants holding) and panics otherwise. The fuzz targets
//! (fuzz_targets/) call these; tests/fuzz_inputs.rs runs the seeds and the regression inputs
//! through them on the stable toolchain.

use std::io::Write;

use parc_compiler::mesh::{check_model, Axis, MAX_WORLD_SIZE};
use parc_compiler::models::transformer::build_forward_rows;
use parc_compiler::{parse_model, Mesh};
use parc_dialects::{parser::parse_module, printer::print_module, verifier::verify_module};
use parc_runtime::data::{TokenData, TokenWidth};
use parc_runtime::program::Program;
use parc_runtime::shards::ParamLayout;
use parc_runtime::weights::{load, WeightsFile};

/// The model.toml frontend, to the end of validation and graph building: any text is either
/// refused with a diagnostic (which must render) or gives a spec whose forward graph builds.
/// A valid spec whose graph does not build is the internal error `parc compile` would report.
pub fn model_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let spec = match parse_model("fuzz.toml", text) {
        Ok(spec) => spec,
        Err(diagnostic) => {
            let _ = diagnostic.to_string();
            return;
        }
    };
    if let Err(diagnostic) = check_model(&Mesh::SINGLE, &spec) {
        let _ = diagnostic.to_string();
        return;
    }
    if let Err(e) = build_forward_rows(&spec, spec.training.micro_batch) {
        panic!("a validated model's forward graph does not build: {e}");
    }
}

/// The MLIR text parser and the verifier: any text is refused with an error (which must
/// render) or parses to a module that prints back to text which parses to the same module.
pub fn mlir(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let module = match parse_module(text) {
        Ok(module) => module,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    if let Err(e) = verify_module(&module) {
        let _ = e.to_string();
    }
    let printed = print_module(&module);
    let again = match parse_module(&printed) {
        Ok(again) => again,
        Err(e) => panic!("a parsed module prints to text that does not parse: {e}\n{printed}"),
    };
    assert_eq!(print_module(&again), printed, "printing is not stable under parsing");
}

/// The rank-program loader the runtime runs before executing anything: parse, verify, the
/// exec tables and every buffer against the arena, then the parameter layouts. Any text is
/// refused with an error (which must render) or loads.
pub fn program(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(module) = parse_module(text) else { return };
    let program = match Program::load(&module) {
        Ok(program) => program,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for t in &program.tensors {
        let end = t.buf.checked_bytes().and_then(|b| t.buf.offset.checked_add(b));
        assert!(end.is_some_and(|end| end <= program.arena_bytes), "tensor {} outside the arena", t.name);
    }
    if let Err(e) = ParamLayout::of(&program) {
        let _ = e.to_string();
    }
}

/// The token-file reader: the first 8 bytes choose the reader's settings (id width, seq_len,
/// vocabulary, data-parallel size, micro-batch), the rest is the file. The file is refused with
/// an error (which must render) or every micro-batch of the first steps either fails with an error
/// or holds ids below the vocabulary, with each row's labels its inputs shifted by one.
pub fn tokens(data: &[u8]) {
    let Some((head, file)) = data.split_first_chunk::<8>() else { return };
    let width = if head[0] & 1 == 0 { TokenWidth::U16 } else { TokenWidth::U32 };
    let seq_len = usize::from(u16::from_le_bytes([head[1], head[2]]) % 1024);
    let vocab = u32::from_le_bytes([head[3], head[4], head[5], head[6]]) as usize;
    let dp = usize::from(head[7] & 3) + 1;
    let micro_batch = usize::from((head[7] >> 2) & 3) + 1;
    let global_batch = dp * micro_batch * (usize::from(head[7] >> 4) % 3 + 1);

    let path = scratch_dir().join(format!("parc-fuzz-tokens-{}", std::process::id()));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(file)).expect("write the input file");
    let tokens = match TokenData::from_file(&path, width, seq_len, vocab) {
        Ok(tokens) => tokens,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let rows = micro_batch * seq_len;
    let (mut inputs, mut labels) = (vec![-1i32; rows], vec![-1i32; rows]);
    let count = global_batch / dp / micro_batch;
    for step in 0..3 {
        for dp_rank in 0..dp {
            for j in 0..count {
                match tokens.microbatch(step, dp_rank, dp, global_batch, micro_batch, j, &mut inputs, &mut labels) {
                    Ok(()) => {
                        for (x, y) in inputs.chunks(seq_len).zip(labels.chunks(seq_len)) {
                            assert!(x.iter().chain(y).all(|&id| id >= 0 && (id as usize) < vocab), "id out of range");
                            assert_eq!(x[1..], y[..seq_len - 1], "labels are not the inputs shifted by one");
                        }
                    }
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
            }
        }
    }
}

/// Where the targets that read files write each input: a memory file system when the machine
/// has one (/dev/shm), so that an input never waits on a disk that is flushing (the fuzzer counts
/// an input over 1 s as a hang), else the temporary directory.
fn scratch_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The two safetensors readers, on the same bytes: `weights::load` (the whole file) and
/// `WeightsFile` (the header, then positioned reads of element runs). Each refuses the file with an
/// error (which must render) or reads it; they must agree on whether the file is valid, and read
/// the same bits for every element, also when the elements are read in pieces.
pub fn safetensors(data: &[u8]) {
    let path = scratch_dir().join(format!("parc-fuzz-safetensors-{}", std::process::id()));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(data)).expect("write the input file");
    let whole = load(&path);
    let pieces = WeightsFile::open(&path);
    let (whole, pieces) = match (whole, pieces) {
        (Ok(whole), Ok(pieces)) => (whole, pieces),
        (Err(a), Err(b)) => {
            let _ = (a.to_string(), b.to_string());
            return;
        }
        (Ok(_), Err(e)) => panic!("load reads the file, WeightsFile::open refuses it: {e}"),
        (Err(e), Ok(_)) => panic!("WeightsFile::open reads the file, load refuses it: {e}"),
    };
    for (name, (shape, values)) in &whole {
        assert_eq!(pieces.shape(name), Some(shape.as_slice()), "tensor {name}: shapes differ");
        let mut all = vec![0f32; values.len()];
        pieces.read_elements(name, (0..values.len()).map(Some), &mut all).expect("read every element");
        assert!(all.iter().zip(values).all(|(a, b)| a.to_bits() == b.to_bits()), "tensor {name}: values differ");
        // Backwards, with padding between: the same bits, and 0 where nothing was asked.
        let mut odd = vec![1f32; 2 * values.len()];
        let indices = (0..values.len()).rev().flat_map(|i| [Some(i), None]);
        pieces.read_elements(name, indices, &mut odd).expect("read every element backwards");
        for (k, v) in values.iter().rev().enumerate() {
            assert_eq!(odd[2 * k].to_bits(), v.to_bits(), "tensor {name}: values differ read backwards");
            assert_eq!(odd[2 * k + 1], 0.0, "tensor {name}: padding is not 0");
        }
    }
}

/// The `--mesh` parser: any text is refused with a diagnostic (which must render) or gives a
/// mesh of at most MAX_WORLD_SIZE ranks whose rank <-> coordinates mapping is a bijection.
pub fn mesh(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mesh = match Mesh::parse(text) {
        Ok(mesh) => mesh,
        Err(diagnostic) => {
            let _ = diagnostic.to_string();
            return;
        }
    };
    let world = mesh.world_size();
    assert!((1..=MAX_WORLD_SIZE).contains(&world), "{text:?} gave a world of {world} ranks");
    // A few ranks, the first and last among them: coordinates in range and back to the rank.
    for rank in [0, 1, world / 2, world - 1].into_iter().filter(|&r| r < world) {
        let c = mesh.coords(rank);
        for axis in Axis::ALL {
            assert!(c.get(axis) < mesh.size(axis), "rank {rank} of {text:?}: {axis:?} out of range");
        }
        assert_eq!(mesh.rank(c), rank, "{text:?}: rank {rank} does not map back");
    }
}

/// A GPU profile (`--gpu-file`): any text is refused with a diagnostic (which must render) or
/// gives a profile whose figures are positive and finite, whose GEMM efficiency is at most 1 and
/// whose usable memory is positive and below its capacity.
pub fn gpu_profile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let gpu = match parc_compiler::hardware::parse("fuzz.toml", text) {
        Ok(gpu) => gpu,
        Err(diagnostic) => {
            let _ = diagnostic.to_string();
            return;
        }
    };
    let figures = [
        gpu.peak_bf16_flops,
        gpu.peak_fp32_flops,
        gpu.gemm_max_efficiency,
        gpu.hbm_bandwidth,
        gpu.nvlink_bandwidth,
        gpu.intra_node_bus_bandwidth,
        gpu.inter_node_bus_bandwidth,
    ];
    assert!(figures.iter().all(|x| x.is_finite() && *x > 0.0), "{text:?}: {gpu:?}");
    assert!(gpu.gemm_max_efficiency <= 1.0, "{text:?}: {gpu:?}");
    assert!(gpu.usable_bytes() > 0 && gpu.usable_bytes() <= gpu.hbm_bytes, "{text:?}: {gpu:?}");
    assert!((1..=1024).contains(&gpu.gpus_per_node) && !gpu.name.is_empty(), "{text:?}: {gpu:?}");
}
