//! One file → its definitions (whole-node ranges, qualified names, doc comments, signatures),
//! references, imports and token documents, from a single tree-sitter parse.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Parser, Point, QueryCursor, Range, StreamingIterator, Tree};

use super::lang::{Lang, LangQuery};
use super::{rust_scan, tokens};

/// Field slots of a token document (the path field lives once per file).
pub const F_NAME: usize = 0;
pub const F_DOC: usize = 1;
pub const F_SIG: usize = 2;
pub const F_BODY: usize = 3;
pub const NF: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Function,
    Method,
    Class,
    Interface,
    Constant,
    Macro,
    Module,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Method => "method",
            Kind::Class => "class",
            Kind::Interface => "interface",
            Kind::Constant => "constant",
            Kind::Macro => "macro",
            Kind::Module => "module",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Symbol {
    /// Qualified with its containers (`TcpListener::accept`, `Flask.wsgi_app`). The simple
    /// name is its tail from `name_at`: one string per symbol instead of two (a million lines
    /// of code have about 180,000 symbols).
    qual: Box<str>,
    name_at: u32,
    pub kind: Kind,
    /// 1-based inclusive lines of the whole definition node.
    pub start: u32,
    pub end: u32,
    pub start_byte: u32,
    pub end_byte: u32,
    /// Where the definition node itself starts (its signature is read from there), and the
    /// bytes of its doc comment or docstring (`doc_start == doc_end` if none). Both are read
    /// back from the file when an answer shows them, instead of being kept for every symbol.
    pub sig_at: u32,
    pub doc_start: u32,
    pub doc_end: u32,
    /// Index of the innermost enclosing symbol of the same file, `NONE` if top level.
    pub parent: u32,
}

pub const NONE: u32 = u32::MAX;

impl Symbol {
    /// The simple name (`accept`, `select!`, `res.send` for assignment-style JS).
    pub fn name(&self) -> &str {
        self.qual.get(self.name_at as usize..).unwrap_or(&self.qual)
    }

    /// The name qualified with its containers.
    pub fn qual(&self) -> &str {
        &self.qual
    }

    /// The signature, read from the file's current `text` (empty if it no longer fits).
    pub fn signature_in(&self, text: &str) -> String {
        let (start, end) = (self.sig_at as usize, self.end_byte as usize);
        text.get(start..end.max(start))
            .map(signature_of_text)
            .unwrap_or_default()
    }

    /// The doc comment or docstring, read from the file's current `text`.
    pub fn doc_in(&self, text: &str) -> String {
        text.get(self.doc_start as usize..self.doc_end as usize)
            .map(clean_doc)
            .unwrap_or_default()
    }

    /// `(qual, name_at)` for a qualified name ending in `name`, as every definition's does.
    fn qual_and_name(qual: String, name: &str) -> (Box<str>, u32) {
        match qual.strip_suffix(name) {
            Some(head) => {
                let at = head.len() as u32;
                (qual.into_boxed_str(), at)
            }
            // Not reached: qualified names are built by appending the name to its containers.
            None => (name.into(), 0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefKind {
    Call,
    Type,
    Inherit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ref {
    pub name: String,
    /// Enclosing symbol, `NONE` for file level.
    pub from: u32,
    pub kind: RefKind,
}

/// Per-document term counts over a file-local vocabulary.
#[derive(Debug, Clone, Default)]
pub struct LocalDoc {
    pub terms: Vec<(u32, [u8; NF])>,
    pub lens: [u16; NF],
}

#[derive(Debug)]
pub struct ParsedFile {
    /// The language the file was parsed as (a `.h` header may turn out to be C++).
    pub lang: Lang,
    pub lines: u32,
    pub symbols: Vec<Symbol>,
    pub refs: Vec<Ref>,
    /// Import targets as `/`-separated module paths, relative ones already joined to the file's
    /// directory (`lib/router/layer`, `src/flask/ctx`, `runtime/task`).
    pub imports: Vec<String>,
    pub vocab: Vec<String>,
    /// One per symbol, then the file document last.
    pub docs: Vec<LocalDoc>,
    pub path_terms: Vec<(u32, u8)>,
}

/// One parser per language, per thread.
#[derive(Default)]
pub struct Parsers {
    slots: HashMap<Lang, Parser>,
}

impl Parsers {
    fn get(&mut self, lang: Lang) -> Option<&mut Parser> {
        match self.slots.entry(lang) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut p = Parser::new();
                p.set_language(&lang.language()).ok()?;
                Some(v.insert(p))
            }
        }
    }
}

struct RawDef {
    kind: Kind,
    name: String,
    qual: String,
    start_byte: usize,
    end_byte: usize,
    start: u32,
    end: u32,
    sig: String,
    sig_at: usize,
    doc: String,
    doc_range: Option<(usize, usize)>,
}

struct RawRef {
    name: String,
    pos: usize,
    kind: RefKind,
}

#[derive(Default)]
struct Collected {
    defs: Vec<RawDef>,
    refs: Vec<RawRef>,
    imports: Vec<String>,
}

pub fn parse_file(rel: &str, lang: Lang, text: &str, parsers: &mut Parsers) -> ParsedFile {
    let lang = lang.refine(rel, text);
    let mut out = ParsedFile {
        lang,
        lines: count_lines(text),
        symbols: Vec::new(),
        refs: Vec::new(),
        imports: Vec::new(),
        vocab: Vec::new(),
        docs: Vec::new(),
        path_terms: Vec::new(),
    };
    let mut col = Collected::default();
    if let (Some(query), Some(parser)) = (lang.query(), parsers.get(lang)) {
        let tree = if lang == Lang::Rust {
            parse_rust(parser, text, &mut col)
        } else {
            let _ = parser.set_included_ranges(&[]);
            parser.parse(text, None)
        };
        if let Some(tree) = tree {
            collect(&tree, query, lang, text, rel, &[], &mut col);
            if lang == Lang::Rust {
                rust_macro_items(parser, &tree, query, text, rel, &mut col, 0);
                let _ = parser.set_included_ranges(&[]);
            }
        }
    }
    col.defs.sort_by(|a, b| {
        a.start_byte
            .cmp(&b.start_byte)
            .then(b.end_byte.cmp(&a.end_byte))
    });
    col.defs.dedup_by(|a, b| {
        a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.name == b.name
    });
    build(rel, text, col, &mut out);
    out
}

pub fn count_lines(text: &str) -> u32 {
    let n = text.bytes().filter(|b| *b == b'\n').count() as u32;
    if text.is_empty() || text.ends_with('\n') {
        n
    } else {
        n + 1
    }
}

fn node_text<'a>(n: Node, text: &'a str) -> &'a str {
    text.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

/// One cursor walk over the tree: `type_identifier` nodes become type references, and at each
/// node where a query pattern can start the query runs for patterns starting right there. The
/// walk keeps the ancestors of the current node, so definitions find their containers without
/// `Node::parent` (which re-descends from the root on every call).
fn collect(
    tree: &Tree,
    lq: &LangQuery,
    lang: Lang,
    text: &str,
    rel: &str,
    outer: &[String],
    col: &mut Collected,
) {
    let type_id = if lang.has_type_identifiers() {
        tree.language().id_for_node_kind("type_identifier", true)
    } else {
        0
    };
    let cx = FileCtx {
        lq,
        lang,
        text,
        rel,
        outer,
    };
    let mut qc = QueryCursor::new();
    qc.set_max_start_depth(Some(0));
    let mut ancestors: Vec<Node> = Vec::new();
    let mut c = tree.walk();
    loop {
        let n = c.node();
        let kind = n.kind_id();
        if kind == type_id && type_id != 0 {
            col.refs.push(RawRef {
                name: node_text(n, text).to_string(),
                pos: n.start_byte(),
                kind: RefKind::Type,
            });
        }
        for pattern in lq.ref_patterns(kind) {
            pattern.for_each_capture(n, &mut |cname, node| {
                push_ref(cname, node_text(node, text), node.start_byte(), col);
            });
        }
        if lq.is_anchor(kind) {
            let mut matches = qc.matches(&lq.query, n, text.as_bytes());
            while let Some(m) = matches.next() {
                on_match(m, cx, (n, &ancestors), col);
            }
        }
        if !lq.is_opaque(kind) && c.goto_first_child() {
            ancestors.push(n);
            continue;
        }
        loop {
            if c.goto_next_sibling() {
                break;
            }
            if !c.goto_parent() {
                return;
            }
            ancestors.pop();
        }
    }
}

/// What every match in one file shares.
#[derive(Clone, Copy)]
struct FileCtx<'a> {
    lq: &'a LangQuery,
    lang: Lang,
    text: &'a str,
    rel: &'a str,
    outer: &'a [String],
}

fn on_match(
    m: &tree_sitter::QueryMatch,
    cx: FileCtx,
    (anchor, anchor_ancestors): (Node, &[Node]),
    col: &mut Collected,
) {
    let FileCtx {
        lq,
        lang,
        text,
        rel,
        outer,
    } = cx;
    let names = lq.query.capture_names();
    let mut def: Option<(Node, &str)> = None;
    let mut name: Option<Node> = None;
    let (mut recv, mut obj, mut prop) = (None, None, None);
    for c in m.captures() {
        let cname = names[c.index as usize];
        match cname {
            "name" => name = Some(c.node),
            "recv" => recv = Some(c.node),
            "obj" => obj = Some(c.node),
            "prop" => prop = Some(c.node),
            "import" | "import.mod" => {
                let raw = node_text(c.node, text);
                for imp in import_paths(lang, rel, raw, cname == "import.mod") {
                    col.imports.push(imp);
                }
            }
            _ if cname == "inherit" || cname.starts_with("ref.") => {
                push_ref(cname, node_text(c.node, text), c.node.start_byte(), col)
            }
            _ if cname.starts_with("def.") => def = Some((c.node, &cname[4..])),
            _ => {}
        }
    }
    let Some((node, kind_s)) = def else { return };
    let mut kind = match kind_s {
        "function" | "getter" => Kind::Function,
        "method" => Kind::Method,
        "class" => Kind::Class,
        "interface" => Kind::Interface,
        "constant" => Kind::Constant,
        "macro" => Kind::Macro,
        _ => Kind::Module,
    };
    let (simple, qualified_already) = if kind_s == "getter" {
        match (obj, prop) {
            (Some(o), Some(p)) => (
                format!("{}.{}", node_text(o, text), node_text(p, text)),
                true,
            ),
            _ => return,
        }
    } else {
        let Some(n) = name else { return };
        let t: String = node_text(n, text).split_whitespace().collect();
        let t = t.trim_matches(|c| c == '"' || c == '\'');
        let t = if lang == Lang::Cpp {
            without_template_args(t)
        } else {
            t.to_string()
        };
        if t.is_empty() || t.len() > 120 {
            return;
        }
        let q = t.contains('.') || t.contains('[') || t.contains("::");
        (t, q)
    };
    let simple = if kind == Kind::Macro && lang == Lang::Rust {
        format!("{simple}!")
    } else {
        simple
    };
    // The definition is the pattern's root or (for patterns rooted at the file) lies below it.
    let below_anchor: Vec<Node>;
    let ancestors: &[Node] = if node == anchor {
        anchor_ancestors
    } else {
        let mut between = Vec::new();
        let mut cur = node.parent();
        while let Some(p) = cur.filter(|p| *p != anchor) {
            between.push(p);
            cur = p.parent();
        }
        between.reverse();
        below_anchor = [anchor_ancestors, &[anchor], &between].concat();
        &below_anchor
    };
    let (range, depth) = widen(lang, node, ancestors);
    let mut containers: Vec<String> = outer.to_vec();
    containers.extend(containers_of(lang, &ancestors[..depth], text));
    if let Some(r) = recv {
        containers.push(node_text(r, text).to_string());
    }
    let qual = if qualified_already || containers.is_empty() {
        simple.clone()
    } else {
        format!(
            "{}{}{}",
            containers.join(lang.member_sep()),
            lang.member_sep(),
            simple
        )
    };
    // A C++ definition out of its class (`void DBImpl::Write(…)`) is a method of that class.
    if kind == Kind::Function
        && (!containers.is_empty() && !qualified_already
            || lang == Lang::Cpp && simple.contains("::"))
    {
        kind = Kind::Method;
    }
    let name_simple = if lang == Lang::Cpp && simple.contains("::") {
        simple.rsplit("::").next().unwrap_or(&simple).to_string()
    } else {
        simple.clone()
    };
    let (doc, doc_range) = doc_of(lang, range, node, text);
    col.defs.push(RawDef {
        kind,
        name: name_simple,
        qual,
        start_byte: range.start_byte(),
        end_byte: range.end_byte(),
        start: range.start_position().row as u32 + 1,
        end: end_line(range),
        sig: signature(node, text),
        sig_at: node.start_byte(),
        doc,
        doc_range,
    });
}

/// `SkipList<Key, Comparator>::Insert` → `SkipList::Insert`: a C++ out-of-line definition is
/// named as its class's member, whatever the class's template parameters are called. Operator
/// names keep their angle brackets.
fn without_template_args(name: &str) -> String {
    if !name.contains('<') || name.contains("operator") {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut depth = 0u32;
    for c in name.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The reference an `@inherit` or `@ref.*` capture of `name` at byte `pos` makes.
fn push_ref(cname: &str, name: &str, pos: usize, col: &mut Collected) {
    let kind = match cname {
        "inherit" => RefKind::Inherit,
        "ref.type" => RefKind::Type,
        _ => RefKind::Call,
    };
    let mut name = name.to_string();
    if cname == "ref.macro" {
        name.push('!');
    }
    col.refs.push(RawRef { name, pos, kind });
}

fn end_line(n: Node) -> u32 {
    let p = n.end_position();
    // A node ending at column 0 ends on the previous line (its trailing newline).
    if p.column == 0 && p.row > n.start_position().row {
        p.row as u32
    } else {
        p.row as u32 + 1
    }
}

/// The node whose range we cite (decorators, `export` and declaration wrappers included), and
/// how many of `ancestors` (outermost first) are still above it.
fn widen<'t>(lang: Lang, node: Node<'t>, ancestors: &[Node<'t>]) -> (Node<'t>, usize) {
    let mut n = node;
    let mut depth = ancestors.len();
    let parent = |depth: usize| depth.checked_sub(1).map(|i| ancestors[i]);
    match lang {
        Lang::Python => {
            if let Some(p) = parent(depth).filter(|p| p.kind() == "decorated_definition") {
                n = p;
                depth -= 1;
            }
        }
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            if n.kind() == "variable_declarator"
                && let Some(p) = parent(depth).filter(|p| {
                    matches!(p.kind(), "lexical_declaration" | "variable_declaration")
                        && p.named_child_count() == 1
                })
            {
                n = p;
                depth -= 1;
            }
            if let Some(p) = parent(depth).filter(|p| p.kind() == "export_statement") {
                n = p;
                depth -= 1;
            }
        }
        Lang::Go => {
            if n.kind() == "type_spec"
                && let Some(p) = parent(depth)
                    .filter(|p| p.kind() == "type_declaration" && p.named_child_count() == 1)
            {
                n = p;
                depth -= 1;
            }
        }
        Lang::Cpp => {
            if let Some(p) = parent(depth).filter(|p| p.kind() == "template_declaration") {
                n = p;
                depth -= 1;
            }
        }
        _ => {}
    }
    (n, depth)
}

/// The ancestors of `node`, outermost first (by `Node::parent`: for the few nodes found
/// outside the main walk).
fn ancestors_of(node: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut cur = node.parent();
    while let Some(p) = cur {
        out.push(p);
        cur = p.parent();
    }
    out.reverse();
    out
}

/// Names of the classes/impls/traits among `ancestors` (outermost first), in that order.
fn containers_of(lang: Lang, ancestors: &[Node], text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, p) in ancestors.iter().enumerate() {
        let p = *p;
        let name = match (lang, p.kind()) {
            (Lang::Rust, "impl_item") => p
                .child_by_field_name("type")
                .map(|t| rust_type_name(node_text(t, text))),
            (Lang::Rust, "mod_item") => p
                .child_by_field_name("name")
                .map(|t| node_text(t, text).to_string()),
            (Lang::Rust, "trait_item") => p
                .child_by_field_name("name")
                .map(|t| node_text(t, text).to_string()),
            (Lang::Python, "class_definition") => p
                .child_by_field_name("name")
                .map(|t| node_text(t, text).to_string()),
            (
                Lang::JavaScript | Lang::TypeScript | Lang::Tsx,
                "class_declaration"
                | "class"
                | "abstract_class_declaration"
                | "interface_declaration",
            ) => p
                .child_by_field_name("name")
                .or_else(|| {
                    i.checked_sub(1)
                        .map(|j| ancestors[j])
                        .filter(|pp| pp.kind() == "variable_declarator")
                        .and_then(|pp| pp.child_by_field_name("name"))
                })
                .map(|t| node_text(t, text).to_string()),
            (
                Lang::Java,
                "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration",
            ) => p
                .child_by_field_name("name")
                .map(|t| node_text(t, text).to_string()),
            (Lang::Cpp, "class_specifier" | "struct_specifier") => p
                .child_by_field_name("name")
                .map(|t| node_text(t, text).to_string()),
            _ => None,
        };
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            out.push(n);
        }
    }
    out
}

/// `Foo<T>` / `crate::a::Foo<'a>` / `&mut Foo` → `Foo`.
fn rust_type_name(t: &str) -> String {
    let t = t.split('<').next().unwrap_or(t);
    let t = t.rsplit("::").next().unwrap_or(t);
    t.trim_start_matches(['&', ' '])
        .trim_start_matches("mut ")
        .trim()
        .to_string()
}

/// The doc comment (comment lines right above, or a Python docstring) and its byte range.
///
/// Comments above are read from the text, line by line, rather than through
/// `Node::prev_sibling`, which costs a scan of all earlier siblings on every call.
fn doc_of(lang: Lang, range: Node, def: Node, text: &str) -> (String, Option<(usize, usize)>) {
    if lang == Lang::Python
        && let Some(body) = def.child_by_field_name("body")
        && let Some(first) = body.named_child(0)
        && first.kind() == "expression_statement"
        && let Some(s) = first.named_child(0)
        && s.kind() == "string"
    {
        let raw = node_text(s, text);
        return (clean_doc(raw), Some((s.start_byte(), s.end_byte())));
    }
    match comment_lines_above(lang, text, range.start_byte()) {
        Some((start, end)) => (clean_doc(&text[start..end]), Some((start, end))),
        None => (String::new(), None),
    }
}

/// The byte range of the comment lines directly above the line where `at` starts (attribute and
/// decorator lines in between are skipped; a blank line or code ends the comment).
fn comment_lines_above(lang: Lang, text: &str, at: usize) -> Option<(usize, usize)> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at].trim().is_empty() {
        return None; // something else precedes the definition on its line
    }
    let python = lang == Lang::Python;
    let mut cursor = line_start; // start of the line below the one being looked at
    let (mut first, mut last) = (None, None);
    let mut in_block = false; // inside a `/* … */` read bottom-up
    while cursor > 0 {
        let end = cursor - 1; // the newline ending the line above
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let t = text[start..end].trim();
        let comment = if in_block {
            if t.contains("/*") {
                in_block = false;
            }
            true
        } else if python {
            t.starts_with('#')
        } else if t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') {
            in_block = t.ends_with("*/") && !t.contains("/*");
            true
        } else if t.ends_with("*/") {
            in_block = !t.contains("/*");
            true
        } else {
            false
        };
        if comment {
            first = Some(start);
            last.get_or_insert(end);
        } else if first.is_none()
            && let Some(attr_start) = attribute_above(lang, text, start, t)
        {
            // Attributes and decorators sit between a definition and its doc comment, never
            // inside it: the range stays comment lines only.
            cursor = attr_start;
            continue;
        } else {
            break;
        }
        cursor = start;
    }
    Some((first?, last?))
}

/// If the line at `start` (trimmed: `t`) is an attribute or decorator, or the last line of one
/// spanning a few lines (`#[derive(\n  Debug,\n)]`), the start of its first line.
fn attribute_above(lang: Lang, text: &str, start: usize, t: &str) -> Option<usize> {
    if is_attribute_line(lang, t) {
        return Some(start);
    }
    if !(t.ends_with(')') || t.ends_with(']')) {
        return None;
    }
    let mut cursor = start;
    for _ in 0..12 {
        let end = cursor.checked_sub(1)?;
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let l = text[line_start..end].trim();
        if l.is_empty() {
            return None;
        }
        if is_attribute_line(lang, l) {
            // Only an attribute left open on its first line continues down to here.
            let depth = |open: char, close: char| {
                l.matches(open).count() as i64 - l.matches(close).count() as i64
            };
            return (depth('(', ')') + depth('[', ']') > 0).then_some(line_start);
        }
        cursor = line_start;
    }
    None
}

fn is_attribute_line(lang: Lang, t: &str) -> bool {
    match lang {
        Lang::Rust => t.starts_with("#["),
        Lang::Python | Lang::Java | Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            t.starts_with('@')
        }
        _ => false,
    }
}

fn clean_doc(raw: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in raw.lines() {
        // Examples inside doc comments are code about other things; keep the prose only.
        let bare = line.trim().trim_start_matches(['/', '!', '*', '#']).trim();
        if bare.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let l = line
            .trim()
            .trim_start_matches("/**")
            .trim_start_matches("/*!")
            .trim_start_matches("/*")
            .trim_end_matches("*/")
            .trim_start_matches("///")
            .trim_start_matches("//!")
            .trim_start_matches("//")
            .trim_start_matches('#')
            .trim_start_matches('*')
            .trim_matches(|c| c == '"' || c == '\'')
            .trim();
        if l.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(l);
        if out.len() > 1200 {
            break;
        }
    }
    out.trim().to_string()
}

/// The first line of the definition (more while a parameter list is still open).
fn signature(def: Node, text: &str) -> String {
    signature_of_text(node_text(def, text))
}

fn signature_of_text(t: &str) -> String {
    let mut out = String::new();
    let mut depth: i32 = 0;
    for (i, line) in t.lines().take(6).enumerate() {
        let l = line.trim();
        if i > 0 {
            out.push(' ');
        }
        out.push_str(l);
        for c in l.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 || out.len() > 200 {
            break;
        }
    }
    let out = out.trim_end_matches('{').trim().to_string();
    if out.len() > 240 {
        let mut cut = 240;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}…", &out[..cut])
    } else {
        out
    }
}

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
                vec![join(dir, raw)]
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
    }
}

/// A Rust file parsed without its comments and with its item macros' bodies read as items in
/// place (see `rust_scan`). When the tree has errors, the parse is repeated incrementally (only
/// the changed ranges are re-read) with less left out: first without the macros whose bodies
/// hold the errors (the parse-again pass then reads those bodies on their own, as before), then
/// with the comments back in; errors that remain are the file's own. The macros' own names
/// become references, as the query makes them for other invocations.
fn parse_rust(parser: &mut Parser, text: &str, col: &mut Collected) -> Option<Tree> {
    let rust_scan::Scan {
        mut macros,
        mut comments,
    } = rust_scan::scan(text);
    let mut old: Option<Tree> = None;
    while !(macros.is_empty() && comments.is_empty()) {
        let ranges = rust_scan::included_ranges(text, &macros, &comments);
        if parser.set_included_ranges(&ranges).is_err() {
            break;
        }
        let tree = parser.parse(text, old.as_ref())?;
        let failed = failed_macros(&tree, &macros);
        if !failed.is_empty() {
            let mut i = 0;
            macros.retain(|_| {
                i += 1;
                !failed.contains(&(i - 1))
            });
        } else if tree.root_node().has_error() && !comments.is_empty() {
            comments.clear();
        } else {
            for m in &macros {
                push_ref("ref.macro", &text[m.name.0..m.name.1], m.name.0, col);
            }
            return Some(tree);
        }
        old = Some(tree);
    }
    parser.set_included_ranges(&[]).ok()?;
    parser.parse(text, old.as_ref())
}

/// Indexes of the macros whose bodies hold a syntax error: each error node counts against the
/// innermost macro it overlaps (one that spills past a body still counts). Errors outside
/// every macro are the file's own.
fn failed_macros(tree: &Tree, macros: &[rust_scan::ItemMacro]) -> Vec<usize> {
    let mut failed = Vec::new();
    if !tree.root_node().has_error() {
        return failed;
    }
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let (s, e) = (n.start_byte(), n.end_byte());
            let innermost = macros
                .iter()
                .enumerate()
                .filter(|(_, m)| m.name.0 < e.max(s + 1) && s <= m.close)
                .max_by_key(|(_, m)| m.name.0);
            if let Some((i, _)) = innermost
                && !failed.contains(&i)
            {
                failed.push(i);
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c).filter(|c| c.has_error()));
    }
    failed
}

/// Rust items hidden in macro invocations (`cfg_rt! { … }`, `doc! { macro_rules! … }`) are token
/// trees to the grammar; parse their insides again as items, in place.
fn rust_macro_items(
    parser: &mut Parser,
    tree: &Tree,
    query: &LangQuery,
    text: &str,
    rel: &str,
    col: &mut Collected,
    depth: u32,
) {
    if depth > 3 {
        return;
    }
    let mut stack = vec![tree.root_node()];
    let mut found: Vec<(Range, Vec<String>)> = Vec::new();
    while let Some(n) = stack.pop() {
        let mut c = n.walk();
        for child in n.named_children(&mut c) {
            match child.kind() {
                "macro_invocation" => {
                    let Some(tt) = (0..child.named_child_count())
                        .filter_map(|i| child.named_child(i as u32))
                        .find(|c| c.kind() == "token_tree")
                    else {
                        continue;
                    };
                    if !rust_scan::looks_like_items(node_text(tt, text))
                        || tt.end_byte() < tt.start_byte() + 2
                    {
                        continue;
                    }
                    let sp = tt.start_position();
                    let ep = tt.end_position();
                    let r = Range {
                        start_byte: tt.start_byte() + 1,
                        end_byte: tt.end_byte() - 1,
                        start_point: Point {
                            row: sp.row,
                            column: sp.column + 1,
                        },
                        end_point: Point {
                            row: ep.row,
                            column: ep.column.saturating_sub(1),
                        },
                    };
                    found.push((r, containers_of(Lang::Rust, &ancestors_of(child), text)));
                }
                "declaration_list" | "impl_item" | "mod_item" | "trait_item" => stack.push(child),
                _ => {}
            }
        }
    }
    for (r, outer) in found {
        if parser.set_included_ranges(&[r]).is_err() {
            continue;
        }
        if let Some(sub) = parser.parse(text, None) {
            collect(&sub, query, Lang::Rust, text, rel, &outer, col);
            rust_macro_items(parser, &sub, query, text, rel, col, depth + 1);
        }
    }
}

/// Token documents, parents and enclosing symbols, from the collected definitions.
fn build(rel: &str, text: &str, col: Collected, out: &mut ParsedFile) {
    let defs = col.defs;
    // Parents by a stack sweep over definitions sorted by (start asc, end desc).
    let mut parents = vec![NONE; defs.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        while let Some(&top) = stack.last() {
            if defs[top].end_byte >= d.end_byte && defs[top].start_byte <= d.start_byte {
                break;
            }
            stack.pop();
        }
        if let Some(&top) = stack.last() {
            parents[i] = top as u32;
        }
        stack.push(i);
    }
    // The innermost definition containing `pos`: the last one starting at or before it, or
    // the nearest of its ancestors that still contains it (definitions nest properly).
    let innermost = |pos: usize| -> u32 {
        let first = defs.partition_point(|d| d.start_byte <= pos);
        // Candidates: the last def starting before pos and its ancestors.
        let mut cand = first.checked_sub(1);
        while let Some(c) = cand {
            if defs[c].end_byte > pos {
                return c as u32;
            }
            cand = if parents[c] == NONE {
                None
            } else {
                Some(parents[c] as usize)
            };
        }
        NONE
    };

    let mut vocab: HashMap<String, u32> = HashMap::default();
    let mut occ: Vec<(u32, u8, u32)> = Vec::new(); // (doc, field, term)
    let file_doc = defs.len() as u32;
    let intern = |t: &str, vocab: &mut HashMap<String, u32>| -> u32 {
        if let Some(&id) = vocab.get(t) {
            return id;
        }
        let id = vocab.len() as u32;
        vocab.insert(t.to_string(), id);
        id
    };

    let doc_ranges: Vec<(usize, usize)> = {
        let mut v: Vec<(usize, usize)> = defs.iter().filter_map(|d| d.doc_range).collect();
        v.sort();
        v
    };
    // Bodies: every identifier goes to its innermost symbol and to the file document. Most
    // identifiers recur (`self`, `err`, local names), so each distinct one is split, stemmed
    // and interned once per file.
    {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut dr = 0;
        let mut seen: HashMap<&str, (u32, u32)> = HashMap::default();
        let mut seen_ids: Vec<u32> = Vec::new();
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_alphabetic() || c == b'_' {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                while dr < doc_ranges.len() && doc_ranges[dr].1 <= start {
                    dr += 1;
                }
                let in_doc = dr < doc_ranges.len() && doc_ranges[dr].0 <= start;
                let owner = if in_doc { NONE } else { innermost(start) };
                let word = &text[start..i];
                let (a, b) = *seen.entry(word).or_insert_with(|| {
                    let a = seen_ids.len() as u32;
                    tokens::for_each_token(word, |t| seen_ids.push(intern(t, &mut vocab)));
                    (a, seen_ids.len() as u32)
                });
                for &id in &seen_ids[a as usize..b as usize] {
                    if owner != NONE {
                        occ.push((owner, F_BODY as u8, id));
                    }
                    occ.push((file_doc, F_BODY as u8, id));
                }
            } else {
                i += 1;
            }
        }
    }
    for (i, d) in defs.iter().enumerate() {
        let di = i as u32;
        for s in [&d.name, &d.qual] {
            tokens::for_each_token(s, |t| {
                let id = intern(t, &mut vocab);
                occ.push((di, F_NAME as u8, id));
            });
        }
        tokens::for_each_token(&d.doc, |t| {
            let id = intern(t, &mut vocab);
            occ.push((di, F_DOC as u8, id));
        });
        tokens::for_each_token(&d.sig, |t| {
            let id = intern(t, &mut vocab);
            occ.push((di, F_SIG as u8, id));
        });
        if parents[i] != NONE {
            // A container mentions its members by name.
            tokens::for_each_token(&d.name, |t| {
                let id = intern(t, &mut vocab);
                occ.push((parents[i], F_BODY as u8, id));
            });
        }
    }
    // File document: name = file stem, doc = the leading comment/docstring, sig = imports.
    let stem = rel.rsplit('/').next().unwrap_or(rel);
    let stem = stem.split('.').next().unwrap_or(stem);
    tokens::for_each_token(stem, |t| {
        let id = intern(t, &mut vocab);
        occ.push((file_doc, F_NAME as u8, id));
    });
    for imp in &col.imports {
        tokens::for_each_token(imp.rsplit('/').next().unwrap_or(imp), |t| {
            let id = intern(t, &mut vocab);
            occ.push((file_doc, F_SIG as u8, id));
        });
    }
    let mut path_counts: HashMap<u32, u8> = HashMap::default();
    let path_no_ext = rel.rsplit_once('.').map(|(a, _)| a).unwrap_or(rel);
    tokens::for_each_token(path_no_ext, |t| {
        let id = intern(t, &mut vocab);
        let e = path_counts.entry(id).or_insert(0);
        *e = e.saturating_add(1);
    });

    // Term frequencies per document without sorting the occurrences (millions in a big file
    // set): group them by document with a counting sort, then count each document's terms in
    // a dense table indexed by the file-local term id. Terms stay in first-seen order;
    // `make_rec` orders them by global id.
    let mut docs: Vec<LocalDoc> = vec![LocalDoc::default(); defs.len() + 1];
    let mut start = vec![0u32; docs.len() + 1];
    for o in &occ {
        start[o.0 as usize + 1] += 1;
    }
    for d in 0..docs.len() {
        start[d + 1] += start[d];
    }
    let mut grouped = vec![(0u8, 0u32); occ.len()];
    let mut fill = start.clone();
    for &(d, f, t) in &occ {
        let at = &mut fill[d as usize];
        grouped[*at as usize] = (f, t);
        *at += 1;
    }
    drop(occ);
    let mut slot_of_term = vec![u32::MAX; vocab.len()];
    for (d, doc) in docs.iter_mut().enumerate() {
        for &(f, t) in &grouped[start[d] as usize..start[d + 1] as usize] {
            let slot = &mut slot_of_term[t as usize];
            if *slot == u32::MAX {
                *slot = doc.terms.len() as u32;
                doc.terms.push((t, [0; NF]));
            }
            let tf = &mut doc.terms[*slot as usize].1[f as usize];
            *tf = tf.saturating_add(1);
        }
        for (t, tfs) in &doc.terms {
            slot_of_term[*t as usize] = u32::MAX;
            for (len, n) in doc.lens.iter_mut().zip(tfs) {
                *len = len.saturating_add(u16::from(*n));
            }
        }
    }

    // Each distinct (enclosing symbol, name, kind) once; names borrowed while deduplicating.
    let mut kept: Vec<(usize, u32)> = Vec::new();
    {
        let mut seen: rustc_hash::FxHashSet<(u32, &str, u8)> = Default::default();
        for (k, r) in col.refs.iter().enumerate() {
            if r.name.len() < 2 {
                continue;
            }
            let from = innermost(r.pos);
            if seen.insert((from, r.name.as_str(), r.kind as u8)) {
                kept.push((k, from));
            }
        }
    }
    let mut kept = kept.into_iter().peekable();
    let refs: Vec<Ref> = col
        .refs
        .into_iter()
        .enumerate()
        .filter_map(|(k, r)| {
            let (_, from) = kept.next_if(|(kk, _)| *kk == k)?;
            Some(Ref {
                name: r.name,
                from,
                kind: r.kind,
            })
        })
        .collect();
    let mut vocab_vec = vec![String::new(); vocab.len()];
    for (t, id) in vocab {
        vocab_vec[id as usize] = t;
    }
    let mut imports = col.imports;
    imports.sort();
    imports.dedup();
    out.symbols = defs
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let (qual, name_at) = Symbol::qual_and_name(d.qual, &d.name);
            Symbol {
                qual,
                name_at,
                kind: d.kind,
                start: d.start,
                end: d.end.max(d.start),
                start_byte: d.start_byte as u32,
                end_byte: d.end_byte as u32,
                sig_at: d.sig_at as u32,
                doc_start: d.doc_range.map_or(0, |r| r.0 as u32),
                doc_end: d.doc_range.map_or(0, |r| r.1 as u32),
                parent: parents[i],
            }
        })
        .collect();
    out.refs = refs;
    out.imports = imports;
    out.vocab = vocab_vec;
    out.docs = docs;
    let mut pt: Vec<(u32, u8)> = path_counts.into_iter().collect();
    pt.sort_unstable();
    out.path_terms = pt;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(rel: &str, lang: Lang, text: &str) -> Vec<(String, String)> {
        let parsed = parse_file(rel, lang, text, &mut Parsers::default());
        parsed
            .symbols
            .into_iter()
            .map(|s| {
                let doc = s.doc_in(text);
                (s.qual().to_string(), doc)
            })
            .collect()
    }

    #[test]
    fn doc_comments_are_read_from_the_lines_above() {
        let rust = "//! Module docs.\n\n/* Block\n   spanning lines. */\n#[inline]\n\
                    pub fn a() {}\n\n// Detached.\n\npub fn b() {}\nlet x = 1; // trailing\n\
                    pub fn c() {}\n/**\n * Starred.\n */\n#[derive(\n    Debug,\n)]\nstruct D;\n";
        let got = docs("src/lib.rs", Lang::Rust, rust);
        let doc = |q: &str| got.iter().find(|(n, _)| n == q).map(|(_, d)| d.as_str());
        assert_eq!(doc("a"), Some("Block spanning lines."));
        assert_eq!(doc("b"), Some(""), "a blank line ends a doc comment");
        assert_eq!(doc("c"), Some(""), "code above is no doc");
        assert_eq!(
            doc("D"),
            Some("Starred."),
            "past an attribute spanning lines"
        );

        let py = "import os\n\n# Loads the config.\n# Twice.\n@cached\ndef load():\n    pass\n\
                  x = f(y)\ndef other():\n    pass\n";
        let got = docs("app.py", Lang::Python, py);
        let doc = |q: &str| got.iter().find(|(n, _)| n == q).map(|(_, d)| d.as_str());
        assert_eq!(doc("load"), Some("Loads the config. Twice."));
        assert_eq!(doc("other"), Some(""), "a call above is no decorator");

        let ts = "export class A {\n  /** Runs it. */\n  @Dec()\n  run() {}\n  x = 1; /* no */ go() {}\n}\n";
        let got = docs("a.ts", Lang::TypeScript, ts);
        let doc = |q: &str| got.iter().find(|(n, _)| n == q).map(|(_, d)| d.as_str());
        assert_eq!(doc("A.run"), Some("Runs it."));
        assert_eq!(doc("A.go"), Some(""), "code before it on its line");
    }

    #[test]
    fn item_macro_bodies_are_items_in_one_parse_and_misread_bodies_still_count() {
        let rust = "impl Handle {\n    cfg_a! {\n        cfg_b! {\n            pub fn nested(&self) {}\n        }\n    }\n}\n\
                    cfg_rt! {\n    /// Spawns.\n    pub fn spawn() {\n        helper()\n    }\n}\n\
                    mock! {\n    pub File {\n        fn open() {}\n    }\n}\n\
                    fn after() {}\n";
        let parsed = parse_file("src/lib.rs", Lang::Rust, rust, &mut Parsers::default());
        let sym = |q: &str| {
            parsed
                .symbols
                .iter()
                .find(|s| s.qual() == q)
                .map(|s| (s.start, s.end, s.kind))
        };
        // Nested in two macros inside an impl: still a method of Handle.
        assert_eq!(sym("Handle::nested"), Some((4, 4, Kind::Method)));
        assert_eq!(sym("spawn"), Some((10, 12, Kind::Function)));
        let spawn = parsed.symbols.iter().find(|s| s.qual() == "spawn").unwrap();
        assert_eq!(spawn.doc_in(rust), "Spawns.");
        // `mock!` is not items as written: it is read apart, and the file around it is intact.
        assert_eq!(sym("open"), Some((16, 16, Kind::Function)));
        assert_eq!(sym("after"), Some((19, 19, Kind::Function)));
        let refs: Vec<&str> = parsed.refs.iter().map(|r| r.name.as_str()).collect();
        for name in ["cfg_a!", "cfg_b!", "cfg_rt!", "helper"] {
            assert!(refs.contains(&name), "{name} in {refs:?}");
        }
    }

    #[test]
    fn a_rust_file_with_its_own_syntax_error_keeps_its_definitions_and_lines() {
        let rust = "/// One.\nfn one() {}\n\nfn broken( {\n// inside\n}\n\n/// Two.\nfn two() {}\n";
        let parsed = parse_file("src/lib.rs", Lang::Rust, rust, &mut Parsers::default());
        let two = parsed
            .symbols
            .iter()
            .find(|s| s.qual() == "two")
            .expect("two");
        assert_eq!((two.start, two.end), (9, 9));
        assert_eq!(two.doc_in(rust), "Two.");
        assert!(parsed.symbols.iter().any(|s| s.qual() == "one"));
    }
}
