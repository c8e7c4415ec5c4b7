//! The model.toml frontend, to the end of validation and graph building: see [`parc_fuzz::model_toml`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::model_toml(data));
