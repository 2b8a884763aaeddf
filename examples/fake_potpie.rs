//! Runs the fake Potpie server standalone, for editor end-to-end tests.
//!
//! ```text
//! cargo run --example fake_potpie -- --port 0 --key sk-... --answer-file answer.md --delay-ms 20 --ready-after 2
//! ```
//!
//! Prints `listening http://127.0.0.1:PORT` on stdout once it accepts connections, then serves
//! until killed (or Ctrl-C).

use potpie_test_support::fake_potpie;

use std::io::Write;
use std::time::Duration;

use fake_potpie::FakeConfig;

fn usage(problem: &str) -> ! {
    eprintln!("fake_potpie: {problem}");
    eprintln!(
        "usage: fake_potpie [--port N] [--key sk-...] [--answer-file F] [--delay-ms N] [--ready-after N]"
    );
    std::process::exit(2);
}

fn parse_args() -> FakeConfig {
    let mut cfg = FakeConfig::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--port" => {
                cfg = cfg.port(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--port takes a number")),
                )
            }
            "--key" => cfg = cfg.key(&value()),
            "--answer-file" => {
                let path = value();
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| usage(&format!("cannot read {path}: {e}")));
                cfg = cfg.answer_text(&text);
            }
            "--delay-ms" => {
                let ms: u64 = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--delay-ms takes a number"));
                cfg = cfg.chunk_delay(Duration::from_millis(ms));
            }
            "--ready-after" => {
                cfg = cfg.ready_after(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--ready-after takes a number")),
                )
            }
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    cfg
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cfg = parse_args();
    let fake = cfg.start().await;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening {}", fake.url());
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    drop(fake);
}
