//! Short blocking work of a question (retrieval, citation resolution, answer files), run off
//! the event loop but only a few at a time.
//!
//! `spawn_blocking` starts a new thread whenever every blocking thread is busy, so fifty answers
//! finishing together started about fifty threads, which then competed with the event loop for
//! the machine's cores: a code action arriving meanwhile waited behind them. With one slot per
//! core the same work queues in order and the event loop keeps a core. Long jobs (building an
//! index) do not take a slot, so they never hold questions up.

use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;
use tokio::task::JoinError;

static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(slot_count())));

/// One slot per core, and at least two so one slow file read never holds every question up.
fn slot_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2)
}

/// Runs `work` on a blocking thread once a slot is free. The slot is held until `work` returns,
/// even if the caller stops waiting.
pub async fn run<T, F>(work: F) -> Result<T, JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // The semaphore is never closed; without a permit the work would merely run unthrottled.
    let permit = SLOTS.clone().acquire_owned().await.ok();
    tokio::task::spawn_blocking(move || {
        let result = work();
        drop(permit);
        result
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_at_most_one_job_per_slot_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..32)
            .map(|i| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                }))
            })
            .collect();
        let mut sum = 0;
        for job in jobs {
            sum += job.await.expect("task").expect("work");
        }
        assert_eq!(sum, (0..32).sum::<usize>(), "every job ran once");
        let slots = slot_count();
        assert!(
            most.load(Ordering::SeqCst) <= slots,
            "{} jobs ran at once with {slots} slots",
            most.load(Ordering::SeqCst)
        );
        assert!(most.load(Ordering::SeqCst) >= 1);
    }
}
