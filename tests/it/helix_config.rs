//! The Helix setup in `editors/helix/` must be valid and must not take servers away from users.
//!
//! The real Helix runs in `tests/editors_helix.sh` (tmux, on a git checkout of flask), which
//! also compares the snippet with the servers that Helix build ships. These checks need no
//! Helix at all, so they run in every `cargo test`: the snippet parses, defines
//! `[language-server.potpie]`, its `config` is settings the server accepts, every language that
//! adds potpie still lists the servers Helix 25.07 ships for it (listing `language-servers`
//! replaces Helix's defaults, and a missing server is skipped silently, so nothing on screen
//! would show the loss), and the README's TOML parses.

use std::path::PathBuf;

use potpie_lsp::config::WireSettings;

/// `language-servers` of Helix 25.07.1's built-in `languages.toml` for every language the
/// snippet may touch. A language added to the snippet must be added here with its defaults.
const HELIX_25_07_DEFAULTS: &[(&str, &[&str])] = &[
    ("rust", &["rust-analyzer"]),
    ("python", &["ty", "ruff", "jedi", "pylsp"]),
    ("javascript", &["typescript-language-server"]),
    ("jsx", &["typescript-language-server"]),
    ("typescript", &["typescript-language-server"]),
    ("tsx", &["typescript-language-server"]),
    ("go", &["gopls", "golangci-lint-lsp"]),
    ("java", &["jdtls"]),
    ("c", &["clangd"]),
    ("cpp", &["clangd"]),
    ("c-sharp", &["omnisharp"]),
    ("ruby", &["ruby-lsp", "solargraph"]),
    ("php", &["intelephense"]),
    ("kotlin", &["kotlin-language-server"]),
    ("swift", &["sourcekit-lsp"]),
    ("scala", &["metals"]),
    ("lua", &["lua-language-server"]),
    ("bash", &["bash-language-server"]),
    ("zig", &["zls"]),
    ("elixir", &["elixir-ls"]),
    ("haskell", &["haskell-language-server"]),
    ("markdown", &["marksman", "markdown-oxide"]),
    ("toml", &["taplo", "tombi"]),
    ("yaml", &["yaml-language-server", "ansible-language-server"]),
    ("json", &["vscode-json-language-server"]),
    ("dart", &["dart"]),
    ("ocaml", &["ocamllsp"]),
    ("ocaml-interface", &["ocamllsp"]),
    ("vue", &["vuels"]),
    ("svelte", &["svelteserver"]),
    ("clojure", &["clojure-lsp"]),
    ("r", &["r"]),
    ("perl", &["perlnavigator"]),
    ("julia", &["julia"]),
    ("erlang", &["erlang-ls", "elp"]),
    ("elm", &["elm-language-server"]),
    ("fsharp", &["fsharp-ls"]),
    ("nim", &["nimlangserver"]),
    ("solidity", &["solc"]),
    ("elisp", &[]),
    ("common-lisp", &["cl-lsp"]),
    ("scheme", &[]),
    ("racket", &["racket"]),
    ("protobuf", &["buf", "pbkit", "protols"]),
    ("thrift", &[]),
    ("graphql", &["graphql-language-service"]),
    ("nix", &["nil", "nixd"]),
];

fn helix_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("editors/helix")
}

fn snippet() -> toml::Table {
    let path = helix_dir().join("languages.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()))
}

fn potpie_server(table: &toml::Table) -> &toml::Table {
    table
        .get("language-server")
        .and_then(|v| v.as_table())
        .and_then(|servers| servers.get("potpie"))
        .and_then(|v| v.as_table())
        .expect("the snippet defines [language-server.potpie]")
}

/// The server names of a `language-servers` list; entries are names or `{ name = … }` tables.
fn server_names(list: &toml::Value) -> Vec<String> {
    let items = list.as_array().expect("language-servers is an array");
    items
        .iter()
        .map(|item| match item {
            toml::Value::String(s) => s.clone(),
            toml::Value::Table(t) => t
                .get("name")
                .and_then(|n| n.as_str())
                .expect("a language-servers table entry has a name")
                .to_string(),
            other => panic!("unexpected language-servers entry {other}"),
        })
        .collect()
}

fn languages(table: &toml::Table) -> Vec<&toml::Table> {
    table
        .get("language")
        .and_then(|v| v.as_array())
        .expect("the snippet has [[language]] entries")
        .iter()
        .map(|l| l.as_table().expect("[[language]] is a table"))
        .collect()
}

#[test]
fn language_server_potpie_runs_potpie_lsp() {
    let table = snippet();
    let server = potpie_server(&table);
    assert_eq!(
        server.get("command").and_then(|v| v.as_str()),
        Some("potpie-lsp")
    );
    if let Some(args) = server.get("args") {
        let args = args.as_array().expect("args is an array");
        assert!(
            args.iter()
                .all(|a| matches!(a.as_str(), Some("lsp") | Some("--stdio"))),
            "the server speaks LSP on stdio with no arguments (or `lsp`), not {args:?}"
        );
    }
    // Helix's per-request timeout defaults to 20 s and is never cancelled; a shorter one
    // would cut answers off earlier still.
    let timeout = server
        .get("timeout")
        .map(|t| {
            t.as_integer()
                .expect("timeout is an integer number of seconds")
        })
        .unwrap_or(20);
    assert!(timeout >= 20, "timeout {timeout} is below Helix's default");
}

#[test]
fn potpie_config_is_settings_the_server_accepts() {
    let table = snippet();
    let config = potpie_server(&table)
        .get("config")
        .expect("[language-server.potpie.config] holds the settings");
    let json = serde_json::to_value(config).expect("TOML config converts to JSON");
    let (settings, warnings) = WireSettings::from_json(&json);
    assert!(
        warnings.is_empty(),
        "the server rejects part of the config: {warnings:?}"
    );
    let object = json.as_object().expect("config is a table");
    for key in object.keys() {
        assert!(
            potpie_lsp::config::SETTING_KEYS.contains(&key.as_str()),
            "unknown setting {key:?}"
        );
    }
    // Helix ignores executeCommand results: without the answer file and the hints the
    // user would see nothing.
    assert_ne!(
        settings.open_answers,
        Some(false),
        "openAnswers must stay on"
    );
    assert_ne!(settings.hints, Some(false), "hints must stay on");
    assert!(
        !object.contains_key("apiKey"),
        "the documented snippet must not carry an API key"
    );
}

#[test]
fn every_language_keeps_its_default_servers() {
    let table = snippet();
    let langs = languages(&table);
    assert!(langs.len() >= 8, "the common languages are covered");
    let mut seen = std::collections::HashSet::new();
    for lang in langs {
        let name = lang
            .get("name")
            .and_then(|n| n.as_str())
            .expect("every [[language]] has a name");
        assert!(seen.insert(name), "{name} is listed twice");
        // anything else would override Helix's own definition of the language
        for key in lang.keys() {
            assert!(
                key == "name" || key == "language-servers",
                "[[language]] {name} sets {key}; the snippet should only add servers"
            );
        }
        let servers = server_names(
            lang.get("language-servers")
                .unwrap_or_else(|| panic!("{name} has language-servers")),
        );
        assert!(
            servers.iter().any(|s| s == "potpie"),
            "{name} does not list potpie"
        );
        let defaults = HELIX_25_07_DEFAULTS
            .iter()
            .find(|(lang, _)| *lang == name)
            .map(|(_, d)| *d)
            .unwrap_or_else(|| {
                panic!("{name}: add Helix's default language-servers to HELIX_25_07_DEFAULTS")
            });
        let without_potpie: Vec<&str> = servers
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "potpie")
            .collect();
        assert_eq!(
            without_potpie, defaults,
            "{name} must keep Helix's default servers, in order, next to potpie"
        );
        assert_eq!(
            servers.last().map(String::as_str),
            Some("potpie"),
            "{name}: potpie goes last so the language's own code actions come first"
        );
    }
}

#[test]
fn toml_blocks_in_the_readme_parse() {
    let path = helix_dir().join("README.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut blocks = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + "```toml\n".len()..];
        let end = body.find("```").expect("a ```toml block is closed");
        if let Err(e) = body[..end].parse::<toml::Table>() {
            panic!(
                "TOML block {} of the README does not parse: {e}",
                blocks + 1
            );
        }
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks > 0, "the README shows its TOML");
}

/// The top README's Helix section shows a block a new user copies: it must say what the
/// snippet says.
#[test]
fn the_top_readme_helix_block_is_the_snippet() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    let section = text
        .split("\n### Helix")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("the README has a Helix section");
    let start = section.find("```toml\n").expect("with a TOML block") + "```toml\n".len();
    let body = &section[start..];
    let block: toml::Table = body[..body.find("```").expect("closed")]
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n")
        .parse()
        .expect("the README's Helix block parses");
    let snippet = snippet();
    let (ours, theirs) = (potpie_server(&block), potpie_server(&snippet));
    for key in ["command", "timeout"] {
        assert_eq!(ours.get(key), theirs.get(key), "README vs snippet: {key}");
    }
    for lang in languages(&block) {
        let name = lang.get("name").and_then(|n| n.as_str()).unwrap();
        let same = languages(&snippet)
            .into_iter()
            .find(|l| l.get("name").and_then(|n| n.as_str()) == Some(name))
            .unwrap_or_else(|| panic!("{name} is not in the snippet"));
        assert_eq!(
            lang.get("language-servers"),
            same.get("language-servers"),
            "README vs snippet: {name}"
        );
    }
}
