//! Errors of the Potpie client and of the OpenAI-compatible chat client.
//!
//! Each `Display` is one sentence for a person: what went wrong, then what to do. Server text
//! is quoted only after the API key has been scrubbed from it, and transport errors are
//! described from their source chain, never by a `Debug` dump.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// Which HTTP service an error comes from; it picks the names and settings in the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Potpie,
    /// The OpenAI-compatible endpoint of `potpie.llm`.
    Llm,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Potpie => "Potpie",
            Service::Llm => "the LLM endpoint",
        }
    }
    fn subject(self) -> &'static str {
        match self {
            Service::Potpie => "Potpie",
            Service::Llm => "The LLM endpoint",
        }
    }
    fn key_setting(self) -> &'static str {
        match self {
            Service::Potpie => "potpie.apiKey or POTPIE_API_KEY",
            Service::Llm => "potpie.llm.apiKey",
        }
    }
    fn url_setting(self) -> &'static str {
        match self {
            Service::Potpie => "potpie.baseUrl",
            Service::Llm => "potpie.llm.baseUrl",
        }
    }
}

/// Where a request was when it ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Opening the TCP/TLS connection: the request never reached the server.
    Connecting,
    /// Sent, waiting for the response headers (the message route may take 30 s here).
    WaitingForAnswer,
    /// The body had started and then no data came for the read timeout.
    Stalled,
}

/// Display (one sentence each) is written by hand below, since each variant's wording depends
/// on its `Service`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PotpieError {
    /// 401 because no key reached the server.
    MissingApiKey {
        service: Service,
    },
    /// 401 for a key the server does not accept.
    InvalidApiKey {
        service: Service,
    },
    /// The configured key cannot be put in an HTTP header.
    UnsendableApiKey {
        service: Service,
    },
    BadRequest {
        service: Service,
        detail: String,
    },
    /// 402: out of credits; `detail` is the service's own text.
    PaymentRequired {
        service: Service,
        detail: String,
    },
    Forbidden {
        service: Service,
        detail: String,
    },
    NotFound {
        service: Service,
        detail: String,
    },
    /// 422: each entry is `loc: msg`, e.g. `body.content: Field required`.
    Validation {
        service: Service,
        errors: Vec<String>,
    },
    RateLimited {
        service: Service,
        retry_after: Option<Duration>,
    },
    /// 500 (and other 5xx but 502–504). `detail` is the JSON `detail` or the plain-text body.
    Server {
        service: Service,
        status: u16,
        detail: Option<String>,
    },
    /// 502, 503, 504.
    Unavailable {
        service: Service,
        status: u16,
        detail: Option<String>,
    },
    /// Any other non-success status.
    Status {
        service: Service,
        status: u16,
        detail: Option<String>,
    },
    ConnectionRefused {
        service: Service,
        origin: String,
    },
    Dns {
        service: Service,
        host: String,
    },
    Tls {
        service: Service,
        origin: String,
        reason: String,
    },
    /// Any other failure to connect (the request never reached the server).
    ConnectFailed {
        service: Service,
        origin: String,
        reason: String,
    },
    /// The connection broke after the request was sent (reset, EOF mid-body).
    ConnectionLost {
        service: Service,
        reason: String,
    },
    Timeout {
        service: Service,
        phase: TimeoutPhase,
        after: Duration,
    },
    /// The body was not the JSON expected; `context` says where.
    BadJson {
        service: Service,
        context: String,
        detail: String,
    },
    BodyTooLarge {
        service: Service,
        context: String,
        limit: usize,
    },
    InvalidBaseUrl {
        service: Service,
        url: String,
        reason: String,
    },
}

impl fmt::Display for PotpieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self, f)
    }
}

// One sentence per variant: a flat `match` that reads as a table, longer than the usual
// function limit on purpose (ARCHITECTURE.md, "Size limits").
fn describe(e: &PotpieError, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use PotpieError::*;
    match e {
        MissingApiKey { service } => write!(
            f,
            "{} needs an API key and none was sent (401): set {}",
            service.subject(),
            service.key_setting()
        ),
        InvalidApiKey { service } => write!(
            f,
            "{} rejected the API key (401): set {}",
            service.subject(),
            service.key_setting()
        ),
        UnsendableApiKey { service } => write!(
            f,
            "The {} API key contains characters that cannot be sent in an HTTP header: check {}",
            match service {
                Service::Potpie => "Potpie",
                Service::Llm => "LLM",
            },
            service.key_setting()
        ),
        BadRequest { service, detail } => write!(
            f,
            "{} refused the request (400): {}; change the request and try again",
            service.subject(),
            sentence(detail)
        ),
        PaymentRequired { service, detail } => write!(
            f,
            "{} refused the request for lack of credits (402): {}; {}",
            service.subject(),
            sentence(detail),
            match service {
                Service::Potpie =>
                    "upgrade the plan or wait for credits, or set potpie.backend to \"local\"",
                Service::Llm => "add credit to the LLM account or change potpie.llm",
            }
        ),
        Forbidden { service, detail } => write!(
            f,
            "{} denied access (403): {}; check that the API key's account owns the project",
            service.subject(),
            sentence(detail)
        ),
        NotFound {
            service: Service::Potpie,
            detail,
        } => write!(
            f,
            "Potpie could not find the project or conversation (404): {}; run potpie.reparse to register the repository again",
            sentence(detail)
        ),
        NotFound {
            service: Service::Llm,
            detail,
        } => write!(
            f,
            "The LLM endpoint answered not found (404): {}; check potpie.llm.baseUrl and potpie.llm.model",
            sentence(detail)
        ),
        Validation { service, errors } => write!(
            f,
            "{} rejected the request's fields (422): {}; this is a bug in potpie-lsp, please report it",
            service.subject(),
            if errors.is_empty() {
                "no details given".to_string()
            } else {
                errors.join(", ")
            }
        ),
        RateLimited {
            service,
            retry_after,
        } => match retry_after {
            Some(d) => write!(
                f,
                "{} is limiting requests (429): try again in {} s",
                service.subject(),
                d.as_secs().max(1)
            ),
            None => write!(
                f,
                "{} is limiting requests (429): try again in a minute",
                service.subject()
            ),
        },
        Server {
            service,
            status,
            detail,
        } => write!(
            f,
            "{} failed with an internal error ({status}){}; try again, and if it keeps failing check the service's status",
            service.subject(),
            colon(detail)
        ),
        Unavailable {
            service,
            status,
            detail,
        } => write!(
            f,
            "{} is temporarily unavailable ({status}){}; try again in a minute",
            service.subject(),
            colon(detail)
        ),
        Status {
            service,
            status,
            detail,
        } => write!(
            f,
            "{} answered with unexpected HTTP status {status}{}; check that {} points at the right server",
            service.subject(),
            colon(detail),
            service.url_setting()
        ),
        ConnectionRefused { service, origin } => write!(
            f,
            "Could not connect to {} at {origin} (connection refused): check {} and that the server is running",
            service.name(),
            service.url_setting()
        ),
        Dns { service, host } => write!(
            f,
            "Could not resolve the host name {host:?} of {}: check {} and the network connection",
            service.name(),
            service.url_setting()
        ),
        Tls {
            service,
            origin,
            reason,
        } if untrusted_certificate(reason) => write!(
            f,
            "The certificate of {} at {origin} is not trusted ({reason}): if it is issued by your company's CA or a TLS-inspecting proxy, add that CA to the system's certificate store, or point SSL_CERT_FILE at a PEM file that holds it, then restart potpie-lsp",
            service.name()
        ),
        Tls {
            service,
            origin,
            reason,
        } => write!(
            f,
            "The secure connection to {} at {origin} failed ({reason}): check {} (http vs https) and the system's certificates",
            service.name(),
            service.url_setting()
        ),
        ConnectFailed {
            service,
            origin,
            reason,
        } => write!(
            f,
            "Could not connect to {} at {origin} ({reason}): check {} and the network connection",
            service.name(),
            service.url_setting()
        ),
        ConnectionLost { service, reason } => write!(
            f,
            "The connection to {} broke before the answer was complete ({reason}): try again",
            service.name()
        ),
        Timeout {
            service,
            phase,
            after,
        } => {
            let secs = secs(*after);
            match phase {
                TimeoutPhase::Connecting => write!(
                    f,
                    "Timed out after {secs} connecting to {}: check {} and the network connection",
                    service.name(),
                    service.url_setting()
                ),
                TimeoutPhase::WaitingForAnswer => write!(
                    f,
                    "{} did not start answering within {secs}: it may be overloaded, try again later",
                    service.subject()
                ),
                TimeoutPhase::Stalled => write!(
                    f,
                    "{}'s answer stalled (nothing received for {secs}): try asking again",
                    service.subject()
                ),
            }
        }
        BadJson {
            service,
            context,
            detail,
        } => write!(
            f,
            "{} sent malformed JSON in {context} ({detail}): check that {} points at the right server",
            service.subject(),
            service.url_setting()
        ),
        BodyTooLarge {
            service,
            context,
            limit,
        } => write!(
            f,
            "{}'s {context} was larger than the {} MiB limit: ask a narrower question",
            service.subject(),
            limit / (1024 * 1024)
        ),
        InvalidBaseUrl {
            service,
            url,
            reason,
        } => write!(
            f,
            "The {} URL {url:?} is not usable ({reason}): set {} to an origin such as {}",
            match service {
                Service::Potpie => "Potpie",
                Service::Llm => "LLM",
            },
            service.url_setting(),
            match service {
                Service::Potpie => "https://production-api.potpie.ai",
                Service::Llm => "http://127.0.0.1:11434/v1",
            }
        ),
    }
}

/// Whether a TLS failure is a certificate the verifier does not trust (rather than, say, a
/// protocol mismatch), which the user fixes by trusting a CA.
fn untrusted_certificate(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("unknownissuer")
        || r.contains("unknown issuer")
        || r.contains("invalid peer certificate")
        || r.contains("self-signed")
        || r.contains("self signed")
}

/// Server text as a clause: trimmed, without its final period.
fn sentence(detail: &str) -> &str {
    let t = detail.trim();
    let t = t.strip_suffix('.').unwrap_or(t);
    if t.is_empty() { "no details given" } else { t }
}

fn colon(detail: &Option<String>) -> String {
    match detail {
        Some(d) if !d.trim().is_empty() => format!(": {}", sentence(d)),
        _ => String::new(),
    }
}

fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}

impl PotpieError {
    /// Worth retrying later with the same request: connection failures, 5xx, 429, stalls.
    pub fn is_transient(&self) -> bool {
        use PotpieError::*;
        match self {
            ConnectionRefused { .. } | ConnectFailed { .. } | ConnectionLost { .. } => true,
            Timeout { .. } => true,
            RateLimited { .. } | Server { .. } | Unavailable { .. } => true,
            Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True when the request provably never reached the server, so even a request that is
    /// not safe to repeat (create conversation, send message) may be sent again.
    pub fn never_reached_server(&self) -> bool {
        use PotpieError::*;
        matches!(
            self,
            ConnectionRefused { .. }
                | ConnectFailed { .. }
                | Dns { .. }
                | Tls { .. }
                | Timeout {
                    phase: TimeoutPhase::Connecting,
                    ..
                }
                | InvalidBaseUrl { .. }
                | UnsendableApiKey { .. }
        )
    }

    /// The HTTP status when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        use PotpieError::*;
        match self {
            MissingApiKey { .. } | InvalidApiKey { .. } => Some(401),
            BadRequest { .. } => Some(400),
            PaymentRequired { .. } => Some(402),
            Forbidden { .. } => Some(403),
            NotFound { .. } => Some(404),
            Validation { .. } => Some(422),
            RateLimited { .. } => Some(429),
            Server { status, .. } | Unavailable { status, .. } | Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The server's `Retry-After`, for 429 answers.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PotpieError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A problem with the API key (missing, rejected or unsendable).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            PotpieError::MissingApiKey { .. }
                | PotpieError::InvalidApiKey { .. }
                | PotpieError::UnsendableApiKey { .. }
        )
    }
}

/// Builds the error for a non-success answer from its status, `Retry-After` and body.
/// `key` is scrubbed from any server text quoted in the result.
pub(crate) fn from_status(
    service: Service,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    key: Option<&str>,
) -> PotpieError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let detail_value = parsed.as_ref().and_then(|v| v.get("detail")).cloned();
    let detail: Option<String> = match &detail_value {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
    .or_else(|| {
        // A plain-text body (Starlette's "Internal Server Error", a proxy's HTML page...).
        if parsed.is_some() {
            return None;
        }
        let text = String::from_utf8_lossy(body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then_some(text)
    })
    .map(|d| clip(&scrub(&d, key), 300));
    let detail_text = || detail.clone().unwrap_or_default();
    match status {
        400 => PotpieError::BadRequest {
            service,
            detail: detail_text(),
        },
        401 => {
            let d = detail_text().to_ascii_lowercase();
            if d.contains("required")
                || d.contains("bearer authentication is needed")
                || d.contains("missing")
            {
                PotpieError::MissingApiKey { service }
            } else {
                PotpieError::InvalidApiKey { service }
            }
        }
        402 => PotpieError::PaymentRequired {
            service,
            detail: detail_text(),
        },
        403 => PotpieError::Forbidden {
            service,
            detail: detail_text(),
        },
        404 => PotpieError::NotFound {
            service,
            detail: detail_text(),
        },
        422 => {
            let errors = match detail_value {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        let loc = item
                            .get("loc")
                            .and_then(|l| l.as_array())
                            .map(|l| {
                                l.iter()
                                    .map(|p| match p {
                                        serde_json::Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(".")
                            })
                            .unwrap_or_default();
                        let msg = item
                            .get("msg")
                            .and_then(|m| m.as_str())
                            .unwrap_or("invalid");
                        let msg = clip(&scrub(msg, key), 200);
                        if loc.is_empty() {
                            msg
                        } else {
                            format!("{loc}: {msg}")
                        }
                    })
                    .collect(),
                _ => detail.clone().into_iter().collect(),
            };
            PotpieError::Validation { service, errors }
        }
        429 => PotpieError::RateLimited {
            service,
            retry_after,
        },
        502..=504 => PotpieError::Unavailable {
            service,
            status,
            detail,
        },
        500..=599 => PotpieError::Server {
            service,
            status,
            detail,
        },
        _ => PotpieError::Status {
            service,
            status,
            detail,
        },
    }
}

/// Parses a `Retry-After` header given in seconds (the HTTP-date form is rare and ignored).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Removes the key from text that came from outside.
pub(crate) fn scrub(text: &str, key: Option<&str>) -> String {
    match key {
        Some(k) if k.len() >= 4 => text.replace(k, "<redacted>"),
        _ => text.to_string(),
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max_chars).collect();
    s.push('…');
    s
}

/// What a failed transport call looked like, read off its error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TransportKind {
    Refused,
    Dns,
    Tls(String),
    ConnectTimeout,
    Timeout,
    Connect(String),
    Lost(String),
}

/// Classifies a transport error by walking its `source()` chain: io error kinds first, then
/// the wording of hyper's and rustls's errors, which have no public types through reqwest.
pub(crate) fn classify_chain(
    err: &(dyn StdError + 'static),
    is_connect: bool,
    is_timeout: bool,
) -> TransportKind {
    let mut texts = Vec::new();
    let mut refused = false;
    let mut io_timeout = false;
    let mut lost = false;
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => refused = true,
                TimedOut => io_timeout = true,
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => lost = true,
                _ => {}
            }
        }
        texts.push(e.to_string());
        cur = e.source();
    }
    let all = texts.join(" | ").to_ascii_lowercase();
    let innermost = texts
        .iter()
        .rev()
        .find(|t| !t.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "unknown error".to_string());
    let innermost = clip(&innermost, 160);
    if refused || all.contains("connection refused") {
        return TransportKind::Refused;
    }
    if all.contains("dns error")
        || all.contains("failed to lookup address")
        || all.contains("name or service not known")
    {
        return TransportKind::Dns;
    }
    if all.contains("certificate")
        || all.contains("tls")
        || all.contains("handshake")
        || all.contains("invalidcontenttype")
        || all.contains("corrupt message")
        || all.contains("peer misbehaved")
    {
        return TransportKind::Tls(innermost);
    }
    if is_timeout || io_timeout {
        return if is_connect {
            TransportKind::ConnectTimeout
        } else {
            TransportKind::Timeout
        };
    }
    if is_connect {
        return TransportKind::Connect(innermost);
    }
    if lost {
        return TransportKind::Lost(innermost);
    }
    TransportKind::Lost(innermost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chain(&'static str, Option<Box<dyn StdError + 'static>>);
    impl fmt::Display for Chain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Chain {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref()
        }
    }

    #[test]
    fn chains_are_classified() {
        let dns = Chain(
            "error sending request",
            Some(Box::new(Chain(
                "client error (Connect)",
                Some(Box::new(Chain(
                    "dns error: failed to lookup address information: Name or service not known",
                    None,
                ))),
            ))),
        );
        assert_eq!(classify_chain(&dns, true, false), TransportKind::Dns);
        let refused = Chain(
            "error sending request",
            Some(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
        );
        assert_eq!(
            classify_chain(&refused, true, false),
            TransportKind::Refused
        );
        let tls = Chain(
            "error sending request",
            Some(Box::new(Chain(
                "invalid peer certificate: UnknownIssuer",
                None,
            ))),
        );
        assert!(
            matches!(classify_chain(&tls, true, false), TransportKind::Tls(r) if r.contains("UnknownIssuer"))
        );
        let reset = Chain(
            "error decoding response body",
            Some(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
        );
        assert!(matches!(
            classify_chain(&reset, false, false),
            TransportKind::Lost(_)
        ));
        let slow = Chain("operation timed out", None);
        assert_eq!(
            classify_chain(&slow, true, true),
            TransportKind::ConnectTimeout
        );
    }

    #[test]
    fn only_unsent_failures_allow_resending_a_question() {
        let s = Service::Potpie;
        let refused = PotpieError::ConnectionRefused {
            service: s,
            origin: "http://x".into(),
        };
        let connect_timeout = PotpieError::Timeout {
            service: s,
            phase: TimeoutPhase::Connecting,
            after: Duration::from_secs(1),
        };
        let waiting = PotpieError::Timeout {
            service: s,
            phase: TimeoutPhase::WaitingForAnswer,
            after: Duration::from_secs(1),
        };
        let lost = PotpieError::ConnectionLost {
            service: s,
            reason: "reset".into(),
        };
        let server = from_status(s, 500, None, b"Internal Server Error", None);
        let busy = from_status(s, 503, None, b"{}", None);
        let limited = from_status(s, 429, Some(Duration::from_secs(3)), b"{}", None);
        let dns = PotpieError::Dns {
            service: s,
            host: "x".into(),
        };
        for e in [&refused, &connect_timeout] {
            assert!(e.is_transient() && e.never_reached_server(), "{e:?}");
        }
        for e in [&waiting, &lost, &server, &busy, &limited] {
            assert!(e.is_transient() && !e.never_reached_server(), "{e:?}");
        }
        assert!(!dns.is_transient() && dns.never_reached_server());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(busy.status(), Some(503));
        assert_eq!(
            dns.to_string(),
            "Could not resolve the host name \"x\" of Potpie: check potpie.baseUrl and the network connection"
        );
        assert_eq!(
            connect_timeout.to_string(),
            "Timed out after 1 s connecting to Potpie: check potpie.baseUrl and the network connection"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let body = br#"{"detail":[{"type":"missing","loc":["body","content"],"msg":"Field required","input":{}}]}"#;
        let e = from_status(Service::Potpie, 422, None, body, None);
        assert!(
            e.to_string().contains("body.content: Field required"),
            "{e}"
        );
    }

    #[test]
    fn server_text_is_scrubbed_of_the_key() {
        let body = br#"{"detail":"bad key sk-0123456789abcdef given"}"#;
        let e = from_status(
            Service::Potpie,
            400,
            None,
            body,
            Some("sk-0123456789abcdef"),
        );
        assert!(!e.to_string().contains("sk-0123456789abcdef"), "{e}");
        assert!(e.to_string().contains("<redacted>"));
    }

    #[test]
    fn llm_errors_name_the_llm_settings() {
        let e = from_status(Service::Llm, 401, None, br#"{"error":"bad"}"#, None);
        assert_eq!(
            e.to_string(),
            "The LLM endpoint rejected the API key (401): set potpie.llm.apiKey"
        );
    }
}
