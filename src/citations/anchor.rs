//! Living citations: where the code a citation pointed at is now, after its file changed.
//!
//! A citation keeps a fingerprint of the lines it cited (a hash per line, whitespace-trimmed)
//! and the symbol it is about. Re-anchoring is a pure function of that and the file's new
//! text, tried in order of confidence:
//!
//! 1. the whole block, unchanged, somewhere in the file (lines inserted above, or the code
//!    moved): the occurrence nearest to where it was;
//! 2. its first line (a definition's signature) followed by enough of the block: the body was
//!    edited; the end is found again from the block's last lines;
//! 3. a line naming the symbol, followed by enough of the block: the signature was edited;
//! 4. otherwise the most lines of the block that still stand together, when they are most
//!    of it.
//!
//! When none holds, the code is gone: the citation keeps its old lines and is marked stale.
//! The work is linear in the file's lines (one hash per line, one map from hash to lines), so a
//! 5,000-line file with 20 citations re-anchors in well under a millisecond
//! (`cargo bench --bench reanchor`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// At most this many lines of a citation are fingerprinted: a whole-file citation is found
/// again by its head, and its fingerprint stays small in the thread files.
const MAX_FINGERPRINT_LINES: usize = 400;

/// What a citation remembers of the code it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anchor {
    /// 1-based, inclusive: where the code is now (or was, when stale).
    pub start_line: u32,
    pub end_line: u32,
    /// The symbol the cited lines are (or are in), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// A hash of each cited line, whitespace-trimmed (the first `MAX_FINGERPRINT_LINES`).
    pub lines: Vec<u64>,
    /// The cited code is gone: the lines are where it was.
    #[serde(default)]
    pub stale: bool,
}

/// Hash of a line with surrounding whitespace (and a trailing `\r`) ignored, so re-indenting
/// or a changed line ending does not lose a citation. FNV-1a: stable across runs.
fn line_hash(line: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in line.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Blank and brace-only lines match too much to vote for a place on their own.
fn is_weak(line: &str) -> bool {
    line.trim().chars().all(|c| "{}()[];,".contains(c))
}

impl Anchor {
    /// The anchor of lines `start..=end` of `text` (1-based, clamped to the text).
    pub fn new(text: &str, start: u32, end: u32, symbol: Option<String>) -> Anchor {
        let all: Vec<&str> = text.lines().collect();
        let last = (all.len() as u32).max(1);
        let start = start.clamp(1, last);
        let end = end.clamp(start, last);
        let lines = all
            .iter()
            .skip(start as usize - 1)
            .take((end - start + 1) as usize)
            .take(MAX_FINGERPRINT_LINES)
            .map(|l| line_hash(l))
            .collect();
        Anchor {
            start_line: start,
            end_line: end,
            symbol,
            lines,
            stale: false,
        }
    }

    /// Where the cited code is in `text` now; stale (with the old lines, clamped) when it is
    /// gone.
    pub fn reanchor(&self, text: &str) -> Anchor {
        let file = FileLines::new(text);
        self.reanchor_in(&file)
    }

    /// As [`Anchor::reanchor`], for several anchors of one file: hash the file once.
    pub fn reanchor_in(&self, file: &FileLines<'_>) -> Anchor {
        let mut out = self.clone();
        match self.locate(file) {
            Some((start, end)) => {
                out.start_line = start;
                out.end_line = end;
                out.stale = false;
            }
            None => {
                let last = (file.hashes.len() as u32).max(1);
                out.start_line = self.start_line.clamp(1, last);
                out.end_line = self.end_line.clamp(out.start_line, last);
                out.stale = true;
            }
        }
        out
    }

    /// 1-based inclusive lines of the cited code in `file`, if it is still there.
    fn locate(&self, file: &FileLines<'_>) -> Option<(u32, u32)> {
        let m = self.lines.len();
        if m == 0 || file.hashes.is_empty() {
            return None;
        }
        // How many lines a long citation spans beyond its capped fingerprint.
        let extra = if m == MAX_FINGERPRINT_LINES {
            ((self.end_line - self.start_line + 1) as usize).saturating_sub(m)
        } else {
            0
        };
        let old = self.start_line as usize - 1;
        let span = |start: usize, end: usize| {
            let end = (end + extra).min(file.hashes.len() - 1);
            Some((start as u32 + 1, end as u32 + 1))
        };
        // Braces and blank lines alone are everywhere: they place nothing.
        if self.lines.iter().all(|h| is_weak_hash(file, *h)) {
            return None;
        }
        // 1. The whole block, unchanged.
        if let Some(start) = self.nearest(file, old, |s| file.matches_block(s, &self.lines)) {
            return span(start, start + m - 1);
        }
        // 2. Its first line, with enough of the block after it.
        if !is_weak_hash(file, self.lines[0])
            && let Some(start) = self.nearest(file, old, |s| {
                file.hashes[s] == self.lines[0] && self.enough_after(file, s)
            })
        {
            return span(start, self.end_after(file, start));
        }
        // 3. A line naming the symbol, with enough of the block after it.
        if let Some(symbol) = self.symbol.as_deref().filter(|s| !s.is_empty()) {
            let name = symbol.rsplit(['.', ':']).next().unwrap_or(symbol);
            if let Some(start) = self.nearest(file, old, |s| {
                names(file.text[s], name) && self.enough_after(file, s)
            }) {
                return span(start, self.end_after(file, start));
            }
        }
        // 4. The longest run of the block's lines that still stand in order.
        self.best_run(file)
            .and_then(|(start, end)| span(start, end))
    }

    /// The candidate line nearest to `old` (0-based) for which `ok` holds.
    fn nearest(
        &self,
        file: &FileLines<'_>,
        old: usize,
        ok: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut candidates: Vec<usize> = file
            .positions
            .get(&self.lines[0])
            .cloned()
            .unwrap_or_default();
        if self.symbol.is_some() {
            // Signature edits: any line may start the block; the symbol check narrows it.
            candidates = (0..file.hashes.len()).collect();
        }
        candidates
            .into_iter()
            .filter(|&s| ok(s))
            .min_by_key(|&s| s.abs_diff(old))
    }

    /// At least half of the block's distinctive lines appear, in order, within twice the
    /// block's length after `start`.
    fn enough_after(&self, file: &FileLines<'_>, start: usize) -> bool {
        let strong: Vec<u64> = self
            .lines
            .iter()
            .copied()
            .filter(|h| !is_weak_hash(file, *h))
            .collect();
        if strong.is_empty() {
            return false;
        }
        let window = (self.lines.len() * 2 + 8).min(file.hashes.len() - start);
        let mut found = 0;
        let mut want = strong.iter().peekable();
        for h in &file.hashes[start..start + window] {
            if want.peek() == Some(&h) {
                found += 1;
                want.next();
            }
        }
        found * 2 >= strong.len()
    }

    /// Where the block that starts at `start` ends now: the last of its lines found in order
    /// within reach, shifted by what follows it in the old block.
    fn end_after(&self, file: &FileLines<'_>, start: usize) -> usize {
        let m = self.lines.len();
        let window_end = (start + m * 2 + 8).min(file.hashes.len());
        let mut i = 0;
        let mut last_match = (start, 0usize);
        for (p, h) in file.hashes.iter().enumerate().take(window_end).skip(start) {
            // Re-synchronise on the next old line found here (lines added or removed).
            if let Some(k) = self.lines[i..].iter().position(|x| x == h) {
                i += k;
                last_match = (p, i);
                i += 1;
                if i == m {
                    break;
                }
            }
        }
        let (p, k) = last_match;
        (p + (m - 1 - k)).min(file.hashes.len() - 1)
    }

    /// The longest run of consecutive new lines that match old lines in order; kept when it
    /// holds most of the block's distinctive lines.
    fn best_run(&self, file: &FileLines<'_>) -> Option<(usize, usize)> {
        let strong = self
            .lines
            .iter()
            .filter(|h| !is_weak_hash(file, **h))
            .count();
        if strong == 0 {
            return None;
        }
        let mut best: Option<(usize, usize, usize)> = None;
        for (i, h) in self.lines.iter().enumerate() {
            if is_weak_hash(file, *h) {
                continue;
            }
            for &p in file.positions.get(h).map(Vec::as_slice).unwrap_or_default() {
                let mut k = 0;
                let mut strong_here = 0;
                while i + k < self.lines.len()
                    && p + k < file.hashes.len()
                    && file.hashes[p + k] == self.lines[i + k]
                {
                    if !is_weak_hash(file, self.lines[i + k]) {
                        strong_here += 1;
                    }
                    k += 1;
                }
                if best.is_none_or(|(_, _, b)| strong_here > b) {
                    // The whole block, placed by this run of it.
                    let m = self.lines.len();
                    best = Some((p.saturating_sub(i), p + (m - 1 - i), strong_here));
                }
            }
        }
        best.filter(|(_, _, s)| s * 2 > strong)
            .map(|(a, b, _)| (a, b))
    }
}

/// A file's lines, hashed once for all the anchors re-anchored in it.
pub struct FileLines<'a> {
    text: Vec<&'a str>,
    hashes: Vec<u64>,
    positions: HashMap<u64, Vec<usize>>,
    weak: std::collections::HashSet<u64>,
}

impl<'a> FileLines<'a> {
    pub fn new(text: &'a str) -> FileLines<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let hashes: Vec<u64> = lines.iter().map(|l| line_hash(l)).collect();
        let mut positions: HashMap<u64, Vec<usize>> = HashMap::with_capacity(hashes.len());
        let mut weak = std::collections::HashSet::new();
        for (i, (h, l)) in hashes.iter().zip(&lines).enumerate() {
            positions.entry(*h).or_default().push(i);
            if is_weak(l) {
                weak.insert(*h);
            }
        }
        FileLines {
            text: lines,
            hashes,
            positions,
            weak,
        }
    }

    fn matches_block(&self, start: usize, block: &[u64]) -> bool {
        self.hashes
            .get(start..start + block.len())
            .is_some_and(|s| s == block)
    }
}

fn is_weak_hash(file: &FileLines<'_>, h: u64) -> bool {
    h == line_hash("") || file.weak.contains(&h)
}

/// Whether `line` names `name` as a whole word.
fn names(line: &str, name: &str) -> bool {
    let is_id = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    line.match_indices(name).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + name.len()..].chars().next();
        !before.is_some_and(is_id) && !after.is_some_and(is_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILE: &str = "use std::io;\n\n/// Checks a password.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    stored == hash(password)\n}\n\nfn load_hash(user: &str) -> String {\n    format!(\"hash-of-{user}\")\n}\n";

    fn verify() -> Anchor {
        Anchor::new(FILE, 4, 7, Some("verify_password".into()))
    }

    #[test]
    fn lines_inserted_above_shift_it() {
        let text = format!("// one\n// two\n// three\n{FILE}");
        let a = verify().reanchor(&text);
        assert_eq!((a.start_line, a.end_line, a.stale), (7, 10, false));
    }

    #[test]
    fn an_edit_inside_keeps_its_start_and_finds_its_end() {
        let text = FILE.replace(
            "    stored == hash(password)\n",
            "    tracing::debug!(\"checking {user}\");\n    let ok = stored == hash(password);\n    ok\n",
        );
        let a = verify().reanchor(&text);
        assert_eq!((a.start_line, a.end_line, a.stale), (4, 9, false), "{text}");
    }

    #[test]
    fn a_changed_signature_is_found_by_the_symbol() {
        let text = FILE.replace(
            "pub fn verify_password(user: &str, password: &str) -> bool {",
            "pub fn verify_password(user: &User, password: &Secret) -> bool {",
        );
        let a = verify().reanchor(&text);
        assert_eq!((a.start_line, a.end_line, a.stale), (4, 7, false));
    }

    #[test]
    fn moved_code_is_followed() {
        let moved = FILE
            .replace(
                "/// Checks a password.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    stored == hash(password)\n}\n\n",
                "",
            )
            + "\n/// Checks a password.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    stored == hash(password)\n}\n";
        let a = verify().reanchor(&moved);
        let lines: Vec<&str> = moved.lines().collect();
        assert!(!a.stale);
        assert!(lines[a.start_line as usize - 1].contains("pub fn verify_password"));
        assert_eq!(lines[a.end_line as usize - 1], "}");
        assert_eq!(a.end_line - a.start_line, 3);
    }

    #[test]
    fn deleted_code_is_stale_where_it_was() {
        let text = FILE.replace(
            "/// Checks a password.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    stored == hash(password)\n}\n",
            "",
        );
        let a = verify().reanchor(&text);
        assert!(a.stale);
        // Where it was, clamped to the file that is now 6 lines long.
        assert_eq!((a.start_line, a.end_line), (4, 6));
        // A file that shrank below the citation: clamped, still stale.
        let a = verify().reanchor("x\n");
        assert!(a.stale && a.start_line == 1 && a.end_line == 1);
    }

    #[test]
    fn a_brace_alone_is_no_anchor() {
        let a = Anchor::new(FILE, 7, 7, None);
        assert!(a.reanchor("}\n}\n}\n").stale);
    }

    #[test]
    fn names_are_whole_words() {
        assert!(names("pub fn verify_password(", "verify_password"));
        assert!(!names("pub fn verify_password_v2(", "verify_password"));
        assert!(!names("fn xverify_password(", "verify_password"));
    }

    fn filler() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[a-z]{1,8}( [a-z0-9_]{1,8}){0,4}", 0..40)
    }

    proptest! {
        /// Lines added above and below never lose the block, and shift it exactly.
        #[test]
        fn insertions_around_shift_it_exactly(above in filler(), below in filler()) {
            let text = format!("{}{FILE}{}", above.iter().map(|l| format!("{l}\n")).collect::<String>(),
                below.iter().map(|l| format!("{l}\n")).collect::<String>());
            let a = verify().reanchor(&text);
            let shift = above.len() as u32;
            prop_assert_eq!((a.start_line, a.end_line, a.stale), (4 + shift, 7 + shift, false));
        }

        /// Whatever the new text, the lines are inside it (or line 1 of an empty file).
        #[test]
        fn the_result_is_always_in_bounds(text in "(.{0,30}\n){0,60}") {
            let a = verify().reanchor(&text);
            let n = (text.lines().count() as u32).max(1);
            prop_assert!(1 <= a.start_line && a.start_line <= a.end_line && a.end_line <= n);
        }
    }
}
