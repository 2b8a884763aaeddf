//! Nim's types. Nim declares them in a `type` section, one per line at the section's indent
//! (`Deque*[T] = object`, `JsonNode* = ref JsonNodeObj`), with no keyword before each name,
//! so the general keyword reader in `text.rs` found none of them; and a type's doc follows
//! its header, on its line or on the `##` lines below it, where no other language puts one.

use super::docs;
use super::text::Line;
use crate::engine::parse::Kind;

/// Which lines may declare a type: those at the first indent inside a `type` section, and a
/// one-line `type Name = …`.
pub(super) fn type_lines(lines: &[Line]) -> Vec<bool> {
    let mut types = vec![false; lines.len()];
    let mut section: Option<(usize, Option<usize>)> = None; // (its indent, its members')
    for (i, line) in lines.iter().enumerate() {
        let t = line.text;
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((own, members)) = section {
            if line.indent <= own {
                section = None;
            } else {
                let members = members.unwrap_or(line.indent);
                section = Some((own, Some(members)));
                types[i] = line.indent == members;
                continue;
            }
        }
        if t == "type" || t.starts_with("type #") {
            section = Some((line.indent, None));
        } else if t.starts_with("type ") {
            types[i] = true;
        }
    }
    types
}

/// The kind and name of the type that the line `t` of a `type` section declares:
/// `Name*[A, B] {.pragmas.} = object`.
pub(super) fn type_header(t: &str) -> Option<(Kind, &str)> {
    let t = t.strip_prefix("type ").map_or(t, str::trim_start);
    let name_len = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let name = &t[..name_len];
    if !name.starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    let mut rest = t[name_len..].trim_start();
    rest = rest.strip_prefix('*').unwrap_or(rest).trim_start();
    if rest.starts_with('[') {
        rest = rest[super::text::group_end(rest, '[', ']')?..].trim_start();
    }
    if let Some(pragma) = rest.strip_prefix("{.") {
        rest = pragma[pragma.find(".}")? + 2..].trim_start();
    }
    let body = rest.strip_prefix('=')?.trim_start();
    let kind = if body.starts_with("concept") {
        Kind::Interface
    } else {
        Kind::Class
    };
    Some((kind, name))
}

/// The doc of the type whose header is `line` and whose last line is `last`: the `##`
/// comment at the end of its header (`JsonNode* = ref JsonNodeObj ## JSON node`), else the
/// `##` lines right below it.
pub(super) fn type_doc(text: &str, line: &Line, last: &Line) -> (String, Option<(usize, usize)>) {
    let header = &text[line.start..line.end];
    if let Some(at) = header.find("##") {
        let range = (line.start + at, line.end);
        return docs::doc_in(text, Some(range));
    }
    let mut doc: Option<(usize, usize)> = None;
    let mut at = line.end;
    for below in text[line.end..last.end].split_inclusive('\n') {
        let t = below.trim();
        if t.starts_with("##") {
            doc = Some((doc.map_or(at, |d| d.0), at + below.len()));
        } else if !(t.is_empty() && doc.is_none()) {
            break;
        }
        at += below.len();
    }
    docs::doc_in(text, doc)
}

#[cfg(test)]
mod tests {
    use super::super::Collected;
    use super::super::text::definitions;
    use crate::engine::parse::Kind;

    fn types_with_docs(nim: &str) -> Vec<(String, Kind, u32, u32, String)> {
        let mut col = Collected::default();
        definitions(nim, "nim", &mut col);
        col.defs
            .into_iter()
            .filter(|d| d.kind != Kind::Function)
            .map(|d| (d.qual, d.kind, d.start, d.end, d.doc))
            .collect()
    }

    #[test]
    fn the_types_of_a_section_are_definitions_with_the_docs_after_their_headers() {
        let nim = "type\n  \
                   JsonNodeKind* = enum ## possible JSON node types\n    \
                   JNull,\n    JBool\n\n  \
                   JsonNode* = ref JsonNodeObj ## JSON node\n  \
                   JsonNodeObj* {.acyclic.} = object\n    \
                   case kind*: JsonNodeKind\n    of JNull:\n      nil\n\n  \
                   Deque*[T] = object\n    \
                   ## A double-ended queue backed with a ringed `seq` buffer.\n    \
                   data: seq[T]\n    head, tail: int ## where the elements are\n\n\
                   const Limit = 3\n\n\
                   type Hash* = int ## A hash value.\n\n\
                   proc hash*(x: int): Hash =\n  ## Hashes `x`.\n  x\n";
        let s = |x: &str| x.to_string();
        assert_eq!(
            types_with_docs(nim),
            [
                (
                    s("JsonNodeKind"),
                    Kind::Class,
                    2,
                    4,
                    s("possible JSON node types")
                ),
                (s("JsonNode"), Kind::Class, 6, 6, s("JSON node")),
                (s("JsonNodeObj"), Kind::Class, 7, 10, String::new()),
                (
                    s("Deque"),
                    Kind::Class,
                    12,
                    15,
                    s("A double-ended queue backed with a ringed `seq` buffer.")
                ),
                (s("Hash"), Kind::Class, 19, 19, s("A hash value.")),
            ]
        );
    }
}
