//! The MLIR text parser and the verifier: see [`parc_fuzz::mlir`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::mlir(data));
