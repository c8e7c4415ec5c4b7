//! The two safetensors readers, on the same bytes: see [`parc_fuzz::safetensors`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::safetensors(data));
