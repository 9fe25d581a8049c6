//! `backline check [PATH...]`: validate catalog files as Backstage would, plus Backline's lints.
//!
//! Exit codes: 0 clean, 1 errors found (or warnings with `--deny warnings`), 2 usage or I/O
//! failure. Output formats: human (snippets, colour on a terminal), JSON, SARIF 2.1.0 (GitHub code
//! scanning), GitHub workflow annotations and GitLab Code Quality (a merge request's report).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anstyle::{AnsiColor, Style};
use backline_catalog::catalog::CatalogIndex;
use backline_catalog::discover::{DiscoverOptions, FileSystem, Reach, RealFs, SourceFile, TargetScope, discover_with};
use backline_catalog::{Code, Encoding, Finding, LineIndex, ParsedFile, Severity};
use rayon::prelude::*;
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

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(global)?;
    let levels = config.lint_levels()?;
    for p in &args.paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }

    let config_dir = global.config.as_deref().and_then(std::path::Path::parent).unwrap_or(std::path::Path::new(""));
    let allowed = config.allowed_locations(config_dir);
    let progress = progress_bar();
    let tick = progress.clone();
    let options = DiscoverOptions {
        follow_locations: !args.no_follow,
        keep_trees: false,
        on_file: Some(Arc::new(move || tick.inc(1))),
        allowed: allowed.clone(),
    };
    // Pass 1, in parallel: each file is read, parsed and validated, and only what the cross-file
    // lints and the report need survives its thread (no text, no trees, no entity details).
    let discovery = discover_with(&RealFs, &args.paths, &options, Checked::new);
    let mut files = discovery.files;
    // Only files of the checked tree are quoted: an allowed directory's files are checked, but
    // their text stays out of logs. Discovery reads nothing outside the roots and the allowed
    // directories, so without allowed directories every file is quotable and none is resolved.
    if !allowed.is_empty() {
        let scope = TargetScope::new(&RealFs, &args.paths, &allowed);
        files.par_iter_mut().for_each(|f| f.quotable = scope.reach(&RealFs, &f.path) == Reach::Source);
        // Snippets are looked up by shown path: one unquotable file makes its path unquotable.
        let shown: HashMap<Arc<str>, usize> =
            files.iter().enumerate().map(|(i, f)| (f.parsed.path.clone(), i)).collect();
        for i in 0..files.len() {
            if !files[i].quotable {
                let shown_as = shown[&files[i].parsed.path];
                files[shown_as].quotable = false;
            }
        }
    }
    progress.finish_and_clear();

    // Pass 2: the cross-file index, then every file's findings, final and sorted.
    let index = (!args.no_lints).then(|| CatalogIndex::build(files.iter().map(|f| &f.parsed)));
    let by_path: HashMap<Arc<str>, usize> = files.iter().enumerate().map(|(i, f)| (f.parsed.path.clone(), i)).collect();
    // A finding belongs to the file of its path (the last file shown with that path, should two
    // spellings of one path be checked); findings about files that were never read come last.
    let mut slots: Vec<Vec<Finding>> = files.iter().map(|_| Vec::new()).collect();
    let mut orphans = Vec::new();
    for f in discovery.findings {
        match by_path.get(&f.file) {
            Some(&slot) => slots[slot].push(f),
            None => orphans.push(f),
        }
    }
    let own: Vec<Vec<Finding>> = files
        .par_iter_mut()
        .map(|f| {
            let mut findings = std::mem::take(&mut f.parsed.findings);
            match &index {
                Some(index) => {
                    findings.extend(index.lint_file(&f.parsed));
                    index.improve_fixes(&f.parsed, &mut findings);
                }
                None => findings.retain(|f| !f.code.is_lint()),
            }
            // The references and the entities were kept for the lints alone.
            f.parsed.documents.iter_mut().for_each(|d| {
                if let Some(e) = d.entity.as_mut() {
                    e.references = Vec::new();
                }
            });
            findings
        })
        .collect();
    drop(index);
    for (file, findings) in files.iter().zip(own) {
        let slot = by_path[&file.parsed.path];
        if slots[slot].is_empty() {
            slots[slot] = findings;
        } else {
            slots[slot].extend(findings);
        }
    }
    let settle = |findings: &mut Vec<Finding>| {
        if args.no_lints {
            findings.retain(|f| !f.code.is_lint());
        }
        levels.apply(findings);
        if args.no_hints {
            findings.retain(|f| f.severity != Severity::Hint);
        }
        findings.sort_by(|a, b| (&a.file, a.range.start, a.code).cmp(&(&b.file, b.range.start, b.code)));
    };
    files.par_iter_mut().zip(slots.par_iter_mut()).for_each(|(f, findings)| {
        settle(findings);
        f.findings = std::mem::take(findings);
    });
    drop(slots);
    settle(&mut orphans);

    let report = Report::new(&files, &by_path, &orphans);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, anstream::stdout().lock());
    let format = if args.json { Format::Json } else { args.format };
    match format {
        Format::Human => report.human(&mut out)?,
        Format::Json => report.json(&mut out)?,
        Format::Sarif => report.sarif(&mut out)?,
        Format::Github => report.github(&mut out)?,
        Format::Gitlab => report.gitlab(&mut out)?,
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

/// What `check` keeps of one file from reading it to reporting on it. The text is not kept: the
/// human output reads the few files with findings again for their snippets, and quotes them only
/// if they still hash the same.
struct Checked {
    path: PathBuf,
    /// Without YAML trees and entity details; the references go once the file is linted.
    parsed: ParsedFile,
    text_hash: u64,
    entities: usize,
    /// Whether the file lies in the checked tree (not only in an allowed directory) and may be
    /// quoted.
    quotable: bool,
    /// Every finding about this file, final and sorted, once linted.
    findings: Vec<Finding>,
}

impl Checked {
    fn new(file: SourceFile) -> Checked {
        let SourceFile { path, text, mut parsed } = file;
        for entity in parsed.documents.iter_mut().filter_map(|d| d.entity.as_mut()) {
            // What neither the cross-file lints nor the report read.
            entity.api_version = String::new();
            entity.title = None;
            entity.description = None;
            entity.tags = Vec::new();
            entity.labels = Vec::new();
            entity.annotations = Vec::new();
            entity.links = Vec::new();
            entity.spec_type = None;
            entity.lifecycle = None;
            entity.profile = None;
            entity.location = None;
        }
        let entities = parsed.entities().count();
        Checked { path, parsed, text_hash: text_hash(&text), entities, quotable: true, findings: Vec::new() }
    }

    /// The file's text again, for snippets, if it is still what was checked.
    fn reread(&self) -> Option<String> {
        let bytes = RealFs.read(&self.path).ok()?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        (text_hash(&text) == self.text_hash).then_some(text)
    }
}

fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Everything an output format needs, with positions resolved once.
struct Report<'a> {
    files: &'a [Checked],
    /// The file each shown path stands for (the last one, should two spellings show alike).
    by_path: &'a HashMap<Arc<str>, usize>,
    /// Findings about paths that could not be read at all, after every file's.
    orphans: &'a [Finding],
    errors: usize,
    warnings: usize,
    hints: usize,
    entities: usize,
}

/// A position in the four unit systems outputs need.
struct Pos {
    line: u32,
    column: u32,
    utf16_column: u32,
}

impl<'a> Report<'a> {
    fn new(files: &'a [Checked], by_path: &'a HashMap<Arc<str>, usize>, orphans: &'a [Finding]) -> Self {
        let mut counts = [0usize; 3];
        for f in files.iter().flat_map(|f| &f.findings).chain(orphans) {
            counts[f.severity as usize] += 1;
        }
        Report {
            files,
            by_path,
            orphans,
            errors: counts[Severity::Error as usize],
            warnings: counts[Severity::Warning as usize],
            hints: counts[Severity::Hint as usize],
            entities: files.iter().map(|f| f.entities).sum(),
        }
    }

    /// Every finding, in the order of the files, then those about unread paths.
    fn findings(&self) -> impl Iterator<Item = &'a Finding> + 'a {
        self.files.iter().flat_map(|f| &f.findings).chain(self.orphans)
    }

    fn pos(&self, file: &str, offset: u32) -> Pos {
        match self.by_path.get(file) {
            Some(&i) => pos_in(&self.files[i].parsed.line_index, offset),
            None => Pos { line: 1, column: 1, utf16_column: 1 },
        }
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
        // Findings come grouped by file, so one text read again serves a whole group.
        let mut source: Option<(usize, Option<String>)> = None;
        for f in self.findings() {
            let color = match f.severity {
                Severity::Error => AnsiColor::Red,
                Severity::Warning => AnsiColor::Yellow,
                Severity::Hint => AnsiColor::Cyan,
            };
            let sev = Style::new().fg_color(Some(color.into())).bold();
            let start = self.pos(&f.file, f.range.start);
            writeln!(out, "{sev}{}[{}]{sev:#}{bold}: {}{bold:#}", f.severity.as_str(), f.code, f.message)?;
            writeln!(out, "  {blue}-->{blue:#} {}:{}:{}", f.file, start.line, start.column)?;
            if let Some(&i) = self.by_path.get(&*f.file).filter(|&&i| self.files[i].quotable) {
                if source.as_ref().is_none_or(|(at, _)| *at != i) {
                    source = Some((i, self.files[i].reread()));
                }
                if let Some((_, Some(text))) = &source {
                    snippet(out, &self.files[i].parsed.line_index, text, f, sev, blue)?;
                }
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

    fn json(&self, out: &mut impl Write) -> anyhow::Result<()> {
        let skeleton = json!({
            "version": 1,
            "summary": {
                "files": self.files.len(),
                "entities": self.entities,
                "errors": self.errors,
                "warnings": self.warnings,
                "hints": self.hints,
            },
            "files": STREAMED,
        });
        // A path's findings are listed under the first file shown with that path.
        let mut listed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let files = self.files.iter().map(|sf| {
            let p = &sf.parsed;
            let documents: Vec<_> = p
                .documents
                .iter()
                .map(|d| {
                    json!({
                        "index": d.index,
                        "line": p.line_index.line_col(d.range.start).line,
                        "entity": d.entity.as_ref().map(|e| e.entity_ref.canonical()),
                        "stage": d.stage.map(|s| s.as_str()),
                    })
                })
                .collect();
            let findings: Vec<_> = if listed.insert(&p.path) {
                self.files[self.by_path[&p.path]].findings.iter().map(|f| self.finding_json(f)).collect()
            } else {
                Vec::new()
            };
            json!({ "path": &*p.path, "documents": documents, "findings": findings })
        });
        // Findings about paths that could not be read at all, one entry per path.
        let rest = self.orphans.chunk_by(|a, b| a.file == b.file).map(|group| {
            let findings: Vec<_> = group.iter().map(|f| self.finding_json(f)).collect();
            json!({ "path": &*group[0].file, "documents": [], "findings": findings })
        });
        write_streamed(out, &super::versioned(&skeleton), files.chain(rest))
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

    fn sarif(&self, out: &mut impl Write) -> anyhow::Result<()> {
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
        let results = self.findings().map(|f| {
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
        let skeleton = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": { "name": "backline", "informationUri": "https://example.invalid/backline", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
                "columnKind": "utf16CodeUnits",
                "results": STREAMED,
            }],
        });
        write_streamed(out, &skeleton, results)
    }

    fn github(&self, out: &mut impl Write) -> anyhow::Result<()> {
        for f in self.findings() {
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

/// Where [`write_streamed`] puts the streamed array: a string no skeleton holds otherwise.
const STREAMED: &str = "\u{0}backline-streamed-array\u{0}";

/// Writes `skeleton` as pretty JSON with the string [`STREAMED`] replaced by an array of `items`,
/// each serialized as it comes: the output is byte for byte what `to_writer_pretty` makes of the
/// whole document, without the document ever being in memory (serde_json's pretty printer indents
/// by two spaces per level, and every newline it writes is structural: strings escape theirs).
fn write_streamed(
    out: &mut impl Write,
    skeleton: &impl serde::Serialize,
    items: impl Iterator<Item = serde_json::Value>,
) -> anyhow::Result<()> {
    let head = serde_json::to_string_pretty(skeleton)?;
    let marker = serde_json::to_string(STREAMED)?;
    let at = head.find(&marker).ok_or_else(|| anyhow::anyhow!("the JSON skeleton lacks its streamed array"))?;
    let line_start = head[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = head[line_start..].len() - head[line_start..].trim_start_matches(' ').len();
    let inner = format!("\n{}", " ".repeat(indent + 2));
    out.write_all(head[..at].as_bytes())?;
    out.write_all(b"[")?;
    let mut buf = Vec::new();
    let mut any = false;
    for item in items {
        out.write_all(if any { b"," } else { b"" })?;
        any = true;
        buf.clear();
        serde_json::to_writer_pretty(&mut buf, &item)?;
        out.write_all(inner.as_bytes())?;
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(inner.as_bytes())?;
            }
            out.write_all(line)?;
        }
    }
    if any {
        write!(out, "\n{}", " ".repeat(indent))?;
    }
    out.write_all(b"]")?;
    out.write_all(head[at + marker.len()..].as_bytes())?;
    Ok(())
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
    fn gitlab(&self, out: &mut impl Write) -> anyhow::Result<()> {
        let mut seen: HashMap<(Code, &str, &str), u32> = HashMap::new();
        let issues = self.findings().map(|f| {
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
        write_streamed(out, &STREAMED, issues)
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
