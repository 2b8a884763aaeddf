//! The command line: `ask` and `index` on the same code paths the LSP uses.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::answers::threads::ThreadStore;
use crate::backend::{self, Session};
use crate::config::{BackendChoice, Env, Settings, WireSettings};
use crate::engine::Index;
use crate::model::{AskEvent, ParseState, Question};

#[derive(Debug, Parser)]
#[command(
    name = "potpie-lsp",
    version,
    about = "Ask Potpie's agents, or the embedded offline engine, about a codebase — from any editor (LSP) or the shell."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Accepted for LSP clients that pass it (vscode-languageclient does); stdio is the only
    /// transport.
    #[arg(long, global = true, hide = true)]
    pub stdio: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve LSP over stdio (the default).
    Lsp,
    /// Ask one question about a codebase and print the answer with citations.
    Ask {
        /// The codebase (default: the current directory).
        #[arg(long)]
        root: Option<PathBuf>,
        /// The Potpie agent (default: codebase_qna_agent).
        #[arg(long)]
        agent: Option<String>,
        /// auto (Potpie when POTPIE_API_KEY is set, else local), potpie, or local.
        #[arg(long, default_value = "auto")]
        backend: BackendChoice,
        /// Print one JSON object instead of Markdown.
        #[arg(long)]
        json: bool,
        /// Continue a thread: its id, or `last` for the most recent one of this folder.
        #[arg(long, value_name = "ID|last")]
        thread: Option<String>,
        /// The question.
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Build (or refresh) the local index of a codebase and print what it found.
    Index {
        #[arg(long)]
        root: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Ignore the cached index and parse every file again.
        #[arg(long)]
        rebuild: bool,
    },
    /// Approve an origin to receive your Potpie (or LLM) key, for editors that cannot ask (Helix).
    /// Without an origin, lists the approved ones.
    Trust {
        /// The origin, e.g. https://potpie.example.com
        origin: Option<String>,
        /// Withdraw the approval of ORIGIN instead.
        #[arg(long)]
        revoke: bool,
    },
}

/// A failure of a CLI command: one line for stderr, exit status 1.
pub struct CliError(pub String);

fn resolve_root(root: Option<PathBuf>) -> Result<PathBuf, CliError> {
    let root = match root {
        Some(r) => r,
        None => std::env::current_dir()
            .map_err(|e| CliError(format!("cannot read the current directory: {e}")))?,
    };
    if !root.is_dir() {
        return Err(CliError(format!("{} is not a folder", root.display())));
    }
    std::fs::canonicalize(&root)
        .map_err(|e| CliError(format!("cannot open {}: {e}", root.display())))
}

/// `potpie-lsp ask`: what the command line gave.
pub struct AskCommand {
    pub root: Option<PathBuf>,
    pub agent: Option<String>,
    pub backend: BackendChoice,
    pub json: bool,
    pub thread: Option<String>,
    pub question: String,
}

pub async fn ask(cmd: AskCommand) -> Result<(), CliError> {
    let AskCommand {
        root,
        agent,
        backend: backend_choice,
        json: json_out,
        thread: thread_id,
        question,
    } = cmd;
    let root = resolve_root(root)?;
    if question.trim().is_empty() {
        return Err(CliError("the question is empty".into()));
    }
    let wire = WireSettings {
        backend: Some(backend_choice),
        agent,
        ..WireSettings::default()
    };
    let env = Env::from_process();
    let settings = Settings::resolve(&wire, &env);
    let store = ThreadStore::open(&settings.cache_dir, &root);
    let thread = match thread_id.as_deref() {
        Some(id) => store.find(id).map_err(|e| CliError(e.to_string()))?,
        None => None,
    };
    // A follow-up keeps talking to the thread's agent unless another is named.
    let agent = wire
        .agent
        .clone()
        .or_else(|| thread.as_ref().map(|t| t.agent.clone()))
        .unwrap_or_else(|| settings.agent.clone());
    let session =
        Session::new(&root, settings, &env.approvals()).map_err(|e| CliError(e.to_string()))?;
    prepare(&session).await?;
    let context = thread.as_ref().map(|t| {
        let mut ctx = ThreadStore::context(t, session.root());
        if t.agent != agent {
            ctx.conversation_id = None;
        }
        ctx
    });
    let q = Question {
        text: question.clone(),
        agent,
        selection: None,
        thread: context,
    };
    let mut out = std::io::stdout().lock();
    let (outcome, streamed) = answer(&session, q, (!json_out).then_some(&mut out)).await;
    let record = |answer: &crate::model::Answer| {
        let symbol_at = |rel: &str, s: u32, e: u32| session.symbol_at(rel, s, e);
        let delivered =
            crate::answers::deliver(None, &store, thread.clone(), &question, answer, &symbol_at);
        match delivered.thread {
            Ok(t) => Some(t.id),
            Err(e) => {
                tracing::warn!("the thread could not be saved: {e}");
                None
            }
        }
    };
    let answer = match outcome {
        Ok(a) => a,
        Err(backend::AskError::Interrupted { reason, partial }) => {
            let thread_id = record(&partial);
            if json_out {
                let _ = writeln!(out, "{}", answer_json(&partial, thread_id.as_deref()));
            }
            return Err(CliError(format!("the answer broke off part-way: {reason}")));
        }
        Err(e) => return Err(CliError(e.to_string())),
    };
    let thread_id = record(&answer);
    if json_out {
        let _ = writeln!(out, "{}", answer_json(&answer, thread_id.as_deref()));
    } else {
        print_answer(&mut out, &answer, streamed, thread_id.as_deref());
    }
    let _ = out.flush();
    Ok(())
}

/// Prepares the session, printing the remote parse's status lines to stderr.
async fn prepare(session: &Session) -> Result<(), CliError> {
    let mut status_rx = session.subscribe();
    let verbose_status = session.backend() == crate::model::BackendKind::Potpie;
    let status_printer = tokio::spawn(async move {
        let mut last = String::new();
        while status_rx.changed().await.is_ok() {
            let s = status_rx.borrow_and_update().clone();
            let line = s.message.unwrap_or_default();
            if verbose_status && line != last && s.state != ParseState::Error {
                eprintln!("potpie: {line}");
                last = line;
            }
        }
    });
    let status = session.prepare().await;
    status_printer.abort();
    if status.state == ParseState::Error {
        return Err(CliError(
            status
                .message
                .unwrap_or_else(|| "preparing the workspace failed".into()),
        ));
    }
    Ok(())
}

/// Asks `question`, writing the answer text to `stream` as it arrives (Ctrl-C cancels);
/// returns the outcome and whether any text was streamed.
async fn answer(
    session: &std::sync::Arc<Session>,
    question: Question,
    mut stream: Option<&mut std::io::StdoutLock<'_>>,
) -> (Result<crate::model::Answer, backend::AskError>, bool) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let task = {
        let session = session.clone();
        tokio::spawn(async move {
            session
                .ask(question, backend::new_answer_id(), tx, cancel)
                .await
        })
    };
    let mut streamed = false;
    while let Some(event) = rx.recv().await {
        if let (AskEvent::Chunk(delta), Some(out)) = (event, stream.as_mut()) {
            let _ = out.write_all(delta.as_bytes());
            let _ = out.flush();
            streamed = true;
        }
    }
    ctrl_c.abort();
    let outcome = task.await.unwrap_or_else(|e| {
        Err(backend::AskError::Invalid(format!(
            "the question stopped unexpectedly: {e}"
        )))
    });
    (outcome, streamed)
}

fn print_answer(
    out: &mut impl Write,
    answer: &crate::model::Answer,
    streamed: bool,
    thread_id: Option<&str>,
) {
    if !streamed {
        let _ = out.write_all(answer.markdown.as_bytes());
    }
    if !answer.markdown.ends_with('\n') {
        let _ = writeln!(out);
    }
    if !answer.citations.is_empty() {
        let _ = writeln!(out, "\nCitations:");
        for c in &answer.citations {
            let _ = writeln!(out, "  {}:{}-{}", c.rel_path, c.start_line, c.end_line);
        }
    }
    if let Some(id) = thread_id {
        let _ = writeln!(
            out,
            "\nThread {id}: follow up with `potpie-lsp ask --thread last …`"
        );
    }
}

/// `potpie-lsp trust [--revoke] [ORIGIN]`: the approvals file in the user's config directory.
pub fn trust(origin: Option<String>, revoke: bool) -> Result<(), CliError> {
    use crate::config::trust::{Purpose, TrustReason, Untrusted, check, origin_of};
    let env = Env::from_process();
    let approvals = env.approvals();
    let file = approvals
        .file()
        .map(|f| f.display().to_string())
        .ok_or_else(|| CliError("this system has no config directory to keep approvals in: set POTPIE_LSP_CONFIG_DIR".into()))?;
    let mut out = std::io::stdout().lock();
    let Some(origin) = origin else {
        if revoke {
            return Err(CliError("--revoke needs the origin to withdraw".into()));
        }
        let saved = approvals.saved();
        if saved.is_empty() {
            let _ = writeln!(out, "No approved origins ({file}).");
        }
        for o in saved {
            let _ = writeln!(out, "{o}");
        }
        return Ok(());
    };
    let origin = origin_of(&origin).map_err(|why| {
        CliError(format!(
            "{origin:?} is not an origin ({why}): give one such as https://host"
        ))
    })?;
    if revoke {
        let had = approvals
            .revoke(&origin)
            .map_err(|e| CliError(format!("cannot update {file}: {e}")))?;
        let _ = writeln!(
            out,
            "{}",
            if had {
                format!("Withdrew the approval of {origin}.")
            } else {
                format!("{origin} was not approved.")
            }
        );
        return Ok(());
    }
    match check(
        &origin,
        Purpose::Potpie,
        None,
        &crate::config::trust::Approvals::in_memory(),
    ) {
        Ok(t) if t.reason() != TrustReason::Approved => {
            let _ = writeln!(
                out,
                "{origin} needs no approval (the default service, or this machine)."
            );
            return Ok(());
        }
        Err(e @ Untrusted::PlainHttp { .. }) => return Err(CliError(e.to_string())),
        _ => {}
    }
    approvals
        .approve_always(&origin)
        .map_err(|e| CliError(format!("cannot write {file}: {e}")))?;
    let _ = writeln!(
        out,
        "Approved {origin}: potpie-lsp may send your Potpie or LLM key there (kept in {file}). Re-parse or restart the editor's server to use it."
    );
    Ok(())
}

fn answer_json(answer: &crate::model::Answer, thread_id: Option<&str>) -> String {
    json!({
        "threadId": thread_id,
        "backend": answer.backend.as_str(),
        "agent": answer.agent,
        "markdown": answer.markdown,
        "citations": answer.citations.iter().map(|c| json!({
            "path": c.rel_path,
            "startLine": c.start_line,
            "endLine": c.end_line,
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

pub fn index(root: Option<PathBuf>, json_out: bool, rebuild: bool) -> Result<(), CliError> {
    let root = resolve_root(root)?;
    // The same index the server uses (the cache the settings name).
    let cache = Settings::resolve(&WireSettings::default(), &Env::from_process()).index_dir();
    let started = Instant::now();
    let index = Index::open(&root, (!rebuild).then_some(cache.as_path()), &|_, _| {})
        .map_err(|e| CliError(format!("cannot index {}: {e}", root.display())))?;
    if rebuild {
        // A forced rebuild still refreshes the cache for the next run.
        if let Err(e) = index.save(&cache) {
            tracing::warn!("could not save the index: {e}");
        }
    }
    let mut stats = index.stats();
    stats.millis = started.elapsed().as_millis() as u64;
    let mut out = std::io::stdout().lock();
    if json_out {
        let _ = writeln!(out, "{}", serde_json::to_string(&stats).unwrap_or_default());
    } else {
        let _ = writeln!(
            out,
            "Indexed {} in {} ms: {} files ({} from cache), {} lines, {} symbols, {} edges",
            root.display(),
            stats.millis,
            stats.files,
            stats.reused,
            stats.lines,
            stats.symbols,
            stats.edges
        );
        for (lang, files) in &stats.languages {
            let _ = writeln!(out, "  {lang:<12} {files} files");
        }
    }
    Ok(())
}
