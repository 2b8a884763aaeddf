//! Dev tool for the embedded engine, with the same `ask`/`index` surface as the real CLI:
//!
//! `engine_cli ask --backend local --root DIR --json QUESTION`
//! `engine_cli index --root DIR --json`
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

use potpie_lsp::engine::Index;

fn usage() -> ExitCode {
    eprintln!(
        "usage: engine_cli ask --backend local --root DIR --json QUESTION | engine_cli index --root DIR --json"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first().cloned() else {
        return usage();
    };
    let mut root: Option<PathBuf> = None;
    let mut rest: Vec<String> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--root" => {
                root = args.get(i + 1).map(PathBuf::from);
                i += 2;
                continue;
            }
            "--backend" => {
                if args.get(i + 1).map(String::as_str) != Some("local") {
                    return usage();
                }
                i += 2;
                continue;
            }
            "--json" => {}
            other => rest.push(other.to_string()),
        }
        i += 1;
    }
    let Some(root) = root else { return usage() };
    let cache = potpie_lsp::config::cache_root().join("index");
    let index = match Index::open(&root, Some(&cache), &|_, _| {}) {
        Ok(ix) => ix,
        Err(e) => {
            eprintln!("engine_cli: cannot index {}: {e}", root.display());
            return ExitCode::FAILURE;
        }
    };
    match cmd.as_str() {
        "index" => {
            println!(
                "{}",
                serde_json::to_string(&index.stats()).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        "ask" => {
            let question = rest.join(" ");
            if question.trim().is_empty() {
                return usage();
            }
            let ans = index.answer(&question, None);
            let citations: Vec<serde_json::Value> = ans
                .citations
                .iter()
                .map(|c| serde_json::json!({"path": c.path, "startLine": c.start_line, "endLine": c.end_line}))
                .collect();
            let out = serde_json::json!({
                "backend": "local",
                "agent": "codebase_qna_agent",
                "markdown": ans.markdown,
                "citations": citations,
            });
            println!("{out}");
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
