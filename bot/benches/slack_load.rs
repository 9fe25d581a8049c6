//! Load generator for the Slack slash-command endpoint (written below).
fn main() {}
