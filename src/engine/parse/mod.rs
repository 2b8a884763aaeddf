//! One file → its definitions (whole-node ranges, qualified names, doc comments, signatures),
//! references, imports and token documents, from a single tree-sitter parse.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Parser, Tree};

use super::lang::{self, Lang, LangPatterns};
use super::refpat::Capture;

mod calls;
mod component;
mod decls;
mod docs;
mod documents;
mod export_macros;
mod file_comment;
mod functional;
mod idl;
mod imports;
mod lisp;
mod nim;
mod pod;
pub mod refs;
mod rust;
mod text;
mod text_bases;
mod text_extent;
mod tree_walk;
mod typed;
mod types;
mod vb;

pub use decls::Decl;
use decls::{RawDecl, documents_alone, has_comment_above};
pub use docs::doc_between;
use docs::{doc_of, signature, signature_of_text};
use documents::build;
use refs::{CallOn, push_node_ref, push_ref};
pub use refs::{Qualifier, Ref, RefKind};
use rust::{impl_type_name, implemented_trait, parse_rust, rust_macro_items};
pub(crate) use text::group_end;

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

    /// A class, interface or module: a definition that holds others.
    pub fn is_container(self) -> bool {
        matches!(self, Kind::Class | Kind::Interface | Kind::Module)
    }

    /// A function or a method: a definition that runs.
    pub fn is_code(self) -> bool {
        matches!(self, Kind::Function | Kind::Method)
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
    /// A function or method with nothing to run: a declaration without a body, or a body that
    /// only passes, returns nothing or a constant, or says it is not implemented (an interface
    /// to fill in or a default hook, whose doc describes what others do).
    pub stub: bool,
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
            .map(|t| signature_of_text(docs::past_annotation_lines(t)))
            .unwrap_or_default()
    }

    /// The doc comment or docstring, read from the file's current `text`.
    pub fn doc_in(&self, text: &str) -> String {
        doc_between(text, self.doc_start, self.doc_end)
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
    /// Documented declarations, and a document of each one's doc.
    pub decls: Vec<Decl>,
    pub decl_docs: Vec<LocalDoc>,
    /// Rust methods of `impl Trait for Type` blocks, by symbol index: the trait's name.
    pub trait_impls: Vec<(u32, Box<str>)>,
    /// The class the comment the file opens with describes (`file_comment`), `NONE` if none.
    pub described: u32,
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
                crate::engine::parse_memory::install();
                let mut p = Parser::new();
                p.set_language(&lang.language()?).ok()?;
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
    stub: bool,
}

/// A reference as found: its name's bytes in the file's text, so that a name referred to ten
/// times in one definition is copied out once, when references are deduplicated.
struct RawRef {
    start: usize,
    end: usize,
    kind: RefKind,
    /// A macro call: its name is kept with a `!`.
    bang: bool,
    /// What a call is made on; `Scope` for every other reference.
    on: CallOn,
}

#[derive(Default)]
struct Collected {
    defs: Vec<RawDef>,
    decls: Vec<RawDecl>,
    refs: Vec<RawRef>,
    imports: Vec<String>,
    /// Bytes of the names imports bind to modules (`os`, `np` of `import numpy as np`): a
    /// call through one is a function's.
    module_names: Vec<(usize, usize)>,
    /// Bytes of the other names imports bind (`app` of `from demo import app`, `utils` of
    /// `import utils from './utils.js'`): a module, a function, a class or a value.
    imported_names: Vec<(usize, usize)>,
    /// Bytes of string literals of `LONG_STRING_LINES` lines or more: embedded scripts,
    /// templates and fixtures, whose words say what the data says, not what the code does.
    long_strings: Vec<(usize, usize)>,
    /// Names declarations give types (`@bind.*` captures), for calls on values.
    bindings: Vec<types::Binding>,
    /// Start bytes of Rust functions in `impl Trait for Type` blocks, with the trait's name.
    trait_impls: Vec<(usize, String)>,
    /// The class the file's leading comment describes (its index in `defs`, once sorted), and
    /// the description's bytes: its doc in answers (`file_comment`).
    described_by_file: Option<(usize, (usize, usize))>,
}

/// A string literal spanning this many lines is data (see `Collected::long_strings`).
const LONG_STRING_LINES: usize = 4;

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
        decls: Vec::new(),
        decl_docs: Vec::new(),
        trait_impls: Vec::new(),
        described: NONE,
    };
    let mut col = Collected::default();
    if let (Some(patterns), Some(parser)) = (lang.patterns(), parsers.get(lang)) {
        let tree = if lang == Lang::Rust {
            parse_rust(parser, text, &mut col)
        } else if lang::is_component(rel) {
            // A component with no script has no code to parse (empty ranges would mean all).
            let scripts = component::script_ranges(text);
            (!scripts.is_empty() && parser.set_included_ranges(&scripts).is_ok())
                .then(|| parser.parse(text, None))
                .flatten()
        } else if lang == Lang::Cpp {
            let _ = parser.set_included_ranges(&[]);
            parser.parse(export_macros::without_export_macros(text).as_bytes(), None)
        } else {
            let _ = parser.set_included_ranges(&[]);
            parser.parse(text, None)
        };
        if let Some(tree) = tree {
            collect(&tree, patterns, lang, text, rel, &[], &mut col);
            if lang == Lang::Rust {
                rust_macro_items(parser, &tree, patterns, text, rel, &mut col, 0);
                let _ = parser.set_included_ranges(&[]);
            }
        }
    }
    if lang == Lang::Text {
        text::definitions(text, lang.label(rel), &mut col);
        col.decls.extend(decls::interface_values(rel, &col.defs));
    }
    col.defs.sort_by(|a, b| {
        a.start_byte
            .cmp(&b.start_byte)
            .then(b.end_byte.cmp(&a.end_byte))
    });
    col.defs.dedup_by(|a, b| {
        a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.name == b.name
    });
    if matches!(lang, Lang::C | Lang::Cpp) {
        col.described_by_file = file_comment::described_class(text, &col.defs);
    }
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

fn byte_range(n: Node) -> (usize, usize) {
    (n.start_byte(), n.end_byte())
}

fn node_text<'a>(n: Node, text: &'a str) -> &'a str {
    text.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

/// One walk over the tree: `type_identifier` nodes become type references, and at each node the
/// patterns rooted at its kind are matched there (`refpat`). Definitions find their containers
/// among the walk's ancestors of the node.
fn collect(
    tree: &Tree,
    lp: &LangPatterns,
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
        lang,
        text,
        rel,
        outer,
    };
    let mut caps: Vec<Capture> = Vec::new();
    tree_walk::walk(
        tree,
        |kind| lp.is_opaque(kind),
        |n, ancestors| {
            let kind = n.kind_id();
            if kind == type_id && type_id != 0 {
                col.refs.push(RawRef {
                    start: n.start_byte(),
                    end: n.end_byte(),
                    kind: RefKind::Type,
                    bang: false,
                    on: CallOn::Scope,
                });
            }
            if lp.is_string(kind)
                && n.end_position().row + 1 >= n.start_position().row + LONG_STRING_LINES
                && !is_docstring(ancestors)
            {
                col.long_strings.push((n.start_byte(), n.end_byte()));
            }
            for pattern in lp.ref_patterns(kind) {
                pattern.for_each_capture(n, &mut |cname, node, parent| {
                    push_node_ref(cname, node, Some(parent), lang, text, col)
                });
            }
            for pattern in lp.bind_patterns(kind) {
                pattern.for_each_match(n, text.as_bytes(), &mut caps, &mut |m| {
                    col.bindings.extend(types::binding(m))
                });
            }
            for pattern in lp.def_patterns(kind) {
                // Most declarations (every local) have no comment above: not worth matching.
                if pattern.declares() && !has_comment_above(lang, text, n, ancestors) {
                    continue;
                }
                pattern.for_each_match(n, text.as_bytes(), &mut caps, &mut |m| {
                    on_match(m, cx, (n, ancestors), col)
                });
            }
        },
    );
}

/// What every match in one file shares.
#[derive(Clone, Copy)]
struct FileCtx<'a> {
    lang: Lang,
    text: &'a str,
    rel: &'a str,
    outer: &'a [String],
}

/// One match of a pattern: its captures by name.
fn on_match(
    m: &[Capture],
    cx: FileCtx,
    (anchor, anchor_ancestors): (Node, &[Node]),
    col: &mut Collected,
) {
    let FileCtx {
        lang, text, outer, ..
    } = cx;
    let mut def: Option<(Node, &str)> = None;
    let mut declared_only = false;
    let mut name: Option<Node> = None;
    let (mut recv, mut obj, mut prop) = (None, None, None);
    for &(cname, node) in m {
        match cname {
            "name" => name = Some(node),
            "recv" => recv = Some(node),
            "obj" => obj = Some(node),
            "prop" => prop = Some(node),
            "import" | "import.mod" | "import.module" | "import.name" => {
                imports::push_import(cname, node, (anchor, anchor_ancestors), cx, col)
            }
            _ if cname == "inherit" || cname.starts_with("ref.") => {
                push_node_ref(cname, node, None, lang, text, col)
            }
            _ if cname.starts_with("def.") => def = Some((node, &cname[4..])),
            _ if cname.starts_with("decl.") => {
                def = Some((node, &cname[5..]));
                declared_only = true;
            }
            _ => {}
        }
    }
    // A binding pattern the binding matcher cannot take (`self.x = T()`, whose receiver is
    // checked by a predicate).
    col.bindings.extend(types::binding(m));
    let Some((node, kind_s)) = def else { return };
    let mut kind = kind_of(kind_s);
    let Some((simple, qualified_already)) =
        definition_name(kind_s, kind, lang, text, name, (obj, prop))
    else {
        return;
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
    if lang == Lang::Rust
        && kind.is_code()
        && let Some(implemented) = implemented_trait(&ancestors[..depth], text)
    {
        col.trait_impls.push((range.start_byte(), implemented));
    }
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
    if declared_only {
        if let Some(doc_range) = doc_range.filter(|_| documents_alone(&doc, text, range.end_byte()))
        {
            col.decls.push(RawDecl {
                qual,
                line: range.start_position().row as u32 + 1,
                doc,
                doc_range,
            });
        }
        return;
    }
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
        stub: kind.is_code() && is_stub(node, text),
    });
}

/// Whether a string whose ancestors these are is a statement of its own: a docstring (of a
/// module, a class or a function), which documents the code rather than holding data.
fn is_docstring(ancestors: &[Node]) -> bool {
    ancestors
        .last()
        .is_some_and(|p| p.kind() == "expression_statement" && p.named_child_count() == 1)
}

/// Whether a function definition has nothing to run (see [`Symbol::stub`]).
fn is_stub(def: Node, text: &str) -> bool {
    // Python's decorated definitions and JS's `const f = () => …` hold the function one down.
    let func = ["definition", "value"]
        .iter()
        .find_map(|f| def.child_by_field_name(f))
        .unwrap_or(def);
    let Some(body) = func.child_by_field_name("body") else {
        // Abstract and interface methods, trait functions without a default.
        return func.kind().ends_with("signature")
            || func.kind().ends_with("signature_item")
            || func.kind() == "method_declaration";
    };
    if !body.is_named() || body.child_count() == 0 {
        return false; // an arrow function's expression body
    }
    let mut cursor = body.walk();
    let mut statements = body
        .named_children(&mut cursor)
        .filter(|c| !c.kind().contains("comment"))
        .peekable();
    // A docstring.
    if statements
        .peek()
        .is_some_and(|s| s.kind() == "expression_statement" && is_only(*s, "string"))
    {
        statements.next();
    }
    let Some(only) = statements.next() else {
        return body.kind() != "expression_statement";
    };
    if statements.next().is_some() {
        return false;
    }
    let said = node_text(only, text).to_ascii_lowercase();
    let says_unimplemented = said.contains("notimplemented")
        || said.contains("not implemented")
        || said.contains("unimplemented")
        || said.contains("unsupportedoperation")
        || said.starts_with("todo!");
    match only.kind() {
        "pass_statement" => true,
        "return_statement" => {
            let value = said
                .trim_start_matches("return")
                .trim()
                .trim_end_matches(';');
            matches!(
                value,
                "" | "none" | "null" | "undefined" | "nil" | "false" | "true" | "0" | "[]" | "{}"
            )
        }
        "expression_statement" => is_only(only, "ellipsis") || says_unimplemented,
        _ => says_unimplemented,
    }
}

/// Whether `node` has exactly one named child, of this kind.
fn is_only(node: Node, kind: &str) -> bool {
    node.named_child_count() == 1 && node.named_child(0).is_some_and(|c| c.kind() == kind)
}

fn kind_of(def_capture: &str) -> Kind {
    match def_capture {
        "function" | "getter" => Kind::Function,
        "method" => Kind::Method,
        "class" => Kind::Class,
        "interface" => Kind::Interface,
        "constant" => Kind::Constant,
        "macro" => Kind::Macro,
        _ => Kind::Module,
    }
}

/// A definition's simple name from its `@name` capture (or `obj.prop` for a JS getter made by a
/// call), and whether that name is qualified already (`res.send`, `Shape::area`).
fn definition_name(
    def_capture: &str,
    kind: Kind,
    lang: Lang,
    text: &str,
    name: Option<Node>,
    (obj, prop): (Option<Node>, Option<Node>),
) -> Option<(String, bool)> {
    let (simple, qualified) = if def_capture == "getter" {
        let (o, p) = (obj?, prop?);
        (
            format!("{}.{}", node_text(o, text), node_text(p, text)),
            true,
        )
    } else {
        let t: String = node_text(name?, text).split_whitespace().collect();
        let t = t.trim_matches(|c| c == '"' || c == '\'');
        let t = if lang == Lang::Cpp {
            without_template_args(t)
        } else {
            t.to_string()
        };
        if t.is_empty() || t.len() > 120 {
            return None;
        }
        let q = t.contains('.') || t.contains('[') || t.contains("::");
        (t, q)
    };
    if kind == Kind::Macro && lang == Lang::Rust {
        return Some((format!("{simple}!"), qualified));
    }
    Some((simple, qualified))
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
            (Lang::Rust, "impl_item") => p.child_by_field_name("type").map(|t| {
                let generics = p.child_by_field_name("type_parameters");
                impl_type_name(
                    node_text(t, text),
                    generics.map_or("", |g| node_text(g, text)),
                )
            }),
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
            (Lang::Cpp, "function_definition") => export_macros::export_macro_class_name(p, text),
            _ => None,
        };
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::docs::clean_doc;
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
    fn a_class_behind_an_export_macro_is_a_class_with_members() {
        let cpp = "namespace db {\n// The result of an operation.\nclass DB_EXPORT Status {\n public:\n  \
                   Status() noexcept : s_(nullptr) {}\n  static Status OK() { return Status(); }\n  \
                   bool ok() const { return (s_ == nullptr); }\n private:\n  const char* s_;\n};\n}\n";
        let got = docs("status.h", Lang::Cpp, cpp);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"Status"), "{names:?}");
        assert!(names.contains(&"Status::OK"), "{names:?}");
        assert!(names.contains(&"Status::ok"), "{names:?}");
        let doc = got
            .iter()
            .find(|(n, _)| n == "Status")
            .map(|(_, d)| d.as_str());
        assert_eq!(doc, Some("The result of an operation."));
        // A macro not written like one reaches the grammar, which reads a function returning
        // the class: still the class `Status`, with the members the statements yield.
        let got = docs(
            "status.h",
            Lang::Cpp,
            &cpp.replace("DB_EXPORT", "db_export"),
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"Status"), "{names:?}");
        assert!(names.contains(&"Status::ok"), "{names:?}");
    }

    #[test]
    fn a_line_of_code_with_a_comment_after_it_is_no_doc() {
        let c = "#if defined(X)\nint a(void);\n#endif /* defined(X) */\nint b(void) {\n  return 1;\n}\n\
                 /* Adds one,\n   and says so. */\nint c(int x) {\n  return x + 1;\n}\n";
        let got = docs("ops.c", Lang::C, c);
        let doc = |name: &str| got.iter().find(|(n, _)| n == name).map(|(_, d)| d.clone());
        assert_eq!(doc("b"), Some(String::new()));
        assert!(doc("c").is_some_and(|d| d.contains("Adds one") && d.contains("says so")));
    }

    #[test]
    fn quotes_of_the_prose_stay_and_those_of_a_docstring_go() {
        let cpp = "// \"filter\" contains the keys added so far.\nbool Has(int k) { return k; }\n\
                   // Returns \"x\"\nconst char* X() { return \"x\"; }\n";
        let got = docs("f.cc", Lang::Cpp, cpp);
        let doc = |name: &str| got.iter().find(|(n, _)| n == name).map(|(_, d)| d.clone());
        assert_eq!(
            doc("Has").as_deref(),
            Some("\"filter\" contains the keys added so far.")
        );
        assert_eq!(doc("X").as_deref(), Some("Returns \"x\""));
        let py = "def a():\n    \"\"\"Runs it \"now\".\"\"\"\n\ndef b():\n    \"Runs it once.\"\n";
        let got = docs("p.py", Lang::Python, py);
        let doc = |name: &str| got.iter().find(|(n, _)| n == name).map(|(_, d)| d.clone());
        assert_eq!(doc("a").as_deref(), Some("Runs it \"now\"."));
        assert_eq!(doc("b").as_deref(), Some("Runs it once."));
    }

    #[test]
    fn functions_with_nothing_to_run_are_stubs() {
        let stubs = |rel: &str, lang: Lang, text: &str| -> Vec<(String, bool)> {
            parse_file(rel, lang, text, &mut Parsers::default())
                .symbols
                .iter()
                .filter(|s| s.kind.is_code())
                .map(|s| (s.qual().to_string(), s.stub))
                .collect()
        };
        let py = concat!(
            "class V:\n",
            "    def a(self):\n        \"\"\"Checks it.\"\"\"\n        raise NotImplementedError('subclass')\n",
            "    def b(self):\n        \"\"\"Is it allowed.\"\"\"\n        return False\n",
            "    def c(self):\n        pass\n",
            "    def d(self):\n        return self.x\n",
            "    def e(self):\n        raise ValueError('bad')\n",
        );
        assert_eq!(
            stubs("v.py", Lang::Python, py),
            [
                ("V.a".to_string(), true),
                ("V.b".to_string(), true),
                ("V.c".to_string(), true),
                ("V.d".to_string(), false),
                ("V.e".to_string(), false),
            ]
        );
        let java = "interface Store { String get(String key); }\n\
                    class Mem implements Store { public String get(String key) { return map.get(key); } }\n";
        assert_eq!(
            stubs("Store.java", Lang::Java, java),
            [
                ("Store.get".to_string(), true),
                ("Mem.get".to_string(), false)
            ]
        );
        let rust = "fn a() { todo!() }\nfn b() -> u32 { 1 + 1 }\n";
        assert_eq!(
            stubs("src/lib.rs", Lang::Rust, rust),
            [("a".to_string(), true), ("b".to_string(), false)]
        );
        let js = "function a() { throw new Error('not implemented'); }\nfunction b(x) { return x * 2; }\n";
        assert_eq!(
            stubs("a.js", Lang::JavaScript, js),
            [("a".to_string(), true), ("b".to_string(), false)]
        );
    }

    /// Code-like text made of the pieces the readers of every language look for.
    fn codeish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop::sample::select(vec![
                "class ",
                "def ",
                "sub ",
                "fun ",
                "func ",
                "function ",
                "expect ",
                "actual ",
                "export ",
                "interface ",
                "object ",
                "val ",
                "let ",
                "(defn ",
                "=head2 ",
                "=item ",
                "=cut",
                "__END__",
                "#if X",
                "#endif",
                "#region R",
                "/**",
                "*/",
                "///",
                "//",
                "(*",
                "*)",
                "{@inheritDoc}",
                "@Override",
                "@dev ",
                "Module : M",
                "\"",
                "\n",
                "\n\n",
                "  ",
                "{",
                "}",
                "(",
                ")",
                "<",
                ">",
                "[",
                "]",
                ":",
                "::",
                "->",
                "extends ",
                "is ",
                ";",
                ",",
                "=",
                "Foo",
                "bar",
                "é",
                "\\",
                // Whole lines, so that the pieces meet as the readers expect them to.
                "sub Foo {\n}\n",
                "\n=head2 Foo\n\nbar é",
                "=item $x->Foo( $y )\n",
                "class Foo extends Bar {\n",
                "class Foo : Bar, Baz<T> {\n",
                "fun Foo() {\n",
                "export function Foo(a: string): string;\n",
                "export function Foo(a) {\n",
                "val Foo : t\n(** bar é *)\n",
                "let Foo x =\n",
                "(defn Foo \"bar é\" [x])\n",
                "/** {@inheritDoc} */\n",
                "@Override\n",
                "  public int Foo(int x) {\n",
                "(defun Foo (x)\n  \"bar é\n(fake)\"\n",
                "(cl-defmethod Foo :around ((x y)) (declare (z)) ",
                "?\\( #\\) #| é |# ;; c\n",
                "(define (Foo x) \"é\")",
                "message Foo {\n  rpc Bar(X) returns (Y);\n",
                "type Query {\n  \"\"\"é\"\"\"\n  Foo(x: Int): T\n",
                "-spec foo(X) -> ok.\n%% é\n\nfoo(X) -> $., \"é\";\n",
                "-record(foo, {a = 1 % é\n}).\nfoo:bar(X) -> ?MODULE:baz(fun qux/2).\n",
                "type\n  Foo*[T] {.pure.} = object ## é\n    x: int\n",
                "declare function Foo(x: string): void;\ninterface I { m(é: T): void }\n",
                "foo()\n{\n  _bar \"$(baz é)\"\n} && complete -F foo foo\n",
                "  public é Foo\n  {\n    get {\n",
                "  internal int Foo {\n    private set => é;\n",
            ]),
            0..48,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]

        /// Whatever the text, in whatever language, parsing does not fail, and every range it
        /// keeps (the definition, its signature's start, its doc) lies in the text on character
        /// boundaries, so that answers can read them back.
        #[test]
        fn every_range_a_parse_keeps_lies_in_the_text(text in codeish()) {
            let mut parsers = Parsers::default();
            for rel in [
                "a.pm", "a.kt", "a.cs", "a.ml", "a.mli", "a.clj", "a.php", "a.rb", "a.swift",
                "a.hs", "a.ts", "a.d.ts", "a.js", "a.py", "a.rs", "a.go", "a.java", "a.c",
                "a.cpp", "a.el", "a.lisp", "a.scm", "a.proto", "a.thrift", "a.graphql", "a.erl",
                "a.nim", "a.sh",
            ] {
                let lang = Lang::from_path(rel).expect("a known extension");
                let parsed = parse_file(rel, lang, &text, &mut parsers);
                for s in &parsed.symbols {
                    let range = |a: u32, b: u32| text.get(a as usize..b as usize).is_some();
                    proptest::prop_assert!(
                        range(s.start_byte, s.end_byte)
                            && range(s.sig_at, s.end_byte.max(s.sig_at))
                            && range(s.doc_start, s.doc_end.max(s.doc_start))
                            && s.start <= s.end,
                        "{rel}: {} in {text:?}",
                        s.qual()
                    );
                    let _ = (s.signature_in(&text), s.doc_in(&text));
                }
            }
        }
    }

    /// What an answer shows as a signature starts past the lines that only annotate.
    #[test]
    fn a_signature_starts_past_the_annotation_lines() {
        let java = "class Reader {\n    /** Reads. */\n    @Override\n    @SuppressWarnings({\n        \"unchecked\",\n    })\n    public int read(char[] buf) throws IOException {\n        return 0;\n    }\n}\n";
        let parsed = parse_file("Reader.java", Lang::Java, java, &mut Parsers::default());
        let read = parsed
            .symbols
            .iter()
            .find(|s| s.name() == "read")
            .expect("read");
        assert_eq!(
            read.signature_in(java),
            "public int read(char[] buf) throws IOException"
        );
        for (text, signature) in [
            (
                "@app.route(\"/\")\ndef index():\n    pass\n",
                "def index():",
            ),
            (
                "#[inline]\n#[must_use]\npub fn len(&self) -> usize {",
                "pub fn len(&self) -> usize",
            ),
            ("[Obsolete]\npublic void Save() {", "public void Save()"),
            // An annotation with code after it on its line stays, as does one alone.
            ("@JvmStatic fun of(x: Int) {", "@JvmStatic fun of(x: Int)"),
            ("@Test", "@Test"),
        ] {
            assert_eq!(
                signature_of_text(docs::past_annotation_lines(text)),
                signature,
                "{text}"
            );
        }
    }

    #[test]
    fn doc_markup_tags_are_not_prose() {
        let csharp = "/// <summary>\n/// Reads the next token from the <see cref=\"JsonReader\"/>.\n\
                      /// </summary>\n/// <param name=\"depth\">The <c>max</c> depth.</param>\n";
        assert_eq!(
            clean_doc(csharp),
            "Reads the next token from the JsonReader.\n\ndepth The max depth."
        );
        // A tag cut off at the line's end is left as written.
        assert_eq!(clean_doc("/// ends in </summary"), "ends in </summary");
        for inherits in [
            "/** {@inheritDoc} */",
            "/**\n * {@inheritdoc}\n */",
            "/// <inheritdoc />",
            "/** @inheritDoc */",
            "/**\n * {@inheritDoc}\n *\n * @phpstan-param Record $record\n */",
        ] {
            assert!(docs::says_nothing(&clean_doc(inherits)), "{inherits}");
        }
        for own in [
            "/** {@inheritDoc} Also closes the stream. */",
            "/// Inherits nothing.",
            "/** @param key the key to look up */",
        ] {
            assert!(!docs::says_nothing(&clean_doc(own)), "{own}");
        }
        // Generic types and comparisons in prose are not markup.
        assert_eq!(
            clean_doc("/// Returns a Vec<T> when n < 3 and m > 2."),
            "Returns a Vec<T> when n < 3 and m > 2."
        );
        // Tags that only file the doc away are not prose; a tag with a sentence is.
        let roxygen = "#' @rdname cache_info\n#' @export\n#' @param r A response\n";
        assert_eq!(clean_doc(roxygen), "@param r A response");
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
        let refs: Vec<&str> = parsed
            .refs
            .iter()
            .map(|r| Ref::qualified(&r.name).1)
            .collect();
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
