//! Reading git metadata from files, and turning remote URLs into `owner/repo`.

use std::fs;
use std::path::{Path, PathBuf};

use super::RepoInfo;

/// Metadata files are tiny; anything bigger is not what we think it is.
const MAX_META_BYTES: u64 = 1 << 20;
/// `packed-refs` can be large in big repositories, but not unboundedly so.
const MAX_PACKED_REFS_BYTES: u64 = 64 << 20;

/// Reads `.git` (a directory, or a file pointing elsewhere for worktrees and submodules) at
/// `root` or, when `root` is a subfolder of a repository, at the nearest parent that has one.
pub fn detect_repo(root: &Path) -> RepoInfo {
    let Some(git_dir) = find_git_dir(root) else {
        return RepoInfo::default();
    };
    let common_dir = common_dir(&git_dir);

    let (branch, commit) = match read_small(&git_dir.join("HEAD"), MAX_META_BYTES) {
        Some(head) => {
            let head = head.trim();
            if let Some(reference) = head.strip_prefix("ref:") {
                let reference = reference.trim();
                let branch = reference
                    .strip_prefix("refs/heads/")
                    .unwrap_or(reference)
                    .to_string();
                let commit = resolve_ref(&git_dir, &common_dir, reference);
                (Some(branch).filter(|b| !b.is_empty()), commit)
            } else if is_object_id(head) {
                (None, Some(head.to_ascii_lowercase()))
            } else {
                (None, None)
            }
        }
        None => (None, None),
    };

    // A worktree may carry its own `config.worktree`, but remotes live in the shared config.
    let repo_name = read_small(&common_dir.join("config"), MAX_META_BYTES)
        .and_then(|cfg| remote_url(&cfg))
        .and_then(|url| parse_remote_url(&url));

    let upstream = branch
        .as_ref()
        .and_then(|b| resolve_ref(&git_dir, &common_dir, &format!("refs/remotes/origin/{b}")));

    RepoInfo {
        repo_name,
        branch,
        commit,
        upstream,
    }
}

/// The git dir for `root`: `.git` at the root or the nearest parent, following `gitdir:` files.
fn find_git_dir(root: &Path) -> Option<PathBuf> {
    let start = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = fs::metadata(&dot_git) else {
            continue;
        };
        if meta.is_dir() {
            return Some(dot_git);
        }
        if meta.is_file() {
            let text = read_small(&dot_git, MAX_META_BYTES)?;
            let target = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("gitdir:"))
                .map(str::trim)
                .filter(|t| !t.is_empty())?;
            let target = Path::new(target);
            let git_dir = if target.is_absolute() {
                target.to_path_buf()
            } else {
                dir.join(target)
            };
            return git_dir.is_dir().then_some(git_dir);
        }
    }
    None
}

/// Worktrees keep shared state (config, packed refs, branches) in the dir `commondir` names.
fn common_dir(git_dir: &Path) -> PathBuf {
    match read_small(&git_dir.join("commondir"), MAX_META_BYTES) {
        Some(text) if !text.trim().is_empty() => {
            let p = Path::new(text.trim());
            let dir = if p.is_absolute() {
                p.to_path_buf()
            } else {
                git_dir.join(p)
            };
            if dir.is_dir() {
                dir
            } else {
                git_dir.to_path_buf()
            }
        }
        _ => git_dir.to_path_buf(),
    }
}

/// The object id a ref points at, following symbolic refs a few levels deep.
fn resolve_ref(git_dir: &Path, common_dir: &Path, reference: &str) -> Option<String> {
    let mut reference = reference.to_string();
    for _ in 0..5 {
        if !is_safe_ref(&reference) {
            return None;
        }
        let loose = [git_dir, common_dir]
            .iter()
            .find_map(|d| read_small(&d.join(&reference), MAX_META_BYTES));
        match loose {
            Some(text) => {
                let text = text.trim();
                if let Some(next) = text.strip_prefix("ref:") {
                    reference = next.trim().to_string();
                    continue;
                }
                return is_object_id(text).then(|| text.to_ascii_lowercase());
            }
            None => return packed_ref(common_dir, &reference),
        }
    }
    None
}

fn packed_ref(common_dir: &Path, reference: &str) -> Option<String> {
    let text = read_small(&common_dir.join("packed-refs"), MAX_PACKED_REFS_BYTES)?;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
        .find_map(|l| {
            let (id, name) = l.trim().split_once(char::is_whitespace)?;
            (name.trim() == reference && is_object_id(id)).then(|| id.to_ascii_lowercase())
        })
}

/// Refs are read as files, so a hostile HEAD must not point anywhere else.
fn is_safe_ref(reference: &str) -> bool {
    reference.starts_with("refs/")
        && !reference
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        && !reference.contains('\\')
}

/// SHA-1 (40) or SHA-256 (64) hex.
fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read_small(path: &Path, limit: u64) -> Option<String> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    fs::read_to_string(path).ok()
}

/// The URL of `origin`, else of the first remote that has one, from a git config file.
fn remote_url(config: &str) -> Option<String> {
    let mut section: Option<String> = None;
    let mut first: Option<String> = None;
    for line in config.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = parse_remote_section(line);
            continue;
        }
        let Some(remote) = &section else { continue };
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("url") {
            continue;
        }
        let value = config_value(value);
        if value.is_empty() {
            continue;
        }
        if remote == "origin" {
            return Some(value);
        }
        if first.is_none() {
            first = Some(value);
        }
    }
    first
}

/// `[remote "name"]` (or the old `[remote.name]`) → `Some(name)`; other sections → `None`.
fn parse_remote_section(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?;
    let inner = &inner[..inner.find(']')?];
    let inner = inner.trim();
    let (kind, rest) = match inner.find(|c: char| c.is_whitespace() || c == '.') {
        Some(i) => (&inner[..i], inner[i..].trim_start_matches('.').trim()),
        None => (inner, ""),
    };
    if !kind.eq_ignore_ascii_case("remote") || rest.is_empty() {
        return None;
    }
    Some(rest.trim_matches('"').to_string())
}

/// A config value without its trailing comment and surrounding quotes.
fn config_value(raw: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
            }
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// `owner/repo` from a remote URL: https/http/git/ssh URLs (credentials and ports stripped),
/// scp-like `user@host:owner/repo.git`, trailing slashes and `.git` ignored, and GitLab
/// subgroups kept whole (`group/sub/repo`). `None` for local paths and `file://` URLs.
pub fn parse_remote_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.len() > 4096 || url.chars().any(char::is_control) {
        return None;
    }
    let path = if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(
            scheme.as_str(),
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git" | "git+https"
        ) {
            return None;
        }
        // Authority ends at the first '/'; credentials end at its last '@'.
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next().unwrap_or(authority);
        if host.is_empty() {
            return None;
        }
        path
    } else {
        // scp-like `[user@]host:path`. Local paths (`/x`, `./x`, `C:\x`) are not remotes.
        // Credentials end at the last `@` before the path's first `/`.
        let head_end = url.find('/').unwrap_or(url.len());
        let url = match url[..head_end].rfind('@') {
            Some(at) => &url[at + 1..],
            None => url,
        };
        let (host, path) = url.split_once(':')?;
        if host.is_empty() || host.contains('/') || host.contains('\\') || host.len() == 1 {
            return None;
        }
        path
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    // Home-relative scp paths (`host:~user/repo`, `host:~/dir/repo`): the `~` is no part of
    // the name. Trimming it after joining turned `~/dir/repo` into `/dir/repo` (found by the
    // remote_url fuzz target).
    if let Some(first) = parts.first_mut() {
        *first = first.trim_start_matches('~');
    }
    parts.retain(|p| !p.is_empty());
    if parts.len() < 2 || parts.contains(&"..") {
        return None;
    }
    let mut joined = parts.join("/");
    if let Some(stripped) = joined.strip_suffix(".git") {
        joined = stripped.to_string();
    }
    (!joined.is_empty() && !joined.ends_with('/')).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
    const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn remote_urls_of_every_form() {
        let cases = [
            ("https://github.com/owner/repo", "owner/repo"),
            ("https://github.com/owner/repo.git", "owner/repo"),
            ("https://github.com/owner/repo/", "owner/repo"),
            ("https://github.com/owner/repo.git/", "owner/repo"),
            ("http://example.com/owner/repo.git", "owner/repo"),
            ("https://user:token@github.com/owner/repo.git", "owner/repo"),
            (
                "https://x-access-token:abc@host:8443/owner/repo",
                "owner/repo",
            ),
            ("ssh://git@github.com/owner/repo.git", "owner/repo"),
            ("ssh://git@host:2222/owner/repo.git", "owner/repo"),
            ("ssh://host/owner/repo", "owner/repo"),
            ("git@github.com:owner/repo.git", "owner/repo"),
            ("git@github.com:owner/repo", "owner/repo"),
            ("user:pa55@github.com:owner/repo.git", "owner/repo"),
            ("github.com:owner/repo.git", "owner/repo"),
            ("git://github.com/owner/repo.git", "owner/repo"),
            ("git+ssh://git@github.com/owner/repo.git", "owner/repo"),
            ("https://gitlab.com/group/sub/repo.git", "group/sub/repo"),
            (
                "git@gitlab.com:group/sub/deeper/repo.git",
                "group/sub/deeper/repo",
            ),
            ("  https://github.com/owner/repo.git\n", "owner/repo"),
            ("HTTPS://github.com/Owner/Repo", "Owner/Repo"),
        ];
        for (url, want) in cases {
            assert_eq!(parse_remote_url(url).as_deref(), Some(want), "{url}");
        }
    }

    #[test]
    fn local_paths_and_junk_are_not_remotes() {
        for url in [
            "",
            "/srv/git/repo.git",
            "./repo",
            "../other/repo.git",
            "file:///srv/git/owner/repo.git",
            "C:\\repos\\owner\\repo",
            "C:/repos/owner/repo",
            "https://github.com/",
            "https://github.com/onlyone",
            "git@github.com:",
            "not a url",
        ] {
            assert_eq!(parse_remote_url(url), None, "{url:?}");
        }
    }

    #[test]
    fn credentials_never_survive() {
        for url in [
            "https://me:s3cret@github.com/owner/repo.git",
            "ssh://me:s3cret@github.com:22/owner/repo.git",
            "me:s3cret@github.com:owner/repo.git",
        ] {
            let got = parse_remote_url(url).unwrap();
            assert!(!got.contains("s3cret") && !got.contains("me"), "{got}");
        }
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn git_dir_with(root: &Path, head: &str, config: &str) -> PathBuf {
        let g = root.join(".git");
        write(&g.join("HEAD"), head);
        write(&g.join("config"), config);
        g
    }

    const ORIGIN: &str = "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:owner/repo.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";

    #[test]
    fn plain_git_dir_with_loose_ref() {
        let t = tempfile::tempdir().unwrap();
        let g = git_dir_with(t.path(), "ref: refs/heads/main\n", ORIGIN);
        write(&g.join("refs/heads/main"), &format!("{SHA}\n"));
        let info = detect_repo(t.path());
        assert_eq!(
            info,
            RepoInfo {
                repo_name: Some("owner/repo".into()),
                branch: Some("main".into()),
                commit: Some(SHA.into()),
                upstream: None,
            }
        );
        // After a fetch, origin/main says what the remote has.
        write(
            &g.join("packed-refs"),
            &format!("{SHA2} refs/remotes/origin/main\n"),
        );
        assert_eq!(detect_repo(t.path()).upstream.as_deref(), Some(SHA2));
    }

    #[test]
    fn branch_with_slashes_from_packed_refs() {
        let t = tempfile::tempdir().unwrap();
        let g = git_dir_with(t.path(), "ref: refs/heads/feature/x\n", ORIGIN);
        write(
            &g.join("packed-refs"),
            &format!(
                "# pack-refs with: peeled fully-peeled sorted\n{SHA2} refs/heads/main\n{SHA} refs/heads/feature/x\n^{SHA2}\n"
            ),
        );
        let info = detect_repo(t.path());
        assert_eq!(info.branch.as_deref(), Some("feature/x"));
        assert_eq!(info.commit.as_deref(), Some(SHA));
    }

    #[test]
    fn detached_head_has_commit_but_no_branch() {
        let t = tempfile::tempdir().unwrap();
        git_dir_with(t.path(), &format!("{SHA}\n"), ORIGIN);
        let info = detect_repo(t.path());
        assert_eq!(info.branch, None);
        assert_eq!(info.commit.as_deref(), Some(SHA));
        assert_eq!(info.repo_name.as_deref(), Some("owner/repo"));
    }

    #[test]
    fn unborn_branch_has_branch_but_no_commit() {
        let t = tempfile::tempdir().unwrap();
        git_dir_with(t.path(), "ref: refs/heads/trunk\n", "");
        let info = detect_repo(t.path());
        assert_eq!(info.branch.as_deref(), Some("trunk"));
        assert_eq!(info.commit, None);
        assert_eq!(info.repo_name, None);
    }

    #[test]
    fn subfolder_of_a_repo_finds_the_parent_git_dir() {
        let t = tempfile::tempdir().unwrap();
        let g = git_dir_with(t.path(), "ref: refs/heads/main\n", ORIGIN);
        write(&g.join("refs/heads/main"), SHA);
        let sub = t.path().join("crates/a");
        fs::create_dir_all(&sub).unwrap();
        let info = detect_repo(&sub);
        assert_eq!(info.repo_name.as_deref(), Some("owner/repo"));
        assert_eq!(info.commit.as_deref(), Some(SHA));
    }

    #[test]
    fn no_git_anywhere_is_empty() {
        // A `.git` file that names no gitdir stops the walk: nothing is guessed.
        let lone = tempfile::tempdir().unwrap();
        write(&lone.path().join(".git"), "not a gitdir line\n");
        assert_eq!(detect_repo(lone.path()), RepoInfo::default());
    }

    #[test]
    fn worktree_git_file_with_commondir() {
        let t = tempfile::tempdir().unwrap();
        let main = t.path().join("main");
        let g = git_dir_with(&main, "ref: refs/heads/main\n", ORIGIN);
        write(&g.join("refs/heads/main"), SHA);
        write(
            &g.join("packed-refs"),
            &format!("{SHA2} refs/heads/wt-branch\n"),
        );
        // What `git worktree add ../wt wt-branch` lays out.
        let wt_git = g.join("worktrees/wt");
        write(&wt_git.join("HEAD"), "ref: refs/heads/wt-branch\n");
        write(&wt_git.join("commondir"), "../..\n");
        let wt = t.path().join("wt");
        write(
            &wt.join(".git"),
            &format!("gitdir: {}\n", wt_git.to_string_lossy()),
        );
        let info = detect_repo(&wt);
        assert_eq!(
            info,
            RepoInfo {
                repo_name: Some("owner/repo".into()),
                branch: Some("wt-branch".into()),
                commit: Some(SHA2.into()),
                upstream: None,
            }
        );
    }

    #[test]
    fn submodule_git_file_with_relative_gitdir() {
        let t = tempfile::tempdir().unwrap();
        let sup = t.path();
        git_dir_with(sup, "ref: refs/heads/main\n", ORIGIN);
        let modg = sup.join(".git/modules/libs/dep");
        write(&modg.join("HEAD"), &format!("{SHA2}\n"));
        write(
            &modg.join("config"),
            "[remote \"origin\"]\n\turl = https://gitlab.com/grp/sub/dep.git\n",
        );
        let sub = sup.join("libs/dep");
        write(&sub.join(".git"), "gitdir: ../../.git/modules/libs/dep\n");
        let info = detect_repo(&sub);
        assert_eq!(info.repo_name.as_deref(), Some("grp/sub/dep"));
        assert_eq!(info.branch, None);
        assert_eq!(info.commit.as_deref(), Some(SHA2));
    }

    #[test]
    fn config_tolerates_case_quotes_comments_and_other_remotes() {
        let cfg = "# comment\n[Remote \"upstream\"]\n  URL = \"https://github.com/up/stream.git\" ; note\n[remote \"origin\"]\n\turl=git@github.com:me/fork.git # mine\n";
        assert_eq!(
            remote_url(cfg).as_deref(),
            Some("git@github.com:me/fork.git")
        );
        let only_upstream = "[remote \"upstream\"]\n url = https://github.com/up/stream\n[branch \"main\"]\n url = nope\n";
        assert_eq!(
            remote_url(only_upstream).as_deref(),
            Some("https://github.com/up/stream")
        );
        assert_eq!(
            remote_url("[remote.origin]\nurl = https://h/o/r\n").as_deref(),
            Some("https://h/o/r")
        );
        assert_eq!(remote_url("[core]\nurl = https://h/o/r\n"), None);
    }

    #[test]
    fn hostile_head_ref_is_not_followed_outside_refs() {
        let t = tempfile::tempdir().unwrap();
        git_dir_with(t.path(), "ref: refs/../../../../etc/passwd\n", ORIGIN);
        let info = detect_repo(t.path());
        assert_eq!(info.commit, None);
    }

    /// Checks the file reader against what real git lays out, when a `git` binary is present.
    #[test]
    fn agrees_with_real_git_for_repo_and_worktree() {
        use std::process::Command;
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        fs::create_dir_all(&repo).unwrap();
        let git = |dir: &Path, args: &[&str]| -> Option<String> {
            let out = Command::new("git")
                .arg("-C")
                .arg(dir)
                .args([
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        if git(&repo, &["init", "-q"]).is_none() {
            return; // no git on this machine: the file-based tests above cover the layout
        }
        write(&repo.join("a.txt"), "a\n");
        git(&repo, &["add", "."]).unwrap();
        git(&repo, &["commit", "-qm", "one"]).unwrap();
        git(
            &repo,
            &[
                "remote",
                "add",
                "origin",
                "https://tok@example.org/grp/sub/proj.git",
            ],
        )
        .unwrap();
        let head = git(&repo, &["rev-parse", "HEAD"]).unwrap();
        let info = detect_repo(&repo);
        assert_eq!(info.repo_name.as_deref(), Some("grp/sub/proj"));
        assert_eq!(info.branch.as_deref(), Some("main"));
        assert_eq!(info.commit.as_deref(), Some(head.as_str()));

        git(&repo, &["pack-refs", "--all"]).unwrap();
        let wt = t.path().join("wt");
        git(
            &repo,
            &["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()],
        )
        .unwrap();
        let info = detect_repo(&wt);
        assert_eq!(info.repo_name.as_deref(), Some("grp/sub/proj"));
        assert_eq!(info.branch.as_deref(), Some("side"));
        assert_eq!(info.commit.as_deref(), Some(head.as_str()));

        git(&wt, &["checkout", "-q", "--detach"]).unwrap();
        let info = detect_repo(&wt);
        assert_eq!(info.branch, None);
        assert_eq!(info.commit.as_deref(), Some(head.as_str()));
    }
}
