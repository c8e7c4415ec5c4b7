//! Value types: ranked tensors of f32, bf16, f16, i32 or i64, printed as MLIR builtin types
//! (`tensor<2x64x128xf32>`, `tensor<f32>` for a scalar). Parsing lives in the parser; this module
//! owns the type data, its printing and the helpers shape inference needs.

use std::fmt;

/// Element type of a tensor.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    F32,
    BF16,
    F16,
    I32,
    I64,
}

impl DType {
    /// Every element type, in the order they are documented.
    pub const ALL: [DType; 5] = [DType::F32, DType::BF16, DType::F16, DType::I32, DType::I64];

    /// The MLIR spelling (`f32`, `bf16`, …).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::BF16 => "bf16",
            DType::F16 => "f16",
            DType::I32 => "i32",
            DType::I64 => "i64",
        }
    }

    /// Parses an MLIR element type spelling.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bytes per element.
    pub fn size_bytes(self) -> u64 {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::BF16 | DType::F16 => 2,
            DType::I64 => 8,
        }
    }

    /// Whether this is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::BF16 | DType::F16)
    }

    /// Whether this is an integer type.
    pub fn is_int(self) -> bool {
        !self.is_float()
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A ranked tensor type with static dimensions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    /// Dimension sizes, outermost first; empty for a scalar.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
}

impl TensorType {
    /// A tensor type of the given shape and element type.
    pub fn new(shape: impl Into<Vec<usize>>, dtype: DType) -> Self {
        Self { shape: shape.into(), dtype }
    }

    /// A rank-0 tensor.
    pub fn scalar(dtype: DType) -> Self {
        Self { shape: Vec::new(), dtype }
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements (1 for a scalar).
    pub fn num_elements(&self) -> u64 {
        // Saturates instead of overflowing: a shape this large fails every size check downstream.
        self.shape.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
    }

    /// The size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.num_elements().saturating_mul(self.dtype.size_bytes())
    }

    /// The same element type with another shape.
    pub fn with_shape(&self, shape: impl Into<Vec<usize>>) -> Self {
        TensorType::new(shape, self.dtype)
    }

    /// The same shape with element type `dtype`.
    pub fn with_dtype(&self, dtype: DType) -> Self {
        Self { shape: self.shape.clone(), dtype }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tensor<")?;
        for d in &self.shape {
            write!(f, "{d}x")?;
        }
        write!(f, "{}>", self.dtype)
    }
}

/// The type of an SSA value: a value-semantics tensor (`graph` dialect) or a buffer in a rank's
/// memory (`memref`, the `exec` dialect), both with a static shape and an element type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Tensor(TensorType),
    MemRef(TensorType),
}

impl Type {
    /// A tensor type.
    pub fn tensor(shape: impl Into<Vec<usize>>, dtype: DType) -> Self {
        Type::Tensor(TensorType::new(shape, dtype))
    }

    /// A memref type.
    pub fn memref(shape: impl Into<Vec<usize>>, dtype: DType) -> Self {
        Type::MemRef(TensorType::new(shape, dtype))
    }

    /// The shape and element type (of a tensor or a memref).
    pub fn as_tensor(&self) -> &TensorType {
        match self {
            Type::Tensor(t) | Type::MemRef(t) => t,
        }
    }

    /// Whether this is a memref (a buffer) rather than a value-semantics tensor.
    pub fn is_memref(&self) -> bool {
        matches!(self, Type::MemRef(_))
    }
}

impl From<TensorType> for Type {
    fn from(t: TensorType) -> Self {
        Type::Tensor(t)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Tensor(t) => t.fmt(f),
            Type::MemRef(t) => {
                f.write_str("memref<")?;
                for d in &t.shape {
                    write!(f, "{d}x")?;
                }
                write!(f, "{}>", t.dtype)
            }
        }
    }
}

/// Formats a shape as `[2, 64, 128]` for error messages.
pub fn shape_str(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_types_print_like_mlir() {
        assert_eq!(Type::tensor([2, 64, 128], DType::F32).to_string(), "tensor<2x64x128xf32>");
        assert_eq!(Type::tensor([], DType::BF16).to_string(), "tensor<bf16>");
        assert_eq!(TensorType::new([3, 5], DType::BF16).size_bytes(), 30);
    }
}
