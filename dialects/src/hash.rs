//! The 64-bit FNV-1a hash: stable across platforms and releases, for keys derived from names
//! (parameter initialization) and for fingerprints of written files (`plan.json`'s program
//! hashes, which `parc check` compares to tell an edited program from a compiler bug).

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3))
}

/// [`fnv1a64`] as 16 lower-case hex digits, the form plan.json stores.
pub fn fnv1a64_hex(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a64(bytes))
}
