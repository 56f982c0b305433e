//! Tells the tests whether the project's shared data (real OpenAlex works
//! and ROR records) sits next to the checkout: the tests that need it are
//! marked ignored, with the reason, when it does not (`cfg(shared_data)`);
//! and whether a Chromium is on the PATH for the HTML report's browser
//! test (`cfg(chromium)`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rustc-check-cfg=cfg(chromium)");
    println!("cargo::rerun-if-env-changed=PATH");
    // A headless browser for the HTML report's test (tests/html.rs).
    if let Some(path) = std::env::var_os("PATH") {
        if std::env::split_paths(&path)
            .any(|d| d.join("chromium").is_file() || d.join("chromium-browser").is_file())
        {
            println!("cargo::rustc-cfg=chromium");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if data.join("openalex/works.jsonl.gz").is_file()
        && data.join("ror/ror-records.jsonl.gz").is_file()
    {
        println!("cargo::rustc-cfg=shared_data");
    }
}
