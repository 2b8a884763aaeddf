//! The one sentence an answer shows to describe a definition: the first sentence of its doc,
//! with the markup the doc was written in turned into the Markdown the answer is written in.
//!
//! Docs are written for a generator, and each language's has its own markup: Javadoc's and
//! JSDoc's `{@link Foo#bar}` and `{@code x}`, Sphinx's ``:meth:`bar` ``, rustdoc's
//! ``[`Foo`](crate::Foo)``, Haddock's `@code@` and `'Ident'`, OpenZeppelin's NatSpec
//! `{IERC20-transfer}`. Shown raw they are noise between the words; about one description in
//! ten carried some. And a doc that opens with its tags (`@param`, `@return`) says nothing
//! about what the definition does before them.

mod markup;

use markup::inline_markdown;

/// How a language's docs mark code beyond what all share (Javadoc-style braces, Sphinx roles,
/// double backticks, Markdown links, HTML anchors).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Dialect {
    /// Haddock: `@code@` and `'identifier'`.
    Haddock,
    /// Solidity's NatSpec as OpenZeppelin writes it: `{IERC20}`, `{Governor-state}`.
    NatSpec,
    /// `[Name]` is a link to code: rustdoc, KDoc, Dart, Scaladoc's `[[Name]]`.
    Brackets,
    /// OCaml's odoc: `[code]`, `{!Module.value}`, `{b bold}`.
    Odoc,
    /// Perl's POD: `C<code>`, `B<bold>`, `L<link>`.
    Pod,
    /// Ruby's RDoc: `+code+`.
    Rdoc,
    /// A Lisp docstring: `\\"` is a quote; Emacs Lisp quotes code `` `like-this' `` and names
    /// a command's key as `\\[command]`.
    Lisp,
    Plain,
}

impl Dialect {
    /// The dialect of a language, by the label `Lang::label` gives it.
    pub(super) fn of(label: &str) -> Dialect {
        match label {
            "haskell" => Dialect::Haddock,
            "solidity" => Dialect::NatSpec,
            "rust" | "kotlin" | "scala" | "dart" => Dialect::Brackets,
            "ocaml" => Dialect::Odoc,
            "perl" => Dialect::Pod,
            "ruby" => Dialect::Rdoc,
            "emacs-lisp" | "common-lisp" | "scheme" | "racket" | "clojure" => Dialect::Lisp,
            _ => Dialect::Plain,
        }
    }
}

/// Longest description, in characters.
const MAX_CHARS: usize = 200;

/// The first sentence of `doc` (cleaned by `parse::clean_doc`: comment markers gone,
/// paragraphs apart by a blank line), in Markdown. `None` when the doc says nothing about
/// what the definition does: only parameter tags, a banner, a one-word section title.
pub(super) fn describe(doc: &str, dialect: Dialect) -> Option<String> {
    let mut from_tags = None;
    let mut fields = None;
    for para in doc.trim().split("\n\n") {
        let mut para = without_banners(&without_heading_lines(&without_reference_lines(para)));
        if let Some(purpose) = function_header_purpose(&para) {
            para = purpose;
        }
        para = without_summary_tag(&para).to_string();
        if dialect != Dialect::Haddock {
            para = without_flag_tags(&para);
        }
        let (prose, tags) = if dialect == Dialect::Haddock {
            // Haddock has no block tags, and its `@` marks code.
            (para.as_str(), "")
        } else {
            split_at_block_tags(&para)
        };
        let prose = prose.trim();
        if from_tags.is_none() {
            from_tags = tag_summary(tags);
        }
        if prose.is_empty() || is_title(prose) || is_work_note(prose) {
            continue;
        }
        // A call's signature says less than the prose after it, but names the parameters
        // better than the code's own head when nothing follows.
        if is_field_block(prose) || is_call_signature(prose) {
            fields.get_or_insert_with(|| prose.to_string());
            continue;
        }
        // The doc may open with a list's first item (`* +read+ behaves like IO#read.`).
        let prose = prose
            .strip_prefix("* ")
            .or_else(|| prose.strip_prefix("- "))
            .unwrap_or(prose);
        return Some(first_sentence(&inline_markdown(prose, dialect)));
    }
    // Only tags: what the definition returns, or that it is deprecated, says most; then
    // fields or a call's signature.
    from_tags
        .or(fields)
        .map(|t| first_sentence(&inline_markdown(&t, dialect)))
}

/// The prose of a function header written as fields (its banners gone), as Erlang/OTP's code
/// does: `Func: start_children/2`, `Args: …`, `Purpose: Start all children.`, `Returns: …`. The
/// purpose is the description; a header without one says nothing (`None` when `para` is no
/// such header; `Some("")` when it is one without a purpose).
fn function_header_purpose(para: &str) -> Option<String> {
    if !(para.starts_with("Func:") || para.starts_with("Function:")) {
        return None;
    }
    let Some((_, purpose)) = para.split_once("Purpose:") else {
        return Some(String::new());
    };
    // It runs to the next field (`Returns: …`).
    let is_field = |w: &str| {
        w.strip_suffix(':').is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphabetic())
        })
    };
    let words: Vec<&str> = purpose
        .split_whitespace()
        .take_while(|w| !is_field(w))
        .collect();
    Some(words.join(" "))
}

/// A paragraph of `Name : value` lines, as a Haskell module's header opens its doc with
/// (`Module : Text.Megaparsec.Pos`, `Copyright : …`, `License : FreeBSD`): no description.
fn is_field_block(para: &str) -> bool {
    para.lines().all(|line| {
        line.split_once(" : ")
            .or_else(|| line.split_once(":  "))
            .is_some_and(|(name, _)| {
                let name = name.trim();
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.len() <= 20
                    && name.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
            })
    })
}

/// One word and no full stop: the title of a section (`// ---- read ----`, `Views`), not a
/// description of what follows.
fn is_title(prose: &str) -> bool {
    !prose.contains(char::is_whitespace) && !prose.ends_with('.')
}

/// A paragraph that only shows how the definition is called, as a Julia docstring opens
/// (`    moving_average(xs, window)`, `parse(::Type{T}, s) -> T`): the prose comes after it.
/// A sentence that goes on after the call (`gettimeofday() and getpid()`, `f(X) -> String
/// Return a string …`) is prose.
fn is_call_signature(prose: &str) -> bool {
    let Some((name, rest)) = prose.split_once('(') else {
        return false;
    };
    let mut depth = 1;
    let Some(close) = rest.find(|c: char| {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        depth == 0
    }) else {
        return false;
    };
    let after = rest[close + 1..].trim();
    let returns = after
        .strip_prefix("->")
        .or_else(|| after.strip_prefix("::"))
        .map(str::trim);
    !prose.contains('\n')
        && name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_.!:".contains(c))
        && (after.is_empty() || returns.is_some_and(|r| !r.is_empty() && !r.contains(' ')))
}

/// A note about work left to do (`TODO refactor …`, `XXX should probably …`, `FIXME:`): what
/// the code should do some day, not what it does.
fn is_work_note(prose: &str) -> bool {
    let first = prose.split_whitespace().next().unwrap_or("");
    let word = first.trim_end_matches([':', ',', '-', '!']);
    matches!(word, "TODO" | "FIXME" | "XXX" | "HACK")
        || word.eq_ignore_ascii_case("todo")
            && (first.len() > word.len() || prose[4..].starts_with(" -"))
}

/// A doc without the tag it may open with to say that a summary follows: Solidity's
/// `@notice` and `@dev`, Doxygen's `@brief` and `\brief`, JSDoc's `@description`, fmt's
/// `\rst` (which says the doc is reStructuredText).
fn without_summary_tag(doc: &str) -> &str {
    const TAGS: &[&str] = &[
        "@notice",
        "@dev",
        "@title",
        "@brief",
        "\\brief",
        "@summary",
        "@description",
        // EDoc, Erlang's.
        "@doc",
        "\\rst",
    ];
    TAGS.iter()
        .find_map(|tag| {
            doc.strip_prefix(tag)
                .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
        })
        .map_or(doc, str::trim_start)
}

/// The paragraph without the lines that only point elsewhere: a line that opens with a link
/// (`// https://mathiasbynens.be/notes/javascript-encoding`) cites a source and says nothing
/// of what the code does.
fn without_reference_lines(para: &str) -> String {
    para.lines()
        .filter(|l| {
            let l = l.trim_start();
            !(l.starts_with("https://") || l.starts_with("http://"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paragraph without its Markdown section headings (rustdoc's `# Errors`, `# Safety`):
/// they name what the lines below them say, which is the description.
fn without_heading_lines(para: &str) -> String {
    para.lines()
        .filter(|l| !is_markdown_heading(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A Markdown section heading (rustdoc's `# Errors`, `## Safety`): one to six `#` and a space.
/// A `#` with no space after it is no heading (a C directive, a Ruby `#method`).
pub(in crate::engine) fn is_markdown_heading(line: &str) -> bool {
    let line = line.trim_start();
    let text = line.trim_start_matches('#');
    (1..=6).contains(&(line.len() - text.len())) && text.starts_with(' ')
}

/// The paragraph without its banner rules (`==== Views ====`, `---- read ----`, a line of
/// `*`, a Lisp's `;;;;` or an Erlang's `%%%%`) and without the `==` that opens an RDoc heading.
fn without_banners(para: &str) -> String {
    let mut out = String::with_capacity(para.len());
    let mut run: Option<(char, usize)> = None;
    let flush = |out: &mut String, run: Option<(char, usize)>| {
        if let Some((c, n)) = run
            && n < 4
        {
            out.extend(std::iter::repeat_n(c, n));
        }
    };
    for c in para.chars() {
        if matches!(c, '=' | '-' | '*' | '~' | '_' | '#' | '/' | ';' | '%') {
            match &mut run {
                Some((r, n)) if *r == c => *n += 1,
                _ => {
                    flush(&mut out, run);
                    run = Some((c, 1));
                }
            }
            continue;
        }
        flush(&mut out, run.take());
        out.push(c);
    }
    flush(&mut out, run);
    let out = out.trim();
    let out = match out.strip_prefix("==") {
        Some(heading) if heading.trim_start_matches('=').starts_with(' ') => {
            heading.trim_start_matches('=')
        }
        _ => out,
    };
    // What is left of a rule at either end (`--- read ---` keeps `---` after the title).
    let is_rule = |w: &&str| w.len() >= 2 && w.chars().all(|c| "=-*~_#/;%".contains(c));
    let mut words: Vec<&str> = out.split_whitespace().collect();
    while words.last().is_some_and(&is_rule) {
        words.pop();
    }
    let lead = words.iter().take_while(|w| is_rule(w)).count();
    words[lead..].join(" ")
}

/// Block tags: each starts a part of the doc about a parameter, the result, an error, a
/// version; the description is what comes before the first one.
const BLOCK_TAGS: &[&str] = &[
    "param",
    "params",
    "tparam",
    "arg",
    "argument",
    "arguments",
    "return",
    "returns",
    "treturn",
    "throws",
    "throw",
    "exception",
    "raise",
    "raises",
    "see",
    "since",
    "author",
    "version",
    "deprecated",
    "example",
    "examples",
    "usage",
    "type",
    "typedef",
    "typeparam",
    "template",
    "property",
    "field",
    "callback",
    "constructor",
    "receiver",
    "sample",
    "yields",
    "fires",
    "emits",
    "default",
    "var",
    "access",
    "license",
    "copyright",
    "todo",
    "module",
    "memberof",
    "uses",
    // Scaladoc's: a macro that `$name` stands for in this doc and its subclasses'.
    "define",
    // EDoc's: a type signature, the doc's end, a function it equals.
    "spec",
    "end",
    "equiv",
];

/// Tags that take no argument and say how the definition is meant to be used (KDoc's
/// `@suppress`, TSDoc's `@internal`): the prose may go on after them.
const FLAG_TAGS: &[&str] = &[
    "api",
    "hidden",
    "internal",
    "override",
    "private",
    "protected",
    "public",
    "static",
    "readonly",
    "abstract",
    "async",
    "experimental",
    "hidden",
    "ignore",
    "nodoc",
    "suppress",
    "inheritdoc",
    "noinspection",
];

/// Sphinx's field list entries, which play the block tags' part in Python.
const FIELD_ROLES: &[&str] = &[
    ":param ",
    ":type ",
    ":returns:",
    ":return:",
    ":rtype:",
    ":raises ",
    ":raise ",
    ":raises:",
    ":arg ",
    ":keyword ",
    ":kwarg ",
    ":ivar ",
    ":cvar ",
    ":var ",
    // Swift's DocC.
    "- Parameter ",
    "- Parameters:",
    "- Returns:",
    "- Throws:",
];

/// The prose before the first block tag, and the tags from there on.
fn split_at_block_tags(para: &str) -> (&str, &str) {
    let at = (0..para.len())
        .filter(|&i| {
            para.is_char_boundary(i) && (i == 0 || para[..i].ends_with(char::is_whitespace))
        })
        .find(|&i| is_block_tag(&para[i..]))
        .unwrap_or(para.len());
    para.split_at(at)
}

fn is_block_tag(t: &str) -> bool {
    if FIELD_ROLES.iter().any(|r| t.starts_with(r)) {
        return true;
    }
    tag_at(t)
        .is_some_and(|(name, _)| name.starts_with("custom:") || BLOCK_TAGS.contains(&name.as_str()))
}

/// The tag `t` starts with (`@param`, `\\return`, `@phpstan-param`), lower-cased and without
/// the prefix of PHP's analysers (`param`), and its length in `t`.
fn tag_at(t: &str) -> Option<(String, usize)> {
    let at_sign = t.starts_with('@');
    let rest = t.strip_prefix('@').or_else(|| t.strip_prefix('\\'))?;
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
        .unwrap_or(rest.len());
    let after_ok = rest[name_len..]
        .chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || at_sign && (c == '{' || c == '('));
    if name_len == 0 || !after_ok {
        return None;
    }
    let lower = rest[..name_len].to_ascii_lowercase();
    // PHP's analysers' `@psalm-param`, `@phpstan-return`.
    let base = lower
        .strip_prefix("psalm-")
        .or_else(|| lower.strip_prefix("phpstan-"))
        .map(str::to_string);
    Some((base.unwrap_or(lower), 1 + name_len))
}

/// The paragraph without its flag tags (`@suppress`, `@internal`), whose prose goes on.
fn without_flag_tags(para: &str) -> String {
    para.split(' ')
        .filter(|w| !tag_at(w).is_some_and(|(name, _)| FLAG_TAGS.contains(&name.as_str())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the tags say that can stand for a description: "Deprecated: …" or "Returns …".
fn tag_summary(tags: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut rest = tags;
    while !rest.is_empty() {
        let next = (1..rest.len())
            .filter(|&i| rest.is_char_boundary(i) && rest[..i].ends_with(char::is_whitespace))
            .find(|&i| is_block_tag(&rest[i..]))
            .unwrap_or(rest.len());
        parts.push(rest[..next].trim());
        rest = &rest[next..];
    }
    let body = |part: &str, names: &[&str]| -> Option<String> {
        let rest = names.iter().find_map(|n| part.strip_prefix(n))?;
        let rest = rest.trim_start_matches(':').trim();
        // A JSDoc type (`@returns {Object} the data`) is not prose.
        let rest = match rest.strip_prefix('{') {
            Some(typed) => typed.split_once('}').map_or("", |(_, r)| r).trim(),
            None => rest,
        };
        // Scala's `@deprecated("Use x instead.", "2.11.0")`: its message.
        let rest = match rest.strip_prefix("(\"") {
            Some(message) => message.split_once('"').map_or(message, |(m, _)| m),
            None => rest,
        };
        (!rest.is_empty()).then(|| rest.to_string())
    };
    let deprecated = parts
        .iter()
        .find_map(|p| body(p, &["@deprecated"]))
        .map(|r| format!("Deprecated: {r}"));
    deprecated.or_else(|| {
        parts
            .iter()
            .find_map(|p| {
                body(
                    p,
                    &[
                        "@returns",
                        "@return",
                        "\\returns",
                        "\\return",
                        ":returns:",
                        ":return:",
                        "- Returns:",
                    ],
                )
            })
            .map(|r| format!("Returns {}", lower_first(&r)))
    })
}

/// `r` with its first letter in lower case, unless the word is an acronym or a name
/// (`True if …` → `true if …`, `URL` and `JsonParser` stay).
fn lower_first(r: &str) -> String {
    let mut chars = r.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            let word = r.split_whitespace().next().unwrap_or("");
            if word.chars().skip(1).any(char::is_uppercase) {
                r.to_string()
            } else {
                a.to_lowercase().chain(r[a.len_utf8()..].chars()).collect()
            }
        }
        _ => r.to_string(),
    }
}

/// The first sentence of `prose`, at most `MAX_CHARS` characters, ending with "…" if cut.
fn first_sentence(prose: &str) -> String {
    const ABBREVIATIONS: &[&str] = &["e.g", "i.e", "etc", "vs", "cf", "approx", "resp", "ca"];
    let mut end = prose.len();
    let mut in_code = false;
    for (i, c) in prose.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code && prose[i + 1..].starts_with(' ') => {
                let word = prose[..i].rsplit(' ').next().unwrap_or("");
                let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
                if !ABBREVIATIONS.contains(&word.to_ascii_lowercase().as_str()) {
                    end = i + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    let sentence = &prose[..end];
    if sentence.chars().count() <= MAX_CHARS {
        return sentence.to_string();
    }
    let mut cut: String = sentence.chars().take(MAX_CHARS).collect();
    // A cut inside code would leave the rest of the answer as code.
    if cut.matches('`').count() % 2 == 1 {
        cut.push('`');
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::{Dialect, describe};

    fn described(doc: &str, dialect: Dialect) -> String {
        describe(doc, dialect).unwrap_or_else(|| "<none>".to_string())
    }

    fn plain(doc: &str) -> String {
        described(doc, Dialect::Plain)
    }

    #[test]
    fn a_description_leaves_out_the_tag_that_opens_a_summary() {
        assert_eq!(
            plain("@dev Returns the amount of tokens owned by `account`. More."),
            "Returns the amount of tokens owned by `account`."
        );
        assert_eq!(plain("\\brief Opens the file."), "Opens the file.");
        assert_eq!(
            plain("\\rst Constructs :class:`std::system_error` with a message."),
            "Constructs `std::system_error` with a message."
        );
        assert_eq!(plain("@notice"), "<none>");
    }

    #[test]
    fn a_line_that_only_links_to_a_source_is_no_description() {
        assert_eq!(
            plain(
                "https://mathiasbynens.be/notes/javascript-encoding\n\
                 https://github.com/bestiejs/punycode.js - punycode.ucs2.decode"
            ),
            "<none>"
        );
        assert_eq!(
            plain("https://tools.ietf.org/html/rfc6901\nEscapes a token of a JSON pointer."),
            "Escapes a token of a JSON pointer."
        );
        assert_eq!(
            plain("See https://tools.ietf.org/html/rfc6901 for the rules."),
            "See https://tools.ietf.org/html/rfc6901 for the rules."
        );
    }

    #[test]
    fn a_description_passes_over_a_header_of_fields() {
        let haddock = "Module      :  Text.Megaparsec.Pos\nCopyright   :  © 2015–present contributors\n\
                       License     :  FreeBSD\n\nMaintainer  :  Mark Karpov\nStability   :  experimental\n\n\
                       Textual source position. The position includes the file name.";
        assert_eq!(
            described(haddock, Dialect::Haddock),
            "Textual source position."
        );
        // Only fields: nothing better to say than they do.
        assert_eq!(plain("License : MIT"), "License : MIT");
        // A sentence with a colon in it is prose.
        assert_eq!(
            plain("Note: the value is cached."),
            "Note: the value is cached."
        );
    }

    #[test]
    fn a_function_header_of_fields_is_described_by_its_purpose() {
        // Erlang/OTP's headers (supervisor.erl).
        // `parse::clean_doc` has joined the lines of a paragraph.
        let purpose = "Func: start_children/2 Args: Children = children() % Ids in start order \
                       SupName = {local, atom()} | {global, term()} \
                       Purpose: Start all children.  The new map contains #child's \
                       with pids. Returns: {ok, NChildren} | {error, NChildren, Reason}";
        assert_eq!(plain(purpose), "Start all children.");
        assert_eq!(
            plain("-------- Func: init/1 Purpose: Starts the loop. --------"),
            "Starts the loop."
        );
        let below = "Func: terminate_dynamic_children/1 Args: State Returns: ok\n\n\
                     Shutdown all dynamic children. This happens when the supervisor is stopped.";
        assert_eq!(plain(below), "Shutdown all dynamic children.");
        assert_eq!(
            plain("Func: terminate_child/2 Returns: ok | {error, Reason}"),
            "<none>"
        );
        // EDoc's tags.
        assert_eq!(
            plain("@doc Starts the server and links it. @end\n@equiv start_link([])"),
            "Starts the server and links it."
        );
        assert_eq!(plain("@hidden Decodes the header."), "Decodes the header.");
    }

    #[test]
    fn a_description_ends_before_the_block_tags() {
        assert_eq!(
            plain("escape any Lua 'magic' characters in a string @param s The input string"),
            "escape any Lua 'magic' characters in a string"
        );
        assert_eq!(
            plain("Frees it :param buf: the buffer :returns: nothing"),
            "Frees it"
        );
        // Only tags: what it returns, or that it is deprecated, is the description.
        assert_eq!(
            plain("@return True if a BOM was found, and the encoding thereby recognized."),
            "Returns true if a BOM was found, and the encoding thereby recognized."
        );
        assert_eq!(
            plain("@param {Element} element @returns {Object} offset parent"),
            "Returns offset parent"
        );
        assert_eq!(
            plain("@param key the key @deprecated Use {@link #open}. @return the value"),
            "Deprecated: Use `open`."
        );
        assert_eq!(plain("@return URL of the page"), "Returns URL of the page");
        assert_eq!(
            plain("@deprecated(\"AVLTree is being removed.\", \"2.11.0\")"),
            "Deprecated: AVLTree is being removed."
        );
        // Parameters alone say nothing of what the definition does: the answer shows the
        // signature instead.
        assert_eq!(plain("@phpstan-param Record $record"), "<none>");
        // A flag takes no argument: the prose goes on after it.
        assert_eq!(
            plain("@suppress **Internal API.** It will be redesigned."),
            "**Internal API.** It will be redesigned."
        );
        assert_eq!(
            plain("Creates a store. - Parameter name: the suite - Returns: the store"),
            "Creates a store."
        );
        assert_eq!(plain("- Returns: The new store."), "Returns the new store.");
        assert_eq!(
            plain("@return \\code{TRUE} if it was set, see \\link{get_it}."),
            "Returns `TRUE` if it was set, see `get_it`."
        );
        assert_eq!(plain("@param key the key to look up"), "<none>");
        // An address in prose is no tag.
        assert_eq!(
            plain("Mails user@example.com the report."),
            "Mails user@example.com the report."
        );
    }

    #[test]
    fn banners_and_section_titles_are_no_description() {
        assert_eq!(
            plain("==================== Views ===================="),
            "<none>"
        );
        assert_eq!(plain("------------ read ---"), "<none>");
        assert_eq!(
            plain("------------------\nCEscapeString() Copies 'src' to 'dest'. More."),
            "CEscapeString() Copies 'src' to 'dest'."
        );
        assert_eq!(plain("=== The Headers"), "The Headers");
        assert_eq!(
            plain("==== Views ====\n\n@dev See {@link Governor-proposals}."),
            "See `Governor-proposals`."
        );
        // A Lisp's and an Erlang's rules.
        assert_eq!(
            plain("deprecated - do not use ;;;;;;;;;;;;;;;;;;;;;;;;;"),
            "deprecated - do not use"
        );
        assert_eq!(
            plain("Internal functions %%%%%%%%%%%%%%%%"),
            "Internal functions"
        );
        // A Julia docstring's call signature comes before what the function does.
        assert_eq!(
            plain("moving_average(xs, window)\n\nCompute the moving average of `xs`."),
            "Compute the moving average of `xs`."
        );
        assert_eq!(
            plain("parse(::Type{T}, s) -> T\n\nParse a number."),
            "Parse a number."
        );
        // With nothing after it, it is the description (Erlang's `%% get_slot(Db, Key) -> Slot.`).
        assert_eq!(
            plain("get_slot(Hashdb, Key) -> Slot."),
            "get_slot(Hashdb, Key) -> Slot."
        );
        assert_eq!(
            plain("Foo(x) returns the foo of x."),
            "Foo(x) returns the foo of x."
        );
        assert_eq!(
            plain("gettimeofday() and getpid()"),
            "gettimeofday() and getpid()"
        );
        assert_eq!(
            plain("format_error(Error) -> String Return a string describing the error."),
            "format_error(Error) -> String Return a string describing the error."
        );
        // A note of work to do describes nothing; the prose after it does.
        assert_eq!(plain("TODO refactor to use keyword definitions"), "<none>");
        assert_eq!(
            plain("XXX should probably compute a category mask\n\nCompiles the expression."),
            "Compiles the expression."
        );
        assert_eq!(plain("todo - switch pipe arg order"), "<none>");
        assert_eq!(plain("Todos are listed here."), "Todos are listed here.");
        // RDoc's code, and a list item's bullet.
        assert_eq!(
            described(
                "* +puts+ must be called with one argument that responds to +to_s+.",
                Dialect::Rdoc
            ),
            "`puts` must be called with one argument that responds to `to_s`."
        );
        assert_eq!(
            described("Adds a + b + c, as +x+y+ does not.", Dialect::Rdoc),
            "Adds a + b + c, as +x+y+ does not."
        );
        // rustdoc's section headings name the prose below them.
        assert_eq!(
            plain("# Errors\n\nThis method will return an error if the channel is closed."),
            "This method will return an error if the channel is closed."
        );
        assert_eq!(
            plain("# Safety\nThe future must be dropped before the token."),
            "The future must be dropped before the token."
        );
        assert_eq!(plain("# Examples"), "<none>");
        // Scaladoc's macros: `$factoryInfo` and its `@define`s describe nothing here.
        assert_eq!(
            plain("$factoryInfo\n@define Coll `immutable.Queue`\n@define coll immutable queue"),
            "<none>"
        );
        // A rule inside the prose stays when short: `a--b`, `x == y`.
        assert_eq!(plain("Checks x == y -- fast."), "Checks x == y -- fast.");
    }

    #[test]
    fn javadoc_and_jsdoc_inline_tags_are_markdown() {
        assert_eq!(
            plain(
                "This is a concrete implementation of {@link JsonParser}, based on a {@link java.io.Reader}."
            ),
            "This is a concrete implementation of `JsonParser`, based on a `java.io.Reader`."
        );
        assert_eq!(
            plain("Gets the enum, returning {@code defaultEnum} if not found."),
            "Gets the enum, returning `defaultEnum` if not found."
        );
        assert_eq!(
            plain("Alternative to {@link #get7BitOutputEscapes()} when a quote is used."),
            "Alternative to `get7BitOutputEscapes()` when a quote is used."
        );
        assert_eq!(
            plain("Same as {@link Foo#bar(int, String) the other bar}, faster."),
            "Same as the other bar, faster."
        );
        assert_eq!(
            plain("Uses the {@link Observer | observer} given. {@inheritDoc}"),
            "Uses the observer given."
        );
        assert_eq!(
            plain("Returns {@literal <T>} or {@code Map<K, {V}>}."),
            "Returns <T> or `Map<K, {V}>`."
        );
        assert_eq!(
            plain("Implementation of <a href=\"http://x.org/p\">JSON Pointer</a> specification."),
            "Implementation of JSON Pointer specification."
        );
        // Unclosed: left as written.
        assert_eq!(plain("Opens {@link Foo"), "Opens {@link Foo");
    }

    #[test]
    fn sphinx_and_rest_markup_is_markdown() {
        assert_eq!(
            plain("Alternative error attach function to the :meth:`errorhandler` decorator."),
            "Alternative error attach function to the `errorhandler` decorator."
        );
        assert_eq!(
            plain("Returns a :class:`~werkzeug.datastructures.Headers` object."),
            "Returns a `Headers` object."
        );
        assert_eq!(
            plain("See :ref:`the guide <app-factories>` and ``FLASK_APP``."),
            "See the guide and `FLASK_APP`."
        );
        assert_eq!(
            plain("Builds a :class:`Response <requests.Response>` as in `RFC4634`_::"),
            "Builds a `Response` as in `RFC4634`:"
        );
        // A link with a target is its label: Nim's docs link each routine they name.
        assert_eq!(
            plain("The same as the `split iterator <#split.i,string,set[char],int>`_, as a proc."),
            "The same as the split iterator, as a proc."
        );
        assert_eq!(
            plain("Uses the `Wikipedia: Binary prefix <https://en.wikipedia.org/wiki/B>`__ names."),
            "Uses the Wikipedia: Binary prefix names."
        );
        assert_eq!(
            plain("Like `foo`__ and `bar`_baz."),
            "Like `foo` and `bar`_baz."
        );
        assert_eq!(
            plain("Logs with the given `FileLogger<#FileLogger>`_ only."),
            "Logs with the given FileLogger only."
        );
        // A colon before code is no role.
        assert_eq!(plain("Prints: `x`."), "Prints: `x`.");
    }

    #[test]
    fn links_and_bracketed_names_are_markdown() {
        assert_eq!(
            described(
                "Bind a connection together with a [`Service`](crate::service::Service).",
                Dialect::Brackets
            ),
            "Bind a connection together with a `Service`."
        );
        assert_eq!(
            described(
                "An error returned by [`LocalKey::try_with`](method@LocalKey::try_with).",
                Dialect::Brackets
            ),
            "An error returned by `LocalKey::try_with`."
        );
        assert_eq!(
            described(
                "Waits like [`Notify`] and [macro@select], with buf[0].",
                Dialect::Brackets
            ),
            "Waits like `Notify` and `select`, with buf[0]."
        );
        assert_eq!(
            described(
                "Transposes into a [[scala.collection.Iterator]].",
                Dialect::Brackets
            ),
            "Transposes into a `scala.collection.Iterator`."
        );
        assert_eq!(
            described(
                "Raise [Not_found] if {!Group.t} has {b no} match.",
                Dialect::Odoc
            ),
            "Raise `Not_found` if `Group.t` has no match."
        );
        // Elsewhere brackets are prose: only links lose their target.
        assert_eq!(
            plain("Uses [SameValueZero](http://ecma-international.org) on [a, b]."),
            "Uses SameValueZero on [a, b]."
        );
        assert_eq!(plain("Reads [optional] input."), "Reads [optional] input.");
        // Indexing and code spans are no links.
        assert_eq!(
            plain("Returns the same as (*url.URL).Query()[key][0]."),
            "Returns the same as (*url.URL).Query()[key][0]."
        );
        assert_eq!(
            described("Takes `foo[x][y]` and returns [`Vec`].", Dialect::Brackets),
            "Takes `foo[x][y]` and returns `Vec`."
        );
        assert_eq!(
            described("[re ~flags s] compiles [s].", Dialect::Odoc),
            "`re ~flags s` compiles `s`."
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// Whatever the doc, in whatever dialect, describing it does not fail, and the
        /// description is one line of at most 200 characters and the mark of a cut.
        #[test]
        fn any_doc_gets_a_bounded_description(doc in proptest::collection::vec(
            proptest::sample::select(vec![
                "Reads ", "the ", "é", "'Été'", "x. ", "e.g. ", "\n\n", "\n", "@param x ",
                "@return ", "@deprecated(\"y\") ", "{@link A#b(c) d}", "{@code", "}", ":meth:`",
                "`", "``", "[", "]", "(", ")", "[`A`](b)", "@", "@'a' b@", "C<", "C<< ", " >>",
                ">", "E<lt>", "{!", "{", "{A-b}", "\\", "\\[c]", "\\code{", "====", "- Returns:",
                "<a href=\"u\">", "</a>", ":param x:", "\\rst ", "@dev ",
            ]),
            0..40,
        )) {
            let doc = doc.concat();
            for dialect in [
                Dialect::Plain, Dialect::Haddock, Dialect::NatSpec, Dialect::Brackets,
                Dialect::Odoc, Dialect::Pod, Dialect::Lisp,
            ] {
                if let Some(d) = describe(&doc, dialect) {
                    proptest::prop_assert!(d.chars().count() <= 202 && !d.contains('\n'), "{d:?}");
                }
            }
        }
    }

    #[test]
    fn haddock_markup_is_markdown() {
        assert_eq!(
            described(
                "@'ParseError' s e@ represents a parse error over the stream type @s@.",
                Dialect::Haddock
            ),
            "`'ParseError' s e` represents a parse error over the stream type `s`."
        );
        assert_eq!(
            described(
                "A data type for “unexpected\\/expected” items in 'ParseError'.",
                Dialect::Haddock
            ),
            "A data type for “unexpected/expected” items in `ParseError`."
        );
        assert_eq!(
            described(
                "Run 'Text.Megaparsec.parse' on it, don't wait.",
                Dialect::Haddock
            ),
            "Run `Text.Megaparsec.parse` on it, don't wait."
        );
    }

    #[test]
    fn pod_formatting_codes_are_markdown() {
        assert_eq!(
            described(
                "This method will dispatch a C<POST> request on the given URL, with C<%form> or B<both>.",
                Dialect::Pod
            ),
            "This method will dispatch a `POST` request on the given URL, with `%form` or both."
        );
        assert_eq!(
            described(
                "Compares with C<< $a <=> $b >> as in L<perlop|perlop/x>.",
                Dialect::Pod
            ),
            "Compares with `$a <=> $b` as in perlop."
        );
        assert_eq!(
            described("Reads the E<lt>head> section.", Dialect::Pod),
            "Reads the <head> section."
        );
        assert_eq!(
            described("Returns 1 if a<b and ABC<d.", Dialect::Pod),
            "Returns 1 if a<b and ABC<d."
        );
    }

    #[test]
    fn lisp_docstrings_are_markdown() {
        assert_eq!(
            described(
                "\\\"complete anything\\\"; is a framework for `company-mode' backends.",
                Dialect::Lisp
            ),
            "\"complete anything\"; is a framework for `company-mode` backends."
        );
        assert_eq!(
            described(
                "Start completion with \\[company-complete] in \\<company-active-map>the map.",
                Dialect::Lisp
            ),
            "Start completion with `company-complete` in the map."
        );
        assert_eq!(
            described(
                "It is assumed that \\(<= START FROM TO END).",
                Dialect::Lisp
            ),
            "It is assumed that (<= START FROM TO END)."
        );
        // A backquote that opens a template is no quote.
        assert_eq!(
            described("Expands into `(let ,x) forms.", Dialect::Lisp),
            "Expands into `(let ,x) forms."
        );
    }

    #[test]
    fn natspec_references_are_markdown() {
        assert_eq!(
            described(
                "Implementation of the {IERC20} interface.",
                Dialect::NatSpec
            ),
            "Implementation of the `IERC20` interface."
        );
        assert_eq!(
            described(
                "Overridden version of the {Governor-state} function. More.",
                Dialect::NatSpec
            ),
            "Overridden version of the `Governor.state` function."
        );
        assert_eq!(
            described(
                "Same as {xref-ERC721-_safeMint-address-uint256-}[`_safeMint`], with data.",
                Dialect::NatSpec
            ),
            "Same as `_safeMint`, with data."
        );
    }

    #[test]
    fn a_sentence_ends_at_a_full_stop_not_at_an_abbreviation() {
        assert_eq!(
            plain("Match bracketed Lua expression, e.g. (a+b). More."),
            "Match bracketed Lua expression, e.g. (a+b)."
        );
        assert_eq!(
            plain("Tests whether it is a member (i.e. an element). More."),
            "Tests whether it is a member (i.e. an element)."
        );
        assert_eq!(
            plain("Calls `a. b` first. Then more."),
            "Calls `a. b` first."
        );
        let long = format!("Reads `{}` and more", "x".repeat(300));
        let d = plain(&long);
        assert!(d.ends_with("`…"), "{d}");
        assert_eq!(d.chars().count(), 202);
    }
}
