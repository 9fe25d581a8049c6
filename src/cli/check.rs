//! `backline check [PATH...]`: validate catalog files as Backstage would, plus Backline's lints.
//!
//! Exit codes: 0 clean, 1 errors found (or warnings with `--deny warnings`), 2 usage or I/O
//! failure. Output formats: human (snippets, colour on a terminal), JSON, SARIF 2.1.0 (GitHub code
//! scanning), GitHub workflow annotations and GitLab Code Quality (a merge request's report).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use anstyle::{AnsiColor, Style};
use backline_catalog::catalog::CatalogIndex;
use backline_catalog::discover::{DiscoverOptions, FileSystem, Reach, RealFs, SourceFile, TargetScope, discover_with};
use backline_catalog::facts::{FileFacts, Symbols};
use backline_catalog::lint_level::{LintLevel, LintLevels};
use backline_catalog::model::ParsedFile;
use backline_catalog::scorecard::lint::{Enabled, lint_file};
use backline_catalog::scorecard::{CatalogFacts, Scorecard};
use backline_catalog::{Code, Encoding, Finding, LineIndex, Severity};
use serde_json::json;

use super::GlobalArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    Warnings,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to check (directories are walked for `catalog-info.yaml` and
    /// `*.catalog-info.yaml`, respecting `.gitignore`).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Fail (exit 1) on warnings too, for CI.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
    /// The org catalog the checked files' references may point into (repeatable): an index
    /// file (`.backline/index.db`), a PostgreSQL URL, a directory of catalog files, or a running
    /// Backstage's backend URL (the token in `BACKLINE_BACKSTAGE_TOKEN`, or the `token_env` of
    /// the `[[source]]` with that URL). Only the checked files are reported on; an entity they
    /// define that the org catalog defines in another place is a duplicate.
    #[arg(long = "catalog", value_name = "SOURCE")]
    catalogs: Vec<String>,
    /// Check exactly the given files; do not follow Location targets.
    #[arg(long)]
    no_follow: bool,
    /// Report only Backstage's own rules (no BL lints).
    #[arg(long)]
    no_lints: bool,
    /// Do not show hints.
    #[arg(long)]
    no_hints: bool,
}

/// `[[scorecard]]` findings, which are off unless asked for: a scorecard's `require`, or
/// `[lints]` naming `scorecard-level` (every scorecard's top level required) or
/// `scorecard-progress` (what each entity's next level needs).
fn scorecard_findings(
    cards: &[Scorecard],
    levels: &LintLevels,
    files: &[Box<CheckedFile>],
    index: &CatalogIndex,
) -> Vec<Finding> {
    if cards.is_empty() {
        return Vec::new();
    }
    let on = |code| levels.configured(code).is_some_and(|l| l != LintLevel::Off);
    let enabled = Enabled { level_everywhere: on(Code::ScorecardLevel), progress: on(Code::ScorecardProgress) };
    let details = || files.iter().filter_map(|f| f.details.as_deref());
    let facts = CatalogFacts::build(details());
    let context = facts.with(index);
    details().flat_map(|parsed| lint_file(cards, &context, parsed, enabled)).collect()
}

/// A file as `check` keeps it from parsing to reporting. Cross-file lints can only run once every
/// file is parsed, so what each file leaves behind bounds the peak memory of a large check: not
/// its text (a snippet reads the file again) nor its entities, only their facts ([`FileFacts`],
/// strings interned in one table for all files), unless scorecard lints read the entities.
struct CheckedFile {
    path: PathBuf,
    /// The length and hash of the text that was checked: a snippet quotes the re-read file only
    /// if it still holds that text.
    text_len: usize,
    text_hash: u64,
    line_index: LineIndex,
    /// Findings of this file alone, until the cross-file lints join them.
    findings: Vec<Finding>,
    facts: FileFacts,
    /// The entities as scorecard lints read them, when those run ([`ParsedFile::shed_details`]).
    details: Option<Box<ParsedFile>>,
}

impl CheckedFile {
    fn new(file: SourceFile, keep_details: bool, symbols: &Mutex<Symbols>) -> CheckedFile {
        let parsed = file.parsed;
        let mut local = Symbols::default();
        let facts = FileFacts::new(&parsed, &mut local)
            .rebase(&local, &mut symbols.lock().unwrap_or_else(PoisonError::into_inner));
        // Scorecard rules read the entities' details (annotations, links, lifecycle): kept whole.
        let (line_index, findings, details) = if keep_details {
            (parsed.line_index.clone(), parsed.findings.clone(), Some(Box::new(parsed)))
        } else {
            let mut findings = parsed.findings;
            findings.shrink_to_fit();
            (parsed.line_index, findings, None)
        };
        CheckedFile {
            path: file.path,
            text_len: file.text.len(),
            text_hash: text_hash(&file.text),
            line_index,
            findings,
            facts,
            details,
        }
    }

    /// The path findings name ([`ParsedFile::path`]).
    fn display(&self) -> &Arc<str> {
        &self.facts.path
    }

    /// The text that was checked, read again; `None` when the file changed since or cannot be
    /// read. Invalid UTF-8 is replaced as the first read did.
    fn reread(&self) -> Option<Arc<str>> {
        let bytes = RealFs.read(&self.path).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        (text.len() == self.text_len && text_hash(&text) == self.text_hash).then(|| Arc::from(text.as_ref()))
    }
}

/// A hash that is the same for the same text within one process (`DefaultHasher::new` has fixed
/// keys).
fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(global)?;
    let levels = config.lint_levels()?;
    for p in &args.paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }

    let config_dir = super::config_base(global)?;
    let allowed = config.allowed_locations(&config_dir);
    let progress = progress_bar();
    let tick = progress.clone();
    let options = DiscoverOptions {
        follow_locations: !args.no_follow,
        keep_trees: false,
        on_file: Some(Arc::new(move || tick.inc(1))),
        allowed: allowed.clone(),
        kinds: Arc::new(config.custom_kinds(&config_dir)?),
    };
    // Scorecard lints read the entities' annotations, links and the rest.
    let keep_details = !args.no_lints && !config.scorecards.is_empty();
    let symbols = Mutex::new(Symbols::default());
    let mut discovery = discover_with(&RealFs, &args.paths, &options, |file| {
        // Boxed: discovery moves what it keeps of each file between vectors as it orders them.
        Box::new(CheckedFile::new(file, keep_details, &symbols))
    });
    let symbols = symbols.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Only files of the checked tree are quoted: an allowed directory's files are checked, but
    // their text stays out of logs. Discovery reads nothing outside the roots and the allowed
    // directories, so without allowed directories every file is quotable and none is resolved.
    let unquotable: HashSet<Arc<str>> = if allowed.is_empty() {
        Default::default()
    } else {
        let scope = TargetScope::new(&RealFs, &args.paths, &allowed);
        discovery
            .files
            .iter()
            .filter(|f| scope.reach(&RealFs, &f.path) != Reach::Source)
            .map(|f| f.display().clone())
            .collect()
    };
    progress.finish_and_clear();

    let mut findings = discovery.findings;
    // A Backstage `--catalog` is read with the settings of the `[[source]]` of that URL, if any.
    let sources = if crate::org_catalog::wants_sources(&args.catalogs) {
        config.index_settings(&config_dir, &backline_index::settings::ProcessEnv)?.sources
    } else {
        Vec::new()
    };
    let org = crate::org_catalog::entities(&args.catalogs, &sources)?;
    // The table moves into the index, which interns the org catalog's refs in it too.
    let (index, unlinted) = if args.no_lints {
        (None, symbols)
    } else {
        let real_paths: HashMap<&str, &Path> =
            discovery.files.iter().map(|f| (&**f.display(), f.path.as_path())).collect();
        let identity = |file: &str| real_paths.get(file).and_then(|path| crate::org_catalog::identity(path));
        let files = discovery.files.iter().map(|f| &f.facts);
        (Some(CatalogIndex::build_from_facts(symbols, files, &org, &identity)), Symbols::default())
    };
    let symbols = index.as_ref().map_or(&unlinted, CatalogIndex::symbols);
    for f in &mut discovery.files {
        let mut file_findings = std::mem::take(&mut f.findings);
        match &index {
            Some(index) => {
                file_findings.extend(index.lint_facts(&f.facts));
                index.improve_fixes_facts(&f.facts, &mut file_findings);
            }
            None => file_findings.retain(|f| !f.code.is_lint()),
        }
        findings.extend(file_findings);
    }
    if let Some(index) = &index {
        findings.extend(scorecard_findings(&config.scorecards, &levels, &discovery.files, index));
    }
    if args.no_lints {
        findings.retain(|f| !f.code.is_lint());
    }
    levels.apply(&mut findings);
    if args.no_hints {
        findings.retain(|f| f.severity != Severity::Hint);
    }
    let order: HashMap<&str, usize> = discovery.files.iter().enumerate().map(|(i, f)| (&**f.display(), i)).collect();
    findings.sort_by(|a, b| {
        (order.get(&*a.file).copied().unwrap_or(usize::MAX), &a.file, a.range.start, a.code).cmp(&(
            order.get(&*b.file).copied().unwrap_or(usize::MAX),
            &b.file,
            b.range.start,
            b.code,
        ))
    });

    let mut report = Report::new(&discovery.files, symbols, &findings);
    report.unquotable = unquotable.iter().map(|p| &**p).collect();
    // Every format is written as it is produced, through one buffer: a large report is never
    // built in memory, and never written a line per system call.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, anstream::stdout().lock());
    let format = if args.json { Format::Json } else { args.format };
    match format {
        Format::Human => report.human(&mut out)?,
        Format::Json => serde_json::to_writer_pretty(&mut out, &super::versioned(&report.json()))?,
        Format::Sarif => serde_json::to_writer_pretty(&mut out, &report.sarif())?,
        Format::Github => report.github(&mut out)?,
        Format::Gitlab => serde_json::to_writer_pretty(&mut out, &report.gitlab())?,
    }
    if matches!(format, Format::Json | Format::Sarif | Format::Gitlab) {
        writeln!(out)?;
    }
    out.flush()?;
    let failed = report.errors > 0 || (args.deny == Some(Deny::Warnings) && report.warnings > 0);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} checking {pos} files ({per_sec})").expect("static template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// Everything an output format needs, with positions resolved once.
struct Report<'a> {
    files: &'a [Box<CheckedFile>],
    /// The table the files' facts are interned in.
    symbols: &'a Symbols,
    /// Files whose lines must not be shown in snippets (read through `[locations] allow`).
    unquotable: HashSet<&'a str>,
    by_path: HashMap<&'a str, &'a CheckedFile>,
    /// The file last read again for snippets, and its text if it still holds what was checked:
    /// findings come sorted by file, so each file is read once.
    quoted: RefCell<Option<Quoted<'a>>>,
    findings: &'a [Finding],
    errors: usize,
    warnings: usize,
    hints: usize,
    entities: usize,
}

/// A file read again for its snippets: its path, and its text when it still holds what was checked.
type Quoted<'a> = (&'a str, Option<Arc<str>>);

/// A position in the four unit systems outputs need.
struct Pos {
    line: u32,
    column: u32,
    utf16_column: u32,
}

impl<'a> Report<'a> {
    fn new(files: &'a [Box<CheckedFile>], symbols: &'a Symbols, findings: &'a [Finding]) -> Self {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        Report {
            files,
            symbols,
            unquotable: HashSet::new(),
            by_path: files.iter().map(|f| (&**f.display(), &**f)).collect(),
            quoted: RefCell::new(None),
            findings,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            hints: count(Severity::Hint),
            entities: files.iter().map(|f| f.facts.entities().count()).sum(),
        }
    }

    fn pos(&self, file: &str, offset: u32) -> Pos {
        match self.by_path.get(file) {
            Some(f) => pos_in(&f.line_index, offset),
            None => Pos { line: 1, column: 1, utf16_column: 1 },
        }
    }

    /// The text of a checked file for quoting, unless it is unquotable or changed since.
    fn quotable_text(&self, file: &str) -> Option<(&'a CheckedFile, Arc<str>)> {
        let source = *self.by_path.get(file)?;
        if self.unquotable.contains(file) {
            return None;
        }
        let mut quoted = self.quoted.borrow_mut();
        if quoted.as_ref().is_none_or(|(path, _)| *path != file) {
            *quoted = Some((&**source.display(), source.reread()));
        }
        let text = quoted.as_ref()?.1.clone()?;
        Some((source, text))
    }

    fn summary(&self) -> String {
        format!(
            "checked {} file{}, {} entit{}: {} error{}, {} warning{}, {} hint{}",
            self.files.len(),
            plural(self.files.len()),
            self.entities,
            if self.entities == 1 { "y" } else { "ies" },
            self.errors,
            plural(self.errors),
            self.warnings,
            plural(self.warnings),
            self.hints,
            plural(self.hints)
        )
    }

    fn human(&self, out: &mut impl Write) -> anyhow::Result<()> {
        let bold = Style::new().bold();
        let blue = Style::new().fg_color(Some(AnsiColor::Blue.into())).bold();
        for f in self.findings {
            let color = match f.severity {
                Severity::Error => AnsiColor::Red,
                Severity::Warning => AnsiColor::Yellow,
                Severity::Hint => AnsiColor::Cyan,
            };
            let sev = Style::new().fg_color(Some(color.into())).bold();
            let start = self.pos(&f.file, f.range.start);
            writeln!(out, "{sev}{}[{}]{sev:#}{bold}: {}{bold:#}", f.severity.as_str(), f.code, f.message)?;
            writeln!(out, "  {blue}-->{blue:#} {}:{}:{}", f.file, start.line, start.column)?;
            if let Some((source, text)) = self.quotable_text(&f.file) {
                snippet(out, &source.line_index, &text, f, sev, blue)?;
            }
            for r in &f.related {
                let p = self.pos(&r.file, r.range.start);
                writeln!(out, "  {blue}={blue:#} note: {}: {}:{}:{}", r.message, r.file, p.line, p.column)?;
            }
            if let Some(fix) = &f.fix {
                writeln!(out, "  {blue}={blue:#} fix: {}", fix.title)?;
            }
            writeln!(out, "  {blue}={blue:#} help: `backline explain {}`", f.code)?;
            writeln!(out)?;
        }
        let style = if self.errors > 0 { Style::new().fg_color(Some(AnsiColor::Red.into())).bold() } else { bold };
        writeln!(out, "{style}{}{style:#}", self.summary())?;
        Ok(())
    }

    /// The JSON report, serialized file by file as it is written.
    fn json(&self) -> impl serde::Serialize + '_ {
        let mut by_file: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in self.findings {
            by_file.entry(&f.file).or_default().push(f);
        }
        // Findings about paths that could not be read at all come after the files, by path.
        let mut unread: Vec<(&str, Vec<&Finding>)> = by_file
            .iter()
            .filter(|(path, _)| !self.by_path.contains_key(*path))
            .map(|(p, f)| (*p, f.clone()))
            .collect();
        unread.sort_by(|a, b| a.0.cmp(b.0));
        let files = self.files.iter().map(move |sf| {
            let p = &sf.facts;
            let documents: Vec<_> = p
                .documents
                .iter()
                .map(|d| {
                    json!({
                        "index": d.index,
                        "line": d.line,
                        "entity": d.entity.as_ref().map(|e| self.symbols.resolve(e.canonical)),
                        "stage": d.stage.map(|s| s.as_str()),
                    })
                })
                .collect();
            let findings: Vec<_> = by_file.get(&*p.path).into_iter().flatten().map(|f| self.finding_json(f)).collect();
            json!({ "path": &*p.path, "documents": documents, "findings": findings })
        });
        let unread = unread.into_iter().map(|(path, findings)| {
            let findings: Vec<_> = findings.into_iter().map(|f| self.finding_json(f)).collect();
            json!({ "path": path, "documents": [], "findings": findings })
        });
        // Keys in the order `json!` objects have (sorted), as the report always had them.
        #[derive(serde::Serialize)]
        struct JsonReport<F: serde::Serialize> {
            files: F,
            summary: serde_json::Value,
            version: u32,
        }
        JsonReport {
            files: Streamed::new(files.chain(unread)),
            summary: json!({
                "files": self.files.len(),
                "entities": self.entities,
                "errors": self.errors,
                "warnings": self.warnings,
                "hints": self.hints,
            }),
            version: 1,
        }
    }

    fn finding_json(&self, f: &Finding) -> serde_json::Value {
        let s = self.pos(&f.file, f.range.start);
        let e = self.pos(&f.file, f.range.end);
        json!({
            "code": f.code.as_str(),
            "name": f.code.name(),
            "severity": f.severity.as_str(),
            "stage": f.code.stage().map(|s| s.as_str()),
            "message": f.message,
            "range": {
                "start": { "line": s.line, "column": s.column, "offset": f.range.start },
                "end": { "line": e.line, "column": e.column, "offset": f.range.end },
            },
            "related": f.related.iter().map(|r| {
                let p = self.pos(&r.file, r.range.start);
                json!({ "file": &*r.file, "line": p.line, "column": p.column, "message": r.message })
            }).collect::<Vec<_>>(),
            "fix": f.fix.as_ref().map(|fix| json!({
                "title": fix.title,
                "edits": fix.edits.iter().map(|e| json!({ "start": e.range.start, "end": e.range.end, "new_text": e.new_text })).collect::<Vec<_>>(),
            })),
        })
    }

    fn sarif(&self) -> impl serde::Serialize + '_ {
        let rules: Vec<_> = Code::ALL
            .iter()
            .map(|c| {
                json!({
                    "id": c.as_str(),
                    "name": c.name(),
                    "shortDescription": { "text": c.summary() },
                    "fullDescription": { "text": c.summary() },
                    "help": { "text": c.explanation(), "markdown": c.explanation() },
                    "defaultConfiguration": { "level": sarif_level(c.default_severity()) },
                })
            })
            .collect();
        let results = self.findings.iter().map(|f| {
                let s = self.pos(&f.file, f.range.start);
                let e = self.pos(&f.file, f.range.end);
                let mut result = json!({
                    "ruleId": f.code.as_str(),
                    "ruleIndex": Code::ALL.iter().position(|c| *c == f.code),
                    "level": sarif_level(f.severity),
                    "message": { "text": f.message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&f.file) },
                            "region": { "startLine": s.line, "startColumn": s.utf16_column, "endLine": e.line, "endColumn": e.utf16_column },
                        }
                    }],
                });
                if !f.related.is_empty() {
                    result["relatedLocations"] = f
                        .related
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let p = self.pos(&r.file, r.range.start);
                            json!({ "id": i, "message": { "text": r.message }, "physicalLocation": { "artifactLocation": { "uri": uri(&r.file) }, "region": { "startLine": p.line, "startColumn": p.utf16_column } } })
                        })
                        .collect();
                }
                if let Some(fix) = &f.fix {
                    result["fixes"] = json!([{
                        "description": { "text": fix.title },
                        "artifactChanges": [{
                            "artifactLocation": { "uri": uri(&f.file) },
                            "replacements": fix.edits.iter().map(|edit| {
                                let a = self.pos(&f.file, edit.range.start);
                                let b = self.pos(&f.file, edit.range.end);
                                json!({ "deletedRegion": { "startLine": a.line, "startColumn": a.utf16_column, "endLine": b.line, "endColumn": b.utf16_column }, "insertedContent": { "text": edit.new_text } })
                            }).collect::<Vec<_>>(),
                        }],
                    }]);
                }
                result
            });
        // Keys in the order `json!` objects have (sorted), as the report always had them.
        #[derive(serde::Serialize)]
        struct Run<R: serde::Serialize> {
            #[serde(rename = "columnKind")]
            column_kind: &'static str,
            results: R,
            tool: serde_json::Value,
        }
        #[derive(serde::Serialize)]
        struct Sarif<R: serde::Serialize> {
            #[serde(rename = "$schema")]
            schema: &'static str,
            runs: [Run<R>; 1],
            version: &'static str,
        }
        Sarif {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            runs: [Run {
                column_kind: "utf16CodeUnits",
                results: Streamed::new(results),
                tool: json!({ "driver": { "name": "backline", "informationUri": "https://example.invalid/backline", "version": env!("CARGO_PKG_VERSION"), "rules": rules } }),
            }],
            version: "2.1.0",
        }
    }

    fn github(&self, out: &mut impl Write) -> anyhow::Result<()> {
        for f in self.findings {
            let s = self.pos(&f.file, f.range.start);
            let e = self.pos(&f.file, f.range.end);
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Hint => "notice",
            };
            writeln!(
                out,
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                gh_property(&f.file),
                s.line,
                s.column,
                e.line,
                e.column,
                gh_property(&format!("{} {}", f.code, f.code.name())),
                gh_data(&f.message)
            )?;
        }
        writeln!(out, "{}", self.summary())?;
        Ok(())
    }
}

impl Report<'_> {
    /// GitLab Code Quality: a JSON array of Code Climate issues, of which GitLab reads
    /// `description`, `check_name`, `fingerprint`, `severity`, `location.path` (relative to the
    /// repository root: run `check` from there) and `location.lines.begin`.
    ///
    /// GitLab compares the fingerprints of the merge request's report with the target branch's to
    /// say which findings are new or fixed, so a fingerprint must survive edits elsewhere in the
    /// file: it hashes the code, the file and the message (which names the entity and the value),
    /// not the line, plus an occurrence number when the same finding appears twice in a file.
    fn gitlab(&self) -> impl serde::Serialize + '_ {
        let mut seen: HashMap<(Code, &str, &str), u32> = HashMap::new();
        let issues = self.findings.iter().map(move |f| {
            let s = self.pos(&f.file, f.range.start);
            let e = self.pos(&f.file, f.range.end);
            let path = gitlab_path(&f.file);
            let occurrence = seen.entry((f.code, &f.file, &f.message)).or_default();
            *occurrence += 1;
            let fingerprint = fingerprint(&[f.code.as_str(), &path, &f.message, &occurrence.to_string()]);
            json!({
                "type": "issue",
                "description": format!("{}: {}", f.code, f.message),
                "check_name": format!("{} {}", f.code, f.code.name()),
                "fingerprint": fingerprint,
                "severity": gitlab_severity(f.severity),
                "categories": [if f.code.is_lint() { "Bug Risk" } else { "Compatibility" }],
                "location": { "path": path, "lines": { "begin": s.line, "end": e.line } },
            })
        });
        Streamed::new(issues)
    }
}

/// Backstage refuses an entity with an error (it is not in the catalog at all): critical. Lints
/// are about things Backstage accepts.
fn gitlab_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        Severity::Hint => "info",
    }
}

/// A repository-relative path as GitLab links it: forward slashes, no leading `./`.
fn gitlab_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").map(str::to_owned).unwrap_or(path)
}

/// A stable 128-bit FNV-1a hash of the parts (separated by 0xFF, which UTF-8 never contains), in hex: the same on every
/// platform and Rust version, which `std`'s hasher does not promise.
fn fingerprint(parts: &[&str]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash = (hash ^ 0xff).wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash = (hash ^ u128::from(byte)).wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

fn pos_in(index: &LineIndex, offset: u32) -> Pos {
    let (line, col32) = index.position(offset, Encoding::Utf32);
    let (_, col16) = index.position(offset, Encoding::Utf16);
    Pos { line: line + 1, column: col32 + 1, utf16_column: col16 + 1 }
}

/// The source line(s) of a finding with a caret underline.
fn snippet(
    out: &mut impl Write,
    index: &LineIndex,
    text: &str,
    f: &Finding,
    sev: Style,
    blue: Style,
) -> anyhow::Result<()> {
    if !text.is_char_boundary(f.range.start as usize) || !text.is_char_boundary(f.range.end as usize) {
        return Ok(());
    }
    let (line, _) = index.line_col_utf8(f.range.start);
    let Some(line_range) = index.line_range(line, text) else { return Ok(()) };
    let line_text = &text[line_range.as_usize()];
    let gutter = (line + 1).to_string();
    let pad = " ".repeat(gutter.len());
    let start_col = text[line_range.start as usize..f.range.start as usize].chars().count();
    let end = f.range.end.min(line_range.end).max(f.range.start);
    let width = text[f.range.start as usize..end as usize].chars().count().max(1);
    writeln!(out, "{pad} {blue}|{blue:#}")?;
    writeln!(out, "{gutter} {blue}|{blue:#} {}", line_text.replace('\t', " "))?;
    writeln!(out, "{pad} {blue}|{blue:#} {}{sev}{}{sev:#}", " ".repeat(start_col), "^".repeat(width))?;
    Ok(())
}

/// A JSON array serialized from an iterator while it is written, so a long array is never held
/// in memory. It can be serialized once.
struct Streamed<I>(Cell<Option<I>>);

impl<I> Streamed<I> {
    fn new(items: I) -> Self {
        Streamed(Cell::new(Some(items)))
    }
}

impl<I: Iterator<Item = T>, T: serde::Serialize> serde::Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.take().ok_or_else(|| serde::ser::Error::custom("a streamed array is written once"))?;
        serializer.collect_seq(items)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "note",
    }
}

/// A relative path as a SARIF URI (forward slashes, spaces and `%` escaped).
fn uri(path: &str) -> String {
    path.replace('\\', "/").replace('%', "%25").replace(' ', "%20")
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use backline_catalog::discover::load_file;
    use backline_catalog::kinds::custom::CustomKinds;

    use super::*;

    /// Snippets quote the file as it was checked, or not at all.
    #[test]
    fn a_file_changed_after_it_was_checked_is_not_quoted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("catalog-info.yaml");
        std::fs::write(&path, "kind: Component\nmetadata:\n  name: a\n").expect("write");
        let (file, _) = load_file(&RealFs, &path, &CustomKinds::default());
        let checked = CheckedFile::new(file.expect("readable"), false, &Mutex::default());
        assert_eq!(checked.reread().as_deref(), Some("kind: Component\nmetadata:\n  name: a\n"));
        // Same length, different text.
        std::fs::write(&path, "kind: Component\nmetadata:\n  name: b\n").expect("write");
        assert_eq!(checked.reread(), None);
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(checked.reread(), None);
    }
}
