//! potpie-lsp: ask Potpie's agents, or an embedded offline engine, about the open workspace.
//!
//! See ARCHITECTURE.md for the code map and its invariants.

pub mod agents;
pub mod answers;
pub mod backend;
pub mod blocking;
pub mod citations;
pub mod cli;
pub mod config;
pub mod engine;
pub mod keywords;
pub mod logging;
pub mod lsp;
pub mod model;
pub mod potpie;
pub mod sync;
pub mod workspace;
