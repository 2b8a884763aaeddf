//! Definitions of source in a language without a grammar here (`Lang::Text`), read from its
//! lines as ctags reads them: a line that opens with a definition keyword and a name starts a
//! definition, which runs down to the last line before the code returns to the header's indent
//! (a closing `end` or `}` at that indent included). Ruby, PHP, Kotlin, Swift, Scala, Elixir,
//! Lua, Perl and shell functions and classes are found; so are the methods of languages that
//! write a type where others write a keyword (C#, Dart, Groovy: `public async Task<int>
//! Count(…)`). A file with none is still indexed by its words.

use super::functional::{self, Extent};
use super::text_extent::{
    block_end, clauses_end, line_at, objc_container_end, period_end, perl_package_end, spec_end,
};
use super::typed::{computed_property, dart_getter, typed_header, typed_property};
use super::{Collected, RawDef, calls, decls, docs, idl, lisp, nim, pod, text_bases, vb};
use crate::engine::lang::Lang;
use crate::engine::parse::Kind;

/// Words that may precede the definition keyword on its line.
pub(super) const MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "internal",
    "static",
    "final",
    "abstract",
    "open",
    "override",
    "async",
    "export",
    "local",
    "sealed",
    "data",
    "inline",
    "suspend",
    "pub",
    "default",
    "readonly",
    "partial",
    "virtual",
    "mutating",
    "fileprivate",
    "lazy",
    "case",
    "operator",
    "infix",
    "tailrec",
    "external",
    "inner",
    "annotation",
    "expect",
    "actual",
    // Swift's and Scala's.
    "convenience",
    "required",
    "dynamic",
    "nonisolated",
    "indirect",
    "implicit",
    // Julia's `mutable struct`.
    "mutable",
];

/// A word that only qualifies what follows it: a modifier, or one that says its scope in
/// brackets (Scala's `private[collection]`, Swift's `private(set)`).
pub(super) fn is_modifier(word: &str) -> bool {
    let base = word.split(['[', '(']).next().unwrap_or(word);
    MODIFIERS.contains(&base) && (base.len() == word.len() || word.ends_with([']', ')']))
}

/// The definition keywords and the kind of definition each opens.
fn keyword_kind(word: &str) -> Option<Kind> {
    Some(match word {
        "def" | "defp" | "function" | "fun" | "func" | "fn" | "sub" | "proc" | "method"
        | "macro" | "defmacro" | "defmacrop" | "defguard" | "defguardp" | "defdelegate"
        | "modifier" | "iterator" | "converter" => Kind::Function,
        // Solidity's `contract` and `library` hold its functions as a class does.
        "class" | "struct" | "record" | "object" | "enum" | "defstruct" | "@implementation"
        | "contract" | "library" => Kind::Class,
        "interface" | "@interface" | "trait" | "protocol" | "@protocol" | "extension" | "impl"
        | "defprotocol" => Kind::Interface,
        "module" | "defmodule" | "package" => Kind::Module,
        _ => return None,
    })
}

/// Lines that close a block at the indent of its header.
pub(super) fn is_closer(t: &str) -> bool {
    let t = t.trim_end_matches(';');
    // `}()` closes a closure called where it is written (Swift's `lazy var f: T = {`).
    matches!(
        t,
        "end" | "}" | "})" | "}()" | "})()" | "end)" | "fi" | "done" | "esac"
    ) || t.starts_with("} ")
        || vb::closes_block(t)
}

pub(super) struct Line<'a> {
    pub start: usize,
    pub end: usize,
    pub indent: usize,
    pub text: &'a str,
}

/// Every definition of the file, outermost first, each qualified by those it is nested in;
/// `language` is the file's `Lang::label` (`haskell`, `ruby`), for the languages read by rules
/// of their own (`functional.rs`).
pub(super) fn definitions(text: &str, language: &str, col: &mut Collected) {
    let own_rules = functional::reads(language);
    let lines = read_lines(text, language);
    let nim_types = (language == "nim").then(|| nim::type_lines(&lines));
    // Open definitions: (end line index, qualified name, kind).
    let mut open: Vec<(usize, String, Kind)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // Blank lines and heredoc data open nothing. Skipping them here also keeps the look
        // ahead for the next line linear: each scans only the blanks up to the next text.
        if line.text.is_empty() {
            continue;
        }
        calls::calls_in_line(line.text, line.start + line.indent, language, col);
        open.retain(|o| o.0 >= i);
        let parent = open.last();
        let own = own_header(language, &lines, i, parent, nim_types.as_deref());
        // Of the general keywords, these languages share only the containers: their `fun`
        // and `function` open lambdas (`fun rem -> …`), not definitions. A `package` holds
        // Perl's subs; elsewhere (Kotlin, Scala, Groovy) it names a namespace, which
        // qualifies nothing, as C#'s does not.
        let general = if own_rules {
            ["module ", "class ", "method ", "object "]
                .iter()
                .any(|k| line.text.starts_with(k))
        } else {
            language == "perl" || !line.text.starts_with("package ")
        };
        let Some((kind, name, extent)) = own.or_else(|| {
            if !general {
                return None;
            }
            // A type before a name is C#'s and Dart's shape, never these languages'.
            let (kind, name) = header(line.text).or_else(|| {
                let owner = parent.map(|p| (p.2, p.1.rsplit('.').next().unwrap_or(&p.1)));
                // Visual Basic declares by keyword only (`vb.rs`); `As New List(Of T)` is
                // no parameter list.
                (!own_rules && language != "visual-basic")
                    .then(|| keywordless_header(language, &lines, i, owner))?
            })?;
            Some((kind, name, Extent::Indented))
        }) else {
            continue;
        };
        // An Elixir module is named by its whole alias (`defmodule Mix.Tasks.Compile`): its
        // last segment alone is what a dozen modules share.
        // Groovy declares a variable as it does a method: `def result = []` is no definition.
        if language == "groovy" && is_assigned(line.text, name) {
            continue;
        }
        // Kotlin's `get() {` is the body of its property's getter, read with the property.
        if language == "kotlin" && matches!(name, "get" | "set") {
            continue;
        }
        let name = match (language, kind) {
            ("elixir", Kind::Module) => elixir_alias(line.text).unwrap_or(name),
            ("ruby" | "elixir", Kind::Function) => with_predicate_mark(line.text, name),
            _ => name,
        };
        let Some(last) = definition_end(text, language, &lines, i, name, extent) else {
            continue;
        };
        let kind = match (kind, parent) {
            (Kind::Function, Some((_, _, Kind::Class | Kind::Interface | Kind::Module))) => {
                Kind::Method
            }
            (k, _) => k,
        };
        let qual = match parent {
            Some((_, q, _)) => format!("{q}.{name}"),
            None => name.to_string(),
        };
        let nim_type = nim_types.as_ref().is_some_and(|t| t[i]) && kind != Kind::Function;
        let (doc, doc_range) = definition_doc(text, language, line, &lines[last], nim_type);
        let expected = decls::kotlin_expected(language, line.text, &qual, i, (&doc, doc_range));
        col.decls.extend(expected);
        col.defs.push(RawDef {
            kind,
            name: name.to_string(),
            qual: qual.clone(),
            start_byte: line.start + line.indent,
            end_byte: lines[last].end,
            start: i as u32 + 1,
            end: last as u32 + 1,
            sig: docs::signature_of_text(&text[line.start + line.indent..lines[last].end]),
            sig_at: line.start + line.indent,
            doc,
            doc_range,
            stub: matches!(kind, Kind::Function | Kind::Method)
                && last == i
                && declares_only(line.text, parent.map(|p| p.2)),
        });
        if matches!(kind, Kind::Class | Kind::Interface)
            && !own_rules
            && language != "perl"
            && let Some(name_end) = end_in(line.text, name)
        {
            text_bases::push_bases(line.text, line.start + line.indent, name_end, col);
        }
        open.push((last, qual, kind));
    }
    if language == "perl" {
        pod::document_subs(text, &mut col.defs);
    }
    if lisp::is_lisp(language) {
        lisp::document_methods(&mut col.defs);
    }
    calls::keep_calls_to_own_definitions(text, language, col);
}

/// `(kind, name)` of a definition line `i` opens with no keyword before its name: a shell
/// function, a Swift or Kotlin property computed by code, or a member declared by its type (a
/// C# method or property). `owner` is the open
/// definition it is in, by kind and last name.
fn keywordless_header<'a>(
    language: &str,
    lines: &[Line<'a>],
    i: usize,
    owner: Option<(Kind, &str)>,
) -> Option<(Kind, &'a str)> {
    let t = lines[i].text;
    let mut ahead = lines[i + 1..].iter().filter(|l| !l.text.is_empty());
    let next = ahead.next().map_or("", |l| l.text);
    let shell = language == "shell";
    (shell.then(|| shell_function(t, next)).flatten())
        .or_else(|| {
            let name =
                computed_property(language, t, next).or_else(|| dart_getter(language, t, next))?;
            Some((Kind::Function, name))
        })
        .or_else(|| typed_header(t, owner, next))
        .or_else(|| {
            let after = || ahead.next().map_or("", |l| l.text);
            let name = typed_property(t, owner.map(|o| o.0), next, after)?;
            Some((Kind::Method, name))
        })
}

/// What line `i` opens by the rules of a language read apart (`functional.rs`, `idl.rs`,
/// `vb.rs`, Nim's types), inside `parent` (its end, qualified name and kind).
fn own_header<'a>(
    language: &str,
    lines: &[Line<'a>],
    i: usize,
    parent: Option<&(usize, String, Kind)>,
    nim_types: Option<&[bool]>,
) -> Option<(Kind, &'a str, Extent)> {
    let line = &lines[i];
    functional::reads(language)
        .then(|| functional::header(language, line.text, line.indent, parent.map(|p| p.2)))
        .flatten()
        .or_else(|| {
            let (kind, name) =
                idl::header(language, line.text, parent.map(|p| (p.2, p.1.as_str())))?;
            Some((kind, name, Extent::Indented))
        })
        .or_else(|| {
            let next = || {
                lines[i + 1..]
                    .iter()
                    .find(|l| !l.text.is_empty())
                    .map_or("", |l| l.text)
            };
            let (kind, name) = vb::header(language, line.text, next)?;
            Some((kind, name, Extent::Indented))
        })
        .or_else(|| {
            let declares_type = nim_types.is_some_and(|t| t[i]);
            let (kind, name) = nim::type_header(line.text).filter(|_| declares_type)?;
            Some((kind, name, Extent::Indented))
        })
}

/// The index of the last line of the definition `name` whose header is line `i`, found as
/// `extent` says; `None` when the header opens no definition after all (an Erlang `-spec`
/// with no function below it).
fn definition_end(
    text: &str,
    language: &str,
    lines: &[Line],
    i: usize,
    name: &str,
    extent: Extent,
) -> Option<usize> {
    let at = lines[i].start + lines[i].indent;
    Some(match extent {
        Extent::Clauses => clauses_end(lines, i, name),
        Extent::Period => period_end(lines, i),
        Extent::Spec => spec_end(lines, i, name)?,
        Extent::Form => lisp::form_end(&text[at..], language)
            .map(|len| line_at(lines, at + len - 1))
            .unwrap_or_else(|| block_end(lines, i)),
        Extent::Indented => objc_container_end(lines, i)
            .or_else(|| perl_package_end(lines, i))
            .unwrap_or_else(|| block_end(lines, i)),
    })
}

/// The doc of the definition whose header is `line` and whose last line is `last`: the comment
/// above it, or where its language writes docs instead (OCaml's after it, Nim's inside a
/// routine and after a type's header, `nim_type`, a Lisp's or Clojure's docstring).
fn definition_doc(
    text: &str,
    language: &str,
    line: &Line,
    last: &Line,
    nim_type: bool,
) -> (String, Option<(usize, usize)>) {
    if nim_type {
        return nim::type_doc(text, line, last);
    }
    let (doc, range) = docs::doc_before(Lang::Text, text, line.start + line.indent);
    let form = &text[line.start + line.indent..last.end];
    // A Lisp's docstring is its doc; a comment above is often a section's title or an
    // autoload cookie (`;;;###autoload`).
    let docstring = match language {
        l if lisp::is_lisp(l) => lisp::docstring(form, language),
        "clojure" if doc.is_empty() => functional::clojure_docstring(form),
        _ => None,
    };
    if let Some((start, end)) = docstring {
        let at = line.start + line.indent;
        return (
            docs::clean_doc(&text[at + start..at + end]),
            Some((at + start, at + end)),
        );
    }
    match language {
        "ocaml" if doc.is_empty() => docs::ocaml_doc_after(text, last.end),
        // Erlang's style leaves a blank line between a function's comment and its first
        // clause (or its `-spec`) as often as not. A comment that short there is the title
        // of the section the function opens (`%%% Internal functions`), not its doc.
        "erlang" if doc.is_empty() && line.start > 0 => {
            let above = text[..line.start - 1].rfind('\n').map_or(0, |i| i + 1);
            let blank_above = above > 0 && text[above..line.start].trim().is_empty();
            let (detached, range) = if blank_above {
                docs::doc_before(Lang::Text, text, above)
            } else {
                (String::new(), None)
            };
            if detached.split_whitespace().count() >= 4 {
                (detached, range)
            } else {
                (doc, None)
            }
        }
        "nim" if doc.is_empty() && last.start > line.start => {
            docs::nim_doc_inside(text, line.start, last.end)
        }
        "visual-basic" => docs::doc_in(text, vb::doc_above(text, line.start)),
        "powershell" if doc.is_empty() => {
            docs::powershell_help_inside(text, line.start + line.indent, last.end)
        }
        _ => (doc, range),
    }
}

/// The lines of `text`, each with its indent and its trimmed text; a line that is data (a
/// heredoc's, a macro body's) or a block comment's has no text, so it opens and ends nothing.
fn read_lines<'a>(text: &'a str, language: &str) -> Vec<Line<'a>> {
    let mut lines: Vec<Line> = Vec::new();
    let mut at = 0;
    // The terminator of the heredoc being read (`EOF` of `<<-EOF`), or `"""` inside a
    // multi-line string: their lines are data, often at column 0, and must not end a block.
    let mut in_string: Option<String> = None;
    let mut continued_macro = false;
    let block_comment = functional::nested_comment(language);
    let mut comment_depth = 0usize;
    // Perl's POD (`=head2` … `=cut`) and whatever follows `__END__` are documents, not code.
    let perl = language == "perl";
    let (mut in_pod, mut ended) = (false, false);
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if perl {
            ended |= body == "__END__" || body == "__DATA__";
            let directive =
                body.starts_with('=') && body[1..].starts_with(|c: char| c.is_ascii_alphabetic());
            let pod = in_pod || directive;
            if directive {
                in_pod = !body.starts_with("=cut");
            }
            if pod || ended {
                lines.push(Line {
                    start: at,
                    end: at + body.len(),
                    indent: 0,
                    text: "",
                });
                at += raw.len();
                continue;
            }
        }
        // A preprocessor macro's body (Objective-C's `#define CAP_PLUGIN(…) \` over many
        // lines) is a template of code, not definitions of this file.
        let in_macro = continued_macro;
        continued_macro = (in_macro || trimmed.starts_with("#define")) && trimmed.ends_with('\\');
        // A comment block (`(* … *)`, `{- … -}`) may hold lines that read as definitions
        // ("and then …", "type …").
        let commented = match block_comment {
            Some((open, close)) if comment_depth > 0 || trimmed.starts_with(open) => {
                // OCaml's comments nest: `(* … (* Unknown *) … *)`.
                let opened = comment_depth == 0;
                comment_depth = (comment_depth + trimmed.matches(open).count())
                    .saturating_sub(trimmed.matches(close).count());
                // `(* the last field *) }` still closes its record.
                let code_after = opened
                    && comment_depth == 0
                    && !trimmed.rsplit(close).next().unwrap_or("").trim().is_empty();
                !code_after
            }
            _ => false,
        };
        let data = in_macro
            || commented
            || match &in_string {
                Some(end) => {
                    if trimmed == end.as_str() || end == TRIPLE && trimmed.contains(TRIPLE) {
                        in_string = None;
                    }
                    true
                }
                None => {
                    in_string = string_opened(trimmed);
                    // A heredoc written alone on its line may start it at column 0 too.
                    in_string.is_some()
                        && (trimmed.starts_with("<<") || trimmed.starts_with(TRIPLE))
                }
            };
        lines.push(Line {
            start: at,
            end: at + body.len(),
            indent: body.len() - trimmed.len(),
            text: if data { "" } else { trimmed },
        });
        at += raw.len();
    }
    lines
}

/// Where `inner`, a slice of `line`, ends in it; `None` when it is no slice of it (a
/// keyword's own name, such as `init`).
fn end_in(line: &str, inner: &str) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start + inner.len();
    (line.get(start..end) == Some(inner)).then_some(end)
}

/// Whether `name` (a slice of `t`) is followed by an assignment's `=`.
fn is_assigned(t: &str, name: &str) -> bool {
    end_in(t, name)
        .and_then(|end| t.get(end..))
        .map(str::trim_start)
        .is_some_and(|rest| rest.starts_with('=') && !rest.starts_with("=="))
}

/// `name` (a slice of `t`) with the `?` or `!` that Ruby and Elixir end a predicate's or a
/// mutator's name with: `converge?` and `converge` are two functions.
fn with_predicate_mark<'a>(t: &'a str, name: &'a str) -> &'a str {
    let b = t.as_bytes();
    match end_in(t, name) {
        Some(end) if matches!(b.get(end), Some(b'?' | b'!')) && b.get(end + 1) != Some(&b'=') => {
            &t[end - name.len()..=end]
        }
        _ => name,
    }
}

/// The alias a `defmodule` line defines: `Mix.Tasks.Compile` of
/// `defmodule Mix.Tasks.Compile do`.
fn elixir_alias(t: &str) -> Option<&str> {
    let alias = t
        .strip_prefix("defmodule")?
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ',')
        .next()?;
    alias
        .starts_with(|c: char| c.is_ascii_uppercase())
        .then_some(alias)
}

/// `(kind, name)` of a line that opens a definition: modifiers, a keyword, then a name
/// (`self.`-style receivers and `Outer::` qualifiers kept off: `def self.call` → `call`); or a
/// shell function (`name() {`).
fn header(t: &str) -> Option<(Kind, &str)> {
    if let Some(name) = objc_method(t).or_else(|| assigned_function(t)) {
        return Some((Kind::Function, name));
    }
    if let Some(name) = zig_container(t) {
        return Some((Kind::Class, name));
    }
    let t = without_leading_annotations(t);
    let mut words = t.split_whitespace();
    let mut word = words.next()?;
    while is_modifier(word) {
        word = words.next()?;
    }
    // Swift's initializers and subscripts, Kotlin's and Solidity's constructors, are named by
    // their keyword: `init(frame: CGRect) {` (with its body: `init(calendar);` is a call).
    for special in ["init", "deinit", "subscript", "constructor"] {
        if word
            .strip_prefix(special)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['(', '?', '!', '<', '{']))
            && t.ends_with('{')
        {
            return Some((Kind::Function, special));
        }
    }
    // An Objective-C forward declaration (`@protocol Delegate;`) opens nothing.
    if word.starts_with('@') && t.ends_with(';') {
        return None;
    }
    if let Some(mut kind) = keyword_kind(word) {
        // `word` is a slice of `t`: what follows it on the line.
        let mut rest = t[end_in(t, word)?..].trim_start();
        // `enum class Color`, `fun interface Action`: the first keyword only says which kind
        // of class (Ruby's `def method` is a method named `method`).
        if let Some((second, name)) = rest.split_once(char::is_whitespace)
            && let Some(k) = keyword_kind(second)
        {
            kind = k;
            rest = name.trim_start();
        }
        // Kotlin's type parameters come before the name: `fun <T> Flow<T>.first()`.
        if rest.starts_with('<') {
            rest = rest[angle_group_len(rest)?..].trim_start();
        }
        let mut name = simple_name(rest)?;
        // PowerShell's and shell's `function Get-Item {`: a verb and a noun.
        if word == "function"
            && let Some(noun) = rest[name.len()..].strip_prefix('-')
            && noun.starts_with(|c: char| c.is_alphabetic())
        {
            name = rest
                .split(|c: char| c.is_whitespace() || "({".contains(c))
                .next()?;
        }
        // C#'s `private object Create(JsonReader reader)` is a method returning an object:
        // Scala's and Kotlin's `object Cache` takes no parameters.
        if word == "object" && rest[name.len()..].trim_start().starts_with('(') {
            return None;
        }
        // Swift's `class var shared: Bridge` is a property of the class, not a class.
        if matches!(name, "var" | "let" | "val") {
            return None;
        }
        return (name.chars().next()?.is_alphabetic() || name.starts_with('_'))
            .then_some((kind, name));
    }
    // `name() {` — a shell function.
    shell_function_name(t.strip_suffix('{')?.trim_end()).map(|name| (Kind::Function, name))
}

/// A shell function whose body opens on the line below its name, as GNU style and
/// bash-completion write them: `_known_hosts_real()` over `{`.
fn shell_function<'a>(t: &'a str, next: &str) -> Option<(Kind, &'a str)> {
    let opens = next.starts_with('{') || next.starts_with('(');
    opens
        .then(|| shell_function_name(t))
        .flatten()
        .map(|name| (Kind::Function, name))
}

/// The name of `name()` (`__ltrim_colon_completions()`, `ssh-add()`).
fn shell_function_name(t: &str) -> Option<&str> {
    let name = t.strip_suffix("()")?.trim_end();
    let named = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    named.then_some(name)
}

/// The length of the `<…>` group `s` opens, nested groups included.
fn angle_group_len(s: &str) -> Option<usize> {
    group_end(s, '<', '>')
}

/// The length of the `open`…`close` group `s` starts with, nested groups included.
pub(crate) fn group_end(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// The defined name at the start of `rest`, without what qualifies it or the type parameters
/// after it: `Rack::Files` → `Files`, `self.build(n)` → `build`, `Flow<T>.first()` → `first`,
/// `M:method(` → `method` (Lua), `Box<T>(val x: T)` → `Box`; `Point: Shape` ends at the colon.
fn simple_name(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    let (mut depth, mut start, mut i) = (0usize, 0, 0);
    while i < b.len() {
        match b[i] {
            b'<' => depth += 1,
            b'>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b'.' => start = i + 1,
            b':' if b.get(i + 1) == Some(&b':') => {
                start = i + 2;
                i += 1;
            }
            b':' if b
                .get(i + 1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_') =>
            {
                start = i + 1
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {}
            _ => break,
        }
        i += 1;
    }
    let name = &rest[start..i];
    let name = name.split('<').next()?;
    (!name.is_empty()).then_some(name)
}

/// The name of a Zig struct, enum, union or opaque type, which Zig writes as a constant:
/// `pub const Buffer = struct {`, `const Tag = union(enum) {`.
fn zig_container(t: &str) -> Option<&str> {
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let t = t.strip_prefix("const ")?;
    let (name, value) = t.split_once(" = ")?;
    let value = ["extern ", "packed "]
        .iter()
        .find_map(|k| value.strip_prefix(k))
        .unwrap_or(value);
    let container = ["struct", "enum", "union", "opaque"].iter().any(|k| {
        value
            .strip_prefix(k)
            .is_some_and(|r| r.starts_with([' ', '(']))
    });
    (container && t.ends_with('{') && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then_some(name)
}

/// The name a function is assigned to: R's `print.response <- function(x, ...) {` (a dot is
/// part of an R name), Lua's `M.join = function(a, b)`, a Vue or Svelte script's
/// `const save = async (item) => {`.
fn assigned_function(t: &str) -> Option<&str> {
    let t = ["const ", "let ", "var ", "local "]
        .iter()
        .find_map(|k| t.strip_prefix(k))
        .unwrap_or(t);
    let (target, value, r_arrow) = match t.split_once("<-") {
        Some((target, value)) => (target.trim_end_matches('<'), value, true),
        None => {
            let (target, value) = t.split_once(" = ")?;
            (target, value, false)
        }
    };
    let target = target.trim();
    let plain = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '$';
    if !target.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '.')
        || !target.chars().all(plain)
    {
        return None;
    }
    let value = value.trim_start();
    let value = value.strip_prefix("async ").unwrap_or(value);
    let function = value.starts_with("function(")
        || value.starts_with("function (")
        || r_arrow && value.starts_with("\\(")
        || value.starts_with('(') && value.contains("=>") && t.ends_with('{');
    if !function {
        return None;
    }
    if r_arrow {
        return Some(target);
    }
    target.rsplit(['.', '$']).next().filter(|n| !n.is_empty())
}

/// An Objective-C method's name, its selector's first part: `- (void)save:(id)call {` → `save`.
fn objc_method(t: &str) -> Option<&str> {
    let rest = t.strip_prefix(['-', '+'])?.trim_start().strip_prefix('(')?;
    let rest = rest[rest.find(')')? + 1..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        .then_some(name)
}

/// `t` past annotations written on its line before the declaration: Java's `@Override`,
/// Swift's `@objc(Name)`, Kotlin's `@Suppress("x")`, C#'s `[Obsolete]`; not Objective-C's
/// `@interface`, which is the declaration.
pub(super) fn without_leading_annotations(mut t: &str) -> &str {
    loop {
        // Objective-C's `@interface`, `@implementation` and `@end` are keywords.
        let word_end = t
            .find(|c: char| !(c.is_alphanumeric() || "@_.:".contains(c)))
            .unwrap_or(t.len());
        if t.starts_with('@')
            && (keyword_kind(&t[..word_end]).is_some() || &t[..word_end] == "@end")
        {
            return t;
        }
        match docs::annotation_len(t) {
            Some(e) if e < t.len() => t = t[e..].trim_start(),
            _ => return t,
        }
    }
}

/// A triple-quoted string's delimiter (Kotlin, Swift, Scala, Elixir, Groovy).
const TRIPLE: &str = "\"\"\"";

/// The terminator of a heredoc (`<<-EOF`, `<<~SQL`, `<<'EOS'`, PHP's `<<<EOT`) or a
/// triple-quoted string this line opens and leaves open.
fn string_opened(t: &str) -> Option<String> {
    if t.matches(TRIPLE).count() % 2 == 1 {
        return Some(TRIPLE.to_string());
    }
    let at = t.find("<<")?;
    let rest = t[at + 2..].trim_start_matches(['<', '-', '~']);
    let rest = rest.trim_start_matches(['\'', '"']);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let shouted = word
        .chars()
        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
    // `x << 16` is a shift: a terminator starts with a letter.
    let named = word.starts_with(|c: char| c.is_ascii_uppercase() || c == '_');
    (word.len() >= 2 && shouted && named).then_some(word)
}

/// Whether a one-line function declares what it does without doing it, as an interface, a
/// header or a signature file does (`int Count();`, `- (void)load;`, `func route() -> String`
/// in a protocol, OCaml's `val exec : re -> string`, Haskell's `f :: Int` alone).
fn declares_only(t: &str, parent: Option<Kind>) -> bool {
    let bodiless = !t.contains(['{', '=']);
    t.ends_with(';') && !t.contains('{')
        || parent == Some(Kind::Interface) && bodiless
        || ["val ", "external ", "abstract "]
            .iter()
            .any(|w| t.starts_with(w))
        || t.contains(" :: ") && !t.contains(" = ")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// (qualified name, kind, first line, last line, doc) of each definition `text` has in
    /// `language`.
    pub(in crate::engine::parse) fn defs_with_docs(
        text: &str,
        language: &str,
    ) -> Vec<(String, Kind, u32, u32, String)> {
        let mut col = Collected::default();
        definitions(text, language, &mut col);
        col.defs
            .into_iter()
            .map(|d| (d.qual, d.kind, d.start, d.end, d.doc))
            .collect()
    }

    /// The qualified names of the definitions `text` has in `language`.
    fn def_quals(text: &str, language: &str) -> Vec<String> {
        let mut col = Collected::default();
        definitions(text, language, &mut col);
        col.defs.into_iter().map(|d| d.qual).collect()
    }

    fn defs(text: &str) -> Vec<(String, Kind, u32, u32)> {
        defs_in(text, "")
    }

    fn defs_in(text: &str, language: &str) -> Vec<(String, Kind, u32, u32)> {
        defs_with_docs(text, language)
            .into_iter()
            .map(|(qual, kind, start, end, _)| (qual, kind, start, end))
            .collect()
    }

    #[test]
    fn ruby_classes_and_methods_run_to_their_end() {
        let ruby = "# A cache.\n\
                    class LruCache\n\
                    \x20 # Reads a key.\n\
                    \x20 def get(key)\n\
                    \x20   @store[key]\n\
                    \x20 end\n\
                    \n\
                    \x20 def self.build(n) = new(n)\n\
                    end\n";
        assert_eq!(
            defs(ruby),
            [
                ("LruCache".to_string(), Kind::Class, 2, 9),
                ("LruCache.get".to_string(), Kind::Method, 4, 6),
                ("LruCache.build".to_string(), Kind::Method, 8, 8),
            ]
        );
    }

    #[test]
    fn braces_modifiers_and_shell_functions() {
        let kotlin = "class Pool {\n    private suspend fun take(): Conn {\n        return q.poll()\n    }\n}\n";
        assert_eq!(
            defs_in(kotlin, "kotlin"),
            [
                ("Pool".to_string(), Kind::Class, 1, 5),
                ("Pool.take".to_string(), Kind::Method, 2, 4),
            ]
        );
        let php = "<?php\nfinal class Router\n{\n    public function match($path)\n    {\n        return null;\n    }\n}\n";
        let got = defs(php);
        assert_eq!(got[1], ("Router.match".to_string(), Kind::Method, 4, 7));
        let sh = "usage() {\n  echo hi\n}\nmain() {\n  usage\n}\n";
        assert_eq!(
            defs(sh),
            [
                ("usage".to_string(), Kind::Function, 1, 3),
                ("main".to_string(), Kind::Function, 4, 6),
            ]
        );
        // GNU style opens the body below the name; bash-completion registers the function
        // after its brace.
        let gnu = "_ssh()\n{\n    local cur\n    _init_completion || return\n} &&\n    \
                   complete -F _ssh ssh\n\n__ltrim-colon()\n{\n    :\n} # __ltrim-colon()\n\
                   echo done\n";
        let mut col = Collected::default();
        definitions(gnu, "shell", &mut col);
        let got: Vec<_> = col
            .defs
            .iter()
            .map(|d| (d.qual.as_str(), d.start, d.end))
            .collect();
        assert_eq!(got, [("_ssh", 1, 5), ("__ltrim-colon", 8, 11)]);
        // Elsewhere a call on its own line is no function.
        assert!(defs("init()\n{ x }\n").is_empty());
    }

    #[test]
    fn swift_annotations_initializers_and_scoped_setters() {
        let swift = "@objc(CAPBridge)\n\
                     @objc public class Bridge: NSObject {\n\
                     \x20   public private(set) var webView: WKWebView?\n\
                     \x20   public class var shared: Bridge { return b }\n\
                     \x20   @objc public required init(config: Config) {\n\
                     \x20       self.config = config\n\
                     \x20   }\n\
                     \x20   @discardableResult @objc(evalJS:) func eval(js: String) -> Bool {\n\
                     \x20       return true\n\
                     \x20   }\n\
                     }\n\
                     @objc public protocol Router {\n\
                     \x20   func route(for path: String) -> String\n\
                     }\n";
        assert_eq!(
            defs_in(swift, "swift"),
            [
                ("Bridge".to_string(), Kind::Class, 2, 11),
                ("Bridge.init".to_string(), Kind::Method, 5, 7),
                ("Bridge.eval".to_string(), Kind::Method, 8, 10),
                ("Router".to_string(), Kind::Interface, 12, 14),
                ("Router.route".to_string(), Kind::Method, 13, 13),
            ]
        );
    }

    #[test]
    fn scala_scoped_modifiers_and_annotated_methods() {
        let scala = "final class Vector[+A] extends Seq[A] {\n\
                     \x20 private[immutable] def gotoPos(index: Int): Unit = {\n\
                     \x20   display = index\n\
                     \x20 }\n\
                     \x20 @tailrec final def loop(n: Int): Int =\n\
                     \x20   if (n == 0) 0 else loop(n - 1)\n\
                     }\n";
        assert_eq!(
            defs(scala),
            [
                ("Vector".to_string(), Kind::Class, 1, 7),
                ("Vector.gotoPos".to_string(), Kind::Method, 2, 4),
                ("Vector.loop".to_string(), Kind::Method, 5, 6),
            ]
        );
    }

    #[test]
    fn objective_c_classes_run_to_their_end_and_hold_their_methods() {
        let objc = "#import \"CAPPlugin.h\"\n\
                    #define CAP_PLUGIN(name) \\\n\
                    @interface name : NSObject \\\n\
                    - (void)load; \\\n\
                    @end\n\
                    @protocol CAPBridge;\n\
                    \n\
                    @implementation CAPPlugin\n\
                    \n\
                    - (void)notifyListeners:(NSString *)name data:(NSDictionary *)data {\n\
                    \x20 [self fire:name];\n\
                    }\n\
                    \n\
                    + (instancetype)pluginWithId:(NSString *)pluginId\n\
                    {\n\
                    \x20 return nil;\n\
                    }\n\
                    \n\
                    @end\n";
        assert_eq!(
            defs(objc),
            [
                ("CAPPlugin".to_string(), Kind::Class, 8, 19),
                (
                    "CAPPlugin.notifyListeners".to_string(),
                    Kind::Method,
                    10,
                    12
                ),
                ("CAPPlugin.pluginWithId".to_string(), Kind::Method, 14, 17),
            ]
        );
    }

    #[test]
    fn elixir_private_macros_guards_and_delegates() {
        let elixir = "defmodule Mix.Dep do\n\
                      \x20 defguardp is_dep(d) when is_map(d)\n\
                      \x20 defdelegate load(dep), to: Mix.Dep.Loader\n\
                      \x20 defmacrop cached(key) do\n\
                      \x20   quote do: unquote(key)\n\
                      \x20 end\n\
                      end\n";
        assert_eq!(
            defs(elixir),
            [
                ("Dep".to_string(), Kind::Module, 1, 7),
                ("Dep.is_dep".to_string(), Kind::Method, 2, 2),
                ("Dep.load".to_string(), Kind::Method, 3, 3),
                ("Dep.cached".to_string(), Kind::Method, 4, 6),
            ]
        );
    }

    #[test]
    fn groovy_variables_are_no_methods_and_nim_iterators_are_functions() {
        let groovy = "class CliBuilder {\n    static expand(args) {\n        def result = []\n        \
                      result << args\n        return result\n    }\n}\n";
        assert_eq!(
            def_quals(groovy, "groovy"),
            ["CliBuilder", "CliBuilder.expand"]
        );
        let nim = "iterator split*(s: string, sep: char): string =\n  yield s\n\n\
                   converter toInt(c: char): int = ord(c)\n";
        assert_eq!(def_quals(nim, "nim"), ["split", "toInt"]);
    }

    #[test]
    fn a_nim_routine_is_documented_by_the_hash_lines_that_open_its_body() {
        let nim = "proc isDigit*(c: char): bool {.rtl.} =\n  \
                   ## Checks whether `c` is a digit.\n  ##\n  ## Only 0-9.\n  \
                   result = c in Digits\n\n\
                   iterator split*(s: string, sep: char,\n                maxsplit: int = -1): string =\n  \
                   ## Splits `s` at `sep`.\n  \
                   yield s\n\n\
                   proc noDoc(): int =\n  1\n";
        let mut col = Collected::default();
        definitions(nim, "nim", &mut col);
        let docs: Vec<&str> = col.defs.iter().map(|d| d.doc.as_str()).collect();
        assert_eq!(
            docs,
            [
                "Checks whether `c` is a digit.\n\nOnly 0-9.",
                "Splits `s` at `sep`.",
                ""
            ]
        );
    }

    #[test]
    fn ruby_and_elixir_predicates_keep_their_mark() {
        let ruby = "class Dep\n  def ok?\n    true\n  end\n\n  def save!(x)\n    x\n  end\nend\n";
        assert_eq!(def_quals(ruby, "ruby"), ["Dep", "Dep.ok?", "Dep.save!"]);
        let elixir = "defmodule Mix.Dep do\n  defp converge?(a, b) do\n    a == b\n  end\nend\n";
        assert_eq!(
            def_quals(elixir, "elixir"),
            ["Mix.Dep", "Mix.Dep.converge?"]
        );
    }

    #[test]
    fn a_heredoc_at_column_zero_does_not_end_its_class() {
        let ruby = "class Files\n  def heading\n<<-EOF\nContent-Type: x\nEOF\n  end\n\n  def fail\n    1\n  end\nend\n";
        assert_eq!(
            defs(ruby),
            [
                ("Files".to_string(), Kind::Class, 1, 11),
                ("Files.heading".to_string(), Kind::Method, 2, 6),
                ("Files.fail".to_string(), Kind::Method, 8, 10),
            ]
        );
    }

    #[test]
    fn a_shift_is_no_heredoc() {
        let java = "class Swar {\n    // long v = (c[1]<<16)|(c[2]<<32);\n    static long first(long v) {\n        return v << 16;\n    }\n\n    static long second(long v) {\n        return v;\n    }\n}\n";
        assert_eq!(
            defs(java),
            [
                ("Swar".to_string(), Kind::Class, 1, 10),
                ("Swar.first".to_string(), Kind::Method, 3, 5),
                ("Swar.second".to_string(), Kind::Method, 7, 9),
            ]
        );
    }

    #[test]
    fn lua_functions_keep_their_dash_comments_as_docs() {
        let lua = "--- compare two values.\n-- @param a first\nfunction tablex.deepcompare(a, b)\n  return a == b\nend\n";
        let mut col = Collected::default();
        definitions(lua, "lua", &mut col);
        let d = &col.defs[0];
        assert_eq!((d.qual.as_str(), d.start, d.end), ("deepcompare", 3, 5));
        assert!(d.doc.starts_with("compare two values."), "{:?}", d.doc);
    }

    #[test]
    fn elixir_doc_strings_and_attributed_docs_describe_the_definition_below() {
        let elixir = "defmodule Mix.Dep.Lock do\n\
                      \x20 @doc \"\"\"\n\
                      \x20 Reads the lock file.\n\
                      \x20 \"\"\"\n\
                      \x20 @spec read(Path.t()) :: map\n\
                      \x20 def read(file) do\n\
                      \x20   File.read!(file)\n\
                      \x20 end\n\
                      \n\
                      \x20 @doc \"Writes it back.\"\n\
                      \x20 def write(map), do: :ok\n\
                      end\n";
        let mut col = Collected::default();
        definitions(elixir, "elixir", &mut col);
        let docs: Vec<(&str, &str)> = col
            .defs
            .iter()
            .map(|d| (d.qual.as_str(), d.doc.as_str()))
            .collect();
        assert_eq!(
            docs,
            [
                ("Mix.Dep.Lock", ""),
                ("Mix.Dep.Lock.read", "Reads the lock file."),
                ("Mix.Dep.Lock.write", "Writes it back."),
            ]
        );
        // A C# attribute sits between a method and its doc comment, as a Swift one does.
        let csharp = "class A\n{\n    /// Counts the items.\n    [Pure]\n    public int Count() { return 1; }\n}\n";
        let mut col = Collected::default();
        definitions(csharp, "csharp", &mut col);
        assert_eq!(col.defs[1].doc, "Counts the items.");
    }

    #[test]
    fn perl_pod_and_julia_doc_strings_describe_the_definition_below() {
        let docs = |src: &str| -> Vec<(String, String)> {
            let mut col = Collected::default();
            definitions(src, "", &mut col);
            col.defs.into_iter().map(|d| (d.qual, d.doc)).collect()
        };
        let perl = "=head1 FUNCTIONS\n\n=over 4\n\n\
                    =item $arch = get_build_arch()\n\n\
                    Get the build architecture.\n\n=cut\n\n\
                    sub get_build_arch()\n{\n    return 1;\n}\n";
        assert_eq!(
            docs(perl),
            [(
                "get_build_arch".to_string(),
                "$arch = get_build_arch()\n\nGet the build architecture.".to_string()
            )]
        );
        let julia = "\"\"\"\n    mean(v)\n\nCompute the average of `v`.\n\"\"\"\n\
                     function mean(v)\n    sum(v) / length(v)\nend\n\n\
                     usage = \"\"\"\nrun it\n\"\"\"\nfunction main()\nend\n";
        assert_eq!(
            docs(julia),
            [
                (
                    "mean".to_string(),
                    "mean(v)\n\nCompute the average of `v`.".to_string()
                ),
                ("main".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn declarations_without_a_body_are_stubs() {
        let stubs = |src: &str, language: &str| -> Vec<(String, bool)> {
            let mut col = Collected::default();
            definitions(src, language, &mut col);
            col.defs.into_iter().map(|d| (d.qual, d.stub)).collect()
        };
        let swift = "protocol Router {\n    func route(for path: String) -> String\n}\n\
                     class Web: Router {\n    func route(for path: String) -> String {\n        return path\n    }\n}\n";
        assert_eq!(
            stubs(swift, "swift"),
            [
                ("Router".to_string(), false),
                ("Router.route".to_string(), true),
                ("Web".to_string(), false),
                ("Web.route".to_string(), false),
            ]
        );
        let csharp = "public interface IStore\n{\n    int Count();\n}\n";
        assert_eq!(
            stubs(csharp, "csharp")[1],
            ("IStore.Count".to_string(), true)
        );
        let mli = "(** Runs it. *)\nval exec : re -> string -> int\n";
        assert_eq!(stubs(mli, "ocaml"), [("exec".to_string(), true)]);
    }

    #[test]
    fn solidity_contracts_hold_their_constructor_modifiers_and_functions() {
        let sol = "abstract contract Ownable is Context {\n\
                   \x20   address private _owner;\n\
                   \x20   constructor() {\n\
                   \x20       _transferOwnership(_msgSender());\n\
                   \x20   }\n\
                   \x20   modifier onlyOwner() {\n\
                   \x20       _checkOwner();\n\
                   \x20       _;\n\
                   \x20   }\n\
                   \x20   function owner() public view virtual returns (address) {\n\
                   \x20       return _owner;\n\
                   \x20   }\n\
                   }\n\
                   library SafeMath {\n\
                   \x20   function tryAdd(uint256 a, uint256 b) internal pure returns (bool, uint256) {\n\
                   \x20       return (true, a + b);\n\
                   \x20   }\n\
                   }\n";
        let mut col = Collected::default();
        definitions(sol, "solidity", &mut col);
        let found: Vec<(String, Kind, u32, u32)> = col
            .defs
            .into_iter()
            .map(|d| (d.qual, d.kind, d.start, d.end))
            .collect();
        assert_eq!(
            found,
            [
                ("Ownable".to_string(), Kind::Class, 1, 13),
                ("Ownable.constructor".to_string(), Kind::Method, 3, 5),
                ("Ownable.onlyOwner".to_string(), Kind::Method, 6, 9),
                ("Ownable.owner".to_string(), Kind::Method, 10, 12),
                ("SafeMath".to_string(), Kind::Class, 14, 18),
                ("SafeMath.tryAdd".to_string(), Kind::Method, 15, 17),
            ]
        );
    }

    #[test]
    fn an_ocaml_interface_documents_its_values_below_them() {
        let mli = "val get_opt : t -> int -> string option\n\
                   (** Similar to {!get}, but returns an option. *)\n\
                   \n\
                   val offset : t -> int -> int * int\n\
                   (** Raise [Not_found] if the group did not match *)\n\
                   \n\
                   val test : t -> int -> bool\n\
                   \n\
                   (** Of the next one. *)\n\
                   val all : t -> string array\n";
        let mut col = Collected::default();
        definitions(mli, "ocaml", &mut col);
        let docs: Vec<(&str, &str)> = col
            .defs
            .iter()
            .map(|d| (d.name.as_str(), d.doc.as_str()))
            .collect();
        assert_eq!(
            docs,
            [
                ("get_opt", "Similar to {!get}, but returns an option."),
                ("offset", "Raise [Not_found] if the group did not match"),
                ("test", ""),
                ("all", "Of the next one."),
            ]
        );
    }

    #[test]
    fn functions_assigned_to_names_and_hyphenated_names() {
        let r = "#' Cache info.\n\
                 cache_info <- function(r) {\n\
                 \x20 stopifnot(is.response(r))\n\
                 }\n\
                 print.response <- function(x, ...) x\n\
                 square = function(x) x^2\n\
                 total <- sum(1, 2)\n";
        assert_eq!(
            defs(r),
            [
                ("cache_info".to_string(), Kind::Function, 2, 4),
                ("print.response".to_string(), Kind::Function, 5, 5),
                ("square".to_string(), Kind::Function, 6, 6),
            ]
        );
        let lua = "local M = {}\nM.join = function(a, b)\n  return a .. b\nend\n";
        assert_eq!(defs(lua), [("join".to_string(), Kind::Function, 2, 4)]);
        let vue = "const save = async (item) => {\n  await api.put(item)\n}\nconst n = (a) + 1\n";
        assert_eq!(defs(vue), [("save".to_string(), Kind::Function, 1, 3)]);
        let ps1 = "function Get-Item {\n    param($Path)\n}\n";
        assert_eq!(defs(ps1), [("Get-Item".to_string(), Kind::Function, 1, 3)]);
        let julia =
            "mutable struct Counter\n    n::Int\nend\nmacro twice(ex)\n    :($ex; $ex)\nend\n";
        assert_eq!(
            defs(julia),
            [
                ("Counter".to_string(), Kind::Class, 1, 3),
                ("twice".to_string(), Kind::Function, 4, 6),
            ]
        );
    }

    #[test]
    fn a_perl_package_holds_its_subs_and_pod_is_no_code() {
        let perl = "package LWP::RobotUA;\n\
                    \n\
                    =head1 NAME\n\
                    \n\
                    sub not_code { }\n\
                    \n\
                    =cut\n\
                    \n\
                    sub host_wait {\n\
                    \x20   my $self = shift;\n\
                    }\n\
                    \n\
                    package LWP::RobotUA::Rules;\n\
                    sub allowed {\n\
                    }\n\
                    1;\n\
                    __END__\n\
                    sub after_end { }\n";
        let mut col = Collected::default();
        definitions(perl, "perl", &mut col);
        let got: Vec<(&str, u32, u32)> = col
            .defs
            .iter()
            .map(|d| (d.qual.as_str(), d.start, d.end))
            .collect();
        assert_eq!(
            got,
            [
                ("RobotUA", 1, 11),
                ("RobotUA.host_wait", 9, 11),
                ("Rules", 13, 16),
                ("Rules.allowed", 14, 15),
            ]
        );
        // Kotlin's `package` names a namespace: no definition.
        let mut col = Collected::default();
        definitions(
            "package kotlinx.coroutines\n\nfun go() {\n}\n",
            "kotlin",
            &mut col,
        );
        assert_eq!(col.defs.len(), 1);
        assert_eq!(col.defs[0].qual, "go");
    }

    #[test]
    fn a_csharp_property_whose_accessors_run_code_is_a_method() {
        let csharp = "public class Writer\n{\n    /// <summary>\n    /// Gets the state of the writer.\n    /// </summary>\n    public WriteState WriteState\n    {\n        get\n        {\n            switch (_state)\n            {\n                case State.Error:\n                    return WriteState.Error;\n                default:\n                    return WriteState.Start;\n            }\n        }\n    }\n\n    public int Top\n    {\n        get { return _stack.Count; }\n    }\n\n    [Obsolete]\n    internal override string Path {\n        private set => _path = value;\n    }\n\n    public bool Handled { get; set; }\n\n    public string Name\n    {\n        get;\n        private set;\n    }\n\n    public void Flush()\n    {\n        var total = Count\n        {\n            get => 1\n        };\n    }\n}\n";
        let found = defs(csharp);
        assert_eq!(
            found,
            [
                ("Writer".to_string(), Kind::Class, 1, 45),
                ("Writer.WriteState".to_string(), Kind::Method, 6, 18),
                ("Writer.Top".to_string(), Kind::Method, 20, 23),
                ("Writer.Path".to_string(), Kind::Method, 26, 28),
                ("Writer.Flush".to_string(), Kind::Method, 38, 44),
            ],
            "auto-properties (one line or four) are fields, and a method's statements no members"
        );
        assert_eq!(
            defs_with_docs(csharp, "csharp")[1].4,
            "Gets the state of the writer."
        );
    }

    #[test]
    fn swift_and_kotlin_properties_that_run_code_are_definitions() {
        let swift = "public class Bridge {\n    var config: Config\n    var name: String { get set }\n\n    /// The scheme the web view serves.\n    public var scheme: String {\n        return config.scheme ?? \"capacitor\"\n    }\n\n    override open var prefersStatusBarHidden: Bool {\n        get { return hidden }\n        set { hidden = newValue }\n    }\n\n    lazy var formatter: DateFormatter = {\n        let f = DateFormatter()\n        return f\n    }()\n}\n";
        assert_eq!(
            defs_in(swift, "swift"),
            [
                ("Bridge".to_string(), Kind::Class, 1, 19),
                ("Bridge.scheme".to_string(), Kind::Method, 6, 8),
                (
                    "Bridge.prefersStatusBarHidden".to_string(),
                    Kind::Method,
                    10,
                    13
                ),
                ("Bridge.formatter".to_string(), Kind::Method, 15, 18),
            ]
        );
        let kotlin = "/** Returns true when the job is active. */\npublic val CoroutineContext.isActive: Boolean\n    get() = this[Job]?.isActive == true\n\nclass Channel {\n    var size: Int = 0\n        private set\n    override val isEmpty: Boolean get() = size == 0\n    private val debug: String\n        get() {\n            return \"size=$size\"\n        }\n}\n";
        assert_eq!(
            defs_in(kotlin, "kotlin"),
            [
                ("isActive".to_string(), Kind::Function, 2, 3),
                ("Channel".to_string(), Kind::Class, 5, 13),
                ("Channel.isEmpty".to_string(), Kind::Method, 8, 8),
                ("Channel.debug".to_string(), Kind::Method, 9, 12),
            ]
        );
    }

    #[test]
    fn zig_containers_hold_their_functions() {
        let zig = "const std = @import(\"std\");\n\npub const Buffer = struct {\n    len: usize,\n\n    /// Appends one byte.\n    pub fn append(self: *Buffer, b: u8) !void {\n        self.len += 1;\n    }\n};\n\nconst Tag = union(enum) {\n    int: i64,\n};\n\nconst limit = max(a, b);\n";
        assert_eq!(
            defs_in(zig, "zig"),
            [
                ("Buffer".to_string(), Kind::Class, 3, 10),
                ("Buffer.append".to_string(), Kind::Method, 7, 9),
                ("Tag".to_string(), Kind::Class, 12, 14),
            ]
        );
    }

    #[test]
    fn dart_getters_and_setters_are_definitions() {
        let dart = "/// The version string.\nString get version => '1.0';\n\nabstract class Sized {\n  int get length;\n}\n\nclass Cart {\n  static Cart get instance => _instance;\n\n  /// The total, with the discount taken off.\n  double get total {\n    var sum = 0.0;\n    return sum - discount;\n  }\n\n  Future<int> get count async {\n    return await _store.count();\n  }\n\n  set discountCode(String code) {\n    _code = code;\n  }\n}\n";
        assert_eq!(
            defs_with_docs(dart, "dart")
                .into_iter()
                .map(|(qual, kind, start, end, doc)| (qual, kind, start, end, doc.is_empty()))
                .collect::<Vec<_>>(),
            [
                ("version".to_string(), Kind::Function, 2, 2, false),
                ("Sized".to_string(), Kind::Class, 4, 6, true),
                ("Cart".to_string(), Kind::Class, 8, 24, true),
                ("Cart.instance".to_string(), Kind::Method, 9, 9, true),
                ("Cart.total".to_string(), Kind::Method, 12, 15, false),
                ("Cart.count".to_string(), Kind::Method, 17, 19, true),
                ("Cart.discountCode".to_string(), Kind::Method, 21, 23, true),
            ]
        );
    }

    #[test]
    fn methods_declared_by_their_type_are_found() {
        let csharp = "namespace Shop\n{\n    public class Cart : IDisposable\n    {\n        private readonly List<Item> items = new List<Item>();\n\n        public Cart(int size)\n        {\n            Reserve(size);\n        }\n\n        [Obsolete]\n        public async Task<decimal> TotalAsync(\n            Discount d)\n        {\n#if DEBUG\n            Log(d);\n#endif\n            return await Sum(d);\n        }\n\n        public int Count => items.Count;\n        public override string ToString() => $\"{Count}\";\n    }\n}\n";
        assert_eq!(
            defs(csharp),
            // A namespace qualifies nothing: C# names a class without it, as Java without
            // its package.
            [
                ("Cart".to_string(), Kind::Class, 3, 24),
                ("Cart.Cart".to_string(), Kind::Method, 7, 10),
                ("Cart.TotalAsync".to_string(), Kind::Method, 13, 20),
                ("Cart.ToString".to_string(), Kind::Method, 23, 23),
            ]
        );
        let dart = "Future<void> main() async {\n  await run(args);\n}\n\nclass Store {\n  int get size => _items.length;\n  void add(Item item) {\n    _items.add(item);\n  }\n}\n";
        assert_eq!(
            defs(dart),
            [
                ("main".to_string(), Kind::Function, 1, 3),
                ("Store".to_string(), Kind::Class, 5, 10),
                ("Store.add".to_string(), Kind::Method, 7, 9),
            ]
        );
        let interface = "public interface IStore\n{\n    Task<Item> Find(string key);\n    void Save(Item item);\n}\n";
        assert_eq!(
            defs(interface),
            [
                ("IStore".to_string(), Kind::Interface, 1, 5),
                ("IStore.Find".to_string(), Kind::Method, 3, 3),
                ("IStore.Save".to_string(), Kind::Method, 4, 4),
            ]
        );
        let java = "public @interface Exclude {\n}\nclass Range {\n    public static <T extends Comparable<? super T>> Range<T> is(final T v) {\n        return null;\n    }\n}\n";
        assert_eq!(
            defs(java),
            [
                ("Exclude".to_string(), Kind::Interface, 1, 2),
                ("Range".to_string(), Kind::Class, 3, 7),
                ("Range.is".to_string(), Kind::Method, 4, 6),
            ]
        );
        let generic =
            "interface Printer {\n    <B extends Appendable> B format(long millis, B buf);\n}\n";
        assert_eq!(
            defs(generic)[1],
            ("Printer.format".to_string(), Kind::Method, 2, 2)
        );
        let ctor = "enum Arch {\n    BIT_32;\n    Arch(final String label) {\n        this.label = label;\n    }\n}\n";
        assert_eq!(defs(ctor)[1], ("Arch.Arch".to_string(), Kind::Method, 3, 5));
        let annotated = "class Delegate {\n    @Override public int size() { return d.size(); }\n    [Pure] public bool Empty() => size() == 0;\n}\n";
        assert_eq!(
            defs(annotated),
            [
                ("Delegate".to_string(), Kind::Class, 1, 4),
                ("Delegate.size".to_string(), Kind::Method, 2, 2),
                ("Delegate.Empty".to_string(), Kind::Method, 3, 3),
            ]
        );
        // Nor is a comment's sentence that runs into a parenthesis, in a class.
        let prose = "class Form {\n    /**\n     Connection will inherit the cookies (etc) of the page.\n    */\n    void submit() {\n    }\n}\n";
        assert_eq!(
            defs(prose),
            [
                ("Form".to_string(), Kind::Class, 1, 7),
                ("Form.submit".to_string(), Kind::Method, 5, 6),
            ]
        );
        // Calls and statements, in a body or outside one, are not definitions.
        let calls = "logger.Info(\n    \"x\");\nreturn Compute(a, b) {\nvar total = Sum(items);\nawait Save(x) {\n";
        assert!(defs(calls).is_empty(), "{:?}", defs(calls));
    }

    #[test]
    fn kotlin_generics_receivers_and_enum_classes() {
        let kotlin = "public fun <T> Flow<T>.firstOrNull(): T? {\n    return null\n}\n\n\
                      enum class Mode {\n    FAST\n}\n\n\
                      internal class Box<T>(val v: T) : Holder {\n    inline fun <reified R> cast(): R {\n        return v as R\n    }\n}\n";
        assert_eq!(
            defs_in(kotlin, "kotlin"),
            [
                ("firstOrNull".to_string(), Kind::Function, 1, 3),
                ("Mode".to_string(), Kind::Class, 5, 7),
                ("Box".to_string(), Kind::Class, 9, 13),
                ("Box.cast".to_string(), Kind::Method, 10, 12),
            ]
        );
        let params = "internal class Scheduler(\n    val size: Int,\n    val name: String\n) : Executor {\n    fun shutdown() {\n    }\n}\n";
        assert_eq!(
            defs(params),
            [
                ("Scheduler".to_string(), Kind::Class, 1, 7),
                ("Scheduler.shutdown".to_string(), Kind::Method, 5, 6),
            ]
        );
        let ruby = "class Request\n  def method\n    @env[\"REQUEST_METHOD\"]\n  end\nend\n";
        assert_eq!(
            defs(ruby)[1],
            ("Request.method".to_string(), Kind::Method, 2, 4)
        );
        let lua =
            "function Stack:push(x)\n  self[#self + 1] = x\nend\nfunction Date:_init(t)\nend\n";
        assert_eq!(
            defs(lua),
            [
                ("push".to_string(), Kind::Function, 1, 3),
                ("_init".to_string(), Kind::Function, 4, 5),
            ]
        );
    }

    /// C#'s preprocessor lines are no comments, and a method returning `object` is no
    /// Scala or Kotlin `object`.
    #[test]
    fn csharp_directives_are_no_docs_and_an_object_return_is_no_object() {
        let csharp = "public class Writer\n{\n    #region Serialize\n    /// <summary>\n    /// Writes the value as JSON text.\n    /// </summary>\n    public string Write(object value)\n    {\n        return Text(value);\n    }\n    #endregion\n\n#if !(NET20 || NET35)\n    [SecuritySafeCritical]\n#endif\n    private object CreateDynamic(JsonReader reader)\n    {\n        return null;\n    }\n}\n";
        let mut col = Collected::default();
        definitions(csharp, "c#", &mut col);
        let found: Vec<(&str, Kind, u32, &str)> = col
            .defs
            .iter()
            .map(|d| (d.qual.as_str(), d.kind, d.start, d.doc.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("Writer", Kind::Class, 1, ""),
                (
                    "Writer.Write",
                    Kind::Method,
                    7,
                    "Writes the value as JSON text."
                ),
                ("Writer.CreateDynamic", Kind::Method, 16, ""),
            ]
        );
        let scala = "object Cache {\n  def get(key: String): Int = 0\n}\n";
        assert_eq!(defs(scala)[0], ("Cache".to_string(), Kind::Class, 1, 3));
        // Attributes before a method on its line, PHP's and nested ones too.
        let attributed = "class Store {\n    #[Pure] public function size(): int {\n        return 0;\n    }\n    [Obsolete(\"use a[0]\")] public void Save() {\n    }\n}\n";
        assert_eq!(
            defs(attributed),
            [
                ("Store".to_string(), Kind::Class, 1, 7),
                ("Store.size".to_string(), Kind::Method, 2, 4),
                ("Store.Save".to_string(), Kind::Method, 5, 6),
            ]
        );
    }

    fn java_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                java_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "java") {
                out.push(path);
            }
        }
    }

    /// A measure, run by hand: how closely reading lines finds the methods and classes the
    /// Java grammar finds, over the Java sources under `POTPIE_TEXT_VS_GRAMMAR`. Java is the
    /// closest language with a grammar to C# and Dart, which only reading lines serves.
    /// `POTPIE_TEXT_VS_GRAMMAR=~/potpie-corpora/jsoup/src/main cargo test --release --lib
    /// reading_lines_finds_what_the_java_grammar_finds -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn reading_lines_finds_what_the_java_grammar_finds() {
        use std::io::Write as _;
        let Ok(dir) = std::env::var("POTPIE_TEXT_VS_GRAMMAR") else {
            return;
        };
        let mut files = Vec::new();
        java_files(std::path::Path::new(&dir), &mut files);
        let (mut found, mut extra, mut missed) = (0usize, 0usize, 0usize);
        let mut parsers = super::super::Parsers::default();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("read");
            let mut col = Collected::default();
            definitions(&text, "", &mut col);
            let grammar = super::super::parse_file("x.java", Lang::Java, &text, &mut parsers);
            let mut want: Vec<(u32, &str)> = grammar
                .symbols
                .iter()
                .filter(|s| {
                    matches!(
                        s.kind,
                        Kind::Method | Kind::Function | Kind::Class | Kind::Interface
                    )
                })
                .map(|s| (s.start, s.name().rsplit(['.', ':']).next().unwrap_or("")))
                .collect();
            for d in &col.defs {
                // The grammar starts a definition at its annotations, the lines at its name.
                match want.iter().position(|&(line, name)| {
                    name == d.name && (line..=line + 3).contains(&d.start)
                }) {
                    Some(i) => {
                        want.swap_remove(i);
                        found += 1;
                    }
                    None => extra += 1,
                }
            }
            missed += want.len();
        }
        let precision = found as f64 / (found + extra).max(1) as f64;
        let recall = found as f64 / (found + missed).max(1) as f64;
        let figures = format!(
            "{} files: {found} found, {extra} extra, {missed} missed; precision {precision:.3}, recall {recall:.3}",
            files.len()
        );
        // To stderr, as everything but the protocol: stdout is the LSP channel.
        let _ = writeln!(std::io::stderr(), "{figures}");
        assert!(precision >= 0.98 && recall >= 0.95, "{figures}");
    }

    #[test]
    fn prose_and_calls_are_no_definitions() {
        assert!(defs("puts 'class is open'\nx = def_value\nreturn fun\n").is_empty());
    }
}
