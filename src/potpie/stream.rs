//! STUB: replaced by the potpie-client work.
use super::models::ChatChunk;

#[derive(Debug, Default)]
pub struct StreamDecoder {}

impl StreamDecoder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, _bytes: &[u8]) -> Vec<Result<ChatChunk, String>> {
        Vec::new()
    }
}
