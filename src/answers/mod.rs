//! What an answer leaves behind, for every front end (the LSP and the CLI): its Markdown answer
//! file in `answersDir`, with citations as links relative to the file so that any editor can
//! open it and follow them; its turn in its thread ([`threads`]); and its citations anchored
//! to the code they cite, so they can follow it as it changes.
//!
//! Invariants: files are written only inside the answers folder, under names the server
//! chooses (`<answer id>.md`), by writing a temporary file and renaming it, so no reader ever
//! sees half an answer.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub mod threads;

use crate::citations::{self, Anchor};
use crate::config::Settings;
use crate::model::{Answer, SourceLocation};
use threads::{Cited, Thread, ThreadStore};

/// The default answers folder of a workspace root: inside the cache directory.
pub fn default_dir(cache_dir: &Path, root: &Path) -> PathBuf {
    cache_dir
        .join("answers")
        .join(crate::config::cache_key_for_root(root))
}

/// Where answers about `root` are written: `answersDir` (relative to the root when relative),
/// else a folder of the cache.
pub fn dir_for(settings: &Settings, root: &Path) -> PathBuf {
    match &settings.answers_dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => root.join(d),
        None => default_dir(&settings.cache_dir, root),
    }
}

/// A citation placed in its file: where, what it remembers of the code, and the file's text
/// as read (front ends that need columns use it).
#[derive(Debug, Clone)]
pub struct Placed {
    pub location: SourceLocation,
    pub anchor: Anchor,
    pub text: Option<Arc<String>>,
}

/// What [`deliver`] wrote and found.
#[derive(Debug)]
pub struct Delivered {
    /// The answer file, when one was asked for; `Err` says why it could not be written.
    pub answer_file: Option<Result<PathBuf, String>>,
    /// The thread the answer now belongs to; `Err` says why it could not be saved.
    pub thread: Result<Thread, String>,
    pub placed: Vec<Placed>,
}

/// Leaves an answer behind (blocking: file I/O): the answer file in `answers_dir` when given,
/// the turn in `thread` (a new thread when `None`) with its transcript, and each citation
/// anchored to the lines it cites. `symbol_at(rel_path, start, end)` names the definition
/// there, so a citation can find its code again when the lines around it change.
pub fn deliver(
    answers_dir: Option<&Path>,
    store: &ThreadStore,
    thread: Option<Thread>,
    question: &str,
    answer: &Answer,
    symbol_at: &dyn Fn(&str, u32, u32) -> Option<String>,
) -> Delivered {
    let answer_file = answers_dir.map(|dir| {
        write(dir, store.root(), question, answer)
            .map_err(|e| format!("could not write the answer file in {}: {e}", dir.display()))
    });
    let mut texts: BTreeMap<PathBuf, Option<Arc<String>>> = BTreeMap::new();
    let placed: Vec<Placed> = answer
        .citations
        .iter()
        .map(|c| {
            let text = texts
                .entry(c.path.clone())
                .or_insert_with(|| std::fs::read_to_string(&c.path).ok().map(Arc::new))
                .clone();
            let symbol = symbol_at(&c.rel_path, c.start_line, c.end_line);
            let anchor = Anchor::new(
                text.as_deref().map(String::as_str).unwrap_or(""),
                c.start_line,
                c.end_line,
                symbol,
            );
            Placed {
                location: c.clone(),
                anchor,
                text,
            }
        })
        .collect();
    let cited = placed
        .iter()
        .map(|p| Cited {
            rel_path: p.location.rel_path.clone(),
            anchor: p.anchor.clone(),
        })
        .collect();
    let thread = store
        .record(thread, question, answer, cited)
        .map_err(|e| e.to_string());
    Delivered {
        answer_file,
        thread,
        placed,
    }
}

/// Writes `answer` (asked as `question`, about `root`) into `dir`; returns the file's path.
pub fn write(dir: &Path, root: &Path, question: &str, answer: &Answer) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let dir = std::fs::canonicalize(dir)?;
    let name: String = answer
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let path = dir.join(format!("answer-{name}.md"));
    let text = render(&dir, root, question, answer);
    let tmp = dir.join(format!(".answer-{name}.md.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// The Markdown of an answer file living in `dir`.
pub fn render(dir: &Path, root: &Path, question: &str, answer: &Answer) -> String {
    let mut out = String::new();
    let title = question.lines().next().unwrap_or("").trim();
    out.push_str(&format!(
        "# {}\n\n",
        if title.is_empty() { "Answer" } else { title }
    ));
    out.push_str(&format!(
        "_{} · {}_\n\n",
        match answer.backend {
            crate::model::BackendKind::Potpie => "Potpie",
            crate::model::BackendKind::Local => "local engine",
        },
        answer.agent
    ));
    out.push_str(citations::linkify(&answer.markdown, root, dir).trim_end());
    out.push('\n');
    if !answer.citations.is_empty() {
        out.push_str("\n## Citations\n\n");
        for (i, c) in answer.citations.iter().enumerate() {
            out.push_str(&format!(
                "{}. [{}]({})\n",
                i + 1,
                label(c),
                link_target(dir, c)
            ));
        }
    }
    out
}

pub(crate) fn label(c: &SourceLocation) -> String {
    if c.start_line == c.end_line {
        format!("{}:{}", c.rel_path, c.start_line)
    } else {
        format!("{}:{}-{}", c.rel_path, c.start_line, c.end_line)
    }
}

/// A relative link from the answers folder to a cited range (`#L12-L30`, GitHub style).
pub fn link_target(dir: &Path, c: &SourceLocation) -> String {
    let rel = relative_path(dir, &c.path);
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let encoded: String = rel
        .chars()
        .map(|ch| match ch {
            ' ' => "%20".to_string(),
            '(' => "%28".to_string(),
            ')' => "%29".to_string(),
            _ => ch.to_string(),
        })
        .collect();
    if c.start_line == c.end_line {
        format!("{encoded}#L{}", c.start_line)
    } else {
        format!("{encoded}#L{}-L{}", c.start_line, c.end_line)
    }
}

/// `to` relative to the directory `from` (both absolute).
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_c[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BackendKind;

    #[test]
    fn relative_paths_climb_out_of_the_answers_folder() {
        let p = relative_path(
            Path::new("/home/u/.cache/p/answers/ws"),
            Path::new("/home/u/src/app/main.rs"),
        );
        assert_eq!(p, PathBuf::from("../../../../src/app/main.rs"));
    }

    #[test]
    fn answer_file_is_complete_and_inside_the_folder() {
        let ws = tempfile::tempdir().unwrap();
        let answers = tempfile::tempdir().unwrap();
        let file = ws.path().join("src/lib.rs");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "fn a() {}\n").unwrap();
        let answer = Answer {
            id: "abc-1/../../evil".into(),
            backend: BackendKind::Local,
            agent: "codebase_qna_agent".into(),
            markdown: "It is in `src/lib.rs`.".into(),
            citations: vec![SourceLocation {
                path: std::fs::canonicalize(&file).unwrap(),
                rel_path: "src/lib.rs".into(),
                start_line: 1,
                end_line: 1,
            }],
            conversation_id: None,
        };
        let written = write(answers.path(), ws.path(), "Where is a?", &answer).unwrap();
        assert!(written.starts_with(std::fs::canonicalize(answers.path()).unwrap()));
        assert_eq!(written.file_name().unwrap(), "answer-abc-1evil.md");
        let text = std::fs::read_to_string(&written).unwrap();
        assert!(text.starts_with("# Where is a?"));
        assert!(text.contains("## Citations"));
        assert!(text.contains("src/lib.rs#L1)"), "{text}");
        // no temp file left behind
        let names: Vec<_> = std::fs::read_dir(answers.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
