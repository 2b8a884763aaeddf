//! Rust's parse: comments and item-macro delimiters left out of the parser's included ranges
//! (see `rust_scan`), repeated with less left out when the tree has errors, and items in macro
//! bodies that still read as token trees parsed again in place.

use tree_sitter::{Node, Parser, Point, Range, Tree};

use super::{Collected, ancestors_of, collect, containers_of, node_text, push_ref};
use crate::engine::lang::{Lang, LangPatterns};
use crate::engine::rust_scan;

/// A Rust file parsed without its comments and with its item macros' bodies read as items in
/// place (see `rust_scan`). When the tree has errors, the parse is repeated incrementally (only
/// the changed ranges are re-read) with less left out: first without the macros whose bodies
/// hold the errors (the parse-again pass then reads those bodies on their own, as before), then
/// with the comments back in; errors that remain are the file's own. The macros' own names
/// become references, as the patterns make them for other invocations.
pub(super) fn parse_rust(parser: &mut Parser, text: &str, col: &mut Collected) -> Option<Tree> {
    let rust_scan::Scan {
        mut macros,
        mut comments,
    } = rust_scan::scan(text);
    let mut old: Option<Tree> = None;
    while !(macros.is_empty() && comments.is_empty()) {
        let ranges = rust_scan::included_ranges(text, &macros, &comments);
        if parser.set_included_ranges(&ranges).is_err() {
            break;
        }
        let tree = parser.parse(text, old.as_ref())?;
        let failed = failed_macros(&tree, &macros);
        if !failed.is_empty() {
            let mut i = 0;
            macros.retain(|_| {
                i += 1;
                !failed.contains(&(i - 1))
            });
        } else if tree.root_node().has_error() && !comments.is_empty() {
            comments.clear();
        } else {
            for m in &macros {
                push_ref("ref.macro", m.name, col);
            }
            return Some(tree);
        }
        old = Some(tree);
    }
    parser.set_included_ranges(&[]).ok()?;
    parser.parse(text, old.as_ref())
}

/// Indexes of the macros whose bodies hold a syntax error: each error node counts against the
/// innermost macro it overlaps (one that spills past a body still counts). Errors outside
/// every macro are the file's own.
fn failed_macros(tree: &Tree, macros: &[rust_scan::ItemMacro]) -> Vec<usize> {
    let mut failed = Vec::new();
    if !tree.root_node().has_error() {
        return failed;
    }
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let (s, e) = (n.start_byte(), n.end_byte());
            let innermost = macros
                .iter()
                .enumerate()
                .filter(|(_, m)| m.name.0 < e.max(s + 1) && s <= m.close)
                .max_by_key(|(_, m)| m.name.0);
            if let Some((i, _)) = innermost
                && !failed.contains(&i)
            {
                failed.push(i);
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c).filter(|c| c.has_error()));
    }
    failed
}

/// Rust items hidden in macro invocations (`cfg_rt! { … }`, `doc! { macro_rules! … }`) are token
/// trees to the grammar; parse their insides again as items, in place.
pub(super) fn rust_macro_items(
    parser: &mut Parser,
    tree: &Tree,
    patterns: &LangPatterns,
    text: &str,
    rel: &str,
    col: &mut Collected,
    depth: u32,
) {
    if depth > 3 {
        return;
    }
    let mut stack = vec![tree.root_node()];
    let mut found: Vec<(Range, Vec<String>)> = Vec::new();
    while let Some(n) = stack.pop() {
        let mut c = n.walk();
        for child in n.named_children(&mut c) {
            match child.kind() {
                "macro_invocation" => {
                    let Some(tt) = (0..child.named_child_count())
                        .filter_map(|i| child.named_child(i as u32))
                        .find(|c| c.kind() == "token_tree")
                    else {
                        continue;
                    };
                    if !rust_scan::looks_like_items(node_text(tt, text))
                        || tt.end_byte() < tt.start_byte() + 2
                    {
                        continue;
                    }
                    let sp = tt.start_position();
                    let ep = tt.end_position();
                    let r = Range {
                        start_byte: tt.start_byte() + 1,
                        end_byte: tt.end_byte() - 1,
                        start_point: Point {
                            row: sp.row,
                            column: sp.column + 1,
                        },
                        end_point: Point {
                            row: ep.row,
                            column: ep.column.saturating_sub(1),
                        },
                    };
                    found.push((r, containers_of(Lang::Rust, &ancestors_of(child), text)));
                }
                "declaration_list" | "impl_item" | "mod_item" | "trait_item" => stack.push(child),
                _ => {}
            }
        }
    }
    for (r, outer) in found {
        if parser.set_included_ranges(&[r]).is_err() {
            continue;
        }
        if let Some(sub) = parser.parse(text, None) {
            collect(&sub, patterns, Lang::Rust, text, rel, &outer, col);
            rust_macro_items(parser, &sub, patterns, text, rel, col, depth + 1);
        }
    }
}

/// The trait of the innermost `impl Trait for Type` block among `ancestors`, by its last name.
pub(super) fn implemented_trait(ancestors: &[Node], text: &str) -> Option<String> {
    let block = ancestors.iter().rev().find(|a| a.kind() == "impl_item")?;
    let t = block.child_by_field_name("trait")?;
    Some(rust_type_name(node_text(t, text)))
}

/// `Foo<T>` / `crate::a::Foo<'a>` / `&mut Foo` / `&'a Foo` → `Foo`.
pub(super) fn rust_type_name(t: &str) -> String {
    let t = without_reference(t);
    let t = t.split('<').next().unwrap_or(t);
    let t = t.rsplit("::").next().unwrap_or(t);
    t.trim().to_string()
}

/// `&'a mut Foo` → `Foo`: a reference's `&`, lifetime and `mut`.
fn without_reference(t: &str) -> &str {
    let Some(t) = t.trim_start().strip_prefix('&') else {
        return t.trim_start();
    };
    let t = t.trim_start();
    let t = match t.strip_prefix('\'') {
        Some(lifetime) => lifetime.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'),
        None => t,
    };
    let t = t.trim_start();
    t.strip_prefix("mut ").unwrap_or(t).trim_start()
}

/// Types that only hold or point at the type an `impl` block is really about.
const WRAPPERS: [&str; 4] = ["Arc", "Rc", "Box", "Pin"];

/// The type an `impl` block (its `type`, and its `<…>` parameters) is for, by its last name, seen
/// through what only wraps it: `impl Schedule for Arc<Handle>` gives `Handle` and `impl dyn Io +
/// Send` gives `Io`, as a reader says "Handle's schedule", where the bare name said `Arc` (and
/// `Arc::schedule` reads as Arc's own method). A wrapper of one of the block's own parameters
/// (`impl<T> Future for Box<T>`) or of a primitive (`Box<str>`) stays the wrapper's.
pub(super) fn impl_type_name(ty: &str, generics: &str) -> String {
    let ty = without_reference(ty);
    let ty = match ty.strip_prefix("dyn ") {
        Some(object) => object.split('+').next().unwrap_or(object),
        None => ty,
    };
    if let Some((outer, rest)) = ty.split_once('<') {
        let wrapper = rust_type_name(outer);
        if WRAPPERS.contains(&wrapper.as_str()) {
            let inner = impl_type_name(rest.trim_end().strip_suffix('>').unwrap_or(rest), generics);
            let concrete = inner.starts_with(|c: char| c.is_ascii_uppercase())
                && !type_parameters(generics).any(|p| p == inner);
            return if concrete { inner } else { wrapper };
        }
    }
    rust_type_name(ty)
}

/// The type parameters' names of `<'a, T: Into<U>, const N: usize>`: `T`, `U`, `N` (a bound's
/// names may come along; they only make a wrapper keep its own name).
fn type_parameters(generics: &str) -> impl Iterator<Item = &str> {
    generics
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .filter(|w| !w.is_empty() && !w.starts_with('\'') && w != &"const")
}

#[cfg(test)]
mod tests {
    use super::{impl_type_name, rust_type_name};

    #[test]
    fn an_impl_is_named_for_the_type_it_is_about() {
        for (ty, generics, name) in [
            ("Arc<Handle>", "", "Handle"),
            ("Arc<scheduler::Handle>", "", "Handle"),
            ("dyn Io + Send", "", "Io"),
            ("dyn Sleep", "", "Sleep"),
            ("Pin<Box<dyn Future<Output = ()> + Send>>", "", "Future"),
            ("&'a mut Synced", "<'a>", "Synced"),
            ("&'a Handle", "<'a>", "Handle"),
            ("&mut Buf", "", "Buf"),
            ("Box<T>", "<T: ?Sized + Future>", "Box"),
            ("Box<str>", "", "Box"),
            ("Arc<Mutex<T>>", "<T>", "Mutex"),
            ("Vec<u8>", "", "Vec"),
            ("crate::io::Foo<'a, T>", "<'a, T>", "Foo"),
            ("(IpAddr, u16)", "", "(IpAddr, u16)"),
        ] {
            assert_eq!(impl_type_name(ty, generics), name, "{ty}");
        }
        assert_eq!(rust_type_name("&'static str"), "str");
    }
}
