//! The question engine: chat-style text to a [`Query`], deterministically.
//!
//! No model, no randomness: the same text always means the same query, so the CLI and every
//! bot agree. The parser normalises the words people use for each question (with typo
//! tolerance on those keywords: `owsn` is `owns`, `dependes` is `depends`), decides the intent
//! from which keywords appear and in what order ("what depends on X" versus "what does X depend
//! on"), and takes the remaining words as the name, which the query API then resolves exactly,
//! by variant or fuzzily ([`backline_index::query`]).
//!
//! [`parse_question`] is pure (no store), so every phrasing is unit-tested here; answering lives
//! in [`Index::ask`](backline_index::Index::ask) (feature `index`).

use crate::model::{AboutMe, Filter, FilterField, Help, HelpExample, Query};

/// The longest question answered, in characters. Chat questions are a sentence; the cap keeps a
/// pasted log or a crafted megabyte from reaching typo matching and search, whose cost grows with
/// the length of each word.
pub const MAX_QUESTION_CHARS: usize = 1000;
/// The longest word of a question, in characters: a `label:key=value` filter (a 253-character
/// prefix, a 63-character name and a 63-character value) is the longest thing worth typing.
pub const MAX_WORD_CHARS: usize = 400;

/// Why a question is refused before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLong {
    /// The whole question has `chars` characters, over [`MAX_QUESTION_CHARS`].
    Question { chars: usize },
    /// One word has `chars` characters, over [`MAX_WORD_CHARS`].
    Word { chars: usize },
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TooLong::Question { chars } => write!(
                f,
                "That question is {chars} characters long; Backline answers questions of at most {MAX_QUESTION_CHARS} characters."
            ),
            TooLong::Word { chars } => write!(
                f,
                "That question has a word of {chars} characters; no name or filter is longer than {MAX_WORD_CHARS}."
            ),
        }
    }
}

impl std::error::Error for TooLong {}

/// Refuses text too long to be a question (or a name given to a query directly), before any
/// work proportional to its words is done. Linear in the text, and stops counting early.
pub fn check_length(text: &str) -> Result<(), TooLong> {
    if text.len() > MAX_QUESTION_CHARS {
        let chars = text.chars().count();
        if chars > MAX_QUESTION_CHARS {
            return Err(TooLong::Question { chars });
        }
    }
    match text.split_whitespace().map(|w| w.chars().count()).max() {
        Some(chars) if chars > MAX_WORD_CHARS => Err(TooLong::Word { chars }),
        _ => Ok(()),
    }
}

/// Default depth of "what breaks if X goes down".
pub const IMPACT_DEPTH: u32 = 10;
/// Default depth of impact in chat: at 3 a.m. the direct and second-hand dependents, with their
/// teams and who is on call for them, fit on a screen; the answer offers a button for the rest.
/// (The whole blast radius of a core database is hundreds of entities.)
pub const CHAT_IMPACT_DEPTH: u32 = 2;
/// Default number of search results.
pub const SEARCH_LIMIT: u32 = 10;

/// What a question means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Query(Query),
    /// Not understood (with the reason) or help asked for (`None`).
    Help(Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    Own,
    /// "owned" (in "owned by").
    Owned,
    Depend,
    /// "dependencies", "deps", "needs".
    Dependencies,
    /// "dependents", "consumers".
    Dependents,
    Break,
    Reach,
    Members,
    Search,
    Find,
    Health,
    Help,
    Describe,
    /// "migration", "migrate".
    Migrate,
}

const VOCABULARY: &[(&str, Kw)] = &[
    ("own", Kw::Own),
    ("owns", Kw::Own),
    ("owner", Kw::Own),
    ("owners", Kw::Own),
    ("ownership", Kw::Own),
    ("whose", Kw::Own),
    ("responsible", Kw::Own),
    ("maintains", Kw::Own),
    ("maintainer", Kw::Own),
    ("maintainers", Kw::Own),
    ("owned", Kw::Owned),
    ("depend", Kw::Depend),
    ("depends", Kw::Depend),
    ("use", Kw::Depend),
    ("uses", Kw::Depend),
    ("consume", Kw::Depend),
    ("consumes", Kw::Depend),
    ("dependencies", Kw::Dependencies),
    ("dependency", Kw::Dependencies),
    ("deps", Kw::Dependencies),
    ("needs", Kw::Dependencies),
    ("need", Kw::Dependencies),
    ("requires", Kw::Dependencies),
    ("dependents", Kw::Dependents),
    ("dependent", Kw::Dependents),
    ("consumers", Kw::Dependents),
    ("users", Kw::Dependents),
    ("break", Kw::Break),
    ("breaks", Kw::Break),
    ("fail", Kw::Break),
    ("fails", Kw::Break),
    ("down", Kw::Break),
    ("outage", Kw::Break),
    ("impact", Kw::Break),
    ("impacted", Kw::Break),
    ("affected", Kw::Break),
    ("affects", Kw::Break),
    ("blast", Kw::Break),
    ("dies", Kw::Break),
    ("reach", Kw::Reach),
    ("contact", Kw::Reach),
    ("contacts", Kw::Reach),
    ("ping", Kw::Reach),
    ("page", Kw::Reach),
    ("call", Kw::Reach),
    ("oncall", Kw::Reach),
    ("on-call", Kw::Reach),
    ("talk", Kw::Reach),
    ("email", Kw::Reach),
    ("notify", Kw::Reach),
    ("members", Kw::Members),
    ("member", Kw::Members),
    ("search", Kw::Search),
    ("lookup", Kw::Search),
    ("grep", Kw::Search),
    ("find", Kw::Find),
    ("list", Kw::Find),
    ("which", Kw::Find),
    ("health", Kw::Health),
    ("healthy", Kw::Health),
    ("problems", Kw::Health),
    ("issues", Kw::Health),
    ("broken", Kw::Health),
    ("lint", Kw::Health),
    ("help", Kw::Help),
    ("commands", Kw::Help),
    ("usage", Kw::Help),
    ("describe", Kw::Describe),
    ("info", Kw::Describe),
    ("about", Kw::Describe),
    ("details", Kw::Describe),
    ("migration", Kw::Migrate),
    ("migrations", Kw::Migrate),
    ("migrate", Kw::Migrate),
    ("migrated", Kw::Migrate),
    ("migrating", Kw::Migrate),
];

/// Words around a migration question that name neither the migration nor the team.
const MIGRATION_WORDS: &[&str] = &["have", "has", "left", "progress", "doing", "status", "team's", "need", "needs"];

/// Words that carry no name: removed when taking the name out of a question.
const STOPWORDS: &[&str] = &[
    "who",
    "whom",
    "what",
    "whats",
    "which",
    "is",
    "are",
    "was",
    "were",
    "be",
    "the",
    "a",
    "an",
    "of",
    "for",
    "on",
    "in",
    "to",
    "do",
    "does",
    "did",
    "i",
    "we",
    "me",
    "my",
    "our",
    "us",
    "can",
    "could",
    "should",
    "how",
    "if",
    "goes",
    "go",
    "going",
    "gone",
    "when",
    "please",
    "tell",
    "show",
    "by",
    "with",
    "there",
    "that",
    "this",
    "it",
    "its",
    "at",
    "and",
    "or",
    "would",
    "will",
    "radius",
    "someone",
    "somebody",
    "anyone",
    "from",
    "get",
    "give",
    "all",
    "everything",
    "things",
    "stuff",
    "else",
    "currently",
    "still",
    "now",
    "backline",
    "hey",
    "hi",
    "hello",
    "about",
    "whom",
];

const FILTER_KEYS: &[(&str, FilterField)] = &[
    ("kind", FilterField::Kind),
    ("type", FilterField::Type),
    ("lifecycle", FilterField::Lifecycle),
    ("tag", FilterField::Tag),
    ("tags", FilterField::Tag),
    ("owner", FilterField::Owner),
    ("system", FilterField::System),
    ("domain", FilterField::Domain),
    ("namespace", FilterField::Namespace),
    ("ns", FilterField::Namespace),
    ("label", FilterField::Label),
    ("annotation", FilterField::Annotation),
];

const LIFECYCLES: &[&str] = &["production", "experimental", "deprecated"];
const KIND_WORDS: &[(&str, &str)] = &[
    ("components", "component"),
    ("apis", "api"),
    ("resources", "resource"),
    ("systems", "system"),
    ("domains", "domain"),
    ("groups", "group"),
    ("teams", "group"),
    ("people", "user"),
    ("templates", "template"),
    ("locations", "location"),
];
const TYPE_WORDS: &[(&str, &str)] = &[
    ("services", "service"),
    ("websites", "website"),
    ("libraries", "library"),
    ("databases", "database"),
    ("pipelines", "data-pipeline"),
];

/// A token: the text as written (trimmed of punctuation) and its keyword, if it is one.
#[derive(Debug, Clone)]
struct Tok {
    text: String,
    lc: String,
    kw: Option<Kw>,
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphabetic() || c == '-') && !s.contains("--")
}

/// The keyword a word means, allowing small typos in longer words.
fn keyword(lc: &str) -> Option<Kw> {
    if let Some((_, k)) = VOCABULARY.iter().find(|(w, _)| *w == lc) {
        return Some(*k);
    }
    // Hyphenated words are names (`orders-db`), except "on-call".
    if !is_word(lc) || lc.contains('-') {
        return None;
    }
    let n = lc.chars().count();
    let max = match n {
        0..=3 => return None,
        // Short words: only swapped letters (`owsn`), never a different letter (`mail` is not `fail`).
        4 => {
            let mut sorted: Vec<char> = lc.chars().collect();
            sorted.sort_unstable();
            return VOCABULARY
                .iter()
                .filter(|(w, _)| w.len() == 4 && strsim::damerau_levenshtein(lc, w) == 1)
                .find(|(w, _)| {
                    let mut s: Vec<char> = w.chars().collect();
                    s.sort_unstable();
                    s == sorted
                })
                .map(|(_, k)| *k);
        }
        5..=7 => 1,
        _ => 2,
    };
    VOCABULARY
        .iter()
        .filter(|(w, _)| w.len() >= 4 && !w.contains('-'))
        .map(|(w, k)| (strsim::damerau_levenshtein(lc, w), *k))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn tokenize(question: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for raw in question.split_whitespace() {
        // Chat mentions (`<@U123>`, `@backline`) are not part of the question.
        if (raw.starts_with("<@") && raw.ends_with('>')) || raw.starts_with('@') {
            continue;
        }
        let mut t = raw.trim_matches(|c: char| matches!(c, '?' | '!' | ',' | ';' | '"' | '`' | '(' | ')' | '“' | '”'));
        t = t.trim_end_matches('.');
        t = t.trim_matches('\'');
        let t = t.strip_suffix("'s").or_else(|| t.strip_suffix("’s")).unwrap_or(t);
        if t.is_empty() {
            continue;
        }
        let lc = t.to_lowercase();
        let lc = match lc.as_str() {
            "what's" | "whats" | "what’s" => "what".to_owned(),
            "who's" | "whos" | "who’s" => "who".to_owned(),
            "where's" => "where".to_owned(),
            _ => lc,
        };
        let kw = keyword(&lc);
        out.push(Tok { text: t.to_owned(), lc, kw });
    }
    // "on call" is one word.
    let mut merged: Vec<Tok> = Vec::with_capacity(out.len());
    for t in out {
        if t.lc == "call"
            && let Some(prev) = merged.last_mut()
            && prev.lc == "on"
        {
            *prev = Tok { text: "on-call".into(), lc: "on-call".into(), kw: Some(Kw::Reach) };
            continue;
        }
        merged.push(t);
    }
    merged
}

/// Takes `depth N`, `--depth N`, `depth=N`, `N levels` out of the tokens.
fn take_depth(toks: &mut Vec<Tok>) -> Option<u32> {
    for i in 0..toks.len() {
        let lc = toks[i].lc.trim_start_matches('-').to_owned();
        if let Some(v) = lc.strip_prefix("depth=").or_else(|| lc.strip_prefix("depth:"))
            && let Ok(n) = v.parse()
        {
            toks.remove(i);
            return Some(n);
        }
        if lc == "depth"
            && let Some(n) = toks.get(i + 1).and_then(|t| t.lc.parse().ok())
        {
            toks.drain(i..i + 2);
            return Some(n);
        }
        if let Ok(n) = lc.parse::<u32>()
            && toks.get(i + 1).is_some_and(|t| matches!(t.lc.as_str(), "levels" | "level" | "hops" | "deep"))
        {
            toks.drain(i..i + 2);
            return Some(n);
        }
    }
    None
}

/// Parses one `field:value` filter (`label:key=value`, `annotation:key`); `None` if `tok` is not
/// a filter.
pub fn parse_filter(tok: &str) -> Option<Filter> {
    filter_of(tok)
}

fn filter_of(tok: &str) -> Option<Filter> {
    let (key, value) = tok.split_once(':')?;
    let field = FILTER_KEYS.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1;
    if value.is_empty() {
        return None;
    }
    Some(match field {
        FilterField::Label | FilterField::Annotation => match value.split_once('=') {
            Some((k, v)) => Filter { field, key: Some(k.to_owned()), value: Some(v.to_owned()) },
            None => Filter { field, key: Some(value.to_owned()), value: None },
        },
        _ => Filter { field, key: None, value: Some(value.to_owned()) },
    })
}

/// The name left in `toks` once keywords and stopwords are removed.
fn name_of(toks: &[Tok]) -> String {
    toks.iter()
        .filter(|t| t.kw.is_none() && !STOPWORDS.contains(&t.lc.as_str()))
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn has(toks: &[Tok], kw: Kw) -> Option<usize> {
    toks.iter().position(|t| t.kw == Some(kw))
}

/// Understands a question as a chat platform asks it: like [`parse_question`], except that impact
/// without a depth given is [`CHAT_IMPACT_DEPTH`] deep.
pub fn parse_chat_question(question: &str) -> Parsed {
    match parse_question(question) {
        Parsed::Query(Query::Dependents { name, depth }) if depth == IMPACT_DEPTH && !gives_depth(question) => {
            Parsed::Query(Query::Dependents { name, depth: CHAT_IMPACT_DEPTH })
        }
        other => other,
    }
}

/// Whether the question says how deep to go ("depth 3", "2 levels").
fn gives_depth(question: &str) -> bool {
    take_depth(&mut tokenize(question)).is_some()
}

/// The question that asks for the whole blast radius of `name` (what chat's "more" button sends).
pub fn whole_impact_question(name: &str) -> String {
    format!("what breaks if {name} goes down depth {IMPACT_DEPTH}")
}

/// Understands a question. Pure: no store needed.
pub fn parse_question(question: &str) -> Parsed {
    if let Err(too_long) = check_length(question) {
        return Parsed::Help(Some(too_long.to_string()));
    }
    let mut toks = tokenize(question);
    let depth = take_depth(&mut toks);
    if toks.is_empty() {
        return Parsed::Help(if question.trim().is_empty() { None } else { Some(not_understood(question)) });
    }
    let first = toks[0].kw;
    let only_stopwords_besides = |skip: usize| {
        toks.iter().enumerate().all(|(i, t)| i == skip || t.kw.is_some() || STOPWORDS.contains(&t.lc.as_str()))
    };

    // help
    if let Some(i) = has(&toks, Kw::Help)
        && only_stopwords_besides(i)
    {
        return Parsed::Help(None);
    }
    if matches!(toks[0].lc.as_str(), "?" | "commands") || question.trim().eq_ignore_ascii_case("what can you do") {
        return Parsed::Help(None);
    }

    // migrations: "how is the python3 migration going", "what does team-payments still have to
    // migrate", "migration python3 team-payments"
    if let Some(i) = has(&toks, Kw::Migrate) {
        return Parsed::Query(migration_query(&toks, i));
    }

    // about the asker: "what do I own", "am I on call"
    if let Some(about) = about_me(&toks) {
        return Parsed::Query(Query::Mine { about, asker: None });
    }

    // find with filters
    let filters: Vec<Filter> = toks.iter().filter_map(|t| filter_of(&t.text)).collect();
    if !filters.is_empty() {
        let non_filter: Vec<&Tok> = toks.iter().filter(|t| filter_of(&t.text).is_none()).collect();
        let leading_find = matches!(first, Some(Kw::Find | Kw::Search)) || matches!(toks[0].lc.as_str(), "show");
        if leading_find || non_filter.is_empty() {
            return Parsed::Query(Query::Find { filters });
        }
    }

    // scorecard: "scorecard [name] [team]", "how is team-payments doing"
    if let Some(q) = scorecard_question(&toks) {
        return Parsed::Query(q);
    }

    // health
    if has(&toks, Kw::Health).is_some()
        && name_of(&toks)
            .split_whitespace()
            .all(|w| matches!(w.to_lowercase().as_str(), "catalog" | "check" | "report"))
    {
        return Parsed::Query(Query::Health);
    }

    // natural-language find: "which production services are still tagged python2"
    if (matches!(first, Some(Kw::Find)) || toks[0].lc == "show")
        && let Some(filters) = natural_filters(&toks[1..])
    {
        return Parsed::Query(Query::Find { filters });
    }

    // search
    if matches!(first, Some(Kw::Search | Kw::Find))
        || (toks[0].lc == "look" && toks.get(1).is_some_and(|t| t.lc == "for"))
    {
        let skip = if toks[0].lc == "look" { 2 } else { 1 };
        let rest: Vec<&str> = toks[skip..].iter().filter(|t| t.lc != "for").map(|t| t.text.as_str()).collect();
        let text = rest.join(" ");
        if text.is_empty() {
            return Parsed::Help(Some("Search for what? Try \"search fraud\".".to_owned()));
        }
        return Parsed::Query(Query::Search { text, limit: SEARCH_LIMIT });
    }

    let name = name_of(&toks);
    let need_name = |q: Query| {
        if name.is_empty() {
            Parsed::Help(Some(format!(
                "Which entity? I understood the question but not the name in \"{}\".",
                question.trim()
            )))
        } else {
            Parsed::Query(q)
        }
    };

    // impact: "what breaks if X goes down"
    if has(&toks, Kw::Break).is_some() {
        return need_name(Query::Dependents { name: name.clone(), depth: depth.unwrap_or(IMPACT_DEPTH) });
    }

    // dependencies / dependents
    if has(&toks, Kw::Dependents).is_some() {
        return need_name(Query::Dependents { name: name.clone(), depth: depth.unwrap_or(1) });
    }
    if has(&toks, Kw::Dependencies).is_some() {
        return need_name(Query::Dependencies { name: name.clone(), depth: depth.unwrap_or(1) });
    }
    if let Some(i) = has(&toks, Kw::Depend) {
        // The name before the verb is its subject: "what does X depend on", "X depends on".
        let before = name_of(&toks[..i]);
        let q = if before.is_empty() {
            Query::Dependents { name: name.clone(), depth: depth.unwrap_or(1) }
        } else {
            Query::Dependencies { name: name.clone(), depth: depth.unwrap_or(1) }
        };
        return need_name(q);
    }

    // contact
    if has(&toks, Kw::Reach).is_some() {
        return need_name(Query::Contact { name: name.clone() });
    }

    // team: "what does X own", "what is owned by X", "members of X", "who is in X"
    if let Some(i) = has(&toks, Kw::Owned)
        && toks.get(i + 1).is_some_and(|t| t.lc == "by")
    {
        return need_name(Query::Team { name: name.clone() });
    }
    if let Some(i) = has(&toks, Kw::Own) {
        let asks_what =
            toks[..i].iter().any(|t| matches!(t.lc.as_str(), "what" | "which")) || matches!(first, Some(Kw::Find));
        let subject_before = !name_of(&toks[..i]).is_empty();
        if asks_what && subject_before && matches!(toks[i].lc.as_str(), "own" | "owns") {
            return need_name(Query::Team { name: name.clone() });
        }
        return need_name(Query::Owner { name: name.clone() });
    }
    if has(&toks, Kw::Members).is_some()
        || (toks.len() >= 2 && toks[0].lc == "who" && toks.iter().any(|t| t.lc == "in"))
        || (toks[0].lc == "team" && toks.len() == 2)
    {
        let name = if toks[0].lc == "team" && toks.len() == 2 { format!("team {}", toks[1].text) } else { name };
        if name.is_empty() {
            return Parsed::Help(Some(not_understood(question)));
        }
        return Parsed::Query(Query::Team { name });
    }

    // describe: "what is X", "describe X", or just a name
    if name.is_empty() {
        return Parsed::Help(Some(not_understood(question)));
    }
    let words = name.split_whitespace().count();
    if has(&toks, Kw::Describe).is_some() || toks[0].lc == "what" || toks[0].lc == "show" || words <= 2 {
        return Parsed::Query(Query::Describe { name });
    }
    Parsed::Help(Some(not_understood(question)))
}

/// The migration question around the keyword at `i`: the verb ("still have to migrate") asks
/// about a team; the noun takes the word before it ("the python3 migration") or the words after
/// it ("migration python3 team-payments") as the migration's name, and what is left as the team.
fn migration_query(toks: &[Tok], i: usize) -> Query {
    let words = |ts: &[Tok]| -> Vec<String> {
        ts.iter()
            .filter(|t| {
                t.kw.is_none() && !STOPWORDS.contains(&t.lc.as_str()) && !MIGRATION_WORDS.contains(&t.lc.as_str())
            })
            .map(|t| t.text.clone())
            .collect()
    };
    let joined = |w: &[String]| (!w.is_empty()).then(|| w.join(" "));
    if matches!(toks[i].lc.as_str(), "migrate" | "migrated" | "migrating") {
        return Query::Migration { name: None, team: joined(&words(toks)) };
    }
    let before = words(&toks[..i]);
    let after = words(&toks[i + 1..]);
    match before.split_last() {
        Some((name, team)) => {
            let mut team = team.to_vec();
            team.extend(after);
            Query::Migration { name: Some(name.clone()), team: joined(&team) }
        }
        None => Query::Migration { name: after.first().cloned(), team: joined(after.get(1..).unwrap_or_default()) },
    }
}

/// Words that make a question about the asker.
const FIRST_PERSON: &[&str] = &["i", "me", "my", "mine", "am", "im", "i'm", "myself"];
/// Words a question about the asker may have besides keywords and stopwords.
const ABOUT_ME_WORDS: &[&str] =
    &["team", "teams", "squad", "next", "shift", "rotation", "turn", "mine", "am", "im", "i'm", "myself"];

/// A question about the asker: first-person words and nothing left that could be a name.
fn about_me(toks: &[Tok]) -> Option<AboutMe> {
    if !toks.iter().any(|t| FIRST_PERSON.contains(&t.lc.as_str())) {
        return None;
    }
    let leftover = toks
        .iter()
        .any(|t| t.kw.is_none() && !STOPWORDS.contains(&t.lc.as_str()) && !ABOUT_ME_WORDS.contains(&t.lc.as_str()));
    if leftover {
        return None;
    }
    let word = |w: &str| toks.iter().any(|t| t.lc == w);
    let on_call =
        toks.iter().any(|t| matches!(t.lc.as_str(), "on-call" | "oncall") || t.lc == "shift" || t.lc == "rotation");
    if on_call {
        return Some(if word("next") || word("when") { AboutMe::OnCallNext } else { AboutMe::OnCallNow });
    }
    if has(toks, Kw::Own).is_some() || word("mine") {
        return Some(if word("team") || word("teams") || word("squad") { AboutMe::TeamOwns } else { AboutMe::Own });
    }
    None
}

/// "scorecard", "scorecard team-payments", "scorecard production-readiness team-payments",
/// "how is team-payments doing": the words after "scorecard" go to the engine as `team`, which
/// alone knows whether the first names a scorecard.
fn scorecard_question(toks: &[Tok]) -> Option<Query> {
    let words = |ts: &[Tok]| ts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
    let team = if matches!(toks[0].lc.as_str(), "scorecard" | "scorecards") {
        words(&toks[1..])
    } else if toks.len() >= 4
        && toks[0].lc == "how"
        && matches!(toks[1].lc.as_str(), "is" | "are" | "does")
        && matches!(toks[toks.len() - 1].lc.as_str(), "doing" | "scoring" | "score")
    {
        words(&toks[2..toks.len() - 1])
    } else {
        return None;
    };
    let team = team.strip_prefix("the ").unwrap_or(&team).trim().to_owned();
    Some(Query::Scorecard { scorecard: None, team: (!team.is_empty()).then_some(team), entity: None })
}

/// Filters from words: lifecycles, kinds, types, "tagged X", "owned by X", "in system X".
fn natural_filters(toks: &[Tok]) -> Option<Vec<Filter>> {
    let mut filters = Vec::new();
    let mut i = 0;
    let f = |field, value: &str| Filter { field, key: None, value: Some(value.to_owned()) };
    while i < toks.len() {
        let lc = toks[i].lc.as_str();
        let next = toks.get(i + 1).map(|t| t.text.as_str());
        if LIFECYCLES.contains(&lc) {
            filters.push(f(FilterField::Lifecycle, lc));
        } else if let Some((_, k)) = KIND_WORDS.iter().find(|(w, _)| *w == lc) {
            filters.push(f(FilterField::Kind, k));
        } else if let Some((_, t)) = TYPE_WORDS.iter().find(|(w, _)| *w == lc) {
            filters.push(f(FilterField::Type, t));
        } else if matches!(lc, "tagged" | "tag") && next.is_some() {
            let v = next.unwrap_or_default();
            let v = if v.eq_ignore_ascii_case("with") { toks.get(i + 2).map_or("", |t| t.text.as_str()) } else { v };
            filters.push(f(FilterField::Tag, &v.to_lowercase()));
            i += 1;
        } else if lc == "owned" && toks.get(i + 1).is_some_and(|t| t.lc == "by") && toks.get(i + 2).is_some() {
            filters.push(f(FilterField::Owner, &toks[i + 2].text));
            i += 2;
        } else if lc == "system" && next.is_some() {
            filters.push(f(FilterField::System, next.unwrap_or_default()));
            i += 1;
        } else if lc == "domain" && next.is_some() {
            filters.push(f(FilterField::Domain, next.unwrap_or_default()));
            i += 1;
        }
        i += 1;
    }
    if filters.is_empty() { None } else { Some(filters) }
}

fn not_understood(question: &str) -> String {
    format!("I did not understand \"{}\".", question.trim())
}

/// The canonical question for a query: what buttons and follow-ups send back.
pub fn question_for(query: &Query) -> String {
    match query {
        Query::Describe { name } => format!("what is {name}"),
        Query::Owner { name } => format!("who owns {name}"),
        Query::Contact { name } => format!("how do I reach {name}"),
        Query::Dependencies { name, depth: 1 } => format!("what does {name} depend on"),
        Query::Dependencies { name, depth } => format!("what does {name} depend on depth {depth}"),
        Query::Dependents { name, depth: 1 } => format!("what depends on {name}"),
        Query::Dependents { name, depth } if *depth == IMPACT_DEPTH => format!("what breaks if {name} goes down"),
        Query::Dependents { name, depth } => format!("what breaks if {name} goes down depth {depth}"),
        Query::Team { name } => format!("what does {name} own"),
        Query::Search { text, .. } => format!("search {text}"),
        Query::Find { filters } => {
            let parts: Vec<String> = filters.iter().map(filter_text).collect();
            format!("find {}", parts.join(" "))
        }
        Query::Scorecard { scorecard, team, entity } => {
            let words: Vec<&str> = [Some("scorecard"), scorecard.as_deref(), team.as_deref(), entity.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            words.join(" ")
        }
        Query::Health => "health".to_owned(),
        Query::Migration { name: None, team: None } => "migrations".to_owned(),
        Query::Migration { name: Some(name), team: None } => format!("how is the {name} migration going"),
        Query::Migration { name: None, team: Some(team) } => format!("what does {team} still have to migrate"),
        Query::Migration { name: Some(name), team: Some(team) } => format!("migration {name} {team}"),
        Query::Help => "help".to_owned(),
        Query::Mine { about, .. } => match about {
            AboutMe::Own => "what do I own",
            AboutMe::TeamOwns => "what does my team own",
            AboutMe::OnCallNow => "am I on call",
            AboutMe::OnCallNext => "when am I on call next",
        }
        .to_owned(),
    }
}

/// `field:value` as typed.
pub fn filter_text(f: &Filter) -> String {
    let field = FILTER_KEYS.iter().find(|(_, x)| *x == f.field).map_or("?", |(k, _)| k);
    match (&f.key, &f.value) {
        (Some(k), Some(v)) => format!("{field}:{k}={v}"),
        (Some(k), None) => format!("{field}:{k}"),
        (None, Some(v)) => format!("{field}:{v}"),
        (None, None) => field.to_owned(),
    }
}

/// The help answer: what can be asked, with examples.
pub fn help(reason: Option<String>) -> Help {
    let ex = |q: &str, e: &str| HelpExample { question: q.to_owned(), explanation: e.to_owned() };
    Help {
        reason,
        examples: vec![
            ex("who owns payments-api", "the owner, its team, members and how to reach them"),
            ex("how do I reach the payments team", "e-mail, Slack and Discord channels, on-call"),
            ex("what depends on orders-db", "direct dependents"),
            ex("what breaks if orders-db goes down", "everything that depends on it, with the path"),
            ex("what does checkout-api depend on", "direct dependencies (add \"depth 3\" to go further)"),
            ex("what does team-checkout own", "everything the team and its sub-teams own, and its members"),
            ex("search fraud", "full-text search over names, titles, descriptions, tags"),
            ex(
                "find tag:python2 lifecycle:production",
                "filter by kind, type, lifecycle, tag, owner, system, domain, label:k=v, annotation:k",
            ),
            ex("what is payments-api", "the entity, its relations and any errors in its file"),
            ex("what do I own", "what you and your teams own (also \"what does my team own\")"),
            ex("am I on call", "whether you are on call now (also \"when am I on call next\")"),
            ex("health", "missing owners, empty teams, deprecated dependencies, files with errors"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        match parse_question(s) {
            Parsed::Query(q) => q,
            Parsed::Help(r) => panic!("{s:?} not understood: {r:?}"),
        }
    }
    fn owner(n: &str) -> Query {
        Query::Owner { name: n.into() }
    }
    fn deps(n: &str, d: u32) -> Query {
        Query::Dependencies { name: n.into(), depth: d }
    }
    fn dependents(n: &str, d: u32) -> Query {
        Query::Dependents { name: n.into(), depth: d }
    }
    fn mine(about: AboutMe) -> Query {
        Query::Mine { about, asker: None }
    }
    fn tag(v: &str) -> Filter {
        Filter { field: FilterField::Tag, key: None, value: Some(v.into()) }
    }
    fn lifecycle(v: &str) -> Filter {
        Filter { field: FilterField::Lifecycle, key: None, value: Some(v.into()) }
    }

    #[test]
    fn migration_phrasings() {
        let m = |name: Option<&str>, team: Option<&str>| Query::Migration {
            name: name.map(str::to_owned),
            team: team.map(str::to_owned),
        };
        let cases = [
            ("how is the python3 migration going", m(Some("python3"), None)),
            ("how's the python3 migration doing?", m(Some("python3"), None)),
            ("python3 migration progress", m(Some("python3"), None)),
            ("migration python3", m(Some("python3"), None)),
            ("migration python3 team-payments", m(Some("python3"), Some("team-payments"))),
            ("what does team-payments still have to migrate", m(None, Some("team-payments"))),
            ("what does team-payments still need to migrate", m(None, Some("team-payments"))),
            ("migrations", m(None, None)),
            ("list migrations", m(None, None)),
        ];
        for (text, expected) in cases {
            assert_eq!(q(text), expected, "{text}");
            // What buttons send back means the same.
            assert_eq!(q(&question_for(&expected)), expected, "{text}");
        }
    }

    #[test]
    fn phrasings() {
        let cases: Vec<(&str, Query)> = vec![
            ("who owns payments-api", owner("payments-api")),
            ("Who owns payments-api?", owner("payments-api")),
            ("who owsn payments-api", owner("payments-api")),
            ("whos the owner of paymnets-api", owner("paymnets-api")),
            ("owner of payments", owner("payments")),
            ("payments-api owner", owner("payments-api")),
            ("payments-api's owner", owner("payments-api")),
            ("who is responsible for the payments api", owner("payments api")),
            ("<@U0BOT> who owns component:payments-api", owner("component:payments-api")),
            ("how do I reach the payments team", Query::Contact { name: "payments team".into() }),
            ("how can I contact team-payments", Query::Contact { name: "team-payments".into() }),
            ("who is on call for payments-api", Query::Contact { name: "payments-api".into() }),
            ("who do I call about orders-db", Query::Contact { name: "orders-db".into() }),
            ("what depends on orders-db", dependents("orders-db", 1)),
            ("who uses orders-db", dependents("orders-db", 1)),
            ("dependents of orders-db", dependents("orders-db", 1)),
            ("what dependes on orders-db", dependents("orders-db", 1)),
            ("what breaks if orders-db goes down", dependents("orders-db", IMPACT_DEPTH)),
            ("what brekas if orders-db goes down?", dependents("orders-db", IMPACT_DEPTH)),
            ("impact of orders-db", dependents("orders-db", IMPACT_DEPTH)),
            ("blast radius of orders-db", dependents("orders-db", IMPACT_DEPTH)),
            ("what breaks if orders-db goes down depth 2", dependents("orders-db", 2)),
            ("what does checkout-api depend on", deps("checkout-api", 1)),
            ("checkout-api depends on what", deps("checkout-api", 1)),
            ("dependencies of checkout-api", deps("checkout-api", 1)),
            ("deps checkout-api depth 3", deps("checkout-api", 3)),
            ("what does checkout-api need --depth=2", deps("checkout-api", 2)),
            ("what does team-checkout own", Query::Team { name: "team-checkout".into() }),
            (
                "how is team-payments doing",
                Query::Scorecard { scorecard: None, team: Some("team-payments".into()), entity: None },
            ),
            (
                "scorecard production-readiness team-payments",
                Query::Scorecard {
                    scorecard: None,
                    team: Some("production-readiness team-payments".into()),
                    entity: None,
                },
            ),
            ("scorecard", Query::Scorecard { scorecard: None, team: None, entity: None }),
            ("what is owned by team-checkout", Query::Team { name: "team-checkout".into() }),
            ("who is in team-payments", Query::Team { name: "team-payments".into() }),
            ("members of team-payments", Query::Team { name: "team-payments".into() }),
            ("team payments", Query::Team { name: "team payments".into() }),
            ("search fraud", Query::Search { text: "fraud".into(), limit: SEARCH_LIMIT }),
            ("search for fraud detection", Query::Search { text: "fraud detection".into(), limit: SEARCH_LIMIT }),
            ("look for payments", Query::Search { text: "payments".into(), limit: SEARCH_LIMIT }),
            ("find fraud", Query::Search { text: "fraud".into(), limit: SEARCH_LIMIT }),
            (
                "find tag:python2 lifecycle:production",
                Query::Find { filters: vec![tag("python2"), lifecycle("production")] },
            ),
            ("tag:python2", Query::Find { filters: vec![tag("python2")] }),
            (
                "which production services are still tagged python2",
                Query::Find {
                    filters: vec![
                        lifecycle("production"),
                        Filter { field: FilterField::Type, key: None, value: Some("service".into()) },
                        tag("python2"),
                    ],
                },
            ),
            (
                "find label:tier=1 annotation:pagerduty.com/service-id",
                Query::Find {
                    filters: vec![
                        Filter { field: FilterField::Label, key: Some("tier".into()), value: Some("1".into()) },
                        Filter {
                            field: FilterField::Annotation,
                            key: Some("pagerduty.com/service-id".into()),
                            value: None,
                        },
                    ],
                },
            ),
            ("health", Query::Health),
            ("catalog health", Query::Health),
            ("what's broken", Query::Health),
            ("what is payments-api", Query::Describe { name: "payments-api".into() }),
            ("describe orders-db", Query::Describe { name: "orders-db".into() }),
            ("payments-api", Query::Describe { name: "payments-api".into() }),
            ("what do I own", mine(AboutMe::Own)),
            ("what do i own?", mine(AboutMe::Own)),
            ("what do I maintain", mine(AboutMe::Own)),
            ("what's mine", mine(AboutMe::Own)),
            ("what does my team own", mine(AboutMe::TeamOwns)),
            ("what do my teams own", mine(AboutMe::TeamOwns)),
            ("am I on call", mine(AboutMe::OnCallNow)),
            ("am i oncall?", mine(AboutMe::OnCallNow)),
            ("is it my on-call shift", mine(AboutMe::OnCallNow)),
            ("when am I on call next", mine(AboutMe::OnCallNext)),
            ("when is my next on-call shift", mine(AboutMe::OnCallNext)),
            // A name keeps the question about that name.
            ("who owns my-service", owner("my-service")),
            ("how do I reach team-payments", Query::Contact { name: "team-payments".into() }),
            ("how do I page my team-payments folks", Query::Contact { name: "team-payments folks".into() }),
        ];
        for (text, want) in cases {
            assert_eq!(q(text), want, "{text}");
        }
    }

    #[test]
    fn long_questions_and_words_are_refused_with_the_limit() {
        // A 60 KB question: one word, then many short words.
        let one_word = "a".repeat(60_000);
        let Parsed::Help(Some(reason)) = parse_question(&format!("who owns {one_word}")) else { panic!() };
        assert!(reason.contains(&format!("at most {MAX_QUESTION_CHARS} characters")), "{reason}");
        let many_words = "orders ".repeat(10_000);
        assert_eq!(check_length(&many_words), Err(TooLong::Question { chars: 70_000 }));
        let word = "x".repeat(MAX_WORD_CHARS + 1);
        assert_eq!(check_length(&format!("who owns {word}")), Err(TooLong::Word { chars: MAX_WORD_CHARS + 1 }));
        let Parsed::Help(Some(reason)) = parse_question(&format!("who owns {word}")) else { panic!() };
        assert!(reason.contains(&format!("no name or filter is longer than {MAX_WORD_CHARS}")), "{reason}");
        // At the limits, questions are read as usual.
        let name = "b".repeat(MAX_WORD_CHARS);
        assert_eq!(parse_question(&format!("who owns {name}")), Parsed::Query(owner(&name)));
        let multibyte = format!("who owns {} {}", "é".repeat(300), "é".repeat(300));
        assert!(multibyte.len() > MAX_QUESTION_CHARS && check_length(&multibyte).is_ok());
    }

    #[test]
    fn chat_impact_is_shallow_unless_a_depth_is_given() {
        let chat = |s: &str| match parse_chat_question(s) {
            Parsed::Query(q) => q,
            Parsed::Help(r) => panic!("{s:?}: {r:?}"),
        };
        assert_eq!(chat("what breaks if orders-db goes down"), dependents("orders-db", CHAT_IMPACT_DEPTH));
        assert_eq!(chat("impact of orders-db"), dependents("orders-db", CHAT_IMPACT_DEPTH));
        assert_eq!(chat("what breaks if orders-db goes down depth 10"), dependents("orders-db", 10));
        assert_eq!(chat("what breaks if orders-db goes down depth 4"), dependents("orders-db", 4));
        assert_eq!(
            chat(&whole_impact_question("resource:default/orders-db")),
            dependents("resource:default/orders-db", IMPACT_DEPTH)
        );
        assert_eq!(chat("what depends on orders-db"), dependents("orders-db", 1));
        assert_eq!(chat("who owns orders-db"), owner("orders-db"));
    }

    #[test]
    fn help_and_nonsense() {
        assert_eq!(parse_question("help"), Parsed::Help(None));
        assert_eq!(parse_question("  "), Parsed::Help(None));
        assert_eq!(parse_question("help me please"), Parsed::Help(None));
        assert!(matches!(parse_question("who owns"), Parsed::Help(Some(_))));
        assert!(matches!(parse_question("search"), Parsed::Help(Some(_))));
        assert!(matches!(parse_question("the quick brown fox jumps"), Parsed::Help(Some(_))));
    }

    #[test]
    fn follow_up_questions_round_trip() {
        let queries = vec![
            Query::Describe { name: "component:default/payments-api".into() },
            owner("component:default/payments-api"),
            Query::Contact { name: "group:default/team-payments".into() },
            deps("component:default/checkout-api", 1),
            deps("component:default/checkout-api", 3),
            dependents("resource:default/orders-db", 1),
            dependents("resource:default/orders-db", IMPACT_DEPTH),
            dependents("resource:default/orders-db", 4),
            Query::Team { name: "group:default/team-checkout".into() },
            Query::Search { text: "fraud".into(), limit: SEARCH_LIMIT },
            Query::Find { filters: vec![tag("python2"), lifecycle("production")] },
            Query::Health,
            Query::Mine { about: AboutMe::Own, asker: None },
            Query::Mine { about: AboutMe::TeamOwns, asker: None },
            Query::Mine { about: AboutMe::OnCallNow, asker: None },
            Query::Mine { about: AboutMe::OnCallNext, asker: None },
        ];
        for query in queries {
            assert_eq!(parse_question(&question_for(&query)), Parsed::Query(query.clone()), "{}", question_for(&query));
        }
    }
}
