//! Declarations with a doc comment (C and C++ prototypes and class members, the values of an
//! OCaml interface), which document the definitions written elsewhere without one.

use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use super::RawDef;
use super::docs::comment_lines_above;
use crate::engine::lang::{self, Lang};

/// A C or C++ function declared with a doc comment (`// Creates a pipe …` above
/// `static void pipe(file& r, file& w);` in a class body or a header). Its definition,
/// written elsewhere without one, is documented by it: that is where C and C++ put the doc.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decl {
    /// Qualified as its out-of-line definition is (`file::pipe`, `DB::Put`, `uv_run`).
    pub qual: Box<str>,
    /// 1-based line where the declaration starts.
    pub line: u32,
    pub doc_start: u32,
    pub doc_end: u32,
}

/// The documented functions of an interface file (OCaml's `val offset : t -> int -> int * int`
/// with `(** Raise [Not_found] if the group did not match *)` in `group.mli`), which also
/// document their definitions in the implementation beside it (`let offset t i = …` in
/// `group.ml`, written without a doc, as OCaml code is); none in any other file `rel`.
pub(super) fn interface_values(rel: &str, defs: &[RawDef]) -> Vec<RawDecl> {
    if !lang::is_declaration_file(rel) {
        return Vec::new();
    }
    defs.iter()
        .filter(|d| d.kind.is_code())
        .filter_map(|d| {
            Some(RawDecl {
                qual: d.qual.clone(),
                line: d.start,
                doc: d.doc.clone(),
                doc_range: d.doc_range.filter(|r| r.1 > r.0)?,
            })
        })
        .collect()
}

/// A Kotlin Multiplatform `expect` declaration with a doc (`public expect fun yield()` in
/// common code), at line index `i`: it documents each `actual` definition in the platforms'
/// code, written without one.
pub(super) fn kotlin_expected(
    language: &str,
    line: &str,
    qual: &str,
    i: usize,
    (doc, doc_range): (&str, Option<(usize, usize)>),
) -> Option<RawDecl> {
    let expects = || {
        line.split_whitespace()
            .take_while(|w| !matches!(*w, "fun" | "class" | "val" | "var" | "object" | "interface"))
            .any(|w| w == "expect")
    };
    let doc_range = doc_range.filter(|_| language == "kotlin" && expects())?;
    Some(RawDecl {
        qual: qual.to_string(),
        line: i as u32 + 1,
        doc: doc.to_string(),
        doc_range,
    })
}

/// A documented declaration as found (see [`Decl`]).
pub(super) struct RawDecl {
    pub qual: String,
    pub line: u32,
    pub doc: String,
    pub doc_range: (usize, usize),
}

/// Whether comment lines end right above the node (or the template declaration it is in),
/// where its doc would be.
pub(super) fn has_comment_above(lang: Lang, text: &str, n: Node, ancestors: &[Node]) -> bool {
    let at = match ancestors.last() {
        Some(p) if p.kind() == "template_declaration" => p.start_byte(),
        _ => n.start_byte(),
    };
    comment_lines_above(lang, text, at).is_some()
}

/// Whether a declaration's comment is its own doc, not a heading over a group of declarations
/// (`/* tcp */`, `// Accessors`, then several prototypes): a doc says more than one word, and
/// the line right after the declaration does not declare the next one of a group.
pub(super) fn documents_alone(doc: &str, text: &str, decl_end: usize) -> bool {
    if doc.split_whitespace().nth(1).is_none() {
        return false;
    }
    let rest = text.get(decl_end..).unwrap_or("");
    let after = rest.split_once('\n').map_or("", |(_, after)| after);
    let next = after.lines().next().unwrap_or("").trim();
    next.is_empty()
        || next.starts_with("//")
        || next.starts_with("/*")
        || next.starts_with('*')
        || next.starts_with('}')
        || next.starts_with('#')
        || next.ends_with(':')
}
