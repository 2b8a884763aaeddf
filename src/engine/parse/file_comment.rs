//! A C or C++ file's leading comment as the doc of the class it describes.
//!
//! Google-style C++ (leveldb, re2, Chromium, RocksDB) describes a header's class at the top of
//! the file, under the license, and leaves the class itself bare: `status.h` opens with "A
//! Status encapsulates the result of an operation. It may indicate success, or it may indicate
//! an error with an associated error message." and `class LEVELDB_EXPORT Status {` has no
//! comment. Read only from the class, an answer shows such a type as `class LEVELDB_EXPORT
//! Status`, though it is exactly what "what does a failed operation carry" asks for.

use super::{Kind, RawDef};

/// Words of a paragraph that is a license or a copyright line, not a description.
const LICENSE_WORDS: &[&str] = &[
    "copyright",
    "license",
    "licence",
    "licensed",
    "all rights reserved",
    "spdx-",
    "governed by",
    "warranty",
    "redistribution",
];

/// The class (its index in `defs`, sorted by where they start) that the description in the
/// file's leading comment names in its first paragraph, and the description's bytes: the
/// class must have no doc of its own and not be nested in another.
///
/// The description is that class's doc in answers. Ranking is left alone: its words already
/// count for the file, and counted for the class too they cost two of leveldb's questions their
/// first place (`Version`'s description speaks of "older versions" and "iterators") and gained
/// none.
pub(super) fn described_class(text: &str, defs: &[RawDef]) -> Option<(usize, (usize, usize))> {
    // Most C files define no class: their comments need no reading.
    if !defs.iter().any(|d| d.kind == Kind::Class) {
        return None;
    }
    let (range, first) = leading_description(text)?;
    let words: Vec<&str> = first
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.len() >= 2)
        .collect();
    let mut outer_end = 0;
    // The subject is the class named first ("An iterator yields pairs. A Cursor walks them."
    // is about `Iterator`).
    let mut subject: Option<(usize, usize)> = None;
    for (i, d) in defs.iter().enumerate() {
        if d.kind != Kind::Class {
            continue;
        }
        let nested = d.start_byte < outer_end;
        outer_end = outer_end.max(d.end_byte);
        if nested || d.doc_range.is_some() {
            continue;
        }
        let Some(at) = words.iter().position(|w| w.eq_ignore_ascii_case(&d.name)) else {
            continue;
        };
        if subject.is_none_or(|(first_at, _)| at < first_at) {
            subject = Some((at, i));
        }
    }
    subject.map(|(_, i)| (i, range))
}

/// The byte range of the description in the comment the file opens with (from its first
/// paragraph that is no license or banner to the last before code or another license), and
/// the text of that first paragraph.
fn leading_description(text: &str) -> Option<((usize, usize), String)> {
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut current: Option<Paragraph> = None;
    let mut in_block = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let t = line.trim();
        let words = if in_block {
            in_block = !t.contains("*/");
            t.split("*/").next().unwrap_or("").trim_start_matches('*')
        } else if let Some(rest) = t.strip_prefix("//") {
            rest.trim_start_matches(['/', '!'])
        } else if let Some(rest) = t.strip_prefix("/*") {
            in_block = !rest.contains("*/");
            rest.split("*/")
                .next()
                .unwrap_or("")
                .trim_start_matches(['*', '!'])
        } else if t.is_empty() {
            ""
        } else {
            break; // the first line of code
        };
        let words = words.trim();
        if words
            .chars()
            .all(|c| matches!(c, '-' | '=' | '*' | '/' | ' '))
        {
            paragraphs.extend(current.take());
            continue;
        }
        let p = current.get_or_insert(Paragraph {
            start,
            end: start,
            text: String::new(),
        });
        p.end = start + line.trim_end().len();
        p.text.push_str(words);
        p.text.push(' ');
    }
    paragraphs.extend(current.take());
    let first = paragraphs
        .iter()
        .position(|p| !is_license_or_banner(&p.text))?;
    let last = paragraphs[first..]
        .iter()
        .take_while(|p| !is_license_or_banner(&p.text))
        .last()?;
    let p = &paragraphs[first];
    Some(((p.start, last.end), p.text.trim_end().to_string()))
}

struct Paragraph {
    start: usize,
    end: usize,
    text: String,
}

/// A license, a copyright line, or a banner naming the file or the library (`-*- C++ -*-`,
/// `foo.h`, "Formatting library for C++ - color support"): a description is sentences.
fn is_license_or_banner(paragraph: &str) -> bool {
    let lower = paragraph.to_ascii_lowercase();
    let lower = lower.trim();
    let sentences = lower.ends_with(['.', '!', '?']) || lower.contains(". ");
    LICENSE_WORDS.iter().any(|w| lower.contains(w))
        || lower.contains("-*-")
        || !lower.contains(' ')
        || !sentences
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the text, the description is a range of it, starting and ending on
        /// character boundaries, within the comment lines the file opens with.
        #[test]
        fn a_description_is_always_a_range_of_the_text(
            text in "((//|/\\*|\\*/| \\* |A Status is one\\. |Copyright|é|\n| )){0,40}(int x;)?"
        ) {
            if let Some(((start, end), first)) = leading_description(&text) {
                prop_assert!(start < end && end <= text.len());
                prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
                prop_assert!(!first.is_empty());
            }
        }
    }

    #[test]
    fn the_description_under_the_license_is_found_whole() {
        let text = "// Copyright (c) 2011 The Authors. All rights reserved.\n\
                    // Use of this source code is governed by a BSD-style license.\n\
                    //\n\
                    // A Status encapsulates the result of an operation.\n\
                    // It may indicate an error with an associated message.\n\
                    //\n\
                    // Multiple threads can invoke const methods.\n\
                    \n\
                    #ifndef STATUS_H_\n";
        let ((s, e), first) = leading_description(text).expect("a description");
        assert_eq!(
            first,
            "A Status encapsulates the result of an operation. It may indicate an error with an associated message."
        );
        assert!(text[s..e].starts_with("// A Status"));
        assert!(text[s..e].ends_with("const methods."));
        let block = "/*\n * Copyright 2020 X. Licensed under MIT.\n */\n\n/* A DFA-based search.\n * Fast. */\nclass DFA {};\n";
        let ((s, e), first) = leading_description(block).expect("a description");
        assert_eq!(first, "A DFA-based search. Fast.");
        assert_eq!(&block[s..e], "/* A DFA-based search.\n * Fast. */");
        for none in [
            "// Copyright 2020 X.\n\nint main() {}\n",
            "//===- Fuzz.h - Utility header -*- C++ -*-===//\nclass Fuzz {};\n",
            "// status.h\nclass Status {};\n",
            "// Formatting library for C++ - color support\n//\n// Copyright (c) 2018 X\n\nenum class color {};\n",
            "int x;\n// A Status is a status.\n",
        ] {
            assert_eq!(leading_description(none), None, "{none}");
        }
    }

    fn class_docs(text: &str) -> Vec<(String, String)> {
        let parsed = super::super::parse_file(
            "lib.h",
            crate::engine::lang::Lang::Cpp,
            text,
            &mut super::super::Parsers::default(),
        );
        parsed
            .symbols
            .iter()
            .filter(|s| s.kind == Kind::Class)
            .map(|s| (s.qual().to_string(), s.doc_in(text)))
            .collect()
    }

    #[test]
    fn the_first_outer_class_named_without_a_doc_takes_the_description() {
        let text = "// An iterator yields pairs. A Cursor walks them.

class Outer {
                      class Iterator {};
};
class Cursor {};
class Iterator {};
";
        assert_eq!(
            class_docs(text),
            [
                ("Outer".to_string(), String::new()),
                ("Outer::Iterator".to_string(), String::new()),
                ("Cursor".to_string(), String::new()),
                (
                    "Iterator".to_string(),
                    "An iterator yields pairs. A Cursor walks them.".to_string()
                ),
            ]
        );
        // A class with a doc keeps it; the next named one takes the description.
        let documented = text.replace("class Iterator {};\n", "// Own.\nclass Iterator {};\n");
        let docs = class_docs(&documented);
        assert!(
            docs.contains(&("Iterator".to_string(), "Own.".to_string())),
            "{docs:?}"
        );
        assert!(
            docs.contains(&(
                "Cursor".to_string(),
                "An iterator yields pairs. A Cursor walks them.".to_string()
            )),
            "{docs:?}"
        );
        let unnamed = class_docs(
            "// Helpers for tables.

class Block {};
",
        );
        assert_eq!(unnamed, [("Block".to_string(), String::new())]);
        let plural = class_docs("// Statuses of operations.\n\nclass Status {};\n");
        assert_eq!(plural, [("Status".to_string(), String::new())]);
    }
}
