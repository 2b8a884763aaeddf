//! Turning a written path into a canonical file inside the workspace, or refusing to.
//!
//! Every check that can be made on the text is made before the file system is touched, so a
//! hostile path (absolute elsewhere, `..`, `~`, a drive or UNC path, an encoded traversal) is
//! never opened or even looked up. What passes is canonicalized (following symlinks) and must
//! still be inside the canonical root.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::scan::{percent_decode, strip_file_url, url_scheme};

/// Leading components tried away when the service prefixed the repo name or its checkout.
const MAX_STRIP: usize = 8;
const MAX_COMPONENTS: usize = 64;
const MAX_PATH_BYTES: usize = 4096;
/// Files bigger than this are not read for line counts.
const MAX_READ_BYTES: u64 = 16 << 20;
/// Files bigger than this are not searched for definitions.
const MAX_SEARCH_BYTES: u64 = 4 << 20;
/// What one `resolve` or `linkify` call may read in all, so that a hostile answer citing many
/// big files cannot make it read the whole disk. Past it, lines are not clamped to the end
/// of the file and file-only references point at line 1.
const READ_BUDGET: u64 = 256 << 20;
/// Definition searches per call (each compiles a few regexes and scans a file).
const SEARCH_BUDGET: usize = 64;

/// Where a written path may lead, before any file-system access.
enum Candidate {
    /// Components relative to the root.
    Relative(Vec<String>),
    /// Components below the root, taken from an absolute path that starts with it.
    UnderRoot(Vec<String>),
}

fn is_drive(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Whether a path's text is hostile whatever the file system says.
fn hostile_text(s: &str) -> bool {
    let s = s.trim();
    s.starts_with('~')
        || is_drive(s)
        || s.starts_with("\\\\")
        || s.starts_with("//")
        || s.split(['/', '\\']).any(|c| c.trim() == "..")
}

pub(crate) struct Resolver {
    root: PathBuf,
    canon_root: PathBuf,
    lines: HashMap<PathBuf, u32>,
    definitions: HashMap<(PathBuf, String), Option<(u32, u32)>>,
    read_budget: u64,
    search_budget: usize,
}

impl Resolver {
    pub(crate) fn new(root: &Path) -> Option<Resolver> {
        let canon_root = fs::canonicalize(root).ok()?;
        Some(Resolver {
            root: root.to_path_buf(),
            canon_root,
            lines: HashMap::new(),
            definitions: HashMap::new(),
            read_budget: READ_BUDGET,
            search_budget: SEARCH_BUDGET,
        })
    }

    /// Lexical checks; `None` for anything that could lead outside the root.
    fn candidate(&self, written: &str) -> Option<Candidate> {
        let s = written.trim();
        if s.is_empty() || s.len() > MAX_PATH_BYTES || s.chars().any(char::is_control) {
            return None;
        }
        let s: String = match strip_file_url(s) {
            Some(p) if p.starts_with('/') && !p.starts_with("//") => p,
            Some(_) => return None,
            None => s.to_string(),
        };
        if url_scheme(&s).is_some() {
            return None;
        }
        // Encoded traversal (`%2e%2e%2f`, double-encoded too) is refused outright: a name that
        // decodes to an escape is never legitimate in an answer.
        let mut decoded = s.clone();
        for _ in 0..4 {
            if hostile_text(&decoded) || decoded.contains('\0') {
                return None;
            }
            let next = percent_decode(&decoded);
            if next == decoded {
                break;
            }
            decoded = next;
        }
        let s = s.replace('\\', "/");
        let absolute = s.starts_with('/');
        let comps: Vec<String> = s
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect();
        if comps.is_empty() || comps.len() > MAX_COMPONENTS {
            return None;
        }
        if !absolute {
            return Some(Candidate::Relative(comps));
        }
        let abs: PathBuf = std::iter::once("/".to_string()).chain(comps).collect();
        for root in [&self.canon_root, &self.root] {
            if let Ok(rest) = abs.strip_prefix(root) {
                let rest: Vec<String> = rest
                    .components()
                    .filter_map(|c| match c {
                        Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect();
                if rest.is_empty() {
                    return None;
                }
                return Some(Candidate::UnderRoot(rest));
            }
        }
        None
    }

    /// The canonical file for `comps` under the root: `Err(true)` when something exists there
    /// but is refused (escapes by a symlink, is not a regular file), `Err(false)` when nothing does.
    fn existing(&self, comps: &[String]) -> Result<PathBuf, bool> {
        let mut p = self.canon_root.clone();
        p.extend(comps);
        if fs::symlink_metadata(&p).is_err() {
            return Err(false);
        }
        let canon = fs::canonicalize(&p).map_err(|_| true)?;
        if !canon.starts_with(&self.canon_root) || canon == self.canon_root {
            return Err(true);
        }
        match fs::metadata(&canon) {
            Ok(m) if m.is_file() => Ok(canon),
            _ => Err(true),
        }
    }

    /// The canonical file a written path names inside the root.
    pub(crate) fn file(&self, written: &str) -> Option<PathBuf> {
        let found = self.file_raw(written);
        if found.is_some() || !written.contains('%') {
            return found;
        }
        // `my%20file.rs` from a link; the decoded form passed the same checks above.
        self.file_raw(&percent_decode(written))
    }

    fn file_raw(&self, written: &str) -> Option<PathBuf> {
        match self.candidate(written)? {
            Candidate::UnderRoot(comps) => self.existing(&comps).ok(),
            Candidate::Relative(comps) => {
                for k in 0..comps.len().min(MAX_STRIP + 1) {
                    match self.existing(&comps[k..]) {
                        Ok(p) => return Some(p),
                        Err(true) => return None,
                        Err(false) => {}
                    }
                }
                None
            }
        }
    }

    /// A link target relative to the answer's folder (`../../ws/src/a.rs`), if it lands inside
    /// the root.
    pub(crate) fn file_from(&self, written: &str, from_dir: &Path) -> Option<PathBuf> {
        let s = written.trim();
        if s.is_empty() || s.len() > MAX_PATH_BYTES || s.chars().any(char::is_control) {
            return None;
        }
        if s.starts_with('/') || url_scheme(s).is_some() || is_drive(s) || s.contains('\\') {
            return None;
        }
        let mut p = fs::canonicalize(from_dir).unwrap_or_else(|_| from_dir.to_path_buf());
        for c in s.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    p.pop();
                }
                n => p.push(n),
            }
        }
        if !p.starts_with(&self.canon_root) {
            return None;
        }
        let canon = fs::canonicalize(&p).ok()?;
        (canon.starts_with(&self.canon_root) && fs::metadata(&canon).ok()?.is_file())
            .then_some(canon)
    }

    pub(crate) fn rel_path(&self, canon: &Path) -> String {
        canon
            .strip_prefix(&self.canon_root)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// Number of lines (at least 1); files too big to read count as unbounded.
    pub(crate) fn line_count(&mut self, canon: &Path) -> u32 {
        if let Some(n) = self.lines.get(canon) {
            return *n;
        }
        let size = fs::metadata(canon).map_or(u64::MAX, |m| m.len());
        let n = if size <= self.read_budget {
            self.read_budget -= size;
            count_lines(canon).unwrap_or(u32::MAX)
        } else {
            u32::MAX
        };
        self.lines.insert(canon.to_path_buf(), n);
        n
    }

    /// The plain definition search of `symbol` in a file, once per file and symbol, within
    /// the call's budgets.
    pub(crate) fn definition(&mut self, canon: &Path, symbol: &str) -> Option<(u32, u32)> {
        let key = (canon.to_path_buf(), symbol.to_string());
        if let Some(hit) = self.definitions.get(&key) {
            return *hit;
        }
        let size = fs::metadata(canon).map_or(u64::MAX, |m| m.len());
        if self.search_budget == 0 || size > MAX_SEARCH_BYTES || size > self.read_budget {
            return None;
        }
        self.search_budget -= 1;
        self.read_budget -= size;
        let ext = canon
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let found = read_text(canon, MAX_SEARCH_BYTES)
            .and_then(|text| super::definition::find_definition(&text, symbol, &ext));
        self.definitions.insert(key, found);
        found
    }
}

fn count_lines(path: &Path) -> Option<u32> {
    let f = File::open(path).ok()?;
    if f.metadata().ok()?.len() > MAX_READ_BYTES {
        return None;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut r = f.take(MAX_READ_BYTES);
    let (mut newlines, mut last) = (0u64, b'\n');
    loop {
        let n = r.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        newlines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    let lines = if last == b'\n' {
        newlines
    } else {
        newlines + 1
    };
    Some(u32::try_from(lines.max(1)).unwrap_or(u32::MAX))
}

/// A file's text for the definition search (lossy for non-UTF-8, `None` when too big).
fn read_text(path: &Path, limit: u64) -> Option<String> {
    let f = File::open(path).ok()?;
    if f.metadata().ok()?.len() > limit {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(limit).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
