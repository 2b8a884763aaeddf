//! Ranking: question → weighted terms (stopwords, stemming, synonyms, prefix expansion) →
//! BM25F over symbol documents (path, name, doc, signature, body) and file documents →
//! priors (auxiliary files, kinds, exact names, graph) → files ranked by their symbols.

use rustc_hash::FxHashMap as HashMap;

use super::Index;
use super::parse::{Kind, NF, NONE};
use super::tokens;
use super::walk;
use crate::model::Selection;

const K1: f32 = 1.2;
/// Field weights and length normalisation: name, doc, signature, body.
const W_SYM: [f32; NF] = [3.0, 1.0, 1.5, 1.0];
const B_SYM: [f32; NF] = [0.5, 0.75, 0.5, 0.5];
const W_FILE: [f32; NF] = [3.0, 1.5, 1.0, 1.0];
const B_FILE: [f32; NF] = [0.3, 0.75, 0.5, 0.75];
const W_PATH: f32 = 3.0;
/// Share of a symbol's score passed to the functions it calls.
const CALLEE_SHARE: f32 = 0.3;
const CONTAINER_FACTOR: f32 = 1.0;
const B_PATH: f32 = 0.3;
/// Documents that match only some of the question's words keep this share of their score, the
/// rest grows with the (idf-weighted) share of words they match.
const COV_FLOOR: f32 = 0.6;
const COV_POW: f32 = 1.0;

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
}

#[derive(Debug, Clone)]
pub struct RankedSym {
    pub sym: u32,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub struct RankedFile {
    pub file: u32,
    pub score: f32,
    /// Best first.
    pub syms: Vec<RankedSym>,
}

pub fn parse_question(idx: &Index, question: &str) -> Query {
    let mut weights: HashMap<u32, (f32, u64)> = HashMap::default();
    let mut code_names = Vec::new();
    let mut words = Vec::new();
    // Code-like words: contain `_`, `::`, `.`, `!`, inner capitals, or are backticked.
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
    let add = |t: &str, w: f32, c: u64, weights: &mut HashMap<u32, (f32, u64)>| {
        if let Some(id) = idx.d.term_ids.get(&idx.p.vocab, t) {
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
        add(t, 1.0, bit(i), &mut weights);
        words.push(t.clone());
        for s in tokens::synonyms(t) {
            add(s, 0.4, bit(i), &mut weights);
        }
    }
    let concept_of = |w: &str| {
        let st = tokens::stem(w);
        base.iter().position(|b| b == st).map_or(0, bit)
    };
    // Adjacent words may be one identifier in the code: "final handler" → `finalhandler`.
    let raw_words: Vec<String> = question
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    for pair in raw_words.windows(2) {
        let joined = format!("{}{}", pair[0], pair[1]);
        if tokens::is_question_stop(tokens::stem(&pair[0]))
            || tokens::is_question_stop(tokens::stem(&pair[1]))
        {
            continue;
        }
        let c = concept_of(&pair[0]) | concept_of(&pair[1]);
        add(&joined, 0.8, c, &mut weights);
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
        for (id, v) in idx.p.vocab.iter().enumerate() {
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
    let q = question.to_ascii_lowercase();
    let has = |ws: &[&str]| {
        ws.iter().any(|w| {
            q.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|x| x == *w)
        })
    };
    let mut wants_aux = [true; 5];
    wants_aux[walk::AUX_TEST as usize] = has(&[
        "test", "tests", "testing", "spec", "specs", "fixture", "fixtures",
    ]);
    wants_aux[walk::AUX_EXAMPLE as usize] = has(&["example", "examples", "sample", "demo"]);
    wants_aux[walk::AUX_DOCS as usize] = has(&["doc", "docs", "documentation", "tutorial"]);
    wants_aux[walk::AUX_BENCH as usize] = has(&["bench", "benchmark", "benchmarks", "performance"]);
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
    }
}

fn idf(df: u32, n: u32) -> f32 {
    let (df, n) = (df as f32, n as f32);
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
}

pub fn rank(idx: &Index, question: &str, selection: Option<&Selection>) -> Vec<RankedFile> {
    let mut q = parse_question(idx, question);
    let sel_file = selection.and_then(|s| idx.d.path_ids.get(&s.rel_path).copied());
    if let Some(sel) = selection {
        // The selection widens the question a little with its own identifiers.
        let mut extra: HashMap<String, u32> = HashMap::default();
        tokens::for_each_token(&sel.text, |t| *extra.entry(t.to_string()).or_default() += 1);
        let mut extra: Vec<(String, u32)> = extra.into_iter().collect();
        extra.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (t, _) in extra.into_iter().take(24) {
            if let Some(id) = idx.d.term_ids.get(&idx.p.vocab, &t)
                && !q.terms.iter().any(|x| x.id == id)
            {
                q.terms.push(QTerm {
                    id,
                    w: 0.3,
                    concepts: 0,
                });
            }
        }
    }
    if q.terms.is_empty() {
        return Vec::new();
    }
    let nq = q.terms.len();
    // Question slot of every vocabulary term (`NO_SLOT` if not asked): ranking looks up every
    // term of every document, and an array index is several times cheaper than a hash lookup.
    const NO_SLOT: u16 = u16::MAX;
    let mut slots = vec![NO_SLOT; idx.p.vocab.len()];
    for (i, t) in q.terms.iter().enumerate() {
        if let Some(s) = slots.get_mut(t.id as usize) {
            *s = i as u16;
        }
    }
    let slot = |t: &u32| {
        slots
            .get(*t as usize)
            .copied()
            .filter(|s| *s != NO_SLOT)
            .map(usize::from)
    };
    let idf_sym: Vec<f32> = q
        .terms
        .iter()
        .map(|t| t.w * idf(idx.d.df_sym[t.id as usize], idx.d.n_sym))
        .collect();
    let idf_file: Vec<f32> = q
        .terms
        .iter()
        .map(|t| t.w * idf(idx.d.df_file[t.id as usize], idx.d.n_file))
        .collect();

    // Each question word weighs as much as its most specific term; a document's coverage is the
    // share of that weight whose words it matches.
    let mut concept_w = [0f32; 64];
    for t in &q.terms {
        let v = idf(idx.d.df_sym[t.id as usize], idx.d.n_sym);
        let mut c = t.concepts;
        while c != 0 {
            let i = c.trailing_zeros() as usize;
            concept_w[i] = concept_w[i].max(v);
            c &= c - 1;
        }
    }
    let concept_total: f32 = concept_w.iter().sum();
    let coverage = |covered: u64| -> f32 {
        if concept_total <= 0.0 {
            return 1.0;
        }
        let mut got = 0.0;
        let mut c = covered;
        while c != 0 {
            got += concept_w[c.trailing_zeros() as usize];
            c &= c - 1;
        }
        let cov = got / concept_total;
        COV_FLOOR + (1.0 - COV_FLOOR) * cov.powf(COV_POW)
    };
    let term_concepts: Vec<u64> = q.terms.iter().map(|t| t.concepts).collect();

    // Symbols whose (qualified) name equals a code-style name of the question.
    let code_lower: Vec<String> = q
        .code_names
        .iter()
        .map(|c| {
            c.to_ascii_lowercase()
                .replace("::", ".")
                .replace(".prototype.", ".")
        })
        .collect();
    let code_last: Vec<String> = code_lower
        .iter()
        .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
        .collect();

    // Selected symbols and their neighbours get a boost.
    let mut sel_syms: Vec<(u32, u32)> = Vec::new();
    if let (Some(sel), Some(fid)) = (selection, sel_file)
        && let Some(f) = idx.file(fid)
    {
        for (si, s) in f.symbols.iter().enumerate() {
            if s.start <= sel.end_line && s.end >= sel.start_line {
                sel_syms.push((fid, si as u32));
            }
        }
    }
    let mut neighbour: HashMap<(u32, u32), f32> = HashMap::default();
    if !sel_syms.is_empty() {
        for (fid, f) in idx.files() {
            for e in &f.edges {
                if sel_syms.contains(&(e.file, e.sym)) && e.from != NONE {
                    neighbour.insert((fid, e.from), 1.3);
                }
                if e.from != NONE && sel_syms.contains(&(fid, e.from)) {
                    neighbour.insert((e.file, e.sym), 1.5);
                }
            }
        }
    }

    let mut acc = vec![0f32; nq];
    let mut files: Vec<RankedFile> = Vec::new();
    let mut pending: Vec<(u32, Vec<RankedSym>, f32)> = Vec::new();
    for (fid, f) in idx.files() {
        // Path contribution shared by all documents of the file.
        let mut path_tf = vec![0f32; nq];
        let pnorm = 1.0 - B_PATH + B_PATH * f32::from(f.path_len) / idx.d.avg_path;
        let mut any_path = false;
        for (t, n) in &f.path_terms {
            if let Some(s) = slot(t) {
                path_tf[s] = W_PATH * f32::from(*n) / pnorm;
                any_path = true;
            }
        }
        let aux_factor = if f.aux != 0 && !q.wants_aux[f.aux as usize] {
            0.3
        } else {
            1.0
        };
        let nd = f.docs.len();
        let mut has_child = vec![false; f.symbols.len()];
        for s in &f.symbols {
            if let Some(h) = has_child.get_mut(s.parent as usize) {
                *h = true;
            }
        }
        let mut syms: Vec<RankedSym> = Vec::new();
        let mut file_doc_score = 0.0;
        for (di, d) in f.docs.iter().enumerate() {
            let is_file = di + 1 == nd;
            let (w, b, avg) = if is_file {
                (&W_FILE, &B_FILE, &idx.d.avg_file)
            } else {
                (&W_SYM, &B_SYM, &idx.d.avg_sym)
            };
            let mut norm = [0f32; NF];
            for k in 0..NF {
                norm[k] = 1.0 - b[k] + b[k] * f32::from(d.lens[k]) / avg[k];
            }
            acc.copy_from_slice(&path_tf);
            let mut hit = any_path;
            for (t, tfs) in d.terms.iter().zip(d.tfs) {
                if let Some(s) = slot(t) {
                    hit = true;
                    let mut v = 0.0;
                    for k in 0..NF {
                        if tfs[k] > 0 {
                            v += w[k] * f32::from(tfs[k]) / norm[k];
                        }
                    }
                    acc[s] += v;
                }
            }
            if !hit {
                continue;
            }
            let idfs = if is_file { &idf_file } else { &idf_sym };
            let mut score = 0.0;
            let mut covered = 0u64;
            for s in 0..nq {
                if acc[s] > 0.0 {
                    score += idfs[s] * acc[s] / (K1 + acc[s]);
                    covered |= term_concepts[s];
                }
            }
            score *= coverage(covered);
            if is_file {
                file_doc_score = score;
                continue;
            }
            let sym = &f.symbols[di];
            let mut m = aux_factor;
            m *= match sym.kind {
                Kind::Constant => 0.8,
                Kind::Module => 0.5,
                _ => 1.0,
            };
            // A container's members are usually the better answer; they are scored on their own.
            if has_child[di] {
                m *= CONTAINER_FACTOR;
            }
            // Tiny definitions (one-liners) say little; whole classes say too much.
            let span = sym.end - sym.start + 1;
            if span <= 2 {
                m *= 0.7;
            }
            m *= 1.0 + 0.06 * (span.min(200) as f32).ln();
            // Unit tests inline in source files (`mod tests`) are tests too.
            if f.aux == 0 && !q.wants_aux[walk::AUX_TEST as usize] && is_test_qual(sym.qual()) {
                m *= 0.3;
            }
            let qual = sym
                .qual()
                .to_ascii_lowercase()
                .replace("::", ".")
                .replace(".prototype.", ".");
            let name = sym
                .name()
                .to_ascii_lowercase()
                .trim_end_matches('!')
                .to_string();
            let name_last = name.rsplit('.').next().unwrap_or(&name).to_string();
            // A name the question spells out: strong when it is specific, weak when many
            // definitions share it.
            let ambiguity = idx
                .d
                .name_count
                .get(name_last.as_str())
                .copied()
                .unwrap_or(1)
                .max(1) as f32;
            if code_lower
                .iter()
                .any(|c| *c == qual || qual.ends_with(&format!(".{c}")))
            {
                m *= 1.0 + 1.5 / ambiguity.sqrt();
            } else if code_last.contains(&name_last) {
                m *= 1.0 + 0.8 / ambiguity.sqrt();
            } else if q
                .words
                .iter()
                .any(|w| *w == name_last || tokens::stem(&name_last) == w.as_str())
            {
                m *= 1.0 + 0.25 / ambiguity.sqrt();
            }
            if let Some(v) = neighbour.get(&(fid, di as u32)) {
                m *= v;
            }
            if sel_file == Some(fid) {
                m *= 1.2;
            }
            // Graph prior: definitions referenced from many places matter more.
            let indeg = idx
                .d
                .indeg
                .get(fid as usize)
                .and_then(|v| v.get(di))
                .copied()
                .unwrap_or(0);
            m *= 1.0 + 0.05 * (1.0 + f32::from(indeg)).ln();
            syms.push(RankedSym {
                sym: di as u32,
                score: score * m,
            });
        }
        if syms.is_empty() && file_doc_score <= 0.0 {
            continue;
        }
        pending.push((fid, syms, file_doc_score * aux_factor));
    }
    // Callees of the best matches share their score: the public entry point that a question
    // names often delegates the actual work to an internal function.
    let mut top: Vec<(f32, u32, u32)> = pending
        .iter()
        .flat_map(|(fid, syms, _)| syms.iter().map(|s| (s.score, *fid, s.sym)))
        .collect();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    top.truncate(30);
    let mut boost: HashMap<(u32, u32), f32> = HashMap::default();
    for (score, fid, sym) in &top {
        let Some(f) = idx.file(*fid) else { continue };
        for e in f
            .edges
            .iter()
            .filter(|e| e.from == *sym && e.kind == super::parse::RefKind::Call)
        {
            if (e.file, e.sym) == (*fid, *sym) {
                continue;
            }
            let b = boost.entry((e.file, e.sym)).or_insert(0.0);
            *b = b.max(CALLEE_SHARE * score);
        }
    }
    for (fid, mut syms, file_doc_score) in pending {
        for s in &mut syms {
            if let Some(b) = boost.get(&(fid, s.sym)) {
                s.score += b;
            }
        }
        syms.sort_by(|a, b| b.score.total_cmp(&a.score));
        let best = syms.first().map_or(0.0, |s| s.score);
        let rest: f32 = syms.iter().skip(1).take(2).map(|s| s.score).sum();
        let rank_prior = 1.0
            + 0.05
                * idx
                    .d
                    .file_rank
                    .get(fid as usize)
                    .copied()
                    .unwrap_or(1.0)
                    .max(0.01)
                    .ln()
                    .max(-2.0);
        let score = (best + 0.2 * rest + 0.35 * file_doc_score) * rank_prior;
        syms.truncate(6);
        files.push(RankedFile {
            file: fid,
            score,
            syms,
        });
    }
    files.sort_by(|a, b| b.score.total_cmp(&a.score));
    files.truncate(20);
    if tracing::enabled!(tracing::Level::DEBUG) {
        let words: Vec<(String, f32)> = q
            .terms
            .iter()
            .map(|t| (idx.p.vocab[t.id as usize].clone(), t.w))
            .collect();
        tracing::debug!(?words, "query terms");
        for rf in files.iter().take(6) {
            let Some(f) = idx.file(rf.file) else { continue };
            let syms: Vec<String> = rf
                .syms
                .iter()
                .map(|s| format!("{}={:.2}", f.symbols[s.sym as usize].qual(), s.score))
                .collect();
            tracing::debug!(file = %f.rel, score = rf.score, ?syms, "ranked");
        }
    }
    files
}

fn is_test_qual(qual: &str) -> bool {
    qual.split([':', '.']).any(|p| p == "tests" || p == "test")
}
