//! Connections: keep-alive, requests read by hand, responses written by hand, and the
//! routing of each request to its handler.

use super::*;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<Mutex<State>>,
    shutdown: watch::Receiver<bool>,
) {
    // Owning the connections here means aborting this task closes all of them.
    let mut conns = tokio::task::JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => {
                if let Ok((sock, _)) = accepted {
                    let _ = sock.set_nodelay(true);
                    conns.spawn(serve(sock, state.clone(), shutdown.clone()));
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

pub(crate) const MAX_HEAD: usize = 64 * 1024;
pub(crate) const MAX_BODY: usize = 8 * 1024 * 1024;

pub(crate) async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::with_capacity(4096);
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        // Not HTTP (e.g. a TLS ClientHello): answer like uvicorn does and hang up.
        if !buf[0].is_ascii_uppercase() {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            let _ = sock.shutdown().await;
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return None;
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    body.truncate(len);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

pub(crate) async fn respond(
    sock: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(String, String)],
    body: &[u8],
) {
    // HTTP/1.1 keeps the connection alive: the next request may come on it.
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nserver: uvicorn\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n",
        reason(status),
        body.len()
    );
    for (n, v) in extra {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body).await;
    let _ = sock.flush().await;
}

pub(crate) async fn respond_json(sock: &mut TcpStream, status: u16, body: &Value) {
    let extra: Vec<(String, String)> = if status == 401 {
        vec![("www-authenticate".into(), "ApiKey".into())]
    } else {
        vec![]
    };
    respond(
        sock,
        status,
        "application/json",
        &extra,
        body.to_string().as_bytes(),
    )
    .await;
}

pub(crate) async fn detail(sock: &mut TcpStream, status: u16, text: &str) {
    respond_json(sock, status, &json!({ "detail": text })).await;
}

/// Pydantic v2's 422 for one field.
pub(crate) fn missing(loc: &[&str], kind: &str, msg: &str) -> Value {
    json!({"detail": [{"type": kind, "loc": loc, "msg": msg, "input": null}]})
}

/// Serves requests on one connection until the client closes it, asks to, a fault breaks it,
/// or it stays idle for the keep-alive time.
pub(crate) async fn serve(
    mut sock: TcpStream,
    state: Arc<Mutex<State>>,
    shutdown: watch::Receiver<bool>,
) {
    loop {
        let idle = lock(&state).cfg.keep_alive;
        let Ok(Some(req)) = tokio::time::timeout(idle, read_request(&mut sock)).await else {
            return;
        };
        let close = req
            .headers
            .iter()
            .any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        let keep = handle(&mut sock, req, &state, shutdown.clone()).await;
        if !keep || close || *shutdown.borrow() {
            let _ = sock.shutdown().await;
            return;
        }
    }
}

/// Answers one request; `false` when the connection cannot carry another.
pub(crate) async fn handle(
    sock: &mut TcpStream,
    req: Request,
    state: &Arc<Mutex<State>>,
    shutdown: watch::Receiver<bool>,
) -> bool {
    let (route, param, method_ok) = Route::of(&req.method, &req.path);
    let had_api_key = req.headers.iter().any(|(n, _)| n == "x-api-key");
    let (forced, delay, key) = {
        let mut st = lock(state);
        st.requests.push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            route,
            had_api_key,
        });
        let forced = match st.cfg.forced.get_mut(&route) {
            Some(queue) => {
                let f = queue.front().cloned();
                if let Some(front) = queue.front_mut() {
                    front.times = front.times.saturating_sub(1);
                    if front.times == 0 {
                        queue.pop_front();
                    }
                }
                f
            }
            None => None,
        };
        (
            forced,
            st.cfg.header_delay.get(&route).copied(),
            st.cfg.key.clone(),
        )
    };
    if let Some(d) = delay {
        let mut sd = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = sd.wait_for(|s| *s) => return false,
        }
    }
    if let Some(f) = forced {
        respond(
            sock,
            f.status,
            &f.content_type,
            &f.headers,
            f.body.as_bytes(),
        )
        .await;
        return true;
    }
    if route == Route::Unknown {
        detail(sock, 404, "Not Found").await;
        return true;
    }
    if !method_ok {
        detail(sock, 405, "Method Not Allowed").await;
        return true;
    }
    if route == Route::Health {
        respond_json(sock, 200, &json!({"status": "ok", "version": "fake"})).await;
        return true;
    }
    match req
        .headers
        .iter()
        .find(|(n, _)| n == "x-api-key")
        .map(|(_, v)| v.as_str())
    {
        // Since 56433aa2 a request without a key falls back to Firebase Bearer auth.
        None => {
            detail(sock, 401, "Bearer authentication is needed").await;
            return true;
        }
        Some(k) if !k.starts_with("sk-") || k != key => {
            detail(sock, 401, "Invalid API key").await;
            return true;
        }
        Some(_) => {}
    }
    let body: Result<Value, _> = serde_json::from_slice(&req.body);
    let needs_body = matches!(
        route,
        Route::Parse
            | Route::ParsingStatusByRepo
            | Route::Conversations
            | Route::Message
            | Route::Search
    );
    let body = match body {
        Ok(v) if v.is_object() => v,
        _ if !needs_body => Value::Null,
        Ok(_) => {
            respond_json(
                sock,
                422,
                &missing(
                    &["body"],
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from",
                ),
            )
            .await;
            return true;
        }
        Err(_) => {
            respond_json(
                sock,
                422,
                &missing(&["body"], "json_invalid", "JSON decode error"),
            )
            .await;
            return true;
        }
    };
    let param = param.unwrap_or_default();
    let query = Query(&req.query);
    match route {
        Route::Parse => parse(sock, state, &body).await,
        Route::ParsingStatus => parsing_status(sock, state, &param).await,
        Route::ParsingStatusByRepo => parsing_status_by_repo(sock, state, &body).await,
        Route::ProjectsList => {
            let list: Vec<Value> = {
                let st = lock(state);
                st.project_order
                    .iter()
                    .map(|id| (id, &st.projects[id]))
                    .filter(|(_, p)| !p.deleted)
                    .map(|(id, p)| json!({"id": id, "repo_name": p.repo, "branch_name": p.branch, "status": st.status_of(p)}))
                    .collect()
            };
            respond_json(sock, 200, &Value::Array(list)).await
        }
        Route::ListAgents => {
            let custom = lock(state).cfg.custom_agents.clone();
            let list: Vec<Value> = SYSTEM_AGENTS
                .iter()
                .map(|(id, name, desc)| json!({"id": id, "name": name, "description": desc, "status": "SYSTEM", "visibility": null}))
                .chain(custom.iter().map(|(id, role, goal)| json!({"id": id, "name": role, "description": goal, "status": "STOPPED", "visibility": "private"})))
                .collect();
            respond_json(sock, 200, &Value::Array(list)).await
        }
        Route::Conversations => conversations(sock, state, &query, &body).await,
        Route::Message => return message(sock, state, &param, &query, &body, shutdown).await,
        Route::Stop => stop(sock, state, &param, query.get("session_id")).await,
        Route::Search => search(sock, state, &body).await,
        Route::Health | Route::Unknown => {}
    }
    true
}

/// The query string of a request.
pub(crate) struct Query<'a>(&'a str);

impl Query<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.0.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| percent_decode(v))
        })
    }

    /// A FastAPI bool parameter: missing is `default`, unreadable is `Err` (a 422).
    pub(crate) fn flag(&self, name: &str, default: bool) -> Result<bool, Value> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse_bool(&v).ok_or_else(|| {
                missing(
                    &["query", name],
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                )
            }),
        }
    }
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

pub(crate) fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
