//! Remote-URL parsing: any string, never panic; a result is `owner/repo` shaped and carries
//! no credentials.
#![no_main]

use libfuzzer_sys::fuzz_target;
use potpie_lsp::workspace::parse_remote_url;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Some(name) = parse_remote_url(&s) {
        assert!(name.contains('/'), "{s:?} -> {name:?}");
        assert!(
            !name.starts_with('/') && !name.ends_with('/'),
            "{s:?} -> {name:?}"
        );
        assert!(!name.chars().any(char::is_control), "{s:?} -> {name:?}");
    }
});
