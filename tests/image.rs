//! The container image, end to end: `scripts/image.sh` builds `deploy/Dockerfile` around this
//! build's binary, then the image's filesystem is exported and run under `chroot` with the image's
//! own user, entrypoint, environment and working directory, the way a container runtime would.
//! (Running it as a container needs cgroups that CI machines, themselves containers, do not give.)
//!
//! It checks what a deployment relies on: `--version`, `check` on the example catalog, a git
//! source read by the image's `git` as the non-root user, and `serve` answering `/healthz`,
//! `/readyz` and a signed Slack slash command.
//!
//! Needs root (chroot) and podman: without them the test is skipped with a message, and fails when
//! `CI` is set (`scripts/test.sh` installs podman).

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const TAG: &str = "localhost/backline:test";
const SECRET: &str = "image-signing-secret";
const TEAM: &str = "T0IMAGE";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the test can run here; when it cannot: fail under CI, else say why and skip.
fn can_run() -> bool {
    let missing = if Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() != b"0").unwrap_or(true) {
        Some("running the image under chroot needs root")
    } else if Command::new("podman").arg("--version").output().is_err() {
        Some("podman is not installed (apt-get install podman buildah debootstrap)")
    } else if Command::new("debootstrap").arg("--version").output().is_err()
        && !Command::new("podman")
            .args(["image", "exists", "docker.io/library/debian:bookworm-slim"])
            .status()
            .is_ok_and(|s| s.success())
    {
        Some("no base image and no debootstrap to make it (apt-get install debootstrap)")
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) if std::env::var_os("CI").is_some() => panic!("CI is set but the image test cannot run: {why}"),
        Some(why) => {
            eprintln!("SKIPPED: container image test: {why}");
            false
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The parts of the image's configuration a runtime applies.
struct ImageConfig {
    user: String,
    entrypoint: Vec<String>,
    env: Vec<(String, String)>,
    workdir: String,
}

/// The image's filesystem under a temporary directory, and its configuration.
struct Rootfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
    config: ImageConfig,
}

impl Rootfs {
    fn export(tag: &str) -> Rootfs {
        let inspect = run(Command::new("podman").args(["image", "inspect", "--format", "{{json .Config}}", tag]));
        let config: Value = serde_json::from_slice(&inspect.stdout).expect("image config");
        let strings = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
        };
        let config = ImageConfig {
            user: config["User"].as_str().unwrap_or("").to_owned(),
            entrypoint: strings(&config["Entrypoint"]),
            env: strings(&config["Env"])
                .into_iter()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect(),
            workdir: config["WorkingDir"].as_str().unwrap_or("/").to_owned(),
        };

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rootfs");
        std::fs::create_dir(&path).unwrap();
        let name = format!("backline-image-test-{}", std::process::id());
        run(Command::new("podman").args(["create", "--name", &name, tag]));
        let tar = dir.path().join("image.tar");
        let exported = Command::new("podman").args(["export", "-o"]).arg(&tar).arg(&name).status();
        let _ = Command::new("podman").args(["rm", "-f", &name]).output();
        assert!(exported.unwrap().success(), "podman export failed");
        run(Command::new("tar").arg("--numeric-owner").arg("-xf").arg(&tar).arg("-C").arg(&path));
        std::fs::remove_file(&tar).unwrap();
        // What a runtime mounts: the few device nodes programs open (git and Rust's Stdio::null).
        for (node, minor) in [("null", "3"), ("zero", "5"), ("random", "8"), ("urandom", "9")] {
            let dev = path.join("dev").join(node);
            let _ = std::fs::remove_file(&dev);
            run(Command::new("mknod").args(["-m", "666"]).arg(&dev).args(["c", "1", minor]));
        }
        Rootfs { _dir: dir, path, config }
    }

    /// `chroot` into the image as its user, in its working directory, with its environment, and
    /// run the entrypoint with `args`.
    fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
        let c = &self.config;
        assert!(!c.user.is_empty() && !c.user.starts_with("0"), "the image must not run as root: {:?}", c.user);
        let userspec = if c.user.contains(':') { c.user.clone() } else { format!("{0}:{0}", c.user) };
        let mut cmd = Command::new("/usr/sbin/chroot");
        cmd.arg(format!("--userspec={userspec}"))
            .arg(&self.path)
            .args(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", &c.workdir])
            .args(&c.entrypoint)
            .args(args)
            .env_clear()
            .env("HOME", &c.workdir)
            .envs(c.env.iter().map(|(k, v)| (k, v)))
            .envs(extra_env.iter().copied());
        cmd
    }

    fn host_path(&self, inside: &str) -> PathBuf {
        self.path.join(inside.trim_start_matches('/'))
    }
}

fn copy_tree(from: &Path, to: &Path) {
    run(Command::new("cp").arg("-r").arg(from).arg(to));
}

/// A git repository of the example catalog, owned by the image's user (git refuses repositories
/// owned by someone else).
fn git_catalog(rootfs: &Rootfs, inside: &str) {
    let repo = rootfs.host_path(inside);
    copy_tree(&root().join("examples/catalog"), &repo);
    let git = |args: &[&str]| {
        run(Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=Backline", "-c", "user.email=backline@example.invalid"])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &repo));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "catalog"]);
    let owner = rootfs.config.user.split(':').next().unwrap().to_owned();
    run(Command::new("chown").arg("-R").arg(format!("{owner}:{owner}")).arg(&repo));
}

// ------------------------------------------------------------------------------------------
// HTTP over std: the client side, and a fake Slack Web API answering `ok` to everything.

fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else { return (0, String::new()) };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, body.to_owned())
}

fn fake_slack() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                let reply = r#"{"ok":true,"channel":"C1","ts":"1.2"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            });
        }
    });
    addr
}

fn slash_command(addr: SocketAddr, text: &str) -> (u16, String) {
    let body = format!(
        "token=x&team_id={TEAM}&channel_id=C1&user_id=U1&user_name=oncall&command=%2Fbackline&text={}&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&trigger_id=1.2.3&api_app_id=A1",
        text.replace(' ', "+")
    );
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let signature = backline_bot::slack::verify::sign(SECRET, &ts, body.as_bytes());
    http(
        addr,
        "POST",
        "/slack/commands",
        &[
            ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
            ("X-Slack-Signature", signature),
            ("X-Slack-Request-Timestamp", ts),
        ],
        &body,
    )
}

/// `serve` inside the image, killed on drop.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ------------------------------------------------------------------------------------------

#[test]
fn image_runs_check_and_serve_as_its_non_root_user() {
    if !can_run() {
        return;
    }
    let built = run(Command::new(root().join("scripts/image.sh")).arg(env!("CARGO_BIN_EXE_backline")).arg(TAG));
    assert_eq!(String::from_utf8_lossy(&built.stdout).trim().lines().last(), Some(TAG));
    let size = run(Command::new("podman").args(["image", "inspect", "--format", "{{.Size}}", TAG]));
    eprintln!("image: built {TAG}, {} bytes", String::from_utf8_lossy(&size.stdout).trim());
    let rootfs = Rootfs::export(TAG);
    assert_eq!(rootfs.config.entrypoint, ["/usr/local/bin/backline"]);
    assert_eq!(rootfs.config.user, "10001:10001");

    // --version: the binary that was built, commit included.
    let host = run(Command::new(env!("CARGO_BIN_EXE_backline")).arg("--version"));
    let inside = run(&mut rootfs.command(&["--version"], &[]));
    assert_eq!(String::from_utf8_lossy(&inside.stdout), String::from_utf8_lossy(&host.stdout));
    assert!(String::from_utf8_lossy(&inside.stdout).starts_with(concat!("backline ", env!("CARGO_PKG_VERSION"))));
    eprintln!("image: --version as user {}: {}", rootfs.config.user, String::from_utf8_lossy(&inside.stdout).trim());

    // check: the example catalog is clean; the broken one fails with findings.
    copy_tree(&root().join("examples/catalog"), &rootfs.host_path("/srv/catalog"));
    copy_tree(&root().join("examples/broken"), &rootfs.host_path("/srv/broken"));
    let clean = run(&mut rootfs.command(&["check", "/srv/catalog", "--deny", "warnings"], &[("NO_COLOR", "1")]));
    let summary = String::from_utf8_lossy(&clean.stdout);
    assert!(summary.contains("0 errors, 0 warnings"), "{summary}");
    eprintln!("image: check /srv/catalog: {}", summary.trim());
    let broken = rootfs.command(&["check", "/srv/broken", "--format", "json"], &[]).output().unwrap();
    assert_eq!(broken.status.code(), Some(1), "{}", String::from_utf8_lossy(&broken.stderr));
    let report: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert!(report["summary"]["errors"].as_u64().unwrap() > 0);
    eprintln!("image: check /srv/broken: exit 1, {}", report["summary"]);

    // serve: the catalog from a git source (the image's git, as the image's user), the index in
    // the working directory, Slack in HTTP mode.
    git_catalog(&rootfs, "/srv/catalog.git");
    let slack = fake_slack();
    std::fs::create_dir_all(rootfs.host_path("/etc/backline")).unwrap();
    std::fs::write(
        rootfs.host_path("/etc/backline/backline.toml"),
        format!(
            "[store]\nurl = \"sqlite:///var/lib/backline/index.db\"\n\n[[source]]\nname = \"northwind\"\ngit = \"/srv/catalog.git\"\nrev = \"main\"\n\n[slack]\nmode = \"http\"\nallowed_teams = [\"{TEAM}\"]\napi_url = \"http://{slack}/api\"\n"
        ),
    )
    .unwrap();
    let mut child = rootfs
        .command(
            &["serve", "--config", "/etc/backline/backline.toml", "--listen", "127.0.0.1:0", "--no-watch"],
            &[("BACKLINE_SLACK_BOT_TOKEN", "xoxb-image-test"), ("BACKLINE_SLACK_SIGNING_SECRET", SECRET)],
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve in the image");
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let keep = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_owned());
            }
            keep.lock().unwrap().push_str(&line);
            keep.lock().unwrap().push('\n');
        }
    });
    let serve = Serve(child);
    let addr: SocketAddr = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("serve did not start: {}", log.lock().unwrap()))
        .parse()
        .unwrap();

    assert_eq!(http(addr, "GET", "/healthz", &[], "").0, 200);
    eprintln!("image: serve on {addr}: /healthz 200");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(addr, "GET", "/readyz", &[], "").0 != 200 {
        assert!(Instant::now() < deadline, "never ready: {}", log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("image: /readyz 200 (the git source is indexed)");
    let (status, body) = slash_command(addr, "owner payments-api");
    assert_eq!(status, 200, "{body}\n{}", log.lock().unwrap());
    for needle in ["Payments API", "team-payments", "#payments-oncall"] {
        assert!(body.contains(needle), "missing {needle:?} in {body}");
    }
    eprintln!("image: signed /backline owner payments-api from the git source: 200, {} bytes of blocks", body.len());
    // The index is where the configuration put it, written by the image's user.
    assert!(rootfs.host_path("/var/lib/backline/index.db").is_file());
    drop(serve);
}
