//! Follow-ups: "and who calls it?" is about what the thread talked about last. The referent is
//! the definition the previous answer cited first (else one the previous question named); the
//! follow-up is rewritten with its name, so retrieval answers the same question as if the user
//! had written the name.

use super::Index;

/// An earlier turn of the thread: its question and what its answer cited, best first.
#[derive(Debug, Clone, Default)]
pub struct EarlierTurn {
    pub question: String,
    /// `(relative path, start line, end line)`.
    pub citations: Vec<(String, u32, u32)>,
}

/// Words that stand for the referent, longest first so "this function" wins over "this".
/// `{}` is the referent's name in the replacement.
const STAND_INS: &[(&str, &str)] = &[
    ("the callers of it", "the callers of {}"),
    ("this function", "{}"),
    ("that function", "{}"),
    ("the function", "{}"),
    ("this method", "{}"),
    ("that method", "{}"),
    ("the method", "{}"),
    ("this class", "{}"),
    ("that class", "{}"),
    ("the class", "{}"),
    ("this struct", "{}"),
    ("this type", "{}"),
    ("that type", "{}"),
    ("this code", "{}"),
    ("that code", "{}"),
    ("the callers", "the callers of {}"),
    ("the caller", "the caller of {}"),
    ("its", "{}'s"),
    ("it", "{}"),
    ("them", "{}"),
    ("they", "{}"),
    ("this", "{}"),
    ("that", "{}"),
];

/// The follow-up as retrieval should read it, and the referent's name; `None` when the
/// question names nothing of the thread (it is then asked as it is).
pub fn resolve(index: &Index, question: &str, earlier: &[EarlierTurn]) -> Option<(String, String)> {
    let referent = earlier.iter().rev().find_map(|t| referent(index, t))?;
    let lower = question.to_lowercase();
    for (words, replacement) in STAND_INS {
        if let Some(at) = find_words(&lower, words) {
            // "that" and "this" also join clauses ("the code that parses …"): only a standalone
            // one at the end, or before a verb-less tail, stands for the referent.
            if matches!(*words, "this" | "that") && !ends_question(&lower[at + words.len()..]) {
                continue;
            }
            let rewritten = format!(
                "{}{}{}",
                &question[..at],
                replacement.replace("{}", &referent),
                &question[at + words.len()..]
            );
            return Some((rewritten, referent));
        }
    }
    None
}

/// The name of what a turn was about: the definition its first citation is in.
fn referent(index: &Index, turn: &EarlierTurn) -> Option<String> {
    turn.citations.iter().find_map(|(path, start, end)| {
        index
            .symbol_enclosing(path, *start, (*end).min(start + 400))
            .map(|s| s.qualified)
    })
}

/// Byte offset of `words` in `text` as whole words.
fn find_words(text: &str, words: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(words).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + words.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Whether what follows a word ends the question (punctuation, or nothing).
fn ends_question(rest: &str) -> bool {
    rest.trim().chars().all(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_whole_words() {
        assert_eq!(find_words("who calls it?", "it"), Some(10));
        assert_eq!(find_words("is it iterative?", "it"), Some(3));
        assert_eq!(find_words("iterate with items", "it"), None);
        assert!(ends_question(" ?"));
        assert!(!ends_question(" parses the header"));
    }

    #[test]
    fn a_pronoun_becomes_the_cited_definition() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/auth.rs"),
            "/// Checks a password.\npub fn verify_password(p: &str) -> bool {\n    p.is_empty()\n}\n\npub fn login(p: &str) -> bool {\n    verify_password(p)\n}\n",
        )
        .unwrap();
        let index = Index::open(dir.path(), None, &|_, _| {}).unwrap();
        let earlier = [EarlierTurn {
            question: "Where is the password checked?".into(),
            citations: vec![("src/auth.rs".into(), 2, 4)],
        }];
        let (q, name) = resolve(&index, "And who calls it?", &earlier).unwrap();
        assert_eq!(name, "verify_password");
        assert_eq!(q, "And who calls verify_password?");
        let (q, _) = resolve(&index, "What does this function return?", &earlier).unwrap();
        assert_eq!(q, "What does verify_password return?");
        let (q, _) = resolve(&index, "Where are the callers?", &earlier).unwrap();
        assert_eq!(q, "Where are the callers of verify_password?");
        // "that" joining a clause is not a stand-in; nothing else is, so no rewrite.
        assert!(resolve(&index, "Show the code that logs in", &earlier).is_none());
        // Without citations there is no referent.
        assert!(resolve(&index, "who calls it?", &[EarlierTurn::default()]).is_none());
    }
}
