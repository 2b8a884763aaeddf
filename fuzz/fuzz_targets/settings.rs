//! Settings parsing over arbitrary JSON: never panic, always resolve, and never print a key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use potpie_lsp::config::{Env, Settings, WireSettings};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for (wire, _warnings) in [
        WireSettings::from_json(&value),
        WireSettings::from_any(&value),
    ] {
        let settings = Settings::resolve(&wire, &Env::default());
        let _ = settings.effective_backend();
        let _ = settings.index_dir();
        if let Some(key) = &wire.api_key {
            assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
            assert_eq!(format!("{key}"), "<redacted>");
        }
        if let Some(llm) = &wire.llm {
            let shown = format!("{llm:?}");
            if let Some(k) = &llm.api_key {
                // The key may equal some other field's text; only its own slot must hide it.
                assert!(shown.contains("api_key: Some(\"<redacted>\")"), "{shown}");
                let _ = k;
            }
        }
    }
});
