//! A shared library without tally's entry point: loading it as a scorer must fail cleanly.

/// Some unrelated export.
#[unsafe(no_mangle)]
pub extern "C" fn not_a_scorer() -> i32 {
    42
}
