//! Maps workspace folders to Potpie projects: repository name and branch from git, and the
//! longest-root routing of documents to folders. No network.
//!
//! Git metadata is read straight from the files under `.git` so that no `git` binary is needed
//! (editors are often started with a minimal `PATH`). Worktrees and submodules have a `.git`
//! *file* (`gitdir: …`) instead of a directory; worktrees also have a `commondir` file that points
//! at the main git dir, which holds `config`, `packed-refs` and the shared refs.

mod git;

use std::path::{Path, PathBuf};

pub use git::{detect_repo, parse_remote_url};

/// What git says about a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoInfo {
    /// `owner/repo` from the `origin` remote (else the first remote).
    pub repo_name: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
    /// Where `origin/<branch>` pointed at the last fetch: HEAD is surely pushed when it is
    /// this commit.
    pub upstream: Option<String>,
}

/// Workspace folders with a value each; documents route to the longest matching root.
#[derive(Debug, Clone)]
pub struct Folders<T> {
    entries: Vec<(PathBuf, T)>,
}

impl<T> Default for Folders<T> {
    fn default() -> Self {
        Folders {
            entries: Vec::new(),
        }
    }
}

impl<T> Folders<T> {
    pub fn insert(&mut self, root: PathBuf, value: T) {
        self.entries.retain(|(r, _)| r != &root);
        self.entries.push((root, value));
    }
    pub fn remove(&mut self, root: &Path) -> Option<T> {
        let i = self.entries.iter().position(|(r, _)| r == root)?;
        Some(self.entries.remove(i).1)
    }
    pub fn get(&self, root: &Path) -> Option<&T> {
        self.entries.iter().find(|(r, _)| r == root).map(|(_, v)| v)
    }
    /// The folder containing `path` with the longest root.
    ///
    /// Matching is by path components (`Path::starts_with`), so `/a/b` does not contain
    /// `/a/bc/x`, and `/a/b/` and `/a/b` are the same root.
    pub fn route(&self, path: &Path) -> Option<(&Path, &T)> {
        self.entries
            .iter()
            .filter(|(r, _)| path.starts_with(r))
            .max_by_key(|(r, _)| r.components().count())
            .map(|(r, v)| (r.as_path(), v))
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &T)> {
        self.entries.iter().map(|(r, v)| (r.as_path(), v))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_picks_the_longest_root() {
        let mut f = Folders::default();
        f.insert(PathBuf::from("/a"), 1);
        f.insert(PathBuf::from("/a/b"), 2);
        let (root, v) = f.route(Path::new("/a/b/c.rs")).unwrap();
        assert_eq!((root, *v), (Path::new("/a/b"), 2));
        let (root, v) = f.route(Path::new("/a/x.rs")).unwrap();
        assert_eq!((root, *v), (Path::new("/a"), 1));
    }

    #[test]
    fn route_matches_components_not_string_prefixes() {
        let mut f = Folders::default();
        f.insert(PathBuf::from("/a/b"), "b");
        assert!(f.route(Path::new("/a/bc/x.rs")).is_none());
        assert!(f.route(Path::new("/a/b")).is_some());
        f.insert(PathBuf::from("/a"), "a");
        assert_eq!(f.route(Path::new("/a/bc/x.rs")).map(|(_, v)| *v), Some("a"));
    }

    #[test]
    fn route_ignores_trailing_slash_on_roots() {
        let mut f = Folders::default();
        f.insert(PathBuf::from("/w/proj/"), 7);
        assert_eq!(
            f.route(Path::new("/w/proj/src/main.rs")).map(|(_, v)| *v),
            Some(7)
        );
        assert!(f.route(Path::new("/w/project/src/main.rs")).is_none());
    }

    #[test]
    fn route_outside_every_root_is_none() {
        let mut f = Folders::default();
        f.insert(PathBuf::from("/a/b"), 1);
        assert!(f.route(Path::new("/c/d.rs")).is_none());
        assert!(Folders::<u8>::default().route(Path::new("/a")).is_none());
    }

    #[test]
    fn insert_replaces_and_remove_forgets() {
        let mut f = Folders::default();
        f.insert(PathBuf::from("/a"), 1);
        f.insert(PathBuf::from("/a"), 2);
        assert_eq!(f.len(), 1);
        assert_eq!(f.get(Path::new("/a")), Some(&2));
        assert_eq!(f.remove(Path::new("/a")), Some(2));
        assert!(f.is_empty());
        assert_eq!(f.remove(Path::new("/a")), None);
    }
}
