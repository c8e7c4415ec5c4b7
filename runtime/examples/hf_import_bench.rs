//! The import of a large Hugging Face checkpoint, one tensor-parallel rank at a time
//! (docs/PERFORMANCE.md "Importing a Llama-2-7B-shaped checkpoint"; scripts/bench-hf-import.sh
//! runs it):
//!
//!     hf_import_bench gen DIR                 # a synthetic Llama-2-7B-shaped bf16 checkpoint:
//!                                             # config.json, model-0000i-of-0000n.safetensors
//!                                             # (at most 5 GB each) and the index
//!     hf_import_bench read DIR --tp T --rank R
//!
//! `read` compiles examples/llama2-7b.toml (fp32, ZeRO off) for `tp=T`, takes rank R's parameter
//! layouts, resets the process's peak resident memory, and reads every piece of the rank from the
//! checkpoint as `--init` does ([`InitWeights::read_piece`]), keeping them all, as a rank's arena
//! would. It prints one JSON line: the seconds, the bytes of the rank's pieces (f32), the bytes it
//! read from the files, and the peak resident memory over the read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use parc_compiler::driver::{compile_spec, CompileOptions, TrainingOverrides};
use parc_compiler::frontend::Precision;
use parc_compiler::Mesh;
use parc_dialects::pass::PipelineOptions;
use parc_runtime::hf::InitWeights;
use parc_runtime::program::Program;
use parc_runtime::shards::ParamLayout;
use safetensors::tensor::{Dtype, View};

const HIDDEN: usize = 4096;
const FFN: usize = 11008;
const VOCAB: usize = 32000;
const LAYERS: usize = 32;
const SHARD_BYTES: usize = 5_000_000_000;

/// The checkpoint's tensors in transformers' names and shapes.
fn tensors() -> Vec<(String, Vec<usize>)> {
    let mut t = vec![("model.embed_tokens.weight".to_string(), vec![VOCAB, HIDDEN])];
    for l in 0..LAYERS {
        let p = format!("model.layers.{l}");
        for m in ["q", "k", "v", "o"] {
            t.push((format!("{p}.self_attn.{m}_proj.weight"), vec![HIDDEN, HIDDEN]));
        }
        t.push((format!("{p}.mlp.gate_proj.weight"), vec![FFN, HIDDEN]));
        t.push((format!("{p}.mlp.up_proj.weight"), vec![FFN, HIDDEN]));
        t.push((format!("{p}.mlp.down_proj.weight"), vec![HIDDEN, FFN]));
        t.push((format!("{p}.input_layernorm.weight"), vec![HIDDEN]));
        t.push((format!("{p}.post_attention_layernorm.weight"), vec![HIDDEN]));
    }
    t.push(("model.norm.weight".to_string(), vec![HIDDEN]));
    t.push(("lm_head.weight".to_string(), vec![VOCAB, HIDDEN]));
    t
}

/// A bf16 tensor whose bytes are made when the writer asks for them (one tensor in memory at a
/// time): small values from the element index and a per-tensor salt.
struct Synthetic {
    shape: Vec<usize>,
    salt: u32,
}

impl View for &Synthetic {
    fn dtype(&self) -> Dtype {
        Dtype::BF16
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        let n: usize = self.shape.iter().product();
        let mut out = Vec::with_capacity(2 * n);
        for i in 0..n as u32 {
            let x = ((i.wrapping_mul(2_654_435_761) ^ self.salt) % 2001) as f32 / 20_000.0 - 0.05;
            out.extend_from_slice(&((x.to_bits() >> 16) as u16).to_le_bytes());
        }
        Cow::Owned(out)
    }
    fn data_len(&self) -> usize {
        2 * self.shape.iter().product::<usize>()
    }
}

fn generate(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the directory");
    let all = tensors();
    let mut shards: Vec<Vec<usize>> = vec![Vec::new()];
    let mut size = 0;
    for (i, (_, shape)) in all.iter().enumerate() {
        let bytes = 2 * shape.iter().product::<usize>();
        if size > 0 && size + bytes > SHARD_BYTES {
            shards.push(Vec::new());
            size = 0;
        }
        size += bytes;
        shards.last_mut().unwrap().push(i);
    }
    let n = shards.len();
    let mut weight_map = serde_json::Map::new();
    let started = Instant::now();
    for (s, members) in shards.iter().enumerate() {
        let file = format!("model-{:05}-of-{n:05}.safetensors", s + 1);
        let views: Vec<(String, Synthetic)> = members
            .iter()
            .map(|&i| (all[i].0.clone(), Synthetic { shape: all[i].1.clone(), salt: i as u32 * 7919 }))
            .collect();
        let refs: Vec<(&str, &Synthetic)> = views.iter().map(|(n, v)| (n.as_str(), v)).collect();
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        safetensors::tensor::serialize_to_file(refs, Some(metadata), &dir.join(&file)).expect("write a shard");
        for &i in members {
            weight_map.insert(all[i].0.clone(), serde_json::Value::String(file.clone()));
        }
        eprintln!("wrote {file} ({:.0} s)", started.elapsed().as_secs_f64());
    }
    let index = serde_json::json!({"metadata": {}, "weight_map": weight_map});
    std::fs::write(dir.join("model.safetensors.index.json"), index.to_string()).expect("write the index");
}

fn read(dir: &Path, tp: usize, rank: usize) {
    let path = format!("{}/../examples/llama2-7b.toml", env!("CARGO_MANIFEST_DIR"));
    let mut spec = parc_compiler::load_model(&path).expect("the example");
    spec.training.precision = Precision::Fp32;
    spec.training.zero = 0;
    let mesh = Mesh::parse(&format!("tp={tp}")).expect("mesh");
    let opts = CompileOptions { training: TrainingOverrides::default(), mesh, pipeline: PipelineOptions::default() };
    let out = compile_spec(spec, &opts, Instant::now()).expect("compile");
    let program = Program::load(&out.module).expect("load");
    let layouts = ParamLayout::of(&program).expect("layouts");
    let mesh = program.mesh;
    drop(out);
    drop(program);
    let expected: Vec<(&str, &[usize])> =
        layouts.iter().map(|l| (l.name.as_str(), l.global_shape.as_slice())).collect();
    // Reset the peak resident memory: what follows is the read alone.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let before = parc_runtime::memory::peak_rss_bytes().unwrap_or(0);
    let started = Instant::now();
    let weights = InitWeights::open(dir, &expected).expect("open the checkpoint");
    let mut pieces: Vec<Vec<f32>> = Vec::with_capacity(layouts.len());
    for l in &layouts {
        let indices = l.local_indices(&mesh, rank);
        let mut piece = vec![0.0f32; indices.len()];
        weights.read_piece(&l.name, indices, &mut piece).expect("read a piece");
        pieces.push(piece);
    }
    let seconds = started.elapsed().as_secs_f64();
    let piece_bytes: usize = pieces.iter().map(|p| 4 * p.len()).sum();
    let peak = parc_runtime::memory::peak_rss_bytes().unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "tp": tp,
            "rank": rank,
            "seconds": seconds,
            "piece_bytes_f32": piece_bytes,
            "file_bytes_read": weights.data_bytes_read(),
            "rss_before_bytes": before,
            "peak_rss_bytes": peak,
            "peak_over_pieces": peak as f64 / piece_bytes as f64,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: hf_import_bench gen DIR | hf_import_bench read DIR --tp T --rank R";
    match args.first().map(String::as_str) {
        Some("gen") if args.len() == 2 => generate(&PathBuf::from(&args[1])),
        Some("read") if args.len() == 6 && args[2] == "--tp" && args[4] == "--rank" => {
            let tp = args[3].parse().expect("--tp N");
            let rank = args[5].parse().expect("--rank R");
            read(&PathBuf::from(&args[1]), tp, rank)
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    }
}
