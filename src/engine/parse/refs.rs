//! The references the grammar languages' patterns capture: a call, a type, a base class or
//! a macro, by its name's bytes, and a call with the type it is made on when the code names
//! one (`Semaphore::new()`), which the graph uses to choose among definitions of the name.

use tree_sitter::Node;

use super::{Collected, RawRef, RefKind, byte_range};
use crate::engine::lang::Lang;

/// The reference an `@inherit` or `@ref.*` capture of the name `node` makes, a call with the
/// type it is made on when the code names one.
pub(super) fn push_node_ref(cname: &str, node: Node, lang: Lang, text: &str, col: &mut Collected) {
    push_ref(cname, byte_range(node), col);
    if cname == "ref.call"
        && let Some(r) = col.refs.last_mut()
    {
        r.qualifier = call_qualifier(node, text);
        r.on_value = r.qualifier.is_none() && on_value(node);
        r.bare = r.qualifier.is_none()
            && !r.on_value
            && lang.calls_methods_on_objects_only()
            && bare(node);
    }
}

/// The type or module a call is made on when the code names it: `Builder` of
/// `runtime::Builder::new()`, `Validate.notNull(…)`, `YAML::Load(…)`, `Utils.merge(…)`; or
/// the caller's own object or type (`self`, `this`, `Self`, `cls`). `None` for a call on a
/// value, or through a lowercase module path (`mem::take`, `os.path.join`, a Go package):
/// which definition those mean, only scope can tell.
fn call_qualifier(name: Node, text: &str) -> Option<(usize, usize)> {
    let parent = name.parent()?;
    let field = match parent.kind() {
        "scoped_identifier" => "path",
        "qualified_identifier" => "scope",
        "method_invocation" | "attribute" | "member_expression" => "object",
        "field_expression" if parent.child_by_field_name("value").is_some() => "value",
        "field_expression" => "argument",
        _ => return None,
    };
    let mut q = parent.child_by_field_name(field)?;
    if q.id() == name.id() {
        return None;
    }
    // The last segment of a path (`runtime::Builder`, `a.b.Utils`), a generic's type.
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
        qualifier: None,
        on_value: false,
        bare: false,
    });
}

/// Whether a call's qualifier is the caller's own object or type.
pub fn is_own(qualifier: &str) -> bool {
    matches!(qualifier, "self" | "this" | "Self" | "cls")
}

/// Whether a call is made on a value, whose type the line does not say: `inner.lock()`,
/// `waiters.queue.last()`, `p->next()`, `list.get(i)`, but not `self.run()`. Only in Rust,
/// C, C++ and Java, where a module or package is never called through a `.` or `->` (Python's
/// `os.path.join()`, Go's `http.Get()`, a JavaScript namespace's `utils.merge()` are).
fn on_value(name: Node) -> bool {
    name.parent().is_some_and(|p| match p.kind() {
        "field_expression" => true,
        "method_invocation" => p.child_by_field_name("object").is_some(),
        _ => false,
    })
}

/// Whether a call names a function alone (`drop(x)`, `helper()`), in a language where that
/// can never mean a method, which needs its object (`self.drop()`): Rust, Python, JavaScript,
/// TypeScript and Go. Java and C++ call their own class's methods so.
fn bare(name: Node) -> bool {
    name.parent().is_some_and(|p| {
        matches!(p.kind(), "call_expression" | "call" | "generic_function")
            && p.child_by_field_name("function")
                .is_some_and(|f| f.id() == name.id())
    })
}
