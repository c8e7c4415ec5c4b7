//! GPU profiles: what a plan is checked against before launch. A profile is a TOML file
//! (docs/hardware.md); the built-in ones live in the repository's `hardware/` directory and are
//! compiled into parc, and `--gpu-file` reads a user's own. Every figure is validated when the
//! file is read, with the file's line and column in the message.
//!
//! A profile decides whether each rank's planned peak memory fits the GPU ([`check_fits`]); its
//! compute, memory bandwidth and network figures are the inputs of the cost model
//! ([`crate::cost`]).

use std::ops::Range;

use parc_dialects::diag::{did_you_mean, Diagnostic, SourceFile};
use serde::Deserialize;
use toml::Spanned;

use crate::plan::Plan;

/// The built-in profiles, by name: (name, TOML text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("a100-80g", include_str!("../../hardware/a100-80g.toml")),
    ("h100-sxm", include_str!("../../hardware/h100-sxm.toml")),
    ("h200", include_str!("../../hardware/h200.toml")),
];

/// One GPU and the node it sits in.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuProfile {
    pub name: String,
    pub description: String,
    /// Dense bf16 tensor-core peak, FLOP/s.
    pub peak_bf16_flops: f64,
    /// fp32 (non-tensor-core) peak, FLOP/s.
    pub peak_fp32_flops: f64,
    /// The fraction of `peak_bf16_flops` the best-shaped GEMM reaches.
    pub gemm_max_efficiency: f64,
    /// HBM capacity, bytes.
    pub hbm_bytes: u64,
    /// HBM bandwidth, bytes per second.
    pub hbm_bandwidth: f64,
    /// Bytes of HBM taken before the plan's arena (CUDA context, NCCL, cuBLAS workspace).
    pub reserved_bytes: u64,
    pub gpus_per_node: usize,
    /// NVLink bandwidth per GPU, bytes per second.
    pub nvlink_bandwidth: f64,
    /// Achieved all-reduce bus bandwidth inside a node, bytes per second.
    pub intra_node_bus_bandwidth: f64,
    /// Achieved bus bandwidth per GPU across nodes, bytes per second.
    pub inter_node_bus_bandwidth: f64,
}

impl GpuProfile {
    /// What a rank's arena may take: the HBM less what is reserved.
    pub fn usable_bytes(&self) -> u64 {
        self.hbm_bytes.saturating_sub(self.reserved_bytes)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Spanned<String>,
    description: Option<String>,
    compute: Spanned<RawCompute>,
    memory: Spanned<RawMemory>,
    network: Spanned<RawNetwork>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompute {
    peak_bf16_tflops: Spanned<f64>,
    peak_fp32_tflops: Spanned<f64>,
    gemm_max_efficiency: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMemory {
    hbm_gib: Spanned<f64>,
    hbm_gb_per_s: Spanned<f64>,
    reserved_gib: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    gpus_per_node: Spanned<i64>,
    nvlink_gb_per_s: Spanned<f64>,
    intra_node_bus_gb_per_s: Spanned<f64>,
    inter_node_bus_gb_per_s: Spanned<f64>,
}

const GIB: f64 = (1u64 << 30) as f64;

/// The built-in profile `name`, or an error that lists them (with the closest name).
pub fn built_in(name: &str) -> Result<GpuProfile, Diagnostic> {
    match BUILT_IN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(&format!("hardware/{n}.toml"), text),
        None => {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            let prefix = names.iter().find(|n| n.starts_with(name) || name.starts_with(*n)).copied();
            let close = prefix
                .or_else(|| did_you_mean(name, names.iter().copied()))
                .map_or(String::new(), |s| format!("did you mean {s}? "));
            Err(Diagnostic::new(format!("--gpu {name}: no such GPU profile")).with_help(format!(
                "{close}the built-in profiles are {}; describe another GPU in a TOML file and pass it with \
                 --gpu-file (docs/hardware.md)",
                names.join(", ")
            )))
        }
    }
}

/// The profile in the file at `path`.
pub fn load(path: &str) -> Result<GpuProfile, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(format!("cannot read GPU profile {path}: {e}"))
            .with_help("--gpu-file takes a TOML file as docs/hardware.md describes (hardware/a100-80g.toml is one)")
    })?;
    parse(path, &text)
}

/// Parses and validates a profile given as text (`path` is used in messages).
pub fn parse(path: &str, text: &str) -> Result<GpuProfile, Diagnostic> {
    let source = SourceFile::new(path, text);
    let help = "a GPU profile is TOML with name, [compute], [memory] and [network] tables; see docs/hardware.md \
                and hardware/a100-80g.toml";
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        Diagnostic::at(&source, e.span().unwrap_or(0..0), e.message().trim().to_string()).with_help(help)
    })?;
    let bad = |span: Range<usize>, message: String, fix: &str| Diagnostic::at(&source, span, message).with_help(fix);
    // A positive, finite figure; a fraction also at most 1.
    let positive = |key: &str, v: &Spanned<f64>| -> Result<f64, Diagnostic> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(bad(
                v.span(),
                format!("{key} = {x} must be a positive number"),
                "see docs/hardware.md for each figure's unit",
            ))
        }
    };
    let (c, m, n) = (raw.compute.into_inner(), raw.memory.into_inner(), raw.network.into_inner());
    let efficiency = positive("gemm_max_efficiency", &c.gemm_max_efficiency)?;
    if efficiency > 1.0 {
        return Err(bad(
            c.gemm_max_efficiency.span(),
            format!("gemm_max_efficiency = {efficiency} is more than 1"),
            "it is the fraction of peak_bf16_tflops the best GEMM reaches, e.g. 0.87",
        ));
    }
    let hbm = positive("hbm_gib", &m.hbm_gib)?;
    let reserved = *m.reserved_gib.get_ref();
    if !reserved.is_finite() || reserved < 0.0 || reserved >= hbm {
        return Err(bad(
            m.reserved_gib.span(),
            format!("reserved_gib = {reserved} must be at least 0 and less than hbm_gib = {hbm}"),
            "it is the memory the CUDA context and libraries take before the plan, e.g. 2.0",
        ));
    }
    let (hbm_bytes, reserved_bytes) = ((hbm * GIB).round() as u64, (reserved * GIB).round() as u64);
    if hbm_bytes <= reserved_bytes {
        return Err(bad(
            m.hbm_gib.span(),
            format!("hbm_gib = {hbm} leaves no usable byte after reserved_gib = {reserved}"),
            "hbm_gib is the GPU's memory in GiB, e.g. 80.0",
        ));
    }
    let gpus_per_node = *n.gpus_per_node.get_ref();
    if !(1..=1024).contains(&gpus_per_node) {
        return Err(bad(
            n.gpus_per_node.span(),
            format!("gpus_per_node = {gpus_per_node} must be from 1 to 1024"),
            "the GPUs that share a node's NVLink domain, e.g. 8",
        ));
    }
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(bad(raw.name.span(), "name is empty".into(), "name the GPU, e.g. name = \"a100-80g\""));
    }
    Ok(GpuProfile {
        description: raw.description.unwrap_or_else(|| name.clone()),
        name,
        peak_bf16_flops: positive("peak_bf16_tflops", &c.peak_bf16_tflops)? * 1e12,
        peak_fp32_flops: positive("peak_fp32_tflops", &c.peak_fp32_tflops)? * 1e12,
        gemm_max_efficiency: efficiency,
        hbm_bytes,
        hbm_bandwidth: positive("hbm_gb_per_s", &m.hbm_gb_per_s)? * 1e9,
        reserved_bytes,
        gpus_per_node: gpus_per_node as usize,
        nvlink_bandwidth: positive("nvlink_gb_per_s", &n.nvlink_gb_per_s)? * 1e9,
        intra_node_bus_bandwidth: positive("intra_node_bus_gb_per_s", &n.intra_node_bus_gb_per_s)? * 1e9,
        inter_node_bus_bandwidth: positive("inter_node_bus_gb_per_s", &n.inter_node_bus_gb_per_s)? * 1e9,
    })
}

/// `bytes` in GiB, to two decimals.
pub fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / GIB)
}

/// One kind of rank of a plan and its planned peak: every rank of a plan without pipeline
/// stages, or the ranks of one stage.
#[derive(Clone, Debug, PartialEq)]
pub struct RankPeak {
    /// `None` without pipeline stages.
    pub stage: Option<usize>,
    pub peak_bytes: u64,
}

/// The planned peak of every kind of rank in `plan` (empty when it generated no programs).
pub fn peaks(plan: &Plan) -> Vec<RankPeak> {
    match &plan.pipeline {
        Some(p) => p
            .per_stage
            .iter()
            .filter_map(|s| s.memory.as_ref().map(|m| RankPeak { stage: Some(s.stage), peak_bytes: m.peak }))
            .collect(),
        None => plan.programs.memory.iter().map(|m| RankPeak { stage: None, peak_bytes: m.peak }).collect(),
    }
}

/// How the plan's largest rank fits `gpu`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The rank kind with the largest peak.
    pub largest: RankPeak,
    pub usable_bytes: u64,
}

/// Checks that every rank's planned peak fits `gpu`'s usable memory: the largest rank and the
/// memory, or an error that names every stage over it, by how much, and the settings that lower
/// each part of the peak.
pub fn check_fits(plan: &Plan, gpu: &GpuProfile) -> Result<Fit, Diagnostic> {
    let all = peaks(plan);
    let Some(largest) = all.iter().max_by_key(|p| p.peak_bytes).cloned() else {
        return Err(Diagnostic::new(format!(
            "this plan has no programs, so its memory is not known: {}",
            plan.programs.note.as_deref().unwrap_or("no programs were generated")
        ))
        .with_help("drop --gpu, or compile a plan that generates programs"));
    };
    let usable = gpu.usable_bytes();
    let over: Vec<&RankPeak> = all.iter().filter(|p| p.peak_bytes > usable).collect();
    if over.is_empty() {
        return Ok(Fit { largest, usable_bytes: usable });
    }
    let world = plan.mesh.world_size;
    let lines: Vec<String> = over
        .iter()
        .map(|p| {
            let who = match p.stage {
                Some(s) => {
                    let per_stage = world / plan.mesh.pp.max(1);
                    format!("stage {s} (ranks {}-{})", s * per_stage, (s + 1) * per_stage - 1)
                }
                None => format!("every rank (all {world})"),
            };
            format!("{who} peaks at {}, {} over", gib(p.peak_bytes), gib(p.peak_bytes - usable))
        })
        .collect();
    Err(Diagnostic::new(format!(
        "the plan does not fit the {} ({} of HBM, {} usable):\n    {}",
        gpu.name,
        gib(gpu.hbm_bytes),
        gib(usable),
        lines.join("\n    ")
    ))
    .with_help(if plan.model.moe.is_some() {
        // Mixture-of-experts models: ep splits the experts, a capacity factor bounds their buffers.
        "nothing was written; each part of the peak has its setting: parameters and gradients (more ep, tp or pp, \
         --zero 3), optimizer state (--zero 1 or more), activations (--recompute selective or full, \
         --sequence-parallel, a smaller micro_batch, more pp, a capacity_factor in [model.moe] instead of dropless \
         expert buffers; docs/moe.md); compile without --gpu and run parc inspect OUT --memory to see what each rank \
         holds"
    } else {
        "nothing was written; each part of the peak has its setting: parameters and gradients (more tp or pp, \
         --zero 3), optimizer state (--zero 1 or more), activations (--recompute selective or full, \
         --sequence-parallel, a smaller micro_batch, more pp); compile without --gpu and run parc inspect OUT \
         --memory to see what each rank holds"
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_parse_with_their_vendor_figures() {
        for (name, _) in BUILT_IN {
            let p = built_in(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&p.name, name);
            assert!(p.usable_bytes() < p.hbm_bytes);
        }
        let a100 = built_in("a100-80g").unwrap();
        assert_eq!(a100.peak_bf16_flops, 312e12);
        assert_eq!(a100.hbm_bytes, 80 << 30);
        assert_eq!(a100.gpus_per_node, 8);
        assert_eq!(built_in("h100-sxm").unwrap().peak_bf16_flops, 989e12);
        assert_eq!(built_in("h200").unwrap().hbm_bytes, (141.0 * GIB) as u64);
    }

    #[test]
    fn an_unknown_gpu_lists_the_profiles() {
        let e = built_in("a100").unwrap_err().to_string();
        assert!(e.contains("did you mean a100-80g?") && e.contains("--gpu-file"), "{e}");
        let e = built_in("mi300x").unwrap_err().to_string();
        assert!(e.contains("a100-80g, h100-sxm, h200") && !e.contains("did you mean"), "{e}");
    }

    #[test]
    fn bad_figures_name_their_place() {
        let good = BUILT_IN[0].1;
        let cases = [
            ("gemm_max_efficiency = 0.87", "gemm_max_efficiency = 1.5", "more than 1"),
            ("peak_bf16_tflops = 312.0", "peak_bf16_tflops = -1.0", "must be a positive number"),
            ("reserved_gib = 2.0", "reserved_gib = 90.0", "less than hbm_gib"),
            ("gpus_per_node = 8", "gpus_per_node = 0", "from 1 to 1024"),
            ("gpus_per_node = 8", "gpus_per_node = 8\nnvswitch = true", "unknown field"),
            ("hbm_gib = 80.0", "hbm_gib = \"80\"", "invalid type"),
            ("hbm_gib = 80.0\n", "", "missing field `hbm_gib`"),
        ];
        for (from, to, want) in cases {
            assert!(good.contains(from), "{from}");
            let e = parse("gpu.toml", &good.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("gpu.toml:"), "{to}: {e}");
        }
        // A capacity that rounds to no byte.
        let tiny = good.replacen("hbm_gib = 80.0", "hbm_gib = 1e-12", 1).replacen(
            "reserved_gib = 2.0",
            "reserved_gib = 0.0",
            1,
        );
        let e = parse("gpu.toml", &tiny).unwrap_err().to_string();
        assert!(e.contains("leaves no usable byte"), "{e}");
    }
}
