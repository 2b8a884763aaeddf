//! The patterns of `queries/*.scm` matched by a few field lookups instead of tree-sitter's
//! query engine: reference patterns by the shortest path ([`RefPattern`]), definition and
//! import patterns in general ([`DefPattern`]).
//!
//! Call sites are the most common pattern roots, and each query-cursor run costs about 10 k
//! instructions: calls through the query were 7.7 % of a cold tokio index. Compiling a query
//! costs more again: tree-sitter analyses each pattern against the grammar's whole parse table,
//! which was 30 % of a cold index of leveldb and 40 % of express. So no query is compiled: the
//! `.scm` files stay the one description of each language, in the query language's syntax
//! (the subset parsed here), and the tests check every pattern against the query engine.

use tree_sitter::{Language, Node};

mod bind;
pub use bind::BindPattern;

/// One reference pattern: a root kind and the constraint on its children. A special case of
/// [`DefPattern`] kept for speed: call sites are the most common roots, and matching them as
/// `DefPattern`s cost 2.6–5.8 % more instructions per cold index (tokio, gin, leveldb, express).
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
    /// A binding pattern's further children (`attribute:` beside `object:` of `self.x`);
    /// none in a reference pattern.
    more: Vec<Child>,
}

impl RefPattern {
    /// Calls `found(capture, node, parent)` for every capture of this pattern at `node` (whose
    /// kind is `root`). The parent comes from the match: `Node::parent` would re-descend from
    /// the tree's root, 4 % of a cold index of gin when every call asked it.
    pub fn for_each_capture<'t>(
        &self,
        node: Node<'t>,
        found: &mut impl FnMut(&'static str, Node<'t>, Node<'t>),
    ) {
        self.child.for_each_capture(node, found);
    }

    /// Parses one top-level pattern; `None` when it uses anything beyond kinds, fields,
    /// alternatives and `@ref.*`/`@inherit` captures on children.
    pub fn parse(text: &str, language: &Language) -> Option<RefPattern> {
        let mut p = Parser::new(text, false, language, false)?;
        p.expect("(")?;
        let root = p.kind()?;
        let child = p.child()?;
        p.expect(")")?;
        (p.at == p.toks.len()).then_some(RefPattern { root, child })
    }
}

impl Child {
    /// The captures of this chain under `node`: at a field's first child (`a` of `a, b int`),
    /// or at every named child.
    fn for_each_capture<'t>(
        &self,
        node: Node<'t>,
        found: &mut impl FnMut(&'static str, Node<'t>, Node<'t>),
    ) {
        match self.field {
            Some(f) => {
                if let Some(c) = node.child_by_field_id(f.get()) {
                    self.match_one(c, node, found);
                }
            }
            None => {
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    self.match_one(c, node, found);
                }
            }
        }
    }

    /// The capture names in this chain.
    fn capture_names(&self, out: &mut Vec<&'static str>) {
        for sub in &self.alts {
            out.extend(sub.capture);
            for c in sub.child.iter().chain(&sub.more) {
                c.capture_names(out);
            }
        }
    }

    fn match_one<'t>(
        &self,
        node: Node<'t>,
        parent: Node<'t>,
        found: &mut impl FnMut(&'static str, Node<'t>, Node<'t>),
    ) {
        if !node.is_named() {
            return;
        }
        let kind = node.kind_id();
        for sub in self
            .alts
            .iter()
            .filter(|s| s.kind == kind || s.kind == ANY_KIND)
        {
            if let Some(c) = sub.capture {
                found(c, node, parent);
            }
            for child in sub.child.iter().chain(&sub.more) {
                child.for_each_capture(node, found);
            }
        }
    }
}

struct Parser<'s, 'l> {
    toks: Vec<&'s str>,
    at: usize,
    language: &'l Language,
    /// Parsing a `BindPattern`: its captures, and `(_)` for any named node.
    bind: bool,
}

impl<'s, 'l> Parser<'s, 'l> {
    /// A parser of one pattern's tokens (all of the query syntax refpat reads when `full`),
    /// for a binding pattern when `bind`.
    fn new(text: &'s str, full: bool, language: &'l Language, bind: bool) -> Option<Self> {
        Some(Parser {
            toks: tokenize(text, full)?,
            at: 0,
            language,
            bind,
        })
    }

    fn peek(&self) -> Option<&'s str> {
        self.toks.get(self.at).copied()
    }

    fn next(&mut self) -> Option<&'s str> {
        let t = self.peek()?;
        self.at += 1;
        Some(t)
    }

    fn expect(&mut self, t: &str) -> Option<()> {
        (self.next()? == t).then_some(())
    }

    fn kind(&mut self) -> Option<u16> {
        let name = self.next()?;
        if name == "_" && self.bind {
            return Some(ANY_KIND);
        }
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
        let mut more = Vec::new();
        while self.bind && self.peek()? != ")" {
            more.push(self.child()?);
        }
        self.expect(")")?;
        let capture = match self.peek() {
            Some(t) if t.starts_with('@') => {
                self.at += 1;
                let names: &[&'static str] = if self.bind {
                    BIND_CAPTURES
                } else {
                    REF_CAPTURES
                };
                Some(*names.iter().find(|c| **c == &t[1..])?)
            }
            _ => None,
        };
        (capture.is_some() || child.is_some()).then_some(Sub {
            kind,
            capture,
            child,
            more,
        })
    }
}

/// The capture names the engine reads from reference patterns.
const REF_CAPTURES: &[&str] = &["ref.call", "ref.macro", "ref.type", "inherit"];

/// The capture names of binding patterns: a name and its type (see `parse::types`), what a
/// wrapper is made to hold, and helpers for what must be there: the receiver an `#eq?`
/// checks (`self`), a modifier.
const BIND_CAPTURES: &[&str] = &[
    "bind.name",
    "bind.field",
    "bind.type",
    "bind.new",
    "bind.held",
    "_self",
    "_modifier",
];

/// A sub-pattern's kind in a binding pattern's `(_)`: any named node. No grammar has this
/// many kinds.
const ANY_KIND: u16 = u16::MAX;

/// Tokens of a pattern: `(`, `)`, `[`, `]`, `field:`, `@capture`, kind names, and when `full`,
/// `!field`, anchors `.`, `#predicate?` names and string literals. `None` for anything else
/// (quantifiers, and in reference patterns all of the above).
fn tokenize(text: &str, full: bool) -> Option<Vec<&str>> {
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
        } else if matches!(c, b'(' | b')' | b'[' | b']') || full && c == b'.' {
            toks.push(&text[i..i + 1]);
            i += 1;
        } else if full && c == b'"' {
            let s = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            toks.push(text.get(s..i)?);
        } else if full && c == b'#' {
            let s = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'#' | b'-' | b'?' | b'!'))
            {
                i += 1;
            }
            toks.push(&text[s..i]);
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'@' || full && c == b'!' {
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

/// Every pattern [`RefPattern`] does not take: kinds, fields, alternatives, wildcards `(_)`,
/// negated fields, anchors (`.`), `#eq?` with a string and captures anywhere
/// (`(method_declaration receiver: (parameter_list …) name: (field_identifier) @name)
/// @def.method`). Compiling these into a query would cost more than matching them on a whole
/// repository: tree-sitter analyses every pattern against the grammar's whole parse table, about
/// 53 ms for C++ and 23 ms for TypeScript, paid by every process before its first parse.
#[derive(Debug)]
pub struct DefPattern {
    pub root: u16,
    top: DefSub,
    /// `(#eq? @capture "text")`: every node so captured has that text.
    equal: Vec<(&'static str, &'static str)>,
}

/// A node of one kind (or any named node, for `(_)`), its capture and its constraints.
#[derive(Debug)]
struct DefSub {
    kind: Option<u16>,
    capture: Option<&'static str>,
    constraints: Vec<Constraint>,
}

/// One child: a sub-pattern or alternatives, with a capture on the alternation itself if any.
#[derive(Debug)]
struct Item {
    alts: Vec<DefSub>,
    capture: Option<&'static str>,
}

#[derive(Debug)]
enum Constraint {
    /// `field: ITEM` (any child with the field) or `ITEM` (any named child).
    Child {
        field: Option<std::num::NonZeroU16>,
        item: Item,
    },
    /// `. ITEM . ITEM`: named children next to each other, the first of them the parent's
    /// first named child when an anchor leads, the last its last when one trails.
    Adjacent {
        first: bool,
        last: bool,
        items: Vec<Item>,
    },
    /// `!field`: no child has the field.
    Absent(std::num::NonZeroU16),
}

impl Item {
    /// Whether some alternative is of the node's kind.
    fn accepts(&self, node: Node) -> bool {
        let kind = node.kind_id();
        self.alts.iter().any(|s| s.kind.is_none_or(|k| k == kind))
    }
}

/// Whether every node captured under each `#eq?` predicate's name has its text.
fn predicates_hold(equal: &[(&str, &str)], caps: &[Capture], text: &[u8]) -> bool {
    equal.iter().all(|&(name, want)| {
        caps.iter()
            .filter(|(c, _)| *c == name)
            .all(|(_, n)| text.get(n.start_byte()..n.end_byte()) == Some(want.as_bytes()))
    })
}

/// A capture: its name in the query and the node.
pub type Capture<'t> = (&'static str, Node<'t>);

/// What is left to match: constraints on a node's children, or a node against an item.
#[derive(Clone, Copy)]
enum Goal<'p, 't> {
    Constraints(&'p [Constraint], Node<'t>),
    Match(&'p Item, Node<'t>),
}

impl DefPattern {
    /// Parses one top-level pattern; `None` when it uses anything else (quantifiers, other
    /// predicates) or names a kind or field the grammar lacks.
    pub fn parse(text: &'static str, language: &Language) -> Option<DefPattern> {
        let mut p = Parser::new(text, true, language, false)?;
        let mut equal = Vec::new();
        let top = p.def_sub(&mut equal)?;
        let root = top.kind?;
        (p.at == p.toks.len()).then_some(DefPattern { root, top, equal })
    }

    /// Whether the pattern finds declarations (`@decl.*`), which count only with a doc comment.
    pub fn declares(&self) -> bool {
        self.top.capture.is_some_and(|c| c.starts_with("decl."))
    }

    /// Calls `found` with the captures of every match of this pattern rooted at `node`, as the
    /// query cursor would find them (one call per combination of matching children).
    pub fn for_each_match<'t>(
        &self,
        node: Node<'t>,
        text: &[u8],
        caps: &mut Vec<Capture<'t>>,
        found: &mut dyn FnMut(&[Capture<'t>]),
    ) {
        if self.top.kind != Some(node.kind_id()) {
            return;
        }
        caps.clear();
        if let Some(c) = self.top.capture {
            caps.push((c, node));
        }
        let mut checked = |caps: &[Capture<'t>]| {
            if predicates_hold(&self.equal, caps, text) {
                found(caps);
            }
        };
        solve(
            Goal::Constraints(&self.top.constraints, node),
            None,
            caps,
            &mut checked,
        );
    }
}

/// Goals still to meet after the current one, as a list linked through the solver's own
/// stack frames: going on with more goals costs no allocation (a `Vec` per step was most of
/// the matching's instructions).
struct Later<'l, 'p, 't> {
    goal: Goal<'p, 't>,
    next: Option<&'l Later<'l, 'p, 't>>,
}

/// Meets `goal` in every way it can be met, each time going on with the goals `later`.
fn solve<'p, 't>(
    goal: Goal<'p, 't>,
    later: Option<&Later<'_, 'p, 't>>,
    caps: &mut Vec<Capture<'t>>,
    found: &mut dyn FnMut(&[Capture<'t>]),
) {
    match goal {
        Goal::Match(item, node) => {
            for sub in item
                .alts
                .iter()
                .filter(|s| s.kind.is_none_or(|k| k == node.kind_id()))
            {
                let mark = caps.len();
                caps.extend(item.capture.iter().chain(&sub.capture).map(|c| (*c, node)));
                solve(
                    Goal::Constraints(&sub.constraints, node),
                    later,
                    caps,
                    found,
                );
                caps.truncate(mark);
            }
        }
        Goal::Constraints(constraints, parent) => {
            let Some((first, rest)) = constraints.split_first() else {
                return go_on(later, caps, found);
            };
            let rest = Later {
                goal: Goal::Constraints(rest, parent),
                next: later,
            };
            match first {
                Constraint::Absent(field) => {
                    if parent.child_by_field_id(field.get()).is_none() {
                        go_on(Some(&rest), caps, found);
                    }
                }
                Constraint::Child { field, item } => {
                    // Most patterns that start at a node fail here, on a field it does not
                    // have: that costs no cursor.
                    if let Some(f) = field
                        && parent.child_by_field_id(f.get()).is_none()
                    {
                        return;
                    }
                    let mut cursor = parent.walk();
                    let mut more = cursor.goto_first_child();
                    while more {
                        let child = cursor.node();
                        let in_field = match field {
                            Some(f) => cursor.field_id() == Some(*f),
                            None => true,
                        };
                        if in_field && child.is_named() && item.accepts(child) {
                            solve(Goal::Match(item, child), Some(&rest), caps, found);
                        }
                        more = cursor.goto_next_sibling();
                    }
                }
                Constraint::Adjacent { first, last, items } => {
                    // A run anchored first fails at once on most nodes: on its first child.
                    if *first
                        && !parent
                            .named_child(0)
                            .zip(items.first())
                            .is_some_and(|(kid, item)| item.accepts(kid))
                    {
                        return;
                    }
                    let mut cursor = parent.walk();
                    let kids: Vec<Node<'t>> = parent.named_children(&mut cursor).collect();
                    let Some(starts) = kids.len().checked_sub(items.len()) else {
                        return;
                    };
                    for start in 0..=starts {
                        if *first && start > 0 || *last && start < starts {
                            continue;
                        }
                        match_run(items, &kids[start..], &rest, caps, found);
                    }
                }
            }
        }
    }
}

/// Goes on with the next goal, or reports the captures when none is left.
fn go_on<'p, 't>(
    later: Option<&Later<'_, 'p, 't>>,
    caps: &mut Vec<Capture<'t>>,
    found: &mut dyn FnMut(&[Capture<'t>]),
) {
    match later {
        Some(l) => solve(l.goal, l.next, caps, found),
        None => found(caps),
    }
}

/// Matches each of `items` against the node beside it in `kids`, in order, then goes on
/// with `rest`: the goals are linked from the last item back, each in its own frame.
fn match_run<'p, 't>(
    items: &'p [Item],
    kids: &[Node<'t>],
    rest: &Later<'_, 'p, 't>,
    caps: &mut Vec<Capture<'t>>,
    found: &mut dyn FnMut(&[Capture<'t>]),
) {
    fn link<'p, 't>(
        goals: &[Goal<'p, 't>],
        tail: &Later<'_, 'p, 't>,
        caps: &mut Vec<Capture<'t>>,
        found: &mut dyn FnMut(&[Capture<'t>]),
    ) {
        match goals.split_last() {
            Some((last, init)) => link(
                init,
                &Later {
                    goal: *last,
                    next: Some(tail),
                },
                caps,
                found,
            ),
            None => go_on(Some(tail), caps, found),
        }
    }
    let goals: Vec<Goal<'p, 't>> = items
        .iter()
        .zip(kids)
        .map(|(item, kid)| Goal::Match(item, *kid))
        .collect();
    link(&goals, rest, caps, found);
}

/// An element of a node's child list, before anchors join children into runs.
enum Element {
    Anchor,
    Constraint(Constraint),
}

impl Parser<'static, '_> {
    /// `(kind CHILD*) @capture?`, or `(_) @capture?` for any named node; `#eq?` predicates
    /// among the children go to `equal`.
    fn def_sub(&mut self, equal: &mut Vec<(&'static str, &'static str)>) -> Option<DefSub> {
        self.expect("(")?;
        let kind = if self.peek()? == "_" {
            self.at += 1;
            None
        } else {
            Some(self.kind()?)
        };
        let mut elements = Vec::new();
        while self.peek()? != ")" {
            if self.peek()? == "." {
                self.at += 1;
                elements.push(Element::Anchor);
            } else if self.toks.get(self.at + 1) == Some(&"#eq?") {
                equal.push(self.predicate()?);
            } else {
                elements.push(Element::Constraint(self.constraint(equal)?));
            }
        }
        self.at += 1;
        Some(DefSub {
            kind,
            capture: self.def_capture(),
            constraints: join_anchored(elements)?,
        })
    }

    /// `(#eq? @capture "text")`.
    fn predicate(&mut self) -> Option<(&'static str, &'static str)> {
        self.expect("(")?;
        self.expect("#eq?")?;
        let capture = self.next()?.strip_prefix('@')?;
        let text = self.next()?.strip_prefix('"')?.strip_suffix('"')?;
        self.expect(")")?;
        (!text.contains('\\')).then_some((capture, text))
    }

    /// `!field`, `field: ITEM` or `ITEM`, where ITEM is a sub-pattern or `[` sub-patterns `]`
    /// with an optional capture of its own.
    fn constraint(&mut self, equal: &mut Vec<(&'static str, &'static str)>) -> Option<Constraint> {
        if let Some(name) = self.peek()?.strip_prefix('!') {
            self.at += 1;
            return Some(Constraint::Absent(self.language.field_id_for_name(name)?));
        }
        let mut field = None;
        if let Some(name) = self.peek().and_then(|t| t.strip_suffix(':')) {
            self.at += 1;
            field = Some(self.language.field_id_for_name(name)?);
        }
        let item = if self.peek()? == "[" {
            self.at += 1;
            let mut alts = Vec::new();
            while self.peek()? != "]" {
                alts.push(self.def_sub(equal)?);
            }
            self.at += 1;
            Item {
                alts,
                capture: self.def_capture(),
            }
        } else {
            Item {
                alts: vec![self.def_sub(equal)?],
                capture: None,
            }
        };
        Some(Constraint::Child { field, item })
    }

    fn def_capture(&mut self) -> Option<&'static str> {
        let name = self.peek()?.strip_prefix('@')?;
        self.at += 1;
        Some(name)
    }
}

/// Children joined by anchors become one run of adjacent children; `None` when an anchor
/// touches anything but a child without a field, or leads a list it does not start.
fn join_anchored(elements: Vec<Element>) -> Option<Vec<Constraint>> {
    let unfielded = |e: Option<&Element>| {
        matches!(
            e,
            Some(Element::Constraint(Constraint::Child { field: None, .. }))
        )
    };
    let mut elements = elements.into_iter().peekable();
    let mut out = Vec::new();
    let mut at_start = true;
    while let Some(e) = elements.next() {
        let (first, head) = match e {
            Element::Anchor if at_start && unfielded(elements.peek()) => {
                let Some(Element::Constraint(Constraint::Child { item, .. })) = elements.next()
                else {
                    return None;
                };
                (true, item)
            }
            Element::Anchor => return None,
            Element::Constraint(Constraint::Child { field: None, item })
                if matches!(elements.peek(), Some(Element::Anchor)) =>
            {
                (false, item)
            }
            Element::Constraint(c) => {
                out.push(c);
                at_start = false;
                continue;
            }
        };
        at_start = false;
        let mut items = vec![head];
        let mut last = false;
        while matches!(elements.peek(), Some(Element::Anchor)) {
            elements.next();
            match elements.next() {
                Some(Element::Constraint(Constraint::Child { field: None, item })) => {
                    items.push(item)
                }
                None => last = true,
                Some(_) => return None,
            }
        }
        out.push(Constraint::Adjacent { first, last, items });
    }
    Some(out)
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
    use super::bind::{NAME_CAPTURES, TYPE_CAPTURES};
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
        for pattern in split_patterns(include_str!("../queries/rust.scm")) {
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
                    native.for_each_capture(n, &mut |c, node, parent| {
                        assert_eq!(node.parent().map(|p| p.id()), Some(parent.id()));
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

    /// Every match as its captures (name, start byte), sorted, and the matches sorted.
    type Matches = Vec<Vec<(String, usize)>>;

    fn query_matches(l: &Language, pattern: &str, tree: &tree_sitter::Tree, src: &str) -> Matches {
        compiled_matches(&tree_sitter::Query::new(l, pattern).unwrap(), tree, src)
    }

    fn compiled_matches(
        query: &tree_sitter::Query,
        tree: &tree_sitter::Tree,
        src: &str,
    ) -> Matches {
        use tree_sitter::{QueryCursor, StreamingIterator};
        let mut qc = QueryCursor::new();
        let mut matches = qc.matches(query, tree.root_node(), src.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = matches.next() {
            let mut caps: Vec<(String, usize)> = m
                .captures()
                .iter()
                .map(|c| {
                    let name = query.capture_names()[c.index as usize];
                    (name.to_string(), c.node.start_byte())
                })
                .collect();
            caps.sort();
            out.push(caps);
        }
        out.sort();
        out
    }

    fn native_matches(native: &DefPattern, tree: &tree_sitter::Tree, src: &str) -> Matches {
        let mut out = Vec::new();
        let mut caps = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(n) = stack.pop() {
            native.for_each_match(n, src.as_bytes(), &mut caps, &mut |m| {
                let mut m: Vec<(String, usize)> = m
                    .iter()
                    .map(|(c, node)| (c.to_string(), node.start_byte()))
                    .collect();
                m.sort();
                out.push(m);
            });
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
        out.sort();
        out
    }

    /// What a binding pattern binds, as `(name, type)` start bytes.
    type Bound = std::collections::BTreeSet<(usize, usize)>;

    /// Every name the query binds with every type it binds it to.
    fn query_bound(matches: &Matches) -> Bound {
        let mut out = Bound::new();
        for m in matches {
            let of = |wanted: [&'static str; 2]| -> Vec<usize> {
                m.iter()
                    .filter(|(c, _)| wanted.contains(&c.as_str()))
                    .map(|(_, at)| *at)
                    .collect()
            };
            for name in of(NAME_CAPTURES) {
                for ty in of(TYPE_CAPTURES) {
                    out.insert((name, ty));
                }
            }
        }
        out
    }

    /// The native bindings are ones the query makes, and where the query binds a name to a
    /// type, a name is bound natively (`a` of `a, b int`, where the query binds both).
    fn assert_binds_as_the_query(
        native: &Bound,
        query: &Bound,
        tree: &tree_sitter::Tree,
        what: &str,
    ) {
        assert!(
            native.is_subset(query),
            "{what}: {native:?} not within {query:?}"
        );
        // The node holding both a name and its type: the pattern's root.
        let root = |&(name, ty): &(usize, usize)| {
            let mut node = tree
                .root_node()
                .named_descendant_for_byte_range(name, name)?;
            while node.start_byte() > ty || node.end_byte() <= ty {
                node = node.parent()?;
            }
            Some(node.id())
        };
        let roots = |b: &Bound| -> std::collections::BTreeSet<Option<usize>> {
            b.iter().map(root).collect()
        };
        assert_eq!(
            roots(native),
            roots(query),
            "{what}: {native:?} against {query:?}"
        );
    }

    fn native_bound(native: &BindPattern, tree: &tree_sitter::Tree, src: &str) -> Bound {
        let mut out = Bound::new();
        let mut caps = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(n) = stack.pop() {
            if n.kind_id() == native.root {
                native.for_each_match(n, src.as_bytes(), &mut caps, &mut |m| {
                    out.insert((m[0].1.start_byte(), m[1].1.start_byte()));
                });
            }
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
        out
    }

    /// Each language's patterns and code that exercises every one of them: several children
    /// with one field (`import a, b`, `typedef int A, B`), nested alternatives, captures on an
    /// alternation, wildcards, absent fields, anchored runs, `#eq?`, sub-patterns captured as
    /// the definition.
    fn samples() -> Vec<(Language, &'static str, &'static str)> {
        vec![
            (
                tree_sitter_rust::LANGUAGE.into(),
                include_str!("../queries/rust.scm"),
                "use a::b;\nuse c::{d, e};\nmod f;\nmod g { fn h() {} }\nstruct S; enum E {}\n\
                 union U { x: u8 } type T = u8; trait Tr { fn sig(&self); }\nconst C: u8 = 1;\n\
                 static ST: u8 = 2;\nmacro_rules! m { () => {} }\nimpl Tr for S { fn sig(&self) {} }\n\
                 struct F { inner: Arc<Inner> }\nfn t(x: &mut Conn) { let y: u8 = 1; let z = Pool::new(); }\n\
                 fn u() { let q = Queue { n: 1 }; let s = Arc::new(Sem::new(1)); let b = Box::new(Buf { n }); }\n",
            ),
            (
                tree_sitter_python::LANGUAGE.into(),
                include_str!("../queries/python.scm"),
                "import os, sys as system\nimport a.b\nfrom .x import y\nfrom z import (w, v as vv)\n\
                 LIMIT = 3\nA, B = 1, 2\nclass K(Base, mod.Other):\n    X = 1\n    def m(self): pass\n\
                 @deco\ndef f():\n    g = 2\n\
                 def t(a: App, b: Ctx = None):\n    c: Pool = make()\n    d = Pool()\n\
                 class M:\n    def __init__(self):\n        self.e: Ctx = a\n        self.f = Pool()\n",
            ),
            (
                tree_sitter_javascript::LANGUAGE.into(),
                include_str!("../queries/javascript.scm"),
                "import x from './x';\nimport * as ns from 'ns';\nimport { a, b as c } from './ab';\nconst r = require('./r');\nrequire('side-effect');\nnotRequire('./n');\nrequire(dir, './not-first');\n\
                 defineGetter(req, 'host', function host() {});\ndefineGetter(req, 'ip', () => 1);\ndefineGetter(req, x, () => 1);\nwrap(fn, req, 'late', () => 1);\n\
                 function f() {}\nfunction* g() {}\nclass A extends B.C { m() {} #p() {} }\n\
                 const h = () => 1, i = function () {}, k = 3;\nvar l = m = function () {};\n\
                 exports.n = function () {};\nobj['o'] = class {};\nconst p = { q() {}, r: () => 1, 's': function () {} };\n\
                 export const t = 1;\nlet u;\n\
                 const v = new Pool();\nclass W { constructor() { this.p = new Pool(); } }\n",
            ),
            (
                tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
                include_str!("../queries/typescript.scm"),
                "import { x, w as ww } from './x';\nimport d, * as ns from './d';\nimport fs = require('fs');\nexport { y } from './y';\nconst r = require('./r');\nload('./l');\nrequire(dir, './not-first');\n\
                 function f(): void {}\nfunction* gen() {}\nclass A extends B implements I, J {\n\
                   m(): void {}\n  #p = () => 1;\n  q = function () {};\n}\nabstract class Ab { abstract n(): void; }\n\
                 interface I extends K {}\ntype T = string;\nenum E { A }\nconst h = () => 1, k = 2;\n\
                 module.exports.z = () => 1;\nconst o = { r: () => 1 };\nexport const t = 1;\nnamespace N {}\n\
                 class P { c: Conn; constructor(private s: Store, o?: Opt) { this.q = new Pool(); } }\n\
                 function u(a: App) { const b: Ctx = a; const d = new Pool(); }\n\
                 declare function df(a: string): void;\nexport declare function edf(): void;\n\
                 declare namespace dn { function nf(): void; export function enf(): void; }\n\
                 declare module \"dm\" { function mf(): void; export function emf(): void; }\n\
                 interface Store { get(key: string): number; size: number; }\n",
            ),
            (
                tree_sitter_go::LANGUAGE.into(),
                include_str!("../queries/go.scm"),
                "package p\nimport (\n\t\"fmt\"\n\tx \"a/b\"\n)\nfunc f() {}\nfunc (r *R) M() {}\nfunc (r R) N() {}\n\
                 func (g G[T]) O() {}\nfunc (g *G[T]) P() {}\ntype I interface{ M() }\ntype S struct{}\n\
                 type (\n\tA int\n\tB = map[string]int\n\tC func()\n\tD []int\n\tE *S\n\tF chan int\n\tH [2]int\n\tJ x.Y\n)\n\
                 type K struct { e *Engine }\nfunc u(c *Context) { var d Pool; x := &Pool{}; y := Pool{} }\n",
            ),
            (
                tree_sitter_java::LANGUAGE.into(),
                include_str!("../queries/java.scm"),
                "import a.b.C;\nimport static d.E.f;\nclass A extends B implements I, J {\n  A() {}\n  void m() {}\n\
                   record R(int x) {}\n  enum E { X }\n}\ninterface I extends K, L {}\n@interface Note {}\n\
                 class F { private Pool pool; void u(Conn c) { Ctx d = c.ctx(); var e = new Pool(); } }\n",
            ),
            (
                tree_sitter_c::LANGUAGE.into(),
                include_str!("../queries/c.scm"),
                "#include \"a.h\"\n#include <b.h>\n#define M(x) (x)\ntypedef int A, B;\n\
                 typedef struct s { int x; } S;\nunion u { int y; };\nenum e { X };\nint f(void) { return 0; }\n\
                 char *g(void) { return 0; }\nchar **h(void) { return 0; }\n\
                 int proto(int a);\nchar *pproto(void);\nint v, both(void), *pboth(void);\n",
            ),
            (
                tree_sitter_cpp::LANGUAGE.into(),
                include_str!("../queries/cpp.scm"),
                "#include \"a.h\"\n#include <vector>\n#define M(x) (x)\nclass LEVELDB_EXPORT Status {\n public:\n  Status() {}\n  bool ok() const { return true; }\n};\n\
                 struct S : public Base, Other { int x; };\nclass C { public: C(); ~C(); void m(); };\n\
                 union U { int y; };\nenum E { X };\ntypedef int A, B;\nusing T = int;\nC::C() {}\nC::~C() {}\n\
                 void C::m() {}\nint *f() { return 0; }\nint &g() { static int x; return x; }\n\
                 bool operator==(const S&, const S&) { return true; }\n\
                 struct F { Pool* pool; Conn conn; Ctx& ctx; };\nvoid u(Conn c, Pool* p, Ctx& x) { Ctx d; Pool* e = 0; Conn f = c; Ctx& g = x; }\n\
                 class D { Entry& get(int k) const; Status* find(); bool operator<(const D&) const;\n\
                 template <typename V> void put(const V& v); virtual ~D(); };\n\
                 Status destroy(const char* name);\nint* make();\nint& ref();\nvoid ns::free();\n\
                 class DB_EXPORT Db {\n public:\n  virtual Status Write(int batch) = 0;\n  Status Get(int k);\n};\n",
            ),
        ]
    }

    /// Each language's definition and import patterns, matched natively, find exactly what the
    /// query engine finds on code that exercises them: several children with one field (`import
    /// a, b`, `typedef int A, B`), nested alternatives, captures on an alternation, wildcards,
    /// absent fields, sub-patterns captured as the definition.
    #[test]
    fn definition_patterns_match_what_the_query_cursor_finds() {
        let cases = samples();
        let (mut natives, mut binds) = (0, 0);
        for (l, source, src) in cases {
            crate::engine::parse_memory::install();
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&l).unwrap();
            let tree = parser.parse(src, None).unwrap();
            for pattern in split_patterns(source) {
                if RefPattern::parse(pattern, &l).is_some() {
                    continue;
                }
                let want = query_matches(&l, pattern, &tree, src);
                assert!(!want.is_empty(), "{pattern} matches nothing in the sample");
                if let Some(bind) = BindPattern::parse(pattern, &l) {
                    binds += 1;
                    let native = native_bound(&bind, &tree, src);
                    assert!(!native.is_empty(), "{pattern} binds nothing natively");
                    assert_binds_as_the_query(&native, &query_bound(&want), &tree, pattern);
                    continue;
                }
                let Some(native) = DefPattern::parse(pattern, &l) else {
                    continue;
                };
                natives += 1;
                assert_eq!(native_matches(&native, &tree, src), want, "{pattern}");
            }
        }
        assert!(natives >= 60, "only {natives} patterns matched natively");
        assert!(
            binds >= 20,
            "only {binds} binding patterns matched natively"
        );
        // Binding patterns root at common nodes (parameters, assignments), where the general
        // solver costs: each is matched natively.
        for (l, source, _) in samples() {
            for pattern in split_patterns(source)
                .into_iter()
                .filter(|p| p.contains("@bind."))
            {
                assert!(BindPattern::parse(pattern, &l).is_some(), "{pattern}");
            }
        }
    }

    /// The same on broken code, where trees hold errors and missing nodes: each sample cut,
    /// doubled and spliced with stray tokens at pseudo-random places.
    #[test]
    fn definition_patterns_match_the_query_cursor_on_broken_code() {
        const STRAY: &[&str] = &[
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ";",
            ",",
            "'",
            "\"",
            "\n",
            ".",
            " = ",
            "=>",
            "fn ",
            "def ",
            "class ",
            "import ",
            "func ",
            "#include ",
            "(function () {",
            "x:",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        for (l, source, src) in samples() {
            crate::engine::parse_memory::install();
            let patterns: Vec<(&str, DefPattern, tree_sitter::Query)> = split_patterns(source)
                .into_iter()
                .filter(|p| RefPattern::parse(p, &l).is_none())
                .filter(|p| BindPattern::parse(p, &l).is_none())
                .filter_map(|p| DefPattern::parse(p, &l).map(|d| (p, d)))
                .map(|(p, d)| (p, d, tree_sitter::Query::new(&l, p).unwrap()))
                .collect();
            let binds: Vec<(&str, BindPattern, tree_sitter::Query)> = split_patterns(source)
                .into_iter()
                .filter(|p| RefPattern::parse(p, &l).is_none())
                .filter_map(|p| BindPattern::parse(p, &l).map(|b| (p, b)))
                .map(|(p, b)| (p, b, tree_sitter::Query::new(&l, p).unwrap()))
                .collect();
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&l).unwrap();
            for _ in 0..200 {
                let mut text = src.to_string();
                for _ in 0..3 {
                    let at = next(text.len());
                    let at = (0..=at)
                        .rev()
                        .find(|i| text.is_char_boundary(*i))
                        .unwrap_or(0);
                    match next(3) {
                        0 => {
                            let end = (at + next(12)).min(text.len());
                            let end = (end..=text.len())
                                .find(|i| text.is_char_boundary(*i))
                                .unwrap_or(text.len());
                            text.replace_range(at..end, "");
                        }
                        1 => {
                            let end = (at + next(40)).min(text.len());
                            let end = (end..=text.len())
                                .find(|i| text.is_char_boundary(*i))
                                .unwrap_or(text.len());
                            let piece = text[at..end].to_string();
                            text.insert_str(at, &piece);
                        }
                        _ => text.insert_str(at, STRAY[next(STRAY.len())]),
                    }
                }
                let tree = parser.parse(&text, None).unwrap();
                for (pattern, native, query) in &patterns {
                    assert_eq!(
                        native_matches(native, &tree, &text),
                        compiled_matches(query, &tree, &text),
                        "{pattern} on {text:?}"
                    );
                }
                for (pattern, bind, query) in &binds {
                    assert_binds_as_the_query(
                        &native_bound(bind, &tree, &text),
                        &query_bound(&compiled_matches(query, &tree, &text)),
                        &tree,
                        &format!("{pattern} on {text:?}"),
                    );
                }
            }
        }
    }

    #[test]
    fn what_definition_patterns_parse_and_what_does_not() {
        let rust: Language = tree_sitter_rust::LANGUAGE.into();
        let python: Language = tree_sitter_python::LANGUAGE.into();
        let js: Language = tree_sitter_javascript::LANGUAGE.into();
        assert!(
            DefPattern::parse("(mod_item name: (identifier) @import.mod !body)", &rust).is_some()
        );
        assert!(
            DefPattern::parse("(import_from_statement module_name: (_) @import)", &python)
                .is_some()
        );
        for ok in [
            "(call_expression function: (identifier) @_req arguments: (arguments . (string (string_fragment) @import)) (#eq? @_req \"require\"))",
            "(arguments . (identifier) @obj . (string) @prop .)",
            "(arguments (identifier) @a . (string) @b)",
        ] {
            assert!(DefPattern::parse(ok, &js).is_some(), "{ok}");
        }
        for no in [
            "(call_expression (identifier)* @x)",
            "(call_expression (identifier)? @x)",
            "(call_expression function: (identifier) @x (#match? @x \"^r\"))",
            "(call_expression function: (identifier) @x (#eq? @x @y))",
            "(call_expression function: . (identifier) @x)",
            "(call_expression function: (identifier) . (arguments))",
            "(arguments (identifier) . .)",
            "(call_expression no_such_field: (identifier) @x)",
            "(no_such_kind) @x",
        ] {
            assert!(DefPattern::parse(no, &js).is_none(), "{no}");
        }
    }
}
