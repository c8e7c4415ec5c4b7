//! The rank-program loader: see [`parc_fuzz::program`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::program(data));
