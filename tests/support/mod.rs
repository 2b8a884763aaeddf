#![allow(dead_code)]
pub mod fake_potpie;
pub mod lsp_client;
