//! `tally new-scorer NAME`: a ready-to-build scorer plugin crate.
//!
//! The crate depends on this checkout's `tally-core` and `tally-testkit` by
//! path (override with `--tally PATH`), implements fractional counting as a
//! starting point, exports it with `export_scorer!`, and has the contract,
//! ABI round-trip and snapshot tests of `tally-testkit`.

use std::path::{Path, PathBuf};

/// Why `tally new-scorer` refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// Not a name a scorer can have.
    #[error("`{0}` is not a scorer name: use lower-case letters, digits and `-`, starting with a letter")]
    BadName(String),
    /// The folder is there already.
    #[error("{}: already exists; choose a new folder", .0.display())]
    Exists(PathBuf),
    /// `--tally` is not a tally checkout.
    #[error("{}: not a tally checkout (no crates/core); give --tally PATH", .0.display())]
    NotTally(PathBuf),
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// Where.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where this tally's sources are (the default for `--tally`).
pub fn default_tally_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let ok = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ScaffoldError::BadName(name.to_owned()))
    }
}

fn type_name(name: &str) -> String {
    name.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Writes the crate into `dir` (which must not exist yet). Returns the files
/// written. The config it writes loads the library from
/// `<target_dir>/release/` (`target_dir`: the `CARGO_TARGET_DIR` the crate
/// will be built with, if any), else from the crate's `target/release/`.
pub fn new_scorer(
    name: &str,
    dir: &Path,
    tally: &Path,
    target_dir: Option<&Path>,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    check_name(name)?;
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir.to_path_buf()));
    }
    let tally =
        std::fs::canonicalize(tally).map_err(|_| ScaffoldError::NotTally(tally.to_path_buf()))?;
    if !tally.join("crates/core/Cargo.toml").is_file() {
        return Err(ScaffoldError::NotTally(tally));
    }
    let ty = type_name(name);
    // The built-in scorer that ranks when a config does not say: a column to compare with.
    let registry = crate::scorers::registry();
    let builtin = registry
        .ranked_by_default()
        .or_else(|| registry.iter().next())
        .map(|b| b.name.as_str())
        .unwrap_or_default();
    let lib = name.replace('-', "_");
    let library = match target_dir {
        Some(t) => format!("{}/release/lib{lib}", t.display()),
        None => format!("target/release/lib{lib}"),
    };
    let core = tally.join("crates/core");
    let testkit = tally.join("crates/testkit");
    let files = [
        (
            "Cargo.toml",
            format!(
                r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
# cdylib: the shared library tally loads; rlib: for the tests.
crate-type = ["cdylib", "rlib"]

[dependencies]
tally-core = {{ path = "{core}" }}

[dev-dependencies]
tally-testkit = {{ path = "{testkit}" }}

# A crate of its own, not part of any enclosing workspace.
[workspace]
"#,
                core = core.display(),
                testkit = testkit.display()
            ),
        ),
        (
            "src/lib.rs",
            format!(
                r#"//! `{name}`: a tally scorer.
//!
//! Formula: each of an article's n authors gets 1/n, split equally over the
//! author's institutions (fractional counting). Replace `score` with yours,
//! and say here what it computes and where it comes from.

use tally_core::{{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
}};

/// The scorer.
#[derive(Clone, Copy, Debug, Default)]
pub struct {ty};

impl Scorer for {ty} {{
    fn info(&self) -> ScorerInfo {{
        ScorerInfo::new(
            "{name}",
            env!("CARGO_PKG_VERSION"),
            "fractional counting (replace with a one-line description)",
            ScoreKind::Fractional,
        )
    }}

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {{
        // Author i (0-based) of n gets part(i, n), split over their institutions.
        credit_by_position(article, out, |_i, n| 1.0 / n as f64);
    }}
}}

impl FromParams for {ty} {{
    /// `params` is the `[[scorer]] params` table of the config, as JSON;
    /// the error names the key that is wrong (`ParamsError::at`).
    fn from_params(params: &str) -> Result<Self, ParamsError> {{
        tally_core::no_params(params).map(|()| {ty})
    }}
}}

tally_core::export_scorer!({ty});

#[cfg(test)]
mod tests {{
    use super::*;

    /// CHANGE THIS when you change `score`: it checks the formula above (1/n
    /// per author, split over institutions) on tally's worked example
    /// (docs/methodology.md in tally), where Beijing gets 1/4 + 1/8 from
    /// W1 and 1/6 + 1/6 from W2 in 2022. Work out your method's value for
    /// Beijing by hand and put it here.
    #[test]
    fn worked_example_by_hand() {{
        let t = tally_testkit::rankings::totals(&{ty}, "city", 2022);
        assert!((t["1816670"] - 17.0 / 24.0).abs() < 1e-12);
    }}

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {{
        // Directly, through the C ABI, and the two compared.
        tally_testkit::check_contract_with_abi::<{ty}>("{{}}").unwrap();
    }}

    /// The rankings at every level, as snapshots in `src/snapshots/`: the
    /// first `cargo test` writes them (insta.yaml: `update: unseen`); read
    /// them, commit them, and from then on a change in a ranking fails this
    /// test and leaves a `.snap.new` next to the snapshot to review
    /// (`cargo insta review`, or replace the `.snap` with it).
    #[test]
    fn rankings() {{
        tally_testkit::assert_scorer_snapshot!({ty});
    }}
}}
"#
            ),
        ),
        (
            "tally.toml",
            format!(
                r#"# Ranks the worked example with this scorer next to the built-in {builtin}.
# Build first (cargo build --release), then:  tally rank --config tally.toml
[input]
works = "{fx}/works.jsonl"
institutions = "{fx}/institutions.jsonl"
sources = "{fx}/journals.txt"

[filter]
years = "2022"

[rank]
by = "{name}"

[[scorer]]
name = "{name}"
library = "{library}"   # where cargo build --release puts it; the suffix (.so, .dylib) may be left off
params = {{}}

[[scorer]]
name = "{builtin}"
"#,
                fx = tally.join("crates/testkit/fixtures/design").display()
            ),
        ),
        ("README.md", format!("# {name}\n\nA tally scorer plugin. See `docs/writing-a-scorer.md` in tally.\n\n```sh\ncargo test\ncargo build --release\ntally rank --config tally.toml\n```\n")),
        (".gitignore", "/target\n*.snap.new\n".to_string()),
        (
            "insta.yaml",
            "# The first run writes new snapshots; a changed one fails the test and\n# is written next to the old as .snap.new, to review.\nbehavior:\n  update: unseen\n".to_string(),
        ),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config's library path follows CARGO_TARGET_DIR when one is set.
    #[test]
    fn the_library_path_follows_the_target_dir() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let base = std::env::temp_dir().join(format!("tally-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        for (target, want) in [
            (None, "library = \"target/release/libx_y\"".to_string()),
            (
                Some(Path::new("/t/dir")),
                "library = \"/t/dir/release/libx_y\"".to_string(),
            ),
        ] {
            let dir = base.join(if target.is_some() { "with" } else { "without" });
            new_scorer("x-y", &dir, root, target).unwrap();
            let toml = std::fs::read_to_string(dir.join("tally.toml")).unwrap();
            assert!(toml.contains(&want), "{toml}");
            let insta = std::fs::read_to_string(dir.join("insta.yaml")).unwrap();
            assert!(insta.contains("update: unseen"));
        }
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn names_become_types() {
        assert_eq!(type_name("my-scorer"), "MyScorer");
        assert_eq!(type_name("harmonic"), "Harmonic");
        assert!(check_name("My Scorer").is_err());
        assert!(check_name("2nd").is_err());
        assert!(check_name("first-author").is_ok());
    }
}
