//! The embedded local engine: a tree-sitter code graph of the workspace and ranked retrieval
//! that answers questions offline with exact `path:start-end` citations. No LSP, no HTTP.
//!
//! - `walk`: which files are indexed; `parse`: one tree-sitter parse per file → symbols, refs,
//!   imports, token documents; `lang` + `queries/*.scm`: grammars and our patterns.
//! - This module: the index (files in stable slots, a global vocabulary), reference resolution
//!   into CALLS/REFERENCES/INHERITS/IMPORTS edges, the cache, incremental updates.
//! - `search`: BM25F over symbol and file documents plus graph priors; `answer`: Markdown,
//!   citations, snippets and the LLM helpers.

mod answer;
mod declared;
mod describe;
pub mod followup;
mod graph;
mod lang;
mod parse;
mod parse_memory;
mod partial;
mod question;
mod refpat;
mod rust_scan;
mod search;
mod store;
mod strids;
mod tokens;
mod walk;

use std::collections::BTreeMap;

// FxHash: the keys are terms and names from the user's own workspace, hashed millions of times
// while indexing; SipHash's protection against chosen collisions buys nothing here.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::Selection;

pub use answer::{llm_citations, llm_messages};
pub use lang::{Lang, is_component};
pub use partial::Building;

use parse::{NF, ParsedFile, Parsers};
use store::{Docs, FileRec, Persist, StoredRef};
use strids::StrIds;

/// What `potpie-lsp index --json` prints (at least these keys).
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexStats {
    pub files: usize,
    pub symbols: usize,
    pub edges: usize,
    pub languages: BTreeMap<String, usize>,
    pub millis: u64,
    pub bytes: u64,
    pub lines: u64,
    /// Files taken unchanged from the cache instead of being parsed again.
    pub reused: usize,
    /// Source files left out because they are larger than `max_file_bytes`.
    pub too_large: usize,
    pub max_file_bytes: u64,
}

/// A citation produced by the engine: relative path, 1-based inclusive lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineCitation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
}

/// A definition that encloses some lines (see [`Index::symbol_enclosing`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnclosingSymbol {
    pub qualified: String,
    pub name: String,
    pub start_line: u32,
    pub end_line: u32,
}

/// A retrieved piece of code, with an id the LLM path can cite.
#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub id: String,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub kind: String,
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct LocalAnswer {
    pub markdown: String,
    /// Best first.
    pub citations: Vec<EngineCitation>,
    pub snippets: Vec<Snippet>,
}

/// Structures derived from the persisted files; rebuilt after loading and after updates.
#[derive(Default)]
struct Derived {
    /// `Persist::vocab` → index.
    term_ids: StrIds,
    /// `Persist::ref_names` → index.
    ref_ids: StrIds,
    path_ids: HashMap<String, u32>,
    /// Symbol documents / file documents containing each term.
    df_sym: Vec<u32>,
    df_file: Vec<u32>,
    n_sym: u32,
    n_file: u32,
    avg_sym: [f32; NF],
    avg_file: [f32; NF],
    avg_path: f32,
    /// Field length sums behind the averages, kept so one file can be added or removed.
    sum_sym: [f64; NF],
    sum_file: [f64; NF],
    sum_path: f64,
    /// Simple names (and the last segment of dotted names) → (file, symbol).
    names: HashMap<String, Vec<(u32, u32)>>,
    /// A class's, interface's or module's names, as in `names` → (file, the last segment of
    /// a base it names): `Flask` → `App` for `class Flask(App)`.
    bases: HashMap<String, Vec<(u32, Box<str>)>>,
    /// Qualified names of documented C and C++ declarations, and of an OCaml interface's
    /// documented values → (file, declaration).
    declared: HashMap<Box<str>, Vec<(u32, u32)>>,
    /// Per file slot, sorted: (symbol, declaring file, declaration) for each definition that
    /// takes its doc from a declaration (`Index::link_declarations`).
    inherited: Vec<Vec<(u32, u32, u32)>>,
    /// Lowercased simple names → how many definitions share them.
    name_count: HashMap<String, u32>,
    /// Last segment of a file's module path → files.
    modules: HashMap<String, Vec<u32>>,
    /// Folder (relative, `""` for the root) → its files: a Go or Java package is a folder.
    folders: HashMap<String, Vec<u32>>,
    /// Incoming reference edges per file slot and symbol.
    indeg: Vec<Vec<u16>>,
    /// A PageRank-style importance of each file slot, mean 1.
    file_rank: Vec<f32>,
}

pub struct Index {
    root: PathBuf,
    /// What the cache stores: every file's record (symbols, references, token documents) and
    /// the vocabularies they index into.
    stored: Persist,
    /// What is computed from `stored` after loading and after each update: term ids, document
    /// frequencies and averages, name and module maps, the reference graph's in-degrees and rank.
    derived: Derived,
    stats: IndexStats,
}

impl Index {
    /// Loads the cached index of `root` from `cache_dir` (if any, and if valid), re-parses only
    /// files whose size or mtime changed, saves it back, and returns it. `progress(done, total)`.
    pub fn open(
        root: &Path,
        cache_dir: Option<&Path>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> std::io::Result<Index> {
        Index::open_observed(root, cache_dir, progress, &Building::default())
    }

    /// [`Index::open`], publishing what is indexed so far to `building`, which can answer
    /// questions meanwhile ([`Building::answer`]).
    pub fn open_observed(
        root: &Path,
        cache_dir: Option<&Path>,
        progress: &(dyn Fn(usize, usize) + Sync),
        building: &Building,
    ) -> std::io::Result<Index> {
        let t0 = Instant::now();
        let root = std::fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "root is not a directory",
            ));
        }
        let cache_path = cache_dir.map(|d| store::cache_file(d, &root));
        let cached = cache_path.as_deref().and_then(|p| store::load(p, &root));
        let had_cache = cached.is_some();
        let mut p = cached.unwrap_or_else(|| Persist {
            root: root.to_string_lossy().into_owned(),
            ..Default::default()
        });

        let walk::Discovered {
            files: candidates,
            too_large,
        } = walk::discover(&root);
        building.discovered(&root, candidates.iter().map(|c| c.rel.as_str()));
        let mut by_rel: HashMap<&str, usize> = HashMap::default();
        for (i, f) in p.files.iter().enumerate() {
            if let Some(f) = f {
                by_rel.insert(f.rel.as_str(), i);
            }
        }
        let mut keep = vec![false; p.files.len()];
        let mut todo: Vec<(Option<usize>, walk::Candidate)> = Vec::new();
        for c in candidates {
            match by_rel.get(c.rel.as_str()) {
                Some(&slot) => {
                    let f = p.files[slot].as_ref();
                    if f.is_some_and(|f| f.size == c.size && f.mtime == c.mtime) {
                        keep[slot] = true;
                    } else {
                        todo.push((Some(slot), c));
                    }
                }
                None => todo.push((None, c)),
            }
        }
        let reused = keep.iter().filter(|k| **k).count();
        for (slot, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            if let Some(f) = &p.files[slot] {
                building.indexed(&f.rel, &f.symbols);
            }
        }
        let mut changed: HashSet<u32> = HashSet::default();
        for (slot, k) in keep.iter().enumerate() {
            if !k && p.files[slot].is_some() {
                p.files[slot] = None;
                changed.insert(slot as u32);
            }
        }
        // New files get their slots up front, so file ids do not depend on parse order.
        let mut slots: Vec<usize> = Vec::with_capacity(todo.len());
        for (slot, _) in &todo {
            slots.push(slot.unwrap_or_else(|| {
                p.files.push(None);
                p.files.len() - 1
            }));
        }
        let mut idx = Index {
            root,
            stored: p,
            derived: Derived::default(),
            stats: IndexStats::default(),
        };
        let mut term_ids = std::mem::take(&mut idx.derived.term_ids);
        if term_ids.len() != idx.stored.vocab.len() {
            term_ids = StrIds::build(&idx.stored.vocab);
        }
        // Each parsed file is folded into the index as soon as it arrives, so only a few
        // parse results (with their file-local vocabularies) are alive at any time: the peak
        // memory of a cold build stays close to the size of the index itself.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Option<ParsedFile>)>(8);
        std::thread::scope(|s| {
            let todo = &todo;
            s.spawn(move || parse_all(todo, progress, tx));
            for (i, parsed) in rx {
                let Some(parsed) = parsed else { continue };
                let rec = idx.make_rec(&todo[i].1, parsed, &mut term_ids);
                building.indexed(&rec.rel, &rec.symbols);
                idx.stored.files[slots[i]] = Some(rec);
                changed.insert(slots[i] as u32);
            }
        });
        while idx.stored.files.last().is_some_and(|f| f.is_none()) {
            idx.stored.files.pop();
        }
        idx.derived.term_ids = term_ids;
        let dirty = !changed.is_empty() || !had_cache;
        idx.derive();
        if dirty {
            idx.resolve_after_change(&changed, false, true);
        }
        idx.derive_graph();
        idx.link_declarations();
        idx.stats = idx.compute_stats(reused, t0);
        idx.stats.too_large = too_large;
        if dirty
            && let Some(dir) = cache_dir
            && let Err(e) = idx.save(dir)
        {
            tracing::warn!(error = %e, "could not write the engine cache");
        }
        Ok(idx)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn stats(&self) -> IndexStats {
        self.stats.clone()
    }

    /// Re-indexes these files (absolute paths); deleted ones are dropped.
    pub fn update_files(&mut self, paths: &[PathBuf]) {
        let t0 = Instant::now();
        let mut changed: HashSet<u32> = HashSet::default();
        let mut structural = false;
        let mut term_ids = std::mem::take(&mut self.derived.term_ids);
        for abs in paths {
            let Some(rel) = walk::rel_path(&self.root, abs) else {
                continue;
            };
            let slot = self.derived.path_ids.get(&rel).copied();
            let parsed = walk::candidate(&self.root, abs).and_then(|c| {
                let bytes = std::fs::read(&c.abs).ok()?;
                let text = walk::accept_content(&bytes, c.lang.line_comment(&c.lang_path()))?;
                let mut parsers = Parsers::default();
                let parsed = parse::parse_file(&c.lang_path(), c.lang, text, &mut parsers);
                Some((c, parsed))
            });
            match (parsed, slot) {
                (Some((c, parsed)), slot) => {
                    let rec = self.make_rec(&c, parsed, &mut term_ids);
                    let id = match slot {
                        Some(s) => {
                            self.count_file(s, false);
                            self.stored.files[s as usize] = Some(rec);
                            s
                        }
                        None => {
                            structural = true;
                            self.stored.files.push(Some(rec));
                            (self.stored.files.len() - 1) as u32
                        }
                    };
                    self.count_file(id, true);
                    changed.insert(id);
                }
                (None, Some(s)) => {
                    structural = true;
                    self.count_file(s, false);
                    self.stored.files[s as usize] = None;
                    changed.insert(s);
                }
                (None, None) => {}
            }
        }
        self.derived.term_ids = term_ids;
        if changed.is_empty() {
            return;
        }
        self.update_averages();
        // In-degrees follow the re-resolved edges; the PageRank prior is left as it is (one
        // edited file barely moves it, and it is recomputed on the next open).
        self.resolve_after_change(&changed, true, structural);
        self.derived.file_rank.resize(self.stored.files.len(), 1.0);
        self.link_declarations();
        self.stats = self.compute_stats(0, t0);
    }

    /// Writes the index to the cache (atomically).
    pub fn save(&self, cache_dir: &Path) -> std::io::Result<()> {
        store::save(&store::cache_file(cache_dir, &self.root), &self.stored)
    }

    /// Answers a question from the index alone.
    pub fn answer(&self, question: &str, selection: Option<&Selection>) -> LocalAnswer {
        let ranked = search::rank(self, question, selection);
        answer::render(self, question, &ranked)
    }

    /// The definition of `symbol` in the file `rel_path`, as 1-based inclusive lines.
    pub fn find_definition(&self, rel_path: &str, symbol: &str) -> Option<(u32, u32)> {
        let rel = rel_path.trim_start_matches("./");
        let &fid = self.derived.path_ids.get(rel)?;
        let f = self.file(fid)?;
        let want = symbol.trim().trim_end_matches("()");
        if want.is_empty() {
            return None;
        }
        let norm = |s: &str| s.replace("::", ".").replace(".prototype.", ".");
        let want_n = norm(want);
        let last = want_n
            .rsplit('.')
            .next()
            .unwrap_or(&want_n)
            .trim_end_matches('!')
            .to_string();
        let mut best: Option<(u32, &parse::Symbol)> = None;
        for s in &f.symbols {
            let q = norm(s.qual());
            let n = norm(s.name());
            let score = if q == want_n || n == want_n {
                4
            } else if q.ends_with(&format!(".{want_n}")) {
                3
            } else if n.trim_end_matches('!') == last
                || q.rsplit('.')
                    .next()
                    .is_some_and(|x| x.trim_end_matches('!') == last)
            {
                2
            } else if q.eq_ignore_ascii_case(&want_n) || n.eq_ignore_ascii_case(&last) {
                1
            } else {
                0
            };
            // Prefer the definition with a body (larger) among equals, e.g. not an overload stub.
            if score > 0
                && best.is_none_or(|(b, bs)| {
                    score > b || (score == b && s.end - s.start > bs.end - bs.start)
                })
            {
                best = Some((score, s));
            }
        }
        best.map(|(_, s)| (s.start, s.end))
    }

    /// The innermost definition in `rel_path` whose lines hold `start..=end`: its qualified
    /// name, simple name and lines. The symbol a selection or a citation is about.
    pub fn symbol_enclosing(
        &self,
        rel_path: &str,
        start: u32,
        end: u32,
    ) -> Option<EnclosingSymbol> {
        let rel = rel_path.trim_start_matches("./");
        let f = self.file(*self.derived.path_ids.get(rel)?)?;
        f.symbols
            .iter()
            .filter(|s| s.start <= start && end <= s.end)
            .min_by_key(|s| s.end - s.start)
            .map(|s| EnclosingSymbol {
                qualified: s.qual().to_string(),
                name: s.name().to_string(),
                start_line: s.start,
                end_line: s.end,
            })
    }

    // ---- internals -------------------------------------------------------------------------

    fn file(&self, id: u32) -> Option<&FileRec> {
        self.stored.files.get(id as usize).and_then(|f| f.as_ref())
    }

    fn files(&self) -> impl Iterator<Item = (u32, &FileRec)> {
        self.stored
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (i as u32, f)))
    }

    fn make_rec(
        &mut self,
        c: &walk::Candidate,
        parsed: ParsedFile,
        term_ids: &mut StrIds,
    ) -> FileRec {
        let map: Vec<u32> = parsed
            .vocab
            .iter()
            .map(|t| term_ids.intern(&mut self.stored.vocab, t))
            .collect();
        let docs = global_docs(&parsed.docs, &map);
        let decl_docs = global_docs(&parsed.decl_docs, &map);
        let path_terms: Vec<(u32, u8)> = parsed
            .path_terms
            .into_iter()
            .map(|(t, n)| (map[t as usize], n))
            .collect();
        let path_len = path_terms.iter().map(|p| u16::from(p.1)).sum();
        if self.derived.ref_ids.len() != self.stored.ref_names.len() {
            self.derived.ref_ids = StrIds::build(&self.stored.ref_names);
        }
        // Kept vectors are shrunk: parsing grows them by doubling, and collecting
        // `into_iter().map(…)` into a smaller element type reuses the old buffer, whose capacity
        // then counts in the larger type's bytes.
        let mut symbols = parsed.symbols;
        symbols.shrink_to_fit();
        let mut refs: Vec<StoredRef> = parsed
            .refs
            .into_iter()
            .map(|r| {
                let (qualifier, name) = parse::Ref::qualified(&r.name);
                let last = name.rsplit(['.', ':']).next().unwrap_or(name);
                let key = match qualifier {
                    parse::Qualifier::None => last,
                    _ if last.len() == name.len() => &r.name,
                    q => &parse::Ref::qualify(q, last),
                };
                let name = self.derived.ref_ids.intern(&mut self.stored.ref_names, key);
                StoredRef {
                    name,
                    from: r.from,
                    kind: r.kind,
                }
            })
            .collect();
        refs.shrink_to_fit();
        FileRec {
            rel: c.rel.clone(),
            lang: parsed.lang,
            script: c.script.map(Into::into),
            size: c.size,
            mtime: c.mtime,
            lines: parsed.lines,
            aux: walk::auxiliary_class(&c.rel),
            port: walk::is_platform_port(&c.rel),
            symbols,
            refs,
            imports: parsed.imports,
            docs,
            path_terms,
            path_len,
            decls: parsed.decls,
            decl_docs,
            trait_impls: parsed.trait_impls,
            described: parsed.described,
            import_files: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// Rebuilds document frequencies, averages, name and module maps (cheap: linear in the
    /// number of distinct terms per document).
    fn derive(&mut self) {
        let nv = self.stored.vocab.len();
        if self.derived.term_ids.len() != nv {
            self.derived.term_ids = StrIds::build(&self.stored.vocab);
        }
        let term_ids = std::mem::take(&mut self.derived.term_ids);
        let ref_ids = std::mem::take(&mut self.derived.ref_ids);
        let (file_rank, indeg) = (
            std::mem::take(&mut self.derived.file_rank),
            std::mem::take(&mut self.derived.indeg),
        );
        self.derived = Derived {
            term_ids,
            ref_ids,
            file_rank,
            indeg,
            ..Default::default()
        };
        for fid in 0..self.stored.files.len() as u32 {
            self.count_file(fid, true);
        }
        self.update_averages();
    }

    /// Adds (or removes) one file's documents, names, module and path to the derived maps, so
    /// that saving one file costs time in proportion to that file, not to the workspace.
    fn count_file(&mut self, fid: u32, add: bool) {
        let Some(f) = self.stored.files.get(fid as usize).and_then(|f| f.as_ref()) else {
            return;
        };
        let d = &mut self.derived;
        let nv = self.stored.vocab.len();
        if d.df_sym.len() < nv {
            d.df_sym.resize(nv, 0);
            d.df_file.resize(nv, 0);
        }
        let sign: f64 = if add { 1.0 } else { -1.0 };
        let bump = |v: &mut u32| {
            *v = if add { *v + 1 } else { v.saturating_sub(1) };
        };
        if add {
            d.path_ids.insert(f.rel.clone(), fid);
        } else {
            d.path_ids.remove(&f.rel);
        }
        bump(&mut d.n_file);
        d.sum_path += sign * f64::from(f.path_len);
        let nd = f.docs.len();
        for (di, doc) in f.docs.iter().enumerate() {
            let is_file = di + 1 == nd;
            let df = if is_file {
                &mut d.df_file
            } else {
                &mut d.df_sym
            };
            for t in doc.terms {
                if let Some(v) = df.get_mut(*t as usize) {
                    bump(v);
                }
            }
            let sums = if is_file {
                &mut d.sum_file
            } else {
                &mut d.sum_sym
            };
            for (sum, len) in sums.iter_mut().zip(doc.lens) {
                *sum += sign * f64::from(len);
            }
            if !is_file {
                bump(&mut d.n_sym);
            }
        }
        for (si, sym) in f.symbols.iter().enumerate() {
            let last = sym
                .name()
                .rsplit(['.', ':'])
                .next()
                .unwrap_or(sym.name())
                .trim_end_matches('!')
                .to_ascii_lowercase();
            if add {
                *d.name_count.entry(last).or_default() += 1;
            } else if let Some(c) = d.name_count.get_mut(&last) {
                *c = c.saturating_sub(1);
                if *c == 0 {
                    d.name_count.remove(&last);
                }
            }
            for key in name_keys(sym.name()) {
                if add {
                    d.names.entry(key).or_default().push((fid, si as u32));
                } else if let Some(v) = d.names.get_mut(&key) {
                    v.retain(|e| e.0 != fid);
                    if v.is_empty() {
                        d.names.remove(&key);
                    }
                }
            }
        }
        for (sym, base) in graph::bases_named(f, &self.stored.ref_names) {
            let Some(sym) = f.symbols.get(sym as usize) else {
                continue;
            };
            for key in name_keys(sym.name()) {
                if add {
                    d.bases.entry(key).or_default().push((fid, base.into()));
                } else if let Some(v) = d.bases.get_mut(&key) {
                    v.retain(|e| e.0 != fid);
                    if v.is_empty() {
                        d.bases.remove(&key);
                    }
                }
            }
        }
        for (di, decl) in f.decls.iter().enumerate() {
            if add {
                let at = (fid, di as u32);
                d.declared.entry(decl.qual.clone()).or_default().push(at);
            } else if let Some(v) = d.declared.get_mut(&decl.qual) {
                v.retain(|e| e.0 != fid);
                if v.is_empty() {
                    d.declared.remove(&decl.qual);
                }
            }
        }
        if let Some(last) = module_path(&f.rel).rsplit('/').next() {
            if add {
                d.modules.entry(last.to_string()).or_default().push(fid);
            } else if let Some(v) = d.modules.get_mut(last) {
                v.retain(|x| *x != fid);
            }
        }
        let folder = folder_of(&f.rel);
        if add {
            d.folders.entry(folder.to_string()).or_default().push(fid);
        } else if let Some(v) = d.folders.get_mut(folder) {
            v.retain(|x| *x != fid);
        }
    }

    fn update_averages(&mut self) {
        let avg = |sums: [f64; NF], n: u32| {
            let mut a = [1f32; NF];
            for k in 0..NF {
                a[k] = ((sums[k] / f64::from(n.max(1))) as f32).max(1.0);
            }
            a
        };
        let d = &mut self.derived;
        d.avg_sym = avg(d.sum_sym, d.n_sym);
        d.avg_file = avg(d.sum_file, d.n_file);
        d.avg_path = ((d.sum_path / f64::from(d.n_file.max(1))) as f32).max(1.0);
    }

    fn compute_stats(&self, reused: usize, t0: Instant) -> IndexStats {
        let mut s = IndexStats {
            reused,
            max_file_bytes: walk::MAX_FILE_BYTES,
            too_large: self.stats.too_large,
            ..Default::default()
        };
        for (_, f) in self.files() {
            s.files += 1;
            s.symbols += f.symbols.len();
            s.edges += f.edges.len() + f.import_files.len() + f.symbols.len();
            *s.languages
                .entry(f.lang.label(&f.lang_path()).to_string())
                .or_default() += 1;
            s.bytes += f.size;
            s.lines += u64::from(f.lines);
        }
        s.millis = t0.elapsed().as_millis() as u64;
        s
    }
}

/// Keys under which a definition is found by name: `send` for `res.send`, `accept` for
/// `TcpListener::accept`, `select!` and `select` for the macro.
/// A file's documents with the index's term ids, each sorted by term.
fn global_docs(local: &[parse::LocalDoc], map: &[u32]) -> Docs {
    let entries = local.iter().map(|d| d.terms.len()).sum();
    let mut docs = Docs::with_capacity(local.len(), entries);
    let mut pairs: Vec<(u32, [u8; NF])> = Vec::new();
    for d in local {
        pairs.clear();
        pairs.extend(d.terms.iter().map(|&(t, tf)| (map[t as usize], tf)));
        pairs.sort_unstable_by_key(|p| p.0);
        docs.push(&pairs, d.lens);
    }
    docs
}

fn name_keys(name: &str) -> Vec<String> {
    let mut v = vec![name.to_string()];
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    if last != name && !last.is_empty() {
        v.push(last.to_string());
    }
    if let Some(m) = name.strip_suffix('!') {
        v.push(m.to_string());
    }
    v
}

/// The folder of a root-relative path, `""` at the root.
fn folder_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `src/flask/sessions.py` → `src/flask/sessions`; `lib/router/index.js` → `lib/router`.
fn module_path(rel: &str) -> String {
    let no_ext = rel.rsplit_once('.').map(|(a, _)| a).unwrap_or(rel);
    match no_ext.rsplit_once('/') {
        Some((dir, "mod" | "index" | "__init__" | "lib" | "main")) => dir.to_string(),
        _ => no_ext.to_string(),
    }
}

/// Parses the candidates in parallel, largest first, sending `(index, result)` as each is
/// done; `None` for files rejected by content.
fn parse_all(
    todo: &[(Option<usize>, walk::Candidate)],
    progress: &(dyn Fn(usize, usize) + Sync),
    tx: std::sync::mpsc::SyncSender<(usize, Option<ParsedFile>)>,
) {
    let total = todo.len();
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(todo[i].1.size));
    let done = AtomicUsize::new(0);
    let step = (total / 100).max(1);
    order.par_iter().for_each_init(
        || (Parsers::default(), tx.clone()),
        |(parsers, tx), &i| {
            let c = &todo[i].1;
            let out = std::fs::read(&c.abs).ok().and_then(|bytes| {
                walk::accept_content(&bytes, c.lang.line_comment(&c.lang_path()))
                    .map(|text| parse::parse_file(&c.lang_path(), c.lang, text, parsers))
            });
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(step) || n == total {
                progress(n, total);
            }
            // The receiver only goes away if indexing was abandoned.
            let _ = tx.send((i, out));
        },
    );
}

#[cfg(test)]
mod tests;
