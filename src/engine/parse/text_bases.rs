//! The bases a class names on its header line, in the languages read without a grammar
//! (`Lang::Text`): `class RotatingFileHandler extends StreamHandler` (PHP, Groovy, Dart,
//! Scala), `class Cart : Base, IDisposable` (C#, Kotlin, Swift, Objective-C),
//! `class Files < Base` (Ruby), `contract ERC20 is Context, IERC20` (Solidity). They become
//! base references, as the grammar languages' do: a method without a doc is then described
//! by the one it overrides (`Index::overridden`), and the graph links a class to its bases.

use super::text::group_end;
use super::{CallOn, Collected, RawRef, RefKind};

/// Words between a class's name and its bases, or between bases, that name none.
const BETWEEN_BASES: &[&str] = &[
    "extends",
    "implements",
    "with",
    "is",
    "public",
    "private",
    "protected",
    "internal",
    "virtual",
    "open",
    "sealed",
    "abstract",
];

/// Words after which no more bases are named: C#'s constraints (`where T : class`), Kotlin's
/// delegation (`by inner`), Ruby's and Elixir's block (`do`).
const AFTER_BASES: &[&str] = &["where", "by", "do", "permits"];

/// Pushes a base reference for each base the header line `line` (starting at byte `at` of the
/// file) names after the class's name, which ends at byte `name_end` of the line.
pub(super) fn push_bases(line: &str, at: usize, name_end: usize, col: &mut Collected) {
    let Some(mut rest) = line.get(name_end..) else {
        return;
    };
    let mut offset = name_end;
    // Type parameters (`Box<T>`, `List[A]`) and a primary constructor (`Box(val v: T)`).
    for (open, close) in [('<', '>'), ('[', ']'), ('(', ')')] {
        if rest.starts_with(open)
            && let Some(len) = group_end(rest, open, close)
        {
            rest = &rest[len..];
            offset += len;
        }
    }
    let trimmed = rest.trim_start();
    offset += rest.len() - trimmed.len();
    let opener = ["extends ", "implements ", "is ", ": ", ":", "< "]
        .iter()
        .find(|o| trimmed.starts_with(**o) && !trimmed.starts_with("::"));
    let Some(opener) = opener else {
        return;
    };
    let start = offset + opener.len();
    for (s, e) in base_names(&line[start..]) {
        col.refs.push(RawRef {
            start: at + start + s,
            end: at + start + e,
            kind: RefKind::Inherit,
            bang: false,
            on: CallOn::Scope,
        });
    }
}

/// The byte ranges of the last segments of the names in a list of bases (`Base<T>, Ns.IFoo,
/// \Monolog\Handler {` → `Base`, `IFoo`, `Handler`); type arguments and constructor
/// arguments are passed over.
fn base_names(list: &str) -> Vec<(usize, usize)> {
    let b = list.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' || c == b'\\' {
            // A qualified name: its segments, joined by `.`, `::` or `\`.
            let mut seg = i;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    c if c.is_ascii_alphanumeric() || c == b'_' => j += 1,
                    b'.' | b'\\' => {
                        j += 1;
                        seg = j;
                    }
                    b':' if b.get(j + 1) == Some(&b':') => {
                        j += 2;
                        seg = j;
                    }
                    _ => break,
                }
            }
            let word = &list[i..j];
            if AFTER_BASES.contains(&word) {
                break;
            }
            if !BETWEEN_BASES.contains(&word) && seg < j {
                out.push((seg, j));
            }
            i = j;
            continue;
        }
        let skip = match c {
            b'<' => group_end(&list[i..], '<', '>'),
            b'(' => group_end(&list[i..], '(', ')'),
            b'[' => group_end(&list[i..], '[', ']'),
            b'{' | b';' | b'=' => break,
            _ => None,
        };
        i += skip.unwrap_or(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The bases `line` names after the class name that ends at `name_end`.
    fn bases(line: &str, name: &str) -> Vec<String> {
        let name_end = line.find(name).expect("name") + name.len();
        let mut col = Collected::default();
        push_bases(line, 100, name_end, &mut col);
        col.refs
            .iter()
            .map(|r| {
                assert_eq!(r.kind, RefKind::Inherit);
                line[r.start - 100..r.end - 100].to_string()
            })
            .collect()
    }

    #[test]
    fn the_bases_a_header_names_in_each_style() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "class RotatingFileHandler extends StreamHandler",
                "RotatingFileHandler",
                &["StreamHandler"],
            ),
            (
                "final class Logger extends \\Monolog\\Base implements LoggerInterface, ResettableInterface {",
                "Logger",
                &["Base", "LoggerInterface", "ResettableInterface"],
            ),
            (
                "public class Cart<T> : Base<T>, IDisposable where T : class",
                "Cart",
                &["Base", "IDisposable"],
            ),
            (
                "internal class Box<T>(val v: T) : Holder(v), Comparable<Box<T>> by inner {",
                "Box",
                &["Holder", "Comparable"],
            ),
            (
                "class Bridge: NSObject, WKScriptMessageHandler {",
                "Bridge",
                &["NSObject", "WKScriptMessageHandler"],
            ),
            (
                "class TreeMap[A, +B](tree: Tree[A, B]) extends AbstractMap[A, B] with SortedMap[A, B] {",
                "TreeMap",
                &["AbstractMap", "SortedMap"],
            ),
            ("class Files < Rack::Base", "Files", &["Base"]),
            (
                "contract ERC20 is Context, IERC20, IERC20Metadata {",
                "ERC20",
                &["Context", "IERC20", "IERC20Metadata"],
            ),
            (
                "@interface CAPBridge : NSObject <WKNavigationDelegate>",
                "CAPBridge",
                &["NSObject"],
            ),
            ("class Store {", "Store", &[]),
            ("class Rack::Files", "Files", &[]),
            ("object Cache {", "Cache", &[]),
            ("data class Point(val x: Int)", "Point", &[]),
        ];
        for (line, name, want) in cases {
            assert_eq!(bases(line, name), *want, "{line}");
        }
    }

    /// Header lines made of the pieces headers are written with, and some that are not.
    fn headerish() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "class",
                "Foo",
                " ",
                ":",
                "::",
                "<",
                ">",
                "(",
                ")",
                "[",
                "]",
                "{",
                ",",
                "extends",
                "implements",
                "with",
                "where",
                "\\",
                ".",
                "é",
                "=",
                ";",
                "T",
            ]),
            0..16,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the line, every base read is a name within it, on character boundaries.
        #[test]
        fn a_base_is_always_a_name_in_its_line(line in headerish(), name_end in 0usize..40) {
            let mut col = Collected::default();
            push_bases(&line, 7, name_end, &mut col);
            for r in &col.refs {
                let name = line.get(r.start - 7..r.end - 7);
                prop_assert!(
                    name.is_some_and(|n| !n.is_empty()
                        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')),
                    "{line:?} {:?}", (r.start, r.end)
                );
            }
        }
    }
}
