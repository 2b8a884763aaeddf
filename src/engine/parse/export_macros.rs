//! C++ classes declared behind an export macro (`class LEVELDB_EXPORT Env {`,
//! `struct YAML_CPP_API Mark {`, `class FMT_API format_error : public std::runtime_error {`).
//!
//! Without the macro's definition the grammar reads `class LEVELDB_EXPORT` as a type and `Env`
//! as a function returning it, whose body is the class body read as statements: `public:` a
//! label, `virtual ~Env();` an error, every member declaration lost or misread. Libraries put
//! such a macro on exactly their public classes, the ones questions are about. No valid C++
//! puts two plain names between `class` and its body or base list, so the words before the
//! class's name are macros; they are blanked with spaces in the text the grammar reads, which
//! keeps every byte offset, and every other reader still sees the original text.

use std::borrow::Cow;

use tree_sitter::Node;

use super::node_text;

/// `text` with the macros between `class`/`struct`/`union` and a class's name blanked, or
/// `text` itself when it has none.
pub(super) fn without_export_macros(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    for keyword in ["class", "struct", "union"] {
        for at in memchr::memmem::find_iter(bytes, keyword.as_bytes()) {
            let end = at + keyword.len();
            let word_before = at > 0 && is_ident_byte(bytes[at - 1]);
            if word_before || bytes.get(end).is_some_and(|b| is_ident_byte(*b)) {
                continue;
            }
            macros_before_name(bytes, end, &mut blanks);
        }
    }
    if blanks.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for (s, e) in blanks {
        out[s..e].fill(b' ');
    }
    // Only ASCII identifier bytes were replaced by ASCII spaces.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

/// After a class keyword ending at `from`: the names up to the body (`{`), the base list (a
/// lone `:`) or the end of a declaration (`;`). When there are several, the last (before an
/// optional `final`) is the class's name and the others, all written like macros, are blanked.
fn macros_before_name(bytes: &[u8], from: usize, blanks: &mut Vec<(usize, usize)>) {
    let mut names: Vec<(usize, usize)> = Vec::new();
    let mut i = from;
    loop {
        i = skip_space(bytes, i);
        let start = i;
        while i < bytes.len() && is_ident_byte(bytes[i]) {
            i += 1;
        }
        if i == start || names.len() == 4 {
            break;
        }
        names.push((start, i));
    }
    let terminated = match bytes.get(i) {
        Some(b'{' | b';') => true,
        Some(b':') => bytes.get(i + 1) != Some(&b':'),
        _ => false,
    };
    if !terminated {
        return;
    }
    if names.last().is_some_and(|&(s, e)| &bytes[s..e] == b"final") {
        names.pop();
    }
    let Some((_, macros)) = names.split_last() else {
        return;
    };
    if !macros.is_empty() && macros.iter().all(|&(s, e)| is_macro_name(&bytes[s..e])) {
        blanks.extend_from_slice(macros);
    }
}

/// `class my_export Status { … };`: without the macro's definition the grammar reads a
/// function `Status` returning `class my_export`, its body the class body. The class is
/// `Status` (cpp.scm captures it as a class); `None` for a real function. Macros written in
/// capitals are blanked before the parse and never come here.
pub(super) fn export_macro_class_name(p: Node, text: &str) -> Option<String> {
    let is_class = p
        .child_by_field_name("type")
        .is_some_and(|t| matches!(t.kind(), "class_specifier" | "struct_specifier"));
    let declarator = p
        .child_by_field_name("declarator")
        .filter(|d| d.kind() == "identifier")?;
    is_class.then(|| node_text(declarator, text).to_string())
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `LEVELDB_EXPORT`, `YAML_CPP_API`, `FMT_API`, `Q_CORE_EXPORT`: upper case, digits and
/// underscores, starting with a letter or an underscore.
fn is_macro_name(word: &[u8]) -> bool {
    word.len() >= 2
        && !word[0].is_ascii_digit()
        && word.iter().any(|b| b.is_ascii_uppercase())
        && word
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A class head, with or without macros, in text made of the pieces class heads are
    /// written with.
    fn cppish() -> impl Strategy<Value = String> {
        let junk = prop::collection::vec(
            prop::sample::select(vec![
                "class",
                "struct",
                " ",
                "\n",
                "EXPORT_API",
                "Foo",
                "{",
                "}",
                ":",
                ";",
                "é",
                "//",
            ]),
            0..12,
        )
        .prop_map(|v| v.concat());
        let keyword = prop::sample::select(vec!["class", "struct", "union", "enum class"]);
        let macros = prop::collection::vec(
            prop::sample::select(vec!["EXPORT_API", "A_B2", "X", "low_api", "é"]),
            0..3,
        );
        let name = prop::sample::select(vec!["Foo", "final", "EXPORT_API", "Outer::Inner"]);
        let tail = prop::sample::select(vec![
            " {",
            " final {",
            " : Base {",
            "::x;",
            ";",
            "<T> {",
            "",
        ]);
        (junk.clone(), keyword, macros, name, tail, junk).prop_map(
            |(before, keyword, macros, name, tail, after)| {
                format!(
                    "{before}\n{keyword} {} {name}{tail}{after}",
                    macros.join("\n ")
                )
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the text, only identifier bytes become spaces, so every offset the parse
        /// reports is one of the original text.
        #[test]
        fn only_identifier_bytes_are_blanked(text in cppish(), any in ".{0,80}") {
            for text in [&text, &any] {
                let out = without_export_macros(text);
                prop_assert_eq!(out.len(), text.len());
                for (a, b) in text.bytes().zip(out.bytes()) {
                    prop_assert!(a == b || (is_ident_byte(a) && b == b' '), "{a} -> {b}");
                }
                // What is left has no class head with a macro in it.
                let again = without_export_macros(&out).into_owned();
                prop_assert_eq!(again.as_str(), out.as_ref());
            }
        }
    }

    fn blanked(text: &str) -> String {
        without_export_macros(text).into_owned()
    }

    #[test]
    fn the_macros_before_a_class_name_are_blanked_and_nothing_else() {
        assert_eq!(
            blanked("class LEVELDB_EXPORT Env {"),
            "class                Env {"
        );
        assert_eq!(
            blanked("struct YAML_CPP_API Mark {};"),
            "struct              Mark {};"
        );
        assert_eq!(
            blanked("class FMT_API format_error : public std::runtime_error {"),
            "class         format_error : public std::runtime_error {"
        );
        assert_eq!(
            blanked("template <typename T>\nclass Q_EXPORT\n  Box final : Base {"),
            "template <typename T>\nclass         \n  Box final : Base {"
        );
        assert_eq!(
            blanked("class A_API B_DEPRECATED Old {"),
            format!("class{}Old {{", " ".repeat(20))
        );
        assert_eq!(
            blanked("class LEVELDB_EXPORT Snapshot;"),
            "class                Snapshot;"
        );
        for unchanged in [
            "class DB final {",
            "class Env : public Base {",
            "struct stat st;",
            "struct timeval tv = {0, 0};",
            "friend class FOO;",
            "class Outer::Inner {",
            "class EXPORT Vec<int> {",
            "class my_export Foo {",
            "enum class Color : int {",
            "int subclass FOO Bar {",
        ] {
            assert!(
                matches!(without_export_macros(unchanged), Cow::Borrowed(_)),
                "{unchanged}"
            );
        }
    }
}
