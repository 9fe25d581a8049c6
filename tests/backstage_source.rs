//! A running Backstage as an index source, end to end: a real Backstage backend (the npm
//! packages pinned by `tests/backstage/package-lock.json`, on the local PostgreSQL, a static
//! token) serving a generated catalog of 276 entities from file locations, indexed by the real
//! binary as a `[[source]]` with `backstage = …`.
//!
//! Owner, dependency and impact answers are compared with the relations Backstage serves; a
//! file changed and refreshed in Backstage reaches the next `backline index` as exactly one
//! re-fetched entity (by etag); an entity deleted in Backstage is removed; a wrong token fails
//! the source with an error naming it and its variable (the token never printed) and keeps the
//! last good answers, marked stale; so does a stopped backend.
//!
//! Needs Node, `npm ci --prefix tests/backstage` and PostgreSQL on 127.0.0.1:5432 (what
//! `scripts/test.sh` sets up): without them the test is skipped, and fails when `CI` is set.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use backline_test_support::http::{Response, http};
use serde_json::{Value, json};

const TOKEN: &str = "backline-e2e-token-0123456789";
const TOKEN_ENV: &str = "BACKLINE_E2E_BACKSTAGE_TOKEN";
const GROUPS: usize = 6;
const USERS: usize = 30;
const FILES: usize = 8;
const PER_FILE: usize = 30;
const ENTITIES: usize = GROUPS + USERS + FILES * PER_FILE;

/// The backend process, stopped (and its database dropped) when the test ends however it ends.
struct Backend {
    child: Option<Child>,
    addr: SocketAddr,
    database: String,
    log: PathBuf,
}

impl Backend {
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: the backend shuts down in about a second.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn request(&self, method: &str, path: &str, body: &str) -> Response {
        let headers = [("Authorization", format!("Bearer {TOKEN}")), ("Content-Type", "application/json".to_owned())];
        http(self.addr, method, &format!("/api/catalog{path}"), &headers, body)
    }

    fn entity(&self, name: &str) -> Option<Value> {
        let r = self.request("GET", &format!("/entities/by-name/component/default/{name}"), "");
        (r.status == 200).then(|| r.json())
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("incomingRequest")).collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop();
        drop_database(&self.database);
    }
}

fn drop_database(name: &str) {
    let _ = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            &format!("DROP DATABASE IF EXISTS {name}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether what the backend needs is here; under `CI` its absence is a failure.
fn prerequisites(backend_dir: &Path) -> bool {
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let packages = backend_dir.join("node_modules/@backstage/plugin-catalog-backend").is_dir();
    let postgres = std::net::TcpStream::connect("127.0.0.1:5432").is_ok();
    let psql = Command::new("psql").arg("--version").output().is_ok_and(|o| o.status.success());
    if node && packages && postgres && psql {
        return true;
    }
    let why = format!(
        "node: {node}, npm packages (npm ci --prefix tests/backstage): {packages}, PostgreSQL on 127.0.0.1:5432: {postgres}, psql: {psql}"
    );
    assert!(std::env::var_os("CI").is_none(), "the real Backstage backend cannot run ({why})");
    eprintln!("skipped: the real Backstage backend cannot run ({why})");
    false
}

/// Component `n`: owned by a group (every seventh by a user), depending on earlier components;
/// one depends on a resource no file defines (Backstage serves the relation anyway).
fn component(n: usize, description: &str) -> String {
    let owner =
        if n.is_multiple_of(7) { format!("user:user-{}", n % USERS) } else { format!("group:team-{}", n % GROUPS) };
    let mut deps = Vec::new();
    if !n.is_multiple_of(5) {
        deps.push(format!("component:svc-{}", n - 1));
    }
    if n.is_multiple_of(3) && n > 0 {
        deps.push(format!("component:svc-{}", n / 2));
    }
    if n == 17 {
        deps.push("resource:ghost-db".to_owned());
    }
    let mut doc = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{n}\n  description: {description}\n\
         spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    );
    if !deps.is_empty() {
        let _ = writeln!(doc, "  dependsOn: [{}]", deps.join(", "));
    }
    doc
}

/// Writes the catalog: `org.yaml` and `components-<k>.yaml`; `edit` changes one component's
/// description, `without` leaves one out.
fn write_catalog(dir: &Path, edit: Option<(usize, &str)>, without: Option<usize>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut org = Vec::new();
    for g in 0..GROUPS {
        org.push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{g}\nspec:\n  type: team\n  children: []\n"
        ));
    }
    for u in 0..USERS {
        org.push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: user-{u}\nspec:\n  profile:\n    email: user-{u}@example.com\n  memberOf: [team-{}]\n",
            u % GROUPS
        ));
    }
    std::fs::write(dir.join("org.yaml"), org.join("---\n")).unwrap();
    for k in 0..FILES {
        let docs: Vec<String> = (k * PER_FILE..(k + 1) * PER_FILE)
            .filter(|n| Some(*n) != without)
            .map(|n| match edit {
                Some((e, text)) if e == n => component(n, text),
                _ => component(n, &format!("Service number {n}")),
            })
            .collect();
        std::fs::write(dir.join(format!("components-{k}.yaml")), docs.join("---\n")).unwrap();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_backend(backend_dir: &Path, work: &Path) -> Backend {
    let catalog = work.join("catalog");
    write_catalog(&catalog, None, None);
    let port = free_port();
    let prefix = format!("backline_e2e_{}_", std::process::id());
    let database = format!("{prefix}catalog");
    drop_database(&database);
    let mut locations = format!("    - type: file\n      target: {}\n", catalog.join("org.yaml").display());
    for k in 0..FILES {
        let _ = write!(
            locations,
            "    - type: file\n      target: {}\n",
            catalog.join(format!("components-{k}.yaml")).display()
        );
    }
    let config = format!(
        "app:\n  baseUrl: http://127.0.0.1:3000\nbackend:\n  baseUrl: http://127.0.0.1:{port}\n  listen:\n    host: 127.0.0.1\n    port: {port}\n\
         \x20 database:\n    client: pg\n    pluginDivisionMode: database\n    prefix: {prefix}\n    connection:\n      host: 127.0.0.1\n      port: 5432\n      user: postgres\n\
         \x20 auth:\n    externalAccess:\n      - type: static\n        options:\n          token: {TOKEN}\n          subject: backline-e2e\n\
         catalog:\n  rules:\n    - allow: [Component, API, Resource, System, Domain, Location, User, Group]\n  locations:\n{locations}"
    );
    let config_path = work.join("app-config.yaml");
    std::fs::write(&config_path, config).unwrap();
    let log = work.join("backend.log");
    let child = Command::new("node")
        .arg(backend_dir.join("index.js"))
        .arg("--config")
        .arg(&config_path)
        // Backstage looks for its package.json upwards from the working directory.
        .current_dir(backend_dir)
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::OpenOptions::new().append(true).open(&log).unwrap())
        .spawn()
        .expect("start node");
    let mut backend = Backend { child: Some(child), addr: SocketAddr::from(([127, 0, 0, 1], port)), database, log };
    // Migrations, then one processing round of every location: about 10 s here.
    let started = Instant::now();
    loop {
        if let Some(child) = backend.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("the Backstage backend exited ({status}):\n{}", backend.log_tail());
        }
        if std::net::TcpStream::connect(backend.addr).is_ok() && served(&backend).len() == ENTITIES {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the Backstage backend did not serve {ENTITIES} entities within 180 s:\n{}",
            backend.log_tail()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!("Backstage backend serving {ENTITIES} entities after {:.1} s", started.elapsed().as_secs_f64());
    backend
}

/// Every entity but Locations, as Backstage serves it.
fn served(backend: &Backend) -> Vec<Value> {
    let r = backend.request("GET", "/entities/by-query?limit=1000", "");
    if r.status != 200 {
        return Vec::new();
    }
    r.json()["items"].as_array().unwrap().iter().filter(|e| e["kind"] != "Location").cloned().collect()
}

/// The targets of `entity`'s relations of type `kind`, as Backstage served them.
fn targets(entity: &Value, kind: &str) -> BTreeSet<String> {
    entity["relations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == kind)
        .map(|r| r["targetRef"].as_str().unwrap().to_owned())
        .collect()
}

fn backline(work: &Path, token: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .current_dir(work)
        .env(TOKEN_ENV, token)
        .env_remove("BACKLINE_BACKSTAGE_TOKEN")
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `backline index --json`: the Backstage source's report.
fn index(work: &Path, token: &str) -> (Option<i32>, Value, String) {
    let out = backline(work, token, &["index", "--json"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    let source = report["sources"].as_array().unwrap().iter().find(|s| s["name"] == "portal").cloned().unwrap();
    (out.status.code(), source, text)
}

fn answer(work: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    json_of(&backline(work, TOKEN, &all))
}

fn refs(nodes: &Value) -> BTreeSet<String> {
    nodes.as_array().unwrap().iter().map(|n| n["entity"]["entity_ref"].as_str().unwrap().to_owned()).collect()
}

fn wait_for(what: &str, backend: &Backend, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "Backstage did not {what} within 90 s:\n{}",
            backend.log_tail()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_real_backstage_is_an_index_source() {
    let backend_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backstage");
    if !prerequisites(&backend_dir) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut backend = start_backend(&backend_dir, work);
    std::fs::write(
        work.join("backline.toml"),
        format!(
            "[store]\nurl = \"sqlite://index.db\"\n\n[[source]]\nname = \"portal\"\nbackstage = \"http://{}\"\n\
             frontend_url = \"http://127.0.0.1:3000\"\ntoken_env = \"{TOKEN_ENV}\"\n",
            backend.addr
        ),
    )
    .unwrap();

    // The first run reads the whole catalog.
    let (code, report, text) = index(work, TOKEN);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(report["entities_written"], ENTITIES, "{report}");
    assert!(report["error"].is_null(), "{report}");

    // Owner, dependencies and impact agree with the relations Backstage serves.
    let entities = served(&backend);
    for n in [0, 3, 7, 9, 12, 17, 21, 44, 100, 239] {
        let name = format!("svc-{n}");
        let e = entities.iter().find(|e| e["metadata"]["name"] == name.as_str()).unwrap();
        let owner = answer(work, &["owner", &name]);
        let owned_by = targets(e, "ownedBy");
        assert_eq!(
            BTreeSet::from([owner["body"]["owner"]["entity_ref"].as_str().unwrap().to_owned()]),
            owned_by,
            "{name}"
        );
        let at = &owner["body"]["entity"]["defined_at"];
        assert_eq!(at["source"], "portal");
        assert_eq!(at["file"], format!("http://127.0.0.1:3000/catalog/default/component/{name}"), "the entity page");
        let deps = answer(work, &["deps", &name]);
        assert_eq!(refs(&deps["body"]["nodes"]), targets(e, "dependsOn"), "{name} depends on");
        let impact = answer(work, &["impact", &name, "--depth", "1"]);
        assert_eq!(refs(&impact["body"]["nodes"]), targets(e, "dependencyOf"), "{name} is depended on by");
    }
    let team = answer(work, &["team", "team-1"]);
    assert!(team.to_string().contains("user:default/user-7"), "members from Backstage's relations: {team}");

    // Nothing changed: nothing fetched, nothing written.
    let (code, report, text) = index(work, TOKEN);
    assert_eq!(
        (code, report["files_parsed"].as_u64(), report["files_deleted"].as_u64()),
        (Some(0), Some(0), Some(0)),
        "{text}"
    );

    // One file changed and refreshed in Backstage: exactly that entity comes back, by etag.
    let before = backend.entity("svc-5").unwrap()["metadata"]["etag"].clone();
    write_catalog(&work.join("catalog"), Some((5, "Now with a new description")), None);
    let refreshed = backend.request("POST", "/refresh", &json!({"entityRef": "component:default/svc-5"}).to_string());
    assert!(refreshed.status < 300, "{}: {}", refreshed.status, refreshed.body);
    wait_for("re-read the changed file", &backend, || {
        backend.entity("svc-5").is_some_and(|e| e["metadata"]["etag"] != before)
    });
    let (code, report, text) = index(work, TOKEN);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!((report["files_parsed"].as_u64(), report["files_deleted"].as_u64()), (Some(1), Some(0)), "{report}");
    let what = answer(work, &["what-is", "svc-5"]);
    assert!(what.to_string().contains("Now with a new description"), "{what}");

    // An entity gone from Backstage (removed from its file; Backstage deletes it, or orphans it
    // and it is then deleted) is removed.
    write_catalog(&work.join("catalog"), Some((5, "Now with a new description")), Some(9));
    backend.request("POST", "/refresh", &json!({"entityRef": "component:default/svc-8"}).to_string());
    wait_for("drop or orphan svc-9", &backend, || {
        backend.entity("svc-9").is_none_or(|e| e["metadata"]["annotations"]["backstage.io/orphan"] == "true")
    });
    if let Some(orphan) = backend.entity("svc-9") {
        let uid = orphan["metadata"]["uid"].as_str().unwrap().to_owned();
        let deleted = backend.request("DELETE", &format!("/entities/by-uid/{uid}"), "");
        assert!(deleted.status < 300, "{}: {}", deleted.status, deleted.body);
        wait_for("delete svc-9", &backend, || backend.entity("svc-9").is_none());
    }
    let (code, report, text) = index(work, TOKEN);
    assert_eq!((code, report["files_deleted"].as_u64()), (Some(0), Some(1)), "{text}");
    let gone = answer(work, &["what-is", "component:default/svc-9"]);
    assert_ne!(gone["body"]["entity"]["entity_ref"], "component:default/svc-9", "{gone}");

    // A wrong token: a clear error naming the source and its variable, never the token; the
    // last good answers stay, marked stale.
    let wrong = "wrong-token-abcdefgh";
    let (code, report, text) = index(work, wrong);
    assert_eq!(code, Some(1), "{text}");
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains("source `portal`") && error.contains("refused the token") && error.contains(TOKEN_ENV),
        "{error}"
    );
    assert!(!text.contains(wrong), "{text}");
    let owner = answer(work, &["owner", "svc-3"]);
    assert_eq!(owner["stale_sources"][0]["name"], "portal", "{owner}");
    assert_eq!(owner["body"]["owner"]["entity_ref"], "group:default/team-3");
    let (code, _, text) = index(work, TOKEN);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(answer(work, &["owner", "svc-3"])["stale_sources"], json!([]));

    // The backend stops: the source fails, the last good answers are served as stale.
    backend.stop();
    let (code, report, text) = index(work, TOKEN);
    assert_eq!(code, Some(1), "{text}");
    assert!(report["error"].as_str().unwrap().contains("source `portal`"), "{report}");
    let owner = answer(work, &["owner", "svc-3"]);
    assert_eq!(owner["body"]["owner"]["entity_ref"], "group:default/team-3", "{owner}");
    assert_eq!(owner["stale_sources"][0]["name"], "portal", "{owner}");
    let deps = answer(work, &["deps", "svc-17"]);
    assert!(refs(&deps["body"]["nodes"]).contains("resource:default/ghost-db"), "{deps}");
}
