//! A file's token documents (one per definition, then the file's own), the definitions'
//! parents, and each reference's enclosing definition, from what the walk collected.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::types::DeclaredTypes;
use super::{
    CallOn, Collected, Decl, F_BODY, F_DOC, F_NAME, F_SIG, LocalDoc, NF, NONE, ParsedFile,
    Qualifier, RawDecl, RawDef, RawRef, Ref, Symbol,
};
use crate::engine::tokens;

/// Token documents, parents and enclosing symbols, from the collected definitions (sorted by
/// start ascending, end descending).
pub(super) fn build(rel: &str, text: &str, col: Collected, out: &mut ParsedFile) {
    let defs = col.defs;
    let decls = col.decls;
    let parents = parents_of(&defs);
    let nest = Nesting {
        defs: &defs,
        parents: &parents,
    };
    let mut terms = Terms::default();
    body_occurrences(text, &nest, &col.long_strings, &mut terms);
    definition_occurrences(&defs, &parents, &mut terms);
    let file_doc = defs.len() as u32;
    file_occurrences(rel, &col.imports, file_doc, &mut terms);
    let path_terms = path_terms(rel, &mut terms);
    for (k, d) in decls.iter().enumerate() {
        terms.add_text(file_doc + 1 + k as u32, F_DOC, &d.doc);
    }
    let n_docs = defs.len() + 1 + decls.len();
    out.docs = term_frequencies(&terms.occ, n_docs, terms.vocab.len());
    out.decl_docs = out.docs.split_off(defs.len() + 1);
    out.decls = decls.iter().map(declared).collect();
    out.trait_impls = col
        .trait_impls
        .iter()
        .filter_map(|(at, t)| {
            // Definitions are sorted by where they start.
            let si = defs.partition_point(|d| d.start_byte < *at);
            (defs.get(si)?.start_byte == *at).then(|| (si as u32, t.as_str().into()))
        })
        .collect();
    out.trait_impls.sort();
    out.trait_impls.dedup_by_key(|t| t.0);
    let names = |at: &[(usize, usize)]| -> FxHashSet<&str> {
        at.iter().filter_map(|&(s, e)| text.get(s..e)).collect()
    };
    let imported = (names(&col.module_names), names(&col.imported_names));
    let receivers: FxHashSet<&str> = col
        .refs
        .iter()
        .filter_map(|r| match r.on {
            CallOn::Through { root, last } => Some([Some(root), last]),
            _ => None,
        })
        .flatten()
        .flatten()
        .filter_map(|(s, e)| text.get(s..e))
        .collect();
    let declared = DeclaredTypes::new(out.lang, text, &col.bindings, &receivers, &nest);
    out.refs = distinct_refs(text, &col.refs, &imported, (&nest, &declared));
    out.vocab = terms.into_vocab();
    let mut imports = col.imports;
    imports.sort();
    imports.dedup();
    out.imports = imports;
    out.symbols = defs
        .into_iter()
        .zip(parents)
        .map(|(d, parent)| {
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
                parent,
                stub: d.stub,
            }
        })
        .collect();
    if let Some((si, (start, end))) = col.described_by_file
        && let Some(s) = out.symbols.get_mut(si)
    {
        (s.doc_start, s.doc_end) = (start as u32, end as u32);
        out.described = si as u32;
    }
    out.path_terms = path_terms;
}

fn declared(d: &RawDecl) -> Decl {
    Decl {
        qual: d.qual.as_str().into(),
        line: d.line,
        doc_start: d.doc_range.0 as u32,
        doc_end: d.doc_range.1 as u32,
    }
}

/// Parents by a stack sweep over definitions sorted by (start asc, end desc).
fn parents_of(defs: &[RawDef]) -> Vec<u32> {
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
    parents
}

/// The definitions and their parents, to find the innermost definition around a byte.
pub(super) struct Nesting<'a> {
    defs: &'a [RawDef],
    parents: &'a [u32],
}

impl Nesting<'_> {
    /// The definition around definition `def`, `NONE` at the top.
    pub fn parent(&self, def: u32) -> u32 {
        self.parents.get(def as usize).copied().unwrap_or(NONE)
    }

    /// Whether definition `def` is one of the name `name`.
    pub fn defines(&self, def: u32, name: &str) -> bool {
        self.defs.get(def as usize).is_some_and(|d| d.name == name)
    }

    /// Whether definition `def` is a class, interface or module.
    pub fn is_container(&self, def: u32) -> bool {
        self.defs
            .get(def as usize)
            .is_some_and(|d| d.kind.is_container())
    }

    /// The last segment of the name of what holds definition `def` (`Context` of the Go
    /// method `Context.Next`, `Semaphore` of `Semaphore::acquire`).
    pub fn container_name(&self, def: u32) -> Option<&str> {
        let d = self.defs.get(def as usize)?;
        let head = d.qual.strip_suffix(d.name.as_str())?;
        let head = head.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        let name = head
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()?;
        (!name.is_empty()).then_some(name)
    }

    /// The classes, interfaces and modules of this file named `name`.
    pub fn containers_named<'n>(&'n self, name: &'n str) -> impl Iterator<Item = u32> + 'n {
        self.defs
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.kind.is_container() && d.name == name)
            .map(|(i, _)| i as u32)
    }

    /// The innermost definition containing `pos`: the last one starting at or before it, or
    /// the nearest of its ancestors that still contains it (definitions nest properly).
    pub fn innermost(&self, pos: usize) -> u32 {
        let first = self.defs.partition_point(|d| d.start_byte <= pos);
        let mut cand = first.checked_sub(1);
        while let Some(c) = cand {
            if self.defs[c].end_byte > pos {
                return c as u32;
            }
            cand = (self.parents[c] != NONE).then_some(self.parents[c] as usize);
        }
        NONE
    }
}

/// The file-local vocabulary and every (document, field, term) occurrence.
#[derive(Default)]
struct Terms<'w> {
    vocab: HashMap<String, u32>,
    occ: Vec<(u32, u8, u32)>,
    /// Each distinct word's terms, as a range of `word_terms`. Most words recur (`self`, `err`,
    /// local names, a doc comment's prose in its definition's doc field and in the file's
    /// body), so each is split, stemmed and interned once per file.
    words: HashMap<&'w str, (u32, u32)>,
    word_terms: Vec<u32>,
}

impl<'w> Terms<'w> {
    fn intern(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.vocab.get(t) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.insert(t.to_string(), id);
        id
    }

    /// The terms of one word (`[A-Za-z_][A-Za-z0-9_]*`), as a range of `word_terms`.
    fn of_word(&mut self, word: &'w str) -> std::ops::Range<usize> {
        let (a, b) = match self.words.get(word) {
            Some(&range) => range,
            None => {
                let a = self.word_terms.len() as u32;
                tokens::for_each_token(word, |t| {
                    let id = self.intern(t);
                    self.word_terms.push(id)
                });
                let range = (a, self.word_terms.len() as u32);
                self.words.insert(word, range);
                range
            }
        };
        a as usize..b as usize
    }

    /// Every token of `text` as an occurrence in `doc`'s `field`.
    fn add_text(&mut self, doc: u32, field: usize, text: &'w str) {
        tokens::for_each_word(text, |word| {
            for i in self.of_word(word) {
                let id = self.word_terms[i];
                self.occ.push((doc, field as u8, id));
            }
        });
    }

    fn into_vocab(self) -> Vec<String> {
        let mut out = vec![String::new(); self.vocab.len()];
        for (t, id) in self.vocab {
            out[id as usize] = t;
        }
        out
    }
}

/// Bodies: every identifier outside doc comments goes to its innermost definition's body and
/// to the file document.
fn body_occurrences<'w>(
    text: &'w str,
    nest: &Nesting,
    long_strings: &[(usize, usize)],
    terms: &mut Terms<'w>,
) {
    let file_doc = nest.defs.len() as u32;
    let mut doc_ranges: Vec<(usize, usize)> =
        nest.defs.iter().filter_map(|d| d.doc_range).collect();
    doc_ranges.sort();
    // Long strings are data (docstrings were never collected as such); in file order, since
    // Rust's macro bodies are walked after the rest.
    let mut skipped = long_strings.to_vec();
    skipped.sort();
    let mut sk = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut dr = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !(c.is_ascii_alphabetic() || c == b'_') {
            i += 1;
            continue;
        }
        while sk < skipped.len() && skipped[sk].1 <= i {
            sk += 1;
        }
        if sk < skipped.len() && skipped[sk].0 <= i {
            i = skipped[sk].1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        while dr < doc_ranges.len() && doc_ranges[dr].1 <= start {
            dr += 1;
        }
        let in_doc = dr < doc_ranges.len() && doc_ranges[dr].0 <= start;
        let owner = if in_doc { NONE } else { nest.innermost(start) };
        for t in terms.of_word(&text[start..i]) {
            let id = terms.word_terms[t];
            if owner != NONE {
                terms.occ.push((owner, F_BODY as u8, id));
            }
            terms.occ.push((file_doc, F_BODY as u8, id));
        }
    }
}

/// A definition's name, doc and signature fields; a container mentions its members by name.
fn definition_occurrences<'w>(defs: &'w [RawDef], parents: &[u32], terms: &mut Terms<'w>) {
    for (i, d) in defs.iter().enumerate() {
        let di = i as u32;
        terms.add_text(di, F_NAME, &d.name);
        terms.add_text(di, F_NAME, &d.qual);
        terms.add_text(di, F_DOC, &d.doc);
        terms.add_text(di, F_SIG, &d.sig);
        if parents[i] != NONE {
            terms.add_text(parents[i], F_BODY, &d.name);
        }
    }
}

/// The file document: name = file stem, sig = the last segment of each import.
fn file_occurrences<'w>(rel: &'w str, imports: &'w [String], file_doc: u32, terms: &mut Terms<'w>) {
    let stem = rel.rsplit('/').next().unwrap_or(rel);
    terms.add_text(file_doc, F_NAME, stem.split('.').next().unwrap_or(stem));
    for imp in imports {
        terms.add_text(file_doc, F_SIG, imp.rsplit('/').next().unwrap_or(imp));
    }
}

/// The path's terms (without its extension) and how often each occurs, sorted by term.
fn path_terms(rel: &str, terms: &mut Terms) -> Vec<(u32, u8)> {
    let mut counts: HashMap<u32, u8> = HashMap::default();
    let no_ext = rel.rsplit_once('.').map(|(a, _)| a).unwrap_or(rel);
    tokens::for_each_token(no_ext, |t| {
        let e = counts.entry(terms.intern(t)).or_insert(0);
        *e = e.saturating_add(1);
    });
    let mut out: Vec<(u32, u8)> = counts.into_iter().collect();
    out.sort_unstable();
    out
}

/// Term frequencies per document without sorting the occurrences (millions in a big file set):
/// group them by document with a counting sort, then count each document's terms in a dense
/// table indexed by the file-local term id. Terms stay in first-seen order; `make_rec` orders
/// them by global id.
fn term_frequencies(occ: &[(u32, u8, u32)], n_docs: usize, n_terms: usize) -> Vec<LocalDoc> {
    let mut docs: Vec<LocalDoc> = vec![LocalDoc::default(); n_docs];
    let mut start = vec![0u32; n_docs + 1];
    for o in occ {
        start[o.0 as usize + 1] += 1;
    }
    for d in 0..n_docs {
        start[d + 1] += start[d];
    }
    let mut grouped = vec![(0u8, 0u32); occ.len()];
    let mut fill = start.clone();
    for &(d, f, t) in occ {
        let at = &mut fill[d as usize];
        grouped[*at as usize] = (f, t);
        *at += 1;
    }
    let mut slot_of_term = vec![u32::MAX; n_terms];
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
    docs
}

/// Each distinct (enclosing definition, name, kind) once, in file order; names are copied
/// out of the text only for the references kept.
///
/// A call through a name (`os.path.join()`) is a module's function when an import binds the
/// name to a module (one of `modules`), keeps the name when an import binds it to what a
/// module defines (one of `imported`; the graph tells a module's value from the rest), and is
/// a value's method otherwise.
fn distinct_refs(
    text: &str,
    refs: &[RawRef],
    (modules, imported): &(FxHashSet<&str>, FxHashSet<&str>),
    (nest, declared): (&Nesting, &DeclaredTypes),
) -> Vec<Ref> {
    let mut seen: FxHashSet<(u32, Qualifier, &str, u8, bool)> = Default::default();
    let mut out = Vec::new();
    let bytes = |at: Option<(usize, usize)>| at.and_then(|(s, e)| text.get(s..e)).unwrap_or("");
    for r in refs {
        let name = text.get(r.start..r.end).unwrap_or("");
        if name.len() < 2 {
            continue;
        }
        let from = nest.innermost(r.start);
        let qualifier = match r.on {
            CallOn::Named(s, e) => Qualifier::Named(bytes(Some((s, e)))),
            CallOn::Through {
                root: root_at,
                last,
            } => {
                let root = bytes(Some(root_at));
                if modules.contains(root) {
                    Qualifier::Function
                } else if imported.contains(root) {
                    Qualifier::Imported(root)
                } else {
                    let value = bytes(last);
                    let between = last.map_or("", |(s, _)| bytes(Some((root_at.1, s))));
                    match declared.of_receiver(nest, from, root, value, between) {
                        Some(ty) => Qualifier::Typed(ty),
                        None => Qualifier::Value(value),
                    }
                }
            }
            CallOn::Value(value) => Qualifier::Value(bytes(value)),
            CallOn::Bare => Qualifier::Function,
            CallOn::Scope => Qualifier::None,
        };
        if seen.insert((from, qualifier, name, r.kind as u8, r.bang)) {
            out.push(Ref {
                name: if r.bang {
                    format!("{name}!")
                } else {
                    Ref::qualify(qualifier, name)
                },
                from,
                kind: r.kind,
            });
        }
    }
    out
}
