//! Calls in the code of a language without a grammar here (`Lang::Text`), read from its lines
//! as references to the file's own definitions, so that these languages get callers, callees
//! and the score a caller shares with what it calls, as the grammar languages do.
//!
//! A call is read as a bare name (`explode`, `save`), with no import to say which file it
//! points into; only the names the file itself defines are kept. Guessing the one other file
//! that defines a name, as the graph does for grammar languages, cost more answers on the text
//! question set than it gained (hit1 0.67 → 0.65, hit5 equal). A call made on a type or
//! module the code names (`Utils.escape`, `Cset.union`) says where to look, and is kept with
//! that name for the graph to find in any file (hit1 0.67 → 0.69, hit5 equal).

use rustc_hash::FxHashSet as HashSet;

use super::{CallOn, Collected, RawRef, RefKind, functional, lisp};
use crate::engine::lang;

/// Drops the references of `col` that name no definition of `text`'s own, unless they are
/// made on a named type or module (`Utils.escape`) or a named variable (`$logger->info`),
/// which may say where to look for the name, or name a class's base. A shell's command
/// (`_parse_help "$1"` at the start of a command) is kept too: shell functions share one
/// namespace, and a library of them (`bash_completion`) is sourced by every script that calls
/// them; the graph links such a call to the name's one file, if it has one.
pub(super) fn keep_calls_to_own_definitions(text: &str, language: &str, col: &mut Collected) {
    let own: HashSet<&str> = col.defs.iter().map(|d| d.name.as_str()).collect();
    let shell = language == "shell";
    col.refs.retain(|r| {
        r.kind == RefKind::Inherit
            || matches!(r.on, CallOn::Named(..) | CallOn::Value(Some(_)))
            || text
                .get(r.start..r.end)
                .is_some_and(|name| own.contains(name))
            || shell && is_shell_command(text, r.start, r.end)
    });
}

/// Whether the word at `start..end` of shell code is a command's name: first on its line or
/// after `;`, `|`, `&`, `(`, `{`, `` ` `` or a keyword that a command follows (`then`, `do`,
/// `&&`'s `&`), and named as functions are (a variable's `$x`, an option's `-x` or an
/// assignment's `x=` is none).
fn is_shell_command(text: &str, start: usize, end: usize) -> bool {
    const BEFORE_COMMAND: &[&str] = &["then", "do", "else", "elif", "if", "while", "until", "!"];
    // The shell's own words, which no function is named after.
    const RESERVED: &[&str] = &[
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done",
        "in", "function", "select", "time", "return", "local", "declare", "export", "readonly",
        "shift", "break", "continue",
    ];
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_end();
    let after = &text[end..];
    let named = text[start..end]
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !after.starts_with('=');
    named
        && !RESERVED.contains(&&text[start..end])
        && (before.is_empty()
            || before.ends_with([';', '|', '&', '(', '{', '`'])
            || BEFORE_COMMAND
                .iter()
                .any(|k| before.rsplit(char::is_whitespace).next() == Some(*k)))
}

/// How the code of a language calls a function.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Only `name(` is a call (`count(x)`, `obj.save(x)`, `$this->log(x)`).
    Parenthesised,
    /// Any name may be a call: `explode s` (OCaml, Haskell), `validate params` (Ruby),
    /// `usage` (shell).
    Juxtaposed,
    /// Lisp forms: every symbol, `ns/name` read as `name` (`(async/put! ch v)`).
    Lisp,
}

impl Style {
    fn of(language: &str) -> Style {
        match language {
            "haskell" | "elm" | "ocaml" | "fsharp" | "ruby" | "elixir" | "perl" | "shell"
            | "powershell" | "nim" => Style::Juxtaposed,
            l if l == "clojure" || lisp::is_lisp(l) => Style::Lisp,
            _ => Style::Parenthesised,
        }
    }
}

/// How a comment inside a line opens and closes in `language`, if it has such comments.
fn block_comment(language: &str) -> Option<(&'static str, &'static str)> {
    match functional::nested_comment(language) {
        Some(pair) => Some(pair),
        None if Style::of(language) == Style::Parenthesised
            && !matches!(language, "lua" | "r" | "julia" | "erlang") =>
        {
            Some(("/*", "*/"))
        }
        None => None,
    }
}

/// Whether `'` opens a string or character literal in `language`, rather than being part of
/// a name (OCaml's and Haskell's `x'`, OCaml's type variable `'a`) or Lisp's quote.
fn quote_opens_string(language: &str) -> bool {
    !matches!(language, "haskell" | "elm" | "ocaml" | "fsharp")
        && Style::of(language) != Style::Lisp
}

/// Pushes a call reference for each call in `code`, one line's code (trimmed) starting at
/// byte `at` of the file.
pub(super) fn calls_in_line(code: &str, at: usize, language: &str, col: &mut Collected) {
    let style = Style::of(language);
    // Clojure's comments start with one `;`, though two is the style.
    let mark = match language {
        _ if style == Style::Lisp => Some(&b";"[..]),
        _ => lang::line_comment(language).map(str::as_bytes),
    };
    let prime_is_name = !quote_opens_string(language);
    let predicate_marks = matches!(language, "ruby" | "elixir");
    let block = block_comment(language).map(|(open, close)| (open.as_bytes(), close.as_bytes()));
    // A doc comment's inner line (` * Calls save() …`) is prose, though it may name a call.
    if block.is_some_and(|(open, _)| open == b"/*") && code.starts_with('*') {
        return;
    }
    let b = code.as_bytes();
    let mut push = |start: usize, end: usize, on: CallOn| {
        col.refs.push(RawRef {
            start: at + start,
            end: at + end,
            kind: RefKind::Call,
            bang: false,
            on: match on {
                CallOn::Named(s, e) => CallOn::Named(at + s, at + e),
                CallOn::Value(Some((s, e))) => CallOn::Value(Some((at + s, at + e))),
                on => on,
            },
        })
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let after_space = i == 0 || b[i - 1].is_ascii_whitespace();
        if let Some(mark) = mark
            && b[i..].starts_with(mark)
            && (mark != b"#" || after_space)
        {
            return;
        }
        if let Some((open, close)) = block
            && b[i..].starts_with(open)
        {
            i = b[i + open.len()..]
                .windows(close.len())
                .position(|w| w == close)
                .map_or(b.len(), |n| i + open.len() + n + close.len());
            continue;
        }
        // A shell's double quotes hold the commands it substitutes (`"$(_ssh_options)"`):
        // their words are read, and only a command's name is kept as a call.
        let quoted_code = c == b'"' && language == "shell";
        if !quoted_code
            && (c == b'"' || (c == b'\'' && !prime_is_name && (i == 0 || !is_name_byte(b[i - 1]))))
        {
            i = string_end(b, i);
            continue;
        }
        if style == Style::Lisp {
            if is_lisp_delimiter(c) {
                i += 1;
                continue;
            }
            let end = b[i..]
                .iter()
                .position(|&c| is_lisp_delimiter(c))
                .map_or(b.len(), |n| i + n);
            let token = &code[i..end];
            // A keyword (`:private`), a number, or a namespace alone names no function.
            if !token.starts_with([':', '\\']) && !token.starts_with(|c: char| c.is_ascii_digit()) {
                let name_at = token
                    .rfind('/')
                    .filter(|&s| s + 1 < token.len())
                    .map_or(0, |s| s + 1);
                push(i + name_at, end, CallOn::Scope);
            }
            i = end;
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == b'_' || c >= 0x80) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (is_name_byte(b[i]) || (prime_is_name && b[i] == b'\'')) {
            i += 1;
        }
        // Ruby's and Elixir's `valid?` and `save!` are names of their own (not `!=`).
        if predicate_marks && matches!(b.get(i), Some(b'?' | b'!')) && b.get(i + 1) != Some(&b'=') {
            i += 1;
        }
        // `$count`, `@items`, `%opts`, `$#list` are variables, whatever their names.
        let sigil = start > 0 && matches!(b[start - 1], b'$' | b'@' | b'%' | b'#');
        let called = match style {
            Style::Parenthesised => b.get(i) == Some(&b'('),
            _ => true,
        };
        // Erlang names a function it passes on as `fun name/2`.
        let erlang = language == "erlang";
        let passed = erlang && b.get(i) == Some(&b'/') && b[..start].ends_with(b"fun ");
        if (called || passed) && !sigil {
            // A call on a value may be any class's method: none of the file's own, unless
            // the value is named after the class (`$logger->info(`).
            let on = if erlang {
                erlang_module(&b[..start])
            } else {
                receiver(&b[..start])
            };
            match on {
                CallOn::Value(None) => {}
                on => push(start, i, on),
            }
        }
    }
}

/// What the name after `before` is called on: the caller's own object or scope (nothing,
/// `self`, `this`) is `Scope`, a type or module the code names is its last segment (`Utils` of
/// `Rack::Utils.escape`, `Converger` of `Mix.Dep.Converger.converge`), and a variable's object
/// (`range_spec.include?`, `$node->next(`) or a call's result (`a.b().c`) is a `Value`, with
/// the variable's name less its sigil (`node`).
fn receiver(before: &[u8]) -> CallOn {
    let receiver_end = if let Some(rest) = before.strip_suffix(b".") {
        rest.len()
    } else if let Some(rest) = before.strip_suffix(b"::").or(before.strip_suffix(b"->")) {
        rest.len()
    } else {
        return CallOn::Scope;
    };
    let receiver_start = before[..receiver_end]
        .iter()
        .rposition(|&c| !(is_name_byte(c) || c == b'$' || c == b'@'))
        .map_or(0, |p| p + 1);
    let receiver = &before[receiver_start..receiver_end];
    const OWN: [&[u8]; 7] = [
        b"self", b"this", b"$this", b"static", b"super", b"parent", b"Self",
    ];
    if OWN.contains(&receiver) {
        CallOn::Scope
    } else if receiver.first().is_some_and(u8::is_ascii_uppercase) {
        CallOn::Named(receiver_start, receiver_end)
    } else {
        let name_start = receiver_start
            + receiver
                .iter()
                .take_while(|&&c| c == b'$' || c == b'@')
                .count();
        let named = name_start < receiver_end && !before[name_start].is_ascii_digit();
        CallOn::Value(named.then_some((name_start, receiver_end)))
    }
}

/// The module an Erlang call names before its `:`: `gen` of `gen:call(…)` (a module is its
/// file's name), the caller's own of `?MODULE:f(…)` or of no module, and none known of
/// `Mod:f(…)`, where a variable holds the module (a behaviour's callback).
fn erlang_module(before: &[u8]) -> CallOn {
    let Some(rest) = before.strip_suffix(b":") else {
        return CallOn::Scope;
    };
    let start = rest
        .iter()
        .rposition(|&c| !is_name_byte(c))
        .map_or(0, |p| p + 1);
    let module = &rest[start..];
    if rest[..start].ends_with(b"?") {
        CallOn::Scope
    } else if module.first().is_some_and(u8::is_ascii_lowercase) {
        CallOn::Named(start, rest.len())
    } else {
        CallOn::Value(None)
    }
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_lisp_delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || b"()[]{}\",'`~@^#".contains(&c)
}

/// The byte after the string or character literal opening at `open` (escapes skipped), or
/// the end of `b`.
pub(super) fn string_end(b: &[u8], open: usize) -> usize {
    let quote = b[open];
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(code: &str, language: &str) -> Vec<String> {
        let mut col = Collected::default();
        calls_in_line(code, 0, language, &mut col);
        col.refs
            .iter()
            .map(|r| code[r.start..r.end].to_string())
            .collect()
    }

    #[test]
    fn parenthesised_languages_call_by_name_and_parenthesis() {
        assert_eq!(
            calls(
                r#"$this->log(sprintf("%s(x)", $name), $node->next()); // retry()"#,
                "php"
            ),
            ["log", "sprintf", "next"]
        );
        assert_eq!(
            calls("val n = items.count { it > 0 } + size(list)", "kotlin"),
            ["size"]
        );
        assert_eq!(
            calls("if (ready) start(c, 'x') /* stop() */", "csharp"),
            ["start"]
        );
        assert_eq!(
            calls("* Calls save() when done.", "swift"),
            Vec::<String>::new()
        );
    }

    /// The calls of `code` made on what `on` finds bytes of (a named type or module, a
    /// variable), as `what::name`.
    fn calls_on(
        code: &str,
        language: &str,
        on: fn(CallOn) -> Option<(usize, usize)>,
    ) -> Vec<String> {
        let mut col = Collected::default();
        calls_in_line(code, 0, language, &mut col);
        col.refs
            .iter()
            .filter_map(|r| {
                let (s, e) = on(r.on)?;
                Some(format!("{}::{}", &code[s..e], &code[r.start..r.end]))
            })
            .collect()
    }

    /// The calls of `code` that are made on a named type or module, as `Type::name`.
    fn qualified_calls(code: &str, language: &str) -> Vec<String> {
        calls_on(code, language, |on| match on {
            CallOn::Named(s, e) => Some((s, e)),
            _ => None,
        })
    }

    /// The calls of `code` that are made on a variable, as `variable::name`.
    fn value_calls(code: &str, language: &str) -> Vec<String> {
        calls_on(code, language, |on| match on {
            CallOn::Value(at) => at,
            _ => None,
        })
    }

    /// A shell command's name is kept whether or not the file defines it: the function may
    /// live in a library the script sources. An argument, a variable or an assignment is none.
    #[test]
    fn a_shell_command_is_a_call_wherever_its_function_is() {
        let code = "_ssh()\n{\n    _init_completion -n : || return\n    \
                    COMPREPLY=($(compgen -W \"$(_ssh_options)\" -- \"$cur\"))\n    \
                    [[ $cur ]] && _known_hosts_real -a \"$cur\"; ls cur\n    \
                    if true; then _filedir; fi\n}\n";
        let mut col = Collected::default();
        for (at, line) in code.split_inclusive('\n').scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some((start, l))
        }) {
            let indent = line.len() - line.trim_start().len();
            calls_in_line(line.trim(), at + indent, "shell", &mut col);
        }
        keep_calls_to_own_definitions(code, "shell", &mut col);
        let kept: Vec<&str> = col.refs.iter().map(|r| &code[r.start..r.end]).collect();
        assert_eq!(
            kept,
            [
                "_ssh",
                "_init_completion",
                "compgen",
                "_ssh_options",
                "_known_hosts_real",
                "ls",
                "true",
                "_filedir"
            ]
        );
    }

    /// Erlang calls another module's function as `module:function(…)` (a module is its
    /// file), its own as `f(…)` or `?MODULE:f(…)`, and a callback as `Mod:f(…)`, the module
    /// in a variable: that one names no module the workspace defines.
    #[test]
    fn erlang_calls_name_their_module_before_a_colon() {
        let line = "R = gen:call(S, L, ?MODULE:wrap(Req)), Mod:handle_call(R), \
                    lists:foreach(fun report/1, Rs) % done:later(x)";
        assert_eq!(calls(line, "erlang"), ["call", "wrap", "foreach", "report"]);
        assert_eq!(
            qualified_calls(line, "erlang"),
            ["gen::call", "lists::foreach"]
        );
        // A pattern on an exception's class is no call: `error:badarg ->`.
        assert_eq!(calls("error:badarg -> exit(bad)", "erlang"), ["exit"]);
    }

    #[test]
    fn a_call_on_a_named_type_or_module_keeps_its_last_segment() {
        assert_eq!(
            qualified_calls(
                "Rack::Utils.escape(path) if self.ok?(x) && range.include?(x)",
                "ruby"
            ),
            ["Rack::Utils", "Utils::escape"]
        );
        assert_eq!(
            qualified_calls(
                "Utils::jsonEncode($data); $this->log(); static::create(); $r->send();",
                "php"
            ),
            ["Utils::jsonEncode"]
        );
        assert_eq!(
            qualified_calls("Mix.Dep.Loader.load(dep, children)", "elixir"),
            ["Mix::Dep", "Dep::Loader", "Loader::load"]
        );
        assert_eq!(
            qualified_calls("JsonConvert.ToString(value, Formatting.None)", "csharp"),
            ["JsonConvert::ToString"]
        );
        // A method called on a variable may be any class's: it keeps the variable's name, less
        // its sigil, which the graph uses only when it names a type (`logger` of `Logger`).
        assert_eq!(
            value_calls("$this->logger->info($m); $r->send(); make()->go();", "php"),
            ["logger::info", "r::send"]
        );
        assert_eq!(
            value_calls("@cache.fetch(k) if range.include?(x)", "ruby"),
            ["cache::fetch", "range::include?"]
        );
        // The call keeps its plain name for the file's own definitions too.
        assert_eq!(calls("Utils.escape(s)", "ruby"), ["Utils", "escape", "s"]);
    }

    #[test]
    fn juxtaposed_languages_take_every_name_outside_strings_and_comments() {
        assert_eq!(
            calls(
                "then Re.alt (List.map to_re (explode s)) (* not a call *)",
                "ocaml"
            ),
            ["then", "Re", "alt", "List", "map", "to_re", "explode", "s"]
        );
        assert_eq!(
            calls(
                "validate! params, \"name #{x}\" if valid? && a != b # done",
                "ruby"
            ),
            ["validate!", "params", "if", "valid?", "a", "b"]
        );
        assert_eq!(
            calls(
                "return nil unless range.include?('-') && self.ok? && Utils.escape s",
                "ruby"
            ),
            [
                "return", "nil", "unless", "range", "include?", "self", "ok?", "Utils", "escape",
                "s"
            ]
        );
        assert_eq!(calls("go' acc x'", "haskell"), ["go'", "acc", "x'"]);
        assert_eq!(
            calls("my $n = count(@items) + $#list;", "perl"),
            ["my", "count"]
        );
    }

    /// Lines cut anywhere (inside a string, an escape, a comment opener, a multi-byte
    /// character, a component's tag) in every language read without a grammar: nothing panics,
    /// and every definition and reference lies inside the text on character boundaries.
    #[test]
    fn any_line_in_any_language_reads_without_panic() {
        const PIECES: &[&str] = &[
            "def ",
            "valid?",
            "(* ",
            "*)",
            "{-",
            "-}",
            "\"",
            "'",
            "\\",
            "#",
            "//",
            "/*",
            "*/",
            "(",
            ")",
            "{",
            "}",
            "é",
            "…",
            "日本",
            "\n",
            "\n  ",
            "<script>",
            "</script>",
            "<script lang=\"ts\">",
            "fn x",
            "function f(",
            "$",
            "@",
            "%",
            ";",
            "ns/",
            ":k",
            "=",
        ];
        let exts = [
            "rb", "php", "cs", "kt", "swift", "scala", "lua", "sh", "pl", "dart", "ex", "erl",
            "hs", "ml", "clj", "zig", "jl", "m", "groovy", "fs", "sol", "ps1", "nim", "elm", "R",
            "vue", "svelte",
        ];
        let mut parsers = super::super::Parsers::default();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..40 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            let rel = format!("f.{}", exts[round % exts.len()]);
            let lang = crate::engine::lang::Lang::from_path(&rel).expect("a known extension");
            let parsed = super::super::parse_file(&rel, lang, &text, &mut parsers);
            for sym in &parsed.symbols {
                assert!(
                    text.is_char_boundary(sym.start_byte as usize),
                    "{rel}: {text:?}"
                );
                assert!(sym.end_byte as usize <= text.len(), "{rel}: {text:?}");
            }
            assert!(parsed.refs.iter().all(|r| !r.name.is_empty()));
        }
    }

    #[test]
    fn lisp_forms_call_every_symbol_by_its_name_without_namespace() {
        assert_eq!(
            calls("(async/put! ch (inc n) :timeout) ; put it", "clojure"),
            ["put!", "ch", "inc", "n"]
        );
    }
}
