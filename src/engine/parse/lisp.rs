//! Definitions of the Lisps other than Clojure (which `functional.rs` reads): Emacs Lisp,
//! Common Lisp, Scheme and Racket. A definition is a top-level form (`(defun name (args)
//! "doc" …)`, `(define (name args) …)`, `(defvar name value "doc")`); it ends where its
//! parenthesis closes, not at an indent: an Emacs Lisp docstring's lines start at column 0 by
//! convention. Its docstring is the string that follows the data before it (a function's
//! parameters, a variable's value).

use super::RawDef;
use super::calls::string_end;
use crate::engine::parse::Kind;

/// The Lisps read here, by `Lang::label`.
pub(super) fn is_lisp(language: &str) -> bool {
    matches!(language, "emacs-lisp" | "common-lisp" | "scheme" | "racket")
}

/// What a defining form defines, and how many data follow its name before its docstring.
fn defining_form(word: &str) -> Option<(Kind, usize)> {
    Some(match word {
        "defun"
        | "defun*"
        | "cl-defun"
        | "defsubst"
        | "cl-defsubst"
        | "define-inline"
        | "defgeneric"
        | "cl-defgeneric"
        | "defmethod"
        | "cl-defmethod"
        | "define-compiler-macro" => (Kind::Function, 1),
        "defmacro" | "cl-defmacro" | "defmacro*" => (Kind::Macro, 1),
        // A mode's name is its command's; its docstring follows the name (minor modes) or
        // the parent and the mode line's name (derived modes).
        "define-minor-mode" | "define-globalized-minor-mode" | "define-global-minor-mode" => {
            (Kind::Function, 0)
        }
        "define-derived-mode" => (Kind::Function, 2),
        "defvar" | "defvar-local" | "defcustom" | "defconst" | "defparameter" | "defconstant"
        | "defface" | "defgroup" => (Kind::Constant, 1),
        "defclass" | "define-condition" => (Kind::Class, 2),
        "defstruct" | "cl-defstruct" | "define-record-type" => (Kind::Class, 0),
        // Racket's `(struct point (x y))`.
        "struct" | "deftype" | "cl-deftype" => (Kind::Class, 1),
        "defpackage" | "define-package" | "define-module" | "module" => (Kind::Module, 0),
        // Scheme's `(define (name args) …)` names a function with its parameters; `(define
        // name value)` a value, unless the value is a lambda.
        "define" | "define*" | "define-public" | "define/contract" | "define/public"
        | "define/private" => (Kind::Function, 0),
        "define-syntax" | "define-syntax-rule" | "define-macro" => (Kind::Macro, 0),
        _ => return None,
    })
}

/// What the line `t` opens: its kind and name, when it starts a defining form.
pub(super) fn header(t: &str) -> Option<(Kind, &str)> {
    let rest = t.strip_prefix('(')?;
    let word_end = rest.find(is_delimiter).unwrap_or(rest.len());
    let (kind, _) = defining_form(&rest[..word_end])?;
    let after = rest[word_end..].trim_start();
    let quoted = after.trim_start_matches("#'").trim_start_matches('\'');
    // A package is named by a keyword or an uninterned symbol: `:cl-ppcre`, `#:alexandria`.
    let quoted = quoted.trim_start_matches("#:").trim_start_matches(':');
    // `(define (name args) …)`, `(defstruct (name options) …)`: the name opens a list.
    let listed = quoted.trim_start_matches('(');
    let name_end = listed.find(is_delimiter).unwrap_or(listed.len());
    let name = &listed[..name_end];
    if name.is_empty() {
        return None;
    }
    let kind = match kind {
        Kind::Function if listed.len() == quoted.len() && is_scheme_define(&rest[..word_end]) => {
            // `(define name value)`: a function only when the value is one.
            let value = listed[name_end..].trim_start();
            if value.starts_with("(lambda") || value.starts_with("(λ") {
                Kind::Function
            } else {
                Kind::Constant
            }
        }
        k => k,
    };
    Some((kind, name))
}

/// Scheme's and Racket's `define`, which names a function with its parameters in a list.
fn is_scheme_define(word: &str) -> bool {
    matches!(
        word,
        "define"
            | "define*"
            | "define-public"
            | "define/contract"
            | "define/public"
            | "define/private"
    )
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || "()[]{}\";'`,".contains(c)
}

/// The byte just after the form that opens at the start of `form`, in `language`; `None`
/// when it does not close.
pub(super) fn form_end(form: &str, language: &str) -> Option<usize> {
    list_end(form.as_bytes(), 0, language == "emacs-lisp")
}

/// Where the docstring of the defining form `form` (its text from its `(`) lies in it, quotes
/// left out: the string after the data its name is followed by, or Common Lisp's
/// `(:documentation "…")` option there (`defgeneric`, `defclass`).
pub(super) fn docstring(form: &str, language: &str) -> Option<(usize, usize)> {
    let b = form.as_bytes();
    let elisp = language == "emacs-lisp";
    let (kind, takes_parameters, mut i) = head(form, language)?;
    // Common Lisp lets declarations come before the docstring.
    while b[i..].starts_with(b"(declare") {
        i = skip_space(b, skip_datum(b, i, elisp));
    }
    if b[i..].starts_with(b"(:documentation") {
        let at = skip_space(b, i + "(:documentation".len());
        let end = skip_datum(b, at, elisp);
        return (b.get(at) == Some(&b'"') && b.get(end - 1) == Some(&b'"'))
            .then_some((at + 1, end - 1));
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = skip_datum(b, i, elisp);
    // What closes the form right after a string is what a function returns, not its doc.
    let after = skip_space(b, end);
    let closes = after >= b.len() || b[after] == b')';
    let returned = closes && kind == Kind::Function && takes_parameters;
    (b.get(end - 1) == Some(&b'"') && !returned).then_some((i + 1, end - 1))
}

/// The kind of the defining form `form`, whether it takes parameters, and where its head
/// ends: after its name and the data that follow it before a docstring (a function's
/// parameters, a variable's value).
fn head(form: &str, language: &str) -> Option<(Kind, bool, usize)> {
    let b = form.as_bytes();
    let elisp = language == "emacs-lisp";
    let rest = form.strip_prefix('(')?;
    let word_end = 1 + rest.find(is_delimiter).unwrap_or(rest.len());
    let word = &form[1..word_end];
    let (kind, mut before_doc) = defining_form(word)?;
    let mut i = skip_space(b, word_end);
    // `(define name value)`: the value comes before a doc.
    if is_scheme_define(word) && b.get(i) != Some(&b'(') {
        before_doc = 1;
    }
    i = skip_space(b, skip_datum(b, i, elisp)); // the name
    for _ in 0..before_doc {
        // A method's qualifiers come before its parameters: `(cl-defmethod f :around (x) …)`.
        while kind == Kind::Function && b.get(i) == Some(&b':') {
            i = skip_space(b, skip_datum(b, i, elisp));
        }
        i = skip_space(b, skip_datum(b, i, elisp));
    }
    let takes_parameters = kind == Kind::Function && (before_doc > 0 || is_list_named(form));
    Some((kind, takes_parameters, i.min(b.len())))
}

/// Whether the form names its definition in a list with its parameters (`(define (f x) …)`).
fn is_list_named(form: &str) -> bool {
    let rest = form.trim_start_matches('(');
    let after_word = rest
        .find(is_delimiter)
        .map_or("", |n| rest[n..].trim_start());
    after_word.starts_with('(')
}

/// Methods without a docstring take the doc of the generic function of their name in the
/// same file (`(defgeneric create-scanner … (:documentation "…"))` documents each
/// `(defmethod create-scanner …)`): a method is one case of that function.
pub(super) fn document_methods(defs: &mut [RawDef]) {
    let generics: Vec<(String, String, (usize, usize))> = defs
        .iter()
        .filter(|d| d.sig.starts_with("(defgeneric ") || d.sig.starts_with("(cl-defgeneric "))
        .filter_map(|d| Some((d.name.clone(), d.doc.clone(), d.doc_range?)))
        .collect();
    for d in defs.iter_mut().filter(|d| d.doc_range.is_none()) {
        if let Some((_, doc, range)) = generics.iter().find(|(name, ..)| *name == d.name) {
            d.doc = doc.clone();
            d.doc_range = Some(*range);
        }
    }
}

/// The index of the first byte at or after `i` that is neither space nor a comment.
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_whitespace() => i += 1,
            b';' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n)
            }
            b'#' if b.get(i + 1) == Some(&b'|') => {
                i = b[i + 2..]
                    .windows(2)
                    .position(|w| w == b"|#")
                    .map_or(b.len(), |n| i + 2 + n + 2);
            }
            _ => break,
        }
    }
    i
}

/// The index just after the datum that starts at `i` (a list, a string, a quoted datum, an
/// atom); `elisp` reads `?(` as a character, as Emacs Lisp does.
fn skip_datum(b: &[u8], i: usize, elisp: bool) -> usize {
    let mut i = skip_space(b, i);
    // Quotes and reader prefixes: `'x`, `` `(a ,b) ``, `#'f`, `#(1 2)`.
    while i < b.len() && (matches!(b[i], b'\'' | b'`' | b',' | b'@') || b[i..].starts_with(b"#'")) {
        i += if b[i] == b'#' { 2 } else { 1 };
    }
    let Some(&c) = b.get(i) else { return i };
    match c {
        b'(' | b'[' => list_end(b, i, elisp).unwrap_or(b.len()),
        b'"' => string_end(b, i),
        _ => {
            let end = b[i..]
                .iter()
                .position(|&c| c.is_ascii_whitespace() || b"()[]\";".contains(&c))
                .map_or(b.len(), |n| i + n);
            end.max(i + 1)
        }
    }
}

/// The index just after the list that opens at `i`; `None` when it does not close.
fn list_end(b: &[u8], mut i: usize, elisp: bool) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' => {
                i = string_end(b, i);
                continue;
            }
            b';' | b' ' | b'\n' | b'\t' | b'\r' => {
                i = skip_space(b, i);
                continue;
            }
            b'#' if b.get(i + 1) == Some(&b'|') => {
                i = skip_space(b, i);
                continue;
            }
            // Characters: Common Lisp's and Scheme's `#\(`, Emacs Lisp's `?(`, `?\(`.
            b'#' if b.get(i + 1) == Some(&b'\\') => i += 2,
            b'?' if elisp && i > 0 && is_delimiter(b[i - 1] as char) => {
                i += if b.get(i + 1) == Some(&b'\\') { 2 } else { 1 };
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{docstring, form_end, header};
    use crate::engine::parse::Kind;
    use crate::engine::parse::text::tests::defs_with_docs as defs;

    #[test]
    fn emacs_lisp_definitions_end_where_their_forms_close() {
        let elisp = ";;; company.el --- Modular text completion framework\n\
                     \n\
                     ;;;###autoload\n\
                     (defun company-begin-backend (backend &optional callback)\n\
                     \x20 \"Start a completion at point using BACKEND.\n\
                     (defun fake () is prose in the docstring)\n\
                     CALLBACK is called with the chosen candidate.\"\n\
                     \x20 (interactive (list ?\\( ?\\\"))\n\
                     \x20 (setq company-backend backend))\n\
                     \n\
                     (defcustom company-idle-delay .2\n\
                     \x20 \"The idle delay in seconds until completion starts automatically.\"\n\
                     \x20 :type 'number)\n\
                     \n\
                     (defvar-local company-candidates nil)\n";
        assert_eq!(
            defs(elisp, "emacs-lisp"),
            [
                (
                    "company-begin-backend".to_string(),
                    Kind::Function,
                    4,
                    9,
                    "Start a completion at point using BACKEND. (defun fake () is prose in the \
                     docstring) CALLBACK is called with the chosen candidate."
                        .to_string()
                ),
                (
                    "company-idle-delay".to_string(),
                    Kind::Constant,
                    11,
                    13,
                    "The idle delay in seconds until completion starts automatically.".to_string()
                ),
                (
                    "company-candidates".to_string(),
                    Kind::Constant,
                    15,
                    15,
                    String::new()
                ),
            ]
        );
    }

    #[test]
    fn common_lisp_methods_take_their_generic_functions_doc() {
        let cl = "(in-package :cl-ppcre)\n\
                  \n\
                  #|\n\
                  (defun commented-out () nil)\n\
                  |#\n\
                  (defgeneric create-scanner (regex &key case-insensitive-mode)\n\
                  \x20 (:documentation \"Accepts a regular expression and returns a scan closure.\"))\n\
                  \n\
                  (defmethod create-scanner ((regex-string string) &key case-insensitive-mode)\n\
                  \x20 (declare (ignore case-insensitive-mode))\n\
                  \x20 (char= #\\) (char regex-string 0)))\n\
                  \n\
                  (defclass lexer ()\n\
                  \x20 ((str :initarg :str :reader str))\n\
                  \x20 (:documentation \"LEXER objects hold the regex string.\"))\n";
        let doc = "Accepts a regular expression and returns a scan closure.".to_string();
        assert_eq!(
            defs(cl, "common-lisp"),
            [
                (
                    "create-scanner".to_string(),
                    Kind::Function,
                    6,
                    7,
                    doc.clone()
                ),
                ("create-scanner".to_string(), Kind::Function, 9, 11, doc),
                (
                    "lexer".to_string(),
                    Kind::Class,
                    13,
                    15,
                    "LEXER objects hold the regex string.".to_string()
                ),
            ]
        );
    }

    #[test]
    fn defining_forms_and_their_names() {
        let cases = [
            (
                "(defun company-begin-backend (backend &optional callback)",
                Kind::Function,
                "company-begin-backend",
            ),
            (
                "(cl-defmethod magit-section-ident ((section magit-section))",
                Kind::Function,
                "magit-section-ident",
            ),
            (
                "(defmacro company-with-candidate-inserted (candidate &rest body)",
                Kind::Macro,
                "company-with-candidate-inserted",
            ),
            (
                "(defvar-local company-candidates nil",
                Kind::Constant,
                "company-candidates",
            ),
            (
                "(defcustom company-idle-delay .2",
                Kind::Constant,
                "company-idle-delay",
            ),
            (
                "(define-minor-mode company-mode",
                Kind::Function,
                "company-mode",
            ),
            (
                "(defclass parse-tree-synonym ()",
                Kind::Class,
                "parse-tree-synonym",
            ),
            (
                "(defstruct (lexer (:constructor make-lexer-internal))",
                Kind::Class,
                "lexer",
            ),
            ("(define (string-pad s n)", Kind::Function, "string-pad"),
            ("(define pi 3.14)", Kind::Constant, "pi"),
            (
                "(define square (lambda (x) (* x x)))",
                Kind::Function,
                "square",
            ),
            ("(define-syntax-rule (swap! a b)", Kind::Macro, "swap!"),
            ("(defpackage :cl-ppcre", Kind::Module, "cl-ppcre"),
            ("(defpackage #:alexandria", Kind::Module, "alexandria"),
            ("(struct point (x y) #:transparent)", Kind::Class, "point"),
        ];
        for (line, kind, name) in cases {
            assert_eq!(header(line), Some((kind, name)), "{line}");
        }
        for line in [
            "(setq x 1)",
            "(let ((a 1))",
            "defun x",
            "(defun",
            "(provide 'company)",
        ] {
            assert_eq!(header(line), None, "{line}");
        }
    }

    #[test]
    fn a_form_ends_where_its_parenthesis_closes() {
        let elisp = "(defun f (x)\n  \"Return X.\nSee (g) and ?( and ?\\) chars.\"\n  (list ?\\( x \")\"))\n(defun g ())";
        let end = form_end(elisp, "emacs-lisp").expect("closes");
        assert!(elisp[..end].ends_with("\")\"))"), "{}", &elisp[..end]);
        let cl = "(defun f (c)\n  ;; a ) in a comment\n  #| and ) here |#\n  (char= c #\\)))\nrest";
        let end = form_end(cl, "common-lisp").expect("closes");
        assert_eq!(&cl[end..], "\nrest");
        assert_eq!(form_end("(defun f (x)\n  (g x)", "scheme"), None);
    }

    #[test]
    fn docstrings_follow_the_data_before_them() {
        let doc = |form: &str, language: &str| {
            docstring(form, language).map(|(s, e)| form[s..e].to_string())
        };
        assert_eq!(
            doc(
                "(defun f (x &optional y)\n  \"Return X.\nMore.\"\n  (+ x y))",
                "emacs-lisp"
            )
            .as_deref(),
            Some("Return X.\nMore.")
        );
        assert_eq!(
            doc(
                "(cl-defmethod f :around ((s section))\n  \"Wrap it.\"\n  (g))",
                "emacs-lisp"
            )
            .as_deref(),
            Some("Wrap it.")
        );
        assert_eq!(
            doc(
                "(defvar company-backends '(a b)\n  \"The list of \\\"backends\\\".\")",
                "emacs-lisp"
            )
            .as_deref(),
            Some("The list of \\\"backends\\\".")
        );
        assert_eq!(
            doc(
                "(define-minor-mode company-mode\n  \"Completes.\"\n  nil)",
                "emacs-lisp"
            )
            .as_deref(),
            Some("Completes.")
        );
        assert_eq!(
            doc("(define (pad s n) \"Pads S.\" (string-append s))", "scheme").as_deref(),
            Some("Pads S.")
        );
        assert_eq!(
            doc("(defgeneric create-scanner (regex &key mode)\n  (:documentation \"Accepts a regex.\"))", "common-lisp").as_deref(),
            Some("Accepts a regex.")
        );
        assert_eq!(
            doc(
                "(defclass lexer ()\n  ((str :initarg :str))\n  (:documentation \"A lexer.\"))",
                "common-lisp"
            )
            .as_deref(),
            Some("A lexer.")
        );
        assert_eq!(
            doc(
                "(defun f (s)\n  (declare (fixnum s))\n  \"Checks S.\"\n  (g s))",
                "common-lisp"
            )
            .as_deref(),
            Some("Checks S.")
        );
        // A function whose body is a string returns it: no doc.
        assert_eq!(doc("(defun name () \"company\")", "emacs-lisp"), None);
        assert_eq!(doc("(define (name) \"company\")", "scheme"), None);
        assert_eq!(
            doc("(define-minor-mode quiet-mode \"Quiet.\")", "emacs-lisp").as_deref(),
            Some("Quiet.")
        );
        assert_eq!(doc("(defvar x 1)", "emacs-lisp"), None);
        assert_eq!(doc("(define greeting \"hello\")", "scheme"), None);
        assert_eq!(doc("(defun f (x) (g x))", "common-lisp"), None);
    }
}
