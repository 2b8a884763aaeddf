//! Code-aware tokens: identifiers are split at camelCase, snake_case and digit boundaries, the
//! pieces are lowercased and lightly stemmed, and a multi-piece identifier is also kept whole, so
//! `AuthService`, "auth service" and `auth_service` meet in the middle.

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

/// Calls `emit` with every token of `text` (identifiers and words, in order).
pub fn for_each_token(text: &str, mut emit: impl FnMut(&str)) {
    let mut piece = String::new();
    for_each_word(text, |word| word_tokens(word, &mut piece, &mut emit));
}

/// Calls `f` with every word of `text` (`[A-Za-z_][A-Za-z0-9_]*`), in order: the tokens of a
/// text are its words' tokens.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            f(&text[start..i]);
        } else {
            i += 1;
        }
    }
}

/// Tokens of one identifier-like word.
fn word_tokens(word: &str, buf: &mut String, emit: &mut impl FnMut(&str)) {
    let word = word.trim_matches('_');
    if word.len() < 2 || word.len() > 64 {
        return;
    }
    let mut count = 0;
    split_identifier(word, |p| {
        count += 1;
        if p.len() >= 2 && p.bytes().any(|b| b.is_ascii_alphabetic()) {
            buf.clear();
            buf.push_str(p);
            buf.make_ascii_lowercase();
            // Both forms: "none" and "true" stem to `non` and `tru`, which the list would not
            // stop, while the `non` of `NonBlocking` is no stopword.
            if is_stop(buf) {
                return;
            }
            let s = stem(buf);
            if !is_stop(s) {
                emit(s);
            }
        }
    });
    if count > 1 {
        buf.clear();
        buf.push_str(word);
        buf.make_ascii_lowercase();
        emit(stem(buf));
    }
}

/// Splits `parseHTTPResponse2_fast` into `parse`, `HTTP`, `Response`, `2`, `fast`.
pub fn split_identifier(word: &str, mut f: impl FnMut(&str)) {
    let b = word.as_bytes();
    let mut start = 0;
    for i in 1..=b.len() {
        let boundary = if i == b.len() {
            true
        } else {
            let (p, c) = (b[i - 1], b[i]);
            let next_lower = b.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            c == b'_'
                || p == b'_'
                || (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (p.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                || (p.is_ascii_digit() != c.is_ascii_digit())
        };
        if boundary {
            let part = &word[start..i];
            let part = part.trim_matches('_');
            if !part.is_empty() {
                f(part);
            }
            start = i;
        }
    }
}

/// A light suffix stemmer (plural, -ing, -ed, final e), shared by documents and questions.
pub fn stem(w: &str) -> &str {
    if let Some(base) = irregular(w) {
        return base;
    }
    let n = w.len();
    if n <= 3 || !w.is_ascii() {
        return w;
    }
    let mut s = w;
    if let Some(x) = s.strip_suffix("ies").filter(|x| x.len() >= 3) {
        // "entries" -> "entr" (also "entry" -> "entr" below)
        return x;
    }
    if s.ends_with("sses") {
        s = &s[..s.len() - 2];
    } else if s.ends_with("ss") || s.ends_with("us") || s.ends_with("is") {
    } else if let Some(x) = s
        .strip_suffix("es")
        .filter(|x| x.ends_with("ch") || x.ends_with("sh") || x.ends_with('x') || x.ends_with("ss"))
    {
        s = x;
    } else if let Some(x) = s.strip_suffix('s') {
        s = x;
    }
    if let Some(x) = s.strip_suffix("ing").filter(|x| x.len() >= 3) {
        s = undouble(x);
    } else if let Some(x) = s.strip_suffix("ed").filter(|x| x.len() >= 3) {
        s = undouble(x);
    }
    if let Some(x) = s.strip_suffix('e').filter(|x| x.len() >= 3) {
        s = x;
    }
    if let Some(x) = s.strip_suffix('y').filter(|x| x.len() >= 3) {
        s = x;
    }
    s
}

/// Irregular past forms of verbs common in code and questions, mapped to the stem of their
/// base form (`written` → `writ`, as `write` stems), so both meet as one term. Forms that are
/// also common nouns or adjectives in code (`bound`, `left`, `set`, `read`) are left alone.
fn irregular(w: &str) -> Option<&'static str> {
    Some(match w {
        "written" | "wrote" => "writ",
        "rewritten" | "rewrote" => "rewrit",
        "overridden" | "overrode" => "overrid",
        "sent" => "send",
        "built" | "rebuilt" => "build",
        "found" => "find",
        "caught" => "catch",
        "thrown" | "threw" => "throw",
        "ran" => "run",
        "kept" => "keep",
        "held" => "hold",
        "chosen" | "chose" => "choos",
        "begun" | "began" => "begin",
        "broken" | "broke" => "break",
        "taken" | "took" => "tak",
        "made" => "mak",
        "stolen" | "stole" => "steal",
        "frozen" | "froze" => "freez",
        "forgotten" | "forgot" => "forget",
        "gotten" | "got" => "get",
        "hidden" => "hid",
        "driven" | "drove" => "driv",
        "spoken" | "spoke" => "speak",
        "shown" => "show",
        "known" | "knew" => "know",
        "grown" | "grew" => "grow",
        "drawn" | "drew" => "draw",
        "flown" | "flew" => "fly",
        "lost" => "los",
        "paid" => "pay",
        "said" => "say",
        "told" => "tell",
        "sold" => "sell",
        "sought" => "seek",
        "thought" => "think",
        "taught" => "teach",
        "brought" => "bring",
        "bought" => "buy",
        "slept" => "sleep",
        "spent" => "spend",
        "stood" => "stand",
        "understood" => "understand",
        "hung" => "hang",
        "spun" => "spin",
        "fed" => "feed",
        "led" => "lead",
        _ => return None,
    })
}

fn undouble(x: &str) -> &str {
    let b = x.as_bytes();
    let n = b.len();
    if n >= 4 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z') {
        &x[..n - 1]
    } else {
        x
    }
}

/// Tokens that carry no meaning in code or questions (checked after stemming).
pub fn is_stop(t: &str) -> bool {
    matches!(
        t,
        "the"
            | "an"
            | "and"
            | "or"
            | "of"
            | "to"
            | "in"
            | "on"
            | "at"
            | "by"
            | "for"
            | "it"
            | "its"
            | "be"
            | "as"
            | "that"
            | "thi"
            | "this"
            | "with"
            | "from"
            | "are"
            | "wa"
            | "was"
            | "were"
            | "if"
            | "else"
            | "then"
            | "let"
            | "mut"
            | "fn"
            | "pub"
            | "self"
            | "return"
            | "def"
            | "var"
            | "const"
            | "function"
            | "new"
            | "true"
            | "false"
            | "none"
            | "null"
            | "undefined"
            | "use"
            | "import"
            | "into"
            | "not"
            | "no"
            | "we"
            | "can"
            | "will"
            | "there"
            | "which"
            | "when"
            | "so"
            | "do"
            | "doe"
            | "is"
            | "ha"
            | "has"
            | "have"
    )
}

/// Words of a question that say nothing about the code they ask for (`t` is a stemmed token).
pub fn is_question_stop(t: &str) -> bool {
    static STEMMED: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let set = STEMMED.get_or_init(|| QUESTION_STOP.iter().map(|w| stem(w).to_string()).collect());
    QUESTION_STOP.contains(&t) || set.contains(t)
}

const QUESTION_STOP: &[&str] = &[
    // Quantifiers: "many", "very few" say how much, not what ("many" would stem to "man").
    "many",
    "much",
    "very",
    "few",
    "several",
    "where",
    "how",
    "what",
    "why",
    "who",
    "whom",
    "whose",
    "implement",
    "implemented",
    "code",
    "happen",
    "happens",
    "work",
    "works",
    "define",
    "defined",
    "find",
    "located",
    "show",
    "explain",
    "tell",
    "me",
    "my",
    "you",
    "your",
    "call",
    "called",
    "calling",
    "make",
    "makes",
    "actually",
    "decide",
    "decides",
    "some",
    "any",
    "all",
    "each",
    "every",
    "such",
    "like",
    "only",
    "about",
    "would",
    "should",
    "could",
    "mean",
    "exactly",
    "both",
    "one",
    "other",
    "also",
    "just",
    "way",
    "does",
    "did",
    "done",
    "thing",
    "part",
    "given",
    "turn",
    "turned",
    "whether",
    "right",
    "away",
    "us",
    "our",
    "these",
    "those",
    "them",
    "they",
    "their",
    "than",
    "but",
    "up",
    "out",
    "i",
    "after",
    "before",
    "while",
    "library",
    "project",
    "happening",
    "used",
    "using",
    "use",
    "get",
    "gets",
    "go",
    "goes",
    "into",
    "once",
    "same",
    "time",
    "times",
    "still",
    "need",
    "needs",
    "want",
    "which",
    "when",
    "there",
    "does",
    "doing",
    "being",
    "been",
    // Function words a question leans on that no identifier is made of.
    "were",
    "through",
    "yet",
    // What is left of a negative contraction ("isn't" → `isn`, `t`): the negation matters to
    // the reader, the fragment to no identifier.
    "isn",
    "aren",
    "wasn",
    "weren",
    "doesn",
    "don",
    "didn",
    "hasn",
    "haven",
    "hadn",
    "won",
    "wouldn",
    "couldn",
    "shouldn",
    // "How does X cope with Y" asks how X handles Y; `cope` names nothing.
    "cope",
    // Fillers of everyday speech ("instead of", "make sure", "something between"): the words
    // after them say what is meant.
    "instead",
    "something",
    "anything",
    "everything",
    "sure",
    "whatever",
    "otherwise",
    "especially",
    "particularly",
    "really",
    "basically",
    "simply",
    "usually",
    "typically",
    "generally",
    // "A block comes back short": `come` is in no identifier but stems to `com`, which is.
    "come",
    "comes",
    "came",
    "coming",
];

/// Terms for two adjacent (stemmed) question words that mean more together than apart: code
/// that handles an error *catches* it, though neither word alone means that.
pub fn phrase_synonyms(first: &str, second: &str) -> &'static [&'static str] {
    match (first, second) {
        ("error" | "except" | "failur", "handl" | "handler") => &["catch", "recov"],
        // A line break is a newline (`eol`, `linefeed`), and leading spaces are an indent.
        ("lin", "break" | "end" | "feed") => &["newlin", "eol", "linef", "lf", "crlf"],
        ("lead", "spac" | "whitespac" | "tab") => &["indent", "indentation"],
        _ => &[],
    }
}

/// Code synonyms and abbreviations, as plain words: each word on the left also searches the
/// words on the right. Both sides are stemmed when the table is built, so an entry meets every
/// form of its words ("directories", "directory"); keywords such as `new` and `var` are never
/// terms, so they are not here (a test checks).
const SYNONYMS: &[(&[&str], &[&str])] = &[
    (&["choose"], &["select"]),
    (&["find"], &["lookup", "search"]),
    (&["fetch"], &["load", "download", "get"]),
    (&["receive", "receiver"], &["rx", "recv"]),
    (&["sender", "transmitter", "transmit"], &["tx"]),
    (&["number"], &["num", "count"]),
    (&["count"], &["num"]),
    (&["drop"], &["release"]),
    (&["auth"], &["authenticate", "login", "credential"]),
    (&["authenticate", "authentication"], &["auth", "login"]),
    (&["login"], &["auth", "authenticate"]),
    // Not "setting": it stems to `set`, a verb in nearly every question and file.
    (&["config"], &["configure", "option"]),
    (&["configure", "configuration"], &["config"]),
    (&["javascript"], &["js"]),
    // Code that survives circular references remembers what it has seen.
    (&["circular"], &["cycle", "cyclic", "seen", "visited"]),
    (&["db"], &["database"]),
    (&["database"], &["db"]),
    (&["err"], &["error"]),
    (&["error"], &["err", "except"]),
    (&["except", "exception"], &["error", "err"]),
    (&["msg"], &["message"]),
    (&["message"], &["msg"]),
    (&["req"], &["request"]),
    (&["request"], &["req"]),
    (&["res"], &["response"]),
    (&["response"], &["res", "resp"]),
    (&["resp"], &["response"]),
    (&["ctx"], &["context"]),
    (&["context"], &["ctx"]),
    (&["init"], &["initialize", "setup"]),
    (&["initial", "initialize"], &["init"]),
    // Not "make": Go's allocation builtin, in nearly every Go body.
    (&["create"], &["build", "construct"]),
    (&["build"], &["create", "construct"]),
    (&["construct"], &["create", "build"]),
    (&["delete"], &["remove", "drop"]),
    (&["remove"], &["delete", "drop", "eliminate", "strip"]),
    (&["eliminate"], &["remove", "delete"]),
    (&["double"], &["multiple", "duplicate", "repeat"]),
    (&["duplicate"], &["double", "multiple", "repeat"]),
    (&["segment"], &["element", "component"]),
    // Cooperative scheduling: a task that gives way of its own accord yields.
    (
        &["voluntarily", "voluntary", "relinquish", "cooperative"],
        &["yield"],
    ),
    (&["dir"], &["directory", "folder"]),
    (&["directory", "folder"], &["dir"]),
    (&["buf"], &["buffer"]),
    (&["buffer"], &["buf"]),
    (&["len"], &["length", "size"]),
    (&["length"], &["len"]),
    (&["param"], &["parameter", "arg"]),
    (&["parameter"], &["param", "arg"]),
    (&["arg"], &["argument", "param"]),
    (&["argument"], &["arg"]),
    (&["conn"], &["connect"]),
    (&["connect"], &["conn"]),
    // "Environment variable" is how questions say what code calls `env`.
    (&["env"], &["environ", "environment"]),
    (&["environ", "environment"], &["env"]),
    (&["cb"], &["callback"]),
    (&["callback"], &["cb", "handler"]),
    (&["util"], &["helper"]),
    (&["helper"], &["util"]),
    (&["cancel"], &["abort", "unsubscribe"]),
    (&["abort"], &["cancel"]),
    (&["spawn"], &["start"]),
    (&["start"], &["spawn", "run", "begin"]),
    (&["stop"], &["shutdown", "close", "terminate"]),
    (&["shutdown"], &["stop", "close"]),
    (&["listen", "listener"], &["accept", "bind"]),
    (&["serialize"], &["dump", "encode", "json"]),
    (&["deserialize"], &["load", "decode", "parse"]),
    (&["parse"], &["decode"]),
    (&["route"], &["dispatch"]),
    (&["dispatch"], &["route"]),
    (&["template"], &["render", "view"]),
    (&["render"], &["template", "view"]),
    (&["timer", "timeout"], &["deadline", "delay"]),
    (&["delay"], &["timer", "schedule"]),
    (&["wait"], &["block"]),
    (&["cookie"], &["session"]),
    // Checking something again and again at intervals is polling it.
    (&["periodic", "periodically"], &["poll", "interval"]),
    // A file's metadata is what `stat` returns.
    (&["metadata"], &["stat", "meta"]),
    // Things kept for reuse live in a pool or are recycled.
    (&["reuse", "reusable"], &["recycle", "pool"]),
    (&["recycle"], &["reuse", "pool"]),
    (&["ip"], &["addr", "address"]),
    (&["hostname"], &["host"]),
    // Ordered collections go by many names.
    (&["list"], &["sequence", "array", "vec"]),
    (&["sequence"], &["list", "array", "seq"]),
    (&["array"], &["list", "vec", "slice"]),
    // Abbreviations code spells where questions spell the word out. Not the ones that are
    // everyday variable names (`val`, `obj`, `cur`, `prev`, `doc`, `src`: every repository's
    // `src/` folder): they match everywhere and measured worse.
    (&["maximum"], &["max"]),
    (&["minimum"], &["min"]),
    (&["limit"], &["max"]),
    (&["size"], &["len", "length"]),
    (&["capacity"], &["cap"]),
    (&["index"], &["idx"]),
    (&["pointer"], &["ptr"]),
    (&["reference"], &["ref"]),
    (&["temporary"], &["tmp", "temp"]),
    (&["destination"], &["dst", "dest"]),
    (&["attribute"], &["attr"]),
    (&["allocate", "allocation"], &["alloc"]),
    (&["position"], &["pos"]),
    (&["information"], &["info"]),
    (&["specification"], &["spec"]),
    (&["iterator"], &["iter"]),
    (&["millisecond"], &["ms", "millis"]),
    (&["synchronous"], &["sync"]),
    (&["asynchronous"], &["async"]),
    (&["compare", "comparison"], &["cmp", "eq", "equal"]),
    (&["equal"], &["eq"]),
    // What is left over after division goes by the operator's name.
    (&["remainder", "modulo", "modulus"], &["mod", "rem"]),
    // Input that does not parse is invalid or corrupt in code, malformed in speech.
    (&["malformed"], &["invalid", "corrupt"]),
    (&["filesystem"], &["fs"]),
];

/// The stemmed synonym table: question stem → stems it also searches.
fn synonym_table() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<&'static str, Vec<&'static str>> = HashMap::default();
        for (words, others) in SYNONYMS {
            for w in *words {
                let found = table.entry(stem(w)).or_default();
                for o in *others {
                    let o = stem(o);
                    if !found.contains(&o) {
                        found.push(o);
                    }
                }
            }
        }
        table
    })
}

/// The stems a (stemmed) question word also searches.
pub fn synonyms(t: &str) -> &'static [&'static str] {
    synonym_table().get(t).map_or(&[], Vec::as_slice)
}

/// British and American spellings of a stemmed word, each way: `-ise` and `-ize`
/// ("initialised", `initialize`), `-iser`, `-isation`, `-yse` ("analyse"), `-our`
/// ("behaviour"), and the doubled `l` before an ending ("cancelled", `canceled`). A question
/// is written in its asker's spelling, code in its authors'.
pub fn spelling_variants(t: &str) -> impl Iterator<Item = String> + '_ {
    const PAIRS: &[(&str, &str)] = &[
        ("is", "iz"),
        ("iser", "izer"),
        ("isation", "ization"),
        ("ys", "yz"),
        ("our", "or"),
    ];
    let swap = move |from: &str, to: &str| {
        t.strip_suffix(from)
            .filter(|root| root.len() >= 3)
            .map(|root| format!("{root}{to}"))
    };
    // An `l` is not doubled the other way: `normall` is "normally", not "normal".
    PAIRS
        .iter()
        .flat_map(move |&(british, american)| {
            swap(british, american)
                .into_iter()
                .chain(swap(american, british))
        })
        .chain(swap("ll", "l"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each_token(s, |t| v.push(t.to_string()));
        v
    }

    #[test]
    fn function_words_and_negative_contractions_leave_no_word_behind() {
        let kept = |q: &str| -> Vec<String> {
            toks(q)
                .into_iter()
                .filter(|t| !is_question_stop(t) && t.len() > 1)
                .collect()
        };
        assert_eq!(
            kept("when the form isn't a known option"),
            ["form", "know", "option"]
        );
        assert_eq!(kept("the reader doesn't cope with it"), ["reader"]);
        assert_eq!(kept("tasks that were not run yet"), ["task", "run"]);
    }

    #[test]
    fn stopwords_whose_stem_differs_are_stopped_all_the_same() {
        // "none" stems to `non`: it met every `NonBlocking…` in a Java parser, and `None` in
        // every Python function; "true" met every boolean literal.
        assert_eq!(
            toks("if x is None: return True else: have false undefined"),
            Vec::<String>::new()
        );
        assert!(toks("NonBlockingParser").contains(&"non".to_string()));
        let kept = |q: &str| -> Vec<String> {
            toks(q)
                .into_iter()
                .filter(|t| !is_question_stop(t))
                .collect()
        };
        assert_eq!(
            kept("buffers created when none exist and these become true"),
            ["buffer", "creat", "exist", "becom"]
        );
    }

    #[test]
    fn phrases_name_what_code_calls_them() {
        let phrase = |a: &str, b: &str| phrase_synonyms(stem(a), stem(b));
        assert!(phrase("line", "breaks").contains(&stem("newline")));
        assert!(phrase("line", "endings").contains(&stem("eol")));
        assert!(phrase("leading", "spaces").contains(&stem("indent")));
        assert!(phrase("error", "handler").contains(&stem("catch")));
        assert!(phrase("line", "number").is_empty());
    }

    #[test]
    fn synonyms_meet_every_form_of_their_words() {
        assert!(synonyms(stem("directories")).contains(&"dir"));
        assert!(synonyms(stem("directory")).contains(&"dir"));
        assert!(synonyms("dir").contains(&stem("directory")));
        assert!(synonyms(stem("lengths")).contains(&"len"));
        assert!(synonyms("len").contains(&stem("size")));
        assert!(synonyms("nothing").is_empty());
        // Everyday words for what code abbreviates or names by its mechanism.
        assert!(synonyms(stem("environment")).contains(&"env"));
        assert!(synonyms(stem("compared")).contains(&"cmp"));
        assert!(synonyms(stem("periodically")).contains(&"poll"));
        assert!(synonyms(stem("metadata")).contains(&"stat"));
        assert!(synonyms(stem("reusable")).contains(&stem("recycle")));
    }

    #[test]
    fn every_synonym_is_a_term_some_word_stems_to() {
        let mut dead = Vec::new();
        for (words, others) in SYNONYMS {
            for w in words.iter().chain(others.iter()) {
                let mut terms = Vec::new();
                for_each_token(w, |t| terms.push(t.to_string()));
                if terms != [stem(w)] {
                    dead.push(*w);
                }
            }
        }
        assert!(dead.is_empty(), "never a term of a document: {dead:?}");
    }

    #[test]
    fn splits_camel_snake_and_keeps_whole() {
        assert_eq!(toks("AuthService"), vec!["auth", "servic", "authservic"]);
        assert_eq!(
            toks("spawn_blocking"),
            vec!["spawn", "block", "spawn_block"]
        );
        assert_eq!(toks("ETags"), toks("ETag"));
        assert_eq!(
            toks("parseHTTPResponse"),
            vec!["pars", "http", "respons", "parsehttprespons"]
        );
        assert_eq!(toks("the TCP listener's"), vec!["tcp", "listener"]);
    }

    #[test]
    fn quantifiers_are_not_terms_of_a_question() {
        // "many" stems to "man", which would match names it has nothing to do with.
        for w in ["many", "much", "very", "few", "several"] {
            assert!(is_question_stop(stem(w)), "{w}");
        }
        assert!(!is_question_stop(stem("connections")));
    }

    #[test]
    fn british_spellings_meet_american_ones_both_ways() {
        let variants = |w: &str| -> Vec<String> { spelling_variants(stem(w)).collect() };
        assert_eq!(variants("initialised"), ["initializ"]);
        assert_eq!(variants("normalization"), ["normalisation"]);
        assert_eq!(variants("tokeniser"), ["tokenizer"]);
        assert_eq!(variants("behaviour"), ["behavior"]);
        assert_eq!(variants("analyse"), ["analyz"]);
        assert_eq!(variants("cancelled"), ["cancel"]);
        // A doubled `l` is an adverb's as often (`normall`, "normally"): none is added.
        assert!(variants("normal").is_empty());
        assert!(variants("four").is_empty());
    }

    #[test]
    fn stems_inflections_together() {
        assert_eq!(stem("handled"), stem("handle"));
        assert_eq!(stem("handling"), stem("handles"));
        assert_eq!(stem("matches"), stem("matching"));
        assert_eq!(stem("entries"), stem("entry"));
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("class"), "class");
    }

    #[test]
    fn irregular_past_forms_meet_their_verb() {
        assert_eq!(stem("written"), stem("write"));
        assert_eq!(stem("wrote"), stem("writes"));
        assert_eq!(stem("sent"), stem("sending"));
        assert_eq!(stem("built"), stem("build"));
        assert_eq!(stem("chosen"), stem("choose"));
        // Nouns that look like past forms stay themselves.
        assert_eq!(stem("bound"), "bound");
    }
}
