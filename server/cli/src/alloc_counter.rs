//! A global allocator wrapper that counts live heap bytes, so benchmarks can report real memory use
//! (e.g. bytes per account of the state tree) rather than estimates. It counts only once a
//! benchmark has called [`enable`]: every other command (the node above all) pays one relaxed
//! load per allocation and nothing else.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Start counting (bytes allocated before are not counted; measure differences).
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

fn on() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The system allocator, counting live bytes.
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to `System`; the counter only observes sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && on() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() && on() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if on() {
            // Saturating: memory allocated before counting started may be freed after.
            let _ = LIVE_BYTES
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(layout.size())));
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() && on() {
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
            let _ = LIVE_BYTES
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(layout.size())));
        }
        p
    }
}

/// Heap bytes currently allocated by the whole process.
pub fn live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}
