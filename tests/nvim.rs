//! Proof in a real editor: headless Neovim with Backline's own plugin (`editors/neovim`) on the
//! runtimepath, driven by Lua scenarios in `tests/nvim/`.
//!
//! Two tests, because they fail for different reasons:
//! * `neovim_plugin_speaks_the_contract` runs the plugin against `tests/nvim/fake_server.py`, a
//!   recording stand-in, and checks the client half of the contract: which files attach, one
//!   client per root, `initializationOptions`, `didChangeConfiguration`, the exact
//!   `workspace/executeCommand` payloads of `:BacklineOwner` / `:BacklineCheck`, and restart.
//! * `neovim_user_sees_backline_findings` runs the plugin against the real `backline lsp` on a
//!   temporary workspace and asserts what a user would see: the dangling-owner diagnostic where it
//!   belongs, `team-a` offered after `owner: `, go-to-definition landing on the Group in another
//!   file, and the lifecycle quick fix applied to the buffer.
//!
//! Neovim ≥ 0.7 must be on PATH (Debian 12: `apt-get install neovim` gives 0.7.2). Without it the
//! tests fail under `CI` and otherwise print why they did nothing. Every wait inside Neovim has a
//! timeout and the whole run is killed after `RUN_LIMIT`, so a silent server fails, never hangs.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Upper bound for one Neovim run; the Lua side gives up on each step much earlier.
const RUN_LIMIT: Duration = Duration::from_secs(120);
/// Per-wait timeout inside Neovim (milliseconds).
const STEP_TIMEOUT_MS: &str = "20000";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `program --version` runs. When it does not: panic under CI, else explain and skip.
fn require_tool(program: &str, test: &str, hint: &str) -> bool {
    let works = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{test}: `{program}` is required when CI is set ({hint})");
    eprintln!("SKIPPED {test}: `{program}` is not on PATH ({hint}); nothing was tested.");
    false
}

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("fixture paths have a parent")).expect("create fixture dir");
    fs::write(&path, contents).expect("write fixture");
}

/// Runs headless Neovim with `tests/nvim/init.lua` and one scenario; returns the scenario's JSON.
fn run_scenario(scenario: &str, scratch: &Path, vars: &[(&str, OsString)]) -> Value {
    let output = scratch.join("results.json");
    let stdout = scratch.join("nvim.stdout");
    let stderr = scratch.join("nvim.stderr");
    let mut command = Command::new("nvim");
    command
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-u"])
        .arg(repo().join("tests/nvim/init.lua"))
        .current_dir(scratch)
        .env("BACKLINE_NVIM_PLUGIN", repo().join("editors/neovim"))
        .env("BACKLINE_NVIM_SCENARIO", repo().join("tests/nvim").join(scenario))
        .env("BACKLINE_NVIM_OUTPUT", &output)
        .env("BACKLINE_NVIM_TIMEOUT_MS", STEP_TIMEOUT_MS)
        // Keep the user's own Neovim state out of the run.
        .env("XDG_CONFIG_HOME", scratch.join("xdg-config"))
        .env("XDG_DATA_HOME", scratch.join("xdg-data"))
        .env("XDG_STATE_HOME", scratch.join("xdg-state"))
        .env("XDG_CACHE_HOME", scratch.join("xdg-cache"))
        .env("NVIM_LOG_FILE", scratch.join("nvim.log"))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout).expect("stdout file"))
        .stderr(fs::File::create(&stderr).expect("stderr file"));
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn nvim");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break Some(status);
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let logs = || {
        format!(
            "--- nvim stderr ---\n{}\n--- nvim stdout ---\n{}\n--- Neovim LSP log (server stderr) ---\n{}",
            fs::read_to_string(&stderr).unwrap_or_default(),
            fs::read_to_string(&stdout).unwrap_or_default(),
            lsp_log(scratch)
        )
    };
    let Some(status) = status else {
        panic!("nvim ran longer than {RUN_LIMIT:?} and was killed\n{}", logs());
    };
    let text = fs::read_to_string(&output).unwrap_or_else(|err| {
        panic!("nvim exited with {status} without writing {}: {err}\n{}", output.display(), logs())
    });
    let results: Value = serde_json::from_str(&text).expect("scenario results are JSON");
    if let Some(error) = results.get("error") {
        panic!("the Lua scenario {scenario} failed:\n{}\n{}", error.as_str().unwrap_or_default(), logs());
    }
    assert!(status.success(), "nvim exited with {status}\n{}", logs());
    results
}

/// Neovim's LSP log, where it writes the server's stderr (0.7: cache dir; 0.8+: state dir).
fn lsp_log(scratch: &Path) -> String {
    ["xdg-cache/nvim/lsp.log", "xdg-state/nvim/lsp.log"]
        .iter()
        .filter_map(|relative| fs::read_to_string(scratch.join(relative)).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The messages one fake-server process received, in order (first entry: its argv).
fn fake_server_logs(dir: &Path) -> Vec<Vec<Value>> {
    let mut logs: Vec<Vec<Value>> = fs::read_dir(dir)
        .expect("fake server log dir")
        .map(|entry| {
            let text = fs::read_to_string(entry.expect("log entry").path()).expect("read log");
            text.lines().map(|line| serde_json::from_str(line).expect("log line is JSON")).collect()
        })
        .collect();
    logs.sort_by_key(|log: &Vec<Value>| log.len());
    logs
}

fn messages<'a>(log: &'a [Value], method: &str) -> Vec<&'a Value> {
    log.iter().filter(|message| message["method"] == method).collect()
}

fn step<'a>(results: &'a Value, name: &str) -> &'a Value {
    let step = &results["steps"][name];
    assert!(step.get("error").is_none(), "step {name} failed in Neovim:\n{}", step["error"]);
    step
}

#[test]
fn neovim_plugin_speaks_the_contract() {
    const TEST: &str = "neovim_plugin_speaks_the_contract";
    if !require_tool("nvim", TEST, "apt-get install neovim")
        || !require_tool("python3", TEST, "the fake server is Python")
    {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path().canonicalize().expect("canonical tempdir");
    let ws = tmp.join("ws");
    let other = tmp.join("other");
    let logs = tmp.join("server-logs");
    fs::create_dir_all(ws.join(".git")).expect("marker");
    fs::create_dir_all(&logs).expect("log dir");
    let component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";
    write(&ws, "catalog-info.yaml", component);
    write(&ws, "billing/payments.catalog-info.yaml", component);
    write(
        &ws,
        "org.yaml",
        "# Teams\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n",
    );
    write(&ws, "k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n");
    write(&ws, "notes.yaml", "owner: team-a\n");
    write(&ws, "indented.yaml", "template:\n  apiVersion: backstage.io/v1alpha1\n  kind: Component\n");
    write(&ws, "catalog-info.yml", "apiVersion: v1\nkind: ConfigMap\n");
    write(&other, "catalog-info.yaml", component);

    let results = run_scenario(
        "plugin_contract.lua",
        &tmp,
        &[
            ("BACKLINE_TEST_WORKSPACE", ws.clone().into()),
            ("BACKLINE_TEST_OTHER_ROOT", other.clone().into()),
            ("BACKLINE_TEST_FAKE_SERVER", repo().join("tests/nvim/fake_server.py").into()),
            ("FAKE_LSP_LOG_DIR", logs.clone().into()),
        ],
    );

    // Which buffers got the server, and that one workspace means one client.
    let attach = step(&results, "attach");
    let attached = &attach["attached"];
    let ws_client = &attached["catalog-info.yaml"];
    assert!(ws_client.is_number(), "catalog-info.yaml did not attach: {attach}");
    for name in ["billing/payments.catalog-info.yaml", "org.yaml"] {
        assert_eq!(&attached[name], ws_client, "{name} should share the workspace client: {attach}");
    }
    for name in ["k8s/deploy.yaml", "notes.yaml", "indented.yaml", "catalog-info.yml"] {
        assert_eq!(attached[name], false, "{name} is not a catalog file but attached: {attach}");
    }
    let other_client = &attached["other/catalog-info.yaml"];
    assert!(other_client.is_number() && other_client != ws_client, "a second root needs its own client: {attach}");
    let roots = attach["roots"].as_object().expect("roots");
    assert_eq!(roots.get(&ws_client.to_string()).and_then(Value::as_str), ws.to_str());
    assert_eq!(roots.get(&other_client.to_string()).and_then(Value::as_str), other.to_str());

    // :BacklineOwner shows the server's markdown in a float.
    let owner = step(&results, "owner");
    let float = owner["float_lines"].as_array().expect("a floating window with the owner markdown");
    assert!(float.iter().any(|line| line.as_str().is_some_and(|l| l.contains("Team A"))), "{owner}");

    // :BacklineCheck reports the counts and lists the published findings in the quickfix list.
    let check = step(&results, "check");
    assert!(
        check["notifications"].as_array().expect("notifications").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("3 catalog files") && n.contains("1 error,") && n.contains("2 warnings"))),
        "{check}"
    );
    let quickfix = check["quickfix"].as_array().expect("quickfix");
    assert!(
        quickfix.iter().any(|item| item["file"] == ws.join("org.yaml").to_str().unwrap() && item["lnum"] == 5),
        "{check}"
    );

    // A YAML file becomes a catalog file when its apiVersion line is saved, on the same client.
    let later = step(&results, "becomes_catalog");
    assert_eq!(later["before"], false, "{later}");
    assert_eq!(&later["after"], ws_client, "{later}");

    // update_settings() reaches the server (checked in its log below).
    step(&results, "update_settings");

    // :BacklineRestart replaces the client and re-attaches every catalog buffer.
    let restart = step(&results, "restart");
    assert!(restart["after"].is_number() && restart["after"] != restart["before"], "{restart}");
    assert_eq!(restart["org_after"], restart["after"], "{restart}");
    assert!(restart["other_after"].is_number() && restart["other_after"] != restart["after"], "{restart}");
    assert_eq!(restart["clients"], 2, "{restart}");

    // What the servers received. Four processes: workspace and other root, then both restarted.
    let logs = fake_server_logs(&logs);
    assert_eq!(logs.len(), 4, "expected 4 server processes, got {}", logs.len());
    let expected_settings = serde_json::json!({
        "catalogs": [ws.join("catalogs/extra").to_str().unwrap(), "/srv/index.db", "postgres://db/catalog"],
        "lints": { "BL0101": "error" },
        "trace": "off",
    });
    let ws_uri = file_uri(&ws);
    let first_ws = logs
        .iter()
        .find(|log| {
            messages(log, "initialize")[0]["params"]["rootUri"] == ws_uri.as_str()
                && !messages(log, "workspace/executeCommand").is_empty()
        })
        .expect("the first workspace server ran the commands");
    assert_eq!(first_ws[0]["argv"], serde_json::json!(["lsp"]), "started as `<cmd> lsp`");
    let initialize = messages(first_ws, "initialize")[0];
    assert_eq!(initialize["params"]["initializationOptions"], expected_settings);
    let changes = messages(first_ws, "workspace/didChangeConfiguration");
    assert!(!changes.is_empty(), "no didChangeConfiguration after initialize");
    assert_eq!(changes[0]["params"]["settings"], serde_json::json!({ "backline": expected_settings }));
    let mut quiet = expected_settings.clone();
    quiet["lints"]["BL0101"] = "off".into();
    assert_eq!(
        changes.last().expect("a change")["params"]["settings"],
        serde_json::json!({ "backline": quiet }),
        "update_settings() must send the new settings"
    );

    let mut opened: Vec<String> = messages(first_ws, "textDocument/didOpen")
        .iter()
        .map(|m| {
            assert_eq!(m["params"]["textDocument"]["languageId"], "yaml");
            m["params"]["textDocument"]["uri"].as_str().expect("uri").to_string()
        })
        .collect();
    opened.sort();
    opened.dedup();
    let mut expected_open: Vec<String> =
        ["billing/payments.catalog-info.yaml", "catalog-info.yaml", "later.yaml", "org.yaml"]
            .iter()
            .map(|name| file_uri(&ws.join(name)))
            .collect();
    expected_open.sort();
    assert_eq!(opened, expected_open, "exactly the catalog files are opened on the server");

    let commands = messages(first_ws, "workspace/executeCommand");
    assert_eq!(
        commands[0]["params"],
        serde_json::json!({
            "command": "backline.ownerAt",
            "arguments": [{ "uri": file_uri(&ws.join("catalog-info.yaml")), "position": { "line": 2, "character": 3 } }],
        })
    );
    assert_eq!(commands[1]["params"]["command"], "backline.checkWorkspace");
    let no_arguments = commands[1]["params"].get("arguments").is_none_or(|a| a.as_array().is_some_and(Vec::is_empty));
    assert!(no_arguments, "checkWorkspace takes no arguments: {}", commands[1]);
    for log in &logs {
        assert!(!messages(log, "exit").is_empty(), "every server is shut down cleanly");
    }
}

#[test]
fn neovim_user_sees_backline_findings() {
    const TEST: &str = "neovim_user_sees_backline_findings";
    if !require_tool("nvim", TEST, "apt-get install neovim") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path().canonicalize().expect("canonical tempdir");
    let ws = tmp.join("ws");
    fs::create_dir_all(ws.join(".git")).expect("marker");
    let org = "\
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  description: Team A
spec:
  type: team
  children: []
";
    let payments = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
spec:
  type: service
  lifecycle: production
  owner: team-ghost
";
    let billing = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
spec:
  type: service
  lifecycle: prodution
  owner: team-a
";
    write(&ws, "org.yaml", org);
    write(&ws, "catalog-info.yaml", payments);
    write(&ws, "billing/catalog-info.yaml", billing);

    let results = run_scenario(
        "real_server.lua",
        &tmp,
        &[
            ("BACKLINE_TEST_WORKSPACE", ws.clone().into()),
            ("BACKLINE_TEST_SERVER", env!("CARGO_BIN_EXE_backline").into()),
        ],
    );
    assert_eq!(
        results["attached"],
        true,
        "the plugin did not attach `backline lsp` ({}): {results}\n--- Neovim LSP log (server stderr) ---\n{}",
        results["attach_outcome"],
        lsp_log(&tmp)
    );
    assert_eq!(results["backline_clients"], 1, "one workspace, one server: {results}");

    // (1) The dangling owner, where the user typed it: line 7, the value `team-ghost` (9..19).
    let dangling = step(&results, "dangling_owner");
    let diagnostics = dangling["diagnostics"].as_array().expect("diagnostics");
    let ghost = diagnostics
        .iter()
        .find(|d| d["message"].as_str().is_some_and(|m| m.contains("team-ghost")))
        .unwrap_or_else(|| panic!("no diagnostic mentions team-ghost: {dangling}"));
    assert_eq!(ghost["code"], "BL0101", "{ghost}");
    assert_eq!(ghost["range"]["start"], serde_json::json!({ "line": 7, "character": 9 }), "{ghost}");
    assert_eq!(ghost["range"]["end"], serde_json::json!({ "line": 7, "character": 19 }), "{ghost}");

    // (2) Completion after `owner: ` offers the Group from org.yaml, a file never opened.
    let completion = step(&results, "completion");
    let offers_team_a = completion["items"].as_array().expect("items").iter().any(|item| {
        ["label", "insertText", "newText"].iter().any(|key| {
            item[key].as_str().is_some_and(|text| matches!(text, "team-a" | "group:team-a" | "group:default/team-a"))
        })
    });
    assert!(offers_team_a, "completion at `owner: ` does not offer team-a: {completion}");

    // (3) Go to definition on `team-a` lands in org.yaml, inside the Group document (lines 7-15),
    // not on the User that mentions it.
    let definition = step(&results, "definition");
    let locations = definition["locations"].as_array().expect("locations");
    assert_eq!(locations.len(), 1, "{definition}");
    assert_eq!(locations[0]["uri"], file_uri(&ws.join("org.yaml")), "{definition}");
    let target_line = locations[0]["range"]["start"]["line"].as_u64().expect("line");
    assert!((7..=15).contains(&target_line), "definition lands on line {target_line}, outside the Group: {definition}");

    // :BacklineOwner and :BacklineCheck against the real server: the owner of billing in a float,
    // and the workspace's findings (including the unopened-file-independent team-ghost) listed.
    let commands = step(&results, "commands");
    let float = commands["owner_float"].as_array().unwrap_or_else(|| panic!("no owner float: {commands}"));
    assert!(float.iter().any(|l| l.as_str().is_some_and(|l| l.contains("group:default/team-a"))), "{commands}");
    assert!(
        commands["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n.contains("checked 3 catalog files"))),
        "{commands}"
    );
    let payments_file = ws.join("catalog-info.yaml");
    assert!(
        commands["quickfix"]
            .as_array()
            .expect("quickfix")
            .iter()
            .any(|item| item["file"] == payments_file.to_str().unwrap()
                && item["lnum"] == 8
                && item["text"].as_str().is_some_and(|t| t.contains("team-ghost"))),
        "{commands}"
    );

    // (4) The lifecycle quick fix, applied, leaves `production` in the buffer.
    let fix = step(&results, "quick_fix");
    assert_eq!(fix["applied"], true, "no code action offered for the lifecycle diagnostic: {fix}");
    assert_eq!(fix["line_text"], "  lifecycle: production", "{fix}");

    assert_eq!(results["server_errors"], serde_json::json!([]), "the server reported errors: {results}");
}
