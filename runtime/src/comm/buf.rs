//! Typed host buffers for communication: [`Buf`] (read) and [`BufMut`] (written), each a slice of
//! one element type, so a communicator knows the dtype of every message and never reinterprets
//! bits. bf16 travels as its raw `u16` bit pattern.

use std::ops::Range;

use parc_dialects::types::DType;

use super::ReduceOp;

/// A buffer a rank contributes: a slice of one element type.
#[derive(Clone, Copy, Debug)]
pub enum Buf<'a> {
    /// 32-bit floats.
    F32(&'a [f32]),
    /// bfloat16 values as their bit patterns.
    Bf16(&'a [u16]),
    /// 32-bit integers (e.g. token ids).
    I32(&'a [i32]),
    /// 64-bit integers.
    I64(&'a [i64]),
}

/// A buffer a rank receives into (or reduces in place): a mutable slice of one element type.
#[derive(Debug)]
pub enum BufMut<'a> {
    /// 32-bit floats.
    F32(&'a mut [f32]),
    /// bfloat16 values as their bit patterns.
    Bf16(&'a mut [u16]),
    /// 32-bit integers (e.g. token ids).
    I32(&'a mut [i32]),
    /// 64-bit integers.
    I64(&'a mut [i64]),
}

impl<'a> From<&'a [f32]> for Buf<'a> {
    fn from(s: &'a [f32]) -> Self {
        Buf::F32(s)
    }
}

impl<'a> From<&'a [i32]> for Buf<'a> {
    fn from(s: &'a [i32]) -> Self {
        Buf::I32(s)
    }
}

impl<'a> From<&'a [i64]> for Buf<'a> {
    fn from(s: &'a [i64]) -> Self {
        Buf::I64(s)
    }
}

impl<'a> From<&'a mut [f32]> for BufMut<'a> {
    fn from(s: &'a mut [f32]) -> Self {
        BufMut::F32(s)
    }
}

impl<'a> From<&'a mut [i32]> for BufMut<'a> {
    fn from(s: &'a mut [i32]) -> Self {
        BufMut::I32(s)
    }
}

impl<'a> From<&'a mut [i64]> for BufMut<'a> {
    fn from(s: &'a mut [i64]) -> Self {
        BufMut::I64(s)
    }
}

impl Buf<'_> {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Buf::F32(_) => DType::F32,
            Buf::Bf16(_) => DType::BF16,
            Buf::I32(_) => DType::I32,
            Buf::I64(_) => DType::I64,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Buf::F32(s) => s.len(),
            Buf::Bf16(s) => s.len(),
            Buf::I32(s) => s.len(),
            Buf::I64(s) => s.len(),
        }
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of bytes.
    pub fn bytes(&self) -> u64 {
        bytes_of(self.dtype(), self.len())
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Payload {
        match self {
            Buf::F32(s) => Payload::F32(s.to_vec()),
            Buf::Bf16(s) => Payload::Bf16(s.to_vec()),
            Buf::I32(s) => Payload::I32(s.to_vec()),
            Buf::I64(s) => Payload::I64(s.to_vec()),
        }
    }
}

impl BufMut<'_> {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            BufMut::F32(_) => DType::F32,
            BufMut::Bf16(_) => DType::BF16,
            BufMut::I32(_) => DType::I32,
            BufMut::I64(_) => DType::I64,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            BufMut::F32(s) => s.len(),
            BufMut::Bf16(s) => s.len(),
            BufMut::I32(s) => s.len(),
            BufMut::I64(s) => s.len(),
        }
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of bytes.
    pub fn bytes(&self) -> u64 {
        bytes_of(self.dtype(), self.len())
    }

    /// A read-only view of the same elements.
    pub fn as_buf(&self) -> Buf<'_> {
        match self {
            BufMut::F32(s) => Buf::F32(s),
            BufMut::Bf16(s) => Buf::Bf16(s),
            BufMut::I32(s) => Buf::I32(s),
            BufMut::I64(s) => Buf::I64(s),
        }
    }

    /// Copies `src[range]` to `self[at..]`. False (and nothing copied) when the element types
    /// differ or a range is out of bounds.
    pub fn copy_from(&mut self, at: usize, src: &Payload, range: Range<usize>) -> bool {
        fn copy<T: Copy>(dst: &mut [T], at: usize, src: &[T], range: Range<usize>) -> bool {
            let n = range.len();
            match (dst.get_mut(at..at + n), src.get(range)) {
                (Some(d), Some(s)) => {
                    d.copy_from_slice(s);
                    true
                }
                _ => false,
            }
        }
        match (self, src) {
            (BufMut::F32(d), Payload::F32(s)) => copy(d, at, s, range),
            (BufMut::Bf16(d), Payload::Bf16(s)) => copy(d, at, s, range),
            (BufMut::I32(d), Payload::I32(s)) => copy(d, at, s, range),
            (BufMut::I64(d), Payload::I64(s)) => copy(d, at, s, range),
            _ => false,
        }
    }

    /// Writes the `op`-reduction of `srcs[k][range]`, in the order of `srcs`, to `self` (whose
    /// length is `range.len()`). f32 folds in f32; bf16 widens every contribution to f32, folds in
    /// f32 and rounds once to bf16 (to nearest, ties to even). False (and nothing written) for
    /// integer types, mixed types or bad ranges.
    pub fn reduce_from(&mut self, op: ReduceOp, srcs: &[&Payload], range: Range<usize>) -> bool {
        let n = range.len();
        if self.len() != n {
            return false;
        }
        match self {
            BufMut::F32(dst) => {
                let mut parts = Vec::with_capacity(srcs.len());
                for s in srcs {
                    match s {
                        Payload::F32(v) if v.len() >= range.end => parts.push(&v[range.clone()]),
                        _ => return false,
                    }
                }
                let Some((first, rest)) = parts.split_first() else { return false };
                dst.copy_from_slice(first);
                for x in rest {
                    fold(op, dst, x);
                }
                true
            }
            BufMut::Bf16(dst) => {
                let mut parts = Vec::with_capacity(srcs.len());
                for s in srcs {
                    match s {
                        Payload::Bf16(v) if v.len() >= range.end => parts.push(&v[range.clone()]),
                        _ => return false,
                    }
                }
                let Some((first, rest)) = parts.split_first() else { return false };
                let mut acc: Vec<f32> = first.iter().map(|&b| bf16_to_f32(b)).collect();
                let mut wide = vec![0.0f32; n];
                for x in rest {
                    for (w, &b) in wide.iter_mut().zip(x.iter()) {
                        *w = bf16_to_f32(b);
                    }
                    fold(op, &mut acc, &wide);
                }
                for (d, a) in dst.iter_mut().zip(acc) {
                    *d = f32_to_bf16(a);
                }
                true
            }
            BufMut::I32(_) | BufMut::I64(_) => false,
        }
    }
}

/// An owned buffer of one element type: what a communicator copies a contribution or a message
/// into.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// bfloat16 bit patterns.
    Bf16(Vec<u16>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
}

impl Payload {
    /// An empty payload of `dtype` (F32 for types without a variant).
    pub fn empty(dtype: DType) -> Payload {
        match dtype {
            DType::BF16 => Payload::Bf16(Vec::new()),
            DType::I32 => Payload::I32(Vec::new()),
            DType::I64 => Payload::I64(Vec::new()),
            DType::F32 | DType::F16 => Payload::F32(Vec::new()),
        }
    }

    /// `n` zeros of `dtype` (F32 for types without a variant).
    pub fn zeros(dtype: DType, n: usize) -> Payload {
        match dtype {
            DType::BF16 => Payload::Bf16(vec![0; n]),
            DType::I32 => Payload::I32(vec![0; n]),
            DType::I64 => Payload::I64(vec![0; n]),
            DType::F32 | DType::F16 => Payload::F32(vec![0.0; n]),
        }
    }

    /// A view to send.
    pub fn as_buf(&self) -> Buf<'_> {
        match self {
            Payload::F32(v) => Buf::F32(v),
            Payload::Bf16(v) => Buf::Bf16(v),
            Payload::I32(v) => Buf::I32(v),
            Payload::I64(v) => Buf::I64(v),
        }
    }

    /// A view to receive into.
    pub fn as_buf_mut(&mut self) -> BufMut<'_> {
        match self {
            Payload::F32(v) => BufMut::F32(v),
            Payload::Bf16(v) => BufMut::Bf16(v),
            Payload::I32(v) => BufMut::I32(v),
            Payload::I64(v) => BufMut::I64(v),
        }
    }

    /// The elements of `range` (clamped to the length).
    pub fn slice(&self, range: Range<usize>) -> Payload {
        let r = |len: usize| range.start.min(len)..range.end.min(len);
        match self {
            Payload::F32(v) => Payload::F32(v[r(v.len())].to_vec()),
            Payload::Bf16(v) => Payload::Bf16(v[r(v.len())].to_vec()),
            Payload::I32(v) => Payload::I32(v[r(v.len())].to_vec()),
            Payload::I64(v) => Payload::I64(v[r(v.len())].to_vec()),
        }
    }

    /// Every element's bit pattern, widened to u64 (to compare floats bit for bit).
    pub fn bits(&self) -> Vec<u64> {
        match self {
            Payload::F32(v) => v.iter().map(|x| x.to_bits() as u64).collect(),
            Payload::Bf16(v) => v.iter().map(|&x| x as u64).collect(),
            Payload::I32(v) => v.iter().map(|&x| x as u32 as u64).collect(),
            Payload::I64(v) => v.iter().map(|&x| x as u64).collect(),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Payload::F32(_) => DType::F32,
            Payload::Bf16(_) => DType::BF16,
            Payload::I32(_) => DType::I32,
            Payload::I64(_) => DType::I64,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Payload::F32(v) => v.len(),
            Payload::Bf16(v) => v.len(),
            Payload::I32(v) => v.len(),
            Payload::I64(v) => v.len(),
        }
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `op` is defined on buffers of `dtype`: reductions take f32 and bf16 (accumulated in
/// f32); integer buffers can only be copied.
pub fn reduces(op: ReduceOp, dtype: DType) -> bool {
    let _ = op;
    matches!(dtype, DType::F32 | DType::BF16)
}

/// `n` elements of `dtype`, in bytes.
pub fn bytes_of(dtype: DType, n: usize) -> u64 {
    (n as u64).saturating_mul(dtype.size_bytes())
}

/// `acc ⊕= x`, elementwise.
fn fold(op: ReduceOp, acc: &mut [f32], x: &[f32]) {
    match op {
        ReduceOp::Sum => acc.iter_mut().zip(x).for_each(|(a, &x)| *a += x),
        ReduceOp::Max => acc.iter_mut().zip(x).for_each(|(a, &x)| *a = ReduceOp::Max.combine(*a, x)),
    }
}

pub use crate::weights::bf16_to_f32;

/// An f32 rounded to bfloat16, to nearest with ties to even; NaN stays a (quiet) NaN.
pub fn f32_to_bf16(x: f32) -> u16 {
    let bits = x.to_bits();
    if x.is_nan() {
        return ((bits >> 16) as u16) | 0x0040;
    }
    let round = 0x7FFF + ((bits >> 16) & 1);
    (bits.wrapping_add(round) >> 16) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(f32_to_bf16(1.0), 0x3F80);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
        assert_eq!(f32_to_bf16(f32::from_bits(0x3F80_8000)), 0x3F80);
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (upwards).
        assert_eq!(f32_to_bf16(f32::from_bits(0x3F81_8000)), 0x3F82);
        assert_eq!(f32_to_bf16(f32::from_bits(0x3F80_8001)), 0x3F81);
        assert!(bf16_to_f32(f32_to_bf16(f32::NAN)).is_nan());
        assert_eq!(f32_to_bf16(f32::INFINITY), 0x7F80);
        for b in [0u16, 0x3F80, 0xBF80, 0x7F7F, 0x0001] {
            assert_eq!(f32_to_bf16(bf16_to_f32(b)), b);
        }
    }
}
