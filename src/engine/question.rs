//! A question as weighted vocabulary terms: stopwords out, words stemmed, synonyms and
//! abbreviations, adjacent words joined (`final handler` → `finalhandler`), prefix expansion
//! against the vocabulary, code-style names kept whole, which auxiliary files it asks for, and
//! whether it asks what a value holds (and which value: "what does *an error* … carry").

use rustc_hash::FxHashMap as HashMap;

use super::Index;
use super::tokens;
use super::walk;

#[derive(Debug, Clone)]
pub struct QTerm {
    pub id: u32,
    pub w: f32,
    /// The question words (bit i = i-th distinct word) this term stands for: a synonym or an
    /// expansion counts for its source word, a joined pair for both words.
    pub concepts: u64,
}

pub struct Query {
    pub terms: Vec<QTerm>,
    /// Identifiers written in code style (`spawn_blocking`, `TcpListener::accept`, `res.send`).
    pub code_names: Vec<String>,
    /// Plain words of the question (stemmed), for name matches.
    pub words: Vec<String>,
    pub wants_aux: [bool; 5],
    /// The question asks what something holds ("what does X carry", "which fields"): the
    /// answer is more likely a type than a function.
    pub wants_type: bool,
    /// In a question about what something holds, the words naming that something, stemmed
    /// ("what does *an error* attached to the context carry" → `error`).
    pub held_by: Vec<String>,
    /// The question asks which error comes out ("what error is raised when …").
    pub asks_error: bool,
    /// What the question says happens to a thing ("when *the runtime object* is *dropped*").
    pub events: Vec<Event>,
    /// The question names an operating system ("on Windows"): its ports answer as much as
    /// the code that runs everywhere.
    pub names_platform: bool,
    /// The question asks for declarations ("the typings of …"): declaration files
    /// (`lang::is_declaration_file`) answer as much as the code they describe.
    pub names_declarations: bool,
}

/// A thing and what happens to it, stemmed: "when the runtime object is dropped" → nouns
/// `runtim`, `object`, verb `drop`. The code that runs then is often the thing's method of
/// that name (`Runtime::drop`, `Semaphore::close`, `AppContext.pop`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub nouns: Vec<String>,
    pub verb: String,
}

/// Weight of a word's base without "-er" ("renderer" → `render`): nearly a synonym, above a
/// prefix expansion (0.3), which is how the base was reached before. 0.3 and 1.0 measured worse.
const ER_BASE_WEIGHT: f32 = 0.6;

/// Weight of a negated word's base without "un-" ("unhandled" → `handl`): a synonym's.
const UN_BASE_WEIGHT: f32 = 0.4;

/// Weight of two words written as the first one's initial and the second (`etag`): a synonym's.
/// Over the 405 benchmark questions 0.4 and 0.8 each move ajv-09 from third to second and
/// leveldb-13 from second to third; the rule is for the names it exists for, not for a figure.
const INITIAL_JOIN_WEIGHT: f32 = 0.4;

/// The weighted terms of `question` in the index's vocabulary.
pub fn parse_question(idx: &Index, question: &str) -> Query {
    let question = &without_idioms(question);
    let mut weights: HashMap<u32, (f32, u64)> = HashMap::default();
    let mut words = Vec::new();
    let code_names = code_style_names(question);
    let add = |t: &str, w: f32, c: u64, weights: &mut HashMap<u32, (f32, u64)>| {
        if let Some(id) = idx.derived.term_ids.get(&idx.stored.vocab, t) {
            let e = weights.entry(id).or_insert((0.0, 0));
            if w > e.0 {
                e.0 = w;
            }
            e.1 |= c;
        }
    };
    let bit = |i: usize| if i < 64 { 1u64 << i } else { 0 };
    let mut base: Vec<String> = Vec::new();
    tokens::for_each_token(question, |t| {
        if !tokens::is_question_stop(t) && !base.iter().any(|b| b == t) {
            base.push(t.to_string());
        }
    });
    for (i, t) in base.iter().enumerate() {
        words.push(t.clone());
        for (form, w) in word_forms(t) {
            add(&form, w, bit(i), &mut weights);
        }
    }
    let concept_of = |w: &str| {
        let st = tokens::stem(w);
        base.iter().position(|b| b == st).map_or(0, bit)
    };
    // Adjacent words may be one identifier in the code: "final handler" → `finalhandler`,
    // and a one-letter word joins its neighbour ("C stack" → `cstack`, "I/O" → `io`).
    let raw_words = plain_words(question);
    for pair in raw_words.windows(2) {
        if !may_join(&pair[0], &pair[1]) {
            continue;
        }
        let joined = format!("{}{}", pair[0], pair[1]);
        let c = concept_of(&pair[0]) | concept_of(&pair[1]);
        for s in tokens::phrase_synonyms(tokens::stem(&pair[0]), tokens::stem(&pair[1])) {
            add(s, 0.4, c, &mut weights);
        }
        add(&joined, 0.8, c, &mut weights);
        if let Some(short) = initial_joined(&pair[0], &pair[1]) {
            add(&short, INITIAL_JOIN_WEIGHT, c, &mut weights);
            add(tokens::stem(&short), INITIAL_JOIN_WEIGHT, c, &mut weights);
        }
        add(tokens::stem(&joined), 0.8, c, &mut weights);
        add(&format!("{}_{}", pair[0], pair[1]), 0.8, c, &mut weights);
    }
    // Prefix expansion against the vocabulary: `auth` → `authent`, `authentication` → `auth`.
    let expandable: Vec<(u64, &String)> = base
        .iter()
        .enumerate()
        .filter(|(_, t)| t.len() >= 4 && !t.contains('_'))
        .map(|(i, t)| (bit(i), t))
        .collect();
    if !expandable.is_empty() {
        for (id, v) in idx.stored.vocab.iter().enumerate() {
            if v.len() < 4 || v.contains('_') || v.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            for (c, t) in &expandable {
                if v.len() != t.len()
                    && (v.starts_with(t.as_str()) && v.len() <= t.len() + 4
                        || t.starts_with(v.as_str()) && v.len() * 2 >= t.len())
                {
                    let e = weights.entry(id as u32).or_insert((0.0, 0));
                    if e.0 < 0.3 {
                        e.0 = 0.3;
                    }
                    e.1 |= c;
                }
            }
        }
    }
    let wants_aux = wants_aux(&raw_words);
    let asks_error = asks_for_error(&raw_words);
    let wants_type = asks_error || wants_type(&raw_words);
    let mut terms: Vec<QTerm> = weights
        .into_iter()
        .map(|(id, (w, concepts))| QTerm { id, w, concepts })
        .collect();
    terms.sort_by_key(|t| t.id);
    Query {
        terms,
        code_names,
        words,
        wants_aux,
        wants_type,
        asks_error,
        held_by: if asks_error {
            vec!["error".to_string(), "exception".to_string()]
        } else if wants_type {
            subject_words(&raw_words)
        } else {
            Vec::new()
        },
        events: events(&raw_words),
        names_platform: raw_words.iter().any(|w| walk::is_port_name(w)),
        names_declarations: names_any(&raw_words, DECLARATION_WORDS),
    }
}

/// The terms a (stemmed) question word searches, with their weights: itself, its other
/// spellings, its synonyms, and the bases of a doer and of a negation.
fn word_forms(t: &str) -> Vec<(String, f32)> {
    let mut forms = vec![(t.to_string(), 1.0)];
    forms.extend(tokens::spelling_variants(t).map(|v| (v, 1.0)));
    forms.extend(tokens::synonyms(t).iter().map(|s| (s.to_string(), 0.4)));
    // The doer is named after what it does ("renderer" → `render`, "handler" → `handl`) and
    // a comparative after its adjective ("larger" → `larg`).
    if let Some(x) = t.strip_suffix("er").filter(|x| x.len() >= 4) {
        forms.push((tokens::stem(x).to_string(), ER_BASE_WEIGHT));
    }
    // What is "unhandled" is for the code that handles it to catch ("an unhandled
    // exception" → `handle_exception`).
    if let Some(x) = t.strip_prefix("un").filter(|x| x.len() >= 4) {
        forms.push((x.to_string(), UN_BASE_WEIGHT));
    }
    forms
}

/// Whether two adjacent question words may stand for one identifier: not an article, not a
/// stopword, unless the other word is a single letter, which names what its neighbour is about
/// ("C calls" are `nCcalls`). What is left of a contraction or a possessive is no such letter
/// ("what's" would make `what` a term).
fn may_join(first: &str, second: &str) -> bool {
    if first.len() + second.len() < 3 || is_article(first) || is_article(second) {
        return false;
    }
    let one_letter = [first, second]
        .iter()
        .any(|w| w.len() == 1 && !matches!(*w, "s" | "t" | "d" | "m"));
    one_letter
        || !(tokens::is_question_stop(tokens::stem(first))
            || tokens::is_question_stop(tokens::stem(second)))
}

/// Two words as code shortens them to the first one's initial and the second: "entity tag" →
/// `etag`, "process id" → `pid`, "virtual table" → `vtable`. Not before a function word: "fit
/// in" is no `fin`, "stored in" no `sin`.
fn initial_joined(first: &str, second: &str) -> Option<String> {
    let initial = first.chars().next().filter(char::is_ascii_alphabetic)?;
    (first.len() >= 3 && second.len() >= 2 && !tokens::is_stop(second))
        .then(|| format!("{initial}{second}"))
}

/// Words after which a noun phrase does not go on ("an error *from* …", "the task *and* …").
const ENDS_PHRASE: &[&str] = &[
    "of", "to", "from", "in", "on", "at", "by", "for", "with", "and", "or", "that", "which",
    "when", "if", "into", "about", "after", "before", "while", "besides", "is", "are", "be", "it",
    "its",
];

/// Up to three words after the question's first auxiliary verb ("what *does*", "which fields
/// *does*"), past articles, up to the first stopword: the noun phrase the question is about.
fn subject_words(raw: &[String]) -> Vec<String> {
    const AUXILIARY: &[&str] = &["does", "do", "did", "is", "are", "can", "will"];
    const SKIPPED: &[&str] = &["a", "an", "the", "this", "that", "information"];
    let Some(aux) = raw.iter().position(|w| AUXILIARY.contains(&w.as_str())) else {
        return Vec::new();
    };
    let mut out: Vec<(&str, String)> = Vec::new();
    for w in raw[aux + 1..]
        .iter()
        .map(String::as_str)
        .skip_while(|w| SKIPPED.contains(w))
    {
        let t = tokens::stem(w);
        if w.len() < 2
            || ENDS_PHRASE.contains(&w)
            || tokens::is_question_stop(t)
            || HOLDING.contains(&w)
            || out.len() == 3
        {
            break;
        }
        // A gerund before another word qualifies it ("an error-*handling* callback" is a
        // callback): the thing asked about is not a `…Handling`.
        if out
            .last()
            .is_some_and(|(raw, _): &(&str, String)| raw.ends_with("ing"))
        {
            out.pop();
        }
        out.push((w, t.to_string()));
    }
    out.into_iter().map(|(_, t)| t).collect()
}

/// "when|once|if|… *noun phrase* is|are|gets|was|were|has been *participle*", up to four words
/// of noun phrase past its determiners.
fn events(raw: &[String]) -> Vec<Event> {
    const PASSIVE: &[&str] = &["is", "are", "gets", "get", "was", "were", "been", "becomes"];
    const DETERMINERS: &[&str] = &[
        "the", "a", "an", "every", "each", "all", "its", "their", "this", "that", "some", "any",
        "has", "have", "no",
    ];
    let mut out = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        if !SUBORDINATE.contains(&w.as_str()) {
            continue;
        }
        let Some(aux) = (i + 1..raw.len().min(i + 7)).find(|&j| PASSIVE.contains(&raw[j].as_str()))
        else {
            continue;
        };
        let Some(verb) = raw.get(aux + 1) else {
            continue;
        };
        let stemmed = tokens::stem(verb);
        let participle = verb.ends_with("ed") || verb.ends_with("en") || stemmed != verb.as_str();
        let nouns: Vec<String> = raw[i + 1..aux]
            .iter()
            .filter(|w| !DETERMINERS.contains(&w.as_str()))
            .map(|w| tokens::stem(w).to_string())
            .collect();
        if participle && !nouns.is_empty() && nouns.len() <= 4 {
            out.push(Event {
                nouns,
                verb: stemmed.to_string(),
            });
        }
    }
    out
}

/// "a" is a word of its own, never half of an identifier ("a task" is not `atask`).
fn is_article(w: &str) -> bool {
    w == "a"
}

/// Identifiers written in code style: with `_`, `::`, `.`, `!` or inner capitals, or backticked.
fn code_style_names(question: &str) -> Vec<String> {
    let mut code_names = Vec::new();
    for raw in question
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | ';' | '"' | '(' | ')' | '\''))
    {
        let w = raw.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '!'));
        let w = w.trim_end_matches('!');
        if w.len() < 3 {
            continue;
        }
        let has_inner_cap = w.chars().skip(1).any(|c| c.is_ascii_uppercase())
            && w.chars().any(|c| c.is_ascii_lowercase());
        if w.contains('_')
            || w.contains("::")
            || (w.contains('.') && !w.ends_with('.'))
            || has_inner_cap
            || raw.contains('`')
        {
            code_names.push(w.to_string());
        }
    }
    code_names
}

/// Words that ask for what a declaration file holds.
const DECLARATION_WORDS: &[&str] = &[
    "typings",
    "typing",
    "typescript",
    "ts",
    "declaration",
    "declarations",
];

fn names_any(words: &[String], these: &[&str]) -> bool {
    words.iter().any(|w| these.contains(&w.as_str()))
}

/// Which auxiliary files (tests, examples, docs, benchmarks) the question asks for by name;
/// ordinary files are always wanted.
fn wants_aux(words: &[String]) -> [bool; 5] {
    let has = |ws: &[&str]| names_any(words, ws);
    let mut wants_aux = [true; 5];
    wants_aux[walk::AUX_TEST as usize] = has(&[
        "test", "tests", "testing", "spec", "specs", "fixture", "fixtures",
    ]);
    wants_aux[walk::AUX_EXAMPLE as usize] = has(&["example", "examples", "sample", "demo"]);
    wants_aux[walk::AUX_DOCS as usize] = has(&["doc", "docs", "documentation", "tutorial"]);
    wants_aux[walk::AUX_BENCH as usize] = has(&["bench", "benchmark", "benchmarks", "performance"]);
    wants_aux
}

/// Whether the question asks what a value holds rather than what code does: a holding word
/// in the main clause of a question whose first question word is "what" or "which" ("what
/// does the error carry", "which fields"). "How is a field added" asks for a procedure, "where
/// are error objects assembled, with … fields" for a place in the code, and "what exception is
/// raised when the response carries …" for what happens.
fn wants_type(words: &[String]) -> bool {
    const QUESTION_WORDS: &[&str] = &["what", "which", "how", "where", "when", "why", "who"];
    let Some(asked) = words
        .iter()
        .position(|w| QUESTION_WORDS.contains(&w.as_str()))
    else {
        return false;
    };
    (words[asked] == "what" || words[asked] == "which")
        && words[asked + 1..]
            .iter()
            .take_while(|w| !SUBORDINATE.contains(&w.as_str()))
            .any(|w| HOLDING.contains(&w.as_str()))
}

/// Whether the question asks which error comes out ("what error is raised", "which
/// exception does … throw", "what kind of error"): the answer is an error type.
fn asks_for_error(words: &[String]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        (w == "what" || w == "which")
            && words[i + 1..]
                .iter()
                .take(3)
                .take_while(|w| {
                    matches!(w.as_str(), "kind" | "sort" | "type" | "of") || is_error_word(w)
                })
                .any(|w| is_error_word(w))
    })
}

fn is_error_word(w: &str) -> bool {
    matches!(w, "error" | "errors" | "exception" | "exceptions")
}

/// Phrasal verbs whose words mean nothing apart: "two closures *end up* sharing" says
/// nothing of an `end`.
const IDIOMS: &[&str] = &["end up", "ends up", "ended up", "ending up"];

/// `question` without its [`IDIOMS`] (as whole words, in any case).
fn without_idioms(question: &str) -> String {
    let mut out = question.to_string();
    let lower = question.to_ascii_lowercase();
    for idiom in IDIOMS {
        for (at, _) in lower.match_indices(idiom) {
            let end = at + idiom.len();
            let bounded = |i: Option<&u8>| i.is_none_or(|b| !b.is_ascii_alphanumeric());
            if bounded(at.checked_sub(1).and_then(|i| lower.as_bytes().get(i)))
                && bounded(lower.as_bytes().get(end))
            {
                out.replace_range(at..end, &" ".repeat(idiom.len()));
            }
        }
    }
    out
}

/// The question's words as written, lowercased, split at anything but letters and digits.
fn plain_words(question: &str) -> Vec<String> {
    question
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Words that open a subordinate clause: what follows says when something happens ("when the
/// runtime is dropped"), not what the question asks for.
const SUBORDINATE: &[&str] = &[
    "when", "whenever", "if", "unless", "while", "once", "after", "before", "because",
];

/// Words that ask what a value holds.
const HOLDING: &[&str] = &[
    "carry",
    "carries",
    "hold",
    "holds",
    "contain",
    "contains",
    "store",
    "stores",
    "keep",
    "keeps",
    "track",
    "tracks",
    "record",
    "records",
    "remember",
    "remembers",
    "field",
    "fields",
    "represent",
    "represents",
    "information",
    "describe",
    "describes",
];

#[cfg(test)]
mod tests {
    use super::{plain_words, wants_type, without_idioms};

    #[test]
    fn adjacent_words_join_unless_one_is_a_stopword_or_an_article() {
        use super::may_join;
        assert!(may_join("final", "handler"));
        assert!(may_join("c", "calls"), "a one-letter word joins a stopword");
        assert!(
            may_join("memtable", "s"),
            "a possessive's `s` joins a plain word"
        );
        assert!(
            !may_join("what", "s"),
            "but not a stopword: `what` is no term"
        );
        assert!(!may_join("doesn", "t"));
        assert!(!may_join("the", "stack"));
        assert!(!may_join("calls", "made"));
    }

    #[test]
    fn two_words_shorten_to_an_initial_and_a_word_but_not_a_function_word() {
        use super::initial_joined;
        assert_eq!(initial_joined("process", "id").as_deref(), Some("pid"));
        assert_eq!(initial_joined("entity", "tag").as_deref(), Some("etag"));
        assert_eq!(initial_joined("fit", "in"), None);
        assert_eq!(initial_joined("stored", "in"), None);
        assert_eq!(initial_joined("start", "it"), None);
    }

    #[test]
    fn phrasal_verbs_are_no_terms() {
        assert_eq!(
            plain_words(&without_idioms(
                "Why do two closures End up sharing one upvalue?"
            )),
            ["why", "do", "two", "closures", "sharing", "one", "upvalue"]
        );
        // Only the whole phrase goes: the end of a stream stays, and so does `backend up`.
        assert_eq!(
            plain_words(&without_idioms(
                "What happens at the end? Is the backend up?"
            )),
            [
                "what", "happens", "at", "the", "end", "is", "the", "backend", "up"
            ]
        );
    }

    #[test]
    fn a_question_about_what_a_value_holds_wants_a_type() {
        assert!(wants_type(&plain_words(
            "What does the error of a failed task carry?"
        )));
        assert!(wants_type(&plain_words(
            "Which fields does a parse error have?"
        )));
        assert!(wants_type(&plain_words(
            "What information does the status hold?"
        )));
        assert!(wants_type(&plain_words(
            "What does a supervisor keep about each child?"
        )));
        assert!(wants_type(&plain_words(
            "What does the access log record for each request?"
        )));
    }

    #[test]
    fn what_holds_the_thing_is_the_phrase_after_the_verb() {
        use super::subject_words;
        assert_eq!(
            subject_words(&plain_words(
                "What does an error attached to the request context carry?"
            )),
            ["error", "attach"]
        );
        assert_eq!(
            subject_words(&plain_words("What information does the JoinError hold?")),
            ["joinerror"]
        );
        assert_eq!(
            subject_words(&plain_words(
                "What does a compiled function prototype hold?"
            )),
            ["compil", "function", "prototyp"]
        );
        assert_eq!(
            subject_words(&plain_words(
                "What information does an error-handling callback receive?"
            )),
            ["error", "callback", "receiv"],
            "a gerund before a noun qualifies it"
        );
        assert!(subject_words(&plain_words("Which fields?")).is_empty());
    }

    #[test]
    fn what_happens_to_a_thing_is_an_event() {
        use super::{Event, events};
        let ev = |nouns: &[&str], verb: &str| Event {
            nouns: nouns.iter().map(|n| n.to_string()).collect(),
            verb: verb.to_string(),
        };
        assert_eq!(
            events(&plain_words(
                "What happens to tasks when the runtime object is dropped?"
            )),
            [ev(&["runtim", "object"], "drop")]
        );
        assert_eq!(
            events(&plain_words(
                "What does the receiver get once every sender has been dropped?"
            )),
            [ev(&["sender"], "drop")]
        );
        assert_eq!(
            events(&plain_words(
                "What happens if the semaphore is closed while tasks wait?"
            )),
            [ev(&["semaphor"], "clos")]
        );
        assert!(events(&plain_words("What happens when a request arrives?")).is_empty());
        assert!(events(&plain_words("How is the route handler called?")).is_empty());
    }

    #[test]
    fn a_question_about_which_error_comes_out_wants_an_error_type() {
        use super::asks_for_error;
        assert!(asks_for_error(&plain_words(
            "What error is raised when a reference cannot be resolved?"
        )));
        assert!(asks_for_error(&plain_words(
            "Which kind of exception does the parser throw?"
        )));
        assert!(!asks_for_error(&plain_words(
            "What happens to an error thrown in a callback?"
        )));
        assert!(!asks_for_error(&plain_words("How are errors reported?")));
    }

    #[test]
    fn a_question_about_a_place_does_not_want_a_type() {
        assert!(!wants_type(&plain_words(
            "Where are error objects assembled, with their path, message and data fields?"
        )));
        assert!(wants_type(&plain_words(
            "In the codec, which fields does a frame carry?"
        )));
        assert!(!wants_type(&plain_words(
            "What exception is raised when the response carries an unknown error code?"
        )));
    }

    #[test]
    fn a_question_about_a_procedure_does_not_want_a_type() {
        assert!(!wants_type(&plain_words(
            "How is a field added to the Vary header?"
        )));
        assert!(!wants_type(&plain_words(
            "How does flash() store messages for the next request?"
        )));
        assert!(!wants_type(&plain_words(
            "What happens when the semaphore is closed?"
        )));
    }
}
