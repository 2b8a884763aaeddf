//! Where the user's keys may go. A repository the user opens can set `baseUrl` and `llm`
//! (VS Code workspace settings, Helix's `.helix/languages.toml`), so a URL from the settings is
//! not, by itself, the user's word. A key, and the code and questions sent with it, goes only
//! to an origin the user chose outside any repository:
//!
//! - the default Potpie origin;
//! - a loopback origin (`127.0.0.0/8`, `::1`, `localhost`): the key stays on the machine;
//! - the origin of `POTPIE_BASE_URL` in the server's environment;
//! - an origin the user approved: for this process ("once"), or in the approvals file in the
//!   user's config directory ("always", also written by `potpie-lsp trust URL`).
//!
//! Plain `http://` carries a key only to loopback. Only [`check`] makes a [`TrustedUrl`], and
//! the HTTP clients take nothing else, so no other path can point them at an origin.

use crate::sync::LockExt;
use std::collections::BTreeSet;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::DEFAULT_BASE_URL;

/// What a URL is for; it names the setting in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The Potpie API (`potpie.baseUrl`), always with the API key.
    Potpie,
    /// The OpenAI-compatible endpoint of `potpie.llm`, with or without a key.
    Llm { sends_key: bool },
}

impl Purpose {
    fn setting(self) -> &'static str {
        match self {
            Purpose::Potpie => "potpie.baseUrl",
            Purpose::Llm { .. } => "potpie.llm.baseUrl",
        }
    }

    fn sends_key(self) -> bool {
        match self {
            Purpose::Potpie => true,
            Purpose::Llm { sends_key } => sends_key,
        }
    }
}

/// Why an origin may receive the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustReason {
    Default,
    Loopback,
    Environment,
    Approved,
}

/// A URL that passed [`check`]: the only kind the HTTP clients accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedUrl {
    url: String,
    reason: TrustReason,
}

impl TrustedUrl {
    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn reason(&self) -> TrustReason {
        self.reason
    }
}

/// Why a URL may not receive the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// The URL cannot be used at all.
    Invalid {
        url: String,
        reason: String,
        purpose: Purpose,
    },
    /// Plain HTTP to a host that is not this machine: the key would cross the network in the
    /// clear. Approval does not change that.
    PlainHttp { origin: String, purpose: Purpose },
    /// The user has not approved this origin (yet).
    NotApproved { origin: String, purpose: Purpose },
}

impl Untrusted {
    /// The origin the user could approve, if approval would help.
    pub fn approvable_origin(&self) -> Option<&str> {
        match self {
            Untrusted::NotApproved { origin, .. } => Some(origin),
            _ => None,
        }
    }
}

impl Untrusted {
    /// The question to put to the user before approving `origin`.
    pub fn approval_question(&self) -> Option<String> {
        let Untrusted::NotApproved { origin, purpose } = self else {
            return None;
        };
        let what = match purpose {
            Purpose::Potpie => "your Potpie API key",
            Purpose::Llm { sends_key: true } => "your LLM key, your questions and code",
            Purpose::Llm { sends_key: false } => "your questions and code",
        };
        Some(format!(
            "Send {what} to {origin}? The setting {} names it, and a workspace's settings can come from the repository you opened: approve only an origin you chose.",
            purpose.setting()
        ))
    }
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untrusted::Invalid {
                url,
                reason,
                purpose,
            } => write!(
                f,
                "{} is {url:?}, which is not a usable URL ({reason}): give an origin such as https://host",
                purpose.setting()
            ),
            Untrusted::PlainHttp { origin, purpose } => write!(
                f,
                "{} is {origin}, plain http to another machine, so the key would cross the network unencrypted: use https, or a loopback address (for example an SSH tunnel)",
                purpose.setting()
            ),
            Untrusted::NotApproved { origin, purpose } => write!(
                f,
                "{} is {origin}, which you have not approved{}; settings can come from the repository you opened, so approve it only if you chose it: run `potpie-lsp trust {origin}`, or set POTPIE_BASE_URL",
                purpose.setting(),
                if purpose.sends_key() {
                    " to receive your key"
                } else {
                    " to receive your code and questions"
                }
            ),
        }
    }
}

/// The origin of `url` (`scheme://host[:port]`), the unit approvals are made for, or why
/// `url` has none.
pub fn origin_of(url: &str) -> Result<String, String> {
    parse(url).map(|u| u.origin().ascii_serialization())
}

fn parse(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| e.to_string())?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err("only http and https are supported".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    Ok(parsed)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// May `url` receive what `purpose` sends? `env_base_url` is `POTPIE_BASE_URL`, which the user
/// set outside any repository.
pub fn check(
    url: &str,
    purpose: Purpose,
    env_base_url: Option<&str>,
    approvals: &Approvals,
) -> Result<TrustedUrl, Untrusted> {
    let parsed = parse(url).map_err(|reason| Untrusted::Invalid {
        url: url.to_string(),
        reason,
        purpose,
    })?;
    let origin = parsed.origin().ascii_serialization();
    let trusted = |reason| {
        Ok(TrustedUrl {
            url: url.trim().to_string(),
            reason,
        })
    };
    if is_loopback(&parsed) {
        return trusted(TrustReason::Loopback);
    }
    if parsed.scheme() == "http" && purpose.sends_key() {
        return Err(Untrusted::PlainHttp { origin, purpose });
    }
    if purpose == Purpose::Potpie && origin_of(DEFAULT_BASE_URL).ok().as_ref() == Some(&origin) {
        return trusted(TrustReason::Default);
    }
    if purpose == Purpose::Potpie
        && env_base_url.and_then(|e| origin_of(e).ok()).as_ref() == Some(&origin)
    {
        return trusted(TrustReason::Environment);
    }
    if approvals.is_approved(&origin) {
        return trusted(TrustReason::Approved);
    }
    Err(Untrusted::NotApproved { origin, purpose })
}

/// `origin` as [`origin_of`] writes it, or as given when it is not a URL (it then matches
/// nothing [`check`] asks about).
fn normalise(origin: &str) -> String {
    origin_of(origin).unwrap_or_else(|_| origin.trim().to_string())
}

/// The origins the user approved: those of this process, and those in the approvals file
/// (read at every check, so `potpie-lsp trust` in a terminal takes effect at the next
/// `potpie.reparse` or restart without anything else).
#[derive(Debug, Default)]
pub struct Approvals {
    file: Option<PathBuf>,
    this_process: Mutex<BTreeSet<String>>,
}

/// The approvals file's name inside the user's config directory.
pub const APPROVALS_FILE: &str = "trusted-origins";

impl Approvals {
    /// Approvals kept in `config_dir` (the user's, never a workspace's).
    pub fn in_dir(config_dir: &Path) -> Approvals {
        Approvals {
            file: Some(config_dir.join(APPROVALS_FILE)),
            this_process: Mutex::default(),
        }
    }

    /// Approvals that live only as long as this value (tests, and when there is no config
    /// directory).
    pub fn in_memory() -> Approvals {
        Approvals::default()
    }

    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    pub fn is_approved(&self, origin: &str) -> bool {
        let origin = &normalise(origin);
        let once = self.this_process.locked().contains(origin);
        once || self.saved().contains(origin)
    }

    /// Approves `origin` until this process ends.
    pub fn approve_once(&self, origin: &str) {
        let origin = normalise(origin);
        self.this_process.locked().insert(origin);
    }

    /// Approves `origin` from now on: adds it to the approvals file.
    pub fn approve_always(&self, origin: &str) -> std::io::Result<()> {
        let origin = &normalise(origin);
        self.approve_once(origin);
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut all = self.saved();
        if !all.insert(origin.to_string()) {
            return Ok(());
        }
        self.save(file, &all)
    }

    /// Withdraws an approval; returns whether there was one.
    pub fn revoke(&self, origin: &str) -> std::io::Result<bool> {
        let origin = &normalise(origin);
        let once = self.this_process.locked().remove(origin);
        let Some(file) = &self.file else {
            return Ok(once);
        };
        let mut all = self.saved();
        if !all.remove(origin) {
            return Ok(once);
        }
        self.save(file, &all)?;
        Ok(true)
    }

    /// The origins in the approvals file. A missing or unreadable file approves nothing.
    pub fn saved(&self) -> BTreeSet<String> {
        let Some(text) = self
            .file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
        else {
            return BTreeSet::new();
        };
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| origin_of(l).ok())
            .collect()
    }

    fn save(&self, file: &Path, origins: &BTreeSet<String>) -> std::io::Result<()> {
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut text = String::from(
            "# Origins potpie-lsp may send your Potpie or LLM key to, besides the default service,\n\
             # loopback and POTPIE_BASE_URL. One per line; edit with `potpie-lsp trust`.\n",
        );
        for o in origins {
            text.push_str(o);
            text.push('\n');
        }
        let tmp = dir.join(format!(".{APPROVALS_FILE}.tmp"));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Approvals {
        Approvals::in_memory()
    }

    #[test]
    fn the_default_service_and_loopback_need_no_approval() {
        for url in [
            DEFAULT_BASE_URL,
            "https://production-api.potpie.ai/",
            "http://127.0.0.1:8001",
            "http://127.8.9.10",
            "http://[::1]:9",
            "http://localhost:8001/api/v2",
            "https://potpie.localhost",
        ] {
            assert!(check(url, Purpose::Potpie, None, &none()).is_ok(), "{url}");
        }
    }

    #[test]
    fn what_is_not_a_web_origin_is_refused_naming_the_setting() {
        for url in ["ftp://x", "not a url", "file:///etc/passwd", "https://"] {
            let err = check(url, Purpose::Potpie, None, &none()).unwrap_err();
            assert!(matches!(err, Untrusted::Invalid { .. }), "{url}");
            assert!(err.to_string().contains("potpie.baseUrl"), "{err}");
        }
    }

    #[test]
    fn a_repository_chosen_origin_needs_approval() {
        let err = check("https://evil.test", Purpose::Potpie, None, &none()).unwrap_err();
        assert_eq!(err.approvable_origin(), Some("https://evil.test"));
        let text = err.to_string();
        assert!(
            text.contains("potpie-lsp trust https://evil.test"),
            "{text}"
        );
        // Look-alikes of loopback and of the default origin are not them.
        for url in [
            "https://localhost.evil.test",
            "https://127.0.0.1.evil.test",
            "https://production-api.potpie.ai.evil.test",
            "https://production-api.potpie.ai:8443",
        ] {
            assert!(
                matches!(
                    check(url, Purpose::Potpie, None, &none()),
                    Err(Untrusted::NotApproved { .. })
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn the_environment_and_approvals_are_the_users_word() {
        let ok = check(
            "https://potpie.corp.test/api/v2",
            Purpose::Potpie,
            Some("https://potpie.corp.test"),
            &none(),
        );
        assert_eq!(ok.map(|t| t.reason()), Ok(TrustReason::Environment));
        let approvals = none();
        approvals.approve_once("https://potpie.corp.test");
        let ok = check(
            "https://potpie.corp.test",
            Purpose::Potpie,
            None,
            &approvals,
        );
        assert_eq!(ok.map(|t| t.reason()), Ok(TrustReason::Approved));
        // POTPIE_BASE_URL vouches for Potpie only, not for an LLM endpoint.
        assert!(
            check(
                "https://potpie.corp.test",
                Purpose::Llm { sends_key: true },
                Some("https://potpie.corp.test"),
                &Approvals::in_memory()
            )
            .is_err()
        );
    }

    #[test]
    fn plain_http_carries_a_key_only_to_loopback() {
        let approvals = none();
        approvals.approve_once("http://evil.test");
        assert!(matches!(
            check("http://evil.test", Purpose::Potpie, None, &approvals),
            Err(Untrusted::PlainHttp { .. })
        ));
        assert!(matches!(
            check(
                "http://evil.test",
                Purpose::Potpie,
                Some("http://evil.test"),
                &none()
            ),
            Err(Untrusted::PlainHttp { .. })
        ));
        // Without a key, an approved plain-http endpoint (a LAN model server) is allowed.
        assert!(
            check(
                "http://evil.test",
                Purpose::Llm { sends_key: false },
                None,
                &approvals
            )
            .is_ok()
        );
        assert!(
            check(
                "http://evil.test",
                Purpose::Llm { sends_key: false },
                None,
                &none()
            )
            .is_err()
        );
    }

    #[test]
    fn approvals_persist_in_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        let a = Approvals::in_dir(dir.path());
        a.approve_always("https://potpie.corp.test/").unwrap();
        a.approve_always("https://potpie.corp.test").unwrap();
        let b = Approvals::in_dir(dir.path());
        assert!(b.is_approved("https://potpie.corp.test"));
        assert_eq!(b.saved().len(), 1);
        assert!(b.revoke("https://potpie.corp.test").unwrap());
        assert!(!Approvals::in_dir(dir.path()).is_approved("https://potpie.corp.test"));
        assert!(!b.revoke("https://potpie.corp.test").unwrap());
    }
}
