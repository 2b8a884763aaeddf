//! Reference patterns of `queries/*.scm` matched by a few field lookups instead of tree-sitter's
//! query cursor.
//!
//! Call sites are the most common pattern roots, and each query-cursor run costs about 10 k
//! instructions: calls through the query were 7.7 % of a cold tokio index. The patterns that only
//! name kinds and fields, choose among alternatives and capture `@ref.*` or `@inherit`, such as
//! `(call_expression function: [(identifier) @ref.call (field_expression field:
//! (field_identifier) @ref.call)])`, are matched here. Any other pattern stays in the compiled
//! query, so the `.scm` files remain the one description of each language.

use tree_sitter::{Language, Node};

/// One reference pattern: a root kind and the constraint on its children.
#[derive(Debug)]
pub struct RefPattern {
    pub root: u16,
    child: Child,
}

/// A child in `field` (or any named child when `None`) matching one of `alts`.
#[derive(Debug)]
struct Child {
    field: Option<std::num::NonZeroU16>,
    alts: Vec<Sub>,
}

#[derive(Debug)]
struct Sub {
    kind: u16,
    capture: Option<&'static str>,
    child: Option<Child>,
}

impl RefPattern {
    /// Calls `found(capture, node)` for every capture of this pattern at `node` (whose kind is
    /// `root`).
    pub fn for_each_capture<'t>(&self, node: Node<'t>, found: &mut impl FnMut(&str, Node<'t>)) {
        self.child.for_each_capture(node, found);
    }

    /// Parses one top-level pattern; `None` when it uses anything beyond kinds, fields,
    /// alternatives and `@ref.*`/`@inherit` captures on children.
    pub fn parse(text: &str, language: &Language) -> Option<RefPattern> {
        let mut p = Parser {
            toks: tokenize(text)?,
            at: 0,
            language,
        };
        p.expect("(")?;
        let root = p.kind()?;
        let child = p.child()?;
        p.expect(")")?;
        (p.at == p.toks.len()).then_some(RefPattern { root, child })
    }
}

impl Child {
    fn for_each_capture<'t>(&self, node: Node<'t>, found: &mut impl FnMut(&str, Node<'t>)) {
        match self.field {
            Some(f) => {
                if let Some(c) = node.child_by_field_id(f.get()) {
                    self.match_one(c, found);
                }
            }
            None => {
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    self.match_one(c, found);
                }
            }
        }
    }

    fn match_one<'t>(&self, node: Node<'t>, found: &mut impl FnMut(&str, Node<'t>)) {
        if !node.is_named() {
            return;
        }
        for sub in self.alts.iter().filter(|s| s.kind == node.kind_id()) {
            if let Some(c) = sub.capture {
                found(c, node);
            }
            if let Some(child) = &sub.child {
                child.for_each_capture(node, found);
            }
        }
    }
}

struct Parser<'a> {
    toks: Vec<&'a str>,
    at: usize,
    language: &'a Language,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.toks.get(self.at).copied()
    }

    fn next(&mut self) -> Option<&'a str> {
        let t = self.peek()?;
        self.at += 1;
        Some(t)
    }

    fn expect(&mut self, t: &str) -> Option<()> {
        (self.next()? == t).then_some(())
    }

    fn kind(&mut self) -> Option<u16> {
        let name = self.next()?;
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name == "_" {
            return None;
        }
        let id = self.language.id_for_node_kind(name, true);
        (id != 0).then_some(id)
    }

    /// `field: ALT` or `ALT`, where ALT is one sub-pattern or `[` sub-patterns `]`.
    fn child(&mut self) -> Option<Child> {
        let mut field = None;
        if let Some(name) = self.peek().and_then(|t| t.strip_suffix(':')) {
            self.at += 1;
            field = Some(self.language.field_id_for_name(name)?);
        }
        let mut alts = Vec::new();
        if self.peek()? == "[" {
            self.at += 1;
            while self.peek()? != "]" {
                alts.push(self.sub()?);
            }
            self.at += 1;
        } else {
            alts.push(self.sub()?);
        }
        Some(Child { field, alts })
    }

    /// `(kind CHILD?) @capture?`, with a capture or a child (a bare kind would match nothing).
    fn sub(&mut self) -> Option<Sub> {
        self.expect("(")?;
        let kind = self.kind()?;
        let child = if self.peek()? == ")" {
            None
        } else {
            Some(self.child()?)
        };
        self.expect(")")?;
        let capture = match self.peek() {
            Some(t) if t.starts_with('@') => {
                self.at += 1;
                Some(capture_name(&t[1..])?)
            }
            _ => None,
        };
        (capture.is_some() || child.is_some()).then_some(Sub {
            kind,
            capture,
            child,
        })
    }
}

/// The capture names the engine reads from reference patterns.
fn capture_name(name: &str) -> Option<&'static str> {
    ["ref.call", "ref.macro", "ref.type", "inherit"]
        .into_iter()
        .find(|c| *c == name)
}

/// Tokens of a pattern: `(`, `)`, `[`, `]`, `field:`, `@capture`, kind names. `None` for anything
/// else (strings, predicates, anchors, quantifiers, negated fields, wildcards).
fn tokenize(text: &str) -> Option<Vec<&str>> {
    let mut toks = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b';' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if matches!(c, b'(' | b')' | b'[' | b']') {
            toks.push(&text[i..i + 1]);
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'@' {
            let s = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.')) {
                i += 1;
            }
            if i < b.len() && b[i] == b':' {
                i += 1;
            }
            toks.push(&text[s..i]);
        } else {
            return None;
        }
    }
    Some(toks)
}

/// The top-level patterns of a query source, each with the captures that follow it.
pub fn split_patterns(source: &str) -> Vec<&str> {
    let b = source.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start, mut i) = (0usize, None::<usize>, 0);
    while i < b.len() {
        match b[i] {
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' => {
                if depth == 0 {
                    if let Some(s) = start {
                        out.push(source[s..i].trim_end());
                    }
                    start = Some(i);
                }
                depth += 1;
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if let Some(s) = start {
        out.push(source[s..].trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust() -> Language {
        tree_sitter_rust::LANGUAGE.into()
    }

    #[test]
    fn simple_reference_patterns_parse_and_others_do_not() {
        let l = rust();
        for ok in [
            "(call_expression function: (identifier) @ref.call)",
            "(call_expression function: [(identifier) @ref.call (field_expression field: (field_identifier) @ref.call)])",
            "(impl_item trait: [(type_identifier) @inherit (generic_type type: (type_identifier) @inherit)])",
        ] {
            assert!(RefPattern::parse(ok, &l).is_some(), "{ok}");
        }
        for no in [
            "(function_item name: (identifier) @name) @def.function",
            "(mod_item name: (identifier) @import.mod !body)",
            "((identifier) @ref.call (#eq? @ref.call \"x\"))",
            "(call_expression function: (_) @ref.call)",
            "(call_expression function: (no_such_kind) @ref.call)",
            "(call_expression no_such_field: (identifier) @ref.call)",
            "(call_expression (identifier)* @ref.call)",
        ] {
            assert!(RefPattern::parse(no, &l).is_none(), "{no}");
        }
    }

    #[test]
    fn patterns_split_at_the_top_level_with_their_captures() {
        let src = "; c (x)\n(a b: (c) @d) @e\n\n[(f) (g)] @h\n((i) (#eq? @i \")\"))\n";
        assert_eq!(
            split_patterns(src),
            ["(a b: (c) @d) @e", "[(f) (g)] @h", "((i) (#eq? @i \")\"))"]
        );
    }

    #[test]
    fn captures_match_what_the_query_cursor_finds() {
        use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};
        crate::engine::parse_memory::install();
        let l = rust();
        let src = "fn f() { a(); b.c(); d::e(); g::<u8>(); h.i::<u8>(); (j)(); k!(x); }\n\
                   impl T for U {}\nimpl m::V for W {}\nimpl X<u8> for Y {}\n";
        let mut parser = Parser::new();
        parser.set_language(&l).unwrap();
        let tree = parser.parse(src, None).unwrap();
        for pattern in split_patterns(include_str!("queries/rust.scm")) {
            let Some(native) = RefPattern::parse(pattern, &l) else {
                continue;
            };
            let query = Query::new(&l, pattern).unwrap();
            let mut want: Vec<(String, usize)> = Vec::new();
            let mut qc = QueryCursor::new();
            let mut matches = qc.matches(&query, tree.root_node(), src.as_bytes());
            while let Some(m) = matches.next() {
                for c in m.captures() {
                    let name = query.capture_names()[c.index as usize].to_string();
                    want.push((name, c.node.start_byte()));
                }
            }
            let mut got: Vec<(String, usize)> = Vec::new();
            let mut stack = vec![tree.root_node()];
            while let Some(n) = stack.pop() {
                if n.kind_id() == native.root {
                    native.for_each_capture(n, &mut |c, node| {
                        got.push((c.to_string(), node.start_byte()))
                    });
                }
                let mut cursor = n.walk();
                stack.extend(n.children(&mut cursor));
            }
            want.sort();
            got.sort();
            assert!(!want.is_empty(), "{pattern} matches nothing in the sample");
            assert_eq!(got, want, "{pattern}");
        }
    }
}
