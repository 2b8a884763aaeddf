//! Maps workspace folders to Potpie projects: repository name and branch from git, and the
//! longest-root routing of documents to folders. No network.
//!
//! STUB: replaced by the workspace work.

use std::path::{Path, PathBuf};

/// What git says about a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoInfo {
    /// `owner/repo` from the `origin` remote (else the first remote).
    pub repo_name: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
}

/// Reads `.git` (a directory, or a file pointing elsewhere for worktrees and submodules).
pub fn detect_repo(_root: &Path) -> RepoInfo {
    RepoInfo::default()
}

/// `owner/repo` from a remote URL (https, ssh://, scp-like), credentials stripped.
pub fn parse_remote_url(_url: &str) -> Option<String> {
    None
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
