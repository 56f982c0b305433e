use super::*;

/// The driver's registry, as config sees it.
fn builtins() -> Builtins {
    Builtins {
        names: vec!["count".into(), "share".into()],
        defaults: vec!["count".into(), "share".into()],
        by: Some("share".into()),
    }
}

fn with_config(text: &str, o: Overrides) -> Result<Settings, ConfigError> {
    let dir = std::env::temp_dir().join(format!(
        "tally-config-{}-{:x}",
        std::process::id(),
        text.len() * 7919 + text.bytes().map(|b| b as usize).sum::<usize>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.toml");
    std::fs::write(&path, text).unwrap();
    let r = resolve(Some(&path), o, &builtins());
    std::fs::remove_dir_all(&dir).unwrap();
    r
}

fn message(e: ConfigError) -> String {
    // Strip the temp path so the message can be compared.
    let s = e.to_string();
    match s.find("run.toml") {
        Some(i) => s[i..].to_owned(),
        None => s,
    }
}

const GOOD: &str = r#"
[input]
works = "works.jsonl"
institutions = ["inst.jsonl", "/abs/ror.json"]
sources = "journals.txt"

[filter]
types = ["article", "journal-article", "review"]
years = "2015-2022"

[rank]
levels = ["city", "country"]
by = "count"
top = 10

[[scorer]]
name = "share"
params = { unaffiliated = "renormalize" }

[[scorer]]
name = "count"
"#;

#[test]
fn reads_a_full_config_relative_to_its_folder() {
    let s = with_config(GOOD, Overrides::default()).unwrap();
    assert!(s.works[0].ends_with("works.jsonl") && s.works[0].is_absolute());
    assert_eq!(s.institutions[1], PathBuf::from("/abs/ror.json"));
    assert_eq!(s.types, Some(vec!["article".into(), "review".into()]));
    assert_eq!(s.years, Years(Some((2015, 2022))));
    assert_eq!(s.levels, vec![Level::City, Level::Country]);
    assert_eq!(s.by, "count");
    assert_eq!(s.top, Some(10));
    assert_eq!(s.scorers[0].params, r#"{"unaffiliated":"renormalize"}"#);
    assert_eq!(s.scorers[1].name, "count");
}

#[test]
fn command_line_overrides_every_value() {
    let o = Overrides {
        works: vec!["other.jsonl".into()],
        types: Some("all".parse().unwrap()),
        years: Some("2022".parse().unwrap()),
        levels: Some(vec![Level::Institution]),
        scorers: Some(vec!["count".into(), "share".into()]),
        params: vec!["share.unaffiliated=drop".into()],
        by: Some("share".into()),
        top: Some(0),
        format: Some(Format::Csv),
        output: Some("x.csv".into()),
        threads: Some(1),
        strict: Some(true),
        ..Default::default()
    };
    let s = with_config(GOOD, o).unwrap();
    assert_eq!(s.works, vec![PathBuf::from("other.jsonl")]);
    assert_eq!(s.types, None);
    assert_eq!(s.years.label(), "2022");
    assert_eq!(s.levels, vec![Level::Institution]);
    assert_eq!(s.scorers[0].name, "count");
    assert_eq!(s.scorers[1].params, r#"{"unaffiliated":"drop"}"#);
    assert_eq!(
        (s.by.as_str(), s.top, s.format),
        ("share", None, Format::Csv)
    );
    assert_eq!((s.threads, s.strict), (Some(1), true));
}

#[test]
fn defaults_without_a_config() {
    let o = Overrides {
        works: vec!["w.jsonl".into()],
        ..Default::default()
    };
    let s = resolve(None, o, &builtins()).unwrap();
    assert_eq!(s.levels, vec![Level::City]);
    assert_eq!(s.types, Some(vec!["article".into()]));
    let names: Vec<_> = s.scorers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["count", "share"]);
    assert_eq!(s.by, "share");
    assert_eq!(s.format, Format::Table);
}

#[test]
fn unknown_key_names_line_and_column() {
    let e = with_config(
        "[input]\nworks = \"w\"\n\n[rank]\nlevle = \"city\"\n",
        Overrides::default(),
    )
    .unwrap_err();
    let m = message(e);
    assert!(m.starts_with("run.toml:5:1: unknown field `levle`"), "{m}");
}

#[test]
fn bad_values_name_line_and_column() {
    let m = message(with_config("[rank]\nlevel = \"town\"\n", Overrides::default()).unwrap_err());
    assert!(m.starts_with("run.toml:2:9: unknown level `town`"), "{m}");
    let m = message(
        with_config("[filter]\nyears = \"2022-2015\"\n", Overrides::default()).unwrap_err(),
    );
    assert!(
        m.starts_with("run.toml:2:9:") && m.contains("starts after it ends"),
        "{m}"
    );
    let m = message(
        with_config(
            "[input]\nworks = \"w\"\n[rank]\nby = \"citations\"\n",
            Overrides::default(),
        )
        .unwrap_err(),
    );
    assert!(m.starts_with("run.toml:4:6: rank.by = `citations`"), "{m}");
    let m =
        message(with_config("[[scorer]]\nname = \"hindex\"\n", Overrides::default()).unwrap_err());
    assert!(
        m.starts_with("run.toml:2:8: unknown scorer `hindex`"),
        "{m}"
    );
    let m = message(with_config("[output]\nformat = \"xml\"\n", Overrides::default()).unwrap_err());
    assert!(m.starts_with("run.toml:2:10: unknown variant `xml`"), "{m}");
    let m = message(with_config("[run]\nthreads = 0\n", Overrides::default()).unwrap_err());
    assert!(m.starts_with("run.toml:2:11: run.threads"), "{m}");
    let m = message(with_config("[input\n", Overrides::default()).unwrap_err());
    assert!(m.starts_with("run.toml:1:"), "{m}");
}

#[test]
fn csv_needs_one_level() {
    let o = Overrides {
        works: vec!["w".into()],
        levels: Some(vec![Level::City, Level::Country]),
        format: Some(Format::Csv),
        ..Default::default()
    };
    assert!(resolve(None, o, &builtins())
        .unwrap_err()
        .to_string()
        .contains("CSV holds one ranking"));
}

#[test]
fn years_and_types_parse() {
    assert_eq!(
        "2015-2022".parse::<Years>().unwrap(),
        Years(Some((2015, 2022)))
    );
    assert_eq!("all".parse::<Years>().unwrap(), Years(None));
    assert!("20x".parse::<Years>().is_err());
    assert_eq!(
        "article, review".parse::<Types>().unwrap(),
        Types(Some(vec!["article".into(), "review".into()]))
    );
}

#[test]
fn plugin_libraries_are_relative_to_the_config() {
    let s = with_config(
        "[input]\nworks = \"w\"\n[[scorer]]\nname = \"harmonic\"\nlibrary = \"plugins/libtally_harmonic\"\nsha256 = \"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\"\n",
        Overrides::default(),
    )
    .unwrap();
    let spec = &s.scorers[0];
    assert!(spec
        .library
        .as_ref()
        .unwrap()
        .ends_with("plugins/libtally_harmonic"));
    assert!(spec.library.as_ref().unwrap().is_absolute());
    assert_eq!(
        spec.sha256.as_deref(),
        Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
    );
    assert_eq!(s.by, "harmonic");
}

#[test]
fn defaults_and_names_come_from_the_registry() {
    let other = Builtins {
        names: vec!["a".into(), "b".into(), "c".into()],
        defaults: vec!["b".into()],
        by: Some("c".into()),
    };
    let o = || Overrides {
        works: vec!["w".into()],
        ..Default::default()
    };
    let s = resolve(None, o(), &other).unwrap();
    let names: Vec<_> = s.scorers.iter().map(|s| s.name.as_str()).collect();
    // `c` ranks by default only when it is run.
    assert_eq!((names, s.by.as_str()), (vec!["b"], "b"));
    let s = resolve(
        None,
        Overrides {
            scorers: Some(vec!["a".into(), "c".into()]),
            ..o()
        },
        &other,
    )
    .unwrap();
    assert_eq!(s.by, "c");
    let e = resolve(
        None,
        Overrides {
            scorers: Some(vec!["count".into()]),
            ..o()
        },
        &other,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "--scorers: unknown scorer `count`: built in are a, b and c; plugins are named in a config file"
    );
}

/// `-o cities.csv` writes CSV (and `.json`, `.md` their formats) unless a
/// format is given; an explicit format that disagrees with the extension
/// wins, with a warning; a name without a known extension gets the table.
#[test]
fn the_output_file_extension_picks_the_format() {
    let run = |output: &str, format: Option<Format>| {
        resolve(
            None,
            Overrides {
                works: vec!["w.jsonl".into()],
                output: Some(output.into()),
                format,
                ..Default::default()
            },
            &builtins(),
        )
        .unwrap()
    };
    for (name, want) in [
        ("cities.csv", Format::Csv),
        ("out/Cities.CSV", Format::Csv),
        ("r.json", Format::Json),
        ("r.md", Format::Md),
        ("r.markdown", Format::Md),
        ("r.txt", Format::Table),
        ("ranking", Format::Table),
        ("r.tsv", Format::Table),
    ] {
        let s = run(name, None);
        assert_eq!(s.format, want, "{name}");
        assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
    }
    let s = run("cities.csv", Some(Format::Json));
    assert_eq!(s.format, Format::Json);
    assert_eq!(
        s.warnings,
        ["the output file cities.csv is written as json, as asked, not as its extension suggests (csv)"]
    );
    let s = run("cities.csv", Some(Format::Csv));
    assert!(s.warnings.is_empty());
    // CSV holds one ranking, whichever way CSV was chosen.
    let e = resolve(
        None,
        Overrides {
            works: vec!["w.jsonl".into()],
            output: Some("r.csv".into()),
            levels: Some(vec![Level::City, Level::Country]),
            ..Default::default()
        },
        &builtins(),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("CSV holds one ranking"), "{e}");
}

#[test]
fn the_calendar_gives_the_year_of_a_day() {
    for (day, year) in [
        (0, 1970),
        (-1, 1969),
        (11_016, 2000),
        (11_017, 2000),
        (20_088, 2024),
        (20_787, 2026),
        (-135_140, 1600),
    ] {
        assert_eq!(year_of_day(day), year, "day {day}");
    }
}

/// `--years 22`, `3000` or `1500` is a mistake, named with the years
/// accepted; 1600 up to next year is accepted.
#[test]
fn implausible_years_are_errors() {
    let last = this_year() + 1;
    let e = "22".parse::<Years>().unwrap_err().to_string();
    assert_eq!(
        e,
        format!("`22`: years run from 1600 to {last} (write the full year, e.g. 2022)")
    );
    for bad in ["3000", "1500", "1599-2020", &format!("2020-{}", last + 1)] {
        let e = bad.parse::<Years>().unwrap_err().to_string();
        assert!(
            e.contains(&format!("years run from 1600 to {last}")),
            "{bad}: {e}"
        );
    }
    for good in ["1600", "1800", &last.to_string(), "1990-2022"] {
        assert!(good.parse::<Years>().is_ok(), "{good}");
    }
    // In a config, located.
    let e = message(with_config("[filter]\nyears = 3000\n", Overrides::default()).unwrap_err());
    assert!(
        e.starts_with("run.toml:2:9: `3000`: years run from 1600"),
        "{e}"
    );
}

/// `--types articles` and `--types Article` are errors with a hint and the
/// list of known types; every known type is accepted.
#[test]
fn unknown_work_types_are_errors_with_a_hint() {
    for (given, hint) in [
        ("articles", Some("article")),
        ("Article", Some("article")),
        ("Book Chapter", Some("book-chapter")),
        ("book_chapters", Some("book-chapter")),
        ("reviewes", Some("review")),
        ("paper", None),
    ] {
        let e = given.parse::<Types>().unwrap_err();
        assert_eq!(
            e,
            ValueError::UnknownType {
                given: given.into(),
                hint: hint.map(String::from)
            }
        );
        let text = e.to_string();
        assert!(text.contains("known types: article, book, "), "{text}");
        assert!(text.ends_with(", or all"), "{text}");
        if let Some(h) = hint {
            assert!(text.contains(&format!("(did you mean `{h}`?)")), "{text}");
        }
    }
    assert_eq!(
        "Article"
            .parse::<Types>()
            .unwrap_err()
            .to_string()
            .split(';')
            .next(),
        Some("unknown work type `Article` (did you mean `article`?)")
    );
    for t in KNOWN_TYPES {
        assert!(t.parse::<Types>().is_ok(), "{t}");
    }
    assert_eq!(
        "journal-article".parse::<Types>().unwrap(),
        Types(Some(vec!["article".into()]))
    );
}

/// `--sources none` (or `all`) clears the config's journal list; a path
/// replaces it.
#[test]
fn sources_none_clears_the_configs_list() {
    let text = "[input]\nworks = \"w.jsonl\"\nsources = \"journals.txt\"\n";
    let with = |sources: Option<&str>| {
        with_config(
            text,
            Overrides {
                sources: sources.map(PathBuf::from),
                ..Default::default()
            },
        )
        .unwrap()
        .sources
    };
    assert!(with(None).unwrap().ends_with("journals.txt"));
    assert_eq!(with(Some("none")), None);
    assert_eq!(with(Some("all")), None);
    assert_eq!(with(Some("other.txt")), Some(PathBuf::from("other.txt")));
}

/// The common wrong shapes get messages in the user's terms, located.
#[test]
fn wrong_shapes_are_explained() {
    for (text, want) in [
        (
            "[filter]\nyears = [2021, 2022]\n",
            "run.toml:2:9: years is one year or one range, not a list: write years = 2022, years = \"2015-2022\" or years = \"all\"",
        ),
        (
            "[filter]\nyears = true\n",
            "run.toml:2:9: invalid type: boolean `true`, expected a year (2022), a range as a string (\"2015-2022\") or \"all\"",
        ),
        (
            "[filter]\ntypes = 5\n",
            "run.toml:2:9: invalid type: integer `5`, expected work types: a list of types ([\"article\", \"review\"]), a comma-separated string or \"all\"",
        ),
        (
            "[filter]\ntypes = [\"article\", \"Review\"]\n",
            "run.toml:2:9: unknown work type `Review` (did you mean `review`?)",
        ),
        (
            "[scorer]\nname = \"share\"\n",
            "run.toml:1:1: scorers are a list of tables: write [[scorer]] (two brackets) above each scorer, not [scorer]",
        ),
    ] {
        let e = message(with_config(text, Overrides::default()).unwrap_err());
        assert!(e.starts_with(want), "{text}: {e}");
    }
}

/// `--threads 100000` runs with 4 threads per core, and says so.
#[test]
fn threads_are_capped_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let s = resolve(
        None,
        Overrides {
            works: vec!["w.jsonl".into()],
            threads: Some(100_000),
            ..Default::default()
        },
        &builtins(),
    )
    .unwrap();
    assert_eq!(s.threads, Some(4 * cores));
    assert_eq!(
        s.warnings,
        [format!(
            "100000 threads asked for, {} used (4 per core on this machine's {cores}): more only adds memory",
            4 * cores
        )]
    );
    let s = resolve(
        None,
        Overrides {
            works: vec!["w.jsonl".into()],
            threads: Some(cores),
            ..Default::default()
        },
        &builtins(),
    )
    .unwrap();
    assert_eq!(s.threads, Some(cores));
    assert!(s.warnings.is_empty());
}

/// The metros tally ships load, and hold what their comments say; a file of
/// one's own replaces them; a city in two metros is an error.
#[test]
fn metros_load_and_say_what_they_hold() {
    let m = load_metros(None).unwrap();
    let metro_of = |city: &str| m.get(city).map(|(id, _)| id.as_str());
    assert_eq!(metro_of("4931972"), Some("boston")); // Cambridge, MA
    assert_eq!(metro_of("5327684"), Some("sf-bay-area")); // Berkeley
    assert_eq!(metro_of("5380748"), Some("sf-bay-area")); // Palo Alto
    assert_eq!(metro_of("5128581"), Some("new-york"));
    assert_eq!(metro_of("2653941"), None); // Cambridge, GB: not London
    assert_eq!(metro_of("2640729"), None); // Oxford
    assert_eq!(metro_of("1857910"), None); // Kyoto: not Osaka
    assert_eq!(metro_of("1816670"), None); // Beijing is a city of its own
    let ids: std::collections::BTreeSet<&str> = m.values().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 12, "{ids:?}");
    assert_eq!(m["4930956"].1, "Boston metropolitan area");

    let dir = std::env::temp_dir().join(format!("tally-metros-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let own = dir.join("m.toml");
    std::fs::write(
        &own,
        "[rhine-ruhr]\nname = \"Rhine-Ruhr\"\ncities = [2886242, \"2934246\"]\n",
    )
    .unwrap();
    let m = load_metros(Some(&own)).unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(
        m["2934246"],
        ("rhine-ruhr".to_string(), "Rhine-Ruhr".to_string())
    );
    std::fs::write(
        &own,
        "[a]\nname = \"A\"\ncities = [1]\n[b]\nname = \"B\"\ncities = [1]\n",
    )
    .unwrap();
    let e = load_metros(Some(&own)).unwrap_err().to_string();
    assert!(e.ends_with("city 1 is in two metros, `a` and `b`"), "{e}");
    std::fs::write(&own, "[a]\nname = \"A\"\ncity = [1]\n").unwrap();
    let e = load_metros(Some(&own)).unwrap_err().to_string();
    assert!(e.contains("unknown field `city`"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A regions file: countries in any case; one country in two regions is an
/// error.
#[test]
fn regions_load_with_their_countries() {
    let dir = std::env::temp_dir().join(format!("tally-regions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("r.toml");
    std::fs::write(
        &p,
        "[ea]\nname = \"East Asia\"\ncountries = [\"cn\", \"JP\"]\n",
    )
    .unwrap();
    let r = load_regions(&p).unwrap();
    assert_eq!(r["CN"], ("ea".to_string(), "East Asia".to_string()));
    assert_eq!(r.len(), 2);
    std::fs::write(
        &p,
        "[a]\nname = \"A\"\ncountries = [\"FR\"]\n[b]\nname = \"B\"\ncountries = [\"fr\"]\n",
    )
    .unwrap();
    let e = load_regions(&p).unwrap_err().to_string();
    assert!(
        e.ends_with("country FR is in two regions, `a` and `b`"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Named periods: in the file's order, the works read span them all; not
/// with years; CSV takes one; names are unique.
#[test]
fn named_periods_resolve() {
    let s = with_config(
        "[input]\nworks = \"w.jsonl\"\n[periods]\ncurrent = \"2022\"\nprevious = 2021\nearly = \"2015-2017\"\n",
        Overrides::default(),
    )
    .unwrap();
    let names: Vec<&str> = s.periods.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["current", "previous", "early"]);
    assert_eq!(s.years, Years(Some((2015, 2022))));
    let e = message(
        with_config(
            "[input]\nworks = \"w.jsonl\"\n[filter]\nyears = 2022\n[periods]\ncurrent = \"2022\"\n",
            Overrides::default(),
        )
        .unwrap_err(),
    );
    assert!(e.starts_with("give either years"), "{e}");
    let two = vec![
        ("a".to_string(), "2022".parse::<Years>().unwrap()),
        ("b".to_string(), "2021".parse::<Years>().unwrap()),
    ];
    let o = |periods: Vec<(String, Years)>, format: Option<Format>| Overrides {
        works: vec!["w.jsonl".into()],
        periods,
        format,
        ..Default::default()
    };
    let e = resolve(None, o(two.clone(), Some(Format::Csv)), &builtins()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("CSV holds one ranking: choose one period"),
        "{e}"
    );
    let mut same = two.clone();
    same[1].0 = "a".into();
    let e = resolve(None, o(same, None), &builtins()).unwrap_err();
    assert!(
        e.to_string()
            .contains("each period needs a name of its own"),
        "{e}"
    );
    let all = vec![("x".to_string(), Years(None)), two[0].clone()];
    assert_eq!(
        resolve(None, o(all, None), &builtins()).unwrap().years,
        Years(None)
    );
}

/// Flags override the config across years and periods: `--period` flags
/// (as `tally compare` gives) replace a config's `filter.years`, and
/// `--years` a config's `[periods]`.
#[test]
fn period_flags_override_config_years_and_back() {
    let periods = vec![
        ("current".to_string(), "2022".parse::<Years>().unwrap()),
        ("previous".to_string(), "2021".parse::<Years>().unwrap()),
    ];
    let s = with_config(
        "[input]\nworks = \"w.jsonl\"\n[filter]\nyears = 2022\n",
        Overrides {
            periods,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.periods.len(), 2);
    assert_eq!(s.years, Years(Some((2021, 2022))));
    let s = with_config(
        "[input]\nworks = \"w.jsonl\"\n[periods]\ncurrent = 2022\n",
        Overrides {
            years: Some("2020".parse().unwrap()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.periods.is_empty());
    assert_eq!(s.years, Years(Some((2020, 2020))));
}
