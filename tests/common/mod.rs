//! What the command-line tests share: running the `tally` binary, reading
//! its output, and the worked example's files.

#![allow(dead_code)] // each test file uses its own part of it

use std::process::{Command, Output};

/// The worked example's files.
pub const FIXTURE: &str = "crates/testkit/fixtures/design";

/// A file of the worked example.
pub fn fixture(name: &str) -> String {
    format!("{FIXTURE}/{name}")
}

/// Runs `tally` with `args`.
pub fn tally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .output()
        .expect("run tally")
}

/// Its standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Its standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The one `error:` line of a failed run (and no panic).
pub fn error_line(o: &Output) -> String {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "{e}");
    let errors: Vec<&str> = e.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "one error line expected in: {e}");
    errors[0].to_owned()
}
