//! Entity references and the maps keyed by them.
//!
//! Every IR object (value, op, block, region) is named by a `u32` newtype and stored in a
//! [`PrimaryMap`]; side data that a pass owns lives in a [`SecondaryMap`] keyed by the same
//! entity. Nothing in the IR is indexed by a bare `usize`. This module owns only the containers:
//! it knows nothing about what the entities mean.

use std::fmt;
use std::marker::PhantomData;

/// A `u32` index newtype usable as a key of [`PrimaryMap`] and [`SecondaryMap`].
pub trait EntityRef: Copy + Eq + Ord + std::hash::Hash + fmt::Debug {
    /// Builds the entity for arena slot `index`.
    fn new(index: usize) -> Self;
    /// The arena slot of this entity.
    fn index(self) -> usize;
}

/// Declares a `u32` entity newtype with a short display prefix (`v12`, `op3`).
#[macro_export]
macro_rules! entity_impl {
    ($(#[$attr:meta])* $name:ident, $prefix:expr) => {
        $(#[$attr])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $crate::entity::EntityRef for $name {
            fn new(index: usize) -> Self {
                let index = u32::try_from(index).expect("more than u32::MAX entities in one arena");
                $name(index)
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }
    };
}

/// The arena that owns the data of one kind of entity; `push` hands out the keys.
#[derive(Clone, PartialEq)]
pub struct PrimaryMap<K: EntityRef, V> {
    elems: Vec<V>,
    unused: PhantomData<K>,
}

impl<K: EntityRef, V> Default for PrimaryMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: EntityRef, V> PrimaryMap<K, V> {
    /// An empty arena.
    pub fn new() -> Self {
        Self { elems: Vec::new(), unused: PhantomData }
    }

    /// Stores `value` and returns its new key.
    pub fn push(&mut self, value: V) -> K {
        let key = K::new(self.elems.len());
        self.elems.push(value);
        key
    }

    /// The number of entities ever pushed.
    pub fn len(&self) -> usize {
        self.elems.len()
    }

    /// Whether nothing was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.elems.is_empty()
    }

    /// Whether `key` names an entity of this arena.
    pub fn is_valid(&self, key: K) -> bool {
        key.index() < self.elems.len()
    }

    /// The entity's data, or `None` for a key from another arena.
    pub fn get(&self, key: K) -> Option<&V> {
        self.elems.get(key.index())
    }

    /// Every key in creation order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator + '_ {
        (0..self.elems.len()).map(K::new)
    }

    /// Every (key, data) pair in creation order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + ExactSizeIterator + '_ {
        self.elems.iter().enumerate().map(|(i, v)| (K::new(i), v))
    }

    /// Every entity's data in creation order.
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.elems.iter()
    }
}

impl<K: EntityRef, V> std::ops::Index<K> for PrimaryMap<K, V> {
    type Output = V;
    fn index(&self, key: K) -> &V {
        &self.elems[key.index()]
    }
}

impl<K: EntityRef, V> std::ops::IndexMut<K> for PrimaryMap<K, V> {
    fn index_mut(&mut self, key: K) -> &mut V {
        &mut self.elems[key.index()]
    }
}

impl<K: EntityRef, V: fmt::Debug> fmt::Debug for PrimaryMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Side data keyed by an entity, with a default for entities never written.
///
/// Passes keep their tables here (a sharding per value, an offset per buffer) instead of adding
/// fields to the IR.
#[derive(Clone)]
pub struct SecondaryMap<K: EntityRef, V: Clone> {
    elems: Vec<V>,
    default: V,
    unused: PhantomData<K>,
}

impl<K: EntityRef, V: Clone + Default> Default for SecondaryMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: EntityRef, V: Clone + Default> SecondaryMap<K, V> {
    /// An empty map whose unwritten entries read as `V::default()`.
    pub fn new() -> Self {
        Self::with_default(V::default())
    }
}

impl<K: EntityRef, V: Clone> SecondaryMap<K, V> {
    /// An empty map whose unwritten entries read as `default`.
    pub fn with_default(default: V) -> Self {
        Self { elems: Vec::new(), default, unused: PhantomData }
    }

    /// Every (key, value) pair that has storage, in key order (unwritten ones read the default).
    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> + '_ {
        self.elems.iter().enumerate().map(|(i, v)| (K::new(i), v))
    }
}

/// A side table where some entities have an entry: the `HashMap` operations, on dense storage.
impl<K: EntityRef, V: Clone> SecondaryMap<K, Option<V>> {
    /// The entry of `key`, if written.
    pub fn get(&self, key: K) -> Option<&V> {
        self[key].as_ref()
    }

    /// The entry of `key` to change, if written.
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        if key.index() < self.elems.len() {
            self.elems[key.index()].as_mut()
        } else {
            None
        }
    }

    /// The entry of `key`, which the pass has written (as `HashMap`'s index, a missing entry is a
    /// broken invariant of the pass, and panics).
    #[track_caller]
    pub fn at(&self, key: K) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!(
                "internal error: no entry for {}{}",
                std::any::type_name::<K>().rsplit("::").next().unwrap_or("key"),
                key.index()
            ),
        }
    }

    /// Whether `key` has an entry.
    pub fn contains_key(&self, key: K) -> bool {
        self.get(key).is_some()
    }

    /// Writes the entry of `key`, returning the one it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self[key].replace(value)
    }

    /// Removes the entry of `key`, returning it.
    pub fn remove(&mut self, key: K) -> Option<V> {
        if key.index() < self.elems.len() {
            self.elems[key.index()].take()
        } else {
            None
        }
    }

    /// The entry of `key`, written with `make()` first if it has none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self[key].get_or_insert_with(make)
    }
}

impl<K: EntityRef, V: Clone> std::ops::Index<K> for SecondaryMap<K, V> {
    type Output = V;
    fn index(&self, key: K) -> &V {
        self.elems.get(key.index()).unwrap_or(&self.default)
    }
}

impl<K: EntityRef, V: Clone> std::ops::IndexMut<K> for SecondaryMap<K, V> {
    fn index_mut(&mut self, key: K) -> &mut V {
        let i = key.index();
        if i >= self.elems.len() {
            self.elems.resize(i + 1, self.default.clone());
        }
        &mut self.elems[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    entity_impl!(Thing, "t");

    #[test]
    fn optional_entries_behave_like_a_hash_map() {
        let mut m: SecondaryMap<Thing, Option<&str>> = SecondaryMap::new();
        let (a, b) = (Thing::new(0), Thing::new(5));
        assert_eq!(m.get(b), None);
        assert!(!m.contains_key(a));
        assert_eq!(m.get_mut(b), None);
        assert_eq!(m.insert(b, "b"), None);
        assert_eq!(m.insert(b, "c"), Some("b"));
        assert_eq!((m.get(a), m.get(b)), (None, Some(&"c")));
        *m.get_or_insert_with(a, || "a") = "x";
        assert_eq!(*m.get_or_insert_with(a, || "y"), "x");
        assert!(m.contains_key(a));
        assert_eq!((m.remove(a), m.remove(a), m.remove(Thing::new(9))), (Some("x"), None, None));
        assert!(!m.contains_key(a));
    }

    #[test]
    fn primary_map_hands_out_dense_keys() {
        let mut m: PrimaryMap<Thing, &str> = PrimaryMap::new();
        let a = m.push("a");
        let b = m.push("b");
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(m[b], "b");
        assert_eq!(format!("{a}"), "t0");
        assert_eq!(m.keys().collect::<Vec<_>>(), vec![a, b]);
    }

    #[test]
    fn secondary_map_reads_default_and_grows_on_write() {
        let mut s: SecondaryMap<Thing, u32> = SecondaryMap::with_default(7);
        assert_eq!(s[Thing::new(5)], 7);
        s[Thing::new(3)] = 1;
        assert_eq!(s[Thing::new(3)], 1);
        assert_eq!(s[Thing::new(2)], 7);
    }
}
