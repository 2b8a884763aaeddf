use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use potpie_lsp::cli::{self, Cli, CliError, Command};
use potpie_lsp::config::Env;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Lsp);
    potpie_lsp::logging::init(match command {
        Command::Lsp => "warn",
        _ => "error",
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("potpie-lsp: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result: Result<(), CliError> = match command {
        Command::Lsp => {
            runtime.block_on(async {
                let (input, output) = potpie_lsp::lsp::stdio::stdio();
                potpie_lsp::lsp::serve(input, output, Env::from_process()).await
            });
            Ok(())
        }
        Command::Ask {
            root,
            agent,
            backend,
            json,
            thread,
            question,
        } => runtime.block_on(cli::ask(cli::AskCommand {
            root,
            agent,
            backend,
            json,
            thread,
            question: question.join(" "),
        })),
        Command::Index {
            root,
            json,
            rebuild,
        } => cli::index(root, json, rebuild),
        Command::Trust { origin, revoke } => cli::trust(origin, revoke),
    };
    // Questions or indexing still running must not keep the process alive after `exit`.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("potpie-lsp: {message}");
            ExitCode::from(1)
        }
    }
}
