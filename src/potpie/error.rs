//! STUB: replaced by the potpie-client work.
#[derive(Debug, thiserror::Error)]
pub enum PotpieError {
    #[error("{0}")]
    Other(String),
    #[error("not found: {detail}")]
    NotFound { detail: String },
}
impl PotpieError {
    pub fn is_decode(&self) -> bool {
        false
    }
}
