//! Ranking, in named steps: the question's terms ([`question`]) → BM25F over every symbol
//! document (name, doc, signature, body, plus the file's path) and file document → priors on
//! each symbol (auxiliary files, kinds, stubs, names the question spells out, the method of a
//! thing it says something happens to, the selection, the reference graph) → callees of the
//! best symbols share their score → files ranked by their best symbols.
//!
//! [`question`]: super::question

use rustc_hash::FxHashMap as HashMap;

use super::parse::{Kind, NF, NONE, RefKind, Symbol};
use super::question::{QTerm, Query, parse_question};
use super::store::{Doc, FileRec};
use super::{Index, lang, tokens, walk};
use crate::model::Selection;

// ---- BM25F ---------------------------------------------------------------------------------

const K1: f32 = 1.2;
/// Field weights and length normalisation of symbol documents: name, doc, signature, body.
const W_SYM: [f32; NF] = [3.0, 1.0, 1.5, 1.0];
const B_SYM: [f32; NF] = [0.5, 0.75, 0.5, 0.5];
/// The same for file documents: file stem, leading comment, imports, every identifier.
const W_FILE: [f32; NF] = [3.0, 1.5, 1.0, 1.0];
const B_FILE: [f32; NF] = [0.3, 0.75, 0.5, 0.75];
/// The path counts in every document of its file.
const W_PATH: f32 = 3.0;
const B_PATH: f32 = 0.3;
/// Documents that match only some of the question's words keep this share of their score; the
/// rest grows with the (idf-weighted) share of words they match.
const COVERAGE_FLOOR: f32 = 0.6;

// ---- priors on a symbol --------------------------------------------------------------------

/// Tests, examples, docs and benchmarks, unless the question asks for them.
const AUX_FACTOR: f32 = 0.3;
/// Unit tests inline in a source file (`mod tests`), unless the question asks for tests.
const INLINE_TEST_FACTOR: f32 = 0.3;
/// A port to an operating system few users run (`walk::is_platform_port`), when the question
/// names none.
const PLATFORM_PORT_FACTOR: f32 = 0.6;
/// A declaration file (`index.d.ts`, OCaml's `.mli`; `lang::is_declaration_file`), when the
/// question does not ask for declarations: it describes code written elsewhere (the
/// JavaScript beside `index.d.ts`), and that code is what a question about behaviour asks for.
const DECLARATION_FILE_FACTOR: f32 = 0.6;
const CONSTANT_FACTOR: f32 = 0.8;
/// Types, when the question asks what something holds or carries: the answer is the type's
/// definition (its fields), which says less in words than the functions that use it.
const TYPE_INTENT_FACTOR: f32 = 2.0;
/// Further, for the type named after what the question says holds the thing ("what does *an
/// error* … carry" → `Error`, `JoinError`): among many types the question's other words touch,
/// that one is the answer.
const HOLDER_TYPE_FACTOR: f32 = 3.0;
/// Types with nothing defined inside them (a struct, an interface, an alias: plain data whose
/// methods, if any, live elsewhere) when the question does not ask what something holds: their
/// long field docs otherwise outrank the code that does what a "how" question asks.
const DATA_TYPE_FACTOR: f32 = 0.8;
/// A C++ class in a header is the table of contents of its members: their declarations and
/// the comments on them, defined there or in a source file. A question about how something
/// is done is answered by a member, or by code elsewhere, more often than by that list
/// (leveldb's `Version`, whose comments mention every "key" and "version", came before the
/// iterator a question asked about). A question about what a type holds is not affected.
/// Over the 688 questions of the seven sets 0.5 to 0.7 gave two more first hits (leveldb-14,
/// fmt-10) and lost none; 0.85 only the first.
const HEADER_CLASS_FACTOR: f32 = 0.7;
const MODULE_FACTOR: f32 = 0.5;
/// A function with nothing to run (an abstract method, an interface hook that returns `None`):
/// its doc describes what the code that calls or implements it does.
const STUB_FACTOR: f32 = 0.5;
/// One-liners say little; a longer definition gains `SPAN_GAIN · ln(lines)` (up to 200 lines).
const ONE_LINER_FACTOR: f32 = 0.7;
/// A function defined inside another (a JavaScript closure such as express's `next`, rxjs's
/// `doInnerSub`, a Python inner function) is that function's helper: what a reader looks up
/// is the function around it, or a definition of its own elsewhere. 0.85 and 0.9 measured the
/// same over the 688 questions of the seven sets (three more first hits, none lost); 0.75
/// lost a held-out first hit, 0.95 gave back one of the gains.
const NESTED_FUNCTION_FACTOR: f32 = 0.9;
const SPAN_GAIN: f32 = 0.06;
/// A name the question spells out gains this much, divided by √(definitions sharing the name):
/// its whole qualified name in code style, its last segment in code style, or a plain word.
const CODE_NAME_GAIN: f32 = 1.5;
const CODE_LAST_GAIN: f32 = 0.8;
const WORD_NAME_GAIN: f32 = 0.25;
/// The thing's method named for what happens to it ("when the runtime is dropped" →
/// `Runtime::drop`): the code that runs then.
const EVENT_METHOD_GAIN: f32 = 1.5;
/// Symbols that reference the selected code, symbols it references, and the selected file.
const CALLER_OF_SELECTION: f32 = 1.3;
const CALLEE_OF_SELECTION: f32 = 1.5;
const SELECTED_FILE_FACTOR: f32 = 1.2;
/// Definitions referenced from many places matter more: `1 + INDEGREE_GAIN · ln(1 + refs)`.
const INDEGREE_GAIN: f32 = 0.05;
/// Share of a symbol's score passed to the functions it calls: the entry point a question
/// names often delegates the actual work. Only the best `CALLERS_SHARING` symbols pass it on.
const CALLEE_SHARE: f32 = 0.3;
const CALLERS_SHARING: usize = 30;

// ---- files ---------------------------------------------------------------------------------

/// A file scores its best symbol, plus shares of the next two and of its file document, times
/// `1 + FILE_RANK_GAIN · ln(file rank)` (the file's PageRank, mean 1, floored at e⁻²).
const NEXT_SYMS_SHARE: f32 = 0.2;
const FILE_DOC_SHARE: f32 = 0.35;
const FILE_RANK_GAIN: f32 = 0.05;
const FILES_KEPT: usize = 20;
const SYMS_KEPT: usize = 6;
/// The selection adds its most frequent identifiers to the question, at this weight.
const SELECTION_TERMS: usize = 24;
const SELECTION_TERM_WEIGHT: f32 = 0.3;

#[derive(Debug, Clone)]
pub struct RankedSym {
    pub sym: u32,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub struct RankedFile {
    pub file: u32,
    pub score: f32,
    /// Best first.
    pub syms: Vec<RankedSym>,
}

/// A file's scored symbols and its file document's score, before callees share scores.
struct Scored {
    file: u32,
    syms: Vec<RankedSym>,
    file_doc: f32,
}

pub fn rank(idx: &Index, question: &str, selection: Option<&Selection>) -> Vec<RankedFile> {
    let mut q = parse_question(idx, question);
    if let Some(sel) = selection {
        add_selection_terms(idx, &mut q, &sel.text);
    }
    if q.terms.is_empty() {
        return Vec::new();
    }
    let bm25 = Bm25::new(idx, &q);
    let priors = Priors::new(idx, &q, selection);
    let scored: Vec<Scored> = idx
        .files()
        .filter_map(|(fid, f)| score_file(idx, &bm25, &priors, fid, f))
        .collect();
    let shares = callee_shares(idx, &scored);
    let files = rank_files(idx, scored, &shares);
    log_ranking(idx, &q, &files);
    files
}

/// The selection widens the question a little with its own most frequent identifiers.
fn add_selection_terms(idx: &Index, q: &mut Query, text: &str) {
    let mut counts: HashMap<String, u32> = HashMap::default();
    tokens::for_each_token(text, |t| *counts.entry(t.to_string()).or_default() += 1);
    let mut counts: Vec<(String, u32)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (t, _) in counts.into_iter().take(SELECTION_TERMS) {
        if let Some(id) = idx.derived.term_ids.get(&idx.stored.vocab, &t)
            && !q.terms.iter().any(|x| x.id == id)
        {
            q.terms.push(QTerm {
                id,
                w: SELECTION_TERM_WEIGHT,
                concepts: 0,
            });
        }
    }
}

fn idf(df: u32, n: u32) -> f32 {
    let (df, n) = (df as f32, n as f32);
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
}

/// What BM25F needs of the question: each vocabulary term's slot among the question's terms,
/// their weighted idfs, and the weight of each question word for coverage.
struct Bm25 {
    /// Question slot of every vocabulary term (`NO_SLOT` if not asked): every term of every
    /// document is looked up, and an array index is several times cheaper than a hash lookup.
    slots: Vec<u16>,
    idf_sym: Vec<f32>,
    idf_file: Vec<f32>,
    term_concepts: Vec<u64>,
    /// Each question word weighs as much as its most specific term.
    concept_w: [f32; 64],
    concept_total: f32,
}

const NO_SLOT: u16 = u16::MAX;

impl Bm25 {
    fn new(idx: &Index, q: &Query) -> Bm25 {
        let d = &idx.derived;
        let mut slots = vec![NO_SLOT; idx.stored.vocab.len()];
        for (i, t) in q.terms.iter().enumerate() {
            if let Some(s) = slots.get_mut(t.id as usize) {
                *s = i as u16;
            }
        }
        let idf_of = |df: &[u32], n: u32| -> Vec<f32> {
            q.terms
                .iter()
                .map(|t| t.w * idf(df[t.id as usize], n))
                .collect()
        };
        let mut concept_w = [0f32; 64];
        for t in &q.terms {
            let v = idf(d.df_sym[t.id as usize], d.n_sym);
            for_each_bit(t.concepts, |i| concept_w[i] = concept_w[i].max(v));
        }
        Bm25 {
            slots,
            idf_sym: idf_of(&d.df_sym, d.n_sym),
            idf_file: idf_of(&d.df_file, d.n_file),
            term_concepts: q.terms.iter().map(|t| t.concepts).collect(),
            concept_total: concept_w.iter().sum(),
            concept_w,
        }
    }

    fn slot(&self, term: u32) -> Option<usize> {
        self.slots
            .get(term as usize)
            .copied()
            .filter(|s| *s != NO_SLOT)
            .map(usize::from)
    }

    /// A document that matches a share of the question's (idf-weighted) words keeps
    /// `COVERAGE_FLOOR` of its score plus the rest in proportion to that share.
    fn coverage(&self, covered: u64) -> f32 {
        if self.concept_total <= 0.0 {
            return 1.0;
        }
        let mut got = 0.0;
        for_each_bit(covered, |i| got += self.concept_w[i]);
        COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * got / self.concept_total
    }

    /// The path's term frequencies, shared by every document of the file (`None`: no match).
    fn path_tf(&self, idx: &Index, f: &FileRec) -> (Vec<f32>, bool) {
        let mut tf = vec![0f32; self.idf_sym.len()];
        let norm = 1.0 - B_PATH + B_PATH * f32::from(f.path_len) / idx.derived.avg_path;
        let mut any = false;
        for (t, n) in &f.path_terms {
            if let Some(s) = self.slot(*t) {
                tf[s] = W_PATH * f32::from(*n) / norm;
                any = true;
            }
        }
        (tf, any)
    }

    /// BM25F of one document, with the fields of `inherited` (a declaration's doc, see
    /// `Index::declaration_of`) counted as its own, `acc` starting as the path's term
    /// frequencies; `None` when neither the documents nor the path match.
    fn score(
        &self,
        (doc, inherited): (&Doc, Option<&Doc>),
        is_file: bool,
        avg: &[f32; NF],
        acc: &mut [f32],
        any_path: bool,
    ) -> Option<f32> {
        let (w, b) = if is_file {
            (&W_FILE, &B_FILE)
        } else {
            (&W_SYM, &B_SYM)
        };
        let mut norm = [0f32; NF];
        for k in 0..NF {
            let len = doc.lens[k].saturating_add(inherited.map_or(0, |d| d.lens[k]));
            norm[k] = 1.0 - b[k] + b[k] * f32::from(len) / avg[k];
        }
        let mut hit = any_path;
        for d in std::iter::once(doc).chain(inherited) {
            for (t, tfs) in d.terms.iter().zip(d.tfs) {
                if let Some(s) = self.slot(*t) {
                    hit = true;
                    let mut v = 0.0;
                    for k in 0..NF {
                        if tfs[k] > 0 {
                            v += w[k] * f32::from(tfs[k]) / norm[k];
                        }
                    }
                    acc[s] += v;
                }
            }
        }
        if !hit {
            return None;
        }
        let idfs = if is_file {
            &self.idf_file
        } else {
            &self.idf_sym
        };
        let mut score = 0.0;
        let mut covered = 0u64;
        for (s, &a) in acc.iter().enumerate() {
            if a > 0.0 {
                score += idfs[s] * a / (K1 + a);
                covered |= self.term_concepts[s];
            }
        }
        Some(score * self.coverage(covered))
    }
}

fn for_each_bit(mut bits: u64, mut f: impl FnMut(usize)) {
    while bits != 0 {
        f(bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// What the symbol priors need of the question and the selection.
struct Priors<'q> {
    q: &'q Query,
    /// Code-style names of the question, lowercased, `::` and `.prototype.` as `.`.
    code_names: Vec<String>,
    /// Their last segments.
    code_lasts: Vec<String>,
    selected_file: Option<u32>,
    /// Callers and callees of the selected symbols, with their factors.
    neighbours: HashMap<(u32, u32), f32>,
}

impl<'q> Priors<'q> {
    fn new(idx: &Index, q: &'q Query, selection: Option<&Selection>) -> Priors<'q> {
        let code_names: Vec<String> = q.code_names.iter().map(|c| normal_name(c)).collect();
        let code_lasts = code_names
            .iter()
            .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
            .collect();
        let selected_file = selection.and_then(|s| idx.derived.path_ids.get(&s.rel_path).copied());
        Priors {
            q,
            code_names,
            code_lasts,
            selected_file,
            neighbours: selection_neighbours(idx, selection, selected_file),
        }
    }

    /// The factor by which a symbol's BM25F score is multiplied; `file_factor` is the file's
    /// own (`aux_factor`), worked out once per file.
    fn factor(
        &self,
        idx: &Index,
        f: &FileRec,
        file_factor: f32,
        fid: u32,
        si: usize,
        sym: &Symbol,
    ) -> f32 {
        let mut m = file_factor;
        m *= match sym.kind {
            Kind::Constant => CONSTANT_FACTOR,
            Kind::Module => MODULE_FACTOR,
            Kind::Class | Kind::Interface
                if self.q.wants_type
                    && self.names_holder(sym)
                    && (!self.q.asks_error || self.names_failure(sym)) =>
            {
                TYPE_INTENT_FACTOR * HOLDER_TYPE_FACTOR
            }
            // The question named what holds it: other types are not what it asks for.
            Kind::Class | Kind::Interface if self.q.wants_type && !self.q.held_by.is_empty() => 1.0,
            Kind::Class | Kind::Interface if self.q.wants_type => TYPE_INTENT_FACTOR,
            Kind::Class | Kind::Interface if !has_member(f, si, sym) => DATA_TYPE_FACTOR,
            Kind::Class if lang::is_c_header(&f.rel) => HEADER_CLASS_FACTOR,
            _ => 1.0,
        };
        // Every function of a declaration file is bodiless; the file's own factor says what
        // it is worth.
        if sym.stub && !lang::is_declaration_file(&f.rel) {
            m *= STUB_FACTOR;
        }
        if sym.kind.is_code()
            && f.symbols
                .get(sym.parent as usize)
                .is_some_and(|p| p.kind.is_code())
        {
            m *= NESTED_FUNCTION_FACTOR;
        }
        let span = sym.end - sym.start + 1;
        if span <= 2 {
            m *= ONE_LINER_FACTOR;
        }
        m *= 1.0 + SPAN_GAIN * (span.min(200) as f32).ln();
        if f.aux == 0 && !self.q.wants_aux[walk::AUX_TEST as usize] && is_test_qual(sym.qual()) {
            m *= INLINE_TEST_FACTOR;
        }
        m *= self.named_gain(idx, sym);
        if self.handles_event(sym) {
            m *= 1.0 + EVENT_METHOD_GAIN;
        }
        if let Some(v) = self.neighbours.get(&(fid, si as u32)) {
            m *= v;
        }
        if self.selected_file == Some(fid) {
            m *= SELECTED_FILE_FACTOR;
        }
        let indeg = idx
            .derived
            .indeg
            .get(fid as usize)
            .and_then(|v| v.get(si))
            .copied()
            .unwrap_or(0);
        m * (1.0 + INDEGREE_GAIN * (1.0 + f32::from(indeg)).ln())
    }

    /// A name the question spells out: strong when it is specific, weak when many definitions
    /// share it.
    fn named_gain(&self, idx: &Index, sym: &Symbol) -> f32 {
        let qual = normal_name(sym.qual());
        let name = sym.name().to_ascii_lowercase();
        let name = name.trim_end_matches('!');
        let last = name.rsplit('.').next().unwrap_or(name);
        let shared = idx
            .derived
            .name_count
            .get(last)
            .copied()
            .unwrap_or(1)
            .max(1) as f32;
        let gain = if self
            .code_names
            .iter()
            .any(|c| *c == qual || qual.ends_with(&format!(".{c}")))
        {
            CODE_NAME_GAIN
        } else if self.code_lasts.iter().any(|c| c == last) {
            CODE_LAST_GAIN
        } else if self
            .q
            .words
            .iter()
            .any(|w| w == last || tokens::stem(last) == w.as_str())
        {
            WORD_NAME_GAIN
        } else {
            0.0
        };
        1.0 + gain / shared.sqrt()
    }

    /// Whether the symbol is a method named for what happens to a thing, on a type named for
    /// that thing: by its last word ("the runtime object" → `Runtime`, "the application
    /// context" → `AppContext`) or whole, or a synonym ("sender" → `Tx`).
    fn handles_event(&self, sym: &Symbol) -> bool {
        if self.q.events.is_empty() {
            return false;
        }
        let mut segments = sym.qual().rsplit(['.', ':']).filter(|s| !s.is_empty());
        let (Some(method), Some(owner)) = (segments.next(), segments.next()) else {
            return false;
        };
        let method = method.to_ascii_lowercase();
        let method = tokens::stem(&method);
        let (whole, last) = type_name_words(owner);
        self.q.events.iter().any(|e| {
            e.verb == method
                && e.nouns.iter().any(|n| {
                    std::iter::once(n.as_str())
                        .chain(tokens::synonyms(n).iter().copied())
                        .any(|n| n == last || n == whole)
                })
        })
    }

    /// Whether an error type's name says which failure it is in the question's words
    /// (`RecvError` for "what error does a receiver get", `MissingRefError` for "… the missing
    /// schema"). A project's catch-all error (`AxiosError`, `StreamReadException`) says none:
    /// what the question asks for is then the code that raises it in that case.
    fn names_failure(&self, sym: &Symbol) -> bool {
        let name = sym.name().rsplit(['.', ':']).next().unwrap_or("");
        let mut named = false;
        tokens::split_identifier(name, |p| {
            let w = p.to_ascii_lowercase();
            let w = tokens::stem(&w);
            if w.len() < 2 || matches!(w, "error" | "err" | "except" | "exc") || named {
                return;
            }
            named = self
                .q
                .words
                .iter()
                .any(|q| q == w || tokens::synonyms(q).contains(&w));
        });
        named
    }

    /// Whether the type is named for what holds the thing asked about: its whole name
    /// ("a JoinError") or its last word ("the error" → `JoinError`; `Proto` for "prototype",
    /// one may be short for the other).
    fn names_holder(&self, sym: &Symbol) -> bool {
        let name = sym.name().rsplit(['.', ':']).next().unwrap_or("");
        let (whole, last) = type_name_words(name);
        self.q.held_by.iter().any(|w| {
            *w == whole
                || last.len() >= 3 && *w == last
                || w.len() >= 5 && last.len() >= 4 && w.starts_with(last.as_str())
        })
    }
}

/// A type's name as a question may say it, stemmed: whole, and its last word, past C's
/// one-letter suffixes (`JoinError` → `joinerror`, `error`; `json_error_t` → `error`).
fn type_name_words(name: &str) -> (String, String) {
    let whole = tokens::stem(&name.to_ascii_lowercase()).to_string();
    let mut last = String::new();
    tokens::split_identifier(name, |p| {
        if p.len() > 1 {
            last = tokens::stem(&p.to_ascii_lowercase()).to_string();
        }
    });
    (whole, last)
}

/// Whether a definition has another one inside it (a class with methods, not plain data).
fn has_member(f: &FileRec, si: usize, sym: &Symbol) -> bool {
    f.symbols
        .get(si + 1)
        .is_some_and(|n| n.start >= sym.start && n.end <= sym.end)
}

fn aux_factor(q: &Query, f: &FileRec) -> f32 {
    let aux = if f.aux != 0 && !q.wants_aux[f.aux as usize] {
        AUX_FACTOR
    } else {
        1.0
    };
    let aux = if !q.names_declarations && lang::is_declaration_file(&f.rel) {
        aux * DECLARATION_FILE_FACTOR
    } else {
        aux
    };
    if f.port && !q.names_platform {
        aux * PLATFORM_PORT_FACTOR
    } else {
        aux
    }
}

/// `TcpListener::accept` / `Layer.prototype.match` → `tcplistener.accept` / `layer.match`.
fn normal_name(name: &str) -> String {
    name.to_ascii_lowercase()
        .replace("::", ".")
        .replace(".prototype.", ".")
}

/// Symbols that reference the selected code (×`CALLER_OF_SELECTION`) and symbols it references
/// (×`CALLEE_OF_SELECTION`).
fn selection_neighbours(
    idx: &Index,
    selection: Option<&Selection>,
    selected_file: Option<u32>,
) -> HashMap<(u32, u32), f32> {
    let mut out: HashMap<(u32, u32), f32> = HashMap::default();
    let (Some(sel), Some(fid)) = (selection, selected_file) else {
        return out;
    };
    let Some(f) = idx.file(fid) else { return out };
    let selected: Vec<(u32, u32)> = f
        .symbols
        .iter()
        .enumerate()
        .filter(|(_, s)| s.start <= sel.end_line && s.end >= sel.start_line)
        .map(|(si, _)| (fid, si as u32))
        .collect();
    if selected.is_empty() {
        return out;
    }
    for (other, f) in idx.files() {
        for e in f.edges.iter().filter(|e| e.from != NONE) {
            if selected.contains(&(e.file, e.sym)) {
                out.insert((other, e.from), CALLER_OF_SELECTION);
            }
            if selected.contains(&(other, e.from)) {
                out.insert((e.file, e.sym), CALLEE_OF_SELECTION);
            }
        }
    }
    out
}

/// Every symbol document of the file that matches, with its priors, and the file document's
/// score; `None` when nothing in the file matches.
fn score_file(idx: &Index, bm25: &Bm25, priors: &Priors, fid: u32, f: &FileRec) -> Option<Scored> {
    let (path_tf, any_path) = bm25.path_tf(idx, f);
    let mut acc = vec![0f32; path_tf.len()];
    let nd = f.docs.len();
    let mut syms: Vec<RankedSym> = Vec::new();
    let mut file_doc = 0.0;
    let file_factor = aux_factor(priors.q, f);
    for (di, doc) in f.docs.iter().enumerate() {
        let is_file = di + 1 == nd;
        let avg = if is_file {
            &idx.derived.avg_file
        } else {
            &idx.derived.avg_sym
        };
        acc.copy_from_slice(&path_tf);
        let sym = f.symbols.get(di).filter(|_| !is_file);
        let inherited = sym
            .and_then(|_| idx.declaration_of(fid, di as u32))
            .map(|d| d.2);
        let docs = (&doc, inherited.as_ref());
        let Some(score) = bm25.score(docs, is_file, avg, &mut acc, any_path) else {
            continue;
        };
        if is_file {
            file_doc = score;
        } else if let Some(sym) = sym {
            syms.push(RankedSym {
                sym: di as u32,
                score: score * priors.factor(idx, f, file_factor, fid, di, sym),
            });
        }
    }
    if syms.is_empty() && file_doc <= 0.0 {
        return None;
    }
    Some(Scored {
        file: fid,
        syms,
        file_doc: file_doc * file_factor,
    })
}

/// Callees of the best-scoring symbols get a share of their caller's score.
fn callee_shares(idx: &Index, scored: &[Scored]) -> HashMap<(u32, u32), f32> {
    let mut top: Vec<(f32, u32, u32)> = scored
        .iter()
        .flat_map(|s| s.syms.iter().map(|r| (r.score, s.file, r.sym)))
        .collect();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    top.truncate(CALLERS_SHARING);
    let mut shares: HashMap<(u32, u32), f32> = HashMap::default();
    for (score, fid, sym) in top {
        let Some(f) = idx.file(fid) else { continue };
        for e in f
            .edges
            .iter()
            .filter(|e| e.from == sym && e.kind == RefKind::Call && (e.file, e.sym) != (fid, sym))
        {
            let b = shares.entry((e.file, e.sym)).or_insert(0.0);
            *b = b.max(CALLEE_SHARE * score);
        }
    }
    shares
}

/// Files by their best symbol, the next two and their file document, with the graph prior.
fn rank_files(
    idx: &Index,
    scored: Vec<Scored>,
    shares: &HashMap<(u32, u32), f32>,
) -> Vec<RankedFile> {
    let mut files: Vec<RankedFile> = scored
        .into_iter()
        .map(
            |Scored {
                 file,
                 mut syms,
                 file_doc,
             }| {
                for s in &mut syms {
                    s.score += shares.get(&(file, s.sym)).copied().unwrap_or(0.0);
                }
                syms.sort_by(|a, b| b.score.total_cmp(&a.score));
                let best = syms.first().map_or(0.0, |s| s.score);
                let next = next_symbols_score(idx, file, &syms);
                let file_rank = idx
                    .derived
                    .file_rank
                    .get(file as usize)
                    .copied()
                    .unwrap_or(1.0)
                    .max(0.01);
                let prior = 1.0 + FILE_RANK_GAIN * file_rank.ln().max(-2.0);
                syms.truncate(SYMS_KEPT);
                if tracing::enabled!(tracing::Level::TRACE) {
                    let f = idx.file(file);
                    let path = f.map_or("", |f| f.rel.as_str());
                    let best_sym = f
                        .zip(syms.first())
                        .and_then(|(f, s)| f.symbols.get(s.sym as usize))
                        .map_or("", |s| s.qual());
                    tracing::trace!(
                        path,
                        best_sym,
                        best,
                        next,
                        file_doc,
                        prior,
                        "file score parts"
                    );
                }
                RankedFile {
                    file,
                    score: (best + NEXT_SYMS_SHARE * next + FILE_DOC_SHARE * file_doc) * prior,
                    syms,
                }
            },
        )
        .collect();
    files.sort_by(|a, b| b.score.total_cmp(&a.score));
    files.truncate(FILES_KEPT);
    files
}

/// The next two symbols after the best, each with a name of its own: an overload or a second
/// declaration of a name already counted, and the type whose member is the best, say again what
/// the best symbol said, so a file with overloads would count one answer three times.
fn next_symbols_score(idx: &Index, file: u32, syms: &[RankedSym]) -> f32 {
    let Some(f) = idx.file(file) else { return 0.0 };
    let Some(best) = syms.first().and_then(|s| f.symbols.get(s.sym as usize)) else {
        return 0.0;
    };
    let mut counted: Vec<&str> = vec![best.qual()];
    let mut next = 0.0;
    for s in syms.iter().skip(1) {
        let Some(sym) = f.symbols.get(s.sym as usize) else {
            continue;
        };
        let holds_best = sym.start <= best.start && sym.end >= best.end;
        if holds_best || counted.contains(&sym.qual()) {
            continue;
        }
        counted.push(sym.qual());
        next += s.score;
        if counted.len() == 3 {
            break;
        }
    }
    next
}

fn log_ranking(idx: &Index, q: &Query, files: &[RankedFile]) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let words: Vec<(&str, f32)> = q
        .terms
        .iter()
        .map(|t| (idx.stored.vocab[t.id as usize].as_str(), t.w))
        .collect();
    tracing::debug!(?words, "query terms");
    // Six files say why the first won; TRACE shows every kept file, to see where one fell.
    let shown = if tracing::enabled!(tracing::Level::TRACE) {
        FILES_KEPT
    } else {
        6
    };
    for rf in files.iter().take(shown) {
        let Some(f) = idx.file(rf.file) else { continue };
        let syms: Vec<String> = rf
            .syms
            .iter()
            .map(|s| format!("{}={:.2}", f.symbols[s.sym as usize].qual(), s.score))
            .collect();
        tracing::debug!(file = %f.rel, score = rf.score, ?syms, "ranked");
    }
}

fn is_test_qual(qual: &str) -> bool {
    qual.split([':', '.']).any(|p| p == "tests" || p == "test")
}
