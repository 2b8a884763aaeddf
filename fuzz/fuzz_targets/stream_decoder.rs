//! The streamed-answer decoder: any bytes, split anywhere, never panic, never hold more than
//! its limit, and decode the same way however the bytes are split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use potpie_lsp::potpie::StreamDecoder;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // First byte: chunk size; second: object limit (small limits exercise the discard path).
    let chunk = usize::from(data[0]).max(1);
    let limit = 2 + usize::from(data[1]) * 16;
    let body = &data[2..];

    let mut whole = StreamDecoder::with_limit(limit);
    let mut expected: Vec<String> = whole.push(body).iter().map(|r| format!("{r:?}")).collect();
    expected.extend(whole.finish().map(|e| format!("{:?}", Err::<(), _>(e))));

    let mut split = StreamDecoder::with_limit(limit);
    let mut got: Vec<String> = Vec::new();
    for piece in body.chunks(chunk) {
        got.extend(split.push(piece).iter().map(|r| format!("{r:?}")));
        // An unfinished object is bounded by the limit; stray text between objects by the
        // decoder's own 1 KiB cap (kept only to quote it in an error).
        assert!(
            split.buffered() <= limit + 1024 + 8,
            "buffered {} > limit {limit} + 1 KiB",
            split.buffered()
        );
    }
    got.extend(split.finish().map(|e| format!("{:?}", Err::<(), _>(e))));
    assert_eq!(expected, got, "split at {chunk} decodes differently");
});
