//! Python-`json.dumps`-shaped stream objects, and the objects of a scripted answer.

use super::*;

/// Python-`json.dumps`-shaped values: `", "` and `": "` separators, ASCII escaping, key order kept.
#[derive(Debug, Clone)]
pub enum Py {
    Null,
    Bool(bool),
    Str(String),
    List(Vec<Py>),
    Obj(Vec<(String, Py)>),
}

impl Py {
    pub fn dumps(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
    fn write(&self, out: &mut String) {
        match self {
            Py::Null => out.push_str("null"),
            Py::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Py::Str(s) => py_str(s, out),
            Py::List(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    it.write(out);
                }
                out.push(']');
            }
            Py::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    py_str(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
    pub(crate) fn to_json(&self) -> Value {
        serde_json::from_str(&self.dumps()).unwrap_or(Value::Null)
    }
}

pub(crate) fn py_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

pub(crate) fn chunk(
    message: &str,
    citations: &[String],
    tool_calls: Vec<Py>,
    thinking: Option<&str>,
) -> Py {
    Py::Obj(vec![
        ("message".into(), Py::Str(message.into())),
        (
            "citations".into(),
            Py::List(citations.iter().map(|c| Py::Str(c.clone())).collect()),
        ),
        ("tool_calls".into(), Py::List(tool_calls)),
        (
            "thinking".into(),
            thinking.map_or(Py::Null, |t| Py::Str(t.into())),
        ),
    ])
}

pub(crate) fn tool_event(i: usize, t: &FakeToolCall, kind: &str) -> Py {
    let text = if kind == "call" {
        &t.call_text
    } else {
        &t.result_text
    };
    tool_object(
        &format!("toolu_{i:02}"),
        kind,
        &t.tool_name,
        text,
        Py::Obj(vec![("summary".into(), Py::Str(t.summary.clone()))]),
        None,
        true,
    )
}

pub(crate) fn tool_object(
    call_id: &str,
    kind: &str,
    tool_name: &str,
    response: &str,
    details: Py,
    stream_part: Option<&str>,
    complete: bool,
) -> Py {
    Py::Obj(vec![
        ("call_id".into(), Py::Str(call_id.into())),
        ("event_type".into(), Py::Str(kind.into())),
        ("tool_name".into(), Py::Str(tool_name.into())),
        ("tool_response".into(), Py::Str(response.into())),
        ("tool_call_details".into(), details),
        (
            "stream_part".into(),
            stream_part.map_or(Py::Null, |p| Py::Str(p.into())),
        ),
        ("is_complete".into(), Py::Bool(complete)),
        ("is_truncated".into(), Py::Bool(false)),
        ("original_length".into(), Py::Null),
    ])
}

/// The tool name of the sub-agent the supervisor delegates to in every scripted run.
pub const DELEGATE: &str = "delegate_to_think_execute";

/// The objects after the placeholder, shaped like a real multi-agent run (potpie-api.md §4.3,
/// §5): the optional banner glued to the text; a delegation to a sub-agent; per tool call, the
/// model writing its arguments (`tool_call_request_delta`, `is_complete: false`), a preview and
/// the call in one object, then the result; the first text delta in the same object as the
/// last result and the delegation's end; `thinking` and citations on the last delta.
pub fn answer_objects(answer: &FakeAnswer, banner: bool) -> Vec<String> {
    let mut out = Vec::new();
    if banner {
        out.push(chunk(BANNER, &[], vec![], None).dumps());
    }
    let details = |summary: &str| Py::Obj(vec![("summary".into(), Py::Str(summary.into()))]);
    let delegating = !answer.tool_calls.is_empty();
    if delegating {
        out.push(
            chunk(
                "",
                &[],
                vec![tool_object(
                    "toolu_d0",
                    "delegation_call",
                    DELEGATE,
                    "Delegating to a sub-agent",
                    details("Explore the code that answers the question"),
                    None,
                    true,
                )],
                None,
            )
            .dumps(),
        );
    }
    let chars: Vec<char> = answer.text.chars().collect();
    let mut pieces: std::collections::VecDeque<String> = chars
        .chunks(answer.delta_chars.max(1))
        .map(|c| c.iter().collect())
        .collect();
    let n_tools = answer.tool_calls.len();
    for (i, t) in answer.tool_calls.iter().enumerate() {
        let id = format!("toolu_{i:02}");
        let delta = tool_object(
            &id,
            "tool_call_request_delta",
            &t.tool_name,
            "",
            Py::Obj(vec![]),
            Some("{\"query\": \""),
            false,
        );
        out.push(chunk("", &[], vec![delta], None).dumps());
        let preview = tool_object(
            &id,
            "call",
            &t.tool_name,
            &t.call_text,
            details(&t.summary),
            None,
            false,
        );
        out.push(chunk("", &[], vec![preview, tool_event(i, t, "call")], None).dumps());
        let mut events = vec![tool_event(i, t, "result")];
        let last_tool = i + 1 == n_tools;
        if last_tool {
            events.push(tool_object(
                "toolu_d0",
                "delegation_result",
                DELEGATE,
                "Sub-agent finished",
                details("Explored the code"),
                None,
                true,
            ));
        }
        // Text starts in the same object as the last result, as a real run's can.
        let text = if last_tool && pieces.len() > 1 {
            pieces.pop_front().unwrap_or_default()
        } else {
            String::new()
        };
        out.push(chunk(&text, &[], events, None).dumps());
    }
    let n = pieces.len();
    for (i, p) in pieces.into_iter().enumerate() {
        let last = i + 1 == n;
        let cites: &[String] = if last { &answer.citations } else { &[] };
        let thinking = if last {
            answer.thinking.as_deref()
        } else {
            None
        };
        out.push(chunk(&p, cites, vec![], thinking).dumps());
    }
    if n == 0 && (!answer.citations.is_empty() || answer.thinking.is_some()) {
        out.push(chunk("", &answer.citations, vec![], answer.thinking.as_deref()).dumps());
    }
    out
}
