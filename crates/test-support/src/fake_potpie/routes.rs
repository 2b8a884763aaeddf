//! Parse, status, conversations and search.

use super::*;

pub(crate) async fn parsing_status(sock: &mut TcpStream, state: &Mutex<State>, project_id: &str) {
    let answer = {
        let mut st = lock(state);
        let found = st.projects.get(project_id).filter(|p| !p.deleted).cloned();
        found.map(|p| {
            if let Some(live) = st.projects.get_mut(project_id) {
                live.polls += 1;
            }
            (st.status_of(&p), st.latest(&p))
        })
    };
    match answer {
        Some((status, latest)) => {
            respond_json(sock, 200, &json!({"status": status, "latest": latest})).await
        }
        None => detail(sock, 404, "Project not found or access denied").await,
    }
}

pub(crate) async fn parsing_status_by_repo(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    body: &Value,
) {
    let Some(repo) = body.get("repo_name").and_then(Value::as_str) else {
        return respond_json(
            sock,
            422,
            &missing(&["body", "repo_name"], "missing", "Field required"),
        )
        .await;
    };
    let branch = body.get("branch_name").and_then(Value::as_str);
    let commit = body.get("commit_id").and_then(Value::as_str);
    let found = {
        let st = lock(state);
        st.find_project(repo, branch, commit).map(|id| {
            let p = &st.projects[&id];
            (id.clone(), st.status_of(p), st.latest(p))
        })
    };
    match found {
        Some((id, status, latest)) => {
            respond_json(
                sock,
                200,
                &json!({"project_id": id, "repo_name": repo, "status": status, "latest": latest}),
            )
            .await
        }
        None => {
            detail(
                sock,
                404,
                "Project not found for the given repo_name and commit_id/branch_name",
            )
            .await
        }
    }
}

pub(crate) async fn parse(sock: &mut TcpStream, state: &Mutex<State>, body: &Value) {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (repo_name, repo_path, branch, commit) = (
        text("repo_name"),
        text("repo_path"),
        text("branch_name"),
        text("commit_id"),
    );
    let (id, status) = {
        let mut st = lock(state);
        if let Some(path) = repo_path {
            // Local repositories get a new project on every call (potpie-api.md §3.1).
            let repo = path.rsplit('/').next().unwrap_or(&path).to_string();
            let id = st.add_project(Project {
                repo,
                branch,
                commit,
                fails: false,
                polls: 0,
                deleted: false,
            });
            (id, "submitted".to_string())
        } else if let Some(repo) = repo_name {
            // With a commit only an exact match counts; without one, the branch (PC:214-327).
            match st.find_project(&repo, branch.as_deref(), commit.as_deref()) {
                Some(id) => {
                    let project = st.projects[&id].clone();
                    let current = st.status_of(&project);
                    let unchanged = current == "inferring"
                        || (current == "ready" && (commit.is_some() || st.latest(&project)))
                        || (current == "ready" && st.cfg.branch_head.is_none());
                    let status = if unchanged {
                        current
                    } else {
                        // Anything else is re-queued with graph cleanup and starts over.
                        if let Some(p) = st.projects.get_mut(&id) {
                            p.polls = 0;
                        }
                        "submitted".to_string()
                    };
                    (id, status)
                }
                None => {
                    let fails = match (&commit, &st.cfg.remote_commits) {
                        (Some(c), Some(known)) => !known.contains(c),
                        _ => false,
                    };
                    let commit = commit.or_else(|| st.cfg.branch_head.clone());
                    let id = st.add_project(Project {
                        repo,
                        branch,
                        commit,
                        fails,
                        polls: 0,
                        deleted: false,
                    });
                    (id, "submitted".to_string())
                }
            }
        } else {
            drop(st);
            return respond_json(
                sock,
                422,
                &missing(
                    &["body"],
                    "value_error",
                    "Value error, Either repo_name or repo_path must be provided",
                ),
            )
            .await;
        }
    };
    respond_json(sock, 200, &json!({"project_id": id, "status": status})).await
}

pub(crate) async fn conversations(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    query: &Query<'_>,
    body: &Value,
) {
    for field in ["project_ids", "agent_ids"] {
        match body.get(field) {
            None => {
                return respond_json(
                    sock,
                    422,
                    &missing(&["body", field], "missing", "Field required"),
                )
                .await;
            }
            Some(v) if !v.is_array() => {
                return respond_json(
                    sock,
                    422,
                    &missing(
                        &["body", field],
                        "list_type",
                        "Input should be a valid list",
                    ),
                )
                .await;
            }
            _ => {}
        }
    }
    let hidden = match query.flag("hidden", true) {
        Ok(h) => h,
        Err(e) => return respond_json(sock, 422, &e).await,
    };
    let first = |f: &str| {
        body.get(f)
            .and_then(|v| v.get(0))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (project, agent) = (first("project_ids"), first("agent_ids"));
    let id = {
        let mut st = lock(state);
        let project_ok = project
            .as_ref()
            .is_some_and(|p| st.projects.get(p).is_some_and(|p| !p.deleted));
        let agent_ok = agent.as_ref().is_some_and(|a| {
            SYSTEM_AGENTS.iter().any(|(id, _, _)| id == a)
                || st.cfg.custom_agents.iter().any(|(id, _, _)| id == a)
        });
        match (project, agent) {
            (Some(project_id), Some(agent_id)) if project_ok && agent_ok => {
                let id = st.new_id();
                st.conversations.insert(
                    id.clone(),
                    Conversation {
                        project_id,
                        agent_id,
                        hidden,
                        deleted: false,
                    },
                );
                Some(id)
            }
            _ => None,
        }
    };
    match id {
        Some(id) => {
            respond_json(
                sock,
                200,
                &json!({"message": "Conversation created successfully.", "conversation_id": id}),
            )
            .await
        }
        // Every failure, a wrong agent id included, is this one generic 500 (CS:444-447).
        None => {
            detail(
                sock,
                500,
                "An unexpected error occurred while creating the conversation.",
            )
            .await
        }
    }
}

pub(crate) async fn search(sock: &mut TcpStream, state: &Mutex<State>, body: &Value) {
    if body.get("project_id").and_then(Value::as_str).is_none() {
        return respond_json(
            sock,
            422,
            &missing(&["body", "project_id"], "missing", "Field required"),
        )
        .await;
    }
    let Some(query) = body.get("query").and_then(Value::as_str) else {
        return respond_json(
            sock,
            422,
            &missing(&["body", "query"], "missing", "Field required"),
        )
        .await;
    };
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return respond_json(
            sock,
            422,
            &missing(
                &["body", "query"],
                "value_error",
                "Value error, Search query cannot be empty or contain only whitespace",
            ),
        )
        .await;
    }
    let nodes = lock(state).cfg.search_nodes.clone();
    let mut results: Vec<(f64, Value)> = nodes
        .iter()
        .filter_map(|n| {
            let name = n.name.to_lowercase();
            let exact = name == q;
            let hit = exact
                || name.contains(&q)
                || n.file_path.to_lowercase().contains(&q)
                || n.content.to_lowercase().contains(&q);
            hit.then(|| {
                let relevance = if exact {
                    1.0
                } else if name.contains(&q) {
                    0.8
                } else {
                    0.5
                };
                (
                    relevance,
                    json!({
                        "node_id": node_id(&n.file_path, &n.name),
                        "name": n.name,
                        "file_path": n.file_path,
                        "content": n.content,
                        "match_type": if exact { "Exact Match" } else { "Partial Match" },
                        "relevance": relevance,
                    }),
                )
            })
        })
        .collect();
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    results.truncate(10);
    let results: Vec<Value> = results.into_iter().map(|(_, v)| v).collect();
    respond_json(sock, 200, &json!({ "results": results })).await
}

/// A 32-hex id, stable per node, like the graph's MD5 ids.
pub(crate) fn node_id(path: &str, name: &str) -> String {
    let mut a: u64 = 0xcbf29ce484222325;
    let mut b: u64 = 0x84222325cbf29ce4;
    for byte in path.bytes().chain([0]).chain(name.bytes()) {
        a = (a ^ u64::from(byte)).wrapping_mul(0x100000001b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x100000001b3)
            .rotate_left(7);
    }
    format!("{a:016x}{b:016x}")
}
