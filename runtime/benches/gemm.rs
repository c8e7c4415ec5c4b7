//! Throughput of the CPU SGEMM wrapper (`parc_runtime::cpu::gemm`) on a 1024^3 product and the
//! shapes of a small transformer, on 1 and 2 threads. Prints one markdown table row per shape:
//! the median GFLOP/s over 15 samples and the best sample. Each sample repeats the call for at
//! least 20 ms; the 1- and 2-thread samples alternate so that both see the same background load.
//!
//!     cargo bench -p parc-runtime --bench gemm            # all shapes
//!     cargo bench -p parc-runtime --bench gemm -- 2048    # shapes whose name contains "2048"

use std::time::Instant;

use parc_runtime::cpu::gemm::{sgemm_batched, Batch, Gemm, MatLayout, MatMut, MatRef, Par};

const SAMPLES: usize = 15;
const MIN_SAMPLE_SECONDS: f64 = 0.02;

/// One benchmarked call: row-major operands unless `a_transposed`.
struct Shape {
    name: &'static str,
    m: usize,
    n: usize,
    k: usize,
    batch: usize,
    /// A is stored as its [k x m] transpose (the weight-gradient product X^T dY).
    a_transposed: bool,
}

const SHAPES: [Shape; 8] = [
    Shape { name: "[1024 x 1024] x [1024 x 1024]", m: 1024, n: 1024, k: 1024, batch: 1, a_transposed: false },
    Shape { name: "[256 x 64] x [64 x 256]", m: 256, n: 256, k: 64, batch: 1, a_transposed: false },
    Shape { name: "[256 x 256] x [256 x 64]", m: 256, n: 64, k: 256, batch: 1, a_transposed: false },
    Shape { name: "[2048 x 64] x [64 x 64]", m: 2048, n: 64, k: 64, batch: 1, a_transposed: false },
    Shape { name: "[64 x 256] x [256 x 256]", m: 64, n: 256, k: 256, batch: 1, a_transposed: false },
    Shape { name: "[4096 x 256] x [256 x 1024]", m: 4096, n: 1024, k: 256, batch: 1, a_transposed: false },
    Shape { name: "[2048 x 64]^T x [2048 x 64]", m: 64, n: 64, k: 2048, batch: 1, a_transposed: true },
    Shape { name: "64 x [32 x 32] x [32 x 16]", m: 32, n: 16, k: 32, batch: 64, a_transposed: false },
];

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters shapes by name.
    let filter: Option<String> = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(2).build() {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("error: cannot start a 2-thread rayon pool: {error}");
            std::process::exit(1);
        }
    };
    println!("| shape | 1 thread: median (best) GFLOP/s | 2 threads: median (best) GFLOP/s |");
    println!("|---|---|---|");
    for shape in SHAPES.iter().filter(|shape| filter.as_ref().is_none_or(|f| shape.name.contains(f.as_str()))) {
        let [one, two] = pool.install(|| measure(shape));
        println!("| {} | {:.1} ({:.1}) | {:.1} ({:.1}) |", shape.name, one.0, one.1, two.0, two.1);
    }
}

/// (median, best) GFLOP/s for `Par::Seq` and `Par::Threads(2)`.
fn measure(shape: &Shape) -> [(f64, f64); 2] {
    let &Shape { m, n, k, batch, .. } = shape;
    let a = pseudo_random(batch * m * k, 1);
    let b = pseudo_random(batch * k * n, 2);
    let mut c = vec![0.0f32; batch * m * n];
    let a_layout = if shape.a_transposed { MatLayout::row_major(m).t() } else { MatLayout::row_major(k) };
    let strides = Batch { count: batch, a_stride: m * k, b_stride: k * n, c_stride: m * n };
    let gemm = Gemm::new(m, n, k);
    let mut run = |par: Par| {
        let result = sgemm_batched(
            &gemm,
            &strides,
            MatRef::new(&a, a_layout),
            MatRef::new(&b, MatLayout::row_major(n)),
            MatMut::new(&mut c, MatLayout::row_major(n)),
            par,
        );
        if let Err(error) = result {
            eprintln!("error: {}: {error}", shape.name);
            std::process::exit(1);
        }
    };

    let pars = [Par::Seq, Par::Threads(2)];
    let mut repetitions = [1usize; 2];
    for (par, reps) in pars.iter().zip(&mut repetitions) {
        run(*par); // warm-up: page faults, packing buffers, thread wake-up
        let start = Instant::now();
        run(*par);
        let seconds = start.elapsed().as_secs_f64().max(1e-9);
        *reps = (MIN_SAMPLE_SECONDS / seconds).ceil().max(1.0) as usize;
    }
    let mut samples = [Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES)];
    for _ in 0..SAMPLES {
        for ((par, reps), seconds) in pars.iter().zip(repetitions).zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..reps {
                run(*par);
            }
            seconds.push(start.elapsed().as_secs_f64() / reps as f64);
        }
    }
    let flop = 2.0 * (batch * m * n * k) as f64;
    samples.map(|mut seconds| {
        seconds.sort_by(f64::total_cmp);
        (flop / seconds[SAMPLES / 2] / 1e9, flop / seconds[0] / 1e9)
    })
}

/// Values in [-1, 1) from a seeded linear congruential generator.
fn pseudo_random(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}
