//! Weight files in the safetensors format: saving f32 tensors under their parameter names, loading
//! them back (f32, or bf16/f16 widened exactly to f32), and checking a loaded file against the
//! names and shapes a model expects. This module owns the file format only; which tensors a model
//! has, and how a rank shards them, belong to the caller.
//!
//! Saves are deterministic: the same tensors give byte-identical files. The safetensors crate
//! orders tensors by dtype and then by name (all are F32 here, so by name) and writes the header in
//! that order, and the only metadata is `{"format": "parc"}`. A file is written to a temporary
//! sibling and renamed into place, so an interrupted save never leaves a truncated file.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, View};

/// Tensors as [`load`] returns them: name → (shape, row-major f32 data).
pub type LoadedWeights = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// A tensor whose shape in the file differs from the model's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeMismatch {
    /// The tensor's name.
    pub name: String,
    /// The shape the model expects.
    pub expected: Vec<usize>,
    /// The shape in the file.
    pub found: Vec<usize>,
}

/// Everything by which a loaded file differs from the model's parameters, all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MismatchReport {
    /// Expected tensors absent from the file, with their expected shapes, in the model's order.
    pub missing: Vec<(String, Vec<usize>)>,
    /// Tensors in the file that the model does not have, with their shapes, sorted by name.
    pub unexpected: Vec<(String, Vec<usize>)>,
    /// Tensors present in both with different shapes, in the model's order.
    pub wrong_shape: Vec<ShapeMismatch>,
}

impl MismatchReport {
    fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.wrong_shape.is_empty()
    }
}

impl fmt::Display for MismatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the weights do not match the model: {} missing, {} unexpected, {} with the wrong shape",
            self.missing.len(),
            self.unexpected.len(),
            self.wrong_shape.len()
        )?;
        for (name, shape) in &self.missing {
            write!(f, "\n  missing tensor {name} (expected shape {shape:?})")?;
        }
        for (name, shape) in &self.unexpected {
            write!(f, "\n  unexpected tensor {name} (shape {shape:?})")?;
        }
        for m in &self.wrong_shape {
            write!(f, "\n  tensor {}: expected shape {:?}, found {:?}", m.name, m.expected, m.found)?;
        }
        Ok(())
    }
}

/// Why weights could not be saved, loaded or matched.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file could not be read or written.
    #[error("cannot {action} weights file {}: {source}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid safetensors.
    #[error("{} is not a valid safetensors file: {source}", path.display())]
    Format { path: PathBuf, source: SafeTensorError },
    /// The safetensors writer refused the tensors (e.g. a header over its size limit).
    #[error("cannot encode weights for {}: {source}", path.display())]
    Encode { path: PathBuf, source: SafeTensorError },
    /// A tensor in the file has a dtype other than F32, BF16 or F16.
    #[error(
        "tensor {tensor} in {} has dtype {dtype}; only F32, BF16 and F16 weights can be loaded",
        path.display()
    )]
    UnsupportedDtype { path: PathBuf, tensor: String, dtype: String },
    /// A tensor handed to [`save`] has a data length other than its shape's element count.
    #[error(
        "cannot save tensor {tensor} to {}: shape {shape:?} has {expected} elements but the data has {found}",
        path.display()
    )]
    DataLength { path: PathBuf, tensor: String, shape: Vec<usize>, expected: usize, found: usize },
    /// Two tensors handed to [`save`] have the same name.
    #[error("cannot save to {}: tensor name {tensor} appears twice", path.display())]
    DuplicateName { path: PathBuf, tensor: String },
    /// [`check_against`] found missing, unexpected or misshapen tensors.
    #[error("{0}")]
    Mismatch(MismatchReport),
}

/// An f32 tensor as the safetensors writer sees it; its little-endian bytes are produced one tensor
/// at a time while the file is written, so a save never holds a second copy of all the weights.
struct F32View<'a> {
    shape: &'a [usize],
    data: &'a [f32],
}

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.data.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        self.data.len() * 4
    }
}

/// Writes `tensors` (name, shape, row-major data) to `path` as F32 safetensors.
pub fn save(path: impl AsRef<Path>, tensors: &[(&str, &[usize], &[f32])]) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let mut seen = HashSet::new();
    for &(name, shape, data) in tensors {
        if !seen.insert(name) {
            return Err(WeightsError::DuplicateName { path: path.to_path_buf(), tensor: name.to_string() });
        }
        let expected: usize = shape.iter().product();
        if data.len() != expected {
            return Err(WeightsError::DataLength {
                path: path.to_path_buf(),
                tensor: name.to_string(),
                shape: shape.to_vec(),
                expected,
                found: data.len(),
            });
        }
    }
    let views = tensors.iter().map(|&(name, shape, data)| (name, F32View { shape, data }));
    let metadata = HashMap::from([("format".to_string(), "parc".to_string())]);
    // The writer creates its temporary file in the parent directory; a bare file name has an empty
    // parent, which means the current directory.
    let target = match path.parent() {
        Some(parent) if parent.as_os_str().is_empty() => Path::new(".").join(path),
        _ => path.to_path_buf(),
    };
    safetensors::tensor::serialize_to_file(views, Some(metadata), &target).map_err(|e| match e {
        SafeTensorError::IoError(source) => WeightsError::Io { action: "write", path: path.to_path_buf(), source },
        source => WeightsError::Encode { path: path.to_path_buf(), source },
    })?;
    // The writer's temporary file is created owner-only (0600) and keeps that mode when renamed;
    // weights are not secrets, so give them the usual mode of a written file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).map_err(|source| WeightsError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Reads every tensor of the safetensors file at `path`, widening BF16 and F16 to f32 exactly.
pub fn load(path: impl AsRef<Path>) -> Result<LoadedWeights, WeightsError> {
    let path = path.as_ref();
    let bytes =
        std::fs::read(path).map_err(|source| WeightsError::Io { action: "read", path: path.to_path_buf(), source })?;
    let file =
        SafeTensors::deserialize(&bytes).map_err(|source| WeightsError::Format { path: path.to_path_buf(), source })?;
    let mut out = HashMap::with_capacity(file.len());
    for (name, view) in file.iter() {
        let raw = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            Dtype::BF16 => raw.chunks_exact(2).map(|c| bf16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
            Dtype::F16 => raw.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
            other => {
                return Err(WeightsError::UnsupportedDtype {
                    path: path.to_path_buf(),
                    tensor: name.to_string(),
                    dtype: format!("{other:?}"),
                })
            }
        };
        out.insert(name.to_string(), (view.shape().to_vec(), values));
    }
    Ok(out)
}

/// Checks that `loaded` holds exactly the tensors in `expected` (name, shape), reporting every
/// missing, unexpected and misshapen tensor in one [`WeightsError::Mismatch`].
pub fn check_against(loaded: &LoadedWeights, expected: &[(&str, &[usize])]) -> Result<(), WeightsError> {
    let mut report = MismatchReport::default();
    for &(name, shape) in expected {
        match loaded.get(name) {
            None => report.missing.push((name.to_string(), shape.to_vec())),
            Some((found, _)) if found.as_slice() != shape => report.wrong_shape.push(ShapeMismatch {
                name: name.to_string(),
                expected: shape.to_vec(),
                found: found.clone(),
            }),
            Some(_) => {}
        }
    }
    let expected_names: HashSet<&str> = expected.iter().map(|&(name, _)| name).collect();
    report.unexpected = loaded
        .iter()
        .filter(|(name, _)| !expected_names.contains(name.as_str()))
        .map(|(name, (shape, _))| (name.clone(), shape.clone()))
        .collect();
    report.unexpected.sort();
    if report.is_empty() {
        Ok(())
    } else {
        Err(WeightsError::Mismatch(report))
    }
}

/// A bfloat16 value widened to f32 (exact: bf16 is the top half of an f32).
pub fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// An IEEE half-precision value widened to f32 (exact, subnormals, infinities and NaNs included).
pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1F);
    let mantissa = u32::from(bits & 0x3FF);
    match exponent {
        0 => {
            // Zero or subnormal: mantissa · 2⁻²⁴, a normal f32 (or zero), so the product is exact.
            let magnitude = mantissa as f32 * f32::from_bits(0x3380_0000);
            if sign != 0 {
                -magnitude
            } else {
                magnitude
            }
        }
        0x1F => f32::from_bits(sign | 0x7F80_0000 | (mantissa << 13)),
        // Rebias the exponent from 15 to 127.
        _ => f32::from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::tensor::TensorView;

    /// A unique path under the temp dir for this test process; removed on drop.
    struct TempPath(PathBuf);

    impl TempPath {
        fn new(tag: &str) -> Self {
            TempPath(std::env::temp_dir().join(format!("parc-weights-{}-{tag}.safetensors", std::process::id())))
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn ok<T>(r: Result<T, WeightsError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    fn read(path: &Path) -> Vec<u8> {
        match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        }
    }

    /// Writes one tensor of `dtype` with raw little-endian `bytes` via the safetensors crate.
    fn write_raw(path: &Path, name: &str, dtype: Dtype, shape: &[usize], bytes: &[u8]) {
        let view = match TensorView::new(dtype, shape.to_vec(), bytes) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        if let Err(e) = safetensors::tensor::serialize_to_file([(name, view)], None, path) {
            panic!("{e}");
        }
    }

    #[test]
    fn round_trip_and_byte_identical_saves() {
        let a: Vec<f32> = (0..12).map(|i| i as f32 * 0.25 - 1.0).collect();
        let b = [f32::MIN_POSITIVE, -0.0, f32::MAX, 1e-45];
        let scalar = [3.5f32];
        // Deliberately not in name order.
        let tensors: [(&str, &[usize], &[f32]); 3] =
            [("layers.0.attn.q.weight", &[3, 4], &a), ("embed.tokens.weight", &[2, 2], &b), ("z", &[], &scalar)];
        let (p1, p2) = (TempPath::new("rt1"), TempPath::new("rt2"));
        ok(save(&p1.0, &tensors));
        let mut reordered = tensors;
        reordered.reverse();
        ok(save(&p2.0, &reordered));
        let bytes = read(&p1.0);
        assert_eq!(bytes, read(&p2.0), "saves of the same tensors differ");
        ok(save(&p1.0, &tensors));
        assert_eq!(bytes, read(&p1.0), "a second save differs");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p1.0).map(|m| m.permissions().mode() & 0o777).ok();
            assert_eq!(mode, Some(0o644));
        }

        let loaded = ok(load(&p1.0));
        assert_eq!(loaded.len(), 3);
        for (name, shape, data) in tensors {
            let (s, d) = &loaded[name];
            assert_eq!(s.as_slice(), shape, "{name}");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(d), bits(data), "{name}");
        }
        let expected: Vec<(&str, &[usize])> = tensors.iter().map(|&(n, s, _)| (n, s)).collect();
        ok(check_against(&loaded, &expected));
    }

    #[test]
    fn bf16_and_f16_widen_exactly() {
        let bf16: [(u16, f32); 6] = [
            (0x3F80, 1.0),
            (0xC000, -2.0),
            (0x3FC0, 1.5),
            (0x3EAB, 171.0 / 512.0),
            (0x0001, f32::from_bits(0x0001_0000)),
            (0xFF80, f32::NEG_INFINITY),
        ];
        let f16: [(u16, f32); 8] = [
            (0x3C00, 1.0),
            (0xC000, -2.0),
            (0x3555, 1365.0 / 4096.0),
            (0x7BFF, 65504.0),
            (0x0001, 2f32.powi(-24)),
            (0x83FF, -1023.0 * 2f32.powi(-24)),
            (0x0400, 2f32.powi(-14)),
            (0x7C00, f32::INFINITY),
        ];
        for (dtype, cases) in [(Dtype::BF16, &bf16[..]), (Dtype::F16, &f16[..])] {
            let p = TempPath::new(&format!("{dtype:?}"));
            let bytes: Vec<u8> = cases.iter().flat_map(|(b, _)| b.to_le_bytes()).collect();
            write_raw(&p.0, "w", dtype, &[2, cases.len() / 2], &bytes);
            let loaded = ok(load(&p.0));
            let (shape, values) = &loaded["w"];
            assert_eq!(shape, &vec![2, cases.len() / 2]);
            for ((bits, want), got) in cases.iter().zip(values) {
                assert_eq!(got.to_bits(), want.to_bits(), "{dtype:?} {bits:#06x}");
            }
        }
        assert!(f16_to_f32(0x7E00).is_nan());
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert!(bf16_to_f32(0x7FC0).is_nan());
    }

    #[test]
    fn save_errors() {
        let p = TempPath::new("save-errors");
        let data = [1.0f32; 6];
        match save(&p.0, &[("w", &[2, 4], &data)]) {
            Err(e @ WeightsError::DataLength { expected: 8, found: 6, .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("tensor w") && msg.contains("[2, 4]"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        match save(&p.0, &[("w", &[6], &data), ("w", &[2, 3], &data)]) {
            Err(WeightsError::DuplicateName { tensor, .. }) => assert_eq!(tensor, "w"),
            other => panic!("{other:?}"),
        }
        let nowhere = std::env::temp_dir().join("parc-no-such-dir-7f3a").join("w.safetensors");
        match save(&nowhere, &[("w", &[6], &data)]) {
            Err(e @ WeightsError::Io { action: "write", .. }) => {
                assert!(e.to_string().contains("parc-no-such-dir-7f3a"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(!p.0.exists(), "a failed save left a file");
    }

    #[test]
    fn load_errors() {
        let missing = TempPath::new("never-written");
        match load(&missing.0) {
            Err(WeightsError::Io { action: "read", path, .. }) => assert_eq!(path, missing.0),
            other => panic!("{other:?}"),
        }
        let garbage = TempPath::new("garbage");
        if let Err(e) = std::fs::write(&garbage.0, b"this is not a safetensors file") {
            panic!("{e}");
        }
        match load(&garbage.0) {
            Err(e @ WeightsError::Format { .. }) => {
                assert!(e.to_string().contains("is not a valid safetensors file"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        let ints = TempPath::new("ints");
        write_raw(&ints.0, "layers.0.mlp.up.weight", Dtype::I32, &[2], &[0; 8]);
        match load(&ints.0) {
            Err(e @ WeightsError::UnsupportedDtype { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("tensor layers.0.mlp.up.weight in")
                        && msg.contains("ints.safetensors")
                        && msg.contains("dtype I32"),
                    "{msg}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn check_against_reports_everything_at_once() {
        let mut loaded = LoadedWeights::new();
        loaded.insert("a".into(), (vec![2, 3], vec![0.0; 6]));
        loaded.insert("b".into(), (vec![3, 2], vec![0.0; 6]));
        loaded.insert("zz.extra".into(), (vec![1], vec![0.0]));
        loaded.insert("extra".into(), (vec![4], vec![0.0; 4]));
        let expected: [(&str, &[usize]); 4] = [("a", &[2, 3]), ("b", &[2, 3]), ("c", &[5]), ("d", &[])];
        match check_against(&loaded, &expected) {
            Err(WeightsError::Mismatch(report)) => {
                assert_eq!(
                    report,
                    MismatchReport {
                        missing: vec![("c".into(), vec![5]), ("d".into(), vec![])],
                        unexpected: vec![("extra".into(), vec![4]), ("zz.extra".into(), vec![1])],
                        wrong_shape: vec![ShapeMismatch { name: "b".into(), expected: vec![2, 3], found: vec![3, 2] }],
                    }
                );
                assert_eq!(
                    report.to_string(),
                    "the weights do not match the model: 2 missing, 2 unexpected, 1 with the wrong shape\n  \
                     missing tensor c (expected shape [5])\n  \
                     missing tensor d (expected shape [])\n  \
                     unexpected tensor extra (shape [4])\n  \
                     unexpected tensor zz.extra (shape [1])\n  \
                     tensor b: expected shape [2, 3], found [3, 2]"
                );
            }
            other => panic!("{other:?}"),
        }
        let exact: [(&str, &[usize]); 4] = [("a", &[2, 3]), ("b", &[3, 2]), ("zz.extra", &[1]), ("extra", &[4])];
        assert!(check_against(&loaded, &exact).is_ok());
    }
}
