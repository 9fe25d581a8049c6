//! Log output captured in memory, for tests that check what reaches a log (secrets must not):
//! hand a clone to `tracing_subscriber::fmt().with_writer(...)`, read it back as text.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A `Write` into a shared buffer; clones share it.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
