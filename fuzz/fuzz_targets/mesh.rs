//! The `--mesh` parser: see [`parc_fuzz::mesh`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::mesh(data));
