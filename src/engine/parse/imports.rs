//! What an import statement refers to, as `/`-separated module paths relative to the root
//! (relative imports joined to the importing file's folder), per language.

use tree_sitter::Node;

use super::{Collected, FileCtx, byte_range, node_text};
use crate::engine::lang::Lang;

/// What an `@import*` capture of `node` says: the module an import refers to (`import`,
/// Rust's `import.mod`), and the names it binds in the file, to a module (`import.module`)
/// or to what a module defines (`import.name`). A `require` call's binding is its declarator's
/// name (`const utils = require('./utils')`), read from the match's root's parent, which
/// costs nothing where a pattern rooted at every declarator costs on each.
pub(super) fn push_import(
    cname: &str,
    node: Node,
    (anchor, anchor_ancestors): (Node, &[Node]),
    cx: FileCtx,
    col: &mut Collected,
) {
    let FileCtx {
        lang, text, rel, ..
    } = cx;
    match cname {
        "import.module" => col.module_names.push(byte_range(node)),
        "import.name" => col.imported_names.push(byte_range(node)),
        _ => {
            let raw = node_text(node, text);
            for imp in import_paths(lang, rel, raw, cname == "import.mod") {
                col.imports.push(imp);
            }
            if lang == Lang::Go {
                let (s, e) = go_package_name(raw);
                col.module_names
                    .push((node.start_byte() + s, node.start_byte() + e));
            }
            let declarator = anchor_ancestors.last().filter(|p| {
                anchor.kind() == "call_expression" && p.kind() == "variable_declarator"
            });
            if let Some(name) = declarator
                .and_then(|d| d.child_by_field_name("name"))
                .filter(|n| n.kind() == "identifier")
            {
                col.imported_names.push(byte_range(name));
            }
        }
    }
}

/// Extensions a JavaScript or TypeScript import may name its file by.
const SCRIPT_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".vue", ".svelte",
];

/// Module paths an import statement refers to.
fn import_paths(lang: Lang, rel: &str, raw: &str, rust_mod: bool) -> Vec<String> {
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
