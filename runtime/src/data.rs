//! Token data: which tokens each rank feeds each micro-batch of each step. This module owns the
//! layout of DESIGN.md "Model semantics" and nothing else (it does not know programs, buffers or
//! ranks beyond the data-parallel coordinates it is given):
//!
//! - The stream is a sequence of samples of S + 1 tokens (S = seq_len). Sample k of a token file is
//!   `tokens[k·(S+1) .. (k+1)·(S+1)]`; its inputs are the first S tokens, its labels the last S
//!   (the stream shifted by one). A file holds `len / (S+1)` whole samples; trailing tokens that do
//!   not fill a sample are never read.
//! - Step i (0-based) uses samples `i·B .. (i+1)·B` (B = global batch), wrapping around at the end of
//!   the file (the sample index is taken modulo the number of whole samples).
//! - Data-parallel rank d of dp takes samples `d·B/dp .. (d+1)·B/dp` of those B, and its
//!   micro-batch j takes samples `j·b .. (j+1)·b` of that slice (b = micro-batch size). So the
//!   concatenation of every rank's micro-batches, in order, is the step's B samples whatever the
//!   mesh.
//!
//! A token file is a flat array of little-endian `u16` or `u32` token ids ([`TokenWidth`]). It
//! stays open and is read one sample at a time, with positioned reads, when a micro-batch needs
//! that sample: a rank reads only its own samples, never the whole file, and checks each id it
//! reads against the vocabulary (an id out of range is an error naming the file, the token's
//! position in it and the id).
//!
//! Synthetic data has the same layout over an endless stream (no wrap-around); sample k is a
//! function of (seed, k) only, so it is independent of the mesh like a file. It is learnable in two
//! stages, so a falling loss means the model learns: each sample is an arithmetic sequence
//! `token_t = (start + t · stride) mod vocab` with a stride in {1, 2, 3}. The current token alone
//! narrows the next one to three candidates (a loss of ln 3 ≈ 1.1, learned quickly through the
//! embeddings); reading the stride from the previous tokens takes the loss toward 0 (learned
//! through attention). The generator, for sample k: let `key = mix64(mix64(seed) ^ k)` and `x_n`
//! the n-th draw of the SplitMix64 stream from `key` ([`SplitMix64::at`]); `start = ⌊x_0 · vocab /
//! 2⁶⁴⌋` and `stride = 1 + x_1 mod 3`.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::init::{mix64, SplitMix64};

/// The strides of synthetic samples are 1 to this.
pub const MAX_SYNTHETIC_STRIDE: u64 = 3;

/// The width of a token id in a token file (`--data-dtype`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenWidth {
    /// Little-endian `u16` ids (vocabularies up to 65 536, e.g. GPT-2's).
    U16,
    /// Little-endian `u32` ids.
    #[default]
    U32,
}

impl TokenWidth {
    /// Bytes per token id.
    pub fn bytes(self) -> usize {
        match self {
            TokenWidth::U16 => 2,
            TokenWidth::U32 => 4,
        }
    }
}

impl fmt::Display for TokenWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenWidth::U16 => "u16",
            TokenWidth::U32 => "u32",
        })
    }
}

impl FromStr for TokenWidth {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        match s {
            "u16" => Ok(TokenWidth::U16),
            "u32" => Ok(TokenWidth::U32),
            _ => Err(DataError::UnknownWidth(s.to_string())),
        }
    }
}

/// Everything that can go wrong reading token data or slicing a batch out of it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The `--data-dtype` value is neither `u16` nor `u32`.
    #[error("unknown token width `{0}`: expected `u16` or `u32`")]
    UnknownWidth(String),
    /// The token file cannot be read (missing, unreadable).
    #[error("cannot read token file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file's length is not a whole number of token ids.
    #[error(
        "token file {} has {bytes} bytes, not a multiple of {} bytes per {width} token; \
         is the token width (--data-dtype) right?",
        path.display(),
        width.bytes()
    )]
    RaggedLength { path: PathBuf, bytes: usize, width: TokenWidth },
    /// The file holds fewer than `seq_len + 1` tokens, not even one sample.
    #[error(
        "token file {} has {tokens} tokens, fewer than one sample of seq_len + 1 = {needed}",
        path.display()
    )]
    TooShort { path: PathBuf, tokens: usize, needed: usize },
    /// The file holds fewer whole samples than one global batch: a step would read some samples
    /// twice ([`TokenData::check_holds_batch`]).
    #[error(
        "token file {} holds {samples} samples of seq_len + 1 = {sample} tokens, fewer than one global batch of \
         {global_batch}: it needs at least {global_batch} x {sample} = {needed} tokens",
        path.display(),
        needed = *global_batch as u128 * *sample as u128
    )]
    FewerThanOneBatch { path: PathBuf, samples: u64, sample: usize, global_batch: usize },
    /// A token id (the first bad one of the sample being read, at token `index` of the file) is
    /// not below the vocabulary size.
    #[error(
        "token {index} of {} has id {value}, outside the vocabulary of {vocab} tokens; \
         was the file tokenized for another model, or is the token width wrong?",
        path.display()
    )]
    TokenOutOfRange { path: PathBuf, index: usize, value: u32, vocab: usize },
    /// The sequence length is 0.
    #[error("seq_len is 0: a sample needs at least one input token")]
    ZeroSeqLen,
    /// The vocabulary is empty or too large for i32 ids.
    #[error("vocab {vocab} is invalid: it must be in 1..=2^31 so that token ids fit in i32")]
    BadVocab { vocab: usize },
    /// The data-parallel size is 0.
    #[error("data-parallel size is 0")]
    ZeroDp,
    /// The data-parallel rank is not below the data-parallel size.
    #[error("data-parallel rank {dp_rank} is out of range for {dp} ranks")]
    DpRankOutOfRange { dp_rank: usize, dp: usize },
    /// The global batch does not split evenly over the data-parallel ranks.
    #[error("global batch {global_batch} is not divisible by the data-parallel size {dp}")]
    BatchNotDivisible { global_batch: usize, dp: usize },
    /// The micro-batch size is 0.
    #[error("micro-batch size is 0")]
    ZeroMicroBatch,
    /// A rank's share of the batch does not split evenly into micro-batches.
    #[error(
        "per-rank batch {per_rank} (global batch {global_batch} / dp {dp}) is not divisible by \
         the micro-batch size {micro_batch}"
    )]
    MicroBatchNotDivisible { per_rank: usize, global_batch: usize, dp: usize, micro_batch: usize },
    /// The micro-batch index is not below the number of micro-batches per rank.
    #[error("micro-batch index {index} is out of range: each rank has {count} micro-batches")]
    MicroBatchIndexOutOfRange { index: usize, count: usize },
    /// An output buffer is not `micro_batch × seq_len` long.
    #[error(
        "{which} buffer has {len} elements, expected micro_batch {micro_batch} × seq_len \
         {seq_len} = {expected}"
    )]
    BufferLength { which: &'static str, len: usize, micro_batch: usize, seq_len: usize, expected: usize },
    /// A synthetic sample index does not fit in 64 bits.
    #[error("sample index of step {step} overflows 64 bits")]
    SampleIndexOverflow { step: u64 },
}

/// Where a token file's bytes come from: positioned reads, so that every clone of a
/// [`TokenData`] (one per rank thread) shares one open file and reads only the samples it feeds.
trait ReadAt: Send + Sync + fmt::Debug {
    /// Fills `buf` with the bytes at `offset`.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
}

impl ReadAt for File {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        crate::pio::read_exact_at(self, buf, offset)
    }
}

#[derive(Clone, Debug)]
enum Source {
    /// A token file: `n_samples` whole samples of ids of `width`, read sample by sample.
    File {
        file: Arc<dyn ReadAt>,
        path: PathBuf,
        width: TokenWidth,
        n_samples: u64,
    },
    Synthetic {
        seed: u64,
    },
}

/// A source of training tokens: a token file or seeded synthetic data (see the module doc).
/// Cloning is cheap: clones share the open file.
#[derive(Clone, Debug)]
pub struct TokenData {
    source: Source,
    seq_len: usize,
    vocab: usize,
}

/// The largest vocabulary whose ids all fit in an i32.
const MAX_VOCAB: usize = 1 << 31;

impl TokenData {
    /// Opens a token file of little-endian ids of `width` for samples of `seq_len` tokens and a
    /// vocabulary of `vocab`. Only the file's size is checked here (whole ids, at least one
    /// sample); the ids of each sample are read, and checked against the vocabulary, when a
    /// micro-batch needs that sample ([`TokenData::microbatch`]).
    pub fn from_file(
        path: impl AsRef<Path>,
        width: TokenWidth,
        seq_len: usize,
        vocab: usize,
    ) -> Result<Self, DataError> {
        let path = path.as_ref();
        let read = |source| DataError::Read { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(read)?;
        let len = file.metadata().map_err(read)?.len();
        Self::from_reader(Arc::new(file), len, path, width, seq_len, vocab)
    }

    /// [`TokenData::from_file`] on `len` bytes readable from `reader`; `path` names them in
    /// errors.
    fn from_reader(
        reader: Arc<dyn ReadAt>,
        len: u64,
        path: &Path,
        width: TokenWidth,
        seq_len: usize,
        vocab: usize,
    ) -> Result<Self, DataError> {
        check_shape(seq_len, vocab)?;
        let bytes = usize::try_from(len).unwrap_or(usize::MAX);
        if len % width.bytes() as u64 != 0 {
            return Err(DataError::RaggedLength { path: path.to_path_buf(), bytes, width });
        }
        let tokens = len / width.bytes() as u64;
        let needed = seq_len + 1;
        if tokens < needed as u64 {
            return Err(DataError::TooShort { path: path.to_path_buf(), tokens: tokens as usize, needed });
        }
        let n_samples = tokens / needed as u64;
        Ok(TokenData {
            source: Source::File { file: reader, path: path.to_path_buf(), width, n_samples },
            seq_len,
            vocab,
        })
    }

    /// Refuses a token file with fewer whole samples than one global batch of `global_batch`,
    /// which would repeat samples within a step. Synthetic data never runs out.
    pub fn check_holds_batch(&self, global_batch: usize) -> Result<(), DataError> {
        match &self.source {
            Source::File { path, n_samples, .. } if *n_samples < global_batch as u64 => {
                Err(DataError::FewerThanOneBatch {
                    path: path.clone(),
                    samples: *n_samples,
                    sample: self.seq_len + 1,
                    global_batch,
                })
            }
            _ => Ok(()),
        }
    }

    /// Synthetic data from `seed` (see the module doc for the generator). Invalid `seq_len` or
    /// `vocab` (0, or a vocabulary over 2^31) are reported by [`TokenData::microbatch`].
    pub fn synthetic(seed: u64, seq_len: usize, vocab: usize) -> Self {
        TokenData { source: Source::Synthetic { seed }, seq_len, vocab }
    }

    /// Tokens per sample of inputs (and of labels): S.
    pub fn seq_len(&self) -> usize {
        self.seq_len
    }

    /// The vocabulary size that every token is below.
    pub fn vocab(&self) -> usize {
        self.vocab
    }

    /// The number of whole samples in the file, after which steps wrap around; `None` for
    /// synthetic data, which never wraps.
    pub fn n_samples(&self) -> Option<u64> {
        match &self.source {
            Source::File { n_samples, .. } => Some(*n_samples),
            Source::Synthetic { .. } => None,
        }
    }

    /// Fills `inputs` and `labels`, each `[micro_batch, seq_len]` row-major, with micro-batch
    /// `microbatch_index` of data-parallel rank `dp_rank` (of `dp`) at step `step`, for a global
    /// batch of `global_batch` samples (see the module doc for the layout).
    #[allow(clippy::too_many_arguments)] // The data-parallel coordinates, as the caller has them.
    pub fn microbatch(
        &self,
        step: u64,
        dp_rank: usize,
        dp: usize,
        global_batch: usize,
        micro_batch: usize,
        microbatch_index: usize,
        inputs: &mut [i32],
        labels: &mut [i32],
    ) -> Result<(), DataError> {
        check_shape(self.seq_len, self.vocab)?;
        if dp == 0 {
            return Err(DataError::ZeroDp);
        }
        if dp_rank >= dp {
            return Err(DataError::DpRankOutOfRange { dp_rank, dp });
        }
        if global_batch % dp != 0 {
            return Err(DataError::BatchNotDivisible { global_batch, dp });
        }
        if micro_batch == 0 {
            return Err(DataError::ZeroMicroBatch);
        }
        let per_rank = global_batch / dp;
        if per_rank % micro_batch != 0 {
            return Err(DataError::MicroBatchNotDivisible { per_rank, global_batch, dp, micro_batch });
        }
        let count = per_rank / micro_batch;
        if microbatch_index >= count {
            return Err(DataError::MicroBatchIndexOutOfRange { index: microbatch_index, count });
        }
        let s = self.seq_len;
        let expected = micro_batch * s;
        for (which, len) in [("inputs", inputs.len()), ("labels", labels.len())] {
            if len != expected {
                return Err(DataError::BufferLength { which, len, micro_batch, seq_len: s, expected });
            }
        }

        // The step's first sample and this micro-batch's offset in it, in u128 so that no step
        // count overflows before the wrap-around.
        let first =
            u128::from(step) * global_batch as u128 + (dp_rank * per_rank + microbatch_index * micro_batch) as u128;
        let rows = inputs.chunks_exact_mut(s).zip(labels.chunks_exact_mut(s));
        // One sample's bytes and ids (file data only).
        let (mut bytes, mut ids) = (Vec::new(), Vec::new());
        for (row, (inp, lab)) in rows.enumerate() {
            let k = first + row as u128;
            match &self.source {
                Source::File { file, path, width, n_samples } => {
                    let sample = (k % u128::from(*n_samples)) as u64;
                    self.read_sample(file.as_ref(), path, *width, sample, &mut bytes, &mut ids)?;
                    for t in 0..s {
                        // Ids were checked against vocab <= 2^31 by read_sample.
                        inp[t] = ids[t] as i32;
                        lab[t] = ids[t + 1] as i32;
                    }
                }
                Source::Synthetic { seed } => {
                    let k = u64::try_from(k).map_err(|_| DataError::SampleIndexOverflow { step })?;
                    let (start, stride) = synthetic_sequence(*seed, k, self.vocab);
                    let token = |t: usize| ((start + t as u64 * stride) % self.vocab as u64) as i32;
                    for t in 0..s {
                        inp[t] = token(t);
                        lab[t] = token(t + 1);
                    }
                }
            }
        }
        Ok(())
    }
}

impl TokenData {
    /// Reads sample `sample` (its S + 1 ids) of a token file into `ids`, with one positioned read,
    /// and checks every id against the vocabulary.
    fn read_sample(
        &self,
        file: &dyn ReadAt,
        path: &Path,
        width: TokenWidth,
        sample: u64,
        bytes: &mut Vec<u8>,
        ids: &mut Vec<u32>,
    ) -> Result<(), DataError> {
        let needed = self.seq_len + 1;
        let first_token = sample * needed as u64;
        bytes.resize(needed * width.bytes(), 0);
        file.read_exact_at(bytes, first_token * width.bytes() as u64)
            .map_err(|source| DataError::Read { path: path.to_path_buf(), source })?;
        ids.clear();
        match width {
            TokenWidth::U16 => ids.extend(bytes.chunks_exact(2).map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))),
            TokenWidth::U32 => ids.extend(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        }
        if let Some(t) = ids.iter().position(|&v| v as usize >= self.vocab) {
            return Err(DataError::TokenOutOfRange {
                path: path.to_path_buf(),
                index: usize::try_from(first_token).unwrap_or(usize::MAX).saturating_add(t),
                value: ids[t],
                vocab: self.vocab,
            });
        }
        Ok(())
    }
}

fn check_shape(seq_len: usize, vocab: usize) -> Result<(), DataError> {
    if seq_len == 0 {
        return Err(DataError::ZeroSeqLen);
    }
    if vocab == 0 || vocab > MAX_VOCAB {
        return Err(DataError::BadVocab { vocab });
    }
    Ok(())
}

/// The start token and stride of synthetic sample `k`.
fn synthetic_sequence(seed: u64, k: u64, vocab: usize) -> (u64, u64) {
    let key = mix64(mix64(seed) ^ k);
    // Multiply-high maps the draw to [0, vocab) without a division.
    let start = ((u128::from(SplitMix64::at(key, 0)) * vocab as u128) >> 64) as u64;
    let stride = 1 + SplitMix64::at(key, 1) % MAX_SYNTHETIC_STRIDE;
    (start, stride)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_bytes(tokens: &[u32]) -> Vec<u8> {
        tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
    }

    fn u16_bytes(tokens: &[u16]) -> Vec<u8> {
        tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
    }

    /// Token file bytes in memory that record every read: (offset, length).
    #[derive(Debug, Default)]
    struct Recorded {
        bytes: Vec<u8>,
        reads: std::sync::Mutex<Vec<(u64, usize)>>,
    }

    impl ReadAt for Recorded {
        fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
            if let Ok(mut reads) = self.reads.lock() {
                reads.push((offset, buf.len()));
            }
            let start = offset as usize;
            match self.bytes.get(start..start + buf.len()) {
                Some(src) => {
                    buf.copy_from_slice(src);
                    Ok(())
                }
                None => Err(std::io::ErrorKind::UnexpectedEof.into()),
            }
        }
    }

    impl TokenData {
        /// [`TokenData::from_file`] on bytes in memory; `path` only names them in errors.
        fn from_bytes(
            bytes: &[u8],
            path: &Path,
            width: TokenWidth,
            seq_len: usize,
            vocab: usize,
        ) -> Result<Self, DataError> {
            let source = Recorded { bytes: bytes.to_vec(), ..Default::default() };
            Self::from_reader(Arc::new(source), bytes.len() as u64, path, width, seq_len, vocab)
        }
    }

    fn parse(bytes: &[u8], width: TokenWidth, seq_len: usize, vocab: usize) -> TokenData {
        match TokenData::from_bytes(bytes, Path::new("test.bin"), width, seq_len, vocab) {
            Ok(d) => d,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    /// Runs `microbatch` and returns (inputs, labels).
    fn mb(d: &TokenData, step: u64, rank: usize, dp: usize, gb: usize, b: usize, j: usize) -> (Vec<i32>, Vec<i32>) {
        let mut inputs = vec![-1; b * d.seq_len()];
        let mut labels = vec![-1; b * d.seq_len()];
        if let Err(e) = d.microbatch(step, rank, dp, gb, b, j, &mut inputs, &mut labels) {
            panic!("microbatch failed: {e}");
        }
        (inputs, labels)
    }

    /// A unique path under the temp dir for this test process.
    fn temp_path(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("parc-data-{}-{tag}.bin", std::process::id()))
    }

    #[test]
    fn sample_layout_is_shifted_by_one() {
        // 2 samples of S + 1 = 4 tokens, plus 2 trailing tokens that are never read.
        let tokens = [10u32, 11, 12, 13, 20, 21, 22, 23, 30, 31];
        let path = temp_path("layout");
        if let Err(e) = std::fs::write(&path, u32_bytes(&tokens)) {
            panic!("cannot write {}: {e}", path.display());
        }
        let d = TokenData::from_file(&path, TokenWidth::U32, 3, 100);
        let _ = std::fs::remove_file(&path);
        let d = match d {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.n_samples(), Some(2));
        assert_eq!(mb(&d, 0, 0, 1, 2, 2, 0), (vec![10, 11, 12, 20, 21, 22], vec![11, 12, 13, 21, 22, 23]));
        // Step 1 wraps around to the same two samples.
        assert_eq!(mb(&d, 1, 0, 1, 2, 1, 1), (vec![20, 21, 22], vec![21, 22, 23]));
    }

    #[test]
    fn u16_and_u32_files_agree() {
        let tokens: Vec<u16> = (0..50).map(|i| (i * 7 % 50) as u16 + 65_000).collect();
        let wide: Vec<u32> = tokens.iter().map(|&t| u32::from(t)).collect();
        let a = parse(&u16_bytes(&tokens), TokenWidth::U16, 4, 65_536);
        let b = parse(&u32_bytes(&wide), TokenWidth::U32, 4, 65_536);
        for step in 0..7 {
            let x = mb(&a, step, 1, 2, 4, 1, 1);
            assert_eq!(x, mb(&b, step, 1, 2, 4, 1, 1));
            assert!(x.0.iter().all(|&t| t >= 65_000));
        }
        assert_eq!("u16".parse::<TokenWidth>().ok(), Some(TokenWidth::U16));
        assert_eq!("u32".parse::<TokenWidth>().ok(), Some(TokenWidth::U32));
        assert_eq!(TokenWidth::default(), TokenWidth::U32);
        match "i64".parse::<TokenWidth>() {
            Err(DataError::UnknownWidth(s)) => assert_eq!(s, "i64"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn step_dp_and_microbatch_slicing_with_wraparound() {
        // Token at position p of the file is p, so a sample's first token names its index.
        let s = 3;
        let n_samples = 13; // Prime, so that steps wrap at different offsets.
        let tokens: Vec<u32> = (0..(n_samples * (s + 1) + 2) as u32).collect();
        let d = parse(&u32_bytes(&tokens), TokenWidth::U32, s, 1000);
        let (gb, dp, b) = (12, 3, 2);
        for step in 0..5u64 {
            for rank in 0..dp {
                for j in 0..gb / dp / b {
                    let (inputs, labels) = mb(&d, step, rank, dp, gb, b, j);
                    for r in 0..b {
                        let global = step as usize * gb + rank * (gb / dp) + j * b + r;
                        let k = global % n_samples;
                        let base = (k * (s + 1)) as i32;
                        let want_in: Vec<i32> = (0..s as i32).map(|t| base + t).collect();
                        let want_lab: Vec<i32> = (1..=s as i32).map(|t| base + t).collect();
                        assert_eq!(&inputs[r * s..(r + 1) * s], &want_in[..], "step {step} rank {rank} mb {j} row {r}");
                        assert_eq!(&labels[r * s..(r + 1) * s], &want_lab[..]);
                    }
                }
            }
        }
        // A huge step still wraps correctly (no overflow before the modulo): rank 2 of 3, micro-batch
        // 1 of size 1, is sample 2·4 + 1 = 9 of the step.
        let step = u64::MAX;
        let k = ((u128::from(step) * gb as u128 + 9) % n_samples as u128) as i32;
        assert_eq!(mb(&d, step, 2, 3, gb, 1, 1).0[0], k * (s as i32 + 1));
    }

    #[test]
    fn a_file_must_hold_one_global_batch() {
        // 2 samples of 3 + 1 tokens (and 2 trailing tokens that fill no sample).
        let d = parse(&u32_bytes(&[1; 10]), TokenWidth::U32, 3, 10);
        assert!(d.check_holds_batch(2).is_ok());
        let e = d.check_holds_batch(3).unwrap_err();
        assert!(matches!(e, DataError::FewerThanOneBatch { samples: 2, sample: 4, global_batch: 3, .. }), "{e:?}");
        assert!(e.to_string().contains("it needs at least 3 x 4 = 12 tokens"), "{e}");
        assert!(TokenData::synthetic(1, 3, 10).check_holds_batch(1 << 40).is_ok());
    }

    #[test]
    fn file_errors() {
        let p = Path::new("test.bin");
        let missing = temp_path("missing-never-written");
        match TokenData::from_file(&missing, TokenWidth::U32, 3, 10) {
            Err(DataError::Read { path, .. }) => assert_eq!(path, missing),
            other => panic!("{other:?}"),
        }
        let e = TokenData::from_bytes(&[0; 10], p, TokenWidth::U32, 1, 10);
        match &e {
            Err(DataError::RaggedLength { bytes: 10, width: TokenWidth::U32, .. }) => {}
            other => panic!("{other:?}"),
        }
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("10 bytes, not a multiple of 4"), "{msg}");
        assert!(matches!(
            TokenData::from_bytes(&[0; 3], p, TokenWidth::U16, 1, 10),
            Err(DataError::RaggedLength { bytes: 3, width: TokenWidth::U16, .. })
        ));
        assert!(matches!(
            TokenData::from_bytes(&u32_bytes(&[1, 2, 3]), p, TokenWidth::U32, 3, 10),
            Err(DataError::TooShort { tokens: 3, needed: 4, .. })
        ));
        // Ids are checked when a sample is read: sample 1 (tokens 2 and 3) holds the bad one.
        let d = parse(&u16_bytes(&[1, 2, 9, 10, 3]), TokenWidth::U16, 1, 10);
        assert_eq!(mb(&d, 0, 0, 1, 1, 1, 0), (vec![1], vec![2]));
        let (mut inputs, mut labels) = (vec![0; 2], vec![0; 2]);
        let e = d.microbatch(0, 0, 1, 2, 2, 0, &mut inputs, &mut labels);
        match &e {
            Err(DataError::TokenOutOfRange { index: 3, value: 10, vocab: 10, .. }) => {}
            other => panic!("{other:?}"),
        }
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("token 3 of test.bin has id 10, outside the vocabulary of 10"), "{msg}");
        assert!(matches!(
            TokenData::from_bytes(&u32_bytes(&[1, 2]), p, TokenWidth::U32, 0, 10),
            Err(DataError::ZeroSeqLen)
        ));
        assert!(matches!(
            TokenData::from_bytes(&u32_bytes(&[1, 2]), p, TokenWidth::U32, 1, 0),
            Err(DataError::BadVocab { vocab: 0 })
        ));
    }

    #[test]
    fn a_rank_reads_only_its_samples() {
        // 13 samples of S + 1 = 4 u32 tokens; token p of the file is p.
        let (s, n_samples) = (3usize, 13usize);
        let tokens: Vec<u32> = (0..(n_samples * (s + 1)) as u32).collect();
        let source = Arc::new(Recorded { bytes: u32_bytes(&tokens), ..Default::default() });
        let d = match TokenData::from_reader(
            source.clone(),
            (tokens.len() * 4) as u64,
            Path::new("t"),
            TokenWidth::U32,
            s,
            1000,
        ) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let sample_bytes = (s + 1) * 4;
        let reads = || source.reads.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        assert!(reads().is_empty(), "opening read token data");
        // dp rank 1 of 2, global batch 4, micro-batches of 1: samples 2 and 3 of each step's 4.
        let clone = d.clone();
        for (step, want) in [(0u64, [2u64, 3]), (3, [1, 2])] {
            for (j, &k) in want.iter().enumerate() {
                let (inputs, _) = mb(&clone, step, 1, 2, 4, 1, j);
                assert_eq!(inputs[0] as u64, k * (s as u64 + 1));
            }
            let expect: Vec<(u64, usize)> = want.iter().map(|&k| (k * sample_bytes as u64, sample_bytes)).collect();
            assert_eq!(reads(), expect, "step {step}");
        }
    }

    #[test]
    fn batch_errors() {
        let d = TokenData::synthetic(1, 4, 50);
        let check = |step, rank, dp, gb, b, j, n_in: usize, n_lab: usize| {
            let (mut inputs, mut labels) = (vec![0; n_in], vec![0; n_lab]);
            d.microbatch(step, rank, dp, gb, b, j, &mut inputs, &mut labels)
        };
        assert!(matches!(check(0, 0, 0, 8, 2, 0, 8, 8), Err(DataError::ZeroDp)));
        assert!(matches!(check(0, 2, 2, 8, 2, 0, 8, 8), Err(DataError::DpRankOutOfRange { dp_rank: 2, dp: 2 })));
        assert!(matches!(check(0, 0, 3, 8, 2, 0, 8, 8), Err(DataError::BatchNotDivisible { global_batch: 8, dp: 3 })));
        assert!(matches!(check(0, 0, 2, 8, 0, 0, 8, 8), Err(DataError::ZeroMicroBatch)));
        let e = check(0, 0, 2, 12, 4, 0, 16, 16);
        assert!(matches!(e, Err(DataError::MicroBatchNotDivisible { per_rank: 6, micro_batch: 4, .. })));
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("per-rank batch 6 (global batch 12 / dp 2) is not divisible by the micro-batch size 4"),
            "{msg}"
        );
        assert!(matches!(
            check(0, 0, 2, 8, 2, 2, 8, 8),
            Err(DataError::MicroBatchIndexOutOfRange { index: 2, count: 2 })
        ));
        assert!(matches!(
            check(0, 0, 2, 8, 2, 1, 7, 8),
            Err(DataError::BufferLength { which: "inputs", len: 7, expected: 8, .. })
        ));
        assert!(matches!(
            check(0, 0, 2, 8, 2, 1, 8, 9),
            Err(DataError::BufferLength { which: "labels", len: 9, expected: 8, .. })
        ));
        assert!(check(0, 0, 2, 8, 2, 1, 8, 8).is_ok());
        assert!(matches!(check(u64::MAX, 0, 1, 2, 2, 0, 8, 8), Err(DataError::SampleIndexOverflow { .. })));
        let mut buf = vec![0; 4];
        let mut buf2 = vec![0; 4];
        let bad_vocab = TokenData::synthetic(1, 4, 0).microbatch(0, 0, 1, 1, 1, 0, &mut buf, &mut buf2);
        assert!(matches!(bad_vocab, Err(DataError::BadVocab { vocab: 0 })));
        let bad_seq = TokenData::synthetic(1, 0, 5).microbatch(0, 0, 1, 1, 1, 0, &mut [], &mut []);
        assert!(matches!(bad_seq, Err(DataError::ZeroSeqLen)));
    }

    /// All micro-batches of one step for one mesh, concatenated in rank-then-micro-batch order.
    fn whole_step(d: &TokenData, step: u64, dp: usize, gb: usize, b: usize) -> (Vec<i32>, Vec<i32>) {
        let (mut inputs, mut labels) = (Vec::new(), Vec::new());
        for rank in 0..dp {
            for j in 0..gb / dp / b {
                let (i, l) = mb(d, step, rank, dp, gb, b, j);
                inputs.extend(i);
                labels.extend(l);
            }
        }
        (inputs, labels)
    }

    #[test]
    fn synthetic_is_deterministic_and_mesh_independent() {
        let (s, vocab, gb) = (16, 97, 8);
        let d = TokenData::synthetic(7, s, vocab);
        assert_eq!(d.n_samples(), None);
        for step in [0u64, 1, 1000] {
            let reference = whole_step(&d, step, 1, gb, gb);
            assert_eq!(reference, whole_step(&TokenData::synthetic(7, s, vocab), step, 1, gb, gb));
            for (dp, b) in [(1, 1), (2, 1), (2, 2), (4, 1), (8, 1)] {
                assert_eq!(whole_step(&d, step, dp, gb, b), reference, "step {step} dp {dp} b {b}");
            }
            assert!(reference.0.iter().chain(&reference.1).all(|&t| (0..vocab as i32).contains(&t)));
            let other_seed = whole_step(&TokenData::synthetic(8, s, vocab), step, 1, gb, gb);
            assert_ne!(other_seed, reference);
        }
        // Different steps see different samples.
        assert_ne!(whole_step(&d, 0, 1, gb, gb), whole_step(&d, 1, 1, gb, gb));
    }

    #[test]
    fn synthetic_is_arithmetic_and_in_vocab() {
        let s = 20;
        for vocab in [1usize, 2, 50_257] {
            let d = TokenData::synthetic(3, s, vocab);
            let mut strides = [0usize; MAX_SYNTHETIC_STRIDE as usize + 1];
            for k in 0..200u64 {
                let (inputs, labels) = mb(&d, k, 0, 1, 1, 1, 0);
                // The full sample of S + 1 tokens, and labels are inputs shifted by one.
                let mut sample = inputs.clone();
                sample.push(labels[s - 1]);
                assert_eq!(&sample[1..], &labels[..]);
                assert!(sample.iter().all(|&t| t >= 0 && (t as usize) < vocab));
                // Every step adds the same stride in 1..=3, modulo vocab.
                let stride = (sample[1] as i64 - sample[0] as i64).rem_euclid(vocab as i64);
                for t in 0..s {
                    let step = (sample[t + 1] as i64 - sample[t] as i64).rem_euclid(vocab as i64);
                    assert_eq!(step, stride, "sample {k} token {t}");
                }
                let (_, want) = synthetic_sequence(3, k, vocab);
                assert!((1..=MAX_SYNTHETIC_STRIDE).contains(&want));
                assert_eq!(stride as u64, want % vocab as u64);
                strides[want as usize] += 1;
            }
            // Every stride occurs.
            assert!(strides[1..].iter().all(|&n| n > 0), "{strides:?}");
        }
    }
}
