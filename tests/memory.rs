//! Memory that the data must not decide: a test binary of its own, because
//! it counts every allocation of the process (a global allocator) and must
//! not share the process with other tests.
//!
//! A quote left open runs its field to the end of the file. Before the fix,
//! every row read after it was copied with the reader's whole buffer, as long
//! as that field: a file of 2 500 lines of 100 bytes took 1.3 GB (rows ×
//! rest of the file), and a region's file would have needed hundreds of GB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the same layout goes to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SCHOOLS: &str = "school,name,municipality,kind\nedu000001,СОШ № 1,Северный район,СОШ\n";

/// Rows of a results file, each about 100 bytes: `rows` works of one cell.
fn results(rows: usize, open_quote_at: usize) -> String {
    let mut s = String::from("year,exam,subject,grade,school,class,student,primary,mark,comment\n");
    for i in 0..rows {
        let class = if i == open_quote_at { "\"4А" } else { "4А" };
        s += &format!(
            "2025,VPR,MA,4,edu000001,{class},{},{},{},просто длинный комментарий к работе\n",
            1000 + i,
            i % 10,
            2 + i % 4
        );
    }
    s
}

/// Loads a folder and returns the peak heap growth during loading.
fn peak_while_loading(results: &str) -> (usize, obektiv::load::Loaded) {
    let dir = std::env::temp_dir().join(format!("obektiv-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schools.csv"), SCHOOLS).unwrap();
    std::fs::write(dir.join("results.csv"), results).unwrap();
    let progress = obektiv::progress::Progress::new(false);
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let loaded = obektiv::load::load_folder(&dir, &progress).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    std::fs::remove_dir_all(&dir).unwrap();
    (peak, loaded)
}

#[test]
fn a_quote_left_open_costs_one_row_and_no_more_memory() {
    let rows = 2_500;
    let text = results(rows, 5);
    let (peak, loaded) = peak_while_loading(&text);
    // One row rejected (the quote's), the others read.
    assert_eq!(
        loaded.report.rejected.len(),
        1,
        "{:?}",
        loaded.report.rejected
    );
    assert_eq!(loaded.report.rejected[0].line, 7);
    assert_eq!(loaded.dataset.n_works(), rows - 1);
    // The file is 250 kB: a few copies of it and the batch buffers are a few
    // MB; the old copying took rows × the rest of the file (≈ 600 MB here).
    assert!(
        peak < 64 << 20,
        "loading {} kB took {} MB at its peak",
        text.len() >> 10,
        peak >> 20
    );
}
