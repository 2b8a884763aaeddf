//! Definition headers of the languages that define by equations and forms rather than by a
//! keyword before a name: Haskell and Elm (`name :: Type`, `name x = …`), OCaml and F#
//! (`let name x =`, `type t =`, `member this.Name`), Erlang (`name(X) ->`) and Clojure
//! (`(defn name …)`). `text.rs` reads their lines and asks here what a line opens; the general
//! keyword reader knows none of these shapes (`data` is a Kotlin modifier to it, `let` a
//! statement).

use super::lisp;
use crate::engine::parse::Kind;

/// How the end of a definition is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Extent {
    /// Its indented lines, as every other definition of a text language.
    Indented,
    /// Its indented lines and the clauses after it that start with its name at its indent
    /// (Haskell's equations after the signature, Erlang's clauses).
    Clauses,
    /// Down to where the parenthesis that opens it closes (a Lisp form).
    Form,
    /// Down to the `.` that ends its form (an Erlang function's last clause, an attribute).
    Period,
    /// An Erlang `-spec` and the function it specifies: down to the `.` of that function's
    /// last clause; no definition when no clause of the name follows the spec.
    Spec,
}

/// The languages read here, by `Lang::label`.
pub(super) fn reads(language: &str) -> bool {
    matches!(
        language,
        "haskell" | "elm" | "ocaml" | "fsharp" | "erlang" | "clojure"
    ) || lisp::is_lisp(language)
}

/// What the line `t` (trimmed, at `indent`) opens in `language`, inside a definition of kind
/// `parent`: its kind, name and how its end is found.
pub(super) fn header<'a>(
    language: &str,
    t: &'a str,
    indent: usize,
    parent: Option<Kind>,
) -> Option<(Kind, &'a str, Extent)> {
    // A structure's level: the top of the file, or inside a module or type, never inside a
    // function (whose own equations and local `let`s belong to it).
    let structure = matches!(
        parent,
        None | Some(Kind::Module | Kind::Class | Kind::Interface)
    );
    match language {
        "haskell" | "elm" if indent == 0 && structure => haskell(t, language == "elm"),
        "ocaml" | "fsharp" => ml(t, !structure),
        "erlang" if indent == 0 && structure => erlang(t),
        "clojure" => clojure(t).map(|(kind, name)| (kind, name, Extent::Indented)),
        l if lisp::is_lisp(l) && structure => {
            lisp::header(t).map(|(kind, name)| (kind, name, Extent::Form))
        }
        _ => None,
    }
}

/// How a block comment opens and closes in the languages whose block comments nest and may
/// hold lines that read as definitions: OCaml's and F#'s `(* … *)`, Haskell's and Elm's
/// `{- … -}`.
pub(super) fn nested_comment(language: &str) -> Option<(&'static str, &'static str)> {
    match language {
        "ocaml" | "fsharp" => Some(("(*", "*)")),
        "haskell" | "elm" => Some(("{-", "-}")),
        "common-lisp" | "scheme" | "racket" => Some(("#|", "|#")),
        _ => None,
    }
}

/// The identifier `s` starts with (letters, digits, `_` and a Haskell or OCaml prime).
fn identifier(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first word of `t` and the rest of the line after it.
fn first_word(t: &str) -> (&str, &str) {
    match t.split_once(char::is_whitespace) {
        Some((w, rest)) => (w, rest.trim_start()),
        None => (t, ""),
    }
}

const HASKELL_KEYWORDS: &[&str] = &[
    "module", "import", "where", "let", "in", "if", "then", "else", "case", "of", "do", "deriving",
    "infixl", "infixr", "infix", "default", "foreign", "instance", "pattern",
];

fn haskell(t: &str, elm: bool) -> Option<(Kind, &str, Extent)> {
    // A comment (`-- x = y`) or a CPP line defines nothing; a name must come first.
    if !t.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '(') {
        return None;
    }
    let (word, rest) = first_word(t);
    match word {
        "data" | "newtype" | "type" => {
            let rest = ["family ", "instance ", "alias "]
                .iter()
                .find_map(|w| rest.strip_prefix(w))
                .unwrap_or(rest);
            let name = identifier(rest);
            let typed = name.starts_with(char::is_uppercase);
            return typed.then_some((Kind::Class, name, Extent::Indented));
        }
        // `class (Stream s, Monad m) => MonadParsec e s m | m -> e s where`
        "class" => {
            let rest = rest.rsplit_once("=>").map_or(rest, |(_, r)| r).trim_start();
            let name = identifier(rest);
            return (!name.is_empty()).then_some((Kind::Interface, name, Extent::Indented));
        }
        w if HASKELL_KEYWORDS.contains(&w) => return None,
        _ => {}
    }
    // `(<|>) :: …` declares an operator; `name :: …` a function, and `name x | guard` or
    // `name x = …` defines one (Elm declares with one colon).
    let (name, after) = match t.strip_prefix('(') {
        Some(op) => {
            let (name, after) = op.split_once(')')?;
            let operator = !name.is_empty() && name.chars().all(|c| OPERATOR_CHARS.contains(c));
            (operator.then_some(name)?, after.trim_start())
        }
        None => {
            let name = identifier(t);
            (name, t[name.len()..].trim_start())
        }
    };
    // `a <|> b = …` and ``x `plus` y = …`` define the operator between.
    if let Some(op) = infix_operator(after)
        && after.split_whitespace().any(|w| w == "=")
    {
        return Some((Kind::Function, op, Extent::Clauses));
    }
    let declares = after.starts_with("::") || elm && after.starts_with(": ");
    let defines = after.split_whitespace().any(|w| w == "=" || w == "|");
    let value_name = name.starts_with(|c: char| c.is_lowercase() || c == '_');
    let operator = name.starts_with(|c: char| !c.is_alphanumeric() && c != '_');
    (declares && (value_name || operator) || defines && value_name).then_some((
        Kind::Function,
        name,
        Extent::Clauses,
    ))
}

/// An OCaml or F# binding; inside a function (`local`) only a function of its own counts
/// (`let rec loop i =`, `and step s =`, `let check x y =`), not a value (`let n = 0 in`).
/// The operator an infix equation defines, from the text after its left operand.
pub(super) fn infix_operator(after: &str) -> Option<&str> {
    let op = after.split_whitespace().next()?;
    if let Some(named) = op.strip_prefix('`').and_then(|o| o.strip_suffix('`')) {
        return Some(named);
    }
    let symbolic = op.chars().all(|c| OPERATOR_CHARS.contains(c));
    (symbolic && !matches!(op, "=" | "|" | "::" | "->" | "<-" | "@" | "\\")).then_some(op)
}

const OPERATOR_CHARS: &str = "!#$%&*+./<=>?@\\^|-~:";

fn ml(t: &str, local: bool) -> Option<(Kind, &str, Extent)> {
    let (word, mut rest) = first_word(t);
    if local {
        let recursive = word == "and" || word == "let" && rest.starts_with("rec ");
        let with_parameters = word == "let"
            && t.ends_with('=')
            && t.split_whitespace().take_while(|w| *w != "=").count() >= 3;
        if !(recursive || with_parameters) {
            return None;
        }
    }
    let kind = match word {
        "let" | "and" | "val" | "external" | "member" | "override" | "default" | "abstract"
        | "static" => Kind::Function,
        "type" | "exception" => Kind::Class,
        // `module type S = sig`: the universal reader takes `module` alone.
        "module" if rest.starts_with("type ") => {
            let name = identifier(rest["type ".len()..].trim_start());
            return (!name.is_empty()).then_some((Kind::Interface, name, Extent::Indented));
        }
        _ => return None,
    };
    loop {
        let (w, after) = first_word(rest);
        if !matches!(
            w,
            "rec"
                | "inline"
                | "private"
                | "mutable"
                | "public"
                | "internal"
                | "nonrec"
                | "member"
                | "static"
                | "override"
                | "abstract"
                | "new"
        ) {
            break;
        }
        rest = after;
    }
    if kind == Kind::Class {
        // Type parameters come first: `type 'a t`, `type ('k, 'v) table`.
        if rest.starts_with('\'') {
            rest = first_word(rest).1;
        } else if rest.starts_with('(') {
            rest = rest[rest.find(')')? + 1..].trim_start();
        }
    }
    // F#'s `member this.Name` and `member _.Name` name the part after the dot.
    let head = rest
        .split(|c: char| c.is_whitespace() || "(:=<".contains(c))
        .next()?;
    let name = identifier(head.rsplit('.').next()?);
    let starts_well = name.starts_with(|c: char| c.is_alphabetic() || c == '_') && name != "_";
    starts_well.then_some((kind, name, Extent::Indented))
}

/// An Erlang function's first clause (`name(Args) ->`), its `-spec`, or an attribute that
/// defines: a record, a type, a behaviour's callback, a macro. A function is one name and
/// arity: its clauses run to the `.` of the last, and the same name with another arity is
/// another function.
fn erlang(t: &str) -> Option<(Kind, &str, Extent)> {
    let Some(attribute) = t.strip_prefix('-') else {
        let name = identifier(t);
        let atom = name.starts_with(|c: char| c.is_ascii_lowercase());
        return (atom && t[name.len()..].starts_with('(')).then_some((
            Kind::Function,
            name,
            Extent::Period,
        ));
    };
    let (word, rest) = attribute.split_at(identifier(attribute).len());
    let (kind, named) = match word {
        "spec" => (Kind::Function, rest.trim_start()),
        "callback" => (Kind::Function, rest.trim_start()),
        "type" | "opaque" => (Kind::Class, rest.trim_start()),
        "record" => (
            Kind::Class,
            rest.trim_start().strip_prefix('(')?.trim_start(),
        ),
        "define" => (
            Kind::Constant,
            rest.trim_start().strip_prefix('(')?.trim_start(),
        ),
        _ => return None,
    };
    let name = identifier(named);
    let after = &named[name.len()..];
    let kind = match kind {
        Kind::Constant if after.starts_with('(') => Kind::Macro,
        // `-type name(…) ::`, `-callback name(…) ->`: the name is followed by its parameters.
        Kind::Class | Kind::Function if !matches!(word, "record") && !after.starts_with('(') => {
            return None;
        }
        k => k,
    };
    let extent = if word == "spec" {
        Extent::Spec
    } else {
        Extent::Period
    };
    (!name.is_empty()).then_some((kind, name, extent))
}

/// Whether the Erlang line `t` ends a form: its code, less a `%` comment, ends with `.`.
pub(super) fn erlang_ends_form(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    let mut code_end = b.len();
    while i < b.len() {
        match b[i] {
            b'%' => {
                code_end = i;
                break;
            }
            b'$' => i += if b.get(i + 1) == Some(&b'\\') { 3 } else { 2 },
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    t.get(..code_end)
        .is_some_and(|code| code.trim_end().ends_with('.'))
}

fn clojure(t: &str) -> Option<(Kind, &str)> {
    let (form, mut rest) = first_word(t.strip_prefix('(')?);
    let kind = match form {
        "defn" | "defn-" | "defmulti" | "defmethod" => Kind::Function,
        "defmacro" => Kind::Macro,
        "def" | "defonce" => Kind::Constant,
        "defprotocol" | "definterface" => Kind::Interface,
        "defrecord" | "deftype" | "defstruct" => Kind::Class,
        _ => return None,
    };
    // Metadata before the name: `^:private`, `^String`, `^{:doc "…"}`.
    while let Some(meta) = rest.strip_prefix('^') {
        rest = if meta.starts_with('{') {
            meta[meta.find('}')? + 1..].trim_start()
        } else {
            first_word(meta).1
        };
    }
    let end = rest
        .find(|c: char| c.is_whitespace() || "()[]{}\"".contains(c))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty()).then_some((kind, name))
}

/// Where the docstring of a Clojure form that opens at `form` (the text from its header on)
/// lies in it, quotes left out: the string right after the name, before the parameters.
pub(super) fn clojure_docstring(form: &str) -> Option<(usize, usize)> {
    let open = form.find(['"', '['])?;
    if form.as_bytes()[open] != b'"' {
        return None;
    }
    let start = open + 1;
    let mut escaped = false;
    for (i, c) in form[start..].char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some((start, start + i)),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::engine::parse::Collected;
    use crate::engine::parse::Kind;
    use crate::engine::parse::text::definitions;

    fn defs(text: &str, language: &str) -> Vec<(String, Kind, u32, u32)> {
        let mut col = Collected::default();
        definitions(text, language, &mut col);
        col.defs
            .into_iter()
            .map(|d| (d.qual, d.kind, d.start, d.end))
            .collect()
    }

    #[test]
    fn haskell_signatures_equations_and_types() {
        let haskell = "module Text.Pos (mkPos) where\n\
                       \n\
                       -- | A position.\n\
                       newtype Pos = Pos Int\n\
                       \x20 deriving (Show, Eq)\n\
                       \n\
                       {-# INLINE mkPos #-}\n\
                       -- | Make a position; fails below one.\n\
                       mkPos :: Int -> Pos\n\
                       mkPos a\n\
                       \x20 | a <= 0 = throw (Invalid a)\n\
                       \x20 | otherwise = Pos a\n\
                       \n\
                       {- mkPos 0 = undefined\n\
                       unused = 1 -}\n\
                       -- x = y, in a comment\n\
                       class (Monad m) => MonadParsec e m where\n\
                       \x20 token :: m e\n\
                       (<|>) :: m a -> m a -> m a\n\
                       a <|> b = plus a b\n";
        assert_eq!(
            defs(haskell, "haskell"),
            [
                ("Pos".to_string(), Kind::Module, 1, 1),
                ("Pos".to_string(), Kind::Class, 4, 5),
                ("mkPos".to_string(), Kind::Function, 9, 12),
                ("MonadParsec".to_string(), Kind::Interface, 17, 18),
                ("<|>".to_string(), Kind::Function, 19, 20),
            ]
        );
        let mut col = Collected::default();
        definitions(haskell, "haskell", &mut col);
        assert_eq!(col.defs[2].doc, "Make a position; fails below one.");
    }

    #[test]
    fn ocaml_bindings_modules_and_nested_comments() {
        let ocaml = "(** Matching. *)\n\
                     type 'a t = { re : 'a; group : int }\n\
                     \n\
                     module Group = struct\n\
                     \x20 let get t i =\n\
                     \x20   let n = t.group in\n\
                     \x20   let rec loop k =\n\
                     \x20     if k > n then 0 else loop (k + 1)\n\
                     \x20   and step k = k\n\
                     \x20   in\n\
                     \x20   loop i\n\
                     end\n\
                     \n\
                     (*\n\
                     let old x = (* nested *) x\n\
                     *)\n\
                     let () = print_endline \"x\"\n\
                     module type S = sig\n\
                     \x20 val exec : string -> int\n\
                     end\n";
        assert_eq!(
            defs(ocaml, "ocaml"),
            [
                ("t".to_string(), Kind::Class, 2, 2),
                ("Group".to_string(), Kind::Module, 4, 12),
                ("Group.get".to_string(), Kind::Method, 5, 11),
                ("Group.get.loop".to_string(), Kind::Function, 7, 8),
                ("Group.get.step".to_string(), Kind::Function, 9, 9),
                ("S".to_string(), Kind::Interface, 18, 20),
                ("S.exec".to_string(), Kind::Method, 19, 19),
            ]
        );
        let fsharp = "type Cart(items: Item list) =\n    member this.Total() =\n        items |> List.sumBy (fun i -> i.Price)\n    static member Empty = Cart([])\n";
        assert_eq!(
            defs(fsharp, "fsharp"),
            [
                ("Cart".to_string(), Kind::Class, 1, 4),
                ("Cart.Total".to_string(), Kind::Method, 2, 3),
                ("Cart.Empty".to_string(), Kind::Method, 4, 4),
            ]
        );
    }

    #[test]
    fn clojure_forms_with_metadata_and_docstrings() {
        let clojure = "(ns clojure.core.async.impl.timers)\n\
                       \n\
                       (def ^:private TIMEOUT_MS 10)\n\
                       \n\
                       (defn ^java.util.concurrent.DelayQueue timeout\n\
                       \x20 \"Returns a channel that will close after msecs.\"\n\
                       \x20 [^long msecs]\n\
                       \x20 (chan msecs))\n\
                       \n\
                       (defprotocol Buffer\n\
                       \x20 (full? [b]))\n";
        let mut col = Collected::default();
        definitions(clojure, "clojure", &mut col);
        let got: Vec<(&str, Kind, u32, u32, &str)> = col
            .defs
            .iter()
            .map(|d| (d.qual.as_str(), d.kind, d.start, d.end, d.doc.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("TIMEOUT_MS", Kind::Constant, 3, 3, ""),
                (
                    "timeout",
                    Kind::Function,
                    5,
                    8,
                    "Returns a channel that will close after msecs."
                ),
                ("Buffer", Kind::Interface, 10, 11, ""),
            ]
        );
        // An answer reads the docstring back from where it lies.
        let timeout = &col.defs[1];
        let (start, end) = timeout.doc_range.expect("the docstring's range");
        assert_eq!(
            &clojure[start..end],
            "Returns a channel that will close after msecs."
        );
    }

    #[test]
    fn an_ocaml_lambda_is_no_definition() {
        let ocaml = "let f greedy =\n  match greedy with\n  | `Greedy ->\n    fun rem ->\n      alt rem\n  | _ -> id\n";
        assert_eq!(
            defs(ocaml, "ocaml"),
            [("f".to_string(), Kind::Function, 1, 6)]
        );
    }

    #[test]
    fn erlang_clauses_are_one_function() {
        let erlang = "-module(lists2).\n\
                      -export([len/1]).\n\
                      \n\
                      %% Counts the elements.\n\
                      len([]) -> 0;\n\
                      len([_ | T]) ->\n\
                      \x20   1 + len(T).\n\
                      \n\
                      other(X) -> X.\n";
        assert_eq!(
            defs(erlang, "erlang"),
            [
                ("len".to_string(), Kind::Function, 5, 7),
                ("other".to_string(), Kind::Function, 9, 9),
            ]
        );
    }

    /// A function is a name and an arity, from its `-spec` to the `.` of its last clause,
    /// whatever the clauses' indents; records, types, callbacks and macros are definitions.
    #[test]
    fn erlang_functions_run_from_their_spec_to_their_period() {
        let erlang = "-module(queue2).\n\
                      -record(q, {front = [] :: list(), % the head\n\
                      \x20           rear = [] :: list()}).\n\
                      -type queue() :: #q{}.\n\
                      -define(EMPTY, {[], []}).\n\
                      -define(is_queue(Q), is_tuple(Q)).\n\
                      -callback init(Args :: term()) ->\n\
                      \x20   {ok, term()}.\n\
                      \n\
                      -spec out(Q :: queue()) ->\n\
                      \x20         {empty, queue()}.\n\
                      \n\
                      out({[], []} = Q) ->\n\
                      \x20   {empty, Q};\n\
                      out({In, Out}) ->\n\
                      {In,\n\
                      \x20Out}.\n\
                      out(Q, N) -> lists:nth(N, Q). % \"a.\"\n\
                      -spec unused(term()) -> ok.\n\
                      \n\
                      later(X) -> $..\n";
        assert_eq!(
            defs(erlang, "erlang"),
            [
                ("q".to_string(), Kind::Class, 2, 3),
                ("queue".to_string(), Kind::Class, 4, 4),
                ("EMPTY".to_string(), Kind::Constant, 5, 5),
                ("is_queue".to_string(), Kind::Macro, 6, 6),
                ("init".to_string(), Kind::Function, 7, 8),
                ("out".to_string(), Kind::Function, 10, 17),
                ("out".to_string(), Kind::Function, 18, 18),
                ("later".to_string(), Kind::Function, 21, 21),
            ]
        );
    }
}
