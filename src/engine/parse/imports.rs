//! What an import statement refers to, as `/`-separated module paths relative to the root
//! (relative imports joined to the importing file's folder), per language.

use crate::engine::lang::Lang;

/// Extensions a JavaScript or TypeScript import may name its file by.
const SCRIPT_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".vue", ".svelte",
];

/// Module paths an import statement refers to.
pub(super) fn import_paths(lang: Lang, rel: &str, raw: &str, rust_mod: bool) -> Vec<String> {
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let join = |base: &str, tail: &str| -> String {
        let mut segs: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
        for s in tail.split('/') {
            match s {
                "" | "." => {}
                ".." => {
                    segs.pop();
                }
                s => segs.push(s),
            }
        }
        segs.join("/")
    };
    match lang {
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            if raw.starts_with('.') {
                // ES modules name the file (`./utils.js`, `./Input.vue`); a module path has
                // no extension.
                let file = SCRIPT_EXTENSIONS
                    .iter()
                    .find_map(|ext| raw.strip_suffix(ext))
                    .unwrap_or(raw);
                vec![join(dir, file)]
            } else {
                vec![raw.to_string()]
            }
        }
        Lang::Python => {
            let dots = raw.chars().take_while(|c| *c == '.').count();
            let rest = raw[dots..].replace('.', "/");
            if dots == 0 {
                vec![rest]
            } else {
                let mut base = dir.to_string();
                for _ in 1..dots {
                    base = base
                        .rsplit_once('/')
                        .map(|(d, _)| d.to_string())
                        .unwrap_or_default();
                }
                vec![join(&base, &rest)]
            }
        }
        Lang::Rust => {
            if rust_mod {
                let stem = rel.rsplit_once('/').map(|(_, f)| f).unwrap_or(rel);
                let here = if matches!(stem, "mod.rs" | "lib.rs" | "main.rs") {
                    dir.to_string()
                } else {
                    join(dir, stem.trim_end_matches(".rs"))
                };
                return vec![join(&here, raw)];
            }
            let flat: String = raw.split_whitespace().collect();
            let (prefix, items) = match flat.split_once('{') {
                Some((p, rest)) => {
                    let inner = rest.trim_end_matches('}');
                    let items: Vec<String> = if inner.contains('{') {
                        Vec::new()
                    } else {
                        inner
                            .split(',')
                            .map(|s| s.split("as").next().unwrap_or(s).to_string())
                            .collect()
                    };
                    (p.trim_end_matches("::").to_string(), items)
                }
                None => (flat.clone(), Vec::new()),
            };
            let norm = |p: &str| -> String {
                let mut segs: Vec<&str> = Vec::new();
                let mut base: Vec<&str> = Vec::new();
                for (i, s) in p.split("::").enumerate() {
                    match s {
                        "crate" | "self" if i == 0 => {}
                        "super" => {
                            if base.is_empty() {
                                base = dir.split('/').collect();
                            }
                            base.pop();
                        }
                        "" | "*" => {}
                        s => segs.push(s),
                    }
                }
                let mut all = base;
                all.extend(segs);
                all.join("/")
            };
            let mut v = vec![norm(&prefix)];
            for it in items {
                let it = it.trim();
                if !it.is_empty() && it != "self" {
                    v.push(norm(&format!("{prefix}::{it}")));
                }
            }
            v
        }
        Lang::Go | Lang::C | Lang::Cpp => {
            let t = raw.trim_matches(|c| c == '"' || c == '<' || c == '>');
            if matches!(lang, Lang::C | Lang::Cpp) {
                vec![
                    join(dir, t.rsplit_once('.').map(|(a, _)| a).unwrap_or(t)),
                    t.to_string(),
                ]
            } else {
                vec![t.to_string()]
            }
        }
        Lang::Java => vec![raw.replace('.', "/")],
        // No grammar, so no import is ever captured.
        Lang::Text => Vec::new(),
    }
}

/// The bytes of `path` (a Go import's quoted path) that name the package it binds when the
/// import gives no name: its last segment, less a major version (`validator/v10`,
/// `yaml.v3`) and a `go-` prefix (`go-isatty`).
pub(super) fn go_package_name(path: &str) -> (usize, usize) {
    let inner = path.trim_end_matches('"');
    let mut end = inner.len();
    let mut start = inner[..end].rfind('/').map_or(0, |p| p + 1);
    let is_version = |seg: &str| {
        seg.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if is_version(&inner[start..end]) && start > 1 {
        end = start - 1;
        start = inner[..end].rfind('/').map_or(0, |p| p + 1);
    }
    start += usize::from(inner[start..end].starts_with('"'));
    if let Some(dot) = inner[start..end].rfind('.')
        && is_version(&inner[start + dot + 1..end])
    {
        end = start + dot;
    }
    if inner[start..end].starts_with("go-") {
        start += 3;
    }
    (start, end)
}
