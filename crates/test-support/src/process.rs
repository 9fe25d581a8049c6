//! `backline serve` as a child process of an end-to-end test: started from a `Command` the test
//! prepared (arguments, environment), its stderr collected for failure messages, its address read
//! from the "listening on http://…" line it prints once bound.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Everything `serve` writes to stderr, line by line, as it comes.
pub type Log = Arc<Mutex<String>>;

/// Spawns `command` (stdin and stdout closed, stderr collected) and waits up to `patience` for
/// the address it listens on. Panics with the log so far if it never says.
pub fn spawn_serve(mut command: Command, patience: Duration) -> (Child, SocketAddr, Log) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start backline serve");
    let log: Log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let pipe = child.stderr.take().expect("stderr is piped");
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_owned());
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    match rx.recv_timeout(patience) {
        Ok(addr) => (child, addr.parse().expect("a socket address after `listening on`"), log),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not start: {}", log.lock().unwrap());
        }
    }
}
