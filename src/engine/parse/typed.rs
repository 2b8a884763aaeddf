//! Members a C-family language declares by their type instead of a keyword, read from their
//! lines for the text languages (`text.rs`): C#'s, Dart's and Groovy's methods
//! (`public static Task<int> CountAsync(string key) {`), C#'s properties whose accessors run
//! code (`public WriteState WriteState` over `{ get { … } }`), Swift's and Kotlin's computed
//! properties and Dart's getters.

use super::text::{MODIFIERS, is_modifier, without_leading_annotations};
use crate::engine::parse::Kind;

/// Words that open a statement, never a definition, though a call may follow them
/// (`return Count(x)`, `await Save(x) {`).
pub(super) const STATEMENT_WORDS: &[&str] = &[
    "if", "else", "for", "foreach", "while", "do", "switch", "case", "return", "throw", "await",
    "yield", "using", "lock", "catch", "try", "finally", "new", "var", "let", "const", "val",
    "print", "echo", "assert", "goto", "when", "typeof", "sizeof", "nameof", "delete", "not",
    "and", "or", "in", "is", "as", "then", "elif", "unless", "until", "puts", "local",
];

/// Keywords written before a parenthesis that a method name can never be (`while (`); `is`,
/// `and` or `delete` can.
const PARENTHESISED_KEYWORDS: &[&str] = &[
    "if", "for", "foreach", "while", "switch", "catch", "using", "lock", "return", "throw",
    "await", "yield", "when", "typeof", "sizeof", "nameof", "assert",
];

/// `(kind, name)` of a method or function declared by its type instead of a keyword (C#,
/// Dart, Groovy, Java-like): modifiers and a return type, then the name and its parameters
/// (`public static Task<int> CountAsync(string key) {`). Inside a class every such line is a
/// member (statements do not stand there), though it ends in `;` only in an interface or when
/// abstract; outside one its body must open on the line or the next, so a call spread over
/// lines is not taken for one.
pub(super) fn typed_header<'a>(
    t: &'a str,
    owner: Option<(Kind, &str)>,
    next: &str,
) -> Option<(Kind, &'a str)> {
    let parent = owner.map(|o| o.0);
    let t = without_leading_annotations(t);
    let in_type = matches!(parent, Some(Kind::Class | Kind::Interface | Kind::Module));
    let paren = t.find('(')?;
    let before = t[..paren].trim_end();
    let mut words = before.split_whitespace();
    let first = words.next()?;
    let name = match words.next_back() {
        Some(name) => name.split('<').next()?,
        // A constructor without modifiers is named for its class: `Arch(String label) {`.
        None if owner.is_some_and(|o| o.1 == first) => first,
        None => return None,
    };
    // A generic method may open with its type parameters: `<B extends Appendable> B format(`.
    if !first.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '<')
        || !is_identifier(name)
        || STATEMENT_WORDS.contains(&first)
        || PARENTHESISED_KEYWORDS.contains(&name)
        // Swift's `public private(set) var bridge: Bridge` declares a property.
        || t[paren..].starts_with("(set)")
        || !before.split_whitespace().all(is_type_word)
        || prose_words(before) > 2
    {
        return None;
    }
    let rest = t[paren..].trim_end();
    let opens = rest.ends_with('{') || rest.contains("=>") || next.starts_with('{');
    let bodiless = parent == Some(Kind::Interface)
        || before
            .split_whitespace()
            .any(|w| w == "abstract" || w == "extern");
    let declared = in_type && (!rest.ends_with(';') || bodiless);
    (opens || declared).then_some((
        if in_type {
            Kind::Method
        } else {
            Kind::Function
        },
        name,
    ))
}

/// Modifiers of typed declarations besides `MODIFIERS` (C#, Java, Dart).
const TYPED_MODIFIERS: &[&str] = &[
    "synchronized",
    "native",
    "extern",
    "unsafe",
    "new",
    "implicit",
    "explicit",
    "operator",
    "factory",
    "external",
    "const",
    "transient",
    "volatile",
    "strictfp",
];

/// Lowercase words before a parameter list that are no modifier: a signature has at most two
/// (`void add(`), a sentence in a comment many ("the settings and the cookies (etc)").
/// Type parameters do not count (`<E extends Throwable> void accept(`).
fn prose_words(before: &str) -> usize {
    let mut depth = 0usize;
    before
        .split_whitespace()
        .filter(|w| {
            let outside = depth == 0;
            for c in w.chars() {
                match c {
                    '<' => depth += 1,
                    '>' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            outside
                && w.chars().all(|c| c.is_ascii_lowercase())
                && !MODIFIERS.contains(w)
                && !TYPED_MODIFIERS.contains(w)
        })
        .count()
}

/// The name of a C# property whose accessors run code: `public WriteState WriteState` (or
/// `internal override int Depth {`) over a body that opens with an accessor that has one of
/// its own (`get`, `set`, `init`, an event's `add`/`remove`, any of them restricted:
/// `private set`). Its getter is often the only place a value is worked out (a switch over the
/// writer's state), which a question asks for as it asks for a method's. An auto-property
/// (`{ get; set; }`, on one line or spread over four) holds a value as a field does, and says
/// nothing a field would not.
pub(super) fn typed_property<'a>(
    t: &'a str,
    parent: Option<Kind>,
    next: &str,
    after: impl FnOnce() -> &'a str,
) -> Option<&'a str> {
    if !matches!(parent, Some(Kind::Class | Kind::Interface)) {
        return None;
    }
    let t = without_leading_annotations(t);
    let (head, accessor) = match t.strip_suffix('{') {
        Some(head) => (head.trim_end(), next),
        None if next == "{" => (t, after()),
        None => return None,
    };
    let mut words = head.split_whitespace();
    let first = words.next()?;
    let name = words.next_back()?;
    let accessor = accessor.split_whitespace().find(|w| {
        !matches!(
            *w,
            "public" | "private" | "protected" | "internal" | "readonly"
        )
    })?;
    let has_body = ["get", "set", "init", "add", "remove"].iter().any(|a| {
        accessor
            .strip_prefix(a)
            .is_some_and(|r| r.is_empty() || r.starts_with(['{', '=']))
    });
    (has_body
        && is_identifier(name)
        && !STATEMENT_WORDS.contains(&first)
        && head.split_whitespace().all(is_type_word)
        && prose_words(head) <= 1)
        .then_some(name)
}

/// The name of a Swift or Kotlin property that runs code when read or written: Swift's
/// `var isEmpty: Bool {` (a computed property, or one with `willSet`/`didSet` observers; a
/// `lazy var formatter: DateFormatter = {` made by a closure on first use, too),
/// Kotlin's `val size: Int` over `get() = …` (or with it on its line), Kotlin's extension
/// property `val CoroutineContext.isActive: Boolean` by its own name. A stored property, and a
/// protocol's requirement (`var name: String { get set }`), say nothing a field would not.
pub(super) fn computed_property<'a>(language: &str, t: &'a str, next: &str) -> Option<&'a str> {
    let mut rest = without_leading_annotations(t);
    while let Some((word, after)) = rest.split_once(' ') {
        if !is_modifier(word) {
            break;
        }
        rest = after.trim_start();
    }
    let rest = rest
        .strip_prefix("var ")
        .or_else(|| rest.strip_prefix("val "))?
        .trim_start();
    // Kotlin's generic extension property: `val <T> List<T>.lastIndex: Int`.
    let rest = match rest.strip_prefix('<') {
        Some(r) => r.split_once('>')?.1.trim_start(),
        None => rest,
    };
    let (target, typed) = rest.split_once(':')?;
    let name = target.trim_end().rsplit('.').next()?;
    let accessor = |s: &str| {
        let s = s.trim_start();
        s.starts_with("get()") || s.starts_with("set(") || s.starts_with("private set(")
    };
    let runs_code = match language {
        "swift" => typed.ends_with('{') && !typed.contains("{ get"),
        "kotlin" => {
            let inline_getter = typed.split_once(" get()").is_some();
            inline_getter || accessor(next)
        }
        _ => false,
    };
    (is_identifier(name) && runs_code).then_some(name)
}

/// The name of a Dart getter, which has no parameter list for `typed_header` to find: a
/// return type or none, `get`, the name, then its body (`double get total {`,
/// `bool get isEmpty => _items.isEmpty;`, `Future<int> get count async {`). An abstract
/// getter (`int get length;`) has none, and says nothing a field would not.
pub(super) fn dart_getter<'a>(language: &str, t: &'a str, next: &str) -> Option<&'a str> {
    if language != "dart" {
        return None;
    }
    let t = without_leading_annotations(t);
    let (before, after) = t
        .split_once(" get ")
        .or_else(|| Some(("", t.strip_prefix("get ")?)))?;
    let name_end = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let (name, body) = (&after[..name_end], after[name_end..].trim_start());
    let body = body
        .strip_prefix("async*")
        .or_else(|| body.strip_prefix("async"))
        .or_else(|| body.strip_prefix("sync*"))
        .unwrap_or(body)
        .trim_start();
    let opens =
        body.starts_with('{') || body.starts_with("=>") || body.is_empty() && next.starts_with('{');
    (opens
        && is_identifier(name)
        && before.split_whitespace().all(is_type_word)
        && !before
            .split_whitespace()
            .any(|w| STATEMENT_WORDS.contains(&w))
        && prose_words(before) <= 1)
        .then_some(name)
}

/// A name as these languages spell one: a letter or `_`, then letters, digits and `_`.
fn is_identifier(w: &str) -> bool {
    w.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && w.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A word of a declaration before its name: a modifier or a type (`Task<int>`, `string[]`,
/// `int?`, C++-like `char*`, `T&`, an annotation's `@`).
fn is_type_word(w: &str) -> bool {
    w.chars()
        .all(|c| c.is_alphanumeric() || "_<>[],.?*&@".contains(c))
}
