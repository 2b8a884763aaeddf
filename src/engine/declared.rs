//! Docs written elsewhere than on the definition: C and C++ put a function's doc comment on its
//! declaration (in a class body, in a header), and a method that overrides or implements
//! another is documented by that one's doc (as javadoc and rustdoc show it).

use super::parse::{Decl, Kind};
use super::store::{Doc, FileRec};
use super::{Index, Lang, lang};

impl Index {
    /// The documented declaration whose doc is that of symbol `si` of file `fid` (see
    /// [`Index::link_declarations`]): the declaring file, the declaration and its document.
    pub(super) fn declaration_of(&self, fid: u32, si: u32) -> Option<(u32, &Decl, Doc<'_>)> {
        let links = self.derived.inherited.get(fid as usize)?;
        let at = links.binary_search_by_key(&si, |l| l.0).ok()?;
        let (_, decl_file, di) = links[at];
        let g = self.file(decl_file)?;
        Some((
            decl_file,
            g.decls.get(di as usize)?,
            g.decl_docs.get(di as usize)?,
        ))
    }

    /// Links each C or C++ function defined without a doc comment to its declaration with
    /// one, when its qualified name is declared with a doc exactly once (overloads documented
    /// apart say which is which only by their parameters); and each function of an OCaml
    /// implementation (`group.ml`) defined without a doc to the documented value of the same
    /// name in its interface (`group.mli`, F#'s `.fsi` likewise); and each Kotlin `actual`
    /// definition without a doc to the one documented `expect` declaration of its name. Worked
    /// out again after every change, in time in proportion to the documented declarations, so
    /// that a query need not look a name up for every definition.
    pub(super) fn link_declarations(&mut self) {
        let mut inherited: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); self.stored.files.len()];
        // A definition that can take a declaration's doc: a function without one, or a Kotlin
        // `actual` class.
        let undocumented = |fid: u32, si: u32, qual: &str| -> bool {
            let Some(f) = self.file(fid) else {
                return false;
            };
            f.symbols.get(si as usize).is_some_and(|sym| {
                sym.qual() == qual
                    && (sym.kind.is_code() || is_kotlin(f) && sym.kind.is_container())
                    && sym.doc_end <= sym.doc_start
            })
        };
        for (qual, at) in &self.derived.declared {
            let last = last_word(qual);
            let named = self.derived.names.get(last).into_iter().flatten();
            match at.as_slice() {
                &[(decl_file, di)]
                    if let Some(family) = self.file(decl_file).and_then(declaring_family) =>
                {
                    for &(fid, si) in named {
                        if self.file(fid).and_then(declaring_family) == Some(family)
                            && undocumented(fid, si, qual)
                        {
                            inherited[fid as usize].push((si, decl_file, di));
                        }
                    }
                }
                interfaces => {
                    for &(decl_file, di) in interfaces {
                        let Some(implementation) = self
                            .file(decl_file)
                            .filter(|d| lang::is_declaration_file(&d.rel))
                            .and_then(|d| d.rel.strip_suffix('i'))
                            .and_then(|rel| self.derived.path_ids.get(rel))
                        else {
                            continue;
                        };
                        for &(fid, si) in named.clone() {
                            if fid == *implementation && undocumented(fid, si, qual) {
                                inherited[fid as usize].push((si, decl_file, di));
                            }
                        }
                    }
                }
            }
        }
        for links in &mut inherited {
            links.sort_unstable();
            links.dedup_by_key(|l| l.0);
        }
        self.derived.inherited = inherited;
    }

    /// The documented method that method `si` of `fid`, written without a doc, overrides or
    /// implements (`UTF8StreamJsonParser.nextToken` → `JsonParser.nextToken`): in the nearest
    /// base type, as the code names its bases, that defines the name with a doc, or in the
    /// trait of a Rust `impl Trait for Type` block (`TcpStream::poll_read` →
    /// `AsyncRead::poll_read`). For answers to show; ranking is left alone, since one
    /// interface method may have dozens of implementations, which its doc would make alike.
    pub(super) fn overridden(&self, fid: u32, si: u32) -> Option<(u32, u32)> {
        let f = self.file(fid)?;
        let sym = f.symbols.get(si as usize)?;
        if !sym.kind.is_code() || sym.doc_end > sym.doc_start {
            return None;
        }
        let method = last_word(sym.name());
        let candidates = self.derived.names.get(method)?;
        let defined_in = |(cf, cs): (u32, u32), types: &[&str]| -> bool {
            self.file(cf).is_some_and(|g| {
                g.symbols.get(cs as usize).is_some_and(|c| {
                    c.doc_end > c.doc_start
                        && last_word(c.name()) == method
                        && g.symbols
                            .get(c.parent as usize)
                            .is_some_and(|o| types.contains(&last_word(o.name())))
                })
            })
        };
        // A Rust method of `impl Trait for Type`: the trait's.
        if let Ok(at) = f.trait_impls.binary_search_by_key(&si, |t| t.0) {
            let implemented = [&*f.trait_impls[at].1];
            return candidates
                .iter()
                .copied()
                .find(|&c| defined_in(c, &implemented));
        }
        // The owner's own bases are those its file gives it, not every same-named type's.
        let owner = f.symbols.get(sym.parent as usize)?;
        self.find_in_bases(last_word(owner.name()), Some(fid), |bases| {
            candidates.iter().copied().find(|&c| defined_in(c, bases))
        })
    }

    /// The documented declaration of the base-class method that a C++ method defined out of
    /// its class (`Status DBImpl::Put(…) {…}`, with no doc and no documented declaration of
    /// its own) overrides: `DB::Put`, declared in the class `DBImpl` derives from. For answers.
    pub(super) fn overridden_declaration(&self, fid: u32, si: u32) -> Option<(u32, u32)> {
        let f = self.file(fid)?;
        let sym = f.symbols.get(si as usize)?;
        if f.lang != Lang::Cpp
            || sym.kind != Kind::Method
            || sym.doc_end > sym.doc_start
            || self.declaration_of(fid, si).is_some()
        {
            return None;
        }
        let (owner, method) = sym.qual().rsplit_once("::")?;
        // The class is declared in a header: its bases are whichever file names them.
        self.find_in_bases(last_word(owner), None, |bases| {
            bases.iter().find_map(|base| {
                let declared = self
                    .derived
                    .declared
                    .get(format!("{base}::{method}").as_str());
                match declared.map(Vec::as_slice) {
                    Some(&[at]) => Some(at),
                    _ => None,
                }
            })
        })
    }
}

fn is_c_or_cpp(f: &FileRec) -> bool {
    matches!(f.lang, Lang::C | Lang::Cpp)
}

/// The languages that document a definition where it is declared once by its qualified name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DeclaringFamily {
    /// A header's prototype documents a C or C++ definition.
    C,
    /// An `expect` declaration documents the `actual` definitions.
    Kotlin,
}

fn declaring_family(f: &FileRec) -> Option<DeclaringFamily> {
    if is_c_or_cpp(f) {
        Some(DeclaringFamily::C)
    } else {
        is_kotlin(f).then_some(DeclaringFamily::Kotlin)
    }
}

fn is_kotlin(f: &FileRec) -> bool {
    f.lang == Lang::Text && (f.rel.ends_with(".kt") || f.rel.ends_with(".kts"))
}

/// The last word of a name (`Parser` of `json.Parser`, `run` of `Job::run`).
fn last_word(name: &str) -> &str {
    name.rsplit(['.', ':']).next().unwrap_or(name)
}
