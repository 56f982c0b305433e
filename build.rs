//! Tells the tests whether the project's shared data (real OpenAlex works
//! and ROR records) sits next to the checkout: the tests that need it are
//! marked ignored, with the reason, when it does not (`cfg(shared_data)`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rerun-if-changed=build.rs");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if data.join("openalex/works.jsonl.gz").is_file()
        && data.join("ror/ror-records.jsonl.gz").is_file()
    {
        println!("cargo::rustc-cfg=shared_data");
    }
}
