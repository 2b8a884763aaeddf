//! Perl's POD written apart from the code, all at the end of a module or after `__END__`:
//! `=head2 request` (or `=item $ua->request( $request )`) and the prose under it document
//! `sub request`, which has no comment of its own.

use super::RawDef;
use super::docs::clean_doc;

/// Gives each sub without a doc the prose of the one POD section that names it.
pub(super) fn document_subs(text: &str, defs: &mut [RawDef]) {
    let undocumented = |d: &RawDef| d.doc.is_empty() && d.kind.is_code();
    if !defs.iter().any(undocumented) {
        return;
    }
    let sections = sections(text);
    for d in defs.iter_mut().filter(|d| undocumented(d)) {
        let mut named = sections.iter().filter(|s| s.0 == d.name);
        if let (Some(&(_, start, end)), None) = (named.next(), named.next()) {
            d.doc = clean_doc(&text[start..end]);
            d.doc_range = Some((start, end));
        }
    }
}

/// Each `=head2`…`=head4` or `=item` section: the name it gives and the byte range of its
/// prose, from its first paragraph that is not a code sample (indented) to the next
/// directive.
fn sections(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    // The open section: its name and where its prose starts, once found.
    let mut open: Option<(&str, Option<usize>)> = None;
    let mut prose_end = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end();
        if body.starts_with('=') && body[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            if let Some((name, Some(prose))) = open.take() {
                out.push((name, prose, prose_end));
            }
            let heading = ["=head2", "=head3", "=head4", "=item"]
                .iter()
                .find_map(|d| body.strip_prefix(d));
            open = heading.and_then(heading_name).map(|name| (name, None));
            continue;
        }
        let Some((_, prose)) = &mut open else {
            continue;
        };
        if body.is_empty() {
            continue;
        }
        if prose.is_none() && !body.starts_with([' ', '\t']) {
            *prose = Some(start);
        }
        if prose.is_some() {
            prose_end = start + body.len();
        }
    }
    if let Some((name, Some(prose))) = open {
        out.push((name, prose, prose_end));
    }
    out
}

/// The sub a heading names: the name before its parameters (`$arch = get_build_arch()`,
/// `$ua->request( $request )`), after a method arrow, or its first word (`clone`,
/// `C<timeout>`).
fn heading_name(heading: &str) -> Option<&str> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before_parens = heading
        .split_once('(')
        .map(|(head, _)| head.trim_end())
        .filter(|head| head.ends_with(is_name_char));
    let name = match before_parens {
        Some(head) => &head[head.trim_end_matches(is_name_char).len()..],
        None => match heading.rsplit_once("->") {
            Some((_, method)) => method.split(|c: char| !is_name_char(c)).next()?,
            None => {
                let word = heading.trim_start().trim_start_matches(['C', 'B', 'I']);
                let word = word.strip_prefix('<').unwrap_or(word);
                word.split(|c: char| !is_name_char(c)).next()?
            }
        },
    };
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_names_its_sub() {
        for (heading, name) in [
            (" clone", Some("clone")),
            (" $ua->request( $request )", Some("request")),
            (" $arch = get_build_arch()", Some("get_build_arch")),
            (" $ua->get( $url, $field_name => $value, ... )", Some("get")),
            (" C<timeout> => $secs", Some("timeout")),
            (" $res = $ua->simple_request", Some("simple_request")),
            (" 4", None),
            ("", None),
        ] {
            assert_eq!(heading_name(heading), name, "{heading:?}");
        }
    }

    #[test]
    fn a_section_s_prose_starts_past_its_code_sample() {
        let pod = "package LWP::UserAgent;\n\nsub clone {\n    my $self = shift;\n}\n\n1;\n\n__END__\n\n\
                   =head1 METHODS\n\n=head2 clone\n\n    my $ua2 = $ua->clone;\n\n\
                   Returns a copy of the object.\n\nThe cookie jar is not copied.\n\n\
                   =head2 new\n\n    my $ua = LWP::UserAgent->new( %options )\n\n=cut\n";
        let found: Vec<(&str, &str)> = sections(pod)
            .into_iter()
            .map(|(name, s, e)| (name, &pod[s..e]))
            .collect();
        assert_eq!(
            found,
            [(
                "clone",
                "Returns a copy of the object.\n\nThe cookie jar is not copied."
            )],
            "a section with only a code sample gives nothing"
        );
    }
}
