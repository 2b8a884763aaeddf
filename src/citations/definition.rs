//! A plain definition search: where `NAME` is defined in one file's text, and how far its block
//! reaches (by brace matching, or by indentation for indentation-scoped languages).

use regex::Regex;

/// Lines a block may span before we give up looking for its end.
const MAX_BLOCK_LINES: usize = 20_000;

fn split_symbol(symbol: &str) -> Vec<&str> {
    let s = symbol.trim();
    let s = match s.find('(') {
        Some(i) => &s[..i],
        None => s,
    };
    s.split("::")
        .flat_map(|p| p.split("->"))
        .flat_map(|p| p.split(['.', '#']))
        .filter(|p| !p.is_empty())
        .collect()
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_alphabetic() || f == '_' || f == '$')
        && c.all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$')
        && s.len() <= 200
}

/// Definition patterns for `name`, most specific first.
fn patterns(name: &str) -> Vec<Regex> {
    let n = regex::escape(name);
    let mods = r"(?:(?:pub(?:\([^)\n]*\))?|export|default|async|unsafe|const|extern(?:[ \t]+[^\s]+)?|static|public|private|protected|internal|abstract|final|override|virtual|inline|open|data|sealed|partial|declare|readonly)[ \t]+)*";
    let srcs = [
        format!(
            r"(?m)^[ \t]*{mods}(?:fn|def|class|function\*?|func|struct|enum|trait|interface|type|union|mod|module|object|record|macro_rules!|typedef[ \t]+struct|namespace|protocol|impl)[ \t]+{n}\b"
        ),
        format!(r"(?m)^[ \t]*def[ \t]+self\.{n}\b"),
        format!(r"(?m)^func[ \t]*\([^)\n]*\)[ \t]*{n}\b"),
        format!(
            r"(?m)^[ \t]*(?:export[ \t]+)?(?:(?:const|let|var)[ \t]+)?{n}[ \t]*(?::[^=\n]*)?=[ \t]*(?:async[ \t]+)?(?:function\b|\([^)\n]*\)[ \t]*(?::[^=\n]*)?=>|[A-Za-z_$][\w$]*[ \t]*=>)"
        ),
        format!(r"(?m)^[ \t]*(?:const|let|var|static)[ \t]+(?:mut[ \t]+)?{n}\b"),
        format!(r"(?m)^[ \t]*{n}[ \t]*:[ \t]*(?:async[ \t]+)?function\b"),
        format!(
            r"(?m)^[ \t]*(?:(?:static|async|public|private|protected|get|set|override|readonly)[ \t]+)*{n}[ \t]*\([^)\n]*\)[ \t]*(?::[^{{\n;]*)?\{{"
        ),
        format!(
            r"(?m)^[ \t]*(?:[A-Za-z_][\w:<>,\[\]\*&]*[ \t]+)+[\*&]*(?:[A-Za-z_]\w*::)*{n}[ \t]*\([^;\n]*$"
        ),
        format!(r"(?m)^{n}[ \t]*=[ \t]*"),
    ];
    srcs.iter().filter_map(|s| Regex::new(s).ok()).collect()
}

/// Control-flow lines that look like C-style declarations to the last patterns.
fn is_statement(line: &str) -> bool {
    let t = line.trim_start();
    [
        "return ", "else ", "new ", "throw ", "await ", "yield ", "case ", "if ", "while ", "for ",
        "print",
    ]
    .iter()
    .any(|k| t.starts_with(k))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// `(start, end)` 1-based lines of the definition of `symbol` in `text`.
pub(crate) fn find_definition(text: &str, symbol: &str, ext: &str) -> Option<(u32, u32)> {
    let parts = split_symbol(symbol);
    let name = *parts.last()?;
    if !parts.iter().all(|p| is_ident(p)) {
        return None;
    }
    let qualifier = (parts.len() > 1).then(|| parts[parts.len() - 2]);
    let qual_at = qualifier.and_then(|q| {
        let re = Regex::new(&format!(
            r"(?m)^[ \t]*(?:[\w()]+[ \t]+)*(?:impl(?:<[^>\n]*>)?[ \t]+(?:[\w:<>]+[ \t]+for[ \t]+)?|class|struct|interface|trait|object|enum|module|type|namespace)[ \t]+{}\b",
            regex::escape(q)
        ))
        .ok()?;
        re.find(text).map(|m| m.start())
    });
    let found = find_name(text, name, qual_at).or_else(|| {
        // `Config::missing` still points somewhere useful: at `Config`.
        qualifier.and_then(|q| find_name(text, q, None))
    })?;
    let lines: Vec<&str> = text.lines().collect();
    let start = line_of(text, found);
    let end = block_end(&lines, start, ext);
    Some((to_u32(start + 1), to_u32(end + 1)))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn find_name(text: &str, name: &str, after: Option<usize>) -> Option<usize> {
    for re in patterns(name) {
        let mut first = None;
        for m in re.find_iter(text).take(64) {
            let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[m.start()..]
                .find('\n')
                .map_or(text.len(), |i| m.start() + i);
            if is_statement(&text[line_start..line_end]) {
                continue;
            }
            // Patterns anchor at the start of the line; report where its text starts.
            let at = line_start;
            match after {
                Some(q) if at > q => return Some(at),
                Some(_) => {
                    first.get_or_insert(at);
                }
                None => return Some(at),
            }
        }
        if first.is_some() {
            return first;
        }
    }
    None
}

fn indent_of(line: &str) -> usize {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The 0-based last line of the block that starts at `start`.
fn block_end(lines: &[&str], start: usize, ext: &str) -> usize {
    let indented = matches!(
        ext.to_ascii_lowercase().as_str(),
        "py" | "pyi" | "pyx" | "yaml" | "yml" | "nim" | "coffee" | "rb" | "ex" | "exs" | "lua"
    );
    if !indented && let Some(end) = brace_end(lines, start) {
        return end;
    }
    indent_end(lines, start)
}

/// Matches braces from the definition line, skipping strings and `//` comments. `None` when
/// the definition has no brace block (then `;` ends it on its own line, or indentation rules).
fn brace_end(lines: &[&str], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut opened = false;
    let last = lines.len().min(start + MAX_BLOCK_LINES);
    for (idx, line) in lines.iter().enumerate().take(last).skip(start) {
        let mut chars = line.chars().peekable();
        let mut in_str: Option<char> = None;
        while let Some(c) = chars.next() {
            if let Some(q) = in_str {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    in_str = None;
                }
                continue;
            }
            match c {
                '"' | '`' => in_str = Some(c),
                '/' if chars.peek() == Some(&'/') => break,
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 && opened {
                        return Some(idx);
                    }
                }
                ';' if !opened && depth == 0 => return Some(idx),
                _ => {}
            }
        }
        if !opened && idx >= start + 8 {
            return None;
        }
    }
    // Unclosed: the file ends inside the block.
    opened.then(|| last.saturating_sub(1).max(start))
}

fn indent_end(lines: &[&str], start: usize) -> usize {
    let Some(def) = lines.get(start) else {
        return start;
    };
    let base = indent_of(def);
    // A signature may wrap (`def f(\n  a,\n) -> int:`): the body starts after the line that
    // ends with `:` (Python), or right away.
    let mut sig_end = start;
    if !def.trim_end().ends_with(':') {
        for (i, l) in lines.iter().enumerate().skip(start + 1).take(30) {
            let t = l.trim_end();
            if t.ends_with(':') {
                sig_end = i;
                break;
            }
            if indent_of(l) <= base && !t.trim_start().starts_with(')') {
                break;
            }
        }
    }
    let mut end = sig_end;
    let last = lines.len().min(start + MAX_BLOCK_LINES);
    for (i, l) in lines.iter().enumerate().take(last).skip(sig_end + 1) {
        if l.trim().is_empty() {
            continue;
        }
        if indent_of(l) > base {
            end = i;
        } else {
            // Ruby and Lua close blocks with `end` at the definition's indentation.
            if indent_of(l) == base && l.trim() == "end" {
                end = i;
            }
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_fn_and_method() {
        let src = "use x;\n\npub struct Config {\n    a: u32,\n}\n\nimpl Config {\n    pub fn load(p: &str) -> Self {\n        if true { 1 } else { 2 };\n        Config { a: 1 }\n    }\n}\n\nfn load() {}\n";
        assert_eq!(find_definition(src, "Config", "rs"), Some((3, 5)));
        assert_eq!(find_definition(src, "Config::load", "rs"), Some((8, 11)));
        assert_eq!(find_definition(src, "load", "rs"), Some((8, 11)));
        assert_eq!(find_definition(src, "Config::nope", "rs"), Some((3, 5)));
        assert_eq!(find_definition(src, "missing", "rs"), None);
    }

    #[test]
    fn python_def_and_class_by_indentation() {
        let src = "import os\n\nclass Router:\n    def route(\n        self,\n        path,\n    ):\n        return path\n\n    def other(self):\n        pass\n\nx = 1\n";
        assert_eq!(find_definition(src, "Router", "py"), Some((3, 11)));
        assert_eq!(find_definition(src, "Router.route", "py"), Some((4, 8)));
        assert_eq!(find_definition(src, "x", "py"), Some((13, 13)));
    }

    #[test]
    fn js_go_and_c_forms() {
        let js = "const a = 1;\nexport const handler = async (req) => {\n  return 1;\n};\nfunction helper() {\n}\nobj.cb = function () {};\n";
        assert_eq!(find_definition(js, "handler", "js"), Some((2, 4)));
        assert_eq!(find_definition(js, "helper", "js"), Some((5, 6)));
        let go = "package x\n\nfunc (s *Server) Serve(l net.Listener) error {\n\treturn nil\n}\n";
        assert_eq!(find_definition(go, "Server.Serve", "go"), Some((3, 5)));
        let c = "#include <x.h>\n\nstatic int parse_args(int argc, char **argv)\n{\n  return parse_args(1, 0);\n}\n";
        assert_eq!(find_definition(c, "parse_args", "c"), Some((3, 6)));
        let ts = "interface Props {\n  a: string;\n}\ntype Alias = string;\n";
        assert_eq!(find_definition(ts, "Props", "ts"), Some((1, 3)));
        assert_eq!(find_definition(ts, "Alias", "ts"), Some((4, 4)));
    }

    #[test]
    fn hostile_symbols_are_ignored() {
        assert_eq!(find_definition("fn a() {}", "a(.*", "rs"), Some((1, 1)));
        assert_eq!(find_definition("fn a() {}", ".*", "rs"), None);
        assert_eq!(find_definition("fn a() {}", "", "rs"), None);
    }
}
