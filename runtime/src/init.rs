//! Initial weights: every value is a pure function of (seed, parameter name, element index), so a
//! parameter starts the same whatever the mesh, whichever rank materializes it, whatever slice of
//! it a rank holds and in whatever order tensors are visited. This module owns the random number
//! generator ([`SplitMix64`], also used by synthetic token data) and GPT-2's initialization scheme
//! by parameter name ([`default_init`]); it must not know about meshes, shards or ranks (a rank
//! that holds a shard computes the elements it needs from their global indices with
//! [`default_init_into`], which the shard layout feeds).
//!
//! The generator: the key of a parameter is `mix64(seed) ^ fnv1a64(name)` (the 64-bit FNV-1a hash
//! of the name's UTF-8 bytes); the n-th 64-bit draw (n = 0, 1, …) is `mix64(key + (n + 1)·γ)` with
//! γ = 0x9E3779B97F4A7C15 and `mix64` the SplitMix64 finalizer, i.e. the n-th output of a
//! SplitMix64 generator whose state starts at the key, computable without the earlier draws.
//! Elements 2m and 2m + 1 come from one Box–Muller pair on draws 2m and 2m + 1 (uniforms
//! u = (top 53 bits + 1)·2⁻⁵³ in (0, 1], computed in f64: z₀ = r·cos(2πu₂), z₁ = r·sin(2πu₂),
//! r = sqrt(−2 ln u₁)), scaled by the standard deviation in f64 and rounded to f32 once. Values
//! therefore do not depend on the shape, only on the element's flat index.

use rayon::prelude::*;

/// SplitMix64's increment (the golden ratio in 64-bit fixed point).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The standard deviation of GPT-2's weights and embeddings.
pub const GPT2_STD: f32 = 0.02;

/// SplitMix64's output function: a bijective 64-bit mixer.
pub fn mix64(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit FNV-1a hash of a byte string.
pub use parc_dialects::hash::fnv1a64;

/// A counter-based SplitMix64 stream: draw n is `mix64(key + (n + 1)·γ)`, available directly with
/// [`SplitMix64::at`] or in order with [`SplitMix64::next_u64`]. No global state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream whose state starts at `key`.
    pub fn new(key: u64) -> Self {
        SplitMix64 { state: key }
    }

    /// The next draw.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix64(self.state)
    }

    /// Draw `n` of the stream that starts at `key`, without the earlier ones.
    pub fn at(key: u64, n: u64) -> u64 {
        mix64(key.wrapping_add(n.wrapping_add(1).wrapping_mul(GAMMA)))
    }
}

/// The generator key of parameter `name` under `seed`.
pub fn param_key(seed: u64, name: &str) -> u64 {
    mix64(seed) ^ fnv1a64(name.as_bytes())
}

/// A uniform in (0, 1] from the top 53 bits of a draw (never 0, so its logarithm is finite).
fn unit_open0(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The Box–Muller pair of standard normals for element pair `pair` (elements 2·pair, 2·pair + 1).
fn normal_pair(key: u64, pair: u64) -> (f64, f64) {
    let u1 = unit_open0(SplitMix64::at(key, 2 * pair));
    let u2 = unit_open0(SplitMix64::at(key, 2 * pair + 1));
    let r = (-2.0 * u1.ln()).sqrt();
    let theta = 2.0 * std::f64::consts::PI * u2;
    (r * theta.cos(), r * theta.sin())
}

/// Element `index` (flat, row-major) of parameter `name` drawn from N(0, std²): the same value
/// that [`init_param`] puts there, for a rank that needs only some elements of a tensor.
pub fn normal_at(seed: u64, name: &str, index: u64, std: f32) -> f32 {
    let (z0, z1) = normal_pair(param_key(seed, name), index / 2);
    let z = if index % 2 == 0 { z0 } else { z1 };
    (f64::from(std) * z) as f32
}

/// Elements per parallel task; even, so that no Box–Muller pair straddles two tasks.
const CHUNK: usize = 1 << 16;

/// A tensor of `shape` (row-major) with elements drawn from N(0, std²), determined by `seed` and
/// `name` only (see the module doc); `std == 0` gives zeros.
pub fn init_param(seed: u64, name: &str, shape: &[usize], std: f32) -> Vec<f32> {
    let numel: usize = shape.iter().product();
    let mut out = vec![0.0f32; numel];
    if std == 0.0 {
        return out;
    }
    let key = param_key(seed, name);
    let std = f64::from(std);
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk_idx, chunk)| {
        let first_pair = (chunk_idx * CHUNK / 2) as u64;
        for (i, pair) in chunk.chunks_mut(2).enumerate() {
            let (z0, z1) = normal_pair(key, first_pair + i as u64);
            pair[0] = (std * z0) as f32;
            if let Some(second) = pair.get_mut(1) {
                *second = (std * z1) as f32;
            }
        }
    });
    out
}

/// How [`default_init`] initializes a parameter, decided from its name alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitRule {
    /// Every element is this constant (norm weights 1, biases 0).
    Constant(f32),
    /// Elements drawn from N(0, std²).
    Normal {
        /// The standard deviation.
        std: f32,
    },
}

/// GPT-2's rule for parameter `name` (names as in the compiler's `param_names`) in a model of
/// `n_layers` layers:
/// - norm weights (`layers.{i}.attn_norm.weight`, `layers.{i}.mlp_norm.weight`,
///   `final_norm.weight`): 1;
/// - every bias (norm biases included): 0;
/// - the projections that write into the residual stream (`layers.{i}.attn.o.weight`,
///   `layers.{i}.mlp.down.weight`): N(0, (0.02/sqrt(2·n_layers))²), GPT-2's scaling, which keeps
///   the residual stream's variance independent of depth;
/// - every other weight (q, k, v, up, gate, `embed.tokens.weight`, `embed.positions.weight`,
///   `lm_head.weight`, and any name not listed here): N(0, 0.02²).
pub fn init_rule(name: &str, n_layers: usize) -> InitRule {
    if name.ends_with("_norm.weight") {
        InitRule::Constant(1.0)
    } else if name.ends_with(".bias") {
        InitRule::Constant(0.0)
    } else if name.starts_with("layers.") && (name.ends_with(".attn.o.weight") || name.ends_with(".mlp.down.weight")) {
        // A model with such a parameter has at least one layer; max(1) only keeps a wrong
        // `n_layers == 0` from producing an infinite standard deviation.
        let scale = (2.0 * n_layers.max(1) as f64).sqrt();
        InitRule::Normal { std: (f64::from(GPT2_STD) / scale) as f32 }
    } else {
        InitRule::Normal { std: GPT2_STD }
    }
}

/// The initial value of parameter `name` of `shape` under GPT-2's scheme ([`init_rule`]), drawn
/// with [`init_param`].
pub fn default_init(seed: u64, name: &str, shape: &[usize], n_layers: usize) -> Vec<f32> {
    match init_rule(name, n_layers) {
        InitRule::Constant(value) => vec![value; shape.iter().product()],
        InitRule::Normal { std } => init_param(seed, name, shape, std),
    }
}

/// Fills `out` with the initial values ([`default_init`]) of some elements of parameter `name`:
/// `indices(k)` lists, from `out[k]` on, the global flat index of the element each entry of `out`
/// holds (None: padding, which gets 0). Each value is computed from its index alone, so `out` is
/// bit for bit what indexing the whole `default_init` tensor would give, without the whole tensor
/// ever existing. Runs in parallel over chunks of `out`, starting each chunk at its own offset.
pub fn default_init_into<I>(
    seed: u64,
    name: &str,
    n_layers: usize,
    out: &mut [f32],
    indices: impl Fn(usize) -> I + Sync,
) where
    I: Iterator<Item = Option<usize>>,
{
    let rule = init_rule(name, n_layers);
    let key = param_key(seed, name);
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk_idx, chunk)| {
        // The last Box–Muller pair drawn: consecutive indices share one.
        let mut last: Option<(u64, (f64, f64))> = None;
        let mut slots = chunk.iter_mut();
        for index in indices(chunk_idx * CHUNK) {
            let Some(slot) = slots.next() else { break };
            *slot = match (index, rule) {
                (None, _) => 0.0,
                (Some(_), InitRule::Constant(value)) => value,
                // `init_param`'s zeros (not the -0.0 that 0 · a negative draw would give).
                (Some(_), InitRule::Normal { std: 0.0 }) => 0.0,
                (Some(i), InitRule::Normal { std }) => {
                    let pair = i as u64 / 2;
                    let (z0, z1) = match last {
                        Some((p, z)) if p == pair => z,
                        _ => {
                            let z = normal_pair(key, pair);
                            last = Some((pair, z));
                            z
                        }
                    };
                    (f64::from(std) * if i % 2 == 0 { z0 } else { z1 }) as f32
                }
            };
        }
        // Entries the indices do not reach (a map shorter than `out`) are padding.
        slots.for_each(|slot| *slot = 0.0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_std(values: &[f32]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    /// Asserts that `values` look like N(0, std²): the mean within 3σ/√n of 0 and the sample
    /// standard deviation within 2% of `std`.
    fn check_normal(values: &[f32], std: f64) {
        let (mean, sample_std) = mean_std(values);
        let n = values.len() as f64;
        assert!(mean.abs() < 3.0 * std / n.sqrt(), "mean {mean} is more than 3σ/√n from 0 (σ = {std}, n = {n})");
        assert!((sample_std / std - 1.0).abs() < 0.02, "sample std {sample_std} is not within 2% of {std}");
    }

    #[test]
    fn splitmix_matches_reference_outputs() {
        // The first outputs of SplitMix64 seeded with 1234567 (Vigna's reference C code).
        let mut g = SplitMix64::new(1234567);
        let expect = [
            6457827717110365317u64,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ];
        for (n, &e) in expect.iter().enumerate() {
            assert_eq!(g.next_u64(), e);
            assert_eq!(SplitMix64::at(1234567, n as u64), e);
        }
    }

    #[test]
    fn fnv1a_matches_reference_values() {
        assert_eq!(fnv1a64(b""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xAF63_DC4C_8601_EC8C);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_F739_67E8);
    }

    #[test]
    fn init_is_deterministic_and_keyed_by_seed_and_name() {
        let a = init_param(7, "layers.0.attn.q.weight", &[64, 48], 0.02);
        let b = init_param(7, "layers.0.attn.q.weight", &[64, 48], 0.02);
        assert_eq!(a, b);
        let other_name = init_param(7, "layers.0.attn.k.weight", &[64, 48], 0.02);
        let other_seed = init_param(8, "layers.0.attn.q.weight", &[64, 48], 0.02);
        for other in [&other_name, &other_seed] {
            let equal = a.iter().zip(other).filter(|(x, y)| x == y).count();
            assert_eq!(equal, 0, "{equal} elements coincide");
        }
    }

    #[test]
    fn values_depend_on_flat_index_only() {
        // Across the parallel chunk boundary and for odd lengths, element i is the same whatever
        // the shape, and equals normal_at.
        let long = init_param(3, "w", &[CHUNK + 5], 0.5);
        let short = init_param(3, "w", &[3, 7], 0.5);
        assert_eq!(&long[..21], &short[..]);
        for i in [0, 1, 20, CHUNK - 1, CHUNK, CHUNK + 4] {
            assert_eq!(long[i], normal_at(3, "w", i as u64, 0.5), "element {i}");
        }
    }

    #[test]
    fn init_statistics_match_the_target() {
        for std in [1.0, 0.02] {
            let values = init_param(42, "embed.tokens.weight", &[100_000], std);
            check_normal(&values, f64::from(std));
        }
        assert!(init_param(42, "x", &[1000], 0.0).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn default_init_follows_gpt2_by_name() {
        let n_layers = 12;
        let residual_std = 0.02 / (24.0f64).sqrt();
        let cases: [(&str, InitRule); 12] = [
            ("embed.tokens.weight", InitRule::Normal { std: 0.02 }),
            ("embed.positions.weight", InitRule::Normal { std: 0.02 }),
            ("layers.3.attn_norm.weight", InitRule::Constant(1.0)),
            ("layers.3.attn_norm.bias", InitRule::Constant(0.0)),
            ("layers.3.attn.q.weight", InitRule::Normal { std: 0.02 }),
            ("layers.3.attn.q.bias", InitRule::Constant(0.0)),
            ("layers.3.attn.o.weight", InitRule::Normal { std: residual_std as f32 }),
            ("layers.3.attn.o.bias", InitRule::Constant(0.0)),
            ("layers.11.mlp.up.weight", InitRule::Normal { std: 0.02 }),
            ("layers.11.mlp.down.weight", InitRule::Normal { std: residual_std as f32 }),
            ("final_norm.weight", InitRule::Constant(1.0)),
            ("lm_head.weight", InitRule::Normal { std: 0.02 }),
        ];
        for (name, rule) in cases {
            assert_eq!(init_rule(name, n_layers), rule, "{name}");
        }
        assert_eq!(default_init(1, "final_norm.weight", &[8], 12), vec![1.0; 8]);
        assert_eq!(default_init(1, "final_norm.bias", &[8], 12), vec![0.0; 8]);
        assert_eq!(default_init(1, "layers.0.mlp.mlp_norm.bias", &[3], 12), vec![0.0; 3]);

        let down = default_init(5, "layers.2.mlp.down.weight", &[100_000], n_layers);
        check_normal(&down, residual_std);
        let q = default_init(5, "layers.2.attn.q.weight", &[100_000], n_layers);
        check_normal(&q, 0.02);
        assert_eq!(q, init_param(5, "layers.2.attn.q.weight", &[100_000], 0.02));
    }
}
