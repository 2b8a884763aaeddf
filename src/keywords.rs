//! Reserved words of the languages the engine parses, so that "Where is `from` used?" is never
//! offered: a keyword is used everywhere and names nothing in the project.
//!
//! Keyed by the file's extension (or an LSP `languageId`, which names these languages the same
//! way). Literals and the primitive types a user cannot define (`None`, `nil`, `int`) count as
//! keywords here; builtins that are ordinary names (`self` in Python, `len`) do not.

use crate::engine::Lang;

const PYTHON: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

const RUST: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "bool", "char", "str",
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64",
];

const JAVASCRIPT: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "null",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// On top of JavaScript's.
const TYPESCRIPT: &[&str] = &[
    "abstract",
    "any",
    "as",
    "asserts",
    "bigint",
    "boolean",
    "declare",
    "enum",
    "implements",
    "infer",
    "interface",
    "is",
    "keyof",
    "module",
    "namespace",
    "never",
    "number",
    "object",
    "private",
    "protected",
    "public",
    "readonly",
    "satisfies",
    "string",
    "symbol",
    "type",
    "unique",
    "unknown",
];

const GO: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
    "true",
    "false",
    "nil",
    "iota",
    "bool",
    "byte",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "rune",
    "string",
    "error",
    "any",
];

const JAVA: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "final",
    "finally",
    "float",
    "for",
    "goto",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "short",
    "static",
    "strictfp",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "try",
    "void",
    "volatile",
    "while",
    "true",
    "false",
    "null",
    "var",
    "record",
    "yield",
    "sealed",
    "permits",
];

const C: &[&str] = &[
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Bool", "bool", "true", "false",
];

/// On top of C's.
const CPP: &[&str] = &[
    "alignas",
    "alignof",
    "and",
    "asm",
    "catch",
    "class",
    "co_await",
    "co_return",
    "co_yield",
    "consteval",
    "constexpr",
    "constinit",
    "decltype",
    "delete",
    "explicit",
    "export",
    "final",
    "friend",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "nullptr",
    "operator",
    "or",
    "override",
    "private",
    "protected",
    "public",
    "static_assert",
    "template",
    "this",
    "thread_local",
    "throw",
    "try",
    "typeid",
    "typename",
    "using",
    "virtual",
    "wchar_t",
    "xor",
];

/// The keyword tables of a file, by its path (the engine's extension rules) or a `languageId`.
fn tables(path_or_language: &str) -> &'static [&'static [&'static str]] {
    // A Vue or Svelte component's code is its scripts' (`vue` and `svelte` are `languageId`s).
    if crate::engine::is_component(path_or_language) || matches!(path_or_language, "vue" | "svelte")
    {
        return &[JAVASCRIPT, TYPESCRIPT];
    }
    match Lang::from_path(path_or_language).or_else(|| from_language_id(path_or_language)) {
        Some(Lang::Python) => &[PYTHON],
        Some(Lang::Rust) => &[RUST],
        Some(Lang::JavaScript) => &[JAVASCRIPT],
        Some(Lang::TypeScript | Lang::Tsx) => &[JAVASCRIPT, TYPESCRIPT],
        Some(Lang::Go) => &[GO],
        Some(Lang::Java) => &[JAVA],
        Some(Lang::C) => &[C],
        Some(Lang::Cpp) => &[C, CPP],
        Some(Lang::Text) | None => &[],
    }
}

/// The language an LSP `languageId` names.
fn from_language_id(id: &str) -> Option<Lang> {
    Some(match id {
        "python" => Lang::Python,
        "rust" => Lang::Rust,
        "javascript" | "javascriptreact" => Lang::JavaScript,
        "typescript" => Lang::TypeScript,
        "typescriptreact" => Lang::Tsx,
        "go" => Lang::Go,
        "java" => Lang::Java,
        "c" => Lang::C,
        "cpp" => Lang::Cpp,
        _ => return None,
    })
}

/// Whether `word` is a keyword of the language of `path_or_language` (a path, or a
/// `languageId`). Unknown languages have none.
pub fn is_keyword(path_or_language: &str, word: &str) -> bool {
    tables(path_or_language)
        .iter()
        .any(|table| table.contains(&word))
}

#[cfg(test)]
mod tests {
    use super::is_keyword;

    #[test]
    fn keywords_by_extension_and_language_id() {
        assert!(is_keyword("/ws/src/flask/app.py", "from"));
        assert!(is_keyword("python", "import"));
        assert!(
            !is_keyword("/ws/app.py", "self"),
            "self is a name in Python"
        );
        assert!(is_keyword("/ws/lib.rs", "self"));
        assert!(is_keyword("/ws/a.tsx", "interface"));
        assert!(is_keyword("/ws/src/Search.vue", "const"));
        assert!(is_keyword("svelte", "function"));
        assert!(
            is_keyword("/ws/a.ts", "function"),
            "TypeScript has JavaScript's"
        );
        assert!(!is_keyword("/ws/a.js", "interface"));
        assert!(is_keyword("/ws/main.go", "func"));
        assert!(is_keyword("/ws/A.java", "public"));
        assert!(is_keyword("/ws/a.hpp", "template"));
        assert!(is_keyword("/ws/a.hpp", "struct"), "C++ has C's");
        assert!(!is_keyword("/ws/a.c", "template"));
    }

    #[test]
    fn names_and_unknown_languages_are_not_keywords() {
        assert!(!is_keyword("/ws/app.py", "Flask"));
        assert!(!is_keyword("/ws/app.py", "From"));
        assert!(!is_keyword("/ws/README", "from"));
        assert!(!is_keyword("/ws/notes.md", "if"));
    }
}
