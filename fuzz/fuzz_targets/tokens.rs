//! The token-file reader: see [`parc_fuzz::tokens`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::tokens(data));
