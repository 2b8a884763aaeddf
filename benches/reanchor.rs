//! Living citations: how long re-anchoring an edited file's citations takes.
//!
//! A 5,000-line Rust-like file with 20 cited functions; each edit (lines inserted above,
//! an edit inside every cited function, the file's functions shuffled, half the cited
//! functions deleted) re-anchors all 20 citations against the new text. Target: ≤ 5 ms.
//!
//! Run: `cargo bench --bench reanchor`
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::time::{Duration, Instant};

use potpie_lsp::citations::{Anchor, FileLines};

const FUNCTIONS: usize = 250;
const LINES_PER_FUNCTION: usize = 20;
const CITED: usize = 20;

fn function(i: usize) -> String {
    let mut f = format!(
        "/// Handles case {i}.\npub fn handle_{i}(input: &Input) -> Result<Output, Error> {{\n"
    );
    for k in 0..LINES_PER_FUNCTION - 3 {
        f.push_str(&format!(
            "    let step_{k} = input.value({i}, {k}).map_err(Error::from)?;\n"
        ));
    }
    f.push_str("}\n");
    f
}

fn file(order: &[usize], edit_inside: bool, deleted: &[usize]) -> String {
    order
        .iter()
        .filter(|i| !deleted.contains(i))
        .map(|&i| {
            let f = function(i);
            if edit_inside {
                f.replace(
                    "    let step_3 ",
                    "    tracing::debug!(\"step 3\");\n    let step_3 ",
                )
            } else {
                f
            }
        })
        .collect()
}

/// Median and worst of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[runs / 2], all[runs - 1])
}

fn main() {
    let order: Vec<usize> = (0..FUNCTIONS).collect();
    let original = file(&order, false, &[]);
    let lines = original.lines().count();
    let cited: Vec<usize> = (0..CITED).map(|k| k * FUNCTIONS / CITED + 3).collect();
    let anchors: Vec<Anchor> = cited
        .iter()
        .map(|&i| {
            let start = (i * LINES_PER_FUNCTION + 2) as u32;
            Anchor::new(
                &original,
                start,
                start + LINES_PER_FUNCTION as u32 - 2,
                Some(format!("handle_{i}")),
            )
        })
        .collect();
    let mut shuffled = order.clone();
    shuffled.reverse();
    let edits = [
        (
            "lines inserted above",
            format!("// a\n// b\n// c\n{original}"),
        ),
        (
            "an edit inside each cited function",
            file(&order, true, &[]),
        ),
        ("every function moved", file(&shuffled, false, &[])),
        (
            "half the cited functions deleted",
            file(&order, false, &cited[..CITED / 2]),
        ),
    ];
    println!("re-anchoring {CITED} citations in a {lines}-line file (median / worst of 200 runs)");
    for (what, text) in &edits {
        let mut stale = 0;
        let (median, worst) = time(200, || {
            let file = FileLines::new(text);
            stale = anchors
                .iter()
                .filter(|a| a.reanchor_in(&file).stale)
                .count();
        });
        println!(
            "  {what:<38} {:>8.3} ms / {:>8.3} ms   stale {stale}",
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
}
