//! Conversions between editor-neutral values and LSP types (UTF-16 positions).

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

use crate::model::SourceLocation;

pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

pub fn path_to_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// Length of a line in UTF-16 code units (the default LSP position encoding).
pub fn utf16_len(line: &str) -> u32 {
    line.encode_utf16().count() as u32
}

/// Byte offset in `line` of a UTF-16 column (clamped to the line).
pub fn utf16_col_to_byte(line: &str, col: u32) -> usize {
    let mut units = 0u32;
    for (i, ch) in line.char_indices() {
        if units >= col {
            return i;
        }
        units += ch.len_utf16() as u32;
    }
    line.len()
}

/// The text a range covers (positions clamped to the document).
pub fn slice(text: &str, range: &Range) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let offset = |p: &Position| -> usize {
        let mut off = 0;
        for (i, l) in lines.iter().enumerate() {
            if i as u32 == p.line {
                let content = l.trim_end_matches(['\n', '\r']);
                return off + utf16_col_to_byte(content, p.character);
            }
            off += l.len();
        }
        text.len()
    };
    let (a, b) = (offset(&range.start), offset(&range.end));
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    text.get(a..b).unwrap_or_default().to_string()
}

/// A cited line range as an LSP range covering the whole lines.
pub fn lines_range(file_text: Option<&str>, start_line: u32, end_line: u32) -> Range {
    let end_col = file_text
        .and_then(|t| t.lines().nth(end_line.saturating_sub(1) as usize))
        .map(utf16_len)
        .unwrap_or(0);
    Range::new(
        Position::new(start_line.saturating_sub(1), 0),
        Position::new(end_line.saturating_sub(1), end_col),
    )
}

pub fn location(loc: &SourceLocation, file_text: Option<&str>) -> Option<Location> {
    Some(Location::new(
        path_to_uri(&loc.path)?,
        lines_range(file_text, loc.start_line, loc.end_line),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slicing_counts_utf16_units() {
        let text = "let é = 1;\nlet 😀x = 2;\n";
        let r = Range::new(Position::new(1, 4), Position::new(1, 7));
        assert_eq!(slice(text, &r), "😀x");
        let r = Range::new(Position::new(0, 0), Position::new(5, 0));
        assert_eq!(slice(text, &r), text);
    }

    #[test]
    fn whole_line_ranges() {
        let r = lines_range(Some("a\nbcd\n"), 1, 2);
        assert_eq!(r, Range::new(Position::new(0, 0), Position::new(1, 3)));
    }
}
