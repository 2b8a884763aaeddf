//! The persisted part of the index and the on-disk cache format:
//! `MAGIC`, a little-endian `u32` format version, then the postcard body.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::lang::Lang;
use super::parse::{Decl, NF, RefKind, Symbol};

pub const MAGIC: &[u8; 8] = b"PPLSPIDX";
// 11: items in nested macros inside impls keep their container (parse of item macros in place).
// 12: a `.h` header may be parsed as C++ (its language is read from its code).
// 13: C++ out-of-line definitions are methods named without template arguments.
// 14: C++ classes behind an export macro are classes.
// 15: Go and Java references resolve within their package (folder) first, and Go imports (and
// Java wildcard imports) to the package's files.
// 16: functions carry a stub flag (nothing to run).
// 17: string literals of four lines or more (not docstrings) leave body documents.
// 18: files carry a platform-port flag.
// 19: stopwords are stopped before stemming too (`None`, `true`, `else` were terms).
// 20: source in a language without a grammar (`Lang::Text`) is indexed, with definitions read
// from its lines.
// 21: methods declared by their type (C#, Dart) are definitions of `Lang::Text` files too,
// and doc markup tags (C# XML docs, Javadoc HTML) are left out of docs.
// 22: a namespace is no definition in `Lang::Text` files, and a comment at column 0 ends no
// body there.
// 23: `Lang::Text` definitions past type parameters before the name (Kotlin's `fun <T>`) and
// a kind word after the keyword (`enum class`).
// 24: a `Lang::Text` class whose parameters run one per line keeps its body past their `)`.
// 25: a comment's sentence running into a parenthesis is no typed method.
// 26: interface and abstract declarations ending in `;`, declarations after an annotation on
// their line, and constructors without modifiers are typed methods too.
// 27: `x << 16` opens no heredoc; methods named `is` or `and`, with type parameters, and Java's
// `@interface` are read too.
// 28: and a typed method that opens with its type parameters (`<B extends X> B format(`).
// 29: Swift, Scala, Objective-C and Elixir definitions (annotations before the keyword, scoped
// modifiers, `init`, `@implementation … @end`, `@doc` strings); Objective-C headers read as
// text; files marked "Generated … Do not edit." skipped.
// 30: Perl POD and Julia doc strings are docs; a `#define` body continued with `\` holds no
// definitions.
// 31: Haskell, Elm, OCaml, F#, Erlang and Clojure definitions (`functional.rs`); OCaml and
// Haskell block comments open nothing.
// 32: functions assigned to a name (R's `f <- function(`, Lua's `M.f = function(`), Julia's
// `mutable struct` and `macro`, PowerShell's `function Get-Item`.
// 33: a doc tag with at most one word after it (`@export`, `@since 3.2`) is not doc text.
// 34: an OCaml or F# lambda (`fun rem ->`) is no definition.
// 35: a Perl `package X;` holds the subs down to the next package; POD and `__END__` are data.
// 36: languages without a grammar have calls to their own file's definitions (`calls.rs`).
// 37: an OCaml value's doc may be the `(** … *)` under it.
// 38: Vue and Svelte components' scripts parsed by the JavaScript or TypeScript grammar; ES
// imports that name their file resolve.
// 39: Solidity's `contract`, `library`, `modifier`; `constructor(…) {`.
// 40: Elixir modules by their whole alias; Ruby's and Elixir's `valid?` and `save!` names.
// 41: Groovy's `def x = …` is no method; Nim's `iterator` and `converter`.
// 42: a call on a variable (`x.each`) is not taken for the file's own method.
// 43: a Nim routine's `##` lines are its doc.
// 44: calls made on a named type or module (`Utils.escape`) resolve into that container.
// 45: calls made on a named type in the grammar languages too (`Builder::new()`).
// 46: calls on `self`, `this`, `Self` keep that qualifier.
// 47: calls on a value keep that mark; edges say when they are a guess.
// 52: what a Rust smart pointer is made to hold, and a struct literal, type a `let`.
// 53: C and C++ declarations with a doc comment, which document their definitions.
// 54: the trait each Rust method of an `impl Trait for Type` block implements.
// 55: C++ pure virtual declarations of a class read as a block (`= 0`) are declarations too.
// 56: C++ classes behind an export macro parsed as classes.
// 57: a C or C++ class described by its file's leading comment has that description as its doc.
// 58: which class that is, for each file (`FileRec::described`).
// 59: the documented functions of an OCaml interface (`.mli`) are declarations too.
// 60: C#'s and Swift's `#if`/`#region` lines are no docs; C#'s `object Create(…)` is a method.
// 61: a doc that says nothing (`{@inheritDoc}`) is none; a Clojure docstring has its range.
// 62: nor is `{@inheritDoc}` with tags only (`@phpstan-param Record $record`).
// 63: the text languages read the bases a class names on its header line.
// 64: Kotlin `expect` declarations with a doc are declarations too.
// 65: a TypeScript function overloaded without a doc of its own has the doc above its first overload.
// 66: a Perl sub without a doc has the prose of the POD section that names it.
// 67: the Lisps, Protocol Buffers and Thrift are read; a Lisp form's signature is its head.
// 68: GraphQL schemas are read; a one-line `"""doc"""` above a definition is its doc.
// 69: an Erlang function is one name and arity, from its `-spec` to its `.`; records, types,
//     callbacks and macros are definitions; `module:function(…)` calls that module's.
// 70: Nim's types (`Name* = object` in a `type` section) are definitions, with the doc after
//     their header.
// 71: scripts without an extension are read by their `#!` line or Emacs mode line; a shell
//     function may open its body on the line below its name.
// 72: TypeScript's ambient function declarations (`declare function`, and those of a `declare
//     namespace` or `declare module`) are definitions.
// 73: a shell command's name is a reference wherever its function is defined.
// 74: a TypeScript interface's method signatures are its methods.
// 75: a C# property whose accessors run code is a method.
// 76: so is a Swift or Kotlin property computed by code.
// 77: code commented out above a definition is no doc.
// 78: a script's extension, when its `#!` line says its text language (Perl, Ruby …).
// 79: Dart getters, Visual Basic and Zig definitions; `{- -}`, `<# #>` and in-body PowerShell
//     docs; a `#!` or `-*-` line is no doc; `}()` ends a block.
// 80: a Rust impl for `Arc<Handle>`, `&'a Handle` or `dyn Io + Send` is Handle's (Io's).
pub const FORMAT_VERSION: u32 = 80;

/// The token documents of one file (one per symbol, then the file document), stored flat: four
/// allocations per file instead of two per document, which at a million lines of code is most
/// of the difference between the index and the source in memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Docs {
    /// `ends[d]`: one past document `d`'s last entry in `terms` and `tfs`.
    ends: Vec<u32>,
    /// Term ids, ascending within each document, and their counts per field.
    terms: Vec<u32>,
    tfs: Vec<[u8; NF]>,
    lens: Vec<[u16; NF]>,
}

/// One document of [`Docs`].
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    pub terms: &'a [u32],
    pub tfs: &'a [[u8; NF]],
    pub lens: [u16; NF],
}

impl Docs {
    pub fn with_capacity(docs: usize, entries: usize) -> Docs {
        Docs {
            ends: Vec::with_capacity(docs),
            terms: Vec::with_capacity(entries),
            tfs: Vec::with_capacity(entries),
            lens: Vec::with_capacity(docs),
        }
    }

    /// Appends a document; `pairs` sorted by term id.
    pub fn push(&mut self, pairs: &[(u32, [u8; NF])], lens: [u16; NF]) {
        self.terms.extend(pairs.iter().map(|p| p.0));
        self.tfs.extend(pairs.iter().map(|p| p.1));
        self.ends.push(self.terms.len() as u32);
        self.lens.push(lens);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, d: usize) -> Option<Doc<'_>> {
        let end = *self.ends.get(d)? as usize;
        let start = if d == 0 { 0 } else { self.ends[d - 1] as usize };
        Some(Doc {
            terms: &self.terms[start..end],
            tfs: &self.tfs[start..end],
            lens: self.lens[d],
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = Doc<'_>> {
        (0..self.len()).filter_map(|d| self.get(d))
    }

    /// Whether the layout holds together (for caches read from disk) with terms below `nv`.
    fn consistent(&self, nv: u32) -> bool {
        self.lens.len() == self.ends.len()
            && self.terms.len() == self.tfs.len()
            && self.ends.last().map_or(0, |e| *e as usize) == self.terms.len()
            && self.ends.windows(2).all(|w| w[0] <= w[1])
            && self.terms.iter().all(|t| *t < nv)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Edge {
    /// Source symbol in this file, `parse::NONE` for file level.
    pub from: u32,
    pub file: u32,
    pub sym: u32,
    pub kind: RefKind,
    /// A call on a value (`inner.lock()`) of a name defined more than once: which of the
    /// definitions it means is a guess, good for ranking, not to show as a fact.
    pub guess: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct StoredRef {
    /// Index into `Persist::ref_names`: the last segment of the referenced name.
    pub name: u32,
    /// Enclosing symbol, `NONE` for file level.
    pub from: u32,
    pub kind: RefKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRec {
    pub rel: String,
    pub lang: Lang,
    /// A script's extension, when its `#!` line says its text language (`walk::Candidate`).
    pub script: Option<Box<str>>,
    pub size: u64,
    pub mtime: u64,
    pub lines: u32,
    pub aux: u8,
    /// A port to a system few users run (`walk::is_platform_port`).
    pub port: bool,
    pub symbols: Vec<Symbol>,
    /// References by name, the name interned in `Persist::ref_names` (a workspace has far
    /// fewer distinct referenced names than references).
    pub refs: Vec<StoredRef>,
    pub imports: Vec<String>,
    /// One per symbol, then the file document.
    pub docs: Docs,
    pub path_terms: Vec<(u32, u8)>,
    /// C and C++ declarations with a doc comment, and one document (the doc field) for each.
    pub decls: Vec<Decl>,
    pub decl_docs: Docs,
    /// Rust methods of `impl Trait for Type` blocks, by symbol index (ascending): the trait.
    pub trait_impls: Vec<(u32, Box<str>)>,
    /// The class the comment the file opens with describes, `parse::NONE` if none: what an
    /// answer cites when only the file's own words match.
    pub described: u32,
    pub path_len: u16,
    /// Resolved: imported files and outgoing reference edges.
    pub import_files: Vec<u32>,
    pub edges: Vec<Edge>,
}

impl FileRec {
    /// The path whose extension names the file's language (`walk::script_path`).
    pub fn lang_path(&self) -> std::borrow::Cow<'_, str> {
        super::walk::script_path(&self.rel, self.script.as_deref())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Persist {
    pub root: String,
    /// Slots: a deleted file leaves `None` so that file ids in edges stay valid.
    pub files: Vec<Option<FileRec>>,
    pub vocab: Vec<String>,
    pub ref_names: Vec<String>,
}

pub fn cache_file(cache_dir: &Path, root: &Path) -> PathBuf {
    cache_dir.join(format!("{}.idx", crate::config::cache_key_for_root(root)))
}

/// The cached index, or `None` if absent, of another format, truncated or corrupt.
pub fn load(path: &Path, root: &Path) -> Option<Persist> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        tracing::warn!(path = %path.display(), "engine cache has no valid header; rebuilding");
        return None;
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        tracing::info!(
            version,
            "engine cache is of another format version; rebuilding"
        );
        return None;
    }
    match postcard::from_bytes::<Persist>(&bytes[12..]) {
        Ok(p) if p.root == root.to_string_lossy() && consistent(&p) => Some(p),
        Ok(_) => {
            tracing::warn!("engine cache is inconsistent; rebuilding");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "engine cache is corrupt; rebuilding");
            None
        }
    }
}

/// Cheap structural checks so that a decodable but damaged cache cannot cause out-of-bounds use.
fn consistent(p: &Persist) -> bool {
    let nv = p.vocab.len() as u32;
    let nf = p.files.len() as u32;
    let nr = p.ref_names.len() as u32;
    p.files.iter().flatten().all(|f| {
        let ns = f.symbols.len() as u32;
        f.docs.len() == f.symbols.len() + 1
            && f.docs.consistent(nv)
            && f.decl_docs.len() == f.decls.len()
            && f.trait_impls.iter().all(|(si, _)| *si < ns)
            && f.decl_docs.consistent(nv)
            && f.path_terms.iter().all(|(t, _)| *t < nv)
            && f.symbols.iter().all(|s| {
                s.start >= 1
                    && s.start <= s.end
                    && s.end <= f.lines.max(1)
                    && (s.parent == super::parse::NONE || s.parent < ns)
            })
            && f.refs
                .iter()
                .all(|r| (r.from == super::parse::NONE || r.from < ns) && r.name < nr)
            && f.import_files.iter().all(|i| *i < nf)
            && f.edges.iter().all(|e| {
                e.file < nf
                    && (e.from == super::parse::NONE || e.from < ns)
                    && p.files[e.file as usize]
                        .as_ref()
                        .is_some_and(|t| (e.sym as usize) < t.symbols.len())
            })
    })
}

/// Writes atomically: a temporary file in the same directory, then a rename.
pub fn save(path: &Path, p: &Persist) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let body = postcard::to_stdvec(p).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("index"),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&FORMAT_VERSION.to_le_bytes())?;
        f.write_all(&body)?;
        f.sync_all().ok();
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
