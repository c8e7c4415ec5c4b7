//! The machine's memory, read before a run allocates: a plan whose arenas cannot fit is refused at
//! once with the numbers, instead of allocating (and being killed by the kernel) or running for
//! minutes first. And the process's peak resident memory, for reports.

/// The memory the kernel says is available for new allocations without swapping (Linux
/// `MemAvailable`); `None` where it is not reported.
pub fn available_bytes() -> Option<u64> {
    meminfo_kib("MemAvailable:").map(|kib| kib * 1024)
}

/// The process's peak resident set size (Linux `VmHWM`); `None` where it is not reported.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kib(&status, "VmHWM:").map(|kib| kib * 1024)
}

fn meminfo_kib(key: &str) -> Option<u64> {
    field_kib(&std::fs::read_to_string("/proc/meminfo").ok()?, key)
}

/// The number after `key` on its line (`VmHWM:    1234 kB`).
fn field_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}

/// `needed` bytes for `what`, against the memory available: `Err` with the message when it cannot
/// fit. Unknown availability passes (the allocation itself still fails cleanly).
pub fn check_fits(needed: u64, what: &str) -> Result<(), String> {
    match available_bytes() {
        Some(available) if needed > available => {
            Err(format!("{what}: {} needed, but this machine has {} available", gib(needed), gib(available)))
        }
        _ => Ok(()),
    }
}

/// `12.3 GiB`, `0.5 GiB`, `1.2 TiB`.
pub fn gib(bytes: u64) -> String {
    let g = bytes as f64 / (1u64 << 30) as f64;
    if g >= 1024.0 {
        format!("{:.1} TiB", g / 1024.0)
    } else {
        format!("{g:.1} GiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_sizes() {
        assert_eq!(field_kib("MemTotal: 10 kB\nMemAvailable:   2048 kB\n", "MemAvailable:"), Some(2048));
        assert_eq!(field_kib("MemTotal: 10 kB\n", "MemAvailable:"), None);
        assert_eq!(gib(3 << 29), "1.5 GiB");
        assert_eq!(gib(2 << 40), "2.0 TiB");
        if available_bytes().is_some() {
            assert!(check_fits(u64::MAX, "a test").unwrap_err().contains("a test: 16777216.0 TiB needed"));
            assert!(check_fits(1, "a test").is_ok());
        }
    }
}
