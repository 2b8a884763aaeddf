//! Threads: every answer belongs to one, and a follow-up continues it. Each thread is a JSON
//! file and a Markdown transcript in the cache (`<cache>/threads/<folder key>/`), so threads
//! outlive the server, and the CLI and every editor share them.
//!
//! Pruning rule (nothing grows without bound): a folder keeps its 100 most recently updated
//! threads, none older than 90 days since its last answer, and a thread keeps its last 50
//! answers. Pruning runs whenever a thread is written.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::citations::{self, Anchor, FileLines};
use crate::model::{Answer, BackendKind, EarlierTurn, SourceLocation, ThreadContext};

pub const MAX_THREADS: usize = 100;
pub const MAX_AGE: Duration = Duration::from_secs(90 * 24 * 3600);
pub const MAX_TURNS: usize = 50;

/// A thread as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    /// The first question's first line.
    pub title: String,
    pub agent: String,
    pub backend: BackendKind,
    /// The Potpie conversation follow-ups go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    pub updated_at: u64,
    pub turns: Vec<Turn>,
}

/// One question of a thread and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub answer_id: String,
    pub question: String,
    pub markdown: String,
    pub citations: Vec<Cited>,
    pub at: u64,
}

/// A citation of a turn: the file and where its code is (kept true as the code changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cited {
    pub rel_path: String,
    pub anchor: Anchor,
}

/// What `potpie.threads` lists of a thread.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadSummary {
    pub id: String,
    pub title: String,
    pub agent: String,
    pub backend: BackendKind,
    pub updated_at: u64,
    pub answers: usize,
    pub transcript: PathBuf,
}

/// Why a thread cannot be continued.
#[derive(Debug, thiserror::Error)]
pub enum ThreadError {
    #[error(
        "There is no thread {0:?} in this workspace folder: potpie.threads lists them, and \"last\" is the most recent one."
    )]
    Unknown(String),
    #[error("The thread could not be saved: {0}")]
    Io(#[from] std::io::Error),
}

/// The threads of one workspace folder.
#[derive(Debug, Clone)]
pub struct ThreadStore {
    dir: PathBuf,
    root: PathBuf,
}

/// Thread ids name files: only these characters, and not too long.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Milliseconds since the Unix epoch, never the same twice in a process, so threads written
/// one after the other always list in that order.
pub fn now() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = wall.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(p) => prev = p,
        }
    }
}

impl ThreadStore {
    pub fn open(cache_dir: &Path, root: &Path) -> ThreadStore {
        ThreadStore {
            dir: cache_dir
                .join("threads")
                .join(crate::config::cache_key_for_root(root)),
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn json_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    pub fn transcript_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.md"))
    }

    /// The thread `id`, or the most recent one for `"last"` (`None` when there is none yet).
    pub fn find(&self, id: &str) -> Result<Option<Thread>, ThreadError> {
        if id == "last" {
            return Ok(self.all().into_iter().next());
        }
        if !valid_id(id) {
            return Err(ThreadError::Unknown(id.chars().take(64).collect()));
        }
        match self.load(id) {
            Some(t) => Ok(Some(t)),
            None => Err(ThreadError::Unknown(id.to_string())),
        }
    }

    fn load(&self, id: &str) -> Option<Thread> {
        let bytes = std::fs::read(self.json_path(id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Every readable thread, most recently updated first.
    fn all(&self) -> Vec<Thread> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Thread> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let id = name.strip_suffix(".json")?;
                valid_id(id).then(|| self.load(id)).flatten()
            })
            .collect();
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        out
    }

    pub fn list(&self) -> Vec<ThreadSummary> {
        self.all()
            .into_iter()
            .map(|t| ThreadSummary {
                transcript: self.transcript_path(&t.id),
                id: t.id,
                title: t.title,
                agent: t.agent,
                backend: t.backend,
                updated_at: t.updated_at,
                answers: t.turns.len(),
            })
            .collect()
    }

    /// What a follow-up in `thread` carries to the backend.
    pub fn context(thread: &Thread, root: &Path) -> ThreadContext {
        ThreadContext {
            id: thread.id.clone(),
            conversation_id: thread.conversation_id.clone(),
            earlier: thread
                .turns
                .iter()
                .map(|t| EarlierTurn {
                    question: t.question.clone(),
                    citations: t
                        .citations
                        .iter()
                        .map(|c| SourceLocation {
                            path: root.join(&c.rel_path),
                            rel_path: c.rel_path.clone(),
                            start_line: c.anchor.start_line,
                            end_line: c.anchor.end_line,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Adds `answer` (to `question`) to `thread`, or to a new thread when `None`; saves it and
    /// its transcript, prunes the folder, and returns the thread.
    pub fn record(
        &self,
        thread: Option<Thread>,
        question: &str,
        answer: &Answer,
        cited: Vec<Cited>,
    ) -> Result<Thread, ThreadError> {
        let at = now();
        let mut thread = thread.unwrap_or_else(|| Thread {
            id: format!("t{}", answer.id),
            title: title_of(question),
            agent: answer.agent.clone(),
            backend: answer.backend,
            conversation_id: None,
            created_at: at,
            updated_at: at,
            turns: Vec::new(),
        });
        if answer.conversation_id.is_some() {
            thread.conversation_id = answer.conversation_id.clone();
        }
        thread.agent = answer.agent.clone();
        thread.backend = answer.backend;
        thread.updated_at = at.max(thread.updated_at);
        thread.turns.push(Turn {
            answer_id: answer.id.clone(),
            question: question.to_string(),
            markdown: answer.markdown.clone(),
            citations: cited,
            at,
        });
        if thread.turns.len() > MAX_TURNS {
            let extra = thread.turns.len() - MAX_TURNS;
            thread.turns.drain(..extra);
        }
        self.save(&thread)?;
        self.prune(&thread.id);
        Ok(thread)
    }

    fn save(&self, thread: &Thread) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let json = serde_json::to_vec(thread).unwrap_or_default();
        write_atomically(&self.json_path(&thread.id), &json)?;
        let transcript = render(thread, &self.root, &self.dir);
        write_atomically(&self.transcript_path(&thread.id), transcript.as_bytes())
    }

    /// Drops threads beyond the rule above (never `keep`, the one just written).
    fn prune(&self, keep: &str) {
        let cutoff = now().saturating_sub(MAX_AGE.as_millis() as u64);
        for (i, t) in self.all().into_iter().enumerate() {
            if t.id != keep && (i >= MAX_THREADS || t.updated_at < cutoff) {
                let _ = std::fs::remove_file(self.json_path(&t.id));
                let _ = std::fs::remove_file(self.transcript_path(&t.id));
            }
        }
    }

    /// Re-anchors the citations of the `changed` files (relative paths) to what they hold now
    /// and saves the threads whose citations moved or went stale; returns their ids. The
    /// threads are read once for all the files, and only cited files are read (by `read`, once
    /// each), so a checkout that touches hundreds of files costs one pass.
    pub fn reanchor_files(
        &self,
        changed: &[String],
        read: impl Fn(&str) -> Option<String>,
    ) -> Vec<String> {
        let mut threads = self.all();
        let cited: BTreeSet<&str> = threads
            .iter()
            .flat_map(|t| t.turns.iter().flat_map(|turn| turn.citations.iter()))
            .map(|c| c.rel_path.as_str())
            .filter(|rel| changed.iter().any(|c| c == rel))
            .collect();
        let texts: HashMap<String, String> = cited
            .into_iter()
            .filter_map(|rel| Some((rel.to_string(), read(rel)?)))
            .collect();
        let files: HashMap<&str, FileLines<'_>> = texts
            .iter()
            .map(|(rel, text)| (rel.as_str(), FileLines::new(text)))
            .collect();
        let mut saved = Vec::new();
        for thread in &mut threads {
            let mut moved = false;
            for c in thread.turns.iter_mut().flat_map(|t| t.citations.iter_mut()) {
                let Some(file) = files.get(c.rel_path.as_str()) else {
                    continue;
                };
                let now = c.anchor.reanchor_in(file);
                if now != c.anchor {
                    c.anchor = now;
                    moved = true;
                }
            }
            if moved && self.save(thread).is_ok() {
                saved.push(thread.id.clone());
            }
        }
        saved
    }
}

fn title_of(question: &str) -> String {
    let line = question.lines().next().unwrap_or("").trim();
    let title: String = line.chars().take(100).collect();
    if title.is_empty() {
        "Question".to_string()
    } else {
        title
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// The Markdown transcript of a thread living in `dir`: each question, its answer, and its
/// citations as links relative to `dir` (at where the code is now; stale ones struck through).
pub fn render(thread: &Thread, root: &Path, dir: &Path) -> String {
    let mut out = format!("# {}\n\n", thread.title);
    out.push_str(&format!(
        "_{} · {} · thread `{}` · {} answer{}_\n",
        match thread.backend {
            BackendKind::Potpie => "Potpie",
            BackendKind::Local => "local engine",
        },
        thread.agent,
        thread.id,
        thread.turns.len(),
        if thread.turns.len() == 1 { "" } else { "s" }
    ));
    for turn in &thread.turns {
        let question = turn.question.lines().next().unwrap_or("").trim();
        out.push_str(&format!("\n## {question}\n\n"));
        out.push_str(citations::linkify(&turn.markdown, root, dir).trim_end());
        out.push('\n');
        if !turn.citations.is_empty() {
            out.push_str("\n**Citations**\n\n");
            for (i, c) in turn.citations.iter().enumerate() {
                let loc = SourceLocation {
                    path: root.join(&c.rel_path),
                    rel_path: c.rel_path.clone(),
                    start_line: c.anchor.start_line,
                    end_line: c.anchor.end_line,
                };
                let link = format!(
                    "[{}]({})",
                    super::label(&loc),
                    super::link_target(dir, &loc)
                );
                if c.anchor.stale {
                    out.push_str(&format!(
                        "{}. ~~{link}~~ (changed since the answer)\n",
                        i + 1
                    ));
                } else {
                    out.push_str(&format!("{}. {link}\n", i + 1));
                }
            }
        }
    }
    out
}

/// `millis` since the Unix epoch as RFC 3339 in UTC, to the second (`2026-12-06T02:33:38Z`).
pub fn rfc3339(millis: u64) -> String {
    let secs = millis / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, markdown: &str, conversation: Option<&str>) -> Answer {
        Answer {
            id: id.into(),
            backend: BackendKind::Potpie,
            agent: "codebase_qna_agent".into(),
            markdown: markdown.into(),
            citations: Vec::new(),
            conversation_id: conversation.map(str::to_string),
        }
    }

    fn cited(text: &str, start: u32, end: u32) -> Cited {
        Cited {
            rel_path: "src/a.rs".into(),
            anchor: Anchor::new(text, start, end, None),
        }
    }

    #[test]
    fn a_thread_grows_survives_a_reopen_and_lists_most_recent_first() {
        let cache = tempfile::tempdir().unwrap();
        let ws = tempfile::tempdir().unwrap();
        let text = "fn a() {\n    1\n}\n";
        std::fs::create_dir_all(ws.path().join("src")).unwrap();
        std::fs::write(ws.path().join("src/a.rs"), text).unwrap();
        let store = ThreadStore::open(cache.path(), ws.path());
        let t = store
            .record(
                None,
                "Where is a?",
                &answer("1", "In `src/a.rs`.", Some("c1")),
                vec![cited(text, 1, 3)],
            )
            .unwrap();
        assert_eq!(t.conversation_id.as_deref(), Some("c1"));
        let other = store
            .record(
                None,
                "Something else",
                &answer("2", "No.", Some("c2")),
                vec![],
            )
            .unwrap();
        let again = ThreadStore::open(cache.path(), ws.path());
        let last = again.find("last").unwrap().unwrap();
        assert_eq!(last.id, other.id);
        let t = again.find(&t.id).unwrap().unwrap();
        let t = again
            .record(
                Some(t),
                "and who calls it?",
                &answer("3", "Nobody.", Some("c1")),
                vec![],
            )
            .unwrap();
        assert_eq!(t.turns.len(), 2);
        let listed = again.list();
        assert_eq!(
            listed[0].id, t.id,
            "a follow-up makes its thread the most recent"
        );
        assert_eq!(listed[0].answers, 2);
        let transcript = std::fs::read_to_string(&listed[0].transcript).unwrap();
        assert!(transcript.starts_with("# Where is a?"), "{transcript}");
        assert!(transcript.contains("## and who calls it?"));
        assert!(transcript.contains("src/a.rs#L1-L3)"), "{transcript}");
        let ctx = ThreadStore::context(&t, ws.path());
        assert_eq!(ctx.conversation_id.as_deref(), Some("c1"));
        assert_eq!(ctx.earlier[0].citations[0].start_line, 1);
    }

    #[test]
    fn unknown_and_hostile_ids_are_refused() {
        let cache = tempfile::tempdir().unwrap();
        let store = ThreadStore::open(cache.path(), Path::new("/w"));
        assert!(store.find("last").unwrap().is_none());
        for id in ["nope", "../../etc/passwd", "a/b", ""] {
            let e = store.find(id).unwrap_err().to_string();
            assert!(e.contains("potpie.threads"), "{e}");
        }
    }

    #[test]
    fn old_and_surplus_threads_and_turns_are_pruned() {
        let cache = tempfile::tempdir().unwrap();
        let store = ThreadStore::open(cache.path(), Path::new("/w"));
        let mut t = None;
        for i in 0..MAX_TURNS + 5 {
            t = Some(
                store
                    .record(
                        t,
                        &format!("q{i}"),
                        &answer(&format!("a{i}"), "x", None),
                        vec![],
                    )
                    .unwrap(),
            );
        }
        let t = t.unwrap();
        assert_eq!(t.turns.len(), MAX_TURNS);
        assert_eq!(t.turns[0].question, "q5");
        // An old thread goes at the next write.
        let mut old = t.clone();
        old.id = "told".into();
        old.updated_at = now() - MAX_AGE.as_millis() as u64 - 10;
        store.save(&old).unwrap();
        store
            .record(None, "new", &answer("n", "x", None), vec![])
            .unwrap();
        assert!(store.find("told").is_err());
        for i in 0..MAX_THREADS + 3 {
            store
                .record(None, "q", &answer(&format!("m{i}"), "x", None), vec![])
                .unwrap();
        }
        assert_eq!(store.list().len(), MAX_THREADS);
    }

    #[test]
    fn citations_follow_the_code_and_the_transcript_says_stale() {
        let cache = tempfile::tempdir().unwrap();
        let ws = tempfile::tempdir().unwrap();
        let text = "fn a() {\n    one();\n}\n\nfn b() {\n    two();\n}\n";
        let store = ThreadStore::open(cache.path(), ws.path());
        let t = store
            .record(
                None,
                "q",
                &answer("1", "x", None),
                vec![cited(text, 1, 3), cited(text, 5, 7)],
            )
            .unwrap();
        let edited = format!(
            "// new header\n\n{}",
            text.replace("fn b() {\n    two();\n}\n", "")
        );
        let changed = ["src/a.rs".to_string()];
        let read = |_: &str| Some(edited.clone());
        assert_eq!(store.reanchor_files(&changed, read), vec![t.id.clone()]);
        assert!(
            store.reanchor_files(&changed, read).is_empty(),
            "nothing moves twice"
        );
        let t = store.find(&t.id).unwrap().unwrap();
        let (a, b) = (
            &t.turns[0].citations[0].anchor,
            &t.turns[0].citations[1].anchor,
        );
        assert_eq!((a.start_line, a.end_line, a.stale), (3, 5, false));
        assert!(b.stale);
        let transcript = std::fs::read_to_string(store.transcript_path(&t.id)).unwrap();
        assert!(transcript.contains("src/a.rs#L3-L5)"), "{transcript}");
        assert!(
            transcript.contains("(changed since the answer)"),
            "{transcript}"
        );
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_524_418_999), "2026-12-06T02:33:38Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
