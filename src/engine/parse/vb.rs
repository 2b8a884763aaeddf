//! Visual Basic's definitions, read from their lines for `text.rs`: a keyword after any
//! modifiers, in any case (`Public Function TotalWithTax(rate As Decimal) As Decimal`,
//! `Public Class Invoice`, `Sub New()`), closed by its `End Function` or `End Class`; and
//! the `'''` or `'` comment lines above one, its doc.

use crate::engine::parse::Kind;

const MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "friend",
    "shared",
    "static",
    "overrides",
    "overridable",
    "notoverridable",
    "mustoverride",
    "overloads",
    "shadows",
    "readonly",
    "writeonly",
    "async",
    "iterator",
    "partial",
    "mustinherit",
    "notinheritable",
    "default",
    "widening",
    "narrowing",
];

/// What the line `t` opens, by its keyword, and its name; `next` gives the next line with
/// text, which says whether a property runs code (`Get` below it) or only holds a value.
pub(super) fn header<'a, 'n>(
    language: &str,
    t: &'a str,
    next: impl FnOnce() -> &'n str,
) -> Option<(Kind, &'a str)> {
    if language != "visual-basic" {
        return None;
    }
    let mut words = t.split_whitespace();
    let mut word = words.next()?;
    while MODIFIERS.iter().any(|m| word.eq_ignore_ascii_case(m)) {
        word = words.next()?;
    }
    let kind = match word.to_ascii_lowercase().as_str() {
        "function" | "sub" | "operator" => Kind::Function,
        "property" => {
            let accessor = next().split_whitespace().next().unwrap_or("");
            let runs_code = ["get", "set"]
                .iter()
                .any(|a| accessor.eq_ignore_ascii_case(a));
            if !runs_code {
                return None;
            }
            Kind::Function
        }
        "class" | "structure" | "enum" => Kind::Class,
        "interface" => Kind::Interface,
        "module" => Kind::Module,
        _ => return None,
    };
    let rest = words.next()?;
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    (!name.is_empty()).then_some((kind, name))
}

/// Whether the line closes a Visual Basic block at its header's indent: `End Function`,
/// `End Class`, `End Property`.
pub(super) fn closes_block(t: &str) -> bool {
    t.strip_prefix("End ").is_some_and(|what| {
        matches!(
            what,
            "Function"
                | "Sub"
                | "Operator"
                | "Property"
                | "Class"
                | "Structure"
                | "Enum"
                | "Interface"
                | "Module"
        )
    })
}

/// The bytes of the `'` comment lines right above the line starting at `line_start`.
pub(super) fn doc_above(text: &str, line_start: usize) -> Option<(usize, usize)> {
    let mut first = None;
    let mut end = None;
    let mut cursor = line_start;
    while cursor > 0 {
        let line_end = cursor - 1;
        let start = text[..line_end].rfind('\n').map_or(0, |i| i + 1);
        if !text[start..line_end].trim_start().starts_with('\'') {
            break;
        }
        first = Some(start);
        end.get_or_insert(line_end);
        cursor = start;
    }
    Some((first?, end?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse::text::tests::defs_with_docs as defs;

    #[test]
    fn a_class_its_methods_and_their_comments() {
        let vb = "Imports System\n\n''' <summary>\n''' An invoice with its lines.\n''' </summary>\nPublic Class Invoice\n    Private _lines As New List(Of Line)\n    Public Property Number As String\n\n    ''' <summary>\n    ''' Adds up every line's amount and applies the tax rate.\n    ''' </summary>\n    Public Function TotalWithTax(rate As Decimal) As Decimal\n        Dim sum As Decimal = 0\n        For Each l In _lines\n            sum += l.Amount\n        Next\n        Return sum * (1 + rate)\n    End Function\n\n    ' Removes every line.\n    '\n    Public Sub Clear()\n        _lines.Clear()\n    End Sub\nEnd Class\n";
        assert_eq!(
            defs(vb, "visual-basic"),
            [
                (
                    "Invoice".to_string(),
                    Kind::Class,
                    6,
                    26,
                    "An invoice with its lines.".to_string()
                ),
                (
                    "Invoice.TotalWithTax".to_string(),
                    Kind::Method,
                    13,
                    19,
                    "Adds up every line's amount and applies the tax rate.".to_string()
                ),
                (
                    "Invoice.Clear".to_string(),
                    Kind::Method,
                    23,
                    25,
                    "Removes every line.".to_string()
                ),
            ]
        );
    }

    #[test]
    fn keywords_in_any_case_after_modifiers() {
        let h = |t: &'static str| header("visual-basic", t, || "");
        assert_eq!(
            h("Public Function TotalWithTax(rate As Decimal) As Decimal"),
            Some((Kind::Function, "TotalWithTax"))
        );
        assert_eq!(
            h("Private Shared Sub Clear()"),
            Some((Kind::Function, "Clear"))
        );
        assert_eq!(
            h("Public NotInheritable Class Invoice"),
            Some((Kind::Class, "Invoice"))
        );
        assert_eq!(h("module Helpers"), Some((Kind::Module, "Helpers")));
        assert_eq!(h("End Function"), None);
        assert_eq!(h("Exit Sub"), None);
        assert_eq!(h("Dim total As Decimal = 0"), None);
        // A property runs code when an accessor follows it; otherwise it is a field.
        assert_eq!(h("Public Property Name As String"), None);
        assert_eq!(
            header(
                "visual-basic",
                "Public ReadOnly Property Total As Decimal",
                || "Get"
            ),
            Some((Kind::Function, "Total"))
        );
        assert_eq!(header("csharp", "Public Class Invoice", || ""), None);
        assert!(closes_block("End Sub") && closes_block("End Class"));
        assert!(!closes_block("End If") && !closes_block("End"));
    }
}
