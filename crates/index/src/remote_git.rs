//! Remote git repositories as sources: a bare mirror in a cache directory, fetched on every run
//! and then read at a revision like a local git source ([`GitFs`]), without a checkout.
//!
//! URLs are what `git` accepts: `https://`, `http://`, `ssh://`, `git://`, `file://` and
//! scp-style `git@host:org/repo.git`. Each run fetches only the configured branch, tag or commit
//! (`--depth 1` unless `shallow = false`: a catalog needs one tree, not its history) into a ref of
//! our own (`refs/backline/<hex of rev>`), so the mirror never needs a working tree or a remote.
//!
//! Credentials never reach a command line, a log or an error message: an HTTPS token (from the
//! environment) travels as an `http.extraHeader` set through git's `GIT_CONFIG_*` environment
//! variables, SSH uses the user's agent or key as `ssh` does, and every message built from git's
//! output has URLs' userinfo and the token itself redacted. Git never prompts
//! (`GIT_TERMINAL_PROMPT=0`, SSH in batch mode) and every command has a timeout, so a server that
//! hangs cannot stall an index run.
//!
//! A fetch that fails keeps the mirror as it was: the run reads the last good commit and the
//! source is reported stale with the (redacted) reason.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::source::{GitError, GitFs};

/// How long one git command may take unless the source says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A token for HTTPS remotes. It prints as `***`, so settings can be logged and compared.
#[derive(Clone, PartialEq, Eq)]
pub struct GitToken(String);

impl GitToken {
    pub fn new(token: String) -> GitToken {
        GitToken(token)
    }
}

impl std::fmt::Debug for GitToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GitToken(***)")
    }
}

/// A remote repository read through a local bare mirror.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteGit {
    /// As written (may hold userinfo; shown only through [`redact_url`]).
    pub url: String,
    /// Branch, tag or commit id.
    pub rev: String,
    /// Where in the tree to start (default: the whole tree).
    pub paths: Vec<String>,
    /// The bare mirror's directory.
    pub mirror: PathBuf,
    /// Fetch only the tip (`--depth 1`).
    pub shallow: bool,
    /// Sent as HTTP basic credentials (`user:token`) to HTTPS remotes.
    pub token: Option<GitToken>,
    /// The user name sent with the token (`x-access-token`, which GitHub expects and GitLab and
    /// Gitea ignore, unless set).
    pub token_user: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for RemoteGit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteGit")
            .field("url", &redact_url(&self.url))
            .field("rev", &self.rev)
            .field("paths", &self.paths)
            .field("mirror", &self.mirror)
            .field("shallow", &self.shallow)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Whether `git` in a `[[source]]` names a remote repository rather than a local path: a URL
/// scheme git fetches from, or scp-style `user@host:path` (a colon before any slash, as git
/// decides it).
pub fn is_remote_url(value: &str) -> bool {
    const SCHEMES: [&str; 6] = ["https://", "http://", "ssh://", "git://", "file://", "git+ssh://"];
    if SCHEMES.iter().any(|s| value.len() > s.len() && value[..s.len()].eq_ignore_ascii_case(s)) {
        return true;
    }
    match value.find(':') {
        // `C:` would be a Windows drive; git treats a colon before the first slash as scp-style.
        Some(colon) => colon > 1 && !value[..colon].contains('/'),
        None => false,
    }
}

/// `url` with any userinfo of a `scheme://user:password@host/…` URL replaced by `***`. An
/// scp-style `git@host:path` keeps its user: it is a login name, not a secret.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_owned() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end + 3], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `text` with every URL's userinfo and the token redacted. Used on everything git prints
/// before it becomes part of an error.
fn redact(text: &str, remote: &RemoteGit) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Quotes around URLs (`'https://u:p@host/x'`) stay; the URL inside is redacted.
        let start = word.find("://").and_then(|p| word[..p].rfind(|c: char| !c.is_ascii_alphanumeric() && c != '+'));
        match start {
            Some(s) => {
                out.push_str(&word[..=s]);
                out.push_str(&redact_url(&word[s + 1..]));
            }
            None if word.contains("://") => out.push_str(&redact_url(word)),
            None => out.push_str(word),
        }
    }
    let full = redact_url(&remote.url);
    if full != remote.url {
        out = out.replace(&remote.url, &full);
    }
    if let Some(GitToken(token)) = &remote.token
        && !token.is_empty()
    {
        out = out.replace(token.as_str(), "***");
        out = out.replace(&basic_credentials(remote.token_user.as_deref(), token), "***");
    }
    out
}

/// A remote source after its fetch: the tree to read, and why it may be stale.
pub struct Synced {
    pub fs: GitFs,
    /// Set when the fetch failed and the last good mirror is read instead.
    pub stale: Option<String>,
}

/// Why a remote source cannot be read at all (no mirror to fall back on).
#[derive(Debug, thiserror::Error)]
pub enum RemoteGitError {
    #[error("cannot create the git mirror {}: {source}", path.display())]
    Mirror {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Git(String),
}

impl RemoteGit {
    /// The source's location as shown and stored: the URL without userinfo, and the revision.
    pub fn location(&self) -> String {
        format!("{}@{}", redact_url(&self.url), self.rev)
    }

    /// The ref the configured revision is fetched into.
    fn local_ref(&self) -> String {
        let hex: String = self.rev.bytes().map(|b| format!("{b:02x}")).collect();
        format!("refs/backline/{hex}")
    }

    /// Fetches the revision into the mirror (creating it the first time) and opens its tree. A
    /// failed fetch falls back on the mirror's last good commit of this revision, marked stale.
    pub fn sync(&self) -> Result<Synced, RemoteGitError> {
        if self.rev.starts_with('-') || self.rev.contains(':') || self.rev.is_empty() {
            return Err(RemoteGitError::Git(format!("invalid revision `{}`", self.rev)));
        }
        if self.url.starts_with('-') {
            return Err(RemoteGitError::Git(format!("invalid repository URL `{}`", redact_url(&self.url))));
        }
        self.ensure_mirror()?;
        let local_ref = self.local_ref();
        let fetched = self.fetch(&local_ref);
        let fs = GitFs::open(&self.mirror, &local_ref);
        match (fetched, fs) {
            (Ok(()), Ok(fs)) => Ok(Synced { fs, stale: None }),
            (Ok(()), Err(e)) => Err(RemoteGitError::Git(redact(&e.to_string(), self))),
            (Err(fetch), Ok(fs)) => Ok(Synced {
                stale: Some(format!(
                    "fetching {} failed, reading the last good mirror at {}: {fetch}",
                    self.location(),
                    &fs.commit()[..fs.commit().len().min(12)]
                )),
                fs,
            }),
            (Err(fetch), Err(_)) => Err(RemoteGitError::Git(format!("fetching {} failed: {fetch}", self.location()))),
        }
    }

    fn ensure_mirror(&self) -> Result<(), RemoteGitError> {
        if self.mirror.join("HEAD").is_file() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.mirror)
            .map_err(|source| RemoteGitError::Mirror { path: self.mirror.clone(), source })?;
        let mut command = Command::new("git");
        command.args(["init", "--bare", "--quiet"]).arg(&self.mirror);
        run(command, self.timeout, "init").map_err(|e| RemoteGitError::Git(redact(&e, self)))?;
        Ok(())
    }

    /// `git fetch` of the revision alone into `local_ref`. The error is redacted.
    fn fetch(&self, local_ref: &str) -> Result<(), String> {
        let mut command = Command::new("git");
        command.arg("-C").arg(&self.mirror);
        // No credential helper may prompt or store anything; the token (if any) is the header.
        command.args(["-c", "credential.helper=", "-c", "core.askPass=", "fetch", "--quiet", "--no-tags"]);
        command.args(["--no-write-fetch-head", "--no-recurse-submodules"]);
        if self.shallow {
            command.arg("--depth=1");
        }
        command.arg("--").arg(&self.url).arg(format!("+{}:{local_ref}", self.rev));
        if let Some(GitToken(token)) = &self.token {
            // `GIT_CONFIG_COUNT` et al. add configuration without a command-line argument, so the
            // header is visible neither in `ps` nor in our logs.
            let existing: usize = std::env::var("GIT_CONFIG_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
            command.env("GIT_CONFIG_COUNT", (existing + 1).to_string());
            command.env(format!("GIT_CONFIG_KEY_{existing}"), "http.extraHeader");
            command.env(
                format!("GIT_CONFIG_VALUE_{existing}"),
                format!("Authorization: Basic {}", basic_credentials(self.token_user.as_deref(), token)),
            );
        }
        run(command, self.timeout, "fetch").map_err(|e| redact(&e, self))
    }
}

/// `base64(user:token)` for HTTP basic authentication.
fn basic_credentials(user: Option<&str>, token: &str) -> String {
    base64(format!("{}:{token}", user.unwrap_or("x-access-token")).as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Runs a git command with no prompt, no inherited stdin and a timeout; the error is git's
/// stderr (not yet redacted) or what went wrong running it.
fn run(mut command: Command, timeout: Duration, what: &str) -> Result<(), String> {
    command.env("GIT_TERMINAL_PROMPT", "0");
    if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
        // Batch mode: a missing key or an unknown host key fails instead of asking.
        command.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        // Its own process group, so a timeout stops git's helpers (ssh, git-remote-https) too.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|e| GitError::Spawn(e).to_string())?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 * 1024).read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= timeout => {
                kill_group(&mut child);
                break Err(format!("`git {what}` timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(format!("`git {what}`: {e}")),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => {
            let detail = stderr.trim();
            Err(if detail.is_empty() { format!("`git {what}` failed ({status})") } else { detail.to_owned() })
        }
        Err(e) => Err(e),
    }
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // `kill -- -<pgid>`: the whole group; git has no signal API of its own to call instead.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).stderr(Stdio::null()).status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        for remote in [
            "https://github.com/acme/catalog.git",
            "ssh://git@github.com/acme/catalog.git",
            "git@github.com:acme/catalog.git",
            "file:///srv/git/catalog.git",
            "git://example.com/catalog",
        ] {
            assert!(is_remote_url(remote), "{remote}");
        }
        for local in ["../platform", "/srv/git/catalog", "catalog", "C:/repos/catalog", "./a:b"] {
            assert!(!is_remote_url(local), "{local}");
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_url("https://user:s3cret@host/org/r.git"), "https://***@host/org/r.git");
        assert_eq!(redact_url("https://host/org/r.git"), "https://host/org/r.git");
        assert_eq!(redact_url("git@host:org/r.git"), "git@host:org/r.git");
        assert_eq!(redact_url("https://host/a@b"), "https://host/a@b");
        let remote = RemoteGit {
            url: "https://me:pw@h/x".into(),
            rev: "main".into(),
            paths: vec![],
            mirror: PathBuf::new(),
            shallow: true,
            token: Some(GitToken::new("tok123".into())),
            token_user: None,
            timeout: DEFAULT_TIMEOUT,
        };
        let text = "fatal: unable to access 'https://me:pw@h/x/': token tok123 (http://a:b@c)";
        assert_eq!(redact(text, &remote), "fatal: unable to access 'https://***@h/x/': token *** (http://***@c)");
        assert_eq!(remote.location(), "https://***@h/x@main");
        assert!(!format!("{remote:?}").contains("tok123"));
    }

    /// A server that accepts and never answers: the fetch stops at the timeout, and with no
    /// mirror to fall back on the source cannot be read.
    #[test]
    fn a_hanging_server_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                held.push(stream);
            }
        });
        let cache = tempfile::tempdir().unwrap();
        let remote = RemoteGit {
            url: format!("http://127.0.0.1:{port}/catalog.git"),
            rev: "main".into(),
            paths: vec![],
            mirror: cache.path().join("m"),
            shallow: true,
            token: None,
            token_user: None,
            timeout: Duration::from_secs(1),
        };
        let err = remote.sync().err().expect("no mirror to fall back on");
        assert!(err.to_string().contains("timed out after 1 s"), "{err}");
    }

    #[test]
    fn base64_matches_rfc4648() {
        for (input, expected) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
