//! A minimal OpenAI-compatible chat client (`POST {base}/v1/chat/completions`, no streaming)
//! that the local backend may use to write prose. It shares the Potpie client's HTTP plumbing,
//! timeouts, retry rules and error classes; errors name the `potpie.llm.*` settings.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::http::{Http, Retry, parse_base};
use super::{ClientOptions, PotpieError, Service};
use crate::config::ApiKey;
use crate::config::trust::TrustedUrl;
use crate::model::ChatMessage;

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<ChoiceMessage>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Clone)]
pub struct LlmClient {
    http: Http,
    endpoint: String,
    model: String,
    auth: Option<reqwest::header::HeaderValue>,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// `base_url` may be given with or without a trailing `/v1` (both `http://host:11434` and
    /// `http://host:11434/v1/` reach `http://host:11434/v1/chat/completions`).
    pub fn new(
        base_url: &TrustedUrl,
        model: &str,
        api_key: Option<ApiKey>,
        opts: ClientOptions,
    ) -> Result<Self, PotpieError> {
        let url = parse_base(Service::Llm, base_url)?;
        let mut base = url.as_str().trim_end_matches('/').to_string();
        if let Some(stripped) = base.strip_suffix("/v1") {
            base = stripped.to_string();
        }
        let auth = match &api_key {
            Some(k) => {
                let mut v =
                    reqwest::header::HeaderValue::from_str(&format!("Bearer {}", k.expose()))
                        .map_err(|_| PotpieError::UnsendableApiKey {
                            service: Service::Llm,
                        })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        let http = Http::new(Service::Llm, &url, opts, api_key)?;
        Ok(LlmClient {
            http,
            endpoint: format!("{base}/v1/chat/completions"),
            model: model.to_string(),
            auth,
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// The full URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends the conversation and returns `choices[0].message.content`. A completion is not
    /// idempotent in cost, so it is re-sent only when it never reached the server.
    pub async fn chat(&self, messages: &[ChatMessage]) -> Result<String, PotpieError> {
        let body = json!({"model": self.model, "messages": messages, "stream": false});
        let what = "POST /v1/chat/completions";
        let resp = self
            .http
            .send(
                || {
                    let mut req = self
                        .http
                        .client
                        .request(Method::POST, &self.endpoint)
                        .json(&body);
                    if let Some(a) = &self.auth {
                        req = req.header(reqwest::header::AUTHORIZATION, a.clone());
                    }
                    req
                },
                Retry::OnlyUnsent,
                what,
                self.http.opts.whole_answer_timeout,
            )
            .await?;
        let completion: Completion = self.http.json(resp, what).await?;
        completion
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message)
            .and_then(|m| m.content)
            .ok_or_else(|| PotpieError::BadJson {
                service: Service::Llm,
                context: format!("the response to {what}"),
                detail: "no choices[0].message.content".to_string(),
            })
    }
}
