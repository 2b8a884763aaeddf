#![allow(dead_code)]
pub mod lsp_client;
