#!/usr/bin/env python3
"""Checks (or fills in) the gold answers of a benchmark question file against the corpora.

    check-questions.py --corpora DIR [--questions FILE] [--fill OUT] [--show]

For every gold entry {"path", "symbol", "lines": [a, b]} it checks that the file exists under
DIR/<corpus>/, that 1 <= a <= b <= its line count, and that a..b is exactly the definition of
`symbol`: from the definition's first line (a Python decorator, a Java annotation, a C++
`template <...>` line, a C/C++ return type written on the line above the name) to the line
that closes it. Doc comments above are not part of it. Found by language:

  .py             Python's ast
  .rs             `Type::method`, `free_fn`, `Type`, `name!`
  .js .ts ...     `Class.method`, `function`, assignment-style `proto.handle`, `req.ip`
  .go             `Type.Method` (receiver), `Func`, `Type`
  .java           `Class.method`, `Class` (nested: `Outer.Inner`, `Outer.Inner.method`)
  .c .h           `function`, `struct_or_typedef`, `MACRO`
  .cc .cpp .hpp   `Class::method` (in the class or out of line), `function`, `Class`
                  (a .h file is read as C++ when the corpus has C++ sources)
  .cs             `Class.Method` (short class name, nested: `Outer.Inner.Method`), `Class`;
                  attribute lines (`[Obsolete]`) directly above belong to it
  .kt             `Class.method` (nested: `Outer.Inner.method`), `function` (an extension
                  `fun Foo.bar()` is `bar`), `Class`; annotation lines directly above belong
                  to it
  .php            `Class.method` (short class name), `Class`, `function`
  .rb             `Module.Class.method` (the enclosing modules and classes, outermost first;
                  `def self.x` is `Module.x`), `Module.Class`; a definition ends at the `end`
                  at its own indent
  .lua            `mod.fn` (`mod:fn` written with a dot), `local_fn`, `M.x = function`; ends
                  at the `end` at its own indent
  .swift          `Type.method` (a method of `extension Type` too; nested: `Outer.Inner.m`),
                  `init`, `function`, `Type`; attribute lines (`@objc`) directly above belong
                  to it
  .scala          `Class.method`, `Object.method` (nested: `Outer.Inner.method`), `Class`;
                  a body without braces ends at the last line indented deeper than its `def`
  .ex .exs        `Full.Module.Name.function` (the clause that matches, or every clause of
                  the name from the first to the last), `Full.Module.Name`; ends at the `end`
                  at its own indent, or on its line (`def f(x), do: x`)
  .m .mm          `Class.selectorFirstPart` in `@implementation Class`, `Class` (to `@end`);
                  a `.h` with `@interface` is read the same way
  .hs             `Module.Name.function` (its signature line and every equation), a type
                  `Module.Name.Type`; ends at its last indented line or clause
  .ml             `File.Module.value` (`lib/core.ml`'s `module Group = struct … let get` is
                  `Core.Group.get`), `File.type`; ends at its last line indented deeper than
                  it (a `|` line at its indent included)
  .clj .cljs .cljc  `namespace/name` of a `(defn …)`, `(defmacro …)`, `(def …)`, `(deftype …)`
                  …; ends where its parentheses balance
  .el .lisp .scm  `name` of a top-level defining form (`(defun name`, `(defvar name`,
  .rkt            `(define (name`, `(defmethod name` …); ends where its parentheses balance
  .erl .hrl       `name` of a function: the clauses of one name and arity, from the `-spec`
                  above them (blank and comment lines between allowed) or the first clause, to
                  the `.` that ends the last; `name` of a `-record`, `-type`, `-opaque`,
                  `-callback` or `-define` attribute, to its `.`
  .nim            `name` of a `proc`, `func`, `iterator`, `template`, `macro`, `method` or
                  `converter`, or of a type in a `type` section (`Name*[T] = object`); ends at
                  its last line indented deeper than its header
  .sh, no extension  `name` of a shell function (`name() {`, `name()` over `{`,
                  `function name`); ends at the `}` at its header's indent (a file without an
                  extension is read as shell: it is indexed only when its first line says so)
  .R .r           `name` of `name <- function(…) {`; ends at its closing brace (or on its
                  line when it has no braces)
  .pm .pl         `Package::Name::sub` (the `package` statement in force); ends at its closing
                  brace; POD is blanked
  .vue .svelte    read as JavaScript, everything outside `<script>` blanked: `Component.method`
                  (the component's `name:`; a method of `methods`, `computed` or `watch`, or a
                  hook), `file.function` for a script's plain function
  .sol            `Contract.function` (contracts, libraries, interfaces), `Contract.constructor`,
                  a modifier `Contract.onlyOwner`; ends at its closing brace

Code is compared with comments, strings and character literals blanked, so braces inside them
do not count. A range that is not found by name is still accepted when its first line names
the symbol and the construct starting there ends exactly at its last line (definitions made by
macros or registration calls).

--fill OUT writes the questions with missing "lines" computed (when exactly one candidate).
--show prints each gold range's first and last line. Exit status 1 on any problem.
Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

EXT_LANG = {
    ".py": "py", ".rs": "rust",
    ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js", ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js",
    ".go": "go", ".java": "java", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".php": "php", ".rb": "rb", ".lua": "lua", ".cs": "cs", ".kt": "kt",
    ".swift": "swift", ".scala": "scala", ".ex": "ex", ".exs": "ex", ".m": "objc", ".mm": "objc",
    ".hs": "hs", ".ml": "ml", ".clj": "clj", ".cljs": "clj", ".cljc": "clj", ".R": "r", ".r": "r",
    ".pm": "perl", ".pl": "perl", ".vue": "js", ".svelte": "js", ".sol": "sol",
    ".erl": "erl", ".hrl": "erl", ".nim": "nim", ".sh": "sh", ".bash": "sh", "": "sh",
    ".el": "lisp", ".lisp": "lisp", ".lsp": "lisp", ".asd": "lisp", ".scm": "lisp", ".rkt": "lisp",
}


# --------------------------------------------------------------------------- blanking

def blank_code(text: str, lang: str) -> list[str]:
    """The lines of `text` with comments and the insides of string and character literals
    replaced by spaces (newlines kept), so brackets and semicolons can be counted."""
    if lang in ("hs", "ml", "clj", "lisp", "erl"):
        return blank_functional(text, lang)
    if lang == "perl":
        # POD (`=head2` … `=cut`) and everything after `__END__` is prose, apostrophes and all.
        kept, pod, ended = [], False, False
        for line in text.split("\n"):
            ended = ended or line in ("__END__", "__DATA__")
            if re.match(r"^=[a-zA-Z]", line):
                pod = not line.startswith("=cut")
                kept.append("")
            else:
                kept.append("" if pod or ended else line)
        text = "\n".join(kept)
    out: list[str] = []
    i, n = 0, len(text)
    last = ""  # last significant character, to tell a JS regex literal from a division

    def blank(seg: str) -> None:
        out.append("".join("\n" if ch == "\n" else " " for ch in seg))

    while i < n:
        c = text[i]
        two = text[i:i + 2]
        line_comment = (
            (two == "//" and lang not in ("rb", "lua", "perl", "r", "ex", "nim", "sh"))
            or (lang == "sh" and c == "#" and (i == 0 or text[i - 1] in " \t\n;"))
            or (lang in ("py", "rb", "ex", "r", "perl", "nim") and c == "#" and not (lang == "perl" and text[i - 1:i] == "$"))
            or (lang == "php" and c == "#" and text[i + 1:i + 2] != "[")
            or (lang == "lua" and two == "--")
        )
        if line_comment:
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(text[i:j])
            i = j
            continue
        if two == "/*" and lang not in ("py", "rb", "lua", "ex", "r", "perl", "nim", "sh"):
            depth, j = 1, i + 2
            while j < n and depth:
                if lang in ("rust", "swift", "scala") and text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(text[i:j])
            i = j
            continue
        if lang == "rust" and c == "r" and re.match(r'r#*"', text[i:i + 10]) and not (
                i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            j = n if end < 0 else end + 1 + len(m.group(1))
            blank(text[i:j])
            i, last = j, '"'
            continue
        if lang in ("java", "kt", "swift", "scala", "ex") and text.startswith('"""', i):
            end = text.find('"""', i + 3)
            j = n if end < 0 else end + 3
            blank(text[i:j])
            i, last = j, '"'
            continue
        if lang == "cs" and (m := re.match(r'(?:\$@|@\$?)"', text[i:i + 3])):
            # A verbatim string: no backslash escapes, a doubled quote stands for one.
            j = i + len(m.group(0))
            while j < n and not (text[j] == '"' and text[j + 1:j + 2] != '"'):
                j += 2 if text[j] == '"' else 1
            blank(text[i:j + 1])
            i, last = j + 1, '"'
            continue
        if lang in ("perl", "nim") and c == "'" and i and text[i - 1].isalnum():
            # An apostrophe in a word of a regex (`/Can't locate/`) opens no string, nor does
            # Nim's type suffix (`-1'i32`).
            out.append(c)
            i += 1
            continue
        if lang == "sh" and c == "'":
            # A shell's single quotes hold everything, a backslash too, up to the next one.
            j = text.find("'", i + 1)
            j = n if j < 0 else j + 1
            blank(text[i:j])
            i = j
            continue
        if lang in ("perl", "sh") and c == "\\":
            # `\'` in a regex (`/^Can\'t/`) is no quote; nor is a shell's `\"`.
            out.append(text[i:i + 2])
            i += 2
            continue
        quotes = '"' + ("'`" if lang == "js" else "`" if lang == "go" else "'" if lang in ("c", "cpp", "java", "cs", "kt", "php", "rb", "lua", "objc", "r", "perl", "sol", "nim") else "")
        if lang == "rust" and c == "'":
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:i + 12])
            if m:
                blank(m.group(0))
                i += len(m.group(0))
                continue
        if c in quotes:
            j = i + 1
            while j < n:
                ch = text[j]
                if ch == "\\" and c != "`" or (ch == "\\" and lang == "js"):
                    j += 2
                    continue
                if ch == c:
                    j += 1
                    break
                if c == "`" and lang == "js" and text.startswith("${", j):
                    depth = 0
                    while j < n:
                        if text[j] == "{":
                            depth += 1
                        elif text[j] == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        j += 1
                if ch == "\n" and c in "\"'" and lang in ("c", "cpp", "java", "go"):
                    break  # unterminated on its line: give up on it there
                j += 1
            blank(text[i:j])
            i, last = j, c
            continue
        if lang == "js" and c == "/" and (last == "" or last in "(,=:[!&|?{};+-*%<>~^"):
            j, in_class = i + 1, False
            while j < n and text[j] != "\n":
                ch = text[j]
                if ch == "\\":
                    j += 2
                    continue
                if ch == "[":
                    in_class = True
                elif ch == "]":
                    in_class = False
                elif ch == "/" and not in_class:
                    j += 1
                    break
                j += 1
            blank(text[i:j])
            i, last = j, "/"
            continue
        if c.isalnum() or c == "_" or c == "$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            word = text[i:j]
            out.append(word)
            last = "(" if word in ("return", "typeof", "case", "in", "of", "yield", "await") else "a"
            i = j
            continue
        out.append(c)
        if not c.isspace():
            last = "a" if c == "!" and last in ")]a" else c
        i += 1
    return "".join(out).split("\n")


def blank_functional(text: str, lang: str) -> list[str]:
    """blank_code for Haskell (`--`, nested `{- -}`), OCaml (nested `(* *)`), Clojure and the
    other Lisps (`;`, `\\c` characters) and Erlang (`%`, `$c` characters, `'quoted atoms'`):
    strings blanked, and no other quote character taken for a literal (`x'`, `'a`)."""
    out, i, n = [], 0, len(text)
    opener, closer = {"hs": ("{-", "-}"), "ml": ("(*", "*)")}.get(lang, (None, None))
    while i < n:
        c, two = text[i], text[i:i + 2]
        j = None
        if opener and two == opener:
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith(opener, j):
                    depth, j = depth + 1, j + 2
                elif text.startswith(closer, j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
        elif (lang == "hs" and two == "--" and (i + 2 >= n or text[i + 2] in "- \t\n" or text[i + 2].isalnum())) \
                or (lang in ("clj", "lisp") and c == ";") or (lang == "erl" and c == "%"):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif lang == "clj" and c == "\\":
            j = i + 2
        elif lang == "erl" and c == "$" and i + 1 < n:
            j = i + (3 if text[i + 1] == "\\" else 2)
        elif lang == "lisp" and (two == "#\\" or (c == "?" and (i == 0 or text[i - 1] in " \t\n(") and i + 1 < n)):
            # A character: Common Lisp's and Scheme's `#\(`, Emacs Lisp's `?(` and `?\(`.
            j = i + (3 if two == "#\\" or text[i + 1] == "\\" else 2)
        elif lang == "lisp" and two == "#|":
            j = text.find("|#", i + 2)
            j = n if j < 0 else j + 2
        elif c == '"' or (lang == "erl" and c == "'"):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
        if j is None:
            out.append(c)
            i += 1
        else:
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
    return "".join(out).split("\n")


class Source:
    def __init__(self, path: Path, lang: str):
        self.path = path
        self.lang = lang
        self.text = path.read_text(encoding="utf-8", errors="replace")
        # A component's template and styles are not code: only its scripts are read.
        self.component = path.suffix in (".vue", ".svelte")
        self.lines = self.text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self._code: list[str] | None = None

    @property
    def code(self) -> list[str]:
        if self._code is None:
            text = scripts_only(self.text) if self.component else self.text
            self._code = blank_code(text, self.lang)
        return self._code

    def block_end(self, start: int) -> int | None:
        """1-based line where the construct starting at line `start` ends: the '}' closing the
        first brace opened outside parentheses, or a ';' outside all brackets. Go and C macros,
        which need neither, end at the first line whose brackets are balanced and that opens
        no block (or, for a macro, does not end with a backslash)."""
        if self.lang in ("rb", "lua", "ex"):
            return self.keyword_end(start)
        head = self.code[start - 1]
        if (self.lang == "scala" and re.match(r"^\s*(?:[\w\[\].@]+\s+)*def\s", head)
                and head.count("(") == head.count(")") and not re.search(r"\{\s*(?:\w+\s*=>\s*)?$", head)):
            return self.indented_end(start)
        if self.lang in ("c", "cpp") and self.code[start - 1].lstrip().startswith("#"):
            ln = start - 1
            while ln < len(self.lines) and self.lines[ln].rstrip().endswith("\\"):
                ln += 1
            return ln + 1
        depth_p = depth_b = depth_a = 0
        opened = False
        is_prop = self.lang == "js" and re.match(r"^\s*[\w$]+\s*:(?!:)", self.code[start - 1])
        for ln in range(start - 1, len(self.code)):
            prev = ""
            for ch in self.code[ln]:
                if ch in "([":
                    depth_p += 1
                elif ch in ")]":
                    depth_p -= 1
                elif ch == "<" and not opened and self.lang in ("rust", "js", "java", "cs", "kt"):
                    depth_a += 1
                elif ch == ">" and not opened and prev not in "=-" and self.lang in ("rust", "js", "java", "cs", "kt"):
                    depth_a = max(0, depth_a - 1)
                elif ch == "{":
                    if depth_p == 0 and depth_b == 0 and depth_a == 0:
                        opened = True
                    depth_b += 1
                elif ch == "}":
                    depth_b -= 1
                    if opened and depth_b == 0 and depth_p == 0:
                        # C/C++ `struct X { ... } name;` and Java/C++ enums end at the ';'
                        rest = self.code[ln][self.code[ln].rfind("}") + 1:]
                        if self.lang in ("c", "cpp") and rest.strip() and ";" not in rest:
                            continue
                        return ln + 1
                    if is_prop and depth_b < 0:
                        return ln + 1
                elif ch == "," and is_prop and depth_p == 0 and depth_b == 0:
                    return ln + 1
                elif ch == ";" and depth_p == 0 and depth_b == 0:
                    return ln + 1
                if not ch.isspace():
                    prev = ch
            if self.lang == "go" and not opened and depth_p == 0 and depth_b == 0:
                return ln + 1
        return None


    def keyword_end(self, start: int) -> int | None:
        """Ruby and Lua: a definition ends at the first `end` at its own indent, or on its own
        line when it closes there (`def x = y`, `def x; y; end`, `function f() return 1 end`)."""
        head = self.code[start - 1]
        if self.lang == "ex" and re.search(r",\s*do:", head):
            return start
        if re.search(r"\bend\s*\)?\s*$", head) or (self.lang == "rb" and re.match(r"^\s*def\s+[\w.?!=]+(?:\([^)]*\))?\s*=(?!=)", head)):
            return start
        own = indent(head)
        for ln in range(start, len(self.code)):
            line = self.code[ln]
            if line.strip() and indent(line) <= own:
                # A method's own `rescue` and `ensure` sit at its indent.
                if indent(line) == own and re.match(r"^\s*(?:rescue|ensure|else|elsif|elseif)\b", line):
                    continue
                return ln + 1 if re.match(r"^\s*end\b", line) and indent(line) == own else None
        return None


    def indented_end(self, start: int) -> int:
        """Scala's `def f(x: Int) =` without braces: its last line indented deeper than it (or
        its own line). A brace opened on a later line is matched."""
        own, last = indent(self.code[start - 1]), start
        for ln in range(start, len(self.code)):
            line = self.code[ln]
            if not line.strip():
                continue
            if indent(line) <= own:
                if line.strip().startswith(("}", ")")) and indent(line) == own and last == start:
                    return ln + 1
                break
            last = ln + 1
        return last


def scripts_only(text: str) -> str:
    """`text` with everything outside its `<script …>` blocks turned to spaces (newlines kept)."""
    out, at = [], 0
    for m in re.finditer(r"<script\b[^>]*>(.*?)</script>", text, re.S):
        out.append(re.sub(r"[^\n]", " ", text[at:m.start(1)]))
        out.append(m.group(1))
        at = m.end(1)
    out.append(re.sub(r"[^\n]", " ", text[at:]))
    return "".join(out)


def indent(s: str) -> int:
    return len(s) - len(s.lstrip())


# --------------------------------------------------------------------------- locating

def py_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    try:
        tree = ast.parse(src.text)
    except SyntaxError:
        return []

    def span(node):
        return (min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]), node.end_lineno)

    def find(body, names):
        res = []
        for node in body:
            name = None
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = node.name
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Name):
                        name = t.id
            elif isinstance(node, ast.If):
                res += find(node.body, names) + find(node.orelse, names)
                continue
            elif isinstance(node, ast.Try):
                res += find(node.body, names)
                for h in node.handlers:
                    res += find(h.body, names)
                continue
            if name != names[0]:
                continue
            if len(names) == 1:
                res.append(span(node))
            elif isinstance(node, ast.ClassDef):
                res += find(node.body, names[1:])
        return res

    return find(tree.body, symbol.split("."))


def enclosing_open(src: Source, i: int) -> int | None:
    """0-based line of the '{' opening the block that encloses line i."""
    depth = 0
    for j in range(i - 1, -1, -1):
        for ch in reversed(src.code[j]):
            if ch == "}":
                depth += 1
            elif ch == "{":
                if depth == 0:
                    return j
                depth -= 1
    return None


def header_of(src: Source, j: int) -> str:
    """The text of the header whose block opens on line j (a few lines up, to a statement end)."""
    head = src.code[j].split("{")[0]
    k = j
    while k > 0 and src.code[k - 1].strip() and not re.search(r"[;{}]\s*$", src.code[k - 1]) and j - k < 40:
        k -= 1
        head = src.code[k] + " " + head
    return head.strip()


RUST_ITEM = r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?"


def rust_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    res = []
    if symbol.endswith("!"):
        pat = re.compile(r"^\s*macro_rules!\s*" + re.escape(symbol[:-1]) + r"\b")
        return [(i + 1, e) for i, l in enumerate(src.lines) if pat.search(l) and (e := src.block_end(i + 1))]
    parts = symbol.split("::")
    name, owner = parts[-1], parts[-2] if len(parts) > 1 else None
    fn_pat = re.compile(RUST_ITEM + r"fn\s+" + re.escape(name) + r"\b")
    ty_pat = re.compile(RUST_ITEM + r"(?:struct|enum|trait|union|type|mod|static|const)\s+" + re.escape(name) + r"\b")
    for i, l in enumerate(src.lines):
        is_fn, is_ty = bool(fn_pat.search(l)), bool(ty_pat.search(l))
        if not (is_fn or is_ty):
            continue
        j = enclosing_open(src, i)
        head = header_of(src, j) if j is not None else ""
        in_impl = bool(re.match(r"^(?:unsafe\s+)?impl\b|^(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?trait\b", head))
        if owner is None and is_fn and not is_ty and in_impl:
            continue
        if owner is not None and not (in_impl and re.search(r"\b" + re.escape(owner) + r"\b", head)):
            continue
        if e := src.block_end(i + 1):
            res.append((i + 1, e))
    return res


def js_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    lines, res = src.lines, []
    if "." in symbol:
        obj, _, prop = symbol.rpartition(".")
        pat = re.compile(r"^\s*" + re.escape(symbol) + r"\s*=|^\s*(?:defineGetter|Object\.defineProperty)\(\s*"
                         + re.escape(obj) + r"\s*,\s*['\"]" + re.escape(prop) + r"['\"]")
        res = [(i + 1, e) for i, l in enumerate(lines) if pat.search(l) and (e := src.block_end(i + 1))]
        if res:
            return res
    parts = symbol.split(".")
    name = parts[-1]
    if len(parts) == 1:
        decl = re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?"
                          r"(?:function\s*\*?\s*|class\s+|interface\s+|enum\s+|type\s+|const\s+|let\s+|var\s+)"
                          + re.escape(name) + r"\b")
        hits = [i for i, l in enumerate(lines) if decl.search(l) and indent(l) == 0] or \
               [i for i, l in enumerate(lines) if decl.search(l)]
        return with_bodies(src, hits)
    cdecl = re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?(?:class\s+|interface\s+|(?:const|let|var)\s+|function\s+)"
                       + re.escape(parts[-2]) + r"\b")
    member = re.compile(r"^\s*(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set|declare)\s+)*\*?\s*"
                        + re.escape(name) + r"\s*(?:[<(?!:=]|$)")
    for ci, cl in enumerate(lines):
        if cdecl.search(cl) and (cend := src.block_end(ci + 1)):
            res += with_bodies(src, members(src, ci, cend, member))
    return res


def members(src: Source, ci: int, cend: int, member: re.Pattern) -> list[int]:
    """0-based lines of the members matching `member` that start a line directly inside the
    block that opens on line ci (0-based) and ends at line cend (1-based), by brace depth."""
    hits, depth, opened = [], 0, False
    for i in range(ci, cend):
        code = src.code[i]
        if opened and depth == 1 and code.strip() and member.search(code):
            hits.append(i)
        for ch in code:
            if ch == "{":
                depth += 1
                opened = True
            elif ch == "}":
                depth -= 1
    return hits


def with_bodies(src: Source, hits: list[int]) -> list[tuple[int, int]]:
    """Ranges of the declarations that have a body; bodiless ones (TypeScript overloads, C and
    C++ prototypes) only when none has."""
    res, sigs = [], []
    for i in hits:
        e = src.block_end(i + 1)
        if e is None:
            continue
        has_body = any("{" in src.code[k] for k in range(i, e))
        (res if has_body else sigs).append((i + 1, e))
    return res or sigs


def go_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    parts = symbol.split(".")
    name = re.escape(parts[-1])
    if len(parts) == 2:
        pat = re.compile(r"^func\s*\(\s*\w*\s*\*?\s*" + re.escape(parts[0]) + r"(?:\[[^\]]*\])?\s*\)\s*" + name + r"\b")
    else:
        pat = re.compile(r"^func\s+" + name + r"\b|^type\s+" + name + r"\b")
    hits = [i for i, l in enumerate(src.lines) if pat.search(l)]
    if len(parts) == 1 and not hits:
        # a type in a `type ( ... )` group
        hits = [i for i, l in enumerate(src.lines) if re.match(r"^\s+" + name + r"\s+(?:struct|interface|func|\w)", l)
                and (j := enclosing_group(src, i)) is not None and src.code[j].startswith("type")]
    return [(i + 1, e) for i in hits if (e := src.block_end(i + 1))]


def enclosing_group(src: Source, i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if src.code[j].rstrip().endswith("("):
            return j
        if not src.code[j].startswith((" ", "\t")) and src.code[j].strip():
            return None
    return None


def annotated_start(src: Source, i: int, prefixes: tuple[str, ...]) -> int:
    """Line i moved up over the lines right above it that start with one of `prefixes`
    (Java annotations, C++ `template <...>`)."""
    while i > 0 and src.code[i - 1].strip().startswith(prefixes):
        i -= 1
    return i


JAVA_TYPE = r"(?:class|interface|enum|record|@interface|struct)\s+"
# Java's modifiers, and C#'s (`.cs` files are located like Java's).
MODIFIERS = (r"public|private|protected|internal|static|final|abstract|sealed|non-sealed|strictfp|synchronized|native|default"
             r"|virtual|override|async|extern|unsafe|new|partial|readonly")


def java_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    parts = symbol.split(".")
    blocks = [(0, len(src.lines) + 1)]  # (0-based open line, 1-based end) of the enclosing body
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        ty = re.compile(r"^\s*(?:(?:" + MODIFIERS + r")\s+)*" + JAVA_TYPE + re.escape(part) + r"\b")
        found = []
        for (ci, cend) in blocks:
            rng = range(ci + (0 if k == 0 else 1), cend - 1)
            hits = [i for i in rng if ty.search(src.code[i])]
            if k > 0:
                body = set(members(src, ci, cend, ty))
                hits = [i for i in hits if i in body]
            found += [(i, e) for i in hits if (e := src.block_end(i + 1))]
        marks = ("[",) if src.lang == "cs" else ("@",)
        if last and found:
            return [(annotated_start(src, i, marks) + 1, e) for i, e in found]
        if last:
            method = re.compile(r"^\s*(?:(?:" + MODIFIERS + r"|@\w+(?:\([^)]*\))?)\s+)*"
                                r"(?:<[^>]*>\s+)?(?:[\w.$<>\[\],? ]+\s+)?" + re.escape(part) + r"\s*(?:<[^>()]*>\s*)?\(")
            res = []
            for (ci, cend) in blocks:
                for i in members(src, ci, cend, method):
                    if (e := src.block_end(i + 1)):
                        res.append((annotated_start(src, i, marks) + 1, e))
            return res
        blocks = found
    return []


C_DECL_END = re.compile(r"[;{}]\s*$|^\s*$|^\s*#|^\s*//|\*/\s*$")


def c_ranges(src: Source, symbol: str, cpp: bool) -> list[tuple[int, int]]:
    parts = symbol.split("::")
    name = re.escape(parts[-1])
    res = []
    # a macro
    mac = re.compile(r"^\s*#\s*define\s+" + name + r"\b")
    res += [(i + 1, e) for i, l in enumerate(src.lines) if mac.search(l) and (e := src.block_end(i + 1))]
    if res:
        return res
    # a type: struct/union/enum/class NAME {...}; typedef ... NAME;
    ty = re.compile(r"^\s*(?:typedef\s+)?(?:template\s*<.*>\s*)?(?:class|struct|union|enum(?:\s+class)?)\s+(?:\w+\s+)*?" + name + r"\b(?!\s*;)(?!\s*\*)(?!\s*\w+\s*[;(])")
    for i, l in enumerate(src.code):
        if ty.search(l) and "(" not in l.split(parts[-1])[0]:
            if len(parts) > 1 and not nested_in(src, i, parts[-2]):
                continue
            e = src.block_end(i + 1)
            if e and any("{" in src.code[k] for k in range(i, e)):
                res.append((annotated_start(src, i, ("template",)) + 1, e))
    td = re.compile(r"^\s*typedef\b.*\b" + name + r"\s*;")
    if not res:
        for i, l in enumerate(src.code):
            if td.search(l):
                res.append((i + 1, i + 1))
        # `typedef struct X { ... } NAME;` starts at its typedef line
        fixed = []
        for (a, b) in res:
            if src.code[a - 1].lstrip().startswith("}"):
                depth = 0
                for j in range(a - 1, -1, -1):
                    depth += src.code[j].count("}") - src.code[j].count("{")
                    if depth == 0 and src.code[j].lstrip().startswith("typedef"):
                        fixed.append((j + 1, b))
                        break
            else:
                fixed.append((a, b))
        res = fixed
    if res:
        return res
    # a function: NAME( or Owner::NAME( at the start of a declarator
    qual = (r"(?:\w+::)*" + re.escape(parts[-2]) + r"(?:<[^>]*>)?::") if len(parts) > 1 else ""
    fn_out = re.compile(r"(?:^|[\s*&])" + (r"~?" if cpp else "") + qual + name + r"\s*\(")
    fn_in = re.compile(r"(?:^|[\s*&])~?" + name + r"\s*\(")
    cand = []
    for i, l in enumerate(src.code):
        if l.lstrip().startswith(("#", "return", "if", "else", "while", "for", "switch")):
            continue
        if re.search(r"[=,]\s*$", src.code[i - 1] if i else "") or re.search(r"(?<![<>=!])=\s*[^=]*" + name + r"\s*\(", l):
            continue
        out_of_line = fn_out.search(l) and (indent(l) == 0 or qual)
        in_class = cpp and qual and fn_in.search(l) and inside_class(src, i, parts)
        if not (out_of_line or in_class):
            continue
        e = src.block_end(i + 1)
        if e is None:
            continue
        start = i
        # the return type on the line(s) above (`static int\nname (...)`)
        while start > 0 and not C_DECL_END.search(src.code[start - 1]) and not src.code[start - 1].rstrip().endswith((")", ",")):
            start -= 1
        if cpp:
            start = annotated_start(src, start, ("template",))
        cand.append(start)
    if len(parts) == 1:
        cand = [i for i in cand if not (cpp and enclosing_class(src, i))]
    return with_bodies_at(src, cand)


def with_bodies_at(src: Source, starts: list[int]) -> list[tuple[int, int]]:
    res, sigs = [], []
    for i in starts:
        k = i
        # `template <...>` on a line of its own (or its parameters running on): the definition
        # starts below it; `template <typename T> int f() {` starts right there.
        while k < len(src.code) and src.code[k].lstrip().startswith("template") and (
            re.fullmatch(r"\s*template\s*<.*>\s*", src.code[k])
            or src.code[k].count("<") > src.code[k].count(">")
        ):
            k += 1
        e = src.block_end(k + 1)
        if e is None:
            continue
        body = any("{" in src.code[j] for j in range(k, e))
        (res if body else sigs).append((i + 1, e))
    return sorted(set(res or sigs))


def enclosing_class(src: Source, i: int) -> str | None:
    j = enclosing_open(src, i)
    while j is not None:
        h = header_of(src, j)
        m = re.search(r"\b(?:class|struct|union)\s+(?:\w+\s+)*?(\w+)\s*(?:final\s*)?(?::[^{]*)?$", h)
        if m:
            return m.group(1)
        if not re.match(r"^(?:namespace|extern)\b", h):
            return None
        j = enclosing_open(src, j)
    return None


def nested_in(src: Source, i: int, owner: str) -> bool:
    return enclosing_class(src, i) == owner


def inside_class(src: Source, i: int, parts: list[str]) -> bool:
    return len(parts) > 1 and enclosing_class(src, i) == parts[-2]


PHP_TYPE = re.compile(r"^\s*(?:(?:abstract|final|readonly)\s+)*(?:class|interface|trait|enum)\s+(\w+)")


def php_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    parts = symbol.split(".")
    if len(parts) == 1:
        ty = [i for i, l in enumerate(src.code) if (m := PHP_TYPE.match(l)) and m.group(1) == parts[0]]
        fn = [i for i, l in enumerate(src.code) if re.match(r"^\s*function\s+&?" + re.escape(parts[0]) + r"\s*\(", l)]
        return [(annotated_start(src, i, ("#[",)) + 1, e) for i in ty + fn if (e := src.block_end(i + 1))]
    res = []
    for ci, line in enumerate(src.code):
        m = PHP_TYPE.match(line)
        if not m or m.group(1) != parts[0] or not (cend := src.block_end(ci + 1)):
            continue
        method = re.compile(r"^\s*(?:(?:public|private|protected|static|final|abstract)\s+)*function\s+&?"
                            + re.escape(parts[1]) + r"\s*\(")
        for i in range(ci + 1, cend):
            if method.match(src.code[i]) and (e := src.block_end(i + 1)):
                res.append((annotated_start(src, i, ("#[",)) + 1, e))
    return res


def nesting(src: Source, i: int, opener: re.Pattern) -> list[str]:
    """Names of the blocks enclosing line i (outermost first), read from the headers above it
    at smaller indents; `class A::B` counts as two."""
    names, own = [], indent(src.code[i])
    for j in range(i - 1, -1, -1):
        line = src.code[j]
        if not line.strip() or indent(line) >= own:
            continue
        own = indent(line)
        m = opener.match(line)
        if m:
            names[:0] = re.split(r"::|\.", m.group(1))
        if own == 0:
            break
    return names


RB_OPEN = re.compile(r"^\s*(?:class|module)\s+(?:<<\s*self\b)?([\w:]*)")


def rb_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    *owners, name = symbol.split(".")
    pat = re.compile(r"^\s*(?:(?:private|protected|public|module_function)\s+)?(?:def\s+(?:self\.)?|(?:class|module)\s+(?:[\w:]*::)?)"
                     + re.escape(name) + r"(?![\w?!=])")
    res = []
    for i, line in enumerate(src.code):
        if pat.match(line):
            chain = [n for n in nesting(src, i, RB_OPEN) if n]
            if chain[len(chain) - len(owners):] == owners and (e := src.block_end(i + 1)):
                res.append((i + 1, e))
    return res


def lua_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    dotted = r"[.:]".join(re.escape(p) for p in symbol.split("."))
    pat = re.compile(r"^\s*(?:local\s+)?(?:function\s+" + dotted + r"\s*\(|" + dotted + r"\s*=\s*function\b)")
    return [(i + 1, e) for i, line in enumerate(src.code) if pat.match(line) and (e := src.block_end(i + 1))]


KT_MODIFIERS = (r"(?:(?:public|private|protected|internal|override|open|abstract|final|suspend|inline|operator"
                r"|infix|tailrec|external|data|sealed|inner|enum|annotation|companion|const|expect|actual)\s+)*")


def brace_depths(src: Source) -> list[int]:
    """The brace depth at the start of each line."""
    depths, depth = [], 0
    for code in src.code:
        depths.append(depth)
        depth += code.count("{") - code.count("}")
    return depths


def kt_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    return braced_ranges(src, symbol, r"(?:class|interface|object)",
                         r"fun\s+(?:<[^>]*>\s*)?(?:[\w.<>?, ]+\.)?NAME\s*\(", KT_MODIFIERS)


SWIFT_MODIFIERS = (r"(?:(?:@\w+(?:\([^)]*\))?|public|private|fileprivate|internal|open|final|static|class|override"
                   r"|mutating|convenience|required|dynamic|lazy|weak|nonisolated|indirect)(?:\(set\))?\s+)*")
SCALA_MODIFIERS = (r"(?:(?:@\w+(?:\([^)]*\))?|public|private|protected|final|sealed|abstract|override|implicit|lazy|case)"
                   r"(?:\[[\w.]+\])?\s+)*")


def braced_ranges(src: Source, symbol: str, types: str, member: str, modifiers: str) -> list[tuple[int, int]]:
    """Kotlin, Swift and Scala: `Outer.Inner.member` through the types (and Swift extensions)
    at each brace depth."""
    parts = symbol.split(".")
    depths = brace_depths(src)
    scopes, level = [(0, len(src.code))], 0
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        name = re.escape(part)
        pats = [re.compile(r"^\s*" + modifiers + types + r"\s+(?:[\w.]+\.)?" + name + r"(?![\w?!])")]
        if last:
            pats.append(re.compile(r"^\s*" + modifiers + member.replace("NAME", name)))
        found = []
        for a, b in scopes:
            for i in range(a, b):
                if depths[i] == level and any(p.match(src.code[i]) for p in pats) and (e := src.block_end(i + 1)):
                    found.append((i, e))
        if last:
            return [(annotated_start(src, i, ("@",)) + 1, e) for i, e in found]
        scopes, level = [(i + 1, e) for i, e in found], level + 1
    return []


def swift_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    return braced_ranges(src, symbol, r"(?:class|struct|enum|protocol|extension|actor)",
                         r"(?:func\s+NAME\s*[(<]|NAME[?!]?\s*[(<])" if symbol.endswith(("init", "subscript"))
                         else r"func\s+NAME\s*[(<]", SWIFT_MODIFIERS)


def scala_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    return braced_ranges(src, symbol, r"(?:class|trait|object|case\s+class|case\s+object)",
                         r"def\s+NAME(?![\w])", SCALA_MODIFIERS)


EX_MODULE = re.compile(r"^\s*defmodule\s+([\w.]+)\s+do\b")


def ex_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    """Each clause of the function, and the run from its first clause to its last."""
    whole = [(i + 1, e) for i, line in enumerate(src.code)
             if (m := EX_MODULE.match(line)) and ".".join(nesting(src, i, EX_MODULE) + [m.group(1)]) == symbol
             and (e := src.block_end(i + 1))]
    if whole:
        return whole
    module, _, name = symbol.rpartition(".")
    pat = re.compile(r"^\s*(?:def|defp|defmacro|defmacrop|defguard|defguardp|defdelegate)\s+" + re.escape(name)
                     + r"(?![\w?!])")
    clauses = [(i + 1, e) for i, line in enumerate(src.code)
               if pat.match(line) and ".".join(nesting(src, i, EX_MODULE)) == module and (e := src.block_end(i + 1))]
    return clauses + ([(clauses[0][0], clauses[-1][1])] if len(clauses) > 1 else [])


def objc_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    cls, _, method = symbol.partition(".")
    res = []
    for i, line in enumerate(src.code):
        if not re.match(r"^@(?:implementation|interface)\s+" + re.escape(cls) + r"\b", line):
            continue
        end = next((j + 1 for j in range(i + 1, len(src.code)) if src.code[j].strip() == "@end"), None)
        if end is None:
            continue
        if not method:
            res.append((i + 1, end))
            continue
        pat = re.compile(r"^[-+]\s*\([^)]*\)\s*" + re.escape(method) + r"\b")
        res += [(j + 1, e) for j in range(i + 1, end) if pat.match(src.code[j]) and (e := src.block_end(j + 1))]
    return res


def hs_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    module, _, name = symbol.rpartition(".")
    m = re.search(r"^module\s+([\w.']+)", src.text, re.M)
    if not m or m.group(1) != module:
        return []
    own = re.compile(r"^(?:\(" + re.escape(name) + r"\)|" + re.escape(name) + r"(?![\w']))")
    typed = re.compile(r"^(?:data|newtype|type|class)\b.*?(?<![\w'])" + re.escape(name) + r"(?![\w'])")
    res, i, code = [], 0, src.code
    while i < len(code):
        line = code[i]
        if own.match(line) or typed.match(line) and not own.match(line):
            last = i
            for j in range(i + 1, len(code)):
                l = code[j]
                if not l.strip():
                    continue
                if l[0].isspace() or own.match(l) or re.search(r"^\S+\s+" + re.escape(name) + r"\s", l) and not name[0].isalnum():
                    last = j
                else:
                    break
            res.append((i + 1, last + 1))
            i = last + 1
        else:
            i += 1
    return res


ML_BINDING = r"^\s*(?:let|and|type|module|exception|external|val)\s+(?:(?:rec|nonrec|type)\s+)?(?:'\w+\s+|\([^)]*\)\s+)?"


def ml_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    parts = symbol.split(".")[1:]  # the first part names the file
    res = []
    for i, line in enumerate(src.code):
        if not re.match(ML_BINDING + re.escape(parts[-1]) + r"(?![\w'])", line):
            continue
        chain = [n for n in nesting(src, i, re.compile(r"^\s*module\s+(\w+)")) if n]
        if chain != parts[:-1]:
            continue
        own, last = indent(line), i
        for j in range(i + 1, len(src.code)):
            l = src.code[j]
            if not l.strip():
                continue
            if indent(l) > own or indent(l) == own and l.strip().startswith(("|", ")", "}", "]")):
                last = j
            else:
                break
        res.append((i + 1, last + 1))
    return res


def forms_from(src: Source, head: re.Pattern, opens: str, closes: str) -> list[tuple[int, int]]:
    """The ranges of the Lisp forms whose first line matches `head`: down to the line where the
    brackets (`opens`, `closes`) opened from there balance."""
    res = []
    for i, line in enumerate(src.code):
        if not head.match(line):
            continue
        depth = 0
        for j in range(i, len(src.code)):
            depth += sum(src.code[j].count(c) for c in opens) - sum(src.code[j].count(c) for c in closes)
            if depth <= 0:
                res.append((i + 1, j + 1))
                break
    return res


def clj_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    ns, _, name = symbol.partition("/")
    m = re.search(r"\(ns\s+(?:\^(?:\{[^}]*\}|\S+)\s+)*([\w.*+!?<>=-]+)", src.text)
    if not m or m.group(1) != ns:
        return []
    head = re.compile(r"^\s*\((?:defn-?|defmacro|defmulti|defmethod|def|defonce|defprotocol|definterface|defrecord|deftype)"
                      r"\s+(?:\^(?:\{[^}]*\}|\S+)\s+)*" + re.escape(name) + r"(?=[\s)\[]|$)")
    return forms_from(src, head, "([{", ")]}")


def lisp_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    """Emacs Lisp, Common Lisp, Scheme: `name` of a top-level defining form (`(defun name`,
    `(defvar name`, `(define (name`, `(defmethod name` …), to where its parentheses balance."""
    head = re.compile(r"^\s*\((?:def[\w*-]*|cl-def[\w-]*|define[\w*/-]*)\s+[#':]*\(?" + re.escape(symbol)
                      + r"(?=[\s)]|$)")
    return forms_from(src, head, "(", ")")


def erl_form_end(src: Source, i: int) -> int:
    """The 1-based line of the `.` that ends the Erlang form starting at 0-based line `i`."""
    j = i
    while j < len(src.code) and not re.search(r"\.\s*$", src.code[j]):
        j += 1
    return min(j, len(src.code) - 1) + 1


def erl_arity(src: Source, i: int, name: str) -> int | None:
    """The number of arguments of the clause or spec naming `name` at 0-based line `i`."""
    text = "\n".join(src.code[i:i + 40])
    m = re.search(r"\b" + re.escape(name) + r"\(", text)
    if not m:
        return None
    depth, args, k, empty = 0, 1, m.end() - 1, True
    while k < len(text):
        ch = text[k]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return 0 if empty else args
        elif ch == "," and depth == 1:
            args += 1
        elif depth >= 1 and not ch.isspace():
            empty = False
        k += 1
    return None


def erl_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    name = re.escape(symbol)
    attr = re.compile(r"^-(?:record|define)\s*\(\s*" + name + r"\b|^-(?:type|opaque|callback)\s+" + name + r"\s*\(")
    clause = re.compile(r"^" + re.escape(symbol) + r"\(")
    spec = re.compile(r"^-spec\s+" + re.escape(symbol) + r"\s*\(")
    res, i = [], 0
    while i < len(src.code):
        line = src.code[i]
        if attr.match(line):
            res.append((i + 1, erl_form_end(src, i)))
        elif clause.match(line):
            arity, start, end = erl_arity(src, i, symbol), i, erl_form_end(src, i)
            # Its spec: the `-spec` of the same name and arity above, past blanks and comments.
            k = i - 1
            while k >= 0 and not src.code[k].strip():
                k -= 1
            if k >= 0:
                s = k
                while s > 0 and not spec.match(src.code[s]) and src.code[s - 1].strip() and not re.search(r"\.\s*$", src.code[s - 1]):
                    s -= 1
                if spec.match(src.code[s]) and erl_form_end(src, s) == k + 1 and erl_arity(src, s, symbol) == arity:
                    start = s
            res.append((start + 1, end))
            i = end
            continue
        i += 1
    return res


def nim_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    name = re.escape(symbol)
    routine = re.compile(r"^\s*(?:proc|func|iterator|template|macro|method|converter)\s+`?" + name + r"`?\*?(?=[\[\(\s:={]|$)")
    typed = re.compile(r"^\s*(?:type\s+)?" + name + r"\*?\s*(?:\[[^\]]*\])?\s*(?:\{\.[^}]*\.\})?\s*=")
    res, section = [], None
    for i, line in enumerate(src.code):
        if not line.strip():
            continue
        ind = indent(line)
        if re.match(r"^\s*type\s*$", line):
            section = ind
            continue
        if section is not None and ind <= section:
            section = None
        in_types = section is not None or line.lstrip().startswith("type ")
        if routine.match(line) or (in_types and typed.match(line)):
            res.append((i + 1, nim_end(src, i)))
    return res


def nim_end(src: Source, i: int) -> int:
    """The last line indented deeper than the header at 0-based line `i`; a line at its
    indent that closes its parameters (`): int =`) still belongs to the header."""
    own, last, header = indent(src.code[i]), i + 1, not src.code[i].rstrip().endswith("=")
    for ln in range(i + 1, len(src.code)):
        line = src.code[ln]
        if not line.strip():
            continue
        if indent(line) <= own and not (header and line.strip().startswith(")")):
            break
        header = header and not line.rstrip().endswith("=")
        last = ln + 1
    return last


def sh_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    head = re.compile(r"^(\s*)(?:function\s+)?" + re.escape(symbol) + r"\s*(?:\(\s*\))?\s*(\{.*\})?\s*\{?\s*$")
    res = []
    for i, line in enumerate(src.code):
        m = head.match(line)
        if not m or not (line.lstrip().startswith("function") or "()" in line):
            continue
        if m.group(2):  # `name() { …; }` on one line
            res.append((i + 1, i + 1))
            continue
        own = m.group(1)
        # `}` alone, or going on to what runs once it is defined (`} && complete -F _ssh ssh`).
        close = re.compile("^" + own + r"\}(?:\s|;|$)")
        end = next((j for j in range(i + 1, len(src.code)) if close.match(src.code[j])), None)
        if end is not None:
            res.append((i + 1, end + 1))
    return res


def perl_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    package, _, name = symbol.rpartition("::")
    res, current, pod = [], "main", False
    for i, line in enumerate(src.lines):
        if re.match(r"^=[a-zA-Z]", line):
            pod = not line.startswith("=cut")
            continue
        if pod:
            continue
        m = re.match(r"^\s*package\s+([\w:]+)", line)
        if m:
            current = m.group(1)
        if current == package and re.match(r"^\s*sub\s+" + re.escape(name) + r"\b", line) and (e := src.block_end(i + 1)):
            res.append((i + 1, e))
    return res


def r_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    pat = re.compile(r"^\s*`?" + re.escape(symbol) + r"`?\s*(?:<<?-|=)\s*function\b")
    res = []
    for i, line in enumerate(src.code):
        if pat.match(line):
            rest = line[line.find("function"):]
            braced = "{" in rest or rest.count("(") > rest.count(")")
            res.append((i + 1, src.block_end(i + 1) if braced else i + 1))
    return res


def component_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    """A Vue or Svelte component's `Component.method` (`Component` is its `name:`), or a
    script's plain function as `file.function`."""
    owner, _, name = symbol.rpartition(".")
    if owner == src.path.stem.split(".")[0]:
        return js_ranges(src, name)
    if not re.search(r"^\s*name\s*:\s*['\"]" + re.escape(owner) + r"['\"]", "\n".join(src.lines), re.M):
        return []
    member = re.compile(r"^\s*(?:async\s+)?['\"]?" + re.escape(name) + r"['\"]?\s*(?:\(|:\s*(?:async\s+)?function\b)")
    return with_bodies(src, [i for i, code in enumerate(src.code) if member.search(code)])


def sol_ranges(src: Source, symbol: str) -> list[tuple[int, int]]:
    return braced_ranges(src, symbol, r"(?:contract|library|interface)",
                         r"(?:(?:function|modifier)\s+NAME\b|NAME\s*\()" if symbol.endswith(
                             (".constructor", ".receive", ".fallback")) else r"(?:function|modifier)\s+NAME\b",
                         r"(?:abstract\s+)*")


def locate(src: Source, symbol: str) -> list[tuple[int, int]]:
    if src.component:
        return component_ranges(src, symbol)
    return {
        "sol": sol_ranges,
        "r": r_ranges, "perl": perl_ranges, "erl": erl_ranges, "nim": nim_ranges, "sh": sh_ranges,
        "hs": hs_ranges, "ml": ml_ranges, "clj": clj_ranges, "lisp": lisp_ranges,
        "swift": swift_ranges, "scala": scala_ranges, "ex": ex_ranges, "objc": objc_ranges,
        "php": php_ranges, "rb": rb_ranges, "lua": lua_ranges, "cs": java_ranges, "kt": kt_ranges,
        "py": py_ranges, "rust": rust_ranges, "js": js_ranges, "go": go_ranges, "java": java_ranges,
        "c": lambda s, y: c_ranges(s, y, False), "cpp": lambda s, y: c_ranges(s, y, True),
    }[src.lang](src, symbol)


def anchored(src: Source, symbol: str, a: int, b: int) -> bool:
    last = re.split(r"::|\.", symbol.rstrip("!"))[-1]
    if not any(re.search(r"(?<![\w$])" + re.escape(last) + r"(?![\w$])", src.lines[k]) for k in range(a - 1, min(a + 2, b))):
        return False
    if src.lang == "py":
        try:
            tree = ast.parse(src.text)
        except SyntaxError:
            return False
        return any(getattr(n, "lineno", None) == a and getattr(n, "end_lineno", None) == b for n in ast.walk(tree))
    return src.block_end(a) == b


# --------------------------------------------------------------------------- main

def corpus_has_cpp(root: Path, cache: dict) -> bool:
    if root not in cache:
        cache[root] = any(p.suffix in (".cc", ".cpp", ".cxx", ".hpp", ".hh") for p in root.rglob("*") if p.is_file())
    return cache[root]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--questions", default=str(Path(__file__).with_name("questions.jsonl")))
    ap.add_argument("--fill", metavar="OUT")
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    corpora = Path(args.corpora)
    with open(args.questions, encoding="utf-8") as fh:
        rows = [json.loads(l) for l in fh if l.strip()]
    bad, seen, cpp_cache = 0, set(), {}
    for q in rows:
        qid = q.get("id")
        for key in ("id", "corpus", "question", "gold", "kind"):
            if key not in q:
                print(f"{qid}: missing key {key}")
                bad += 1
        if qid in seen:
            print(f"{qid}: duplicate id")
            bad += 1
        seen.add(qid)
        if q.get("kind") not in ("where", "how", "what"):
            print(f"{qid}: kind must be where|how|what")
            bad += 1
        root = corpora / q["corpus"]
        for g in q["gold"]:
            p = root / g["path"]
            if not p.is_file():
                print(f"{qid}: MISSING FILE {g['path']}")
                bad += 1
                continue
            lang = EXT_LANG.get(p.suffix, "c")
            if p.suffix == ".h" and re.search(r"^@(?:interface|protocol)\b", p.read_text(errors="replace"), re.M):
                lang = "objc"
            if lang == "c" and p.suffix == ".h" and corpus_has_cpp(root, cpp_cache):
                lang = "cpp"
            src = Source(p, lang)
            cands = locate(src, g["symbol"])
            if not g.get("lines"):
                if len(cands) != 1:
                    print(f"{qid}: CANNOT FILL {g['path']} {g['symbol']}: candidates {cands}")
                    bad += 1
                    continue
                g["lines"] = list(cands[0])
                print(f"{qid}: filled {g['path']} {g['symbol']} -> {cands[0]}")
            a, b = g["lines"]
            if not (1 <= a <= b <= len(src.lines)):
                print(f"{qid}: BAD RANGE {g['path']} {a}-{b} (file has {len(src.lines)} lines)")
                bad += 1
                continue
            how = "exact" if (a, b) in cands else "anchored" if anchored(src, g["symbol"], a, b) else None
            if how is None:
                print(f"{qid}: RANGE MISMATCH {g['path']} {g['symbol']} {a}-{b}; candidates {cands}")
                bad += 1
                continue
            if args.show:
                print(f"{qid} {g['path']}:{a}-{b} {g['symbol']} [{how}]")
                print(f"    {a:5d}| {src.lines[a - 1][:110]}")
                print(f"    {b:5d}| {src.lines[b - 1][:110]}")
    if args.fill:
        with open(args.fill, "w", encoding="utf-8") as fh:
            for q in rows:
                fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"checked {len(rows)} questions, {sum(len(q['gold']) for q in rows)} gold entries, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
