//! The references the grammar languages' patterns capture: a call, a type, a base class or
//! a macro, by its name's bytes, and a call with the type it is made on when the code names
//! one (`Semaphore::new()`), which the graph uses to choose among definitions of the name.

use tree_sitter::Node;

use super::{Collected, RawRef, RefKind, byte_range};
use crate::engine::lang::Lang;

/// What a call is made on, as far as the code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallOn {
    /// Nothing the graph can use: the scopes decide (`foo()` in Java, `obj.f()` in Python).
    Scope,
    /// The type or module the code names, or the caller's own (`self`, `this`), at these
    /// bytes: `Utils` of `Rack::Utils.escape(…)`.
    Named(usize, usize),
    /// A value whose type the code does not say (`inner.lock()`): which definition of the
    /// name it means is a guess.
    Value,
    /// A function's name alone where that never means a method (`drop(x)` in Rust).
    Bare,
}

/// The reference an `@inherit` or `@ref.*` capture of the name `node` makes, a call with
/// what it is made on.
pub(super) fn push_node_ref(cname: &str, node: Node, lang: Lang, text: &str, col: &mut Collected) {
    push_ref(cname, byte_range(node), col);
    if cname == "ref.call"
        && let Some(r) = col.refs.last_mut()
    {
        r.on = call_on(node, lang, text);
    }
}

/// What the call named by `name` is made on:
/// - the type or module the code names, `Named`: `Builder` of `runtime::Builder::new()`,
///   `Validate.notNull(…)`, `YAML::Load(…)`; or the caller's own (`self`, `this`, `Self`, `cls`);
/// - a value, in Rust, C, C++ and Java, where a module or package is never called through a
///   `.` or `->` (`inner.lock()`, `p->next()`, `list.get(i)`; Python's `os.path.join()`, Go's
///   `http.Get()` and a JavaScript namespace's `utils.merge()` are);
/// - nothing but the name, `Bare`, in Rust, Python, JavaScript, TypeScript and Go, where that
///   never means a method (`drop(x)`); Java and C++ call their own class's methods so;
/// - else `Scope` (a lowercase module path, `mem::take()`): only scope can tell.
///
/// The node's parent is looked up once: tree-sitter finds it by walking down from the root.
fn call_on(name: Node, lang: Lang, text: &str) -> CallOn {
    let Some(parent) = name.parent() else {
        return CallOn::Scope;
    };
    let field = match parent.kind() {
        "scoped_identifier" => "path",
        "qualified_identifier" => "scope",
        "method_invocation" | "attribute" | "member_expression" => "object",
        "field_expression" if parent.child_by_field_name("value").is_some() => "value",
        "field_expression" => "argument",
        "call_expression" | "call" | "generic_function" if lang.calls_methods_on_objects_only() => {
            let alone = parent
                .child_by_field_name("function")
                .is_some_and(|f| f.id() == name.id());
            return if alone { CallOn::Bare } else { CallOn::Scope };
        }
        _ => return CallOn::Scope,
    };
    let Some(receiver) = parent
        .child_by_field_name(field)
        .filter(|q| q.id() != name.id())
    else {
        return CallOn::Scope;
    };
    match named_type(receiver, text) {
        Some(at) => CallOn::Named(at.0, at.1),
        None if matches!(parent.kind(), "field_expression" | "method_invocation") => CallOn::Value,
        None => CallOn::Scope,
    }
}

/// The bytes of the type or module `receiver` names, its last segment (`runtime::Builder`,
/// `a.b.Utils`, a generic's type), when that is a capitalised name or the caller's own.
fn named_type(receiver: Node, text: &str) -> Option<(usize, usize)> {
    let mut q = receiver;
    for _ in 0..2 {
        let last = match q.kind() {
            "scoped_identifier" | "scoped_type_identifier" | "template_type" => "name",
            "generic_type" => "type",
            "field_access" => "field",
            "attribute" => "attribute",
            "member_expression" => "property",
            _ => break,
        };
        q = q.child_by_field_name(last)?;
    }
    let qualifier = text.get(q.start_byte()..q.end_byte())?;
    let named = qualifier.starts_with(|c: char| c.is_ascii_uppercase())
        && qualifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_');
    (named || is_own(qualifier)).then(|| byte_range(q))
}

/// The reference an `@inherit` or `@ref.*` capture of the name at bytes `start..end` makes.
pub(super) fn push_ref(cname: &str, (start, end): (usize, usize), col: &mut Collected) {
    let kind = match cname {
        "inherit" => RefKind::Inherit,
        "ref.type" => RefKind::Type,
        _ => RefKind::Call,
    };
    col.refs.push(RawRef {
        start,
        end,
        kind,
        bang: cname == "ref.macro",
        on: CallOn::Scope,
    });
}

/// Whether a call's qualifier is the caller's own object or type.
pub fn is_own(qualifier: &str) -> bool {
    matches!(qualifier, "self" | "this" | "Self" | "cls")
}
