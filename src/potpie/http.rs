//! The HTTP plumbing shared by the Potpie and LLM clients: one `reqwest` client per service
//! (TLS through the platform verifier), timeouts per phase, retries with capped jittered
//! backoff for what is safe to repeat, and bounded bodies. The API calls are in `mod.rs` and
//! `llm.rs`.

use std::time::Duration;

use reqwest::Response;
use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;

use super::error::{TransportKind, classify_chain, from_status, parse_retry_after};
use super::{ClientOptions, PotpieError, Service, TimeoutPhase, USER_AGENT};
use crate::config::ApiKey;
use crate::config::trust::TrustedUrl;

/// Largest error body read (error bodies are quoted, so a short prefix is plenty).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Whether a request may be sent again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Repeating it has the same effect: retry any transient failure.
    Safe,
    /// Retry only when the request never reached the server.
    OnlyUnsent,
}

/// The HTTP plumbing shared by the Potpie and LLM clients.
#[derive(Clone)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) opts: ClientOptions,
    pub(crate) service: Service,
    /// Scheme, host and port, for error messages.
    pub(crate) origin: String,
    pub(crate) host: String,
    /// Scrubbed from server text.
    pub(crate) secret: Option<ApiKey>,
}

impl Http {
    pub(crate) fn new(
        service: Service,
        url: &url::Url,
        opts: ClientOptions,
        secret: Option<ApiKey>,
    ) -> Result<Http, PotpieError> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config().clone())
            .user_agent(USER_AGENT)
            .connect_timeout(opts.connect_timeout)
            .tcp_nodelay(true)
            // Follow redirects only within the configured origin. reqwest drops
            // `Authorization` on a redirect to another host, but not our `x-api-key`, so the
            // default policy would hand the key to whatever host a redirect names. A redirect
            // elsewhere is returned as an error status instead.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same_origin = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.origin() == attempt.url().origin());
                if same_origin && attempt.previous().len() <= 5 {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| PotpieError::InvalidBaseUrl {
                service,
                url: url.to_string(),
                reason: format!("the HTTP client could not start: {e}"),
            })?;
        let host = url.host_str().unwrap_or_default().to_string();
        let origin = url.origin().ascii_serialization();
        Ok(Http {
            client,
            opts,
            service,
            origin,
            host,
            secret,
        })
    }

    fn key(&self) -> Option<&str> {
        self.secret.as_ref().map(ApiKey::expose)
    }

    /// Sends a request built by `build` (called once per attempt), retrying per `retry`, and
    /// returns the successful response once its headers arrived, waiting `wait` at most.
    pub(crate) async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        retry: Retry,
        what: &str,
        wait: Duration,
    ) -> Result<Response, PotpieError> {
        let mut attempt = 0u32;
        loop {
            let result = self.send_once(build(), wait).await;
            let err = match result {
                Ok(resp) => return Ok(resp),
                Err(e) => e,
            };
            let may_retry = match retry {
                Retry::Safe => err.is_transient(),
                Retry::OnlyUnsent => err.never_reached_server() && err.is_transient(),
            };
            if !may_retry || attempt >= self.opts.max_retries {
                return Err(err);
            }
            let delay = match err.retry_after() {
                Some(d) if d > self.opts.max_retry_after => return Err(err),
                Some(d) => d,
                None => backoff(&self.opts, attempt),
            };
            tracing::debug!(target: "potpie", "{what}: attempt {} failed ({err}); retrying in {delay:?}", attempt + 1);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        req: reqwest::RequestBuilder,
        wait: Duration,
    ) -> Result<Response, PotpieError> {
        let resp = match tokio::time::timeout(wait, req.send()).await {
            Err(_) => {
                return Err(PotpieError::Timeout {
                    service: self.service,
                    phase: TimeoutPhase::WaitingForAnswer,
                    after: wait,
                });
            }
            Ok(Err(e)) => return Err(self.transport(&e, TimeoutPhase::WaitingForAnswer)),
            Ok(Ok(resp)) => resp,
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        // The error body is only quoted; a broken or slow one must not hide the status.
        let body = self
            .read_body(resp, MAX_ERROR_BODY, "error", true)
            .await
            .unwrap_or_default();
        Err(from_status(
            self.service,
            status.as_u16(),
            retry_after,
            &body,
            self.key(),
        ))
    }

    /// Reads a whole body with the read timeout between reads and a size limit. With
    /// `truncate`, a body over the limit is cut instead of refused.
    pub(crate) async fn read_body(
        &self,
        mut resp: Response,
        limit: usize,
        context: &str,
        truncate: bool,
    ) -> Result<Vec<u8>, PotpieError> {
        let mut body = Vec::new();
        loop {
            let chunk = match tokio::time::timeout(self.opts.read_timeout, resp.chunk()).await {
                Err(_) => {
                    return Err(PotpieError::Timeout {
                        service: self.service,
                        phase: TimeoutPhase::Stalled,
                        after: self.opts.read_timeout,
                    });
                }
                Ok(Err(e)) => return Err(self.transport(&e, TimeoutPhase::Stalled)),
                Ok(Ok(None)) => return Ok(body),
                Ok(Ok(Some(c))) => c,
            };
            if body.len() + chunk.len() > limit {
                if truncate {
                    body.extend_from_slice(&chunk[..limit - body.len()]);
                    return Ok(body);
                }
                return Err(PotpieError::BodyTooLarge {
                    service: self.service,
                    context: context.to_string(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
    }

    /// Reads and decodes a JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        resp: Response,
        what: &str,
    ) -> Result<T, PotpieError> {
        let context = format!("the response to {what}");
        let body = self
            .read_body(resp, self.opts.max_body_bytes, &context, false)
            .await?;
        serde_json::from_slice(&body).map_err(|e| PotpieError::BadJson {
            service: self.service,
            context,
            detail: e.to_string(),
        })
    }

    /// Maps a reqwest error to a typed error; `phase` is where a non-connect timeout happened.
    pub(crate) fn transport(&self, e: &reqwest::Error, phase: TimeoutPhase) -> PotpieError {
        let service = self.service;
        let origin = self.origin.clone();
        match classify_chain(e, e.is_connect(), e.is_timeout()) {
            TransportKind::Refused => PotpieError::ConnectionRefused { service, origin },
            TransportKind::Dns => PotpieError::Dns {
                service,
                host: self.host.clone(),
            },
            TransportKind::Tls(reason) => PotpieError::Tls {
                service,
                origin,
                reason,
            },
            TransportKind::ConnectTimeout => PotpieError::Timeout {
                service,
                phase: TimeoutPhase::Connecting,
                after: self.opts.connect_timeout,
            },
            TransportKind::Timeout => PotpieError::Timeout {
                service,
                phase,
                after: match phase {
                    TimeoutPhase::Connecting => self.opts.connect_timeout,
                    TimeoutPhase::WaitingForAnswer => self.opts.headers_timeout,
                    TimeoutPhase::Stalled => self.opts.read_timeout,
                },
            },
            TransportKind::Connect(reason) => PotpieError::ConnectFailed {
                service,
                origin,
                reason,
            },
            TransportKind::Lost(reason) => PotpieError::ConnectionLost { service, reason },
        }
    }
}

/// The TLS configuration of every client: the platform's verifier over the system's trust
/// store (on Linux the CA bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR` when set), so a company CA
/// or a TLS-inspecting proxy is trusted as the rest of the system trusts it, plus the bundled
/// web roots, so a machine without a CA bundle still reaches public services. Built once: the
/// system store is read from disk.
pub(super) fn tls_config() -> &'static rustls::ClientConfig {
    static CONFIG: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let bundled = webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned();
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
        match rustls_platform_verifier::Verifier::new_with_extra_roots(bundled, provider) {
            Ok(verifier) => builder
                .dangerous()
                .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
                .with_no_client_auth(),
            Err(e) => {
                // Only a bundled root that does not parse gets here; the bundled roots alone
                // still verify public services.
                tracing::warn!("the system's certificate store is not used: {e}");
                let mut roots = rustls::RootCertStore::empty();
                roots.add_parsable_certificates(
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
                );
                builder.with_root_certificates(roots).with_no_client_auth()
            }
        }
    })
}

/// Capped exponential backoff with jitter in [50 %, 100 %] of the step.
pub(super) fn backoff(opts: &ClientOptions, attempt: u32) -> Duration {
    let step = opts
        .retry_base_delay
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(opts.retry_max_delay);
    step.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// Parses a base URL that passed the trust check.
pub(super) fn parse_base(service: Service, base_url: &TrustedUrl) -> Result<url::Url, PotpieError> {
    let trimmed = base_url.as_str().trim();
    let invalid = |reason: &str| PotpieError::InvalidBaseUrl {
        service,
        url: trimmed.to_string(),
        reason: reason.to_string(),
    };
    let url = url::Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("only http and https are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let opts = ClientOptions::default();
        for attempt in 0..20 {
            let d = backoff(&opts, attempt);
            assert!(d <= opts.retry_max_delay);
            assert!(
                d >= opts
                    .retry_base_delay
                    .mul_f64(0.5)
                    .min(opts.retry_max_delay.mul_f64(0.5))
            );
        }
    }
}
