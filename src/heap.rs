//! The allocator's settings for the process.
//!
//! Each replication allocates its big buffers afresh (lead-time samples,
//! pending commits, timelines: megabytes at ten times Tailspin's volume) and
//! frees them at its end. glibc hands such blocks back to the kernel (they
//! are mmapped, or trimmed off the heap's top) and the next replication
//! faults every page in again: about 2,600 minor faults a replication at 10×.
//! Raising the two thresholds keeps that memory in the process for the next
//! replication; the peak is the same, since a replication's own use is the
//! peak. Other platforms' allocators are left as they are.

/// Keeps freed memory for reuse (glibc on Linux; elsewhere nothing). Call
/// once, before the replications; calling again changes nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's largest mmap threshold on 64-bit is 32 MiB; blocks above it
        // are rare here (a lead-time buffer of 4 M samples).
        const MMAP_THRESHOLD: libc::c_int = 32 << 20;
        const TRIM_THRESHOLD: libc::c_int = 1 << 30;
        // SAFETY: mallopt only sets allocator parameters; it is safe to call
        // at any time, from any thread.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}
