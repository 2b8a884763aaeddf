//! The reference graph: references resolved by name into CALLS/REFERENCES/INHERITS edges
//! (same file first, then the same package in Go and Java, then imported files, then a name
//! defined once), imports resolved to files, and the in-degrees and PageRank that ranking uses
//! as priors.

use std::collections::hash_map::Entry;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::lang::Lang;
use super::parse::{self, RefKind};
use super::store::{Edge, FileRec};
use super::{Index, folder_of, module_path};

impl Index {
    /// In-degrees and a PageRank over the file graph, from the resolved edges.
    pub(super) fn derive_graph(&mut self) {
        let n = self.stored.files.len();
        let mut indeg: Vec<Vec<u16>> = self
            .stored
            .files
            .iter()
            .map(|f| vec![0u16; f.as_ref().map_or(0, |f| f.symbols.len())])
            .collect();
        let mut out: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        for (fid, f) in self.files() {
            let mut w: HashMap<u32, f32> = HashMap::default();
            for e in &f.edges {
                if let Some(v) = indeg
                    .get_mut(e.file as usize)
                    .and_then(|v| v.get_mut(e.sym as usize))
                {
                    *v = v.saturating_add(1);
                }
                if e.file != fid {
                    *w.entry(e.file).or_default() += 1.0;
                }
            }
            for i in &f.import_files {
                *w.entry(*i).or_default() += 1.0;
            }
            // Tests, examples and benchmarks refer to what they exercise: coverage, not
            // importance. Their links count for in-degrees but cast no PageRank votes.
            if f.aux == 0 {
                out[fid as usize] = w.into_iter().map(|(k, v)| (k, v.sqrt())).collect();
            }
        }
        let live: Vec<bool> = self.stored.files.iter().map(|f| f.is_some()).collect();
        let nl = live.iter().filter(|l| **l).count().max(1) as f32;
        let mut rank: Vec<f32> = live
            .iter()
            .map(|l| if *l { 1.0 / nl } else { 0.0 })
            .collect();
        for _ in 0..20 {
            let mut next: Vec<f32> = live
                .iter()
                .map(|l| if *l { 0.15 / nl } else { 0.0 })
                .collect();
            let mut dangling = 0.0;
            for (i, edges) in out.iter().enumerate() {
                if !live[i] {
                    continue;
                }
                let total: f32 = edges.iter().map(|e| e.1).sum();
                if total <= 0.0 {
                    dangling += rank[i];
                    continue;
                }
                for (j, w) in edges {
                    next[*j as usize] += 0.85 * rank[i] * w / total;
                }
            }
            for (i, v) in next.iter_mut().enumerate() {
                if live[i] {
                    *v += 0.85 * dangling / nl;
                }
            }
            rank = next;
        }
        self.derived.file_rank = rank.into_iter().map(|r| r * nl).collect();
        self.derived.indeg = indeg;
    }

    /// Re-resolves the files that changed and every file whose edges pointed into them.
    /// With `incremental`, the in-degrees are adjusted for the edges that were replaced. Only
    /// when files were added or removed (`structural`) can an unresolved import start to
    /// resolve, so only then are files with unresolved imports retried.
    pub(super) fn resolve_after_change(
        &mut self,
        changed: &HashSet<u32>,
        incremental: bool,
        structural: bool,
    ) {
        let mut todo: Vec<u32> = Vec::new();
        for (fid, f) in self.files() {
            if changed.contains(&fid)
                || f.edges.iter().any(|e| changed.contains(&e.file))
                || f.import_files.iter().any(|i| changed.contains(i))
                || structural && f.import_files.is_empty() && !f.imports.is_empty()
            {
                todo.push(fid);
            }
        }
        let resolved: Vec<(u32, Vec<u32>, Vec<Edge>)> = todo
            .par_iter()
            .filter_map(|&fid| {
                self.file(fid).map(|f| {
                    let imports = self.resolve_imports(f);
                    let edges = self.resolve_refs(fid, f, &imports);
                    (fid, imports, edges)
                })
            })
            .collect();
        if incremental {
            let indeg = &mut self.derived.indeg;
            indeg.resize(self.stored.files.len(), Vec::new());
            for (fid, _, _) in &resolved {
                let Some(f) = self.stored.files[*fid as usize].as_ref() else {
                    continue;
                };
                for e in &f.edges {
                    if !changed.contains(&e.file)
                        && let Some(v) = indeg
                            .get_mut(e.file as usize)
                            .and_then(|v| v.get_mut(e.sym as usize))
                    {
                        *v = v.saturating_sub(1);
                    }
                }
            }
            for c in changed {
                let n = self.stored.files[*c as usize]
                    .as_ref()
                    .map_or(0, |f| f.symbols.len());
                indeg[*c as usize] = vec![0; n];
            }
            for (_, _, edges) in &resolved {
                for e in edges {
                    if let Some(v) = indeg
                        .get_mut(e.file as usize)
                        .and_then(|v| v.get_mut(e.sym as usize))
                    {
                        *v = v.saturating_add(1);
                    }
                }
            }
        }
        for (fid, imports, edges) in resolved {
            if let Some(f) = self.stored.files[fid as usize].as_mut() {
                f.import_files = imports;
                f.edges = edges;
            }
        }
    }

    fn resolve_imports(&self, f: &FileRec) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for imp in &f.imports {
            let segs: Vec<&str> = imp.split('/').filter(|s| !s.is_empty()).collect();
            if let Some(package) = self.package_files(f.lang, &segs) {
                out.extend(package.iter().copied().filter(|p| {
                    self.file(*p)
                        .is_some_and(|pf| pf.lang == f.lang && pf.rel != f.rel)
                }));
                continue;
            }
            for len in (1..=segs.len()).rev() {
                let want = &segs[..len];
                let Some(cands) = want.last().and_then(|l| self.derived.modules.get(*l)) else {
                    continue;
                };
                let hits: Vec<u32> = cands
                    .iter()
                    .copied()
                    .filter(|c| {
                        self.file(*c).is_some_and(|cf| {
                            let mp = module_path(&cf.rel);
                            let ms: Vec<&str> = mp.split('/').collect();
                            ms.len() >= want.len() && ms[ms.len() - want.len()..] == *want
                        })
                    })
                    .collect();
                if !hits.is_empty() {
                    if hits.len() <= 3 {
                        out.extend(hits);
                    }
                    break;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The files of the package a Go import (`github.com/gin-gonic/gin/binding`) or a Java
    /// wildcard import (`org/jsoup/nodes/*`) names: the folder that is the longest tail of the
    /// import path. `None` for other languages and other imports.
    fn package_files(&self, lang: Lang, segs: &[&str]) -> Option<&Vec<u32>> {
        let segs = match (lang, segs.split_last()) {
            (Lang::Go, _) => segs,
            (Lang::Java, Some((&"*", package))) => package,
            _ => return None,
        };
        (0..segs.len()).find_map(|skip| self.derived.folders.get(&segs[skip..].join("/")))
    }

    /// Whether two files are in one package, where every file of a package sees the others'
    /// names without an import (Go, Java): the same folder.
    fn same_package(&self, f: &FileRec, other: u32) -> bool {
        matches!(f.lang, Lang::Go | Lang::Java)
            && self
                .file(other)
                .is_some_and(|o| o.lang == f.lang && folder_of(&o.rel) == folder_of(&f.rel))
    }

    /// Which of the definitions sharing a referenced name (`cands`) the reference means: up to
    /// three from the nearest scope that has any (the file, its package, its imports), else the
    /// name's only file if it is defined once or twice there. `imports` is sorted.
    fn definitions_in_scope(
        &self,
        fid: u32,
        f: &FileRec,
        imports: &[u32],
        cands: &[(u32, u32)],
    ) -> Vec<(u32, u32)> {
        let in_scope = |scope: &dyn Fn(u32) -> bool| -> Vec<(u32, u32)> {
            cands
                .iter()
                .copied()
                .filter(|(cf, _)| scope(*cf))
                .take(3)
                .collect()
        };
        let scopes: [&dyn Fn(u32) -> bool; 3] =
            [&|cf| cf == fid, &|cf| self.same_package(f, cf), &|cf| {
                imports.binary_search(&cf).is_ok()
            }];
        for scope in scopes {
            let chosen = in_scope(scope);
            if !chosen.is_empty() {
                return chosen;
            }
        }
        let mut files: Vec<u32> = cands.iter().map(|c| c.0).collect();
        files.dedup();
        if files.len() == 1 && cands.len() <= 2 {
            cands.to_vec()
        } else {
            Vec::new()
        }
    }

    /// Which of the definitions named `name` (`cands`) a call on the type or module `qualifier`
    /// means (`Utils.escape`, `Cset.union`): up to three defined in a container of that name,
    /// or in a file of that name as an OCaml module is, if they are in one or two files. A
    /// call on a type the workspace does not define (`File.join`) means none of its `join`s.
    fn definitions_in(&self, qualifier: &str, cands: &[(u32, u32)]) -> Vec<(u32, u32)> {
        in_one_or_two_files(cands, |c| self.in_container(qualifier, c))
    }

    /// The types among the definitions of a name that is also a function's, for a type or base
    /// reference: a C++ or Java class shares its name with its constructors (`WritableFile`,
    /// `WritableFile::WritableFile`), which would otherwise crowd the class out of the scopes'
    /// choice. `None` when there is nothing to leave out (or no type to keep: a JavaScript
    /// class may extend a function).
    fn types_among(&self, cands: &[(u32, u32)]) -> Option<Vec<(u32, u32)>> {
        let is_function = |c: &(u32, u32)| self.kind_at(*c).is_some_and(|k| k.is_code());
        if !cands.iter().any(is_function) || cands.iter().all(is_function) {
            return None;
        }
        Some(cands.iter().copied().filter(|c| !is_function(c)).collect())
    }

    /// The kind of the definition at `(file, symbol)`.
    fn kind_at(&self, (file, sym): (u32, u32)) -> Option<parse::Kind> {
        self.file(file)
            .and_then(|f| f.symbols.get(sym as usize))
            .map(|s| s.kind)
    }

    /// Whether a definition of the type named `own` is one a value declared of the type `ty`
    /// may mean: `ty` itself, a type it derives from (whose method it inherits), or one
    /// derived from it (an implementation of an interface).
    fn is_of_type(&self, ty: &str, own: &str) -> bool {
        self.is_or_derives_from(ty, own) || self.is_or_derives_from(own, ty)
    }

    /// Whether the type named `ty` is the type named `base` or, through its base types as
    /// the code names them (`class Flask(App)`, `App(Scaffold)`), derives from it.
    fn is_or_derives_from(&self, ty: &str, base: &str) -> bool {
        ty == base
            || self
                .find_in_bases(ty, None, |level| level.contains(&base).then_some(()))
                .is_some()
    }

    /// Walks the bases of the type named `ty` as the code names them, level by level, each
    /// name once, and returns what `found` first finds in a level. With `own_file`, the first
    /// level is the bases that file gives `ty`, not those of every type of that name.
    pub(super) fn find_in_bases<'a, T>(
        &'a self,
        ty: &'a str,
        own_file: Option<u32>,
        mut found: impl FnMut(&[&'a str]) -> Option<T>,
    ) -> Option<T> {
        // Deep enough for real hierarchies. The bases are looked up in a map kept per name:
        // reading them from the refs of every file defining a name as common as `Base` took
        // minutes on 5M lines of Python packages.
        const MAX_DEPTH: usize = 5;
        let mut seen: HashSet<&str> = HashSet::default();
        let mut level = vec![ty];
        for depth in 0..MAX_DEPTH {
            let next: Vec<&str> = level
                .iter()
                .flat_map(|name| self.derived.bases.get(*name).into_iter().flatten())
                .filter(|(file, _)| depth > 0 || own_file.is_none_or(|f| *file == f))
                .map(|(_, b)| &**b)
                .filter(|b| seen.insert(b))
                .collect();
            if next.is_empty() {
                return None;
            }
            if let Some(t) = found(&next) {
                return Some(t);
            }
            level = next;
        }
        None
    }

    /// Whether the name `root`, which the file `f` imports from a module, is a value that
    /// module defines (`_cv_request = ContextVar(…)`), not a function, class or module.
    fn is_imported_value(&self, fid: u32, f: &FileRec, imports: &[u32], root: &str) -> bool {
        self.derived.names.get(root).is_some_and(|cands| {
            self.definitions_in_scope(fid, f, imports, cands)
                .into_iter()
                .any(|c| self.kind_at(c) == Some(parse::Kind::Constant))
        })
    }

    /// Which of the definitions named `name` (`cands`) a call on a value named `value`
    /// means when the code says no more: up to three whose type the value is named after
    /// (`logger` of `Logger.info`), if they are in one or two files.
    fn definitions_named_after(&self, value: &str, cands: &[(u32, u32)]) -> Vec<(u32, u32)> {
        // A name may have hundreds of definitions (`Add`): those whose type's name ends in
        // another letter than the value's are passed over without working out their type.
        let last_letter = |s: &str| {
            s.bytes()
                .rev()
                .find(u8::is_ascii_alphanumeric)
                .map(|b| b.to_ascii_lowercase())
        };
        let value_last = last_letter(value);
        in_one_or_two_files(cands, |(cf, cs)| {
            self.file(cf).is_some_and(|t| {
                t.symbols.get(cs as usize).is_some_and(|s| {
                    let qual = s.qual();
                    let head = qual.get(..qual.len() - s.name().len()).unwrap_or("");
                    last_letter(head) == value_last
                }) && named_after(value, owner(t, cs))
            })
        })
    }

    /// Whether the definition `name` at `(file, symbol)` is one of the type or module
    /// `qualifier`: inside a container of that name, or at the top of a file of that name.
    fn in_container(&self, qualifier: &str, (cf, cs): (u32, u32)) -> bool {
        let Some(file) = self.file(cf) else {
            return false;
        };
        let container = container(file, cs);
        let last = container
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        last == qualifier
            || container.is_empty() && file_stem(&file.rel).eq_ignore_ascii_case(qualifier)
    }

    fn resolve_refs(&self, fid: u32, f: &FileRec, imports: &[u32]) -> Vec<Edge> {
        let mut edges: Vec<Edge> = Vec::new();
        // Calls on values of one name from one definition, by their receivers' names
        // (`a.lock()`, `b.lock()`), make one edge to each target, as one reference did before
        // receivers were told apart: the edge at this index.
        let mut value_edges: HashMap<(u32, u32, u32), usize> = HashMap::default();
        for r in &f.refs {
            let Some(key) = self.stored.ref_names.get(r.name as usize) else {
                continue;
            };
            let (qualifier, name) = parse::Ref::qualified(key);
            let Some(cands) = self.derived.names.get(name) else {
                continue;
            };
            let types_only;
            let cands = match r.kind {
                RefKind::Type | RefKind::Inherit => {
                    types_only = self.types_among(cands);
                    types_only.as_deref().unwrap_or(cands)
                }
                _ => cands,
            };
            let (chosen, value) = self.definitions_meant(fid, f, imports, r.from, qualifier, cands);
            for (tf, ts) in chosen {
                if tf == fid && ts == r.from {
                    continue;
                }
                // A type reference to a function, or a call to a plain constant, is noise.
                let Some((tfile, target)) = self
                    .file(tf)
                    .and_then(|t| Some((t, t.symbols.get(ts as usize)?)))
                else {
                    continue;
                };
                if r.kind == RefKind::Type && target.kind.is_code() {
                    continue;
                }
                // A value's call may mean any of the name's definitions, and never a top-level
                // function (`values.update()` is no `def update`), unless the value is named
                // after the definition's type (`layer.handle()`, `Layer.handle`); a value of
                // a declared type means that type's, a base type's it inherits, or a derived
                // type's that overrides it (an interface's implementation).
                let guess = value.is_some_and(|value| {
                    let own = owner(tfile, ts);
                    match value {
                        ValueOf::Typed(ty) => !self.is_of_type(ty, last_segment(own)),
                        ValueOf::Named(value) => {
                            (cands.len() > 1
                                || target.kind == parse::Kind::Function && own.is_empty())
                                && !named_after(value, own)
                        }
                    }
                });
                if value.is_some() {
                    match value_edges.entry((r.from, tf, ts)) {
                        Entry::Occupied(at) => {
                            edges[*at.get()].guess &= guess;
                            continue;
                        }
                        Entry::Vacant(v) => {
                            v.insert(edges.len());
                        }
                    }
                }
                edges.push(Edge {
                    from: r.from,
                    file: tf,
                    sym: ts,
                    kind: r.kind,
                    guess,
                });
            }
        }
        edges
    }

    /// Which of the definitions named like a reference (`cands`) it means, and for a call on
    /// a value, what the code says of the value: its name (empty when it has none) or type.
    fn definitions_meant<'q>(
        &self,
        fid: u32,
        f: &FileRec,
        imports: &[u32],
        from: u32,
        qualifier: parse::Qualifier<'q>,
        cands: &[(u32, u32)],
    ) -> (Vec<(u32, u32)>, Option<ValueOf<'q>>) {
        use parse::Qualifier;
        let in_scope = || self.definitions_in_scope(fid, f, imports, cands);
        let chosen = match qualifier {
            Qualifier::None => in_scope(),
            // Read from lines: a value named after a type (`$logger->info(`) means that
            // type's, in any file; any other value, nothing.
            Qualifier::Value(value) if f.lang == Lang::Text => {
                let chosen = self.definitions_named_after(value, cands);
                return (chosen, Some(ValueOf::Named(value)));
            }
            Qualifier::Value(value) => return (in_scope(), Some(ValueOf::Named(value))),
            // The scopes choose as for any value; the declared type then says which of the
            // chosen the call means, when one is of that type (`c.Get()` is `Context.Get`, not
            // also `Cache.Get`). A type the workspace does not define (`Option`, `any`) says
            // nothing, and the scopes' choice stays, marked a guess.
            Qualifier::Typed(ty) => {
                let mut chosen = in_scope();
                let of_type = |&(cf, cs): &(u32, u32)| {
                    self.file(cf)
                        .is_some_and(|t| self.is_of_type(ty, last_segment(owner(t, cs))))
                };
                if chosen.iter().any(of_type) {
                    chosen.retain(of_type);
                }
                return (chosen, Some(ValueOf::Typed(ty)));
            }
            // `drop(x)` in Rust, `helper()` or `os.path.join()` in Python: a function,
            // never a method.
            Qualifier::Function => {
                let mut chosen = in_scope();
                chosen.retain(|&c| self.kind_at(c).is_some_and(|k| k != parse::Kind::Method));
                chosen
            }
            // `app.route()` after `from demo import app`: a call on a value when `app` is one
            // the module defines (`app = Flask()`); else a module's or a class's, which scope
            // decides.
            Qualifier::Imported(root) => {
                let value = self.is_imported_value(fid, f, imports, root);
                return (in_scope(), value.then_some(ValueOf::Named(root)));
            }
            // Read from lines, with no imports: the type named says where, in any file.
            Qualifier::Named(named) if f.lang == Lang::Text => self.definitions_in(named, cands),
            // `self.close()`: the caller's own type's, when it has one of the name; else a base
            // type's, which only scope can find.
            Qualifier::Named(me) if parse::refs::is_own(me) => {
                let own = container(f, from);
                let mine: Vec<(u32, u32)> = cands
                    .iter()
                    .copied()
                    .filter(|&(cf, cs)| cf == fid && !own.is_empty() && container(f, cs) == own)
                    .take(3)
                    .collect();
                if mine.is_empty() { in_scope() } else { mine }
            }
            // The scopes say which definitions the name may mean, as for any name; the type
            // named says which of them it does (`Semaphore::new`, not `Waiter::new` of the same
            // file). Looking for the type's definition beyond the scopes linked every call of a
            // constructor to it, and lost answers.
            Qualifier::Named(named) => {
                let mut chosen = in_scope();
                chosen.retain(|c| self.in_container(named, *c));
                chosen
            }
        };
        (chosen, None)
    }
}

/// What the code says of a value a call is made on.
#[derive(Clone, Copy)]
enum ValueOf<'q> {
    /// The name it goes by (`layer` of `layer.handle()`).
    Named(&'q str),
    /// The type a declaration gives it (`Context` of `c *Context`).
    Typed(&'q str),
}

/// The bases each class, interface or module of `f` names (`class Flask(App)`): (the type's
/// symbol, the last segment of the base's name).
pub(super) fn bases_named<'f>(
    f: &'f FileRec,
    ref_names: &'f [String],
) -> impl Iterator<Item = (u32, &'f str)> + 'f {
    f.refs
        .iter()
        .filter(|r| r.kind == RefKind::Inherit)
        .filter(|r| {
            f.symbols
                .get(r.from as usize)
                .is_some_and(|s| s.kind.is_container())
        })
        .filter_map(|r| {
            let name = ref_names.get(r.name as usize)?;
            Some((r.from, last_segment(parse::Ref::qualified(name).1)))
        })
}

/// The last segment of a qualified name (`Router` of `express.Router`).
fn last_segment(qual: &str) -> &str {
    let qual = qual.strip_suffix(".prototype").unwrap_or(qual);
    qual.rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
}

/// Up to three of `cands` that `wanted` accepts, if they lie in one or two files: where the
/// code says what to look for (a type, a value's name) but no import says which file.
fn in_one_or_two_files(
    cands: &[(u32, u32)],
    wanted: impl Fn((u32, u32)) -> bool,
) -> Vec<(u32, u32)> {
    let chosen: Vec<(u32, u32)> = cands
        .iter()
        .copied()
        .filter(|&c| wanted(c))
        .take(3)
        .collect();
    let mut files: Vec<u32> = chosen.iter().map(|c| c.0).collect();
    files.dedup();
    if files.len() <= 2 { chosen } else { Vec::new() }
}

/// Whether a value's name says it is of the type `container`: the type's name, in any case
/// and with or without underscores (`layer` of `Layer`, `session_interface` of
/// `SessionInterface`, `res` of the object `res`, `router` of JavaScript's
/// `Router.prototype`), or ending in it as a word when it has four letters or more
/// (`main_layer`, `mainLayer`; not `player`). A type's name ending in the value's says
/// nothing: `value` is no `JValue`, `list` no `PropertyList`.
fn named_after(value: &str, container: &str) -> bool {
    let ty = container.strip_suffix(".prototype").unwrap_or(container);
    let ty = ty
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    // Compared from the end, without copying either name.
    fn plain(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes()
            .rev()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
    }
    // Most types end in another letter: no need to count.
    if plain(value).next() != plain(ty).next() {
        return false;
    }
    let (value_len, ty_len) = (plain(value).count(), plain(ty).count());
    let common = plain(value)
        .zip(plain(ty))
        .take_while(|(a, b)| a == b)
        .count();
    if ty_len == 0 || common < ty_len {
        return false;
    }
    if value_len == ty_len {
        return true;
    }
    // Where the type's name starts in the value: a word's start.
    let Some((at, first)) = value
        .char_indices()
        .rev()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .nth(ty_len - 1)
    else {
        return false;
    };
    ty_len >= 4 && (first.is_ascii_uppercase() || value[..at].ends_with('_'))
}

/// A file's name without its folder and extension (`lib/cset.ml` → `cset`).
fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.split_once('.').map_or(name, |(stem, _)| stem)
}

/// What symbol `sym` of `f` belongs to: its container, or what its own name puts before the
/// last segment (`Layer.prototype` of JavaScript's `Layer.prototype.handle = function …`).
fn owner(f: &FileRec, sym: u32) -> &str {
    match container(f, sym) {
        "" => f
            .symbols
            .get(sym as usize)
            .and_then(|s| s.name().rsplit_once('.'))
            .map_or("", |(head, _)| head),
        own => own,
    }
}

/// The qualified name of what holds symbol `sym` of `f` (`Semaphore` of `Semaphore::acquire`),
/// empty for a top-level one.
fn container(f: &FileRec, sym: u32) -> &str {
    f.symbols.get(sym as usize).map_or("", |s| {
        s.qual()
            .strip_suffix(s.name())
            .unwrap_or("")
            .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
    })
}

#[cfg(test)]
mod tests {
    use super::named_after;

    #[test]
    fn a_value_is_named_after_a_type_by_the_whole_name_or_a_last_word() {
        for (value, ty) in [
            ("layer", "Layer"),
            ("session_interface", "SessionInterface"),
            ("res", "res"),
            ("router", "Router.prototype"),
            ("main_layer", "Layer"),
            ("mainLayer", "app::Layer"),
            ("default_query_parser", "Rack.QueryParser"),
        ] {
            assert!(named_after(value, ty), "{value} of {ty}");
        }
        for (value, ty) in [
            ("player", "Layer"),
            ("value", "JValue"),
            ("list", "PropertyList"),
            ("w", "Waiter"),
            ("sem", "Semaphore"),
            ("s", ""),
            ("xres", "res"),
        ] {
            assert!(!named_after(value, ty), "{value} of {ty}");
        }
    }
}
