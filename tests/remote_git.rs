//! Remote git sources end to end over the real binary and a real git server: `git http-backend`
//! behind a small CGI bridge (`tests/remote_git/git_http_server.py`) that demands a token, as a
//! hosted git service does for a private repository. The source is fetched into a bare mirror
//! and answered from; a wrong token, a password in the URL and a server that is gone each fail
//! the fetch, keep the last good answers (stale), and neither the token nor the password reaches
//! the output or the logs, even at `--log trace`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const TOKEN: &str = "ghp_REMOTEGITTOKEN0123456789abcdef";
const PASSWORD: &str = "pw-IN-THE-URL-4711";
/// base64("x-access-token:" + TOKEN): what would leak if the header were logged.
const TOKEN_BASIC: &str = "eC1hY2Nlc3MtdG9rZW46Z2hwX1JFTU9URUdJVFRPS0VOMDEyMzQ1Njc4OWFiY2RlZg==";

const CATALOG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-payments\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\n  description: Takes payments.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-payments\n";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(root: &Path) -> (Server, u16) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/remote_git/git_http_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(root)
        .args(["x-access-token", TOKEN])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 (the test's git server)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| panic!("server said {line:?}"));
    (Server(child), port)
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn backline(cwd: &Path, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
    command.args(["--log", "trace"]).args(args).current_dir(cwd).env("NO_COLOR", "1").env_remove("BACKLINE_CONFIG");
    command.env_remove("BACKLINE_SOURCE_ORG_TOKEN");
    if let Some(token) = token {
        command.env("BACKLINE_SOURCE_ORG_TOKEN", token);
    }
    command.output().expect("run backline")
}

/// Everything the run printed, checked for secrets.
fn text(out: &Output) -> String {
    let all = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for secret in [TOKEN, TOKEN_BASIC, PASSWORD] {
        assert!(!all.contains(secret), "a secret reached the output:\n{all}");
    }
    all
}

fn config(cwd: &Path, url: &str) {
    std::fs::write(cwd.join("backline.toml"), format!("[[source]]\nname = \"org\"\ngit = \"{url}\"\nrev = \"main\"\n"))
        .unwrap();
}

#[test]
fn fetched_with_a_token_kept_when_the_fetch_fails_and_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (work, srv, cwd) = (dir.path().join("work"), dir.path().join("srv"), dir.path().join("repo"));
    for d in [&work, &srv, &cwd] {
        std::fs::create_dir_all(d).unwrap();
    }
    git(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("catalog-info.yaml"), CATALOG).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "catalog"]);
    git(dir.path(), &["clone", "-q", "--bare", "work", "srv/catalog.git"]);
    let (server, port) = start_server(&srv);
    let url = format!("http://127.0.0.1:{port}/catalog.git");
    config(&cwd, &url);

    let out = backline(&cwd, Some(TOKEN), &["index"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("org at "), "{all}");
    assert!(cwd.join(".backline/git/org/HEAD").is_file(), "the mirror lives beside the store");
    let out = backline(&cwd, Some(TOKEN), &["owner", "payments-api"]);
    let all = text(&out);
    assert!(all.contains("team-payments") && !all.contains("stale"), "{all}");

    // A new commit arrives with the next run.
    std::fs::write(work.join("catalog-info.yaml"), CATALOG.replace("Takes payments.", "Takes and refunds payments."))
        .unwrap();
    git(&work, &["commit", "-q", "-am", "refunds"]);
    git(&work, &["push", "-q", srv.join("catalog.git").to_str().unwrap(), "main"]);
    let out = backline(&cwd, Some(TOKEN), &["index"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&backline(&cwd, Some(TOKEN), &["what-is", "payments-api"]));
    assert!(all.contains("refunds"), "{all}");

    // A wrong token, no token, and a password in the URL: the fetch fails, the last good mirror
    // is read, the source is stale, and the answers stay.
    let cases = [
        (Some("ghp_WRONG"), url.clone()),
        (None, url.clone()),
        (None, format!("http://someone:{PASSWORD}@127.0.0.1:{port}/catalog.git")),
    ];
    for (token, url) in cases {
        config(&cwd, &url);
        let out = backline(&cwd, token, &["index"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains("FAILED") && all.contains("last good mirror"), "{all}");
        let out = backline(&cwd, token, &["owner", "payments-api"]);
        let all = text(&out);
        assert!(all.contains("team-payments") && all.contains("stale"), "{all}");
    }

    // The server is gone: the same.
    config(&cwd, &url);
    drop(server);
    let out = backline(&cwd, Some(TOKEN), &["index"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("last good mirror"), "{all}");
    let all = text(&backline(&cwd, Some(TOKEN), &["what-is", "payments-api"]));
    assert!(all.contains("refunds") && all.contains("stale"), "{all}");
}
