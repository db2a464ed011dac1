//! Ctrl-C while a statement runs: SIGINT sets the session's cancel flag.
//!
//! At the prompt rustyline has the terminal in raw mode (Ctrl-C is a key, not a signal)
//! and swaps its own SIGINT handler in and out around `readline`, restoring this one.
//! While a statement runs the terminal is in cooked mode, the kernel turns Ctrl-C into
//! SIGINT, and this handler does the one async-signal-safe thing needed: an atomic store.
//! Rejected: the `ctrlc` crate (a thread and a pipe for what one `sigaction` does).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static CANCEL: OnceLock<Arc<AtomicBool>> = OnceLock::new();

extern "C" fn on_sigint(_signal: libc::c_int) {
    if let Some(flag) = CANCEL.get() {
        flag.store(true, Ordering::SeqCst);
    }
}

/// Installs the handler; later calls keep the first flag (one session per process).
pub fn install(flag: Arc<AtomicBool>) {
    let _ = CANCEL.set(flag);
    // SAFETY: the handler only loads a pointer set before installation and stores to an
    // atomic; the sigaction struct is fully initialised (zeroed, then the fields used).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        // Restart interrupted reads and waits (the pager, a history write) instead of
        // failing them with EINTR.
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}
