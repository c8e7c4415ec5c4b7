//! Each rank of a partitioned run touches only its own part of the weights, and the result is
//! the same, bit for bit and byte for byte, as when whole tensors were built and cut:
//! - every rank's initial pieces equal the same cut of the seeded global initialization;
//! - `--save` written by every rank into one shared file ([`RankEnd::Save`]) is byte-identical to
//!   the file saved from the parameters assembled on rank 0 ([`train_mesh`] + `weights::save`);
//! - `--init` read by every rank piece by piece ([`RankStart::File`]) trains exactly as the
//!   global tensors cut on each rank ([`RankStart::Global`]);
//! - a damaged or mismatched `--init` file is a weights error on every rank, never a panic.
//!
//! The cases cover tensor-parallel splits with ZeRO-3 flat chunks, a pipeline whose first and last
//! stages share the tied embedding, dp × pp × tp with ZeRO-1, and a vocabulary no tp divides
//! (padded shards). The programs come from the compiler (a dev-dependency only).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::{Mesh, ModelSpec};
use parc_dialects::pass::PipelineOptions;
use parc_runtime::comm::{Communicator, LocalMesh};
use parc_runtime::init::default_init;
use parc_runtime::launch::{train_mesh, train_ranks, RankEnd, RankStart};
use parc_runtime::program::{Program, Role};
use parc_runtime::rank::RankContext;
use parc_runtime::shards::ParamLayout;
use parc_runtime::train::{ProgramInfo, TrainError, Trainer};
use parc_runtime::weights::{self, WeightsError};

/// (model, mesh, ZeRO stage, sequence parallel).
const CASES: [(&str, &str, u8, bool); 4] = [
    ("gpt-tiny", "dp=2,tp=2", 3, true),
    ("gpt-tiny", "1x2x1", 0, false),
    ("llama-tiny", "2x2x2", 1, false),
    ("gpt-odd", "dp=1,tp=4", 0, false),
];

fn spec(name: &str) -> ModelSpec {
    let path = format!("{}/../examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    parc_compiler::load_model(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The rank programs of `name` on `mesh`: the one every rank runs, or one per pipeline stage.
fn programs(name: &str, mesh: &str, zero: u8, sequence_parallel: bool) -> Vec<Program> {
    let training = TrainingOverrides { zero: Some(zero), sequence_parallel, ..Default::default() };
    let mut spec = spec(name);
    training.apply(&mut spec);
    let opts = CompileOptions {
        training,
        mesh: Mesh::parse(mesh).unwrap_or_else(|e| panic!("{mesh}: {e}")),
        pipeline: PipelineOptions::default(),
    };
    let out = compile_spec(spec, &opts, Instant::now()).unwrap_or_else(|e| panic!("{name} on {mesh}: {e}"));
    let modules = if out.stages.is_empty() { vec![out.module] } else { out.stages };
    modules.iter().map(|m| Program::load(m).unwrap_or_else(|e| panic!("{name} on {mesh}: {e}"))).collect()
}

/// A fresh directory for one test under the target's tmp dir.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rank_files").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
    d
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn no_report(_: &parc_runtime::train::StepReport) -> Result<(), TrainError> {
    Ok(())
}

#[test]
fn every_rank_initializes_exactly_its_cut_of_the_global_init() {
    for (name, mesh_text, zero, sp) in CASES {
        let progs = programs(name, mesh_text, zero, sp);
        let mesh = progs[0].mesh;
        let mut local = LocalMesh::open(mesh.world_size(), Duration::from_secs(60));
        let comms: Vec<_> = local.bootstraps().iter().map(|b| local.connect(b).expect("connect")).collect();
        std::thread::scope(|scope| {
            for comm in comms {
                let program = &progs[mesh.coords(comm.rank()).pp];
                scope.spawn(move || {
                    let rank = comm.rank();
                    let ctx = RankContext::new(mesh, Box::new(comm)).expect("rank context");
                    let trainer = Trainer::for_rank(program, None, 1, Some(ctx)).expect("trainer");
                    let info = ProgramInfo::of(program).expect("program info");
                    let layouts = ParamLayout::of(program).expect("layouts");
                    let params = program.tensors.iter().filter(|t| t.role == Role::Param).count();
                    assert_eq!(trainer.params().len(), params);
                    for (pname, _, values) in trainer.params() {
                        let l = layouts.iter().find(|l| l.name == pname).expect("a layout for every parameter");
                        let global = default_init(info.seed, pname, &l.global_shape, info.layers);
                        let want = l.local(&global, &mesh, rank);
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert!(
                            bits(values) == bits(&want),
                            "{name} {mesh_text}: rank {rank}'s piece of {pname} differs"
                        );
                    }
                });
            }
        });
    }
}

#[test]
fn shared_saves_and_piecewise_loads_equal_the_collected_ones_byte_for_byte() {
    for (name, mesh_text, zero, sp) in CASES {
        let d = dir(&format!("{name}-{}", mesh_text.replace([',', '='], "_")));
        let progs = programs(name, mesh_text, zero, sp);
        let context = format!("{name} on {mesh_text} (zero {zero}, sp {sp})");

        // The reference: parameters assembled on rank 0, saved whole.
        let collected = train_mesh(&progs, None, 2, None, &mut no_report).unwrap_or_else(|e| panic!("{context}: {e}"));
        let list: Vec<(&str, &[usize], &[f32])> =
            collected.iter().map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())).collect();
        let whole = d.join("collected.safetensors");
        weights::save(&whole, &list).unwrap_or_else(|e| panic!("{context}: {e}"));

        // Every rank writes its own pieces.
        let shared = d.join("shared.safetensors");
        let none = train_ranks(&progs, None, 2, RankStart::Seed, RankEnd::Save(&shared), &mut no_report)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert!(none.is_none());
        assert!(read(&shared) == read(&whole), "{context}: the shared save differs from the collected save");

        // Every rank reads its own pieces of that file, trains a step, saves; the same from the
        // global tensors cut on each rank.
        let resumed = d.join("resumed.safetensors");
        let mut losses = Vec::new();
        train_ranks(&progs, None, 1, RankStart::File(&shared), RankEnd::Save(&resumed), &mut |r| {
            losses.push(r.loss.to_bits());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{context}: {e}"));
        let global: HashMap<String, Vec<f32>> =
            weights::load(&whole).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|(k, (_, v))| (k, v)).collect();
        let mut want_losses = Vec::new();
        let cut = train_mesh(&progs, None, 1, Some(&global), &mut |r| {
            want_losses.push(r.loss.to_bits());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{context}: {e}"));
        let list: Vec<(&str, &[usize], &[f32])> =
            cut.iter().map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())).collect();
        let want = d.join("cut.safetensors");
        weights::save(&want, &list).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(losses, want_losses, "{context}: the losses after a piecewise load differ");
        assert!(read(&resumed) == read(&want), "{context}: training from the pieces read differs");
        assert!(read(&resumed) != read(&shared), "{context}: the step changed nothing");
        assert!(
            !std::fs::read_dir(&d).expect("list").any(|e| e
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .contains("partial")),
            "{context}: a temporary file was left behind"
        );
    }
}

#[test]
fn a_damaged_or_mismatched_init_file_is_a_weights_error_on_every_rank() {
    let (name, mesh_text, zero, sp) = CASES[2];
    let progs = programs(name, mesh_text, zero, sp);
    let d = dir("damaged");
    let good = d.join("good.safetensors");
    train_ranks(&progs, None, 1, RankStart::Seed, RankEnd::Save(&good), &mut no_report).expect("save");
    let bytes = read(&good);
    let truncated = d.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).expect("write");
    match train_ranks(&progs, None, 1, RankStart::File(&truncated), RankEnd::Nothing, &mut no_report) {
        Err(e @ TrainError::Weights(WeightsError::Format { .. })) => {
            assert!(e.to_string().contains("truncated.safetensors"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // The model's tensors less one, with one misshapen: the report lists both.
    let mut loaded = weights::load(&good).expect("load");
    let mut names: Vec<String> = loaded.keys().cloned().collect();
    names.sort();
    loaded.remove(&names[0]);
    let matrix = names.iter().find(|n| loaded.get(*n).is_some_and(|(s, _)| s.len() == 2)).expect("a matrix").clone();
    let (shape, values) = loaded.remove(&matrix).expect("the matrix");
    let n = values.len();
    loaded.insert(matrix.clone(), (vec![n], values));
    let list: Vec<(&str, &[usize], &[f32])> =
        loaded.iter().map(|(k, (s, v))| (k.as_str(), s.as_slice(), v.as_slice())).collect();
    let other = d.join("other.safetensors");
    weights::save(&other, &list).expect("save");
    match train_ranks(&progs, None, 1, RankStart::File(&other), RankEnd::Nothing, &mut no_report) {
        Err(TrainError::Weights(WeightsError::Mismatch(r))) => {
            assert_eq!(r.missing.len(), 1, "{r}");
            assert_eq!(r.missing[0].0, names[0]);
            assert_eq!(r.wrong_shape.len(), 1, "{r}");
            assert_eq!((r.wrong_shape[0].expected.clone(), r.wrong_shape[0].found.clone()), (shape, vec![n]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ranks_reading_their_samples_of_a_token_file_train_as_on_the_synthetic_stream() {
    use parc_runtime::data::{TokenData, TokenWidth};
    let (name, mesh_text, zero, sp) = CASES[2];
    let progs = programs(name, mesh_text, zero, sp);
    let info = ProgramInfo::of(&progs[0]).expect("program info");
    let steps = 2u64;
    // The synthetic stream's first samples, as a u16 token file: sample k is its inputs and the
    // last label.
    let synthetic = TokenData::synthetic(info.seed, info.seq_len, info.vocab);
    let samples = steps as usize * info.global_batch;
    let (mut inputs, mut labels) = (vec![0; info.seq_len], vec![0; info.seq_len]);
    let mut bytes = Vec::new();
    for k in 0..samples {
        synthetic.microbatch(k as u64, 0, 1, 1, 1, 0, &mut inputs, &mut labels).expect("a synthetic sample");
        for t in inputs.iter().chain(labels.last()) {
            bytes.extend_from_slice(&(*t as u16).to_le_bytes());
        }
    }
    let path = dir("data").join("tokens.u16");
    std::fs::write(&path, &bytes).expect("write the token file");
    let file = TokenData::from_file(&path, TokenWidth::U16, info.seq_len, info.vocab).expect("open the token file");
    assert_eq!(file.n_samples(), Some(samples as u64));
    let losses = |data: Option<TokenData>| {
        let mut out = Vec::new();
        train_ranks(&progs, data, steps, RankStart::Seed, RankEnd::Nothing, &mut |r| {
            out.push(r.loss.to_bits());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        out
    };
    assert_eq!(losses(Some(file)), losses(None), "{name} on {mesh_text}: the token file trains differently");
    // An id out of the vocabulary, in a sample some rank reads, stops the run with a data error.
    let bad_at = 3 * (info.seq_len + 1) + 5;
    bytes[2 * bad_at..2 * bad_at + 2].copy_from_slice(&(info.vocab as u16).to_le_bytes());
    std::fs::write(&path, &bytes).expect("write the token file");
    let file = TokenData::from_file(&path, TokenWidth::U16, info.seq_len, info.vocab).expect("open the token file");
    match train_ranks(&progs, Some(file), 1, RankStart::Seed, RankEnd::Nothing, &mut no_report) {
        Err(e @ TrainError::Data(_)) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("token {bad_at} of")) && msg.contains("tokens.u16"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}
