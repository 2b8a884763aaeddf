//! Messages: runs that go on without their connection, streams that replay them, `/stop`.

use super::*;

/// `node_ids` as the server's model reads it: `null`, or a list of `{"node_id", "name"}` with
/// both keys strings (message_schema.py:10-12). `Err` is the 422 body.
pub(crate) fn check_node_ids(body: &Value) -> Result<(), Value> {
    let Some(v) = body.get("node_ids").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let Some(items) = v.as_array() else {
        return Err(missing(
            &["body", "node_ids"],
            "list_type",
            "Input should be a valid list",
        ));
    };
    for (i, item) in items.iter().enumerate() {
        for key in ["node_id", "name"] {
            match item.get(key) {
                Some(Value::String(_)) => {}
                None => {
                    let loc = json!(["body", "node_ids", i, key]);
                    return Err(
                        json!({"detail": [{"type": "missing", "loc": loc, "msg": "Field required", "input": item}]}),
                    );
                }
                Some(_) => {
                    let loc = json!(["body", "node_ids", i, key]);
                    return Err(
                        json!({"detail": [{"type": "string_type", "loc": loc, "msg": "Input should be a valid string", "input": item[key]}]}),
                    );
                }
            }
        }
    }
    Ok(())
}

/// `POST /conversations/{id}/message`. Returns whether the connection can be reused.
pub(crate) async fn message(
    sock: &mut TcpStream,
    state: &Arc<Mutex<State>>,
    conversation_id: &str,
    query: &Query<'_>,
    body: &Value,
    shutdown: watch::Receiver<bool>,
) -> bool {
    let content = match body.get("content") {
        None => {
            respond_json(
                sock,
                422,
                &missing(&["body", "content"], "missing", "Field required"),
            )
            .await;
            return true;
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            respond_json(
                sock,
                422,
                &missing(
                    &["body", "content"],
                    "string_type",
                    "Input should be a valid string",
                ),
            )
            .await;
            return true;
        }
    };
    if let Err(e) = check_node_ids(body) {
        respond_json(sock, 422, &e).await;
        return true;
    }
    let stream = match query.flag("stream", true) {
        Ok(s) => s,
        Err(e) => {
            respond_json(sock, 422, &e).await;
            return true;
        }
    };
    if content.trim().is_empty() {
        detail(sock, 400, "Message content cannot be empty").await;
        return true;
    }
    let (mut cfg, conversation) = {
        let st = lock(state);
        (
            st.cfg.clone(),
            st.conversations
                .get(conversation_id)
                .filter(|c| !c.deleted)
                .cloned(),
        )
    };
    if let Some((_, text)) = cfg
        .scripted
        .iter()
        .find(|(n, _)| content.contains(n.as_str()))
    {
        cfg.answer.text = text.clone();
    }
    if !stream {
        if conversation.is_none() {
            detail(sock, 500, "An internal error occurred.").await;
            return true;
        }
        let tool_calls: Vec<Value> = cfg
            .answer
            .tool_calls
            .iter()
            .enumerate()
            .flat_map(|(i, t)| [tool_event(i, t, "call"), tool_event(i, t, "result")])
            .map(|p| p.to_json())
            .collect();
        // The worker always streams, so the banner ends up in the whole answer too.
        let text = if cfg.banner {
            format!("{BANNER}{}", cfg.answer.text)
        } else {
            cfg.answer.text.clone()
        };
        let body = json!({"message": text, "citations": cfg.answer.citations, "tool_calls": tool_calls, "thinking": null});
        respond_json(sock, 200, &body).await;
        return true;
    }
    let cursor = query.get("cursor").filter(|c| !c.is_empty());
    let session = query.get("session_id").filter(|s| !s.is_empty());
    let run_id = match (&cursor, session) {
        // A cursor re-attaches to that run as named; nothing new starts (CR:289-294).
        (Some(_), Some(sid)) => sid,
        (Some(_), None) => format!("conversation:{FAKE_USER}:new"),
        (None, sid) => {
            let base = sid.unwrap_or_else(|| format!("conversation:{FAKE_USER}:new"));
            let mut st = lock(state);
            let mut run_id = base.clone();
            let mut n = 1;
            while !st
                .reserved
                .insert((conversation_id.to_string(), run_id.clone()))
            {
                run_id = format!("{base}-{n}");
                n += 1;
            }
            let objects = if conversation.is_some() && !cfg.faults.placeholder_only {
                let mut all = vec![PLACEHOLDER.to_string()];
                all.extend(answer_objects(&cfg.answer, cfg.banner));
                all
            } else {
                // An unknown or deleted conversation: the task fails before any text.
                vec![PLACEHOLDER.to_string()]
            };
            let (stop_tx, stop_rx) = watch::channel(false);
            let (changed, _) = watch::channel(0u64);
            st.runs.push(Run {
                conversation: conversation_id.to_string(),
                id: run_id.clone(),
                events: Vec::new(),
                finished: false,
                newest: 0,
                attached: 0,
                stop: stop_tx,
                changed,
            });
            drop(st);
            let project = conversation.map(|c| c.project_id);
            tokio::spawn(produce(
                state.clone(),
                conversation_id.to_string(),
                run_id.clone(),
                objects,
                project,
                cfg.clone(),
                stop_rx,
                shutdown.clone(),
            ));
            run_id
        }
    };
    stream_run(sock, state, conversation_id, &run_id, shutdown).await
}

/// The user every request of the fake runs as (run ids are scoped by it).
pub(crate) const FAKE_USER: &str = "fake-user";

/// The worker of a run: produces its objects over time, whether or not anyone reads them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn produce(
    state: Arc<Mutex<State>>,
    conversation: String,
    run_id: String,
    objects: Vec<String>,
    project: Option<String>,
    cfg: FakeConfig,
    mut stop: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let faults = &cfg.faults;
    let publish = |obj: &str| {
        let mut st = lock(&state);
        st.seq += 1;
        let seq = st.seq;
        let Some(run) = st.run(&conversation, &run_id) else {
            return false;
        };
        run.events.push(obj.to_string());
        run.newest = seq;
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
        true
    };
    for (i, obj) in objects.iter().enumerate() {
        if *stop.borrow() {
            return;
        }
        if faults.stall_after == Some(i) {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
            return;
        }
        if faults.delete_project_after == Some(i) {
            if let Some(id) = &project
                && let Some(p) = lock(&state).projects.get_mut(id)
            {
                p.deleted = true;
            }
            break;
        }
        if i > 0 && !cfg.answer.chunk_delay.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(cfg.answer.chunk_delay) => {}
                _ = stop.wait_for(|s| *s) => return,
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
        if faults.malformed_after == Some(i) && !publish(MALFORMED_OBJECT) {
            return;
        }
        if !publish(obj) {
            return;
        }
    }
    let mut st = lock(&state);
    if let Some(run) = st.run(&conversation, &run_id) {
        run.finished = true;
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
    }
}

/// Streams a run's objects from its first one (a fresh attach and a `cursor` of `0-0` both
/// replay from the start) until it ends or is stopped. Returns whether the connection can be
/// reused.
pub(crate) async fn stream_run(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    conversation: &str,
    run_id: &str,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    let (reset_after, mut changed) = {
        let mut st = lock(state);
        let faults = st.cfg.faults.clone();
        st.open_streams += 1;
        match st.run(conversation, run_id) {
            Some(run) => {
                run.attached += 1;
                let reset = faults.reset_after.or(if run.attached == 1 {
                    faults.reset_once_after
                } else {
                    None
                });
                (reset, Some(run.changed.subscribe()))
            }
            // Stopped or expired: the stream ends at once.
            None => (None, None),
        }
    };
    let head = "HTTP/1.1 200 OK\r\nserver: uvicorn\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut alive = sock.write_all(head.as_bytes()).await.is_ok();
    let mut next = 0usize;
    while alive {
        let Some(rx) = changed.as_mut() else { break };
        let (batch, finished) = {
            let mut st = lock(state);
            match st.run(conversation, run_id) {
                Some(run) => (
                    run.events[next.min(run.events.len())..].to_vec(),
                    run.finished,
                ),
                None => (Vec::new(), true),
            }
        };
        let mut carry = String::new();
        for (j, obj) in batch.iter().enumerate() {
            if reset_after == Some(next) {
                let _ = sock.set_zero_linger();
                lock(state).open_streams -= 1;
                return false;
            }
            next += 1;
            // Vary the framing like a real network: some objects share a write, some are
            // split across two writes (inside a `\u` escape when there is one).
            if next.is_multiple_of(4) && j + 1 < batch.len() {
                carry.push_str(obj);
                continue;
            }
            let mut data = std::mem::take(&mut carry);
            data.push_str(obj);
            let ok = if next % 3 == 2 && data.len() > 8 {
                let cut = split_point(&data);
                let first = write_chunk(sock, &data.as_bytes()[..cut]).await;
                tokio::task::yield_now().await;
                first.is_ok() && write_chunk(sock, &data.as_bytes()[cut..]).await.is_ok()
            } else {
                write_chunk(sock, data.as_bytes()).await.is_ok()
            };
            if !ok {
                alive = false;
                break;
            }
            lock(state).stream_writes.push(std::time::Instant::now());
        }
        if !alive || (finished && batch.is_empty()) {
            break;
        }
        if finished {
            continue;
        }
        tokio::select! {
            r = rx.changed() => if r.is_err() { break },
            _ = shutdown.wait_for(|s| *s) => { alive = false; }
        }
    }
    lock(state).open_streams -= 1;
    if !alive {
        return false;
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    sock.flush().await.is_ok()
}

/// `POST /conversations/{id}/stop[?session_id=]` (CS:1863-1896, session_service.py:225-252).
pub(crate) async fn stop(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    conversation: &str,
    session: Option<String>,
) {
    let outcome = {
        let mut st = lock(state);
        let target = match session.filter(|s| !s.is_empty()) {
            Some(sid) => Some(sid),
            // Without a session: the stream with the newest event, even a finished one.
            None => st
                .runs
                .iter()
                .filter(|r| r.conversation == conversation)
                .max_by_key(|r| r.newest)
                .map(|r| r.id.clone()),
        };
        match target {
            None => None,
            Some(sid) => {
                let removed = st.remove_run(conversation, &sid);
                let partial = removed.as_ref().is_some_and(|r| r.events.len() > 1);
                if removed.is_some() {
                    st.stopped.push((conversation.to_string(), sid));
                }
                Some(partial)
            }
        }
    };
    let body = match outcome {
        // With an explicit session id this is the answer even when nothing ran.
        Some(saved_partial) => {
            json!({"status": "success", "message": "Cancellation signal sent and task revoked", "saved_partial": saved_partial, "message_id": null})
        }
        None => json!({"status": "success", "message": "No active session to stop"}),
    };
    respond_json(sock, 200, &body).await
}

pub(crate) async fn write_chunk(sock: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    sock.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    sock.write_all(data).await?;
    sock.write_all(b"\r\n").await?;
    sock.flush().await
}

/// Where to split an object across two writes: inside the first `\u` escape, else the middle.
pub(crate) fn split_point(data: &str) -> usize {
    match data.find("\\u") {
        Some(i) if i + 3 < data.len() => i + 3,
        _ => data.len() / 2,
    }
}
