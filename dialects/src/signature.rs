//! Op signatures: how many operands and results an op kind takes and which attributes it
//! accepts. The verifier checks every op against its kind's signature generically; dialects only
//! fill in the tables.

use crate::attr::Attr;

/// How many operands or results an op takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

impl Arity {
    /// Whether `n` is allowed.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        }
    }

    /// "2" or "at least 1", for messages.
    pub fn describe(self) -> String {
        match self {
            Arity::Exactly(k) => k.to_string(),
            Arity::AtLeast(k) => format!("at least {k}"),
        }
    }
}

/// The kind of value an attribute must hold.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Bool,
    Int,
    Float,
    Str,
    Ints,
    /// A sharding: an array of one placement string per mesh axis (`["S(0)", "R"]`).
    Sharding,
    /// An array of strings.
    Strs,
}

impl AttrKind {
    /// Whether `attr` is of this kind (integers are accepted where a float is expected).
    pub fn matches(self, attr: &Attr) -> bool {
        matches!(
            (self, attr),
            (AttrKind::Bool, Attr::Bool(_) | Attr::Unit)
                | (AttrKind::Int, Attr::Int(_))
                | (AttrKind::Float, Attr::Float(_) | Attr::Int(_))
                | (AttrKind::Str, Attr::Str(_))
                | (AttrKind::Ints, Attr::Ints(_))
                | (AttrKind::Sharding, Attr::Array(_))
        ) || (self == AttrKind::Strs && matches!(attr, Attr::Array(a) if a.iter().all(|x| matches!(x, Attr::Str(_)))))
    }

    /// The name used in messages.
    pub fn describe(self) -> &'static str {
        match self {
            AttrKind::Bool => "bool",
            AttrKind::Int => "integer",
            AttrKind::Float => "float",
            AttrKind::Str => "string",
            AttrKind::Ints => "integer array (array<i64: ..>)",
            AttrKind::Sharding => "sharding ([\"S(0)\", \"R\"]: one placement per mesh axis)",
            AttrKind::Strs => "string array ([\"a\", \"b\"])",
        }
    }
}

/// One accepted attribute.
#[derive(Copy, Clone, Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub kind: AttrKind,
    pub required: bool,
}

/// A required attribute.
pub const fn req(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec { name, kind, required: true }
}

/// An optional attribute.
pub const fn opt(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec { name, kind, required: false }
}

/// The signature of an op kind.
#[derive(Copy, Clone, Debug)]
pub struct OpInfo {
    pub operands: Arity,
    pub results: Arity,
    pub attrs: &'static [AttrSpec],
    /// Whether ops of this kind may carry regions.
    pub has_regions: bool,
    /// Whether attributes not listed in `attrs` are allowed (for ops such as `func.return` that
    /// carry none, this is false like everywhere else).
    pub open_attrs: bool,
}

impl OpInfo {
    /// A signature with fixed operand and result counts and the given attributes.
    pub const fn new(operands: Arity, results: Arity, attrs: &'static [AttrSpec]) -> Self {
        OpInfo { operands, results, attrs, has_regions: false, open_attrs: false }
    }
}
