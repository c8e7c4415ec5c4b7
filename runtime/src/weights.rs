//! Weight files in the safetensors format: saving f32 tensors under their parameter names, loading
//! them back (f32, or bf16/f16 widened exactly to f32), and checking a loaded file against the
//! names and shapes a model expects. This module owns the file format only; which tensors a model
//! has, and how a rank shards them, belong to the caller.
//!
//! Saves are deterministic: the same tensors give byte-identical files. The safetensors crate
//! orders tensors by dtype and then by name (all are F32 here, so by name) and writes the header in
//! that order, and the only metadata is `{"format": "parc"}`. A file is written to a temporary
//! sibling and renamed into place, so an interrupted save never leaves a truncated file.
//!
//! The ranks of a partitioned run never hold a whole tensor, so they read and write weight files
//! piece by piece, with positioned I/O on one shared file:
//! - [`WeightsFile`] reads only the header (validated as strictly as [`load`] validates a whole
//!   file: header length, JSON, dtypes, shapes, offsets that tile the data exactly to the end of
//!   the file), then any elements of any tensor by global index, reading each run of consecutive
//!   indices at once.
//! - [`SharedSave`] writes the file [`save`] would write for the same tensors, byte for byte:
//!   every writer computes the same header; one creates the file at its full length with the
//!   header, then every writer writes the elements it owns, then one syncs it and renames it into
//!   place. Which writer owns which element is the caller's to say (each element exactly once).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, Metadata, SafeTensorError, SafeTensors, TensorInfo, View};

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
    /// The file, when the report is about one.
    pub file: Option<PathBuf>,
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
            "the weights{} do not match the model: {} missing, {} unexpected, {} with the wrong shape",
            self.file.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default(),
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
    /// A piece was asked of a tensor that the file does not have.
    #[error("weights file {} has no tensor {tensor}", path.display())]
    NoTensor { path: PathBuf, tensor: String },
    /// A Hugging Face checkpoint (or its index) that cannot be matched to the model: the message
    /// names the file and the tensor.
    #[error("{message}")]
    Import { message: String },
    /// A piece named an element past the end of a tensor.
    #[error(
        "element {index} of tensor {tensor} in {} does not exist: the tensor has {elements} elements",
        path.display()
    )]
    ElementOutOfRange { path: PathBuf, tensor: String, index: usize, elements: usize },
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
    save_as(path, tensors, "parc")
}

/// As [`save`], with `format` as the header's `format` metadata (Hugging Face files say "pt").
pub fn save_as(path: impl AsRef<Path>, tensors: &[(&str, &[usize], &[f32])], format: &str) -> Result<(), WeightsError> {
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
    let metadata = HashMap::from([("format".to_string(), format.to_string())]);
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
    check_shapes(loaded.iter().map(|(name, (shape, _))| (name.as_str(), shape.as_slice())), expected)
}

/// [`check_against`] on the (name, shape) of every tensor of a file.
/// [`check_against`] for tensors read from `file` (one file or an index of several).
pub(crate) fn check_shapes_of(
    found: Vec<(&str, &[usize])>,
    expected: &[(&str, &[usize])],
    file: &Path,
) -> Result<(), WeightsError> {
    check_shapes(found.into_iter(), expected).map_err(|e| match e {
        WeightsError::Mismatch(report) => {
            WeightsError::Mismatch(MismatchReport { file: Some(file.to_path_buf()), ..report })
        }
        other => other,
    })
}

fn check_shapes<'a>(
    found: impl Iterator<Item = (&'a str, &'a [usize])>,
    expected: &[(&str, &[usize])],
) -> Result<(), WeightsError> {
    let found: HashMap<&str, &[usize]> = found.collect();
    let mut report = MismatchReport::default();
    for &(name, shape) in expected {
        match found.get(name) {
            None => report.missing.push((name.to_string(), shape.to_vec())),
            Some(&have) if have != shape => report.wrong_shape.push(ShapeMismatch {
                name: name.to_string(),
                expected: shape.to_vec(),
                found: have.to_vec(),
            }),
            Some(_) => {}
        }
    }
    let expected_names: HashSet<&str> = expected.iter().map(|&(name, _)| name).collect();
    report.unexpected = found
        .iter()
        .filter(|(name, _)| !expected_names.contains(*name))
        .map(|(name, shape)| (name.to_string(), shape.to_vec()))
        .collect();
    report.unexpected.sort();
    if report.is_empty() {
        Ok(())
    } else {
        Err(WeightsError::Mismatch(report))
    }
}

/// The safetensors crate's limit on the JSON header (100 MB), which [`load`] and [`save`] apply.
const MAX_HEADER_SIZE: usize = 100_000_000;

/// Elements per positioned read or write: runs longer than this are split, so a piece is never
/// buffered twice in full.
const RUN_ELEMENTS: usize = 1 << 18;

/// The JSON header of a safetensors file, as the safetensors crate reads it (its own type is
/// private): the optional `__metadata__` string map, and every other key a tensor.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(rename = "__metadata__")]
    metadata: Option<HashMap<String, String>>,
    #[serde(flatten)]
    tensors: HashMap<String, TensorInfo>,
}

/// One tensor of a [`WeightsFile`]: its dtype, shape and where its data starts in the file.
#[derive(Clone, Debug)]
struct StoredTensor {
    dtype: Dtype,
    shape: Vec<usize>,
    /// The absolute byte offset of the first element.
    begin: u64,
}

impl StoredTensor {
    /// Bytes per element: F32, or the 16-bit BF16 and F16.
    fn width(&self) -> usize {
        if self.dtype == Dtype::F32 {
            4
        } else {
            2
        }
    }

    fn elements(&self) -> usize {
        // Validated at open: the product fits, and so does its byte size.
        self.shape.iter().product()
    }
}

/// A safetensors file opened for reading pieces of its tensors: only the header is read when it
/// is opened; [`WeightsFile::read_elements`] then reads the bytes of the elements asked for, with
/// positioned reads, so many readers (threads or processes) can share the file.
#[derive(Debug)]
pub struct WeightsFile {
    path: PathBuf,
    file: File,
    tensors: HashMap<String, StoredTensor>,
    /// Bytes of tensor data read so far ([`WeightsFile::data_bytes_read`]).
    data_read: std::sync::atomic::AtomicU64,
}

impl WeightsFile {
    /// Opens `path` and validates its header as [`load`] validates a file: the 8-byte header
    /// length within the file and the crate's limit, a UTF-8 JSON header the safetensors crate
    /// accepts, offsets that tile the data without gaps or overlaps, each tensor's byte size equal
    /// to its shape times its dtype's width, the data ending exactly at the end of the file, and
    /// every dtype one [`load`] reads (F32, BF16, F16).
    pub fn open(path: impl AsRef<Path>) -> Result<WeightsFile, WeightsError> {
        let path = path.as_ref();
        let io = |source| WeightsError::Io { action: "read", path: path.to_path_buf(), source };
        let format = |source| WeightsError::Format { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < 8 {
            return Err(format(SafeTensorError::HeaderTooSmall));
        }
        let mut word = [0u8; 8];
        crate::pio::read_exact_at(&file, &mut word, 0).map_err(io)?;
        let n = usize::try_from(u64::from_le_bytes(word)).map_err(|_| format(SafeTensorError::HeaderTooLarge))?;
        if n > MAX_HEADER_SIZE {
            return Err(format(SafeTensorError::HeaderTooLarge));
        }
        // n <= 10^8, so 8 + n cannot overflow.
        if (8 + n) as u64 > len {
            return Err(format(SafeTensorError::InvalidHeaderLength));
        }
        let mut bytes = vec![0u8; n];
        crate::pio::read_exact_at(&file, &mut bytes, 8).map_err(io)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| format(SafeTensorError::InvalidHeader(e)))?;
        let header: Header =
            serde_json::from_str(text).map_err(|e| format(SafeTensorError::InvalidHeaderDeserialization(e)))?;
        let mut list: Vec<(String, TensorInfo)> = header.tensors.into_iter().collect();
        list.sort_by_key(|(_, info)| info.data_offsets);
        // The crate's own validation of the offsets, shapes and sizes.
        let metadata = Metadata::new(header.metadata, list.clone()).map_err(format)?;
        if (8 + n) as u64 + metadata.data_len() as u64 != len {
            return Err(format(SafeTensorError::MetadataIncompleteBuffer));
        }
        let data_start = (8 + n) as u64;
        let mut tensors = HashMap::with_capacity(list.len());
        for (name, info) in list {
            if !matches!(info.dtype, Dtype::F32 | Dtype::BF16 | Dtype::F16) {
                return Err(WeightsError::UnsupportedDtype {
                    path: path.to_path_buf(),
                    tensor: name,
                    dtype: format!("{:?}", info.dtype),
                });
            }
            let begin = data_start + info.data_offsets.0 as u64;
            tensors.insert(name, StoredTensor { dtype: info.dtype, shape: info.shape, begin });
        }
        Ok(WeightsFile { path: path.to_path_buf(), file, tensors, data_read: Default::default() })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored tensor `name`, or the error naming the file.
    fn stored(&self, name: &str) -> Result<&StoredTensor, WeightsError> {
        self.tensors
            .get(name)
            .ok_or_else(|| WeightsError::NoTensor { path: self.path.clone(), tensor: name.to_string() })
    }

    /// The bytes of tensor data this reader has read (headers not counted): what a rank's
    /// reads cost, checked by the tests to be its own elements only.
    pub fn data_bytes_read(&self) -> u64 {
        self.data_read.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The names of the file's tensors, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Fills `out` with the consecutive elements `first..first + out.len()` of tensor `name`, in
    /// reads of [`RUN_ELEMENTS`].
    pub fn read_range(&self, name: &str, first: usize, out: &mut [f32]) -> Result<(), WeightsError> {
        let t = self.stored(name)?;
        let elements = t.elements();
        if first.saturating_add(out.len()) > elements {
            return Err(WeightsError::ElementOutOfRange {
                path: self.path.clone(),
                tensor: name.to_string(),
                index: first.saturating_add(out.len()).saturating_sub(1),
                elements,
            });
        }
        let width = t.width();
        let mut bytes = Vec::new();
        for start in (0..out.len()).step_by(RUN_ELEMENTS) {
            let len = RUN_ELEMENTS.min(out.len() - start);
            self.read_run(t, name, (first + start, start, len), width, &mut bytes, out)?;
        }
        Ok(())
    }

    /// As [`WeightsFile::read_elements`], for indices in any order (a transposed read): the
    /// indices are taken in chunks of [`RUN_ELEMENTS`], each sorted and read as runs of
    /// consecutive elements, so a piece costs its own bytes and one read per run, whatever order
    /// it wants them in.
    pub fn read_gathered<I>(&self, name: &str, indices: I, out: &mut [f32]) -> Result<(), WeightsError>
    where
        I: IntoIterator<Item = Option<usize>>,
    {
        let t = self.stored(name)?;
        let elements = t.elements();
        let width = t.width();
        let mut indices = indices.into_iter().take(out.len()).enumerate();
        let (mut pairs, mut bytes, mut run_values) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            pairs.clear();
            for (pos, index) in indices.by_ref().take(RUN_ELEMENTS) {
                match index {
                    None => out[pos] = 0.0,
                    Some(i) if i >= elements => {
                        return Err(WeightsError::ElementOutOfRange {
                            path: self.path.clone(),
                            tensor: name.to_string(),
                            index: i,
                            elements,
                        })
                    }
                    Some(i) => pairs.push((i, pos)),
                }
            }
            if pairs.is_empty() {
                break;
            }
            pairs.sort_unstable();
            let mut k = 0;
            while k < pairs.len() {
                let mut len = 1;
                while k + len < pairs.len() && pairs[k + len].0 == pairs[k].0 + len {
                    len += 1;
                }
                run_values.resize(len, 0.0f32);
                self.read_run(t, name, (pairs[k].0, 0, len), width, &mut bytes, &mut run_values)?;
                for (j, &(_, pos)) in pairs[k..k + len].iter().enumerate() {
                    out[pos] = run_values[j];
                }
                k += len;
            }
        }
        Ok(())
    }

    /// The shape of tensor `name`, if the file has it.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(|t| t.shape.as_slice())
    }

    /// [`check_against`] on the file's tensors: exactly `expected` (name, shape), or one
    /// [`WeightsError::Mismatch`] listing every difference.
    pub fn check_against(&self, expected: &[(&str, &[usize])]) -> Result<(), WeightsError> {
        check_shapes(self.tensors.iter().map(|(name, t)| (name.as_str(), t.shape.as_slice())), expected).map_err(|e| {
            match e {
                WeightsError::Mismatch(report) => {
                    WeightsError::Mismatch(MismatchReport { file: Some(self.path.clone()), ..report })
                }
                other => other,
            }
        })
    }

    /// Fills `out` with elements of tensor `name`: `indices` gives, for each entry of `out` in
    /// order, the flat row-major index of the element it holds, or None for padding (0). Each run
    /// of consecutive indices is one positioned read (split every [`RUN_ELEMENTS`]); BF16 and F16
    /// widen to f32 exactly, as [`load`] does.
    pub fn read_elements(
        &self,
        name: &str,
        indices: impl IntoIterator<Item = Option<usize>>,
        out: &mut [f32],
    ) -> Result<(), WeightsError> {
        let t = self.stored(name)?;
        let elements = t.elements();
        let width = t.width();
        let mut bytes = Vec::new();
        // The pending run: its first global index, its first position in `out`, its length.
        let mut run: Option<(usize, usize, usize)> = None;
        for (at, index) in indices.into_iter().enumerate().take(out.len()) {
            let Some(index) = index else {
                if let Some(r) = run.take() {
                    self.read_run(t, name, r, width, &mut bytes, out)?;
                }
                out[at] = 0.0;
                continue;
            };
            if index >= elements {
                return Err(WeightsError::ElementOutOfRange {
                    path: self.path.clone(),
                    tensor: name.to_string(),
                    index,
                    elements,
                });
            }
            run = match run {
                Some((first, pos, len)) if first + len == index && pos + len == at && len < RUN_ELEMENTS => {
                    Some((first, pos, len + 1))
                }
                other => {
                    if let Some(r) = other {
                        self.read_run(t, name, r, width, &mut bytes, out)?;
                    }
                    Some((index, at, 1))
                }
            };
        }
        if let Some(r) = run {
            self.read_run(t, name, r, width, &mut bytes, out)?;
        }
        Ok(())
    }

    /// Reads `len` elements of `t` from global index `first` into `out[pos..]`.
    fn read_run(
        &self,
        t: &StoredTensor,
        name: &str,
        (first, pos, len): (usize, usize, usize),
        width: usize,
        bytes: &mut Vec<u8>,
        out: &mut [f32],
    ) -> Result<(), WeightsError> {
        bytes.resize(len * width, 0);
        self.data_read.fetch_add((len * width) as u64, std::sync::atomic::Ordering::Relaxed);
        crate::pio::read_exact_at(&self.file, bytes, t.begin + (first * width) as u64).map_err(|source| {
            WeightsError::Io {
                action: "read",
                path: self.path.clone(),
                source: std::io::Error::new(
                    source.kind(),
                    format!("tensor {name}, elements {first}..{}: {source}", first + len),
                ),
            }
        })?;
        let dst = &mut out[pos..pos + len];
        match t.dtype {
            Dtype::F32 => {
                for (v, c) in dst.iter_mut().zip(bytes.chunks_exact(4)) {
                    *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
            Dtype::BF16 => {
                for (v, c) in dst.iter_mut().zip(bytes.chunks_exact(2)) {
                    *v = bf16_to_f32(u16::from_le_bytes([c[0], c[1]]));
                }
            }
            _ => {
                for (v, c) in dst.iter_mut().zip(bytes.chunks_exact(2)) {
                    *v = f16_to_f32(u16::from_le_bytes([c[0], c[1]]));
                }
            }
        }
        Ok(())
    }
}

/// An F32 safetensors file written by several writers at once (the ranks of a partitioned run),
/// each writing only its own elements: byte for byte the file [`save`] writes for the same
/// tensors. Every writer builds the same `SharedSave` (from the same names and shapes, in any
/// order), and then:
/// 1. one writer [`SharedSave::create`]s the file: a temporary sibling of `path`, at its full
///    length, with the header;
/// 2. after that (a barrier), every writer [`SharedSave::open`]s it and writes its elements with
///    [`SharedWriter::write_elements`], then drops its writer;
/// 3. after all have (a barrier), one writer calls [`SharedSave::finish`]: the file is synced and
///    renamed to `path`. On failure that writer calls [`SharedSave::abandon`].
///
/// Each element must be written by exactly one writer; one nobody writes stays 0.
#[derive(Clone, Debug)]
pub struct SharedSave {
    path: PathBuf,
    /// The temporary sibling the writers fill before it is renamed to `path`.
    partial: PathBuf,
    /// The 8-byte header length and the JSON header, padded with spaces to a multiple of 8.
    header: Vec<u8>,
    /// Per tensor: the absolute byte offset of its data and its element count.
    tensors: HashMap<String, (u64, usize)>,
    /// The file's length.
    len: u64,
}

impl SharedSave {
    /// The file [`save`] would write to `path` for F32 tensors of these names and shapes: the
    /// same order (by name), the same header, the same offsets. The same errors as [`save`] for
    /// a repeated name or a header over the crate's limit.
    pub fn new(path: impl AsRef<Path>, tensors: &[(&str, &[usize])]) -> Result<SharedSave, WeightsError> {
        let path = path.as_ref();
        let encode = |source| WeightsError::Encode { path: path.to_path_buf(), source };
        let mut sorted = tensors.to_vec();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(WeightsError::DuplicateName { path: path.to_path_buf(), tensor: w[0].0.to_string() });
        }
        let mut infos = Vec::with_capacity(sorted.len());
        let mut offset = 0usize;
        for &(name, shape) in &sorted {
            let bytes = shape
                .iter()
                .try_fold(4usize, |n, &d| n.checked_mul(d))
                .and_then(|n| offset.checked_add(n).map(|end| (n, end)));
            let Some((_, end)) = bytes else { return Err(encode(SafeTensorError::ValidationOverflow)) };
            infos.push((
                name.to_string(),
                TensorInfo { dtype: Dtype::F32, shape: shape.to_vec(), data_offsets: (offset, end) },
            ));
            offset = end;
        }
        let metadata = HashMap::from([("format".to_string(), "parc".to_string())]);
        let metadata = Metadata::new(Some(metadata), infos).map_err(encode)?;
        // What the crate's writer does: the JSON of the metadata, padded with spaces to 8 bytes.
        let mut json =
            serde_json::to_string(&metadata).map_err(|e| encode(SafeTensorError::JsonError(e)))?.into_bytes();
        json.resize(json.len().next_multiple_of(8), b' ');
        if json.len() > MAX_HEADER_SIZE {
            return Err(encode(SafeTensorError::HeaderTooLarge));
        }
        let data_start = 8 + json.len() as u64;
        let mut header = (json.len() as u64).to_le_bytes().to_vec();
        header.extend_from_slice(&json);
        let tensors = metadata
            .tensors()
            .into_iter()
            .map(|(name, info)| {
                let elements = info.shape.iter().product();
                (name, (data_start + info.data_offsets.0 as u64, elements))
            })
            .collect();
        let name = path.file_name().ok_or_else(|| WeightsError::Io {
            action: "write",
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"),
        })?;
        let mut partial_name = std::ffi::OsString::from(".");
        partial_name.push(name);
        partial_name.push(".parc-partial");
        Ok(SharedSave {
            path: path.to_path_buf(),
            partial: path.with_file_name(partial_name),
            header,
            tensors,
            len: data_start + offset as u64,
        })
    }

    /// The path the file ends at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> WeightsError {
        WeightsError::Io { action: "write", path: self.path.clone(), source }
    }

    /// Step 1, on one writer: creates (or truncates) the temporary file, sets its full length
    /// and writes the header.
    pub fn create(&self) -> Result<(), WeightsError> {
        let file = File::create(&self.partial).map_err(|e| self.io(e))?;
        file.set_len(self.len).map_err(|e| self.io(e))?;
        crate::pio::write_all_at(&file, &self.header, 0).map_err(|e| self.io(e))
    }

    /// Step 2, on every writer once the file is created: a handle to write elements with.
    pub fn open(&self) -> Result<SharedWriter<'_>, WeightsError> {
        let file = std::fs::OpenOptions::new().write(true).open(&self.partial).map_err(|e| self.io(e))?;
        Ok(SharedWriter { save: self, file })
    }

    /// Step 3, on one writer once every writer has dropped its [`SharedWriter`]: syncs the file to
    /// disk, gives it the usual mode of a written file (as [`save`] does) and renames it to the
    /// path.
    pub fn finish(&self) -> Result<(), WeightsError> {
        let file = std::fs::OpenOptions::new().write(true).open(&self.partial).map_err(|e| self.io(e))?;
        file.sync_all().map_err(|e| self.io(e))?;
        drop(file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.partial, std::fs::Permissions::from_mode(0o644)).map_err(|e| self.io(e))?;
        }
        std::fs::rename(&self.partial, &self.path).map_err(|e| self.io(e))
    }

    /// Removes the temporary file after a failed save (nothing at the path is touched).
    pub fn abandon(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// One writer's handle on a [`SharedSave`] file.
#[derive(Debug)]
pub struct SharedWriter<'s> {
    save: &'s SharedSave,
    file: File,
}

impl SharedWriter<'_> {
    /// Writes `elements` (flat row-major index, value) of tensor `name`, each run of consecutive
    /// indices with one positioned write (split every [`RUN_ELEMENTS`]).
    pub fn write_elements(
        &self,
        name: &str,
        elements: impl IntoIterator<Item = (usize, f32)>,
    ) -> Result<(), WeightsError> {
        let path = &self.save.path;
        let &(begin, count) = self
            .save
            .tensors
            .get(name)
            .ok_or_else(|| WeightsError::NoTensor { path: path.clone(), tensor: name.to_string() })?;
        let mut bytes: Vec<u8> = Vec::new();
        // The first global index of the run in `bytes`.
        let mut first = 0usize;
        let flush = |first: usize, bytes: &[u8]| {
            if bytes.is_empty() {
                return Ok(());
            }
            crate::pio::write_all_at(&self.file, bytes, begin + (first * 4) as u64).map_err(|e| self.save.io(e))
        };
        for (index, value) in elements {
            if index >= count {
                return Err(WeightsError::ElementOutOfRange {
                    path: path.clone(),
                    tensor: name.to_string(),
                    index,
                    elements: count,
                });
            }
            let len = bytes.len() / 4;
            if len == 0 || first + len != index || len >= RUN_ELEMENTS {
                flush(first, &bytes)?;
                bytes.clear();
                first = index;
            }
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        flush(first, &bytes)
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

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Layouts of one `[6, 10]` tensor and the meshes they are cut for.
    fn pieces_cases() -> Vec<(parc_dialects::mesh::Mesh, crate::shards::ParamLayout)> {
        use crate::shards::ParamLayout;
        use parc_dialects::dist::Sharding;
        use parc_dialects::mesh::Mesh;
        let l = |placement: &str, zero_flat: bool| ParamLayout {
            name: "w".into(),
            global_shape: vec![6, 10],
            placement: Sharding::parse(placement).unwrap_or_else(|e| panic!("{e}")),
            zero_flat,
            state_flat: false,
            zero_group: parc_dialects::mesh::GroupKind::Axis(parc_dialects::mesh::Axis::Dp),
        };
        let mesh = |m: &str| Mesh::parse(m).unwrap_or_else(|e| panic!("{e}"));
        vec![
            (mesh("dp=2,tp=4"), l("[R, S(1)]", false)),
            (mesh("dp=2,tp=4"), l("[R, S(0)]", false)),
            (mesh("dp=2,tp=4"), l("[R, S(1)]", true)),
            (mesh("dp=4"), l("[R]", true)),
            (mesh("tp=4"), l("[R]", false)),
            (mesh("dp=1"), ParamLayout::whole("w", &[6, 10])),
        ]
    }

    #[test]
    fn pieces_read_equal_cuts_of_the_loaded_tensors() {
        let values: Vec<f32> = (0..60).map(|i| (i as f32 - 30.0) * 0.37).collect();
        let f32_file = TempPath::new("pieces-f32");
        ok(save(&f32_file.0, &[("w", &[6, 10], &values), ("other", &[2], &[1.0, 2.0])]));
        let half: Vec<u8> = (0..60u16).flat_map(|i| (0x3C00 + i * 17).to_le_bytes()).collect();
        let (bf16_file, f16_file) = (TempPath::new("pieces-bf16"), TempPath::new("pieces-f16"));
        write_raw(&bf16_file.0, "w", Dtype::BF16, &[6, 10], &half);
        write_raw(&f16_file.0, "w", Dtype::F16, &[6, 10], &half);
        for path in [&f32_file.0, &bf16_file.0, &f16_file.0] {
            let global = ok(load(path)).remove("w").map(|(_, v)| v).unwrap_or_default();
            let file = ok(WeightsFile::open(path));
            assert_eq!(file.shape("w"), Some(&[6usize, 10][..]));
            for (mesh, layout) in pieces_cases() {
                for rank in 0..mesh.world_size() {
                    let want = layout.local(&global, &mesh, rank);
                    let mut got = vec![f32::NAN; want.len()];
                    ok(file.read_elements("w", layout.local_indices(&mesh, rank), &mut got));
                    assert_eq!(bits(&got), bits(&want), "{} {} rank {rank}", path.display(), layout.placement);
                }
            }
        }
    }

    /// Writes `bytes` to a fresh file and returns what opening it gives.
    fn open_bytes(tag: &str, bytes: &[u8]) -> (TempPath, Result<WeightsFile, WeightsError>) {
        let p = TempPath::new(tag);
        if let Err(e) = std::fs::write(&p.0, bytes) {
            panic!("{e}");
        }
        let r = WeightsFile::open(&p.0);
        (p, r)
    }

    /// A valid file of one F32 tensor `w` of shape [2, 3] with `header` as its JSON header.
    fn with_header(header: &str, data_bytes: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend(std::iter::repeat_n(0u8, data_bytes));
        out
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let good = TempPath::new("damaged-good");
        ok(save(&good.0, &[("w", &[2, 3], &[1.0; 6])]));
        let bytes = read(&good.0);
        // Every damage that `load` rejects, `WeightsFile::open` rejects too, as the same kind of error.
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("truncated-data", bytes[..bytes.len() - 3].to_vec()),
            ("extra-data", [bytes.clone(), vec![0; 4]].concat()),
            ("short", bytes[..5].to_vec()),
            ("header-past-end", [&(1000u64).to_le_bytes()[..], &bytes[8..]].concat()),
            ("huge-header", [&u64::MAX.to_le_bytes()[..], &bytes[8..]].concat()),
            ("not-json", with_header("{\"w\": [1, 2", 24)),
            ("not-utf8", [&8u64.to_le_bytes()[..], &[0xFF; 8][..], &[0; 24][..]].concat()),
            ("offsets-out-of-range", with_header(r#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,48]}}"#, 24)),
            ("offsets-gap", with_header(r#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}"#, 32)),
            ("size-not-shape", with_header(r#"{"w":{"dtype":"F32","shape":[2,4],"data_offsets":[0,24]}}"#, 24)),
            (
                "shape-overflow",
                with_header(r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24]}}"#, 24),
            ),
            ("bad-dtype-name", with_header(r#"{"w":{"dtype":"F33","shape":[2,3],"data_offsets":[0,24]}}"#, 24)),
        ];
        cases.push(("ints", with_header(r#"{"w":{"dtype":"I32","shape":[2,3],"data_offsets":[0,24]}}"#, 24)));
        for (tag, damaged) in cases {
            let (p, opened) = open_bytes(tag, &damaged);
            let whole = load(&p.0);
            match (&opened, &whole) {
                (Err(WeightsError::Format { path, .. }), Err(WeightsError::Format { .. }))
                | (Err(WeightsError::UnsupportedDtype { path, .. }), Err(WeightsError::UnsupportedDtype { .. })) => {
                    assert_eq!(path, &p.0, "{tag}");
                    let msg = opened.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
                    assert!(msg.contains(&p.0.display().to_string()), "{tag}: {msg}");
                }
                _ => panic!("{tag}: open gave {opened:?}, load gave {whole:?}"),
            }
        }
        // Shapes the model does not expect, a tensor it lacks, an element past the end.
        let file = ok(WeightsFile::open(&good.0));
        match file.check_against(&[("w", &[3, 2])]) {
            Err(WeightsError::Mismatch(r)) => assert_eq!(r.wrong_shape.len(), 1),
            other => panic!("{other:?}"),
        }
        let mut out = [0.0f32; 2];
        match file.read_elements("v", [Some(0), Some(1)], &mut out) {
            Err(e @ WeightsError::NoTensor { .. }) => assert!(e.to_string().contains("no tensor v"), "{e}"),
            other => panic!("{other:?}"),
        }
        match file.read_elements("w", [Some(5), Some(6)], &mut out) {
            Err(e @ WeightsError::ElementOutOfRange { index: 6, elements: 6, .. }) => {
                assert!(e.to_string().contains("tensor w"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        // A file that shrinks after it was opened: an I/O error naming the file and the tensor.
        if let Err(e) = std::fs::write(&good.0, &bytes[..bytes.len() - 8]) {
            panic!("{e}");
        }
        match file.read_elements("w", (0..6).map(Some), &mut [0.0; 6]) {
            Err(e @ WeightsError::Io { action: "read", .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("damaged-good") && msg.contains("tensor w"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        match WeightsFile::open(&TempPath::new("never-written").0) {
            Err(WeightsError::Io { action: "read", .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_shared_save_is_byte_identical_to_save() {
        let a: Vec<f32> = (0..35).map(|i| i as f32 * 0.5 - 3.0).collect();
        let b: Vec<f32> = (0..12).map(|i| (i as f32).sin()).collect();
        let c = [7.25f32];
        let empty: [f32; 0] = [];
        // Not in name order; a scalar and an empty tensor.
        let tensors: [(&str, &[usize], &[f32]); 4] = [
            ("layers.0.mlp.up.weight", &[5, 7], &a),
            ("embed.tokens.weight", &[3, 4], &b),
            ("z", &[], &c),
            ("e", &[0, 3], &empty),
        ];
        let whole = TempPath::new("shared-whole");
        ok(save(&whole.0, &tensors));
        let shared = TempPath::new("shared-parts");
        let shapes: Vec<(&str, &[usize])> = tensors.iter().map(|&(n, s, _)| (n, s)).collect();
        let plan = ok(SharedSave::new(&shared.0, &shapes));
        ok(plan.create());
        // Three writers, each owning every third element, writing in their own order.
        let writers: Vec<_> = (0..3).map(|_| ok(plan.open())).collect();
        for (w, writer) in writers.iter().enumerate().rev() {
            for &(name, _, data) in &tensors {
                ok(writer
                    .write_elements(name, data.iter().enumerate().filter(|(i, _)| i % 3 == w).map(|(i, &v)| (i, v))));
            }
        }
        drop(writers);
        assert!(!shared.0.exists(), "the file is at its path before it is finished");
        ok(plan.finish());
        assert_eq!(read(&shared.0), read(&whole.0), "the shared save differs from save");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&shared.0).map(|m| m.permissions().mode() & 0o777).ok();
            assert_eq!(mode, Some(0o644));
        }
        // Runs longer than one write, in one writer.
        let long: Vec<f32> = (0..(RUN_ELEMENTS + 5)).map(|i| i as f32).collect();
        ok(save(&whole.0, &[("long", &[long.len()], &long)]));
        let plan = ok(SharedSave::new(&shared.0, &[("long", &[long.len()])]));
        ok(plan.create());
        ok(ok(plan.open()).write_elements("long", long.iter().copied().enumerate()));
        ok(plan.finish());
        assert_eq!(read(&shared.0), read(&whole.0));

        match SharedSave::new(&shared.0, &[("w", &[2]), ("w", &[3])]) {
            Err(WeightsError::DuplicateName { tensor, .. }) => assert_eq!(tensor, "w"),
            other => panic!("{other:?}"),
        }
        let plan = ok(SharedSave::new(&shared.0, &[("w", &[2])]));
        ok(plan.create());
        match ok(plan.open()).write_elements("w", [(2, 1.0)]) {
            Err(WeightsError::ElementOutOfRange { index: 2, elements: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        plan.abandon();
        let nowhere = std::env::temp_dir().join("parc-no-such-dir-7f3b").join("w.safetensors");
        match ok(SharedSave::new(&nowhere, &[("w", &[2])])).create() {
            Err(e @ WeightsError::Io { action: "write", .. }) => {
                assert!(e.to_string().contains("parc-no-such-dir-7f3b"), "{e}")
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
                        file: None,
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
