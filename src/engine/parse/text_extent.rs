//! Where a definition of a text language (`text.rs`) ends: down to the line before the code
//! returns to its header's indent (a closing `end` or `}` there included), or by its
//! language's own rule (Haskell's and Erlang's clauses, Perl's packages, Objective-C's `@end`,
//! a Lisp form's closing parenthesis, found by `lisp.rs`).

use super::functional;
use super::text::{Line, is_closer};

/// The index of the line that holds byte `at`.
pub(super) fn line_at(lines: &[Line], at: usize) -> usize {
    lines.partition_point(|l| l.start <= at).saturating_sub(1)
}

/// The last line of a definition made of clauses (Haskell's signature and equations, Erlang's
/// clauses): its indented lines, and the lines at its indent that start with its name again.
pub(super) fn clauses_end(lines: &[Line], i: usize, name: &str) -> usize {
    let indent = lines[i].indent;
    let mut last = i;
    for (j, l) in lines.iter().enumerate().skip(i + 1) {
        if l.text.is_empty() {
            continue;
        }
        let infix = l
            .text
            .split_once(char::is_whitespace)
            .is_some_and(|(_, after)| functional::infix_operator(after) == Some(name));
        let again = infix
            || l.text.strip_prefix(name).is_some_and(|rest| {
                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '\'')
            })
            || l.text
                .strip_prefix('(')
                .and_then(|t| t.strip_prefix(name))
                .is_some_and(|r| r.starts_with(')'));
        if l.indent > indent || l.indent == indent && again {
            last = j;
        } else {
            break;
        }
    }
    last
}

/// The line of the `.` that ends the Erlang form opening at line `i` (the file's last line
/// when none does).
pub(super) fn period_end(lines: &[Line], i: usize) -> usize {
    (i..lines.len())
        .find(|&j| functional::erlang_ends_form(lines[j].text))
        .unwrap_or(lines.len() - 1)
}

/// The last line of the function an Erlang `-spec name(…)` at line `i` specifies: the spec
/// runs to its `.`, and the function's first clause is the next form, after blank and comment
/// lines; `None` when that form is not a clause of `name`.
pub(super) fn spec_end(lines: &[Line], i: usize, name: &str) -> Option<usize> {
    let spec_last = period_end(lines, i);
    let clause = (spec_last + 1..lines.len())
        .find(|&j| !lines[j].text.is_empty() && !lines[j].text.starts_with('%'))?;
    let l = &lines[clause];
    let opens = l.indent == 0 && l.text.strip_prefix(name)?.starts_with('(');
    opens.then(|| period_end(lines, clause))
}

/// The last line of the Perl package `package LWP::UserAgent;` at line `i` opens: the line
/// before the next `package` statement, or the file's last line.
pub(super) fn perl_package_end(lines: &[Line], i: usize) -> Option<usize> {
    let statement = lines[i].text.strip_prefix("package ")?;
    if !statement.trim_end().ends_with(';') {
        return None; // `package Name { … }` is a block, closed by its brace
    }
    let next = (i + 1..lines.len()).find(|&j| lines[j].text.starts_with("package "));
    let last = next.map_or(lines.len() - 1, |j| j - 1);
    // Not past the last line of code: trailing POD and `__END__` data are blank here.
    (i..=last).rev().find(|&j| !lines[j].text.is_empty())
}

/// The `@end` line closing the Objective-C `@interface`, `@implementation` or `@protocol` at
/// line `i`: its methods are written at its own indent, so indentation cannot end it.
pub(super) fn objc_container_end(lines: &[Line], i: usize) -> Option<usize> {
    if !["@interface", "@implementation", "@protocol"]
        .iter()
        .any(|k| lines[i].text.starts_with(k))
    {
        return None;
    }
    (i + 1..lines.len()).find(|&j| lines[j].text == "@end")
}

/// The last line of the block a header at line `i` opens: the line before the first non-blank
/// line indented no deeper than the header, that line itself when it closes the block.
pub(super) fn block_end(lines: &[Line], i: usize) -> usize {
    let indent = lines[i].indent;
    let mut last = i;
    let mut braced = lines[i].text.ends_with('{');
    for (j, l) in lines.iter().enumerate().skip(i + 1) {
        // Comments and C#'s `#if`/`#region` lines are often written at column 0 inside a
        // body: they end nothing.
        if l.text.is_empty()
            || ["#", "//", "/*", "*", "--"]
                .iter()
                .any(|m| l.text.starts_with(m))
        {
            continue;
        }
        // A brace at the header's indent, below it or below its parameters, opens its block;
        // so does the line closing parameters written one per line (Kotlin's `) : Base {`).
        if !braced && l.indent == indent && l.text.starts_with(['{', ')']) {
            braced = l.text.ends_with('{');
            last = j;
            continue;
        }
        if l.indent <= indent {
            if l.indent == indent && is_closer(l.text) {
                last = j;
            }
            break;
        }
        last = j;
    }
    last
}
