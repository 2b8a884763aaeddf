//! STUB: replaced by the potpie-client work.
#[derive(Debug, thiserror::Error)]
pub enum PotpieError {
    #[error("{0}")]
    Other(String),
}
