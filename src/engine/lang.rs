//! Supported languages: file extensions, grammars and our per-language patterns
//! (`queries/*.scm`), each read once per process; and `Text`, the source languages we have no
//! grammar for, whose definitions `parse/text.rs` reads from their lines.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tree_sitter::Language;

use super::refpat::{self, BindPattern, DefPattern, RefPattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Java,
    C,
    Cpp,
    /// Source in a language without a grammar here (Ruby, PHP, C#, Kotlin, Swift, shell …):
    /// its definitions are read from its lines (`parse/text.rs`), and a file without any is
    /// cited by the lines that match a question best.
    Text,
}

/// The languages with a grammar.
pub const ALL: [Lang; 9] = [
    Lang::Rust,
    Lang::Python,
    Lang::JavaScript,
    Lang::TypeScript,
    Lang::Tsx,
    Lang::Go,
    Lang::Java,
    Lang::C,
    Lang::Cpp,
];

/// Extensions of the languages with a grammar here.
const GRAMMAR_EXTENSIONS: &[(&str, Lang)] = &[
    ("rs", Lang::Rust),
    ("py", Lang::Python),
    ("pyi", Lang::Python),
    ("pyw", Lang::Python),
    // Starlark, Bazel's and Buck's build language, is Python's syntax: its `.bzl` files
    // define the rules and macros a build uses, with docstrings.
    ("bzl", Lang::Python),
    ("js", Lang::JavaScript),
    ("mjs", Lang::JavaScript),
    ("cjs", Lang::JavaScript),
    ("jsx", Lang::JavaScript),
    ("ts", Lang::TypeScript),
    ("mts", Lang::TypeScript),
    ("cts", Lang::TypeScript),
    ("tsx", Lang::Tsx),
    ("go", Lang::Go),
    ("java", Lang::Java),
    ("c", Lang::C),
    ("h", Lang::C),
    ("cc", Lang::Cpp),
    ("cpp", Lang::Cpp),
    ("cxx", Lang::Cpp),
    ("hpp", Lang::Cpp),
    ("hh", Lang::Cpp),
    ("hxx", Lang::Cpp),
    ("c++", Lang::Cpp),
    ("h++", Lang::Cpp),
    // Template and inline implementations included by headers, C++20 modules, CUDA (C++
    // with kernel launches, which the grammar reads around) and Arduino sketches.
    ("ipp", Lang::Cpp),
    ("tpp", Lang::Cpp),
    ("inl", Lang::Cpp),
    ("cppm", Lang::Cpp),
    ("ixx", Lang::Cpp),
    ("cu", Lang::Cpp),
    ("cuh", Lang::Cpp),
    ("ino", Lang::Cpp),
];

/// Extensions of the source languages without a grammar here (`Lang::Text`), with the name a
/// user knows each by.
const TEXT_LANGUAGES: &[(&str, &str)] = &[
    ("rb", "ruby"),
    // Ruby by another name: Rake tasks, gem and pod specifications, Rack's `config.ru`.
    ("rake", "ruby"),
    ("gemspec", "ruby"),
    ("podspec", "ruby"),
    ("ru", "ruby"),
    ("php", "php"),
    ("cs", "csharp"),
    ("kt", "kotlin"),
    ("kts", "kotlin"),
    ("swift", "swift"),
    ("scala", "scala"),
    ("lua", "lua"),
    ("sh", "shell"),
    ("bash", "shell"),
    ("pl", "perl"),
    ("pm", "perl"),
    ("dart", "dart"),
    ("ex", "elixir"),
    ("exs", "elixir"),
    ("erl", "erlang"),
    // Erlang's headers: the records and macros its modules include.
    ("hrl", "erlang"),
    ("hs", "haskell"),
    ("ml", "ocaml"),
    ("mli", "ocaml"),
    ("proto", "protobuf"),
    ("thrift", "thrift"),
    ("graphql", "graphql"),
    ("graphqls", "graphql"),
    ("gql", "graphql"),
    ("el", "emacs-lisp"),
    ("lisp", "common-lisp"),
    ("lsp", "common-lisp"),
    ("asd", "common-lisp"),
    ("scm", "scheme"),
    ("ss", "scheme"),
    ("sld", "scheme"),
    ("rkt", "racket"),
    ("clj", "clojure"),
    ("cljs", "clojure"),
    ("cljc", "clojure"),
    ("zig", "zig"),
    ("jl", "julia"),
    ("m", "objective-c"),
    ("mm", "objective-c"),
    ("groovy", "groovy"),
    ("fs", "fsharp"),
    ("fsx", "fsharp"),
    ("vb", "visual-basic"),
    ("sol", "solidity"),
    ("vue", "vue"),
    ("svelte", "svelte"),
    ("ps1", "powershell"),
    ("nim", "nim"),
    // NimScript: Nim's configuration and build scripts (`config.nims`, `x.nimble`).
    ("nims", "nim"),
    ("nimble", "nim"),
    ("elm", "elm"),
    ("r", "r"),
    ("R", "r"),
];

fn text_language(ext: &str) -> Option<&'static str> {
    TEXT_LANGUAGES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|&(_, name)| name)
}

/// Whether `rel` is a single-file component (Vue, Svelte), whose `<script>` blocks are parsed
/// with the JavaScript or TypeScript grammar (`parse/component.rs`).
pub fn is_component(rel: &str) -> bool {
    rel.ends_with(".vue") || rel.ends_with(".svelte")
}

/// How a line comment starts in the language `label` (a `Lang::label`), `None` in one without
/// line comments (OCaml).
pub fn line_comment(label: &str) -> Option<&'static str> {
    Some(match label {
        "python" | "ruby" | "shell" | "perl" | "r" | "elixir" | "nim" | "powershell" | "julia"
        | "graphql" => "#",
        "lua" | "haskell" | "elm" => "--",
        "clojure" | "emacs-lisp" | "common-lisp" | "scheme" | "racket" => ";;",
        "erlang" => "%",
        "ocaml" => return None,
        _ => "//",
    })
}

impl Lang {
    pub fn from_path(path: &str) -> Option<Lang> {
        Lang::from_extension(path.rsplit_once('.').map(|(_, e)| e)?)
    }

    /// The language of a file with the extension `ext` (no dot).
    pub fn from_extension(ext: &str) -> Option<Lang> {
        GRAMMAR_EXTENSIONS
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|&(_, lang)| lang)
            .or_else(|| text_language(ext).map(|_| Lang::Text))
    }

    /// Every extension of a file the engine reads, for the editor's file watcher.
    pub fn source_extensions() -> impl Iterator<Item = &'static str> {
        GRAMMAR_EXTENSIONS
            .iter()
            .map(|(e, _)| *e)
            .chain(TEXT_LANGUAGES.iter().map(|(e, _)| *e))
    }

    /// The language of a file whose extension alone does not say: a `.h` header is read as
    /// C++ when its code uses C++ (`class`, `namespace`, `template`, access labels, `std::`),
    /// else as C. A C++ header parsed as C yields broken definitions (a method's range running
    /// to the end of its class).
    /// An Objective-C header (`@interface`, `@protocol`) is read as text, as its `.m` files are:
    /// a C grammar reads none of its classes. A Vue or Svelte component is its scripts'
    /// language: JavaScript, or TypeScript when a script tag says `lang="ts"`.
    pub fn refine(self, rel: &str, text: &str) -> Lang {
        if is_component(rel) {
            if script_is_typescript(text) {
                Lang::TypeScript
            } else {
                Lang::JavaScript
            }
        } else if self != Lang::C || !rel.ends_with(".h") {
            self
        } else if looks_like_objc(text) {
            Lang::Text
        } else if looks_like_cpp(text) {
            Lang::Cpp
        } else {
            self
        }
    }

    /// Whether a method is only ever called on its object (`self.run()`, `this.run()`), never
    /// by its name alone as Java and C++ call their own class's.
    pub fn calls_methods_on_objects_only(self) -> bool {
        matches!(
            self,
            Lang::Rust | Lang::Python | Lang::JavaScript | Lang::TypeScript | Lang::Tsx | Lang::Go
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::C => "c",
            Lang::Cpp => "cpp",
            Lang::Text => "other",
        }
    }

    /// The language a user would call the file `rel` of this language by: `name()`, except
    /// that `Text` files are told apart by their extension (`ruby`, `php`, `shell`).
    pub fn label(self, rel: &str) -> &'static str {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        match self {
            Lang::Text => match name.rsplit_once('.') {
                // Only an Objective-C header is read as text (`refine`).
                Some((_, "h")) => "objective-c",
                Some((_, e)) => text_language(e).unwrap_or("other"),
                // A script of another text language is labelled by the extension its `#!`
                // line gives it (`walk::script_path`); a shell script needs none.
                None => "shell",
            },
            _ => self.name(),
        }
    }

    /// The language of a file without an extension, by its first line, with the extension it
    /// would have ([`script_extension`](Lang::script_extension)).
    pub fn of_script(first_line: &str) -> Option<(Lang, &'static str)> {
        let ext = Lang::script_extension(first_line)?;
        Some((Lang::from_extension(ext)?, ext))
    }

    /// The extension a script without one would have, by its first line: its `#!` line names
    /// its interpreter (`#!/usr/bin/env bash`, `#!/bin/sh`, `#!/usr/bin/python3`,
    /// `#!/usr/bin/perl -w`, `#!/usr/bin/env ruby`), or an Emacs mode line names its mode
    /// (`# ssh(1) completion  -*- shell-script -*-`, as bash-completion's files say). Tools'
    /// `bin/` and `libexec/` scripts are written so.
    pub fn script_extension(first_line: &str) -> Option<&'static str> {
        let interpreter = if let Some(command) = first_line.strip_prefix("#!") {
            let mut words = command
                .split_whitespace()
                .map(|w| w.rsplit('/').next().unwrap_or(w));
            let first = words.next()?;
            if first == "env" {
                words.find(|w| !w.starts_with('-') && !w.contains('='))?
            } else {
                first
            }
        } else {
            let mode = first_line.split("-*-").nth(1)?.trim();
            let mode = mode.strip_prefix("mode:").map_or(mode, str::trim);
            mode.split(';').next()?.trim()
        };
        let base = interpreter.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        Some(match base {
            "sh" | "bash" | "zsh" | "ksh" | "dash" | "ash" | "shell-script" => "sh",
            "python" => "py",
            "node" | "nodejs" => "js",
            "perl" | "cperl" => "pl",
            "ruby" => "rb",
            "php" => "php",
            "lua" | "luajit" => "lua",
            "Rscript" => "r",
            "elixir" => "exs",
            "escript" => "erl",
            _ => return None,
        })
    }

    /// The fence tag for Markdown snippets of the file `rel` of this language: a `Text` file's
    /// by its extension, as Markdown highlighters name the language.
    pub fn fence(self, rel: &str) -> &'static str {
        match self {
            Lang::Tsx => "tsx",
            Lang::TypeScript => "ts",
            Lang::JavaScript => "js",
            Lang::Text => match self.label(rel) {
                "objective-c" => "objectivec",
                "emacs-lisp" => "elisp",
                "common-lisp" => "lisp",
                "visual-basic" => "vbnet",
                "other" => "",
                label => label,
            },
            other => other.name(),
        }
    }

    /// How a line comment starts in the file `rel` of this language (`None` in OCaml).
    pub fn line_comment(self, rel: &str) -> Option<&'static str> {
        line_comment(self.label(rel))
    }

    /// The comment that says a snippet of the file `rel` goes on: `# …` in Python, `// …` in
    /// Rust, `(* … *)` in OCaml, which has no line comment.
    pub fn elision(self, rel: &str) -> String {
        match self.line_comment(rel) {
            Some(mark) => format!("{mark} …"),
            None => "(* … *)".to_string(),
        }
    }

    /// Separator between a container and a member in qualified names.
    pub fn member_sep(self) -> &'static str {
        match self {
            Lang::Rust | Lang::Cpp => "::",
            _ => ".",
        }
    }

    /// Node kinds whose subtrees hold nothing the definition walk uses (no pattern start, no
    /// type name), so the walk does not enter them. A Rust macro body is a flat list of tokens
    /// (bodies that hold items are parsed as items in place, or again on their own); Rust
    /// attributes and the comments left in the parse are small trees of punctuation (`//`, `/`,
    /// `doc_comment`). In tokio these subtrees were a third of all nodes.
    fn opaque_kinds(self) -> &'static [&'static str] {
        match self {
            Lang::Rust => &[
                "token_tree",
                "line_comment",
                "block_comment",
                "string_literal",
                "raw_string_literal",
                "attribute_item",
                "inner_attribute_item",
            ],
            _ => &[],
        }
    }

    /// Grammars whose type names are `type_identifier` nodes (collected as type references).
    pub fn has_type_identifiers(self) -> bool {
        !matches!(self, Lang::Python | Lang::JavaScript)
    }

    /// The grammar; `None` for `Text`.
    pub fn language(self) -> Option<Language> {
        Some(match self {
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::Java => tree_sitter_java::LANGUAGE.into(),
            Lang::C => tree_sitter_c::LANGUAGE.into(),
            Lang::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Lang::Text => return None,
        })
    }

    fn pattern_source(self) -> &'static str {
        match self {
            Lang::Rust => include_str!("queries/rust.scm"),
            Lang::Python => include_str!("queries/python.scm"),
            Lang::JavaScript => include_str!("queries/javascript.scm"),
            Lang::TypeScript | Lang::Tsx => include_str!("queries/typescript.scm"),
            Lang::Go => include_str!("queries/go.scm"),
            Lang::Java => include_str!("queries/java.scm"),
            Lang::C => include_str!("queries/c.scm"),
            Lang::Cpp => include_str!("queries/cpp.scm"),
            Lang::Text => "",
        }
    }

    fn slot(self) -> usize {
        ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    /// The patterns of this language; `None` (logged once) if one uses what `refpat` does not
    /// match.
    pub fn patterns(self) -> Option<&'static LangPatterns> {
        if self == Lang::Text {
            return None;
        }
        static PATTERNS: [OnceLock<Option<LangPatterns>>; 9] = [const { OnceLock::new() }; 9];
        PATTERNS[self.slot()]
            .get_or_init(|| match LangPatterns::new(self) {
                Ok(q) => Some(q),
                Err(e) => {
                    tracing::error!(lang = self.name(), error = %e, "engine patterns do not compile");
                    None
                }
            })
            .as_ref()
    }
}

/// The language of the component's scripts: TypeScript when a script tag says so
/// (`<script lang="ts">`, `<script setup lang='ts'>`).
fn script_is_typescript(text: &str) -> bool {
    script_tags(text).any(|(tag, _)| {
        [
            "lang=\"ts\"",
            "lang='ts'",
            "lang=\"typescript\"",
            "lang='typescript'",
        ]
        .iter()
        .any(|l| tag.contains(l))
    })
}

/// A component's `<script …>` tags, each with the byte range of its contents (a Vue component
/// may have two: one `setup`).
pub fn script_tags(text: &str) -> impl Iterator<Item = (&str, (usize, usize))> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let open = at + text.get(at..)?.find("<script")?;
            let after_name = open + "<script".len();
            // `<scripts>` or `<script-foo>` is some other tag.
            if !text[after_name..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace()) {
                at = after_name;
                continue;
            }
            let body = after_name + text[after_name..].find('>')? + 1;
            let end = text[body..]
                .find("</script>")
                .map_or(text.len(), |i| body + i);
            at = end;
            return Some((&text[open..body], (body, end)));
        }
    })
}

fn looks_like_objc(text: &str) -> bool {
    text.lines().any(|line| {
        ["@interface ", "@protocol ", "@implementation "]
            .iter()
            .any(|k| line.starts_with(k))
    })
}

fn looks_like_cpp(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        let word = |w: &str| {
            t.strip_prefix(w)
                .is_some_and(|rest| rest.starts_with([' ', '<', '\t']) || rest.is_empty())
        };
        word("class") && !t.ends_with(';')
            || word("namespace")
            || word("template")
            || t.starts_with("public:")
            || t.starts_with("private:")
            || t.starts_with("protected:")
            || (!t.starts_with("//") && !t.starts_with('*') && t.contains("std::"))
    })
}

/// A language's patterns (`queries/*.scm`), by the node kind at which each starts.
///
/// Running tree-sitter's query cursor over a whole tree costs more than parsing it, and
/// compiling a query costs more than that on a small repository (the compiler analyses every
/// pattern against the grammar's whole parse table: 53 ms for C++). So the patterns are matched
/// by `refpat`, at the nodes of a plain cursor walk, each at the nodes of its root kind; the
/// `.scm` files stay the one description of each language, checked against the query engine by
/// refpat's tests.
pub struct LangPatterns {
    opaque: Vec<bool>,
    strings: Vec<bool>,
    /// Reference patterns by root kind id (empty for kinds that root none).
    ref_patterns: Vec<Vec<RefPattern>>,
    /// Patterns that give names types, by root kind id.
    bind_patterns: Vec<Vec<BindPattern>>,
    /// The other patterns by root kind id.
    def_patterns: Vec<Vec<DefPattern>>,
}

/// A pattern of `queries/*.scm` that `refpat` cannot match.
#[derive(Debug)]
pub struct UnsupportedPattern(pub &'static str);

impl std::fmt::Display for UnsupportedPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pattern uses what refpat does not match (quantifiers, predicates other than #eq? with a string) or a kind or field the grammar lacks: {}",
            self.0
        )
    }
}

/// String literal kinds across the grammars (a kind a grammar lacks matches nothing there).
const STRING_KINDS: &[&str] = &[
    "string",
    "string_literal",
    "raw_string_literal",
    "interpreted_string_literal",
    "template_string",
    "text_block",
];

impl LangPatterns {
    fn new(lang: Lang) -> Result<LangPatterns, UnsupportedPattern> {
        let language = lang.language().ok_or(UnsupportedPattern(
            "a language without a grammar has no patterns",
        ))?;
        let mut ref_patterns: Vec<Vec<RefPattern>> = Vec::new();
        ref_patterns.resize_with(language.node_kind_count(), Vec::new);
        let mut def_patterns: Vec<Vec<DefPattern>> = Vec::new();
        def_patterns.resize_with(language.node_kind_count(), Vec::new);
        let mut bind_patterns: Vec<Vec<BindPattern>> = Vec::new();
        bind_patterns.resize_with(language.node_kind_count(), Vec::new);
        for pattern in refpat::split_patterns(lang.pattern_source()) {
            if let Some(p) = RefPattern::parse(pattern, &language) {
                ref_patterns[usize::from(p.root)].push(p);
            } else if let Some(p) = BindPattern::parse(pattern, &language) {
                bind_patterns[usize::from(p.root)].push(p);
            } else if let Some(p) = DefPattern::parse(pattern, &language) {
                def_patterns[usize::from(p.root)].push(p);
            } else {
                return Err(UnsupportedPattern(pattern));
            }
        }
        // One flag per node kind id: whether it is a named kind listed in `names`.
        let kinds_named = |names: &[&str]| -> Vec<bool> {
            (0..language.node_kind_count() as u16)
                .map(|id| {
                    language.node_kind_is_named(id)
                        && language
                            .node_kind_for_id(id)
                            .is_some_and(|k| names.contains(&k))
                })
                .collect()
        };
        let opaque = kinds_named(lang.opaque_kinds());
        let strings = kinds_named(STRING_KINDS);
        Ok(LangPatterns {
            opaque,
            strings,
            ref_patterns,
            bind_patterns,
            def_patterns,
        })
    }

    /// The binding patterns rooted at nodes of this kind.
    pub fn bind_patterns(&self, kind_id: u16) -> &[BindPattern] {
        self.bind_patterns
            .get(usize::from(kind_id))
            .map_or(&[], Vec::as_slice)
    }

    /// The other native patterns rooted at nodes of this kind.
    pub fn def_patterns(&self, kind_id: u16) -> &[DefPattern] {
        self.def_patterns
            .get(usize::from(kind_id))
            .map_or(&[], Vec::as_slice)
    }

    /// The reference patterns rooted at nodes of this kind.
    pub fn ref_patterns(&self, kind_id: u16) -> &[RefPattern] {
        self.ref_patterns
            .get(usize::from(kind_id))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a node of this kind is a string literal.
    pub fn is_string(&self, kind_id: u16) -> bool {
        flag(&self.strings, kind_id)
    }

    /// Whether the walk may skip the subtree below a node of this kind.
    pub fn is_opaque(&self, kind_id: u16) -> bool {
        flag(&self.opaque, kind_id)
    }
}

/// A per-kind flag; kinds beyond the table (none in a well-formed tree) are unflagged.
fn flag(flags: &[bool], kind_id: u16) -> bool {
    flags.get(usize::from(kind_id)).copied().unwrap_or(false)
}

/// A C or C++ header (`.h`, `.hh`, `.hpp`, `.hxx`, `.h++`), where a class is declared and its
/// members are mostly defined in a source file.
pub fn is_c_header(rel: &str) -> bool {
    [".h", ".hh", ".hpp", ".hxx", ".h++"]
        .iter()
        .any(|ext| rel.ends_with(ext))
}

/// A file of declarations whose code is written elsewhere: TypeScript's `index.d.ts` (also
/// `.d.cts`, `.d.mts`), OCaml's `.mli`, Python's `.pyi` stubs, F#'s `.fsi`.
pub fn is_declaration_file(rel: &str) -> bool {
    [".d.ts", ".d.cts", ".d.mts", ".mli", ".pyi", ".fsi"]
        .iter()
        .any(|ext| rel.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opaque_kind_exists_in_its_grammar() {
        for lang in ALL {
            let language = lang
                .language()
                .expect("every language of ALL has a grammar");
            for kind in lang.opaque_kinds() {
                assert_ne!(
                    language.id_for_node_kind(kind, true),
                    0,
                    "{}: no node kind {kind}",
                    lang.name()
                );
            }
        }
    }

    #[test]
    fn a_file_without_a_grammar_is_counted_under_its_own_language() {
        let label = |rel: &str| Lang::from_path(rel).map(|l| l.label(rel));
        assert_eq!(label("lib/rack/utils.rb"), Some("ruby"));
        assert_eq!(label("src/Monolog/Logger.php"), Some("php"));
        assert_eq!(label("scripts/build.sh"), Some("shell"));
        assert_eq!(label("src/dets.hrl"), Some("erlang"));
        assert_eq!(label("lib/tasks/db.rake"), Some("ruby"));
        assert_eq!(label("rack.gemspec"), Some("ruby"));
        assert_eq!(label("config.nims"), Some("nim"));
        assert_eq!(label("tools/defs.bzl"), Some("python"));
        assert_eq!(label("src/main.rs"), Some("rust"));
        assert_eq!(label("README.md"), None);
        assert_eq!(Lang::Text.fence("Src/Json/JsonReader.cs"), "csharp");
        assert_eq!(Lang::Text.fence("lib/rack.rb"), "ruby");
        assert_eq!(Lang::Text.elision("lib/rack.rb"), "# …");
        assert_eq!(Lang::Python.elision("app.py"), "# …");
        assert_eq!(Lang::Rust.elision("src/lib.rs"), "// …");
        assert_eq!(Lang::Text.elision("lib/glob.ml"), "(* … *)");
        // A component is its scripts' language; `<scripts>` is some other tag.
        let ts = "<template/>\n<script setup lang=\"ts\">\nlet n: number\n</script>\n";
        assert_eq!(Lang::Text.refine("src/A.vue", ts), Lang::TypeScript);
        let other = "<scripts lang=\"ts\"></scripts>\n<script>\nlet n\n</script>\n";
        assert_eq!(Lang::Text.refine("src/B.svelte", other), Lang::JavaScript);
    }

    #[test]
    fn the_watched_extensions_are_those_read() {
        let watched: Vec<&str> = Lang::source_extensions().collect();
        for ext in &watched {
            assert!(Lang::from_path(&format!("a.{ext}")).is_some(), "{ext}");
        }
        for ext in [
            "rs", "tsx", "cu", "rb", "erl", "nim", "el", "proto", "vue", "sh",
        ] {
            assert!(watched.contains(&ext), "{ext}");
        }
    }

    #[test]
    fn a_script_without_an_extension_is_known_by_its_first_line() {
        for shell in [
            "#!/bin/sh",
            "#!/usr/bin/env bash",
            "#! /bin/bash -e",
            "#!/usr/bin/env -S zsh -f",
            "# ssh(1) completion                          -*- shell-script -*-",
            "# -*- mode: sh; indent-tabs-mode: nil -*-",
        ] {
            assert_eq!(
                Lang::of_script(shell).map(|s| s.0),
                Some(Lang::Text),
                "{shell}"
            );
        }
        assert_eq!(
            Lang::of_script("#!/usr/bin/env python3").map(|s| s.0),
            Some(Lang::Python)
        );
        assert_eq!(
            Lang::of_script("#!/usr/bin/python3.11").map(|s| s.0),
            Some(Lang::Python)
        );
        assert_eq!(
            Lang::of_script("#!/usr/bin/env node").map(|s| s.0),
            Some(Lang::JavaScript)
        );
        for (script, extension) in [
            ("#!/usr/bin/perl -w", "pl"),
            ("#!perl", "pl"),
            ("#!/usr/bin/env ruby", "rb"),
            ("#!/usr/bin/env php", "php"),
            ("#!/usr/bin/env Rscript", "r"),
            ("#!/usr/bin/env escript", "erl"),
        ] {
            assert_eq!(Lang::script_extension(script), Some(extension), "{script}");
            assert_eq!(
                Lang::of_script(script).map(|s| s.0),
                Some(Lang::Text),
                "{script}"
            );
        }
        for other in [
            "#!/usr/bin/awk -f",
            "# Makefile  -*- makefile -*-",
            "MIT License",
            "",
        ] {
            assert_eq!(Lang::of_script(other).map(|s| s.0), None, "{other}");
        }
        // It is read as shell, whatever its folder is called.
        assert_eq!(Lang::Text.label("libexec/rbenv-exec"), "shell");
        assert_eq!(Lang::Text.label("rbenv.d/exec/gem-rehash"), "shell");
        assert_eq!(Lang::Text.fence("completions/ssh"), "shell");
    }

    #[test]
    fn an_objective_c_header_is_read_as_text() {
        let objc = "#import <Foundation/Foundation.h>\n@interface CAPPlugin : NSObject\n\
                    - (void)load;\n@end\n";
        assert_eq!(Lang::C.refine("Capacitor/CAPPlugin.h", objc), Lang::Text);
        assert_eq!(Lang::Text.label("Capacitor/CAPPlugin.h"), "objective-c");
        assert_eq!(Lang::Text.fence("Capacitor/CAPPlugin.h"), "objectivec");
    }

    #[test]
    fn a_header_is_cpp_when_its_code_is() {
        let cpp = "#pragma once\nnamespace db {\nclass Table {\n public:\n  int Get();\n};\n}\n";
        assert_eq!(Lang::C.refine("db/table.h", cpp), Lang::Cpp);
        let c = "#ifndef L_H\n/* the class of a value */\nstruct Table { int n; };\n\
                 #ifdef __cplusplus\nextern \"C\" {\n#endif\nint get(struct Table *t);\n";
        assert_eq!(Lang::C.refine("src/table.h", c), Lang::C);
        assert_eq!(
            Lang::C.refine("src/table.c", cpp),
            Lang::C,
            "a .c file is C"
        );
    }

    #[test]
    fn every_pattern_of_every_language_is_matched_natively() {
        for lang in ALL {
            let q = LangPatterns::new(lang);
            assert!(
                q.is_ok(),
                "{}: {}",
                lang.name(),
                q.err().map_or(String::new(), |e| e.to_string())
            );
        }
    }
}
