//! Scorers loaded at run time from shared libraries named in a config file:
//! the built-in count and share built as cdylibs give byte-identical
//! rankings; each example scorer ranks the worked example as computed by
//! hand; every kind of broken plugin gives a clear error naming it, and
//! tally exits non-zero without crashing.
//!
//! Every nested build goes under the target folder cargo gave these tests
//! (`CARGO_TARGET_TMPDIR`), offline and locked to the workspace's Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tally_testkit::Scratch;

mod common;
use common::tally;

const PLUGINS: &[&str] = &[
    "tally-count",
    "tally-share",
    "tally-first-author",
    "tally-harmonic",
    "tally-geometric",
    "tally-fractional",
    "tally-test-misbehave",
    "tally-test-wrong-abi",
    "tally-test-future-minor",
    "tally-test-bad-kind",
    "tally-test-no-symbol",
];

/// The target folder of nested builds: in the one cargo gave these tests,
/// wherever `CARGO_TARGET_DIR` puts it.
fn nested_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-tests")
}

/// `cargo`, offline: nested builds use what the outer build fetched.
fn cargo(dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir).arg("--offline");
    cmd
}

/// Builds every plugin library once (debug, in a target folder of its own so
/// the `export` feature of count and share does not touch tally's own build).
fn libdir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = nested_target();
        let mut cmd = cargo(Path::new(env!("CARGO_MANIFEST_DIR")));
        cmd.args(["build", "--locked", "--quiet", "--target-dir"])
            .arg(&target)
            .args(["--features", "tally-count/export,tally-share/export"]);
        for p in PLUGINS {
            cmd.args(["-p", p]);
        }
        let out = cmd.output().expect("run cargo build for the plugins");
        assert!(
            out.status.success(),
            "building plugins failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("debug")
    })
}

fn lib(crate_name: &str) -> PathBuf {
    let file = format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        crate_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    libdir().join(file)
}

/// Writes a config for the worked example (2022) with the given scorer tables.
fn config(s: &Scratch, name: &str, scorers: &str) -> String {
    let fx = std::fs::canonicalize("crates/testkit/fixtures/design").unwrap();
    s.file(
        name,
        &format!(
            "[input]\nworks = \"{0}/works.jsonl\"\ninstitutions = \"{0}/institutions.jsonl\"\nsources = \"{0}/journals.txt\"\n\n[filter]\nyears = \"2022\"\n\n{scorers}",
            fx.display()
        ),
    )
}

fn scorer_toml(name: &str, library: Option<&Path>, params: &str) -> String {
    let mut s = format!("[[scorer]]\nname = \"{name}\"\n");
    if let Some(l) = library {
        s.push_str(&format!("library = \"{}\"\n", l.display()));
    }
    if !params.is_empty() {
        s.push_str(&format!("params = {params}\n"));
    }
    s.push('\n');
    s
}

#[test]
fn count_and_share_as_plugins_match_the_builtins_byte_for_byte() {
    let s = Scratch::new("builtins");
    let builtin = config(
        &s,
        "builtin.toml",
        &(scorer_toml("count", None, "") + &scorer_toml("share", None, "")),
    );
    let loaded = config(
        &s,
        "loaded.toml",
        &(scorer_toml("count", Some(&lib("tally-count")), "")
            + &scorer_toml("share", Some(&lib("tally-share")), "")),
    );
    for level in ["institution", "city", "country"] {
        for years in ["2021", "2022", "all"] {
            let run = |cfg: &str, extra: &[&str]| {
                let mut args = vec![
                    "rank", "--config", cfg, "--level", level, "--years", years, "--format", "csv",
                    "-q",
                ];
                args.extend_from_slice(extra);
                let o = tally(&args);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                o.stdout
            };
            assert_eq!(
                run(&builtin, &[]),
                run(&loaded, &[]),
                "worked example, {level} {years}"
            );
        }
    }
    // The provenance names the library loaded and the digest of its bytes.
    let o = tally(&["rank", "--config", &loaded, "--format", "json", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let origin = v["run"]["scorers"][0]["origin"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = tally_ingest::files::Opened::open(&lib("tally-count"))
        .and_then(|f| f.finish())
        .unwrap();
    assert!(
        origin.ends_with(&format!(" ({})", file.digest)) && origin.contains("tally_count"),
        "{origin}"
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn count_and_share_as_plugins_match_the_builtins_on_real_data() {
    let s = Scratch::new("builtins-real");
    {
        // Real OpenAlex works with OpenAlex institutions and ROR, all types and years.
        let real = |name: &str, scorers: &str| {
            let text = format!(
                "[input]\nworks = \"{0}/openalex/works.jsonl.gz\"\ninstitutions = [\"{0}/openalex/institutions.jsonl.gz\", \"{0}/ror/ror-records.jsonl.gz\"]\n\n[filter]\ntypes = \"all\"\n\n{scorers}",
                std::fs::canonicalize("../shared/data").unwrap().display()
            );
            s.file(name, &text)
        };
        let builtin = real(
            "real-builtin.toml",
            &(scorer_toml("count", None, "") + &scorer_toml("share", None, "")),
        );
        let loaded = real(
            "real-loaded.toml",
            &(scorer_toml("count", Some(&lib("tally-count")), "")
                + &scorer_toml("share", Some(&lib("tally-share")), "")),
        );
        for level in ["institution", "city", "country"] {
            let run = |cfg: &str| {
                let o = tally(&[
                    "rank", "--config", cfg, "--level", level, "--format", "csv", "-q",
                ]);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                o.stdout
            };
            let (a, b) = (run(&builtin), run(&loaded));
            assert!(
                a.len() > 2000,
                "{level}: a real ranking ({} bytes)",
                a.len()
            );
            assert_eq!(a, b, "shared data, {level}");
        }
    }
}

#[test]
fn example_scorers_rank_the_worked_example_as_computed_by_hand() {
    let s = Scratch::new("examples");
    let cfg = config(
        &s,
        "examples.toml",
        &(scorer_toml("harmonic", Some(&lib("tally-harmonic")), "")
            + &scorer_toml("geometric", Some(&lib("tally-geometric")), "")
            + &scorer_toml("first-author", Some(&lib("tally-first-author")), "")
            + &scorer_toml("fractional", Some(&lib("tally-fractional")), "{ cap = 2 }")
            + &scorer_toml("share", None, "")
            + "[rank]\nby = \"harmonic\"\n"),
    );
    let o = tally(&["rank", "--config", &cfg, "--format", "csv", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // By hand (see each plugin's tests):
    //   harmonic   Beijing 15/25 + 2/11, Cambridge GB 15/22, Cambridge US 4/25 + 3/22, Hefei 3/25
    //   geometric  Beijing 10/15 + 1/7, Cambridge GB 5/7, Cambridge US 2/15 + 1/7, Hefei 2/15
    //   first      Beijing 1, Cambridge GB 1
    //   fractional (cap 2) Beijing 3/4, Cambridge GB 3/4, Cambridge US 1/4, Hefei 1/4
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "rank,entity_id,entity_name,harmonic,geometric,first-author,fractional,share\n\
         1,1816670,\"Beijing, CN\",0.781818,0.809524,1.000000,0.750000,0.708333\n\
         2,2653941,\"Cambridge, GB\",0.681818,0.714286,1.000000,0.750000,0.500000\n\
         3,4931972,\"Cambridge, US\",0.296364,0.276190,0.000000,0.250000,0.416667\n\
         4,1808722,\"Hefei, CN\",0.120000,0.133333,0.000000,0.250000,0.125000\n"
    );
    // The platform suffix may be left off.
    let bare = lib("tally-harmonic").with_extension("");
    let cfg = config(&s, "bare.toml", &scorer_toml("harmonic", Some(&bare), ""));
    let o = tally(&["rank", "--config", &cfg, "--format", "csv", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // And `tally scorers` lists it with version, ABI, library and description.
    let o = tally(&["scorers", "--config", &cfg]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listing = String::from_utf8(o.stdout).unwrap();
    let line = listing.lines().find(|l| l.starts_with("harmonic")).unwrap();
    assert!(
        line.contains(" 0.1.0 ") && line.contains(" 1.0 ") && line.contains("libtally_harmonic"),
        "{line}"
    );
    assert!(line.contains("Hodge & Greenberg 1981"), "{line}");
}

/// Runs the worked example with one broken scorer; returns the error line.
/// A scorer that cannot be loaded or refuses its params is a config error
/// (exit 2); one that fails while scoring fails the run (exit 1).
fn broken(name: &str, library: &Path, params: &str, extra: &str) -> String {
    broken_with(name, library, params, extra, 2)
}

fn broken_with(name: &str, library: &Path, params: &str, extra: &str, code: i32) -> String {
    let s = Scratch::new(name);
    let cfg = config(
        &s,
        "broken.toml",
        &(scorer_toml("count", None, "") + &scorer_toml(name, Some(library), params) + extra),
    );
    let o = tally(&["rank", "--config", &cfg, "-q"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "exit status for {name}: {err}");
    assert!(o.stdout.is_empty(), "no ranking for {name}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_owned()
}

#[test]
fn a_broken_plugin_is_named_with_its_fault() {
    let bad = lib("tally-test-misbehave");
    let path = bad.display().to_string();
    let cases = [
        (
            "{ mode = \"panic\" }",
            "panicked: misbehave: deliberate panic on an article of 2022",
            1,
        ),
        ("{ mode = \"nan\" }", "returned credit NaN for entity", 1),
        (
            "{ mode = \"negative\" }",
            "returned credit -1 for entity",
            1,
        ),
        (
            "{ mode = \"foreign\" }",
            "credited entity 1000000, which is not among the article's resolved entities",
            1,
        ),
        (
            "{ mood = \"nan\" }",
            "bad param `mood`: unknown field `mood`, expected `mode`",
            2,
        ),
    ];
    for (params, cause, code) in cases {
        let e = broken_with("misbehave", &bad, params, "", code);
        assert!(e.contains("scorer `misbehave`") && e.contains(&path), "{e}");
        assert!(e.contains(cause), "{params}: {e}");
    }
    let wrong = lib("tally-test-wrong-abi");
    let e = broken("future", &wrong, "", "");
    assert!(
        e.contains(&format!(
            "{}: it was built for scorer ABI 2.0, this tally speaks ABI 1.0",
            wrong.display()
        )),
        "{e}"
    );
    // A newer minor version may need functions this tally lacks: refused.
    let next = lib("tally-test-future-minor");
    let e = broken("next", &next, "", "");
    assert!(
        e.contains(&format!(
            "{}: it was built for scorer ABI 1.1, newer than this tally's ABI 1.0",
            next.display()
        )),
        "{e}"
    );
    let odd = lib("tally-test-bad-kind");
    let e = broken("odd", &odd, "", "");
    assert!(
        e.contains(&format!(
            "{}: describes its scores as kind 7, which the scorer ABI does not define",
            odd.display()
        )),
        "{e}"
    );
    let nosym = lib("tally-test-no-symbol");
    let e = broken("nosym", &nosym, "", "");
    assert!(
        e.contains(&format!(
            "{}: does not export `tally_scorer_v1`",
            nosym.display()
        )),
        "{e}"
    );
    let s = Scratch::new("notlib");
    let fake = s.path().join("libfake.so");
    std::fs::write(&fake, "#!/bin/sh\necho not a library\n").unwrap();
    let e = broken("fake", &fake, "", "");
    assert!(
        e.contains(&format!(
            "{}: not a loadable shared library",
            fake.display()
        )),
        "{e}"
    );
    let e = broken("missing", &s.path().join("libmissing"), "", "");
    assert!(e.contains("no such plugin library"), "{e}");
}

#[test]
fn a_pinned_digest_refuses_another_library() {
    let h = lib("tally-harmonic");
    let digest = tally_loader::sha256_file(&h).unwrap();
    let s = Scratch::new("pin");
    let good = config(
        &s,
        "good.toml",
        &format!(
            "[[scorer]]\nname = \"harmonic\"\nlibrary = \"{}\"\nsha256 = \"{digest}\"\n",
            h.display()
        ),
    );
    assert!(tally(&["rank", "--config", &good, "-q"]).status.success());
    let other = "0".repeat(64);
    let e = broken("harmonic", &h, "", &format!("sha256 = \"{other}\"\n"));
    assert!(
        e.contains(&format!(
            "{}: sha256 is {digest}, but the config pins {other}; refusing a different library",
            h.display()
        )),
        "{e}"
    );
}

/// `tally new-scorer` and the steps it prints, run as printed (with
/// `CARGO_TARGET_DIR` set, as a user may have it, and offline): its tests
/// pass on the first run, writing the ranking snapshots; it builds; tally
/// loads it from the config it came with; a changed ranking then fails its
/// tests and leaves a `.snap.new` to review.
#[test]
fn new_scorer_scaffolds_a_crate_whose_printed_steps_work() {
    // In the target folder: the crate's own builds go to a nested target.
    let s = Scratch::under(Path::new(env!("CARGO_TARGET_TMPDIR")), "scaffold");
    let dir = s.path().join("my-count");
    let target = nested_target();
    let env = |cmd: &mut Command| {
        cmd.env("CARGO_TARGET_DIR", &target)
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("INSTA_UPDATE")
            .env_remove("CI");
    };
    let mut scaffold = Command::new(env!("CARGO_BIN_EXE_tally"));
    scaffold.args(["new-scorer", "my-count", "--dir", dir.to_str().unwrap()]);
    env(&mut scaffold);
    let o = scaffold.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8(o.stdout).unwrap();
    assert!(dir.join("src/lib.rs").is_file() && dir.join("tally.toml").is_file());
    // Refuses to overwrite.
    let again = tally(&["new-scorer", "my-count", "--dir", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    // Locked to the workspace's versions: its lock file starts as a copy of
    // ours, updated for the crate itself only (no other version moves).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let out = |cmd: &mut Command| {
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "{:?}\n{}{}",
            cmd,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    out(cargo(&dir).args(["update", "--workspace", "--quiet"]));
    let next = printed
        .lines()
        .find_map(|l| l.strip_prefix("next: "))
        .unwrap_or_else(|| panic!("no next steps in: {printed}"));
    let steps: Vec<&str> = next.split(" && ").collect();
    assert_eq!(steps[0], format!("cd {}", dir.display()));
    assert_eq!(
        &steps[1..],
        [
            "cargo test",
            "cargo build --release",
            "tally rank --config tally.toml"
        ]
    );
    assert!(printed.contains("CHANGE THIS"), "{printed}");
    let mut last = String::new();
    for step in &steps[1..] {
        let words: Vec<&str> = step.split(' ').collect();
        let mut cmd = match words[0] {
            "cargo" => Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
            _ => Command::new(env!("CARGO_BIN_EXE_tally")),
        };
        cmd.args(&words[1..]).current_dir(&dir);
        env(&mut cmd);
        last = out(&mut cmd);
    }
    // The rank: the scaffold's formula is Share's, next to the built-in.
    let beijing = last
        .lines()
        .find(|l| l.contains("Beijing, CN"))
        .unwrap_or_default();
    assert!(beijing.ends_with("0.708333  0.708333"), "{last}");
    // The first run wrote the snapshots, and nothing to review.
    let snaps: Vec<String> = std::fs::read_dir(dir.join("src/snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !snaps.is_empty() && snaps.iter().all(|n| n.ends_with(".snap")),
        "{snaps:?}"
    );
    // A ranking that no longer matches fails, leaving a .snap.new.
    let snap = snaps
        .iter()
        .map(|n| dir.join("src/snapshots").join(n))
        .find(|p| p.to_string_lossy().ends_with("city_2022.snap"))
        .unwrap_or_else(|| panic!("no city snapshot: {snaps:?}"));
    let text = std::fs::read_to_string(&snap).unwrap();
    // Beijing's GeoNames id, one off.
    assert!(text.contains("1816670"), "{text}");
    std::fs::write(&snap, text.replace("1816670", "1816671")).unwrap();
    let mut test = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    test.args(["test", "--quiet"]).current_dir(&dir);
    env(&mut test);
    assert!(!test.output().unwrap().status.success());
    assert!(snap.with_extension("snap.new").is_file());
}

/// A library named without a path, next to a config given by a bare file
/// name, is that file (not one the dynamic loader's search would find), and
/// the file pinned by sha256 is the file loaded.
#[test]
fn a_bare_library_name_next_to_a_bare_config_name_is_that_file() {
    let h = lib("tally-harmonic");
    let digest = tally_loader::sha256_file(&h).unwrap();
    let s = Scratch::new("bare");
    let local = s.path().join(format!(
        "{}tally_harmonic{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    std::fs::copy(&h, &local).unwrap();
    config(
        &s,
        "local.toml",
        &format!(
            "[[scorer]]\nname = \"harmonic\"\nlibrary = \"{}tally_harmonic\"\nsha256 = \"{digest}\"\n",
            std::env::consts::DLL_PREFIX
        ),
    );
    let run = |cfg: &str| {
        Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["rank", "--config", cfg, "-q", "--format", "csv"])
            .current_dir(s.path())
            .output()
            .unwrap()
    };
    let bare = run("local.toml");
    assert!(
        bare.status.success(),
        "{}",
        String::from_utf8_lossy(&bare.stderr)
    );
    let dotted = run("./local.toml");
    assert!(dotted.status.success());
    assert_eq!(bare.stdout, dotted.stdout);
    assert!(
        String::from_utf8_lossy(&bare.stdout).starts_with("rank,entity_id,entity_name,harmonic\n")
    );
    // Another file under that name is refused by the pin.
    std::fs::copy(lib("tally-geometric"), &local).unwrap();
    let o = run("local.toml");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing a different library"));
}
