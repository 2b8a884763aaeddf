//! Every integration test, as one binary: each module used to be a binary of its own, and
//! each of those linked the eight C grammars and rustls again.

mod support;

mod binary;
mod citations_links;
mod contract;
mod helix_config;
mod hostile_workspace;
mod lsp_local;
mod lsp_potpie;
mod potpie_client;
mod potpie_fidelity;
mod reliability_faults;
mod reliability_fuzz_regressions;
mod reliability_hostile;
mod reliability_input;
mod reliability_load;
mod reliability_secrets;
mod reliability_shutdown;
mod threads;
mod tls;
