//! C and C++ put a function's doc comment on its declaration (in a class body, in a header),
//! not on its definition: which definitions take their doc from which declaration.

use super::parse::{Decl, Kind};
use super::store::{Doc, FileRec};
use super::{Index, Lang};

impl Index {
    /// The documented declaration whose doc is that of symbol `si` of file `fid` (see
    /// [`Index::link_declarations`]): the declaring file, the declaration and its document.
    pub(super) fn declaration_of(&self, fid: u32, si: u32) -> Option<(&FileRec, &Decl, Doc<'_>)> {
        let links = self.derived.inherited.get(fid as usize)?;
        let at = links.binary_search_by_key(&si, |l| l.0).ok()?;
        let (_, decl_file, di) = links[at];
        let g = self.file(decl_file)?;
        Some((g, g.decls.get(di as usize)?, g.decl_docs.get(di as usize)?))
    }

    /// Links each C or C++ function defined without a doc comment to its declaration with
    /// one, when its qualified name is declared with a doc exactly once (overloads documented
    /// apart say which is which only by their parameters). Worked out again after every
    /// change, in time in proportion to the documented declarations, so that a query need not
    /// look a name up for every definition.
    pub(super) fn link_declarations(&mut self) {
        let mut inherited: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); self.stored.files.len()];
        for (qual, at) in &self.derived.declared {
            let &[(decl_file, di)] = at.as_slice() else {
                continue;
            };
            let last = qual.rsplit(':').next().unwrap_or(qual);
            for &(fid, si) in self.derived.names.get(last).into_iter().flatten() {
                let Some(f) = self.file(fid) else { continue };
                let Some(sym) = f.symbols.get(si as usize) else {
                    continue;
                };
                if sym.qual() == &**qual
                    && matches!(f.lang, Lang::C | Lang::Cpp)
                    && matches!(sym.kind, Kind::Function | Kind::Method)
                    && sym.doc_end <= sym.doc_start
                {
                    inherited[fid as usize].push((si, decl_file, di));
                }
            }
        }
        for links in &mut inherited {
            links.sort_unstable();
            links.dedup_by_key(|l| l.0);
        }
        self.derived.inherited = inherited;
    }
}
