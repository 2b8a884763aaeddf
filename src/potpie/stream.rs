//! Incremental decoder of the message stream (potpie-api.md §4.1).
//!
//! The server writes `json.dumps` objects back to back with no delimiter, and the network splits
//! them anywhere (inside a string, a `\u` escape or a multi-byte UTF-8 character). The decoder
//! finds object boundaries by scanning brace depth outside strings, and only then hands each
//! complete object to `serde_json`. It is pure and synchronous so it can be fuzzed.
//!
//! Tolerated on top of the real format, because public docs describe the stream as SSE: whitespace
//! and newlines between objects, a `data: ` prefix, and other SSE lines (`event: x`, `id: 1`,
//! `retry: 5`, `: comment`), which are skipped. Anything else between objects, and any object
//! that fails to parse, yields one error item; decoding then goes on with the next object.

use std::fmt;

use super::models::ChatChunk;

/// Largest single object kept in memory; anything bigger is skipped and reported.
pub const DEFAULT_MAX_OBJECT_BYTES: usize = 16 * 1024 * 1024;
/// Longest run of stray text between objects that is kept for the error message.
const MAX_JUNK: usize = 1024;
/// How many nested starts inside one malformed object are tried when resynchronising.
const MAX_RESYNC_TRIES: usize = 8;

/// Why part of the stream could not be decoded. Offsets count bytes from the start of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A complete `{...}` that is not a valid chat object.
    Malformed { offset: u64, detail: String },
    /// Text between objects that is neither whitespace nor an SSE line.
    Garbage { offset: u64, preview: String },
    /// An object longer than the decoder's limit; it was skipped.
    TooLarge { offset: u64, limit: usize },
    /// The body ended inside an object.
    Incomplete { offset: u64, len: usize },
}

impl DecodeError {
    /// Byte offset in the body where the offending part starts.
    pub fn offset(&self) -> u64 {
        match self {
            DecodeError::Malformed { offset, .. }
            | DecodeError::Garbage { offset, .. }
            | DecodeError::TooLarge { offset, .. }
            | DecodeError::Incomplete { offset, .. } => *offset,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed { offset, detail } => {
                write!(f, "a malformed object at byte {offset} ({detail})")
            }
            DecodeError::Garbage { offset, preview } => {
                write!(f, "unexpected text {preview:?} at byte {offset}")
            }
            DecodeError::TooLarge { offset, limit } => write!(
                f,
                "an object at byte {offset} larger than the {} MiB limit",
                limit / (1024 * 1024)
            ),
            DecodeError::Incomplete { offset, len } => write!(
                f,
                "an incomplete object at byte {offset} ({len} bytes before the end of the body)"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Between objects, collecting any stray text in `junk`.
    #[default]
    Between,
    /// Inside an SSE field or comment line; everything up to the newline is ignored.
    SkipLine,
    /// Inside an object, keeping its bytes in `obj`.
    Object,
    /// Inside an object that outgrew the limit; scanning it without keeping it.
    Discard,
    /// After a broken object: skipping to the next `{`.
    Resync,
}

/// Brace-depth scanner state that survives between reads.
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escape: bool,
    /// A string just closed; only whitespace, `:`, `,`, `}` or `]` may follow it in JSON.
    after_string: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Continue,
    /// The top-level object closed with this byte.
    Closed,
    /// This byte cannot follow the string that just closed: the object was cut short,
    /// typically by the start of the next one (`..."cut sh{"message": ...`).
    Corrupt,
}

impl Scan {
    fn step(&mut self, b: u8) -> Step {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
                self.after_string = true;
            }
            return Step::Continue;
        }
        if self.after_string {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => return Step::Continue,
                b':' | b',' | b'}' | b']' => self.after_string = false,
                _ => return Step::Corrupt,
            }
        }
        match b {
            b'"' => self.in_string = true,
            b'{' => self.depth += 1,
            b'}' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    return Step::Closed;
                }
            }
            _ => {}
        }
        Step::Continue
    }
}

/// Push-based decoder: feed it whatever each read returned, get back every object completed.
#[derive(Debug)]
pub struct StreamDecoder {
    mode: Mode,
    scan: Scan,
    obj: Vec<u8>,
    obj_start: u64,
    junk: Vec<u8>,
    junk_start: u64,
    /// Bytes consumed so far (offset of the next byte pushed).
    pos: u64,
    max_object: usize,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::with_limit(DEFAULT_MAX_OBJECT_BYTES)
    }
}

impl StreamDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder that refuses objects longer than `max_object` bytes.
    pub fn with_limit(max_object: usize) -> Self {
        StreamDecoder {
            mode: Mode::Between,
            scan: Scan::default(),
            obj: Vec::new(),
            obj_start: 0,
            junk: Vec::new(),
            junk_start: 0,
            pos: 0,
            max_object: max_object.max(2),
        }
    }

    /// Bytes currently held for an unfinished object (bounded by the limit).
    pub fn buffered(&self) -> usize {
        self.obj.len() + self.junk.len()
    }

    /// Decodes what `bytes` completes. Items come in stream order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<ChatChunk, DecodeError>> {
        let mut out = Vec::new();
        for &b in bytes {
            self.byte(b, &mut out);
            self.pos += 1;
        }
        out
    }

    /// Reports what is left at the end of the body: an unfinished object or stray text.
    pub fn finish(&mut self) -> Option<DecodeError> {
        let err = match self.mode {
            Mode::Object | Mode::Discard => Some(DecodeError::Incomplete {
                offset: self.obj_start,
                len: (self.pos - self.obj_start) as usize,
            }),
            Mode::Between => self.junk_error(),
            Mode::SkipLine | Mode::Resync => None,
        };
        self.mode = Mode::Between;
        self.scan = Scan::default();
        self.obj.clear();
        self.junk.clear();
        err
    }

    fn byte(&mut self, b: u8, out: &mut Vec<Result<ChatChunk, DecodeError>>) {
        match self.mode {
            Mode::Between => self.between(b, out),
            Mode::SkipLine => {
                if b == b'\n' || b == b'\r' {
                    self.mode = Mode::Between;
                }
            }
            Mode::Object => {
                self.obj.push(b);
                match self.scan.step(b) {
                    Step::Closed => {
                        decode_object(&self.obj, self.obj_start, out);
                        self.obj.clear();
                        self.mode = Mode::Between;
                    }
                    Step::Corrupt => self.cut_short(out),
                    Step::Continue if self.obj.len() >= self.max_object => {
                        out.push(Err(DecodeError::TooLarge {
                            offset: self.obj_start,
                            limit: self.max_object,
                        }));
                        self.obj = Vec::new();
                        self.mode = Mode::Discard;
                    }
                    Step::Continue => {}
                }
            }
            Mode::Resync => {
                if b == b'{' {
                    self.start_object(b);
                }
            }
            Mode::Discard => match self.scan.step(b) {
                Step::Closed => self.mode = Mode::Between,
                // Give up on finding the end of an object that is both huge and broken.
                Step::Corrupt => self.mode = Mode::Resync,
                Step::Continue => {}
            },
        }
    }

    fn between(&mut self, b: u8, out: &mut Vec<Result<ChatChunk, DecodeError>>) {
        match b {
            b'{' => {
                // A `data:` prefix is fine; any other stray text is reported once.
                if let Some(e) = self.junk_error() {
                    out.push(Err(e));
                }
                self.junk.clear();
                self.start_object(b);
            }
            b'\n' | b'\r' => {
                if let Some(e) = self.junk_error() {
                    out.push(Err(e));
                }
                self.junk.clear();
            }
            b' ' | b'\t' if self.junk.is_empty() => {}
            _ => {
                if self.junk.is_empty() {
                    self.junk_start = self.pos;
                }
                if self.junk.len() < MAX_JUNK {
                    self.junk.push(b);
                }
                if is_sse_field(&self.junk) {
                    self.junk.clear();
                    self.mode = Mode::SkipLine;
                }
            }
        }
    }

    fn start_object(&mut self, b: u8) {
        self.mode = Mode::Object;
        self.scan = Scan::default();
        self.scan.step(b);
        self.obj.clear();
        self.obj.push(b);
        self.obj_start = self.pos;
    }

    /// The current object is broken at its last byte. When the string that just closed began
    /// with `{"`, that brace is really the start of the next object: report the broken prefix
    /// and carry on scanning from there. Otherwise skip to the next `{`.
    fn cut_short(&mut self, out: &mut Vec<Result<ChatChunk, DecodeError>>) {
        let n = self.obj.len();
        let restart = (n >= 3 && self.obj[n - 3] == b'{' && self.obj[n - 2] == b'"').then(|| n - 3);
        let detail = "the object was cut short".to_string();
        match restart {
            Some(at) if at > 0 => {
                out.push(Err(DecodeError::Malformed {
                    offset: self.obj_start,
                    detail,
                }));
                let rest = self.obj.split_off(at);
                self.obj_start += at as u64;
                self.obj = rest;
                self.scan = Scan::default();
                for &c in &self.obj {
                    self.scan.step(c);
                }
            }
            _ => {
                out.push(Err(DecodeError::Malformed {
                    offset: self.obj_start,
                    detail,
                }));
                self.obj.clear();
                self.mode = Mode::Resync;
            }
        }
    }

    /// The error for the stray text collected so far, if it is not an (empty) `data:` line.
    fn junk_error(&self) -> Option<DecodeError> {
        if self.junk.is_empty() || is_data_prefix(&self.junk) {
            return None;
        }
        let text = String::from_utf8_lossy(&self.junk);
        let preview: String = text.trim().chars().take(40).collect();
        Some(DecodeError::Garbage {
            offset: self.junk_start,
            preview,
        })
    }
}

/// `data:` (with optional spaces) directly before an object, or alone on a line.
fn is_data_prefix(junk: &[u8]) -> bool {
    let t = junk.trim_ascii_end();
    t == b"data:"
}

/// An SSE line other than `data:` (which carries objects), or a comment line.
fn is_sse_field(junk: &[u8]) -> bool {
    junk == b":" || junk == b"event:" || junk == b"id:" || junk == b"retry:"
}

/// Parses one complete object. When it fails, an object that starts inside it (the usual
/// shape of a truncated write followed by a good one) is tried before giving up, so one bad
/// object costs one error item and not the objects glued to it.
fn decode_object(obj: &[u8], offset: u64, out: &mut Vec<Result<ChatChunk, DecodeError>>) {
    match serde_json::from_slice::<ChatChunk>(obj) {
        Ok(chunk) => out.push(Ok(chunk)),
        Err(e) => {
            out.push(Err(DecodeError::Malformed {
                offset,
                detail: e.to_string(),
            }));
            let mut tries = 0;
            let mut from = 1;
            while tries < MAX_RESYNC_TRIES {
                let Some(rel) = obj[from..].windows(2).position(|w| w == b"{\"") else {
                    return;
                };
                let start = from + rel;
                tries += 1;
                // Rescan from the inner start; accept only objects that parse.
                let mut scan = Scan::default();
                let mut recovered = Vec::new();
                let mut s = start;
                let mut i = start;
                while i < obj.len() {
                    if scan.step(obj[i]) == Step::Closed {
                        match serde_json::from_slice::<ChatChunk>(&obj[s..=i]) {
                            Ok(c) => recovered.push(c),
                            Err(_) => break,
                        }
                        // Skip to the next object start after this one.
                        match obj[i + 1..].iter().position(|&b| b == b'{') {
                            Some(n) => {
                                s = i + 1 + n;
                                i = s;
                                scan = Scan::default();
                                continue;
                            }
                            None => break,
                        }
                    }
                    i += 1;
                }
                if !recovered.is_empty() {
                    out.extend(recovered.into_iter().map(Ok));
                    return;
                }
                from = start + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Python `json.dumps` style, ASCII-escaped: what the real server writes.
    fn valid_stream() -> Vec<u8> {
        let objs = [
            r#"{"message": "", "citations": [], "tool_calls": [], "thinking": null}"#,
            r#"{"message": "", "citations": [], "tool_calls": [{"call_id": "toolu_01", "event_type": "call", "tool_name": "fetch_file", "tool_response": "Reading file: app/main.py", "tool_call_details": {"summary": "read {braces} \"quoted\""}, "stream_part": null, "is_complete": true, "is_truncated": false, "original_length": null}], "thinking": null}"#,
            r#"{"message": "The auth flow \u00e9\u4e2d \ud83d\ude00", "citations": [], "tool_calls": [], "thinking": null}"#,
            r#"{"message": " starts in `app/auth` {x} \\ \"", "citations": ["app/auth/service.py"], "tool_calls": [], "thinking": null}"#,
            r#"{"message": "\n\n*Model request timeout*\n", "citations": [], "tool_calls": [], "thinking": "because"}"#,
        ];
        objs.concat().into_bytes()
    }

    fn messages(items: &[Result<ChatChunk, DecodeError>]) -> Vec<String> {
        items
            .iter()
            .map(|r| match r {
                Ok(c) => c.message.clone(),
                Err(e) => format!("ERR {e}"),
            })
            .collect()
    }

    fn decode_in_pieces(data: &[u8], cuts: &[usize]) -> Vec<Result<ChatChunk, DecodeError>> {
        let mut d = StreamDecoder::new();
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts {
            let c = c.clamp(last, data.len());
            out.extend(d.push(&data[last..c]));
            last = c;
        }
        out.extend(d.push(&data[last..]));
        assert_eq!(d.finish(), None);
        out
    }

    #[test]
    fn whole_stream_decodes_every_object() {
        let out = decode_in_pieces(&valid_stream(), &[]);
        assert_eq!(
            messages(&out),
            vec![
                "",
                "",
                "The auth flow é中 😀",
                " starts in `app/auth` {x} \\ \"",
                "\n\n*Model request timeout*\n"
            ]
        );
        let c = out[1].as_ref().map_err(|e| e.to_string());
        let c = c.as_ref().map(|c| c.tool_calls[0].tool_name.as_str());
        assert_eq!(c, Ok("fetch_file"));
        assert_eq!(
            out[4].as_ref().ok().and_then(|c| c.thinking.as_deref()),
            Some("because")
        );
    }

    #[test]
    fn split_at_every_byte_offset() {
        let data = valid_stream();
        let expected = messages(&decode_in_pieces(&data, &[]));
        for cut in 0..=data.len() {
            assert_eq!(
                messages(&decode_in_pieces(&data, &[cut])),
                expected,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let data = valid_stream();
        let mut d = StreamDecoder::new();
        let mut out = Vec::new();
        for b in &data {
            out.extend(d.push(std::slice::from_ref(b)));
        }
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|r| r.is_ok()));
    }

    #[test]
    fn random_pieces_decode_the_same() {
        let data = valid_stream();
        let expected = messages(&decode_in_pieces(&data, &[]));
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200 {
            let mut cuts: Vec<usize> = (0..rng.usize(1..20))
                .map(|_| rng.usize(0..=data.len()))
                .collect();
            cuts.sort_unstable();
            assert_eq!(
                messages(&decode_in_pieces(&data, &cuts)),
                expected,
                "cuts {cuts:?}"
            );
        }
    }

    #[test]
    fn sse_framing_and_newlines_are_tolerated() {
        let body = "data: {\"message\": \"a\"}\n\nevent: message\nid: 1\n: keep-alive {not json}\nretry: 10\ndata: {\"message\": \"b\"}\r\n\r\n  {\"message\": \"c\"}\n{\"message\": \"d\"}\ndata:\n";
        let mut d = StreamDecoder::new();
        let out = d.push(body.as_bytes());
        assert_eq!(messages(&out), vec!["a", "b", "c", "d"]);
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn unknown_fields_and_event_types_are_accepted() {
        let body = r#"{"message": "x", "citations": [], "tool_calls": [{"event_type": "brand_new_kind", "extra": {"a": [1, 2]}}, {"raw": "legacy"}], "usage": [{"tokens": 3}], "future": true}"#;
        let out = StreamDecoder::new().push(body.as_bytes());
        let chunk = out[0].as_ref().ok();
        assert_eq!(chunk.map(|c| c.tool_calls.len()), Some(2));
        assert_eq!(
            chunk.map(|c| c.tool_calls[0].event_type.as_str()),
            Some("brand_new_kind")
        );
        assert_eq!(chunk.and_then(|c| c.thinking.clone()), None);
    }

    #[test]
    fn malformed_object_mid_stream_yields_one_error_then_recovers() {
        let body = concat!(
            r#"{"message": "one"}"#,
            r#"{"message": "broken", "citations": [}"#,
            r#"{"message": "two"}"#,
            "garbage here",
            r#"{"message": "three"}"#,
            r#"{"message": 5}"#,
            r#"{"message": "four"}"#,
        );
        let out = StreamDecoder::new().push(body.as_bytes());
        let m = messages(&out);
        assert_eq!(m.len(), 7, "{m:?}");
        assert_eq!(m[0], "one");
        assert!(
            m[1].starts_with("ERR a malformed object at byte 18"),
            "{}",
            m[1]
        );
        assert_eq!(m[2], "two");
        assert!(
            m[3].contains("unexpected text \"garbage here\""),
            "{}",
            m[3]
        );
        assert_eq!(m[4], "three");
        assert!(m[5].starts_with("ERR a malformed object"), "{}", m[5]);
        assert_eq!(m[6], "four");
    }

    #[test]
    fn truncated_object_glued_to_a_good_one_loses_only_itself() {
        let body = concat!(
            r#"{"message": "cut sh{"message": "next", "citations": []}"#,
            r#"{"message": "after"}"#
        );
        let out = StreamDecoder::new().push(body.as_bytes());
        let m = messages(&out);
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].starts_with("ERR"));
        assert_eq!(&m[1..], ["next", "after"]);
    }

    #[test]
    fn non_ascii_raw_utf8_split_inside_a_character() {
        let body = "{\"message\": \"héllo 😀\"}".as_bytes().to_vec();
        let emoji = body.iter().position(|&b| b == 0xF0).unwrap_or(0);
        let out = decode_in_pieces(&body, &[emoji + 1, emoji + 2, emoji + 3]);
        assert_eq!(messages(&out), vec!["héllo 😀"]);
    }

    #[test]
    fn oversized_object_is_skipped_with_bounded_memory() {
        let mut d = StreamDecoder::with_limit(1024);
        let big = format!("{{\"message\": \"{}\"}}", "x".repeat(10_000));
        let mut out = Vec::new();
        for piece in big.as_bytes().chunks(100) {
            out.extend(d.push(piece));
            assert!(d.buffered() <= 1024);
        }
        out.extend(d.push(br#"{"message": "ok"}"#));
        let m = messages(&out);
        assert_eq!(m.len(), 2);
        assert!(m[0].contains("larger than"), "{}", m[0]);
        assert_eq!(m[1], "ok");
    }

    #[test]
    fn finish_reports_incomplete_object_and_trailing_garbage() {
        let mut d = StreamDecoder::new();
        assert!(d.push(br#"{"message": "a"}{"message": "unfin"#).len() == 1);
        assert!(matches!(
            d.finish(),
            Some(DecodeError::Incomplete { offset: 16, .. })
        ));
        let mut d = StreamDecoder::new();
        d.push(br#"{"message": "a"} trailing"#);
        assert!(matches!(d.finish(), Some(DecodeError::Garbage { .. })));
        let mut d = StreamDecoder::new();
        d.push(b"{\"message\": \"a\"}\n  \n");
        assert_eq!(d.finish(), None);
    }

    proptest! {
        #[test]
        fn any_split_decodes_to_the_same_objects(cuts in proptest::collection::vec(0usize..2000, 0..40)) {
            let data = valid_stream();
            let expected = messages(&decode_in_pieces(&data, &[]));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
            cuts.sort_unstable();
            prop_assert_eq!(messages(&decode_in_pieces(&data, &cuts)), expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_stay_bounded(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let mut d = StreamDecoder::with_limit(256);
            for piece in data.chunks(37) {
                let _ = d.push(piece);
                prop_assert!(d.buffered() <= 256 + MAX_JUNK);
            }
            let _ = d.finish();
        }
    }
}
