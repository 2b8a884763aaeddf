//! Settings: the wire form the client sends (`initializationOptions`,
//! `workspace/didChangeConfiguration` → `settings.potpie`) and the resolved form the server uses.
//!
//! Every key is optional; unknown keys are ignored; a key of the wrong type is reported and
//! ignored rather than failing the whole object.

pub mod trust;

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::model::BackendKind;

pub const DEFAULT_BASE_URL: &str = "https://production-api.potpie.ai";
pub const DEFAULT_AGENT: &str = "codebase_qna_agent";

/// An API key. Its `Debug` and `Display` never show the value, so it cannot leak through
/// logs or error messages by accident; read it only with [`ApiKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `None` for an empty or whitespace-only key.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key = key.into().trim().to_string();
        (!key.is_empty()).then_some(ApiKey(key))
    }

    /// The secret itself, for the `x-api-key` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Which backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    #[default]
    Auto,
    Potpie,
    Local,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(BackendChoice::Auto),
            "potpie" => Ok(BackendChoice::Potpie),
            "local" => Ok(BackendChoice::Local),
            other => Err(format!(
                "unknown backend {other:?}: use auto, potpie or local"
            )),
        }
    }
}

/// An OpenAI-compatible chat endpoint the local backend may use to write prose.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    pub base_url: String,
    pub model: String,
    #[serde(default, deserialize_with = "de_api_key")]
    pub api_key: Option<ApiKey>,
}

impl fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn de_api_key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ApiKey>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.and_then(ApiKey::new))
}

/// Every key of the `potpie` settings object, as documented in docs/lsp-extensions.md
/// ("Settings"); tests/it/contract.rs holds this list, the docs and the VS Code manifest together.
pub const SETTING_KEYS: [&str; 11] = [
    "backend",
    "apiKey",
    "baseUrl",
    "agent",
    "repoName",
    "branchName",
    "answersDir",
    "openAnswers",
    "hints",
    "llm",
    "readTimeout",
];

/// The settings object exactly as clients send it. Missing keys stay `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireSettings {
    pub backend: Option<BackendChoice>,
    pub api_key: Option<ApiKey>,
    pub base_url: Option<String>,
    pub agent: Option<String>,
    pub repo_name: Option<String>,
    pub branch_name: Option<String>,
    pub answers_dir: Option<PathBuf>,
    pub open_answers: Option<bool>,
    pub hints: Option<bool>,
    pub llm: Option<LlmSettings>,
    /// Seconds an answer may stay silent before it is given up.
    pub read_timeout: Option<f64>,
}

impl WireSettings {
    /// Reads a settings object leniently: a key of the wrong type is skipped and named in the
    /// returned warnings, so one bad value never throws the rest away.
    pub fn from_json(value: &Value) -> (WireSettings, Vec<String>) {
        let mut warnings = Vec::new();
        let mut out = WireSettings::default();
        let Some(obj) = value.as_object() else {
            if !value.is_null() {
                warnings.push("potpie settings must be a JSON object; ignoring them".to_string());
            }
            return (out, warnings);
        };
        fn field<T: for<'de> Deserialize<'de>>(
            obj: &serde_json::Map<String, Value>,
            key: &str,
            warnings: &mut Vec<String>,
        ) -> Option<T> {
            let v = obj.get(key)?;
            if v.is_null() {
                return None;
            }
            match T::deserialize(v) {
                Ok(t) => Some(t),
                Err(e) => {
                    warnings.push(format!("ignoring setting potpie.{key}: {e}"));
                    None
                }
            }
        }
        out.backend = field(obj, "backend", &mut warnings);
        out.api_key = field::<String>(obj, "apiKey", &mut warnings).and_then(ApiKey::new);
        out.base_url =
            field::<String>(obj, "baseUrl", &mut warnings).filter(|s| !s.trim().is_empty());
        out.agent = field::<String>(obj, "agent", &mut warnings).filter(|s| !s.trim().is_empty());
        out.repo_name =
            field::<String>(obj, "repoName", &mut warnings).filter(|s| !s.trim().is_empty());
        out.branch_name =
            field::<String>(obj, "branchName", &mut warnings).filter(|s| !s.trim().is_empty());
        out.answers_dir = field::<String>(obj, "answersDir", &mut warnings)
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from);
        out.open_answers = field(obj, "openAnswers", &mut warnings);
        out.hints = field(obj, "hints", &mut warnings);
        out.llm = field(obj, "llm", &mut warnings);
        out.read_timeout = field::<f64>(obj, "readTimeout", &mut warnings).filter(|s| {
            let ok = s.is_finite() && *s >= 1.0;
            if !ok {
                warnings.push(format!(
                    "ignoring setting potpie.readTimeout: {s} is not a number of seconds of at least 1"
                ));
            }
            ok
        });
        (out, warnings)
    }

    /// The settings object inside whatever a client sent (see [`WireSettings::from_any`]).
    pub fn unwrap_any(value: &Value) -> &Value {
        value
            .get("settings")
            .unwrap_or(value)
            .get("potpie")
            .unwrap_or_else(|| value.get("settings").unwrap_or(value))
    }

    /// Accepts either the bare settings object or one wrapped as `{"potpie": {...}}` /
    /// `{"settings": {"potpie": {...}}}` (clients differ in what they send).
    pub fn from_any(value: &Value) -> (WireSettings, Vec<String>) {
        Self::from_json(Self::unwrap_any(value))
    }
}

/// The settings a client has sent so far: `initializationOptions`, then each
/// `didChangeConfiguration` laid over it key by key. A key sent as `null` returns to its default;
/// a key not sent keeps its value, so a client that sends only what changed loses nothing.
#[derive(Debug, Clone, Default)]
pub struct SettingsLayers {
    merged: serde_json::Map<String, Value>,
}

impl SettingsLayers {
    /// Lays `update` (in any of the shapes clients send) over what is known; returns the
    /// resulting wire settings and warnings about keys that were ignored.
    pub fn apply(&mut self, update: &Value) -> (WireSettings, Vec<String>) {
        if let Some(obj) = WireSettings::unwrap_any(update).as_object() {
            for (k, v) in obj {
                if v.is_null() {
                    self.merged.remove(k);
                } else {
                    self.merged.insert(k.clone(), v.clone());
                }
            }
        }
        WireSettings::from_json(&Value::Object(self.merged.clone()))
    }
}

/// The environment the settings fall back to. A struct, so tests need not touch process env.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub api_key: Option<ApiKey>,
    pub base_url: Option<String>,
    /// `POTPIE_LSP_CACHE_DIR`: where indexes and answer files go (default: the user's cache).
    pub cache_dir: Option<PathBuf>,
    /// `POTPIE_LSP_CONFIG_DIR`: where the user's approvals live (default: the user's config
    /// directory). Only the environment can move it, never a workspace setting.
    pub config_dir: Option<PathBuf>,
    /// Hidden timeout overrides, so reliability tests can exercise timeouts in seconds
    /// (docs/reliability.md); not user settings.
    pub timeouts: TimeoutOverrides,
}

/// `POTPIE_LSP_{CONNECT,HEADERS,READ}_TIMEOUT_MS`, each ignored unless a positive integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeoutOverrides {
    pub connect: Option<std::time::Duration>,
    pub headers: Option<std::time::Duration>,
    pub read: Option<std::time::Duration>,
}

impl TimeoutOverrides {
    fn from_process() -> TimeoutOverrides {
        let ms = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&v| v > 0)
                .map(std::time::Duration::from_millis)
        };
        TimeoutOverrides {
            connect: ms("POTPIE_LSP_CONNECT_TIMEOUT_MS"),
            headers: ms("POTPIE_LSP_HEADERS_TIMEOUT_MS"),
            read: ms("POTPIE_LSP_READ_TIMEOUT_MS"),
        }
    }
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            api_key: std::env::var("POTPIE_API_KEY").ok().and_then(ApiKey::new),
            base_url: std::env::var("POTPIE_BASE_URL")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            cache_dir: std::env::var_os("POTPIE_LSP_CACHE_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            config_dir: std::env::var_os("POTPIE_LSP_CONFIG_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            timeouts: TimeoutOverrides::from_process(),
        }
    }

    /// The user's approvals of origins (see [`trust`]).
    pub fn approvals(&self) -> trust::Approvals {
        match self.config_dir.clone().or_else(default_config_root) {
            Some(dir) => trust::Approvals::in_dir(&dir),
            None => trust::Approvals::in_memory(),
        }
    }
}

/// Settings with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub backend: BackendChoice,
    pub api_key: Option<ApiKey>,
    pub base_url: String,
    /// `POTPIE_BASE_URL`, which the user set outside any repository (see [`trust`]).
    pub env_base_url: Option<String>,
    pub agent: String,
    pub repo_name: Option<String>,
    pub branch_name: Option<String>,
    pub answers_dir: Option<PathBuf>,
    pub open_answers: bool,
    pub hints: bool,
    pub llm: Option<LlmSettings>,
    /// Longest silence inside a streamed answer before it is given up.
    pub read_timeout: std::time::Duration,
    /// From the environment, for tests (see [`TimeoutOverrides`]).
    pub timeout_overrides: TimeoutOverrides,
    /// Root of everything written to disk outside `answersDir`: indexes, default answers.
    pub cache_dir: PathBuf,
}

/// Potpie's agents and their tools may run 300 s without sending a byte
/// (delegation_streamer.py:35-38, 359); a little more, so a slow step is not cut off.
pub const DEFAULT_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(330);

impl Settings {
    pub fn resolve(wire: &WireSettings, env: &Env) -> Settings {
        Settings {
            backend: wire.backend.unwrap_or_default(),
            api_key: wire.api_key.clone().or_else(|| env.api_key.clone()),
            base_url: wire
                .base_url
                .clone()
                .or_else(|| env.base_url.clone())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
                .trim()
                .trim_end_matches('/')
                .to_string(),
            env_base_url: env.base_url.clone(),
            agent: wire
                .agent
                .clone()
                .unwrap_or_else(|| DEFAULT_AGENT.to_string()),
            repo_name: wire.repo_name.clone(),
            branch_name: wire.branch_name.clone(),
            answers_dir: wire.answers_dir.clone(),
            open_answers: wire.open_answers.unwrap_or(true),
            hints: wire.hints.unwrap_or(true),
            llm: wire.llm.clone(),
            read_timeout: wire
                .read_timeout
                .map(std::time::Duration::from_secs_f64)
                .unwrap_or(DEFAULT_READ_TIMEOUT),
            timeout_overrides: env.timeouts,
            cache_dir: env.cache_dir.clone().unwrap_or_else(default_cache_root),
        }
    }

    /// Whether a workspace session built with `self` must be built again for `new`. Settings
    /// that only shape delivery (`hints`, `openAnswers`, `answersDir`, the default `agent`) are
    /// read live and never rebuild a session, so they never touch a Potpie project; `llm`
    /// matters to the local engine only.
    pub fn session_differs(&self, new: &Settings) -> bool {
        let backend_key = |s: &Settings| {
            (
                s.effective_backend(),
                s.api_key.clone(),
                s.base_url.clone(),
                s.env_base_url.clone(),
                s.repo_name.clone(),
                s.branch_name.clone(),
                s.read_timeout,
                s.cache_dir.clone(),
            )
        };
        backend_key(self) != backend_key(new)
            || (self.effective_backend() == BackendKind::Local && self.llm != new.llm)
    }

    /// Where the local index of any root is cached.
    pub fn index_dir(&self) -> PathBuf {
        self.cache_dir.join("index")
    }

    /// `auto` means Potpie when a key is known, else the embedded engine.
    pub fn effective_backend(&self) -> BackendKind {
        match self.backend {
            BackendChoice::Potpie => BackendKind::Potpie,
            BackendChoice::Local => BackendKind::Local,
            BackendChoice::Auto if self.api_key.is_some() => BackendKind::Potpie,
            BackendChoice::Auto => BackendKind::Local,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(&WireSettings::default(), &Env::default())
    }
}

/// The user's cache directory for potpie-lsp (indexes, answer files).
pub fn default_cache_root() -> PathBuf {
    dirs::cache_dir()
        .map(|d| d.join("potpie-lsp"))
        .unwrap_or_else(|| std::env::temp_dir().join("potpie-lsp"))
}

/// The user's config directory for potpie-lsp (approvals), if the platform has one.
pub fn default_config_root() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("potpie-lsp"))
}

/// A stable, file-name-safe name for a workspace root inside the cache.
pub fn cache_key_for_root(root: &std::path::Path) -> String {
    // FNV-1a: stable across runs and platforms, unlike std's RandomState hasher.
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in root.to_string_lossy().as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("{name}-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_key_is_read() {
        // A value of the wrong type is named in a warning only when `from_json` reads the key,
        // so a key listed but never read (or read under another spelling) fails here.
        for key in SETTING_KEYS {
            let (_, warnings) = WireSettings::from_json(&json!({ key: [] }));
            assert!(
                warnings
                    .iter()
                    .any(|w| w.contains(&format!("potpie.{key}"))),
                "{key} is listed but not read: {warnings:?}"
            );
        }
    }

    #[test]
    fn missing_keys_take_defaults() {
        let s = Settings::resolve(&WireSettings::from_json(&json!({})).0, &Env::default());
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert_eq!(s.agent, DEFAULT_AGENT);
        assert!(s.open_answers && s.hints);
        assert_eq!(s.effective_backend(), BackendKind::Local);
        // Longer than Potpie's 300 s agent steps, during which a stream sends nothing.
        assert_eq!(s.read_timeout.as_secs(), 330);
    }

    #[test]
    fn a_wrong_type_is_skipped_and_named() {
        let (w, warnings) =
            WireSettings::from_json(&json!({"hints": "yes", "agent": "debugging_agent"}));
        assert_eq!(w.hints, None);
        assert_eq!(w.agent.as_deref(), Some("debugging_agent"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("potpie.hints"), "{warnings:?}");
    }

    #[test]
    fn key_from_env_selects_potpie_in_auto() {
        let env = Env {
            api_key: ApiKey::new("sk-abc"),
            base_url: Some("http://127.0.0.1:9/".into()),
            ..Env::default()
        };
        let s = Settings::resolve(&WireSettings::default(), &env);
        assert_eq!(s.effective_backend(), BackendKind::Potpie);
        assert_eq!(s.base_url, "http://127.0.0.1:9");
    }

    #[test]
    fn api_key_never_prints() {
        let k = ApiKey::new("sk-secret-value").unwrap();
        assert!(!format!("{k:?} {k}").contains("secret"));
        let (w, _) = WireSettings::from_json(
            &json!({"apiKey": "sk-secret-value", "llm": {"baseUrl": "http://x", "model": "m", "apiKey": "sk-secret-value"}}),
        );
        assert!(!format!("{w:?}").contains("secret"));
    }

    #[test]
    fn later_settings_lay_over_earlier_ones() {
        let mut layers = SettingsLayers::default();
        let (w, _) = layers.apply(&json!({"apiKey": "sk-1", "hints": false}));
        assert!(w.api_key.is_some() && w.hints == Some(false));
        let (w, _) = layers.apply(&json!({"settings": {"potpie": {"hints": true}}}));
        assert!(w.api_key.is_some(), "a key not sent again is kept");
        assert_eq!(w.hints, Some(true));
        let (w, _) = layers.apply(&json!({"settings": {"potpie": {"apiKey": null}}}));
        assert!(w.api_key.is_none(), "null returns a key to its default");
    }

    #[test]
    fn delivery_settings_never_rebuild_a_session() {
        let env = Env {
            api_key: ApiKey::new("sk-abc"),
            ..Env::default()
        };
        let base = Settings::resolve(&WireSettings::default(), &env);
        let (ui, _) = WireSettings::from_json(&json!({"hints": false, "openAnswers": false,
            "answersDir": "/tmp/a", "agent": "debugging_agent",
            "llm": {"baseUrl": "http://127.0.0.1:1", "model": "m"}}));
        assert!(!base.session_differs(&Settings::resolve(&ui, &env)));
        let (other, _) = WireSettings::from_json(&json!({"branchName": "dev"}));
        assert!(base.session_differs(&Settings::resolve(&other, &env)));
        let (slow, w) = WireSettings::from_json(&json!({"readTimeout": 600}));
        assert!(w.is_empty());
        let slow = Settings::resolve(&slow, &env);
        assert_eq!(slow.read_timeout.as_secs(), 600);
        assert!(base.session_differs(&slow));
        let (bad, w) = WireSettings::from_json(&json!({"readTimeout": 0}));
        assert!(bad.read_timeout.is_none() && w.len() == 1);
        // For the local engine the LLM is part of the session.
        let local = Settings::resolve(&WireSettings::default(), &Env::default());
        assert!(local.session_differs(&Settings::resolve(&ui, &Env::default())));
    }

    #[test]
    fn wrapped_settings_are_unwrapped() {
        let (w, _) = WireSettings::from_any(&json!({"settings": {"potpie": {"agent": "a"}}}));
        assert_eq!(w.agent.as_deref(), Some("a"));
        let (w, _) = WireSettings::from_any(&json!({"potpie": {"agent": "b"}}));
        assert_eq!(w.agent.as_deref(), Some("b"));
        let (w, _) = WireSettings::from_any(&json!({"agent": "c"}));
        assert_eq!(w.agent.as_deref(), Some("c"));
    }
}
