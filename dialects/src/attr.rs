//! Attributes: the compile-time constants attached to ops, functions and modules, printed in
//! MLIR's builtin attribute syntax (`4 : i64`, `1.0e-05 : f64`, `"gelu"`, `array<i64: 0, 2, 1>`,
//! `[..]`, `{..}`, `@sym`, `tensor<..>`). Dictionaries are sorted by key, so printing is
//! deterministic. Which attributes an op requires is each dialect's business, not this module's.

use std::collections::BTreeMap;
use std::fmt;

use crate::types::Type;

/// One attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// A name with no value (`{causal}`).
    Unit,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer, printed `N : i64`.
    Int(i64),
    /// A 64-bit float, printed `X : f64` in a form that parses back to the same bits.
    Float(f64),
    /// A string.
    Str(String),
    /// A dense integer array, printed `array<i64: 1, 2>`.
    Ints(Vec<i64>),
    /// A heterogeneous array.
    Array(Vec<Attr>),
    /// A nested dictionary.
    Dict(AttrMap),
    /// A type used as a value.
    Type(Type),
    /// A reference to a symbol (`@forward`).
    Symbol(String),
}

impl Attr {
    /// A short name for the attribute's kind, used in error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Attr::Unit => "unit",
            Attr::Bool(_) => "bool",
            Attr::Int(_) => "integer",
            Attr::Float(_) => "float",
            Attr::Str(_) => "string",
            Attr::Ints(_) => "integer array",
            Attr::Array(_) => "array",
            Attr::Dict(_) => "dictionary",
            Attr::Type(_) => "type",
            Attr::Symbol(_) => "symbol",
        }
    }
}

/// A dictionary of attributes, sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrMap(BTreeMap<String, Attr>);

impl AttrMap {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing any previous value.
    pub fn set(&mut self, name: impl Into<String>, value: Attr) {
        self.0.insert(name.into(), value);
    }

    /// Builder form of [`AttrMap::set`].
    pub fn with(mut self, name: impl Into<String>, value: Attr) -> Self {
        self.set(name, value);
        self
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.0.get(name)
    }

    /// Removes `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Attr> {
        self.0.remove(name)
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Attr)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Integer attribute `name`, if present and an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Attr::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// Float attribute `name` (integers are accepted too), if present.
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.get(name)? {
            Attr::Float(v) => Some(*v),
            Attr::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// Boolean attribute `name`; a unit attribute reads as `true`, absence as `false`.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Attr::Bool(true)) | Some(Attr::Unit))
    }

    /// Integer-array attribute `name`, if present.
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        match self.get(name)? {
            Attr::Ints(v) => Some(v),
            _ => None,
        }
    }

    /// String attribute `name`, if present.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Attr::Str(v) => Some(v),
            _ => None,
        }
    }
}

impl FromIterator<(String, Attr)> for AttrMap {
    fn from_iter<T: IntoIterator<Item = (String, Attr)>>(iter: T) -> Self {
        AttrMap(iter.into_iter().collect())
    }
}

/// Formats `v` as an MLIR float literal that parses back to the same `f64`: the shortest
/// round-trip digits, always with a `.` in the mantissa (MLIR rejects `1e-5`).
pub fn format_float(v: f64) -> String {
    if !v.is_finite() {
        // MLIR spells non-finite floats as their bit pattern.
        return format!("0x{:016X}", v.to_bits());
    }
    let s = format!("{v:?}");
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s.as_str(), None),
    };
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    match exponent {
        Some(e) => format!("{mantissa}e{e}"),
        None => mantissa,
    }
}

/// Writes `s` as an MLIR string literal (`"`, `\` and non-printable bytes as `\XX` hex escapes).
pub fn write_escaped(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => write!(f, "\\{:02X}", b)?,
            0x20..=0x7e => f.write_char(b as char)?,
            _ => write!(f, "\\{:02X}", b)?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attr::Unit => f.write_str("unit"),
            Attr::Bool(b) => write!(f, "{b}"),
            Attr::Int(v) => write!(f, "{v} : i64"),
            Attr::Float(v) => write!(f, "{} : f64", format_float(*v)),
            Attr::Str(s) => write_escaped(f, s),
            Attr::Ints(v) => {
                f.write_str("array<i64")?;
                for (i, x) in v.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { ", " })?;
                    write!(f, "{x}")?;
                }
                f.write_str(">")
            }
            Attr::Array(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Attr::Dict(d) => write!(f, "{d}"),
            Attr::Type(t) => write!(f, "{t}"),
            Attr::Symbol(s) if is_bare_identifier(s) => write!(f, "@{s}"),
            Attr::Symbol(s) => {
                f.write_str("@")?;
                write_escaped(f, s)
            }
        }
    }
}

/// Whether `name` can be printed bare as a dictionary key (otherwise it is quoted).
pub fn is_bare_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
}

impl fmt::Display for AttrMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if is_bare_identifier(k) {
                f.write_str(k)?;
            } else {
                write_escaped(f, k)?;
            }
            // A unit attribute is written as its bare name, as MLIR does.
            if !matches!(v, Attr::Unit) {
                write!(f, " = {v}")?;
            }
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_always_have_a_point_and_round_trip() {
        for (v, s) in [(1e-5, "1.0e-5"), (0.5, "0.5"), (10000.0, "10000.0"), (-3.0, "-3.0"), (1e300, "1.0e300")] {
            assert_eq!(format_float(v), s);
            assert_eq!(format_float(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn dictionaries_print_sorted() {
        let d = AttrMap::new().with("eps", Attr::Float(1e-5)).with("axis", Attr::Int(-1)).with("causal", Attr::Unit);
        assert_eq!(d.to_string(), "{axis = -1 : i64, causal, eps = 1.0e-5 : f64}");
    }
}
