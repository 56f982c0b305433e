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

/// The cells of a CSV line (quoted cells may hold commas and `""`).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// A CSV text as its header and rows of cells.
pub fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines.next().map(split_csv).unwrap_or_default();
    (header, lines.map(split_csv).collect())
}

/// `tally CMD` on the worked example's files (quietly), then `extra`.
pub fn on_worked(cmd: &str, extra: &[&str]) -> Output {
    let (w, i, s) = (
        fixture("works.jsonl"),
        fixture("institutions.jsonl"),
        fixture("journals.txt"),
    );
    let mut a = vec![
        cmd,
        "--works",
        &w,
        "--institutions",
        &i,
        "--sources",
        &s,
        "-q",
    ];
    a.extend_from_slice(extra);
    tally(&a)
}

/// Its standard output, once it is known to have succeeded.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o)
}
