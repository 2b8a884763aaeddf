//! Which Potpie project each workspace folder used last, kept in the cache directory, so a
//! restart looks that project up instead of asking Potpie to parse again: a `/parse` of a
//! project that is still being parsed re-queues it with graph cleanup (PC:287-327).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The remembered projects, one JSON object in `<cache>/potpie-projects.json`.
#[derive(Debug, Clone)]
pub(super) struct ProjectMemory {
    file: PathBuf,
    key: String,
}

/// At most this many folders are remembered; the oldest entries go first.
const MAX_ENTRIES: usize = 256;

impl ProjectMemory {
    /// The memory of the project of `root` (as `repo` on `branch`) on the server at `origin`.
    pub(super) fn new(
        cache_dir: &Path,
        origin: &str,
        root: &Path,
        repo: &str,
        branch: Option<&str>,
    ) -> Self {
        ProjectMemory {
            file: cache_dir.join("potpie-projects.json"),
            key: format!(
                "{origin} {} {repo} {}",
                root.display(),
                branch.unwrap_or_default()
            ),
        }
    }

    pub(super) fn get(&self) -> Option<String> {
        self.read().get(&self.key).map(|e| e.1.clone())
    }

    /// Remembers `project_id`; failures only cost a lookup at the next start, so they are
    /// logged.
    pub(super) fn remember(&self, project_id: &str) {
        let mut all = self.read();
        if all.get(&self.key).map(|e| e.1.as_str()) == Some(project_id) {
            return;
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        all.insert(self.key.clone(), (stamp, project_id.to_string()));
        while all.len() > MAX_ENTRIES {
            let oldest = all
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => all.remove(&k),
                None => break,
            };
        }
        if let Err(e) = self.write(&all) {
            tracing::warn!("could not remember the Potpie project: {e}");
        }
    }

    pub(super) fn forget(&self) {
        let mut all = self.read();
        if all.remove(&self.key).is_some()
            && let Err(e) = self.write(&all)
        {
            tracing::warn!("could not update the remembered Potpie projects: {e}");
        }
    }

    /// Key → (when it was remembered, project id). A missing or unreadable file is empty.
    fn read(&self) -> BTreeMap<String, (u64, String)> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write(&self, all: &BTreeMap<String, (u64, String)>) -> std::io::Result<()> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".potpie-projects.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec(all).unwrap_or_default())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_is_remembered_per_folder_branch_and_server() {
        let cache = tempfile::tempdir().unwrap();
        let m = |origin: &str, branch: &str| {
            ProjectMemory::new(
                cache.path(),
                origin,
                Path::new("/w/app"),
                "acme/app",
                Some(branch),
            )
        };
        assert_eq!(m("https://a", "main").get(), None);
        m("https://a", "main").remember("p1");
        m("https://a", "dev").remember("p2");
        assert_eq!(m("https://a", "main").get().as_deref(), Some("p1"));
        assert_eq!(m("https://a", "dev").get().as_deref(), Some("p2"));
        assert_eq!(m("https://b", "main").get(), None);
        m("https://a", "main").forget();
        assert_eq!(m("https://a", "main").get(), None);
        assert_eq!(m("https://a", "dev").get().as_deref(), Some("p2"));
    }

    #[test]
    fn a_corrupt_file_is_an_empty_memory() {
        let cache = tempfile::tempdir().unwrap();
        std::fs::write(cache.path().join("potpie-projects.json"), "{not json").unwrap();
        let m = ProjectMemory::new(cache.path(), "o", Path::new("/w"), "a/b", None);
        assert_eq!(m.get(), None);
        m.remember("p");
        assert_eq!(m.get().as_deref(), Some("p"));
    }
}
