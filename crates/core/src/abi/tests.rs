use super::*;

/// 1/n to every resolved slot of every authorship, whatever k is.
struct PerAuthor;

impl Scorer for PerAuthor {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new("per-author", "1.2.3", "test scorer", ScoreKind::Fractional)
    }
    fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
        let n = a.authorships() as f64;
        for s in a.iter() {
            for &e in s {
                if e != UNRESOLVED {
                    out.push(Credit {
                        entity: e,
                        credit: a.weight / n,
                    });
                }
            }
        }
    }
}

impl FromParams for PerAuthor {
    fn from_params(json: &str) -> Result<Self, String> {
        if json.trim() == "{}" {
            Ok(PerAuthor)
        } else {
            Err(format!("per-author takes no params, got {json}"))
        }
    }
}

/// Misbehaves as its params say.
struct Bad(&'static str);

impl Scorer for Bad {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new("bad", "0", "misbehaves", ScoreKind::Fractional)
    }
    fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
        let e = a.slots().first().copied().unwrap_or(0);
        match self.0 {
            "panic" => panic!("boom at year {}", a.year),
            "nan" => out.push(Credit {
                entity: e,
                credit: f64::NAN,
            }),
            "negative" => out.push(Credit {
                entity: e,
                credit: -0.5,
            }),
            "foreign" => out.push(Credit {
                entity: 999,
                credit: 1.0,
            }),
            "many" if !a.slots().is_empty() => {
                for _ in 0..10_000 {
                    out.push(Credit {
                        entity: e,
                        credit: 0.0001,
                    })
                }
            }
            _ => {}
        }
    }
}

impl FromParams for Bad {
    fn from_params(json: &str) -> Result<Self, String> {
        for mode in ["panic", "nan", "negative", "foreign", "many"] {
            if json.contains(mode) {
                return Ok(Bad(mode));
            }
        }
        if json.contains("explode") {
            panic!("cannot parse {json}");
        }
        Err(format!("unknown mode in {json}"))
    }
}

static PER_AUTHOR: ScorerVTable = vtable::<PerAuthor>();
static BAD: ScorerVTable = vtable::<Bad>();

fn articles<'a>(offsets: &'a [u32], slots: &'a [u32]) -> Vec<Article<'a>> {
    vec![
        Article::new(2022, 1, 1.0, &offsets[0..5], slots).unwrap(),
        Article::new(2021, 2, 0.5, &offsets[5..7], slots).unwrap(),
        Article::new(2020, 3, 1.0, &offsets[7..8], slots).unwrap(),
    ]
}

#[test]
fn round_trip_gives_the_same_credits() {
    // W1-like [0] [0,1] [2] [] ; then [3] ; then an empty byline.
    let slots = [0, 0, 1, 2, 3];
    let offsets = [0, 1, 3, 4, 4, 4, 5, 5];
    let arts = articles(&offsets, &slots);
    let (mut direct, mut dends) = (Vec::new(), Vec::new());
    PerAuthor.score_batch(&arts, &mut direct, &mut dends);
    let vt = unsafe { check(&PER_AUTHOR) }.unwrap();
    let f = Foreign::new(vt, "{}", "plugin `per-author`").unwrap();
    assert_eq!(f.info(), PerAuthor.info());
    let (mut via, mut vends) = (
        vec![Credit {
            entity: 7,
            credit: 1.0,
        }],
        vec![1],
    );
    f.try_score_batch(&arts, &mut via, &mut vends).unwrap();
    assert_eq!(&via[1..], &direct[..]);
    assert_eq!(vends[1..].iter().map(|e| e - 1).collect::<Vec<_>>(), dends);
}

#[test]
fn header_checks_come_first() {
    let mut t = vtable::<PerAuthor>();
    t.magic = 42;
    assert_eq!(unsafe { check(&t) }.unwrap_err(), Mismatch::Magic(42));
    let mut t = vtable::<PerAuthor>();
    t.abi_major = 2;
    let e = unsafe { check(&t) }.unwrap_err();
    assert_eq!(e, Mismatch::Version { major: 2, minor: 0 });
    assert!(e
        .to_string()
        .starts_with("it was built for scorer ABI 2.0, this tally speaks ABI 1.0"));
    let mut t = vtable::<PerAuthor>();
    t.size = 8;
    assert_eq!(unsafe { check(&t) }.unwrap_err(), Mismatch::Size(8));
    assert_eq!(
        unsafe { check(std::ptr::null()) }.unwrap_err(),
        Mismatch::Null
    );
}

fn bad(mode: &str) -> Result<String, String> {
    let vt = unsafe { check(&BAD) }.unwrap();
    let f = Foreign::new(vt, &format!("{{\"mode\":\"{mode}\"}}"), "plugin `bad`")?;
    let slots = [0, 0, 1, 2, 3];
    let offsets = [0, 1, 3, 4, 4, 4, 5, 5];
    let arts = articles(&offsets, &slots);
    let (mut out, mut ends) = (Vec::new(), Vec::new());
    f.try_score_batch(&arts, &mut out, &mut ends)?;
    Ok(format!("{} credits", out.len()))
}

#[test]
fn misbehaviour_becomes_an_error_naming_the_plugin() {
    assert_eq!(
        bad("panic").unwrap_err(),
        "plugin `bad`: panicked: boom at year 2022"
    );
    assert!(bad("nan")
        .unwrap_err()
        .starts_with("plugin `bad`: returned credit NaN for entity 0"));
    assert!(bad("negative")
        .unwrap_err()
        .contains("returned credit -0.5"));
    assert!(bad("foreign").unwrap_err().starts_with(
        "plugin `bad`: credited entity 999, which is not among the article's resolved entities [0, 0, 1, 2]"
    ));
    assert_eq!(
        bad("nonsense").unwrap_err(),
        "plugin `bad`: unknown mode in {\"mode\":\"nonsense\"}"
    );
    assert!(bad("explode")
        .unwrap_err()
        .starts_with("plugin `bad`: panicked: cannot parse"));
    // More credits than the first buffer holds: the driver grows it.
    assert_eq!(bad("many").unwrap(), "20000 credits");
}

#[test]
fn views_over_separate_arrays_are_copied_flat() {
    let (o1, s1) = ([0u32, 1, 3], [5u32, 5, 6]);
    let (o2, s2) = ([2u32, 2, 3], [9u32, 9, 7]);
    let arts = vec![
        Article::new(2022, 0, 1.0, &o1, &s1).unwrap(),
        Article::new(2022, 0, 1.0, &o2, &s2).unwrap(),
    ];
    let (mut direct, mut dends) = (Vec::new(), Vec::new());
    PerAuthor.score_batch(&arts, &mut direct, &mut dends);
    let f = Foreign::new(unsafe { check(&PER_AUTHOR) }.unwrap(), "{}", "p").unwrap();
    let (mut via, mut vends) = (Vec::new(), Vec::new());
    f.try_score_batch(&arts, &mut via, &mut vends).unwrap();
    assert_eq!((via, vends), (direct, dends));
}
