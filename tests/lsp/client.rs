//! A small LSP client for driving the real `backline lsp` over its stdio: Content-Length framing,
//! request ids, notifications collected as they arrive, automatic answers to the server's own
//! requests, and a deadline on every wait so a silent server fails a test instead of hanging it.
//!
//! Shared by the end-to-end tests (`tests/lsp.rs`) and the benchmark (`lsp/benches/lsp.rs`), so
//! it depends on nothing but `std` and `serde_json`.

#![allow(dead_code, reason = "each user needs a different part of the client")]
#![allow(unreachable_pub, reason = "a module shared by a test and a bench; `pub` marks the API they use")]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Server messages received but not consumed yet (notifications, responses to other ids).
    pending: VecDeque<Value>,
    /// Every notification ever received, in order (tests inspect history).
    pub history: Vec<Value>,
    /// Requests the server sent to us.
    pub server_requests: Vec<Value>,
    stderr: Arc<Mutex<String>>,
    pub pid: u32,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0u8; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts `binary lsp` with extra environment variables.
    pub fn spawn(binary: &Path, cwd: &Path, env: &[(&str, &str)]) -> Client {
        let mut cmd = Command::new(binary);
        cmd.arg("lsp").current_dir(cwd).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start backline lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let pid = child.id();
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            pending: VecDeque::new(),
            history: Vec::new(),
            server_requests: Vec::new(),
            stderr,
            pid,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(&body);
        self.stdin.write_all(&out).expect("write to server");
        self.stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Receives one message into the pending queue, answering server requests on the way.
    fn pump(&mut self, deadline: Instant) -> bool {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(msg) => {
                if msg.get("method").is_some() && msg.get("id").is_some() {
                    // A request from the server: answer so it never waits on us.
                    let result = match msg["method"].as_str() {
                        Some("workspace/configuration") => {
                            let n = msg["params"]["items"].as_array().map_or(1, Vec::len);
                            Value::Array(vec![Value::Null; n])
                        }
                        _ => Value::Null,
                    };
                    let id = msg["id"].clone();
                    self.server_requests.push(msg);
                    self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
                } else {
                    if msg.get("method").is_some() {
                        self.history.push(msg.clone());
                    }
                    self.pending.push_back(msg);
                }
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed its output; stderr:\n{}", self.stderr())
            }
        }
    }

    /// The full response (with `result` or `error`) to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self
                .pending
                .iter()
                .position(|m| m.get("id").and_then(Value::as_i64) == Some(id) && m.get("method").is_none())
            {
                return self.pending.remove(i).unwrap();
            }
            if !self.pump(deadline) {
                panic!("no response to request {id} within {TIMEOUT:?}; stderr:\n{}", self.stderr());
            }
        }
    }

    /// Sends a request and returns the full response.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Sends a request and returns its result; an error response fails the test.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params.clone());
        if let Some(err) = response.get("error") {
            panic!("{method} {params} failed: {err}");
        }
        response["result"].clone()
    }

    /// Waits for a notification matching `pred`, consuming it (and the ones before it that did
    /// not match stay queued).
    pub fn wait_notification(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.pending.iter().position(|m| m.get("method").is_some() && pred(m)) {
                return self.pending.remove(i);
            }
            if !self.pump(deadline) {
                return None;
            }
        }
    }

    /// The next `publishDiagnostics` for `uri` whose parameters satisfy `pred`.
    pub fn diagnostics_where(&mut self, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let uri = uri.to_owned();
        self.wait_notification(TIMEOUT, |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str() && pred(&m["params"])
        })
        .unwrap_or_else(|| panic!("no matching diagnostics for {uri}; stderr:\n{}", self.stderr()))["params"]
            .clone()
    }

    /// The next `publishDiagnostics` for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        self.diagnostics_where(uri, |_| true)
    }

    /// Drops queued notifications (e.g. stale diagnostics before a new measurement).
    pub fn drain(&mut self) {
        while self.pump(Instant::now() + Duration::from_millis(1)) {}
        self.pending.retain(|m| m.get("method").is_none());
    }

    /// `initialize` + `initialized` with the given capabilities and options.
    pub fn initialize(&mut self, root: &Path, capabilities: Value, options: Value) -> Value {
        let uri = file_uri(root);
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Resident memory of the server process in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
    }

    /// Peak resident memory in KiB (Linux).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
    }

    /// `shutdown` + `exit`; returns whether the process exited by itself.
    pub fn shutdown(mut self) -> bool {
        let id = self.send_request("shutdown", Value::Null);
        let _ = self.response(id);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => s.push(b as char),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Capabilities of a modern client (VS Code-like), with or without UTF-8 positions.
pub fn capabilities(utf8: bool) -> Value {
    let encodings = if utf8 { json!(["utf-8", "utf-16"]) } else { json!(["utf-16"]) };
    json!({
        "general": {"positionEncodings": encodings},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}, "workspaceFolders": true},
        "textDocument": {
            "completion": {"completionItem": {
                "snippetSupport": true,
                "labelDetailsSupport": true,
                "resolveSupport": {"properties": ["documentation", "detail"]}
            }},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "publishDiagnostics": {"relatedInformation": true},
            "rename": {"prepareSupport": true}
        }
    })
}
