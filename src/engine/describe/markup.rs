//! Each language's doc markup in Markdown: what a generator would render as code or as a
//! link's text (`{@link Foo#bar}`, ``:meth:`run` ``, ``[`Service`](crate::Service)``, `@code@`,
//! `C<code>`, `{IERC20}`, `\\code{x}`, `` `company-mode' ``).

use super::Dialect;
use crate::engine::parse;

/// `prose` with its doc markup turned into Markdown.
pub(super) fn inline_markdown(prose: &str, dialect: Dialect) -> String {
    let mut s = braced_tags(prose);
    s = sphinx_roles(&s);
    s = without_rest_link_marks(&s.replace("``", "`"));
    if s.ends_with("::") {
        s.pop();
    }
    s = html_anchors(&s);
    s = match dialect {
        Dialect::Haddock => haddock(&s),
        Dialect::NatSpec => natspec(&s),
        Dialect::Odoc => odoc(&s),
        Dialect::Pod => pod(&s),
        Dialect::Lisp => lisp_docstring(&s),
        Dialect::Rdoc => rdoc(&s),
        Dialect::Brackets | Dialect::Plain => s,
    };
    s = rd_commands(&s);
    s = brackets(
        &s,
        matches!(dialect, Dialect::Brackets | Dialect::Odoc),
        dialect == Dialect::Odoc,
    );
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// reStructuredText's named links (`` `RFC4634`_ ``) without the `_` that marks them, and its
/// links with a target (`` `split iterator <#split.i,string>`_ ``, as Nim's docs link every
/// routine they mention; `` `Wikipedia <https://…>`__ ``) as their label's text.
fn without_rest_link_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("`_") {
        let before = &rest[..at];
        let mut after = &rest[at + 2..];
        let word_follows = |s: &str| s.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        // An anonymous link's `__`.
        if after.starts_with('_') && !word_follows(&after[1..]) {
            after = &after[1..];
        }
        let label = before.rfind('`').and_then(|open| {
            let (label, _) = before[open + 1..].strip_suffix('>')?.rsplit_once('<')?;
            Some((open, label.trim()))
        });
        match label {
            Some((open, label)) if !label.is_empty() => {
                out.push_str(&before[..open]);
                out.push_str(label);
            }
            _ => {
                out.push_str(&rest[..=at]);
                if word_follows(after) {
                    out.push('_');
                }
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Code, as Markdown shows it.
fn code(name: &str) -> String {
    format!("`{}`", name.trim_matches('`'))
}

/// The index of the `close` that ends the group opened at `text[0]`, nested groups counted
/// (the text reader's `group_end` gives the index after it).
fn group_end(text: &str, open: char, close: char) -> Option<usize> {
    parse::group_end(text, open, close).map(|after| after - close.len_utf8())
}

/// Javadoc's, JSDoc's and TSDoc's inline tags: `{@code x}` and `{@link Foo#bar()}` are code,
/// `{@link Foo label}` and `{@link Foo | label}` their label, `{@literal <}` its text.
fn braced_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{@") {
        out.push_str(&rest[..at]);
        let Some(end) = group_end(&rest[at..], '{', '}') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let inner = &rest[at + 2..at + end];
        rest = &rest[at + end + 1..];
        let (tag, body) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let body = body.trim();
        match tag {
            "code" | "value" => out.push_str(&code(body)),
            "link" | "linkplain" | "linkcode" | "see" => out.push_str(&link(body)),
            "inheritDoc" | "inheritdoc" => {}
            _ => out.push_str(body),
        }
    }
    out.push_str(rest);
    out
}

/// A Javadoc or TSDoc link's text: its label if it has one, else its target as code
/// (`Foo#bar(int)` → `Foo.bar(int)`).
fn link(body: &str) -> String {
    if let Some((_, label)) = body.split_once('|') {
        return label.trim().to_string();
    }
    let mut depth = 0i32;
    let split = body.char_indices().find(|&(_, c)| {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        depth == 0 && c.is_whitespace()
    });
    match split {
        Some((i, _)) if !body[i..].trim().is_empty() => body[i..].trim().to_string(),
        _ => {
            let target = body.trim().trim_start_matches('#').replace('#', ".");
            code(&target)
        }
    }
}

/// Sphinx roles: ``:meth:`Flask.run` `` → `` `Flask.run` ``, ``:class:`~a.b.C` `` → `` `C` ``,
/// ``:ref:`the guide <guide>` `` → "the guide".
fn sphinx_roles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(tick) = rest.find(":`") {
        // The role's name runs back from the tick to the colon that opens it.
        let head = &rest[..tick];
        let role_start = head
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let role = &head[role_start..];
        let close = rest[tick + 2..].find('`');
        let (true, Some(close)) = (role.starts_with(':') && role.len() > 1, close) else {
            out.push_str(&rest[..tick + 2]);
            rest = &rest[tick + 2..];
            continue;
        };
        out.push_str(&rest[..role_start]);
        let body = &rest[tick + 2..tick + 2 + close];
        rest = &rest[tick + 3 + close..];
        // Cross-references to documents and sections read as prose; to code, as code.
        let prose_role = [":ref", ":doc", ":term", ":numref"].contains(&role);
        match body.split_once(" <") {
            Some((title, _)) if body.ends_with('>') && prose_role => out.push_str(title.trim()),
            Some((title, _)) if body.ends_with('>') => out.push_str(&code(title.trim())),
            _ => {
                let target = body.trim_start_matches(['!', '.']);
                let target = match target.strip_prefix('~') {
                    Some(short) => short.rsplit('.').next().unwrap_or(short),
                    None => target,
                };
                out.push_str(&code(target));
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTML anchors left by the cleaner (`<a href="…">JSON Pointer</a>`): their text.
fn html_anchors(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let is_anchor = tag.starts_with("</a>")
            || tag.starts_with("<a ")
            || tag.starts_with("<a>")
            || tag.starts_with("<A ");
        match tag.find('>') {
            Some(end) if is_anchor => rest = &tag[end + 1..],
            _ => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Markdown links (`[label](target)`, `[label][ref]`) are their label: the targets are paths
/// in a documentation generator's site (`crate::service::Service`, `method@LocalKey::with`).
/// Where `[Name]` links to code (`code_brackets`), `[Name]` and `[[Name]]` are code; odoc's
/// `[x :: rest]` is code with its spaces (`spaced_code`). Code spans and indexing
/// (`foo[x][0]`) stay as written.
fn brackets(text: &str, code_brackets: bool, spaced_code: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['[', '`']) {
        out.push_str(&rest[..at]);
        let open = &rest[at..];
        if let Some(code) = open.strip_prefix('`') {
            let span = code.find('`').map_or(open.len(), |e| e + 2);
            out.push_str(&open[..span]);
            rest = &open[span..];
            continue;
        }
        let indexes = out.ends_with(|c: char| c.is_alphanumeric() || "_)]".contains(c));
        let Some(end) = group_end(open, '[', ']').filter(|_| !indexes) else {
            out.push('[');
            rest = &open[1..];
            continue;
        };
        let label = &open[1..end];
        let after = &open[end + 1..];
        let target_end = match after.chars().next() {
            Some('(') => group_end(after, '(', ')'),
            Some('[') => after.find(']'),
            _ => None,
        };
        if let Some(t) = target_end {
            out.push_str(&brackets(label, code_brackets, spaced_code));
            rest = &after[t + 1..];
            continue;
        }
        let name = label.trim_start_matches('[').trim_end_matches(']');
        if code_brackets && (is_code_name(name) || spaced_code && !name.trim().is_empty()) {
            // rustdoc's `[struct@Foo]`, `[macro@select]` say what kind of item is linked.
            let name = match name.split_once('@') {
                Some((kind, n)) if kind.chars().all(|c| c.is_ascii_lowercase()) => n,
                _ => name,
            };
            out.push_str(&code(name));
        } else {
            out.push('[');
            out.push_str(&brackets(label, code_brackets, spaced_code));
            out.push(']');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Rd's (R's roxygen) `\\code{TRUE}` and `\\link{fn}` are code, `\\emph{x}` its text.
fn rd_commands(text: &str) -> String {
    const CODE: &[&str] = &[
        "code", "link", "var", "env", "file", "option", "samp", "verb",
    ];
    const TEXT: &[&str] = &["emph", "strong", "pkg", "sQuote", "dQuote"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let cmd = &rest[at + 1..];
        let name_len = cmd
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(cmd.len());
        let name = &cmd[..name_len];
        let body = cmd[name_len..]
            .starts_with('{')
            .then(|| group_end(&cmd[name_len..], '{', '}'))
            .flatten();
        match body {
            Some(end) if CODE.contains(&name) || TEXT.contains(&name) => {
                let inner = &cmd[name_len + 1..name_len + end];
                if CODE.contains(&name) {
                    out.push_str(&code(inner));
                } else {
                    out.push_str(inner);
                }
                rest = &cmd[name_len + end + 1..];
            }
            _ => {
                out.push('\\');
                rest = cmd;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A name of code as docs write it in brackets: `Foo`, `Foo::bar`, `` `Self::new` ``,
/// `Map.get`, `select!`, `Not_found` (not a number, nor words).
fn is_code_name(name: &str) -> bool {
    let bare = name.trim_matches('`');
    !bare.is_empty()
        && !bare.chars().all(|c| c.is_ascii_digit())
        && bare.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '`')
        && bare
            .chars()
            .all(|c| c.is_alphanumeric() || "_.:#!@'()<>,&*-".contains(c))
}

/// Haddock: `@code@` is code, `'identifier'` a link to one, `\/` an escaped `/`.
fn haddock(text: &str) -> String {
    let text = text.replace("\\/", "/").replace("\\@", "\u{0}");
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('@');
    out.push_str(parts.next().unwrap_or(""));
    let rest: Vec<&str> = parts.collect();
    // Pairs of `@` enclose code; an odd one out is a plain `@`.
    let mut i = 0;
    while i < rest.len() {
        if i + 1 < rest.len() {
            out.push_str(&code(rest[i]));
            out.push_str(rest[i + 1]);
            i += 2;
        } else {
            out.push('@');
            out.push_str(rest[i]);
            i += 1;
        }
    }
    quoted_identifiers(&out).replace('\u{0}', "@")
}

/// Haddock's `'Ident'` and `'Module.name'` as code, outside code already.
fn quoted_identifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            in_code = !in_code;
        }
        let starts_quote = c == '\''
            && !in_code
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '\'' || p == '_');
        if starts_quote {
            let rest = &text[i + 1..];
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || "_.'".contains(c)))
                .unwrap_or(rest.len());
            // The name ends at the last quote before a character that is no part of it.
            if let Some(q) = rest[..len].rfind('\'')
                && q > 0
                && rest[..q].starts_with(|c: char| c.is_alphabetic() || c == '_')
                && !rest[..len].ends_with(|c: char| c.is_alphanumeric())
            {
                out.push_str(&code(&rest[..q]));
                // Past the closing quote, at byte `i + 1 + q` (a name may hold `é`).
                while chars.next_if(|&(j, _)| j <= i + 1 + q).is_some() {}
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// OpenZeppelin's NatSpec references: `{IERC20}` and `{IERC20-transfer}` are code,
/// `{xref-ERC721-_safeMint-address-uint256-}[`_safeMint`]` its label.
fn natspec(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let open = &rest[at..];
        let Some(end) = open.find('}') else {
            out.push_str(open);
            return out;
        };
        let inner = &open[1..end];
        let after = &open[end + 1..];
        let is_ref = inner.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !is_ref {
            out.push('{');
            rest = &open[1..];
            continue;
        }
        if inner.starts_with("xref-")
            && after.starts_with('[')
            && let Some(label_end) = after.find(']')
        {
            out.push_str(&after[1..label_end]);
            rest = &after[label_end + 1..];
            continue;
        }
        let mut parts = inner.split('-');
        let contract = parts.next().unwrap_or("");
        out.push_str(&match parts.next() {
            Some(member) if !member.is_empty() => code(&format!("{contract}.{member}")),
            _ => code(contract),
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// RDoc's `+code+` as Markdown's code: a name or a call between two `+`, with no space
/// inside and none of the name's characters on either side (`a + b` and `x+y` stay).
fn rdoc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let is_code = |c: char| c.is_alphanumeric() || "_?!.:#=[]".contains(c);
    while let Some(open) = rest.find('+') {
        let before_ok = rest[..open]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '+');
        let inner = &rest[open + 1..];
        let close = inner.find(|c: char| !is_code(c)).unwrap_or(inner.len());
        let after_ok = inner[close..].starts_with('+')
            && inner[close + 1..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '+');
        if before_ok && close > 0 && after_ok {
            out.push_str(&rest[..open]);
            out.push('`');
            out.push_str(&inner[..close]);
            out.push('`');
            rest = &inner[close + 1..];
        } else {
            out.push_str(&rest[..=open]);
            rest = inner;
        }
    }
    out.push_str(rest);
    out
}

/// POD's formatting codes: `C<code>` and `C<< $a <=> $b >>` are code, `B<…>`, `I<…>`,
/// `L<…>`, `F<…>` their text.
fn pod(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        let letter = rest[..at].chars().next_back();
        let starts_word = rest[..at]
            .strip_suffix(|c: char| c.is_ascii_uppercase())
            .is_some_and(|before| !before.ends_with(|c: char| c.is_alphanumeric()));
        let (Some(letter), true) = (letter.filter(|l| "CBILFESX".contains(*l)), starts_word) else {
            out.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            continue;
        };
        out.push_str(&rest[..at - 1]);
        let open = &rest[at..];
        // `C<< … >>` allows `<` and `>` inside; `C<…>` nests.
        let doubled = open.len() - open.trim_start_matches('<').len();
        let (inner, after) = if doubled > 1 {
            let close = ">".repeat(doubled);
            match open[doubled..].find(&format!(" {close}")) {
                Some(e) => (
                    open[doubled..doubled + e].trim(),
                    &open[doubled + e + 1 + doubled..],
                ),
                None => (&open[1..], ""),
            }
        } else {
            match group_end(open, '<', '>') {
                Some(e) => (&open[1..e], &open[e + 1..]),
                None => (&open[1..], ""),
            }
        };
        match letter {
            'C' => out.push_str(&code(inner)),
            'L' => out.push_str(inner.split_once('|').map_or(inner, |(label, _)| label)),
            'E' => out.push_str(match inner {
                "lt" => "<",
                "gt" => ">",
                "verbar" => "|",
                "sol" => "/",
                other => other,
            }),
            'X' => {}
            _ => out.push_str(inner),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A Lisp docstring's escapes and Emacs Lisp's quoting of code: `` `company-mode' `` and
/// `\\[company-complete]` are code, `\\=` and `\\<keymap>` markup.
fn lisp_docstring(text: &str) -> String {
    // `\(` keeps a docstring's line that opens with a parenthesis from reading as a form.
    let text = text
        .replace("\\\"", "\"")
        .replace("\\(", "(")
        .replace("\\=", "")
        .replace("\\\\", "\\");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(['`', '\\']) {
        out.push_str(&rest[..at]);
        let open = &rest[at..];
        if let Some(cmd) = open.strip_prefix("\\[")
            && let Some(end) = cmd.find(']')
        {
            out.push_str(&code(&cmd[..end]));
            rest = &cmd[end + 1..];
        } else if let Some(map) = open.strip_prefix("\\<")
            && let Some(end) = map.find('>')
        {
            rest = &map[end + 1..];
        } else if let Some(quoted) = open.strip_prefix('`')
            && let Some(end) = quoted.find(['\'', '`'])
            && quoted[end..].starts_with('\'')
            && !quoted[..end].contains(char::is_whitespace)
        {
            out.push_str(&code(&quoted[..end]));
            rest = &quoted[end + 1..];
        } else {
            let len = open.chars().next().map_or(1, char::len_utf8);
            out.push_str(&open[..len]);
            rest = &open[len..];
        }
    }
    out.push_str(rest);
    out
}

/// odoc: `{!Module.value}` and `{!val:value}` are code, `{b text}`, `{i text}`, `{e text}`
/// their text.
fn odoc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let open = &rest[at..];
        let Some(end) = group_end(open, '{', '}') else {
            out.push_str(open);
            return out;
        };
        let inner = &open[1..end];
        if let Some(target) = inner.strip_prefix('!') {
            let target = target.split_once(':').map_or(target, |(_, t)| t);
            out.push_str(&code(target));
        } else if let Some(styled) = ["b ", "i ", "e ", "em "]
            .iter()
            .find_map(|s| inner.strip_prefix(s))
        {
            out.push_str(styled.trim());
        } else {
            out.push_str(&open[..=end]);
        }
        rest = &open[end + 1..];
    }
    out.push_str(rest);
    out
}
