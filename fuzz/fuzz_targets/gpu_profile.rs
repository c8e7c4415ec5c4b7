//! GPU profiles (`--gpu-file`): see [`parc_fuzz::gpu_profile`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| parc_fuzz::gpu_profile(data));
