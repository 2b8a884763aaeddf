/work/main/target/debug/deps/utf_types-0dfe6442eeaa41b4.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf16.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf8.rs

/work/main/target/debug/deps/libutf_types-0dfe6442eeaa41b4.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf16.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf8.rs

/work/main/target/debug/deps/libutf_types-0dfe6442eeaa41b4.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf16.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf8.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf16.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/utf_types-1.0.0/src/utf8.rs:
