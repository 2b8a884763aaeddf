//! The server's names, their documentation and the VS Code manifest cannot drift apart: the
//! commands the server advertises, the notifications it sends and the settings it reads are
//! exactly the ones docs/lsp-extensions.md lists, and the VS Code extension contributes a
//! setting for each (its API key excepted: it lives in the editor's secret storage).

use std::collections::BTreeSet;
use std::path::PathBuf;

use potpie_lsp::config::SETTING_KEYS;
use potpie_lsp::lsp::ext;
use tower_lsp_server::ls_types::notification::Notification;

/// Settings the VS Code extension contributes for itself, never sent to the server.
const EDITOR_ONLY_SETTINGS: [&str; 1] = ["serverPath"];
/// Settings the server reads that VS Code keeps out of its settings, and why.
const NOT_IN_VSCODE_SETTINGS: [&str; 1] = ["apiKey"]; // secret storage

fn repo_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The backticked names in the first column of the table under the `## ` heading that starts
/// with `heading`.
fn first_column(markdown: &str, heading: &str) -> BTreeSet<String> {
    let mut lines = markdown
        .lines()
        .skip_while(|l| !l.starts_with(&format!("## {heading}")));
    assert!(lines.next().is_some(), "no \"## {heading}\" section");
    let mut names = BTreeSet::new();
    for line in lines.take_while(|l| !l.starts_with("## ")) {
        let Some(cell) = line.strip_prefix('|').and_then(|l| l.split('|').next()) else {
            continue;
        };
        names.extend(cell.split('`').skip(1).step_by(2).map(str::to_string));
    }
    names
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_string).collect()
}

#[test]
fn advertised_commands_are_the_documented_ones() {
    let documented = first_column(&repo_file("docs/lsp-extensions.md"), "Commands");
    assert_eq!(set(ext::COMMANDS), documented);
}

#[test]
fn sent_notifications_are_the_documented_ones() {
    let documented = first_column(&repo_file("docs/lsp-extensions.md"), "Notifications");
    let sent = set([
        ext::StatusNotification::METHOD,
        ext::AnswerChunk::METHOD,
        ext::CitationsMoved::METHOD,
    ]);
    assert_eq!(sent, documented);
}

#[test]
fn read_settings_are_the_documented_ones() {
    let documented = first_column(&repo_file("docs/lsp-extensions.md"), "Settings");
    assert_eq!(set(SETTING_KEYS), documented);
}

#[test]
fn vscode_contributes_a_setting_for_each_server_setting() {
    let manifest: serde_json::Value =
        serde_json::from_str(&repo_file("editors/code/package.json")).unwrap();
    let properties = manifest["contributes"]["configuration"]["properties"]
        .as_object()
        .expect("contributes.configuration.properties");
    let contributed: BTreeSet<String> = properties
        .keys()
        .filter_map(|k| k.strip_prefix("potpie."))
        .filter(|k| !EDITOR_ONLY_SETTINGS.contains(k))
        .map(str::to_string)
        .collect();
    let expected = set(SETTING_KEYS
        .into_iter()
        .filter(|k| !NOT_IN_VSCODE_SETTINGS.contains(k)));
    assert_eq!(contributed, expected);
}
