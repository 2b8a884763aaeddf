//! The project lifecycle: find the workspace's project (remembered → Potpie's for the branch →
//! `/parse`), refresh a ready graph at HEAD, and poll until usable. Written down for users in
//! docs/lsp-extensions.md ("Project lifecycle").

use std::path::Path;
use std::time::Duration;

use super::{RemoteBackend, in_progress, short};
use crate::backend::Session;
use crate::backend::projects::ProjectMemory;
use crate::model::ParseState;
use crate::potpie::{ParseRequest, ParsingStatus, PotpieError};
use crate::workspace;

/// First wait between two status polls; it grows by half each time up to the cap.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_CAP: Duration = Duration::from_secs(8);

impl RemoteBackend {
    /// Makes the workspace answerable. At start (`refresh: false`) it takes, in this order,
    /// the project this folder used last, the project Potpie has for the repository and
    /// branch, and only then asks Potpie to parse: a project Potpie is parsing, inferring or
    /// has ready is never queued again by us. `refresh` (`potpie.reparse`) parses a ready graph
    /// again at the HEAD commit, and leaves a parse under way alone.
    pub(in crate::backend) async fn prepare(&self, session: &Session, refresh: bool) {
        self.start_local_index();
        let Some(repo) = self.repo_name.clone() else {
            session.set_status(|s| {
                s.state = ParseState::Error;
                s.message = Some(format!(
                    "No git remote found for {}: set potpie.repoName to \"owner/repo\" (and potpie.branchName), then run potpie.reparse.",
                    self.root.display()
                ));
            });
            return;
        };
        let found = if refresh {
            self.refresh(session, &repo).await
        } else {
            self.find_or_parse(session, &repo).await
        };
        match found {
            Ok(Some(found)) => self.poll(session, &repo, found).await,
            Ok(None) => {}
            Err(e) => fail(session, &e),
        }
    }

    async fn find_or_parse(
        &self,
        session: &Session,
        repo: &str,
    ) -> Result<Option<Found>, PotpieError> {
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("looking up the Potpie project".into());
        });
        if let Some(id) = self.memory.as_ref().and_then(ProjectMemory::get) {
            match self.client.parsing_status(&id).await {
                Ok(st) if !st.is_error() => return Ok(Some(Found::known(id, st))),
                Ok(_) | Err(PotpieError::NotFound { .. }) => {
                    tracing::debug!("the remembered project is gone or failed; looking further")
                }
                Err(e) => return Err(e),
            }
        }
        match self
            .client
            .find_project(repo, self.branch_name.as_deref(), None)
            .await
        {
            Ok(found) if found.status != "error" => {
                let status = ParsingStatus {
                    status: found.status,
                    latest: found.latest,
                };
                return Ok(Some(Found::known(found.project_id, status)));
            }
            // A server without this route answers 404 too: parse.
            Ok(_) | Err(PotpieError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        self.parse(session, repo, None).await.map(Some)
    }

    async fn refresh(&self, session: &Session, repo: &str) -> Result<Option<Found>, PotpieError> {
        let current = self.project_id();
        let status = match &current {
            Some(id) => match self.client.parsing_status(id).await {
                Ok(st) => Some(st),
                Err(PotpieError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let usable = session.status().state.is_usable();
        match (current, status) {
            // Nothing usable yet, and Potpie has the project now: take it.
            (Some(id), Some(st)) if !usable && (st.is_ready() || st.is_inferring()) => {
                Ok(Some(Found::known(id, st)))
            }
            (Some(id), Some(st)) if in_progress(&st.status) => {
                session.set_status(|s| {
                    s.message = Some(format!(
                        "Potpie is already parsing {repo} ({}); not starting another parse",
                        st.status
                    ))
                });
                Ok(Some(Found::known(id, st)))
            }
            (Some(_), Some(st)) if st.is_ready() || st.is_inferring() => {
                // Without a commit Potpie returns a ready project unchanged (PC:230-235): a
                // refresh names the HEAD commit, which makes a project of its own.
                let head = workspace::detect_repo(&self.root);
                let Some(commit) = head.commit.clone() else {
                    session.set_status(|s| {
                        s.message = Some(format!(
                            "The graph of {repo} is {}; there is no HEAD commit to parse instead (is this a git checkout?)",
                            st.status
                        ))
                    });
                    return Ok(None);
                };
                let unpushed = head.upstream.as_ref().is_some_and(|u| *u != commit);
                session.set_status(|s| {
                    s.message = Some(format!(
                        "parsing {repo} at HEAD {}{}; questions use the current graph meanwhile",
                        short(&commit),
                        if unpushed {
                            " (not what origin has: if it is not pushed, Potpie cannot parse it)"
                        } else {
                            ""
                        }
                    ))
                });
                let request = ParseRequest {
                    repo_name: Some(repo.to_string()),
                    branch_name: self.branch_name.clone(),
                    commit_id: Some(commit.clone()),
                    ..ParseRequest::default()
                };
                let parsed = self.client.parse(&request).await?;
                Ok(Some(Found {
                    project_id: parsed.project_id,
                    pinned: Some(commit),
                    status: None,
                }))
            }
            _ => self.parse(session, repo, None).await.map(Some),
        }
    }

    async fn parse(
        &self,
        session: &Session,
        repo: &str,
        commit: Option<String>,
    ) -> Result<Found, PotpieError> {
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("submitting".into());
        });
        let request = ParseRequest {
            repo_name: Some(repo.to_string()),
            branch_name: self.branch_name.clone(),
            commit_id: commit.clone(),
            ..ParseRequest::default()
        };
        let parsed = self.client.parse(&request).await?;
        Ok(Found {
            project_id: parsed.project_id,
            pinned: commit,
            status: None,
        })
    }

    /// Polls the project until it is ready or failed. A graph that is usable already (a
    /// refresh parsing a new commit) stays in use until the new one is.
    async fn poll(&self, session: &Session, repo: &str, found: Found) {
        let Found {
            project_id,
            pinned,
            status: mut known,
        } = found;
        let (project_id, pinned) = (project_id.as_str(), pinned.as_deref());
        let replacing = self
            .project_id()
            .is_some_and(|old| old != project_id && session.status().state.is_usable());
        let mut wait = POLL_FIRST;
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(wait).await;
                wait = (wait * 3 / 2).min(POLL_CAP);
            }
            first = false;
            let polled = match known.take() {
                Some(st) => Ok(st),
                None => self.client.parsing_status(project_id).await,
            };
            let st = match polled {
                Ok(st) => st,
                Err(e) if replacing => {
                    session.report_problem(format!(
                        "Re-parsing {repo} failed ({e}); questions still use the previous graph."
                    ));
                    return;
                }
                Err(e) => return fail(session, &e),
            };
            if replacing && !(st.is_ready() || st.is_inferring()) {
                if st.is_error() {
                    let why = parse_failure(repo, pinned, &self.root);
                    session.set_status(|s| {
                        s.message = Some(format!("{why} Questions still use the previous graph."))
                    });
                    session.report_problem(why);
                    return;
                }
                continue;
            }
            self.set_project_id(Some(project_id.to_string()));
            if let Some(m) = &self.memory {
                m.remember(project_id);
            }
            let state = apply_remote_status(session, &st, repo, project_id, pinned, &self.root);
            if state == ParseState::Ready || state == ParseState::Error {
                if state == ParseState::Error
                    && let Some(m) = &self.memory
                {
                    m.forget();
                }
                return;
            }
        }
    }
}

/// The project a preparation settled on.
struct Found {
    project_id: String,
    /// The commit it was parsed at on request (a refresh), for the error message.
    pinned: Option<String>,
    /// Its status, when the lookup already read it (no need to ask again at once).
    status: Option<ParsingStatus>,
}

impl Found {
    fn known(project_id: String, status: ParsingStatus) -> Found {
        Found {
            project_id,
            pinned: None,
            status: Some(status),
        }
    }
}

/// Why a parse ended in `error`, and what to do.
fn parse_failure(repo: &str, pinned: Option<&str>, root: &Path) -> String {
    match pinned {
        Some(commit) => {
            let head = workspace::detect_repo(root);
            let pushed = head.upstream.as_deref() == Some(commit);
            format!(
                "Potpie could not parse {repo} at commit {}{}: if that commit is not pushed to the remote yet, push it and run potpie.reparse again; otherwise check that your Potpie account can read the repository.",
                short(commit),
                if pushed {
                    ""
                } else {
                    " (it is not what origin has at the last fetch)"
                }
            )
        }
        None => format!(
            "Potpie could not parse {repo}: check that the repository and branch exist and that your Potpie account can read them, then run potpie.reparse."
        ),
    }
}

/// Maps Potpie's status onto ours and publishes it.
fn apply_remote_status(
    session: &Session,
    remote: &ParsingStatus,
    repo: &str,
    project_id: &str,
    pinned: Option<&str>,
    root: &Path,
) -> ParseState {
    let state = match remote.status.as_str() {
        "ready" => ParseState::Ready,
        "inferring" => ParseState::Inferring,
        "error" => ParseState::Error,
        _ => ParseState::Parsing,
    };
    let message = match state {
        ParseState::Error => parse_failure(repo, pinned, root),
        ParseState::Inferring => "inferring (questions already work)".to_string(),
        ParseState::Ready if !remote.latest => format!(
            "ready, but Potpie's graph of {repo} is behind the branch: run potpie.reparse to parse the HEAD commit"
        ),
        ParseState::Ready => "ready".to_string(),
        _ => remote.status.clone(),
    };
    session.set_status(|s| {
        s.state = state;
        s.project_id = Some(project_id.to_string());
        s.latest = (state == ParseState::Ready).then_some(remote.latest);
        s.message = Some(message);
    });
    state
}

fn fail(session: &Session, error: &PotpieError) {
    let message = error.to_string();
    session.set_status(|s| {
        s.state = ParseState::Error;
        s.message = Some(message);
    });
}
