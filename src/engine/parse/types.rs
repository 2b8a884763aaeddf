//! The types declarations give values (`c *Context`, `source: Observable<T>`, `self.pool =
//! Pool()`), so that a call on a value (`c.JSON(…)`) can say which type's method it means.
//! Only what the code declares, in one file: a parameter's, a field's or a variable's type, or
//! the class a variable is constructed from; no inference beyond that.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::byte_range;
use super::documents::Nesting;
use super::refs::is_own;
use crate::engine::lang::Lang;
use crate::engine::refpat::Capture;

/// A name a declaration gives a type, by their bytes in the file's text.
pub(super) struct Binding {
    pub name: (usize, usize),
    pub ty: (usize, usize),
    /// The name is the field of the class whose method declares it (`self.pool` assigned in
    /// `__init__`, a constructor's parameter property), not a name of that method's.
    pub field: bool,
    /// The type is a call's, as written (`Pool()`, `Pool::new()`): a class's only when the
    /// name is capitalised.
    pub constructed: bool,
    /// What a constructed wrapper is given to hold (`Semaphore` of
    /// `Arc::new(Semaphore::new(1))`), the type its value's methods are called on.
    pub held: Option<(usize, usize)>,
}

/// The binding a match of a binding pattern makes: its `bind.name` or `bind.field` capture
/// and its `bind.type` or `bind.new` capture.
pub(super) fn binding(m: &[Capture]) -> Option<Binding> {
    let (mut name, mut ty, mut held) = (None, None, None);
    for &(cname, node) in m {
        match cname {
            "bind.name" | "bind.field" => name = Some((node, cname == "bind.field")),
            "bind.type" | "bind.new" => ty = Some((node, cname == "bind.new")),
            "bind.held" => held = Some(byte_range(node)),
            _ => {}
        }
    }
    let ((name, field), (ty, constructed)) = (name?, ty?);
    Some(Binding {
        name: byte_range(name),
        ty: byte_range(ty),
        field,
        constructed,
        held,
    })
}

/// The type each name is declared with in each definition of a file (`NONE` for the file's
/// top level).
pub(super) struct DeclaredTypes<'t> {
    types: HashMap<(u32, &'t str), &'t str>,
    /// Whether a method's body sees its class's fields by their names alone (Java, C++).
    implicit_fields: bool,
}

impl<'t> DeclaredTypes<'t> {
    /// The declarations of the names calls are made through (`receivers`: `c` of `c.Next()`,
    /// `c` and `engine` of `c.engine.Render()`); most parameters and locals are not.
    pub fn new(
        lang: Lang,
        text: &'t str,
        bindings: &[Binding],
        receivers: &HashSet<&str>,
        nest: &Nesting,
    ) -> Self {
        let mut types: HashMap<(u32, &'t str), &'t str> = HashMap::default();
        for b in bindings {
            let Some(name) = text
                .get(b.name.0..b.name.1)
                .filter(|n| receivers.contains(n))
            else {
                continue;
            };
            let Some(ty) = text.get(b.ty.0..b.ty.1) else {
                continue;
            };
            let Some(mut ty) = type_name(ty) else {
                continue;
            };
            // `Arc::new(…)` holds what it is given: a type when that is constructed too.
            if b.constructed && WRAPPERS.contains(&ty) {
                let held = b.held.and_then(|h| text.get(h.0..h.1)).and_then(type_name);
                let Some(held) = held else { continue };
                ty = held;
            }
            // `make()` is no class.
            if b.constructed && !ty.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            let mut scope = nest.innermost(b.name.0);
            // A declaration that is itself a definition (a module's `bp = Blueprint(…)`)
            // declares the name where that definition is.
            if b.field || nest.defines(scope, name) {
                scope = nest.parent(scope);
            }
            // The first declaration of a name in a definition is the one its calls see most.
            types.entry((scope, name)).or_insert(ty);
        }
        DeclaredTypes {
            types,
            implicit_fields: matches!(lang, Lang::Java | Lang::Cpp),
        }
    }

    /// The type of what a call is made on, when declarations say it: a name (`c` of
    /// `c.JSON()`), or a field of the caller's own object or of a named value whose type
    /// this file defines (`self.pool`, `c.engine`). `root` and `last` are the chain's first
    /// and last names (the same for a name alone); `between` is the text between them.
    pub fn of_receiver(
        &self,
        nest: &Nesting,
        from: u32,
        root: &str,
        last: &str,
        between: &str,
    ) -> Option<&'t str> {
        if between.is_empty() && root == last {
            return self.of_name(nest, from, root);
        }
        if !matches!(between, "." | "->") {
            return None;
        }
        let owner = if is_own(root) {
            nest.container_name(from)?
        } else {
            self.of_name(nest, from, root)?
        };
        self.of_field(nest, owner, last)
    }

    /// The type `name` is declared with in `from` or the definitions around it: a method's
    /// class only where the language reads a field by its name alone.
    fn of_name(&self, nest: &Nesting, from: u32, name: &str) -> Option<&'t str> {
        let mut scope = from;
        loop {
            let is_class = nest.is_container(scope);
            if (!is_class || self.implicit_fields || scope == from)
                && let Some(ty) = self.types.get(&(scope, name))
            {
                return Some(ty);
            }
            if scope == super::NONE {
                return None;
            }
            scope = nest.parent(scope);
        }
    }

    /// The type of the field `field` of the type named `owner`, when this file defines it.
    fn of_field(&self, nest: &Nesting, owner: &str, field: &str) -> Option<&'t str> {
        nest.containers_named(owner)
            .find_map(|c| self.types.get(&(c, field)).copied())
    }
}

/// Wrappers a value's methods are called through to the type they hold: Rust's smart
/// pointers and C++'s, which dereference to it, and Python's `Optional`, whose value, when
/// set, is the type's.
const WRAPPERS: &[&str] = &["Arc", "Rc", "Box", "unique_ptr", "shared_ptr", "Optional"];

/// The name of the type a declaration's type text means, its last segment (`Context` of
/// `*gin.Context`, `Observable` of `: Observable<T>`, `Inner` of `Arc<Inner>`, `string` of
/// `const std::string&`); none for a type the code leaves to inference (`auto`, `var`) or one
/// without a name (`[]int`, a tuple).
pub(super) fn type_name(text: &str) -> Option<&str> {
    let mut t = text;
    loop {
        t = t.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '&' | '*'));
        // A Rust lifetime (`&'a T`) says nothing of the type; a quoted name is Python's.
        if let Some(after) = t.strip_prefix('\'') {
            let len = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            t = if after[len..].starts_with(' ') {
                &after[len..]
            } else {
                after
            };
            continue;
        }
        t = t.trim_start_matches('"');
        if let Some(rest) = [
            "mut ",
            "const ",
            "dyn ",
            "impl ",
            "readonly ",
            "struct ",
            "typename ",
        ]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        {
            t = rest;
            continue;
        }
        let path_len = t
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':')))
            .unwrap_or(t.len());
        let name = t[..path_len].rsplit(['.', ':']).next().unwrap_or("");
        let opens = t[path_len..].starts_with(['<', '[']);
        if opens && WRAPPERS.contains(&name) {
            t = &t[path_len + 1..];
            continue;
        }
        let inferred = matches!(name, "auto" | "var" | "let" | "_");
        return (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && !inferred)
            .then_some(name);
    }
}

#[cfg(test)]
mod tests {
    use super::type_name;

    #[test]
    fn a_declared_type_is_named_by_its_last_segment_through_pointers_and_wrappers() {
        for (text, want) in [
            ("*Context", Some("Context")),
            ("*gin.Context", Some("Context")),
            (": Observable<T>", Some("Observable")),
            (":  Router | undefined", Some("Router")),
            ("&mut Conn", Some("Conn")),
            ("Arc<Inner>", Some("Inner")),
            ("std::sync::Arc<Mutex<State>>", Some("Mutex")),
            ("&'a Arc<dyn Handler>", Some("Handler")),
            ("Optional[Session]", Some("Session")),
            ("'Flask'", Some("Flask")),
            ("const std::string&", Some("string")),
            ("std::unique_ptr<Impl>", Some("Impl")),
            ("List<String>", Some("List")),
            ("auto", None),
            ("var", None),
            ("[]int", None),
            ("(u8, u8)", None),
        ] {
            assert_eq!(type_name(text), want, "{text}");
        }
    }
}
