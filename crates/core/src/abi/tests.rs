use super::host::{check_against, later};
use super::*;
use crate::{
    Article, Credit, FromParams, ParamsError, ScoreError, ScoreErrorKind, ScoreKind, Scorer,
    ScorerInfo, UNRESOLVED,
};
use std::ffi::c_void;
use std::mem::{offset_of, size_of};

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
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        crate::no_params(json).map(|()| PerAuthor)
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
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        if self.0 == "refuse" {
            return Err(ScoreError::failed("refuses to score on purpose"));
        }
        for a in articles {
            self.score(a, out);
            ends.push(out.len());
        }
        Ok(())
    }
}

impl FromParams for Bad {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        for mode in ["panic", "nan", "negative", "foreign", "many", "refuse"] {
            if json.contains(mode) {
                return Ok(Bad(mode));
            }
        }
        if json.contains("explode") {
            panic!("cannot parse {json}");
        }
        Err(ParamsError::at("mode", format!("unknown mode in {json}")))
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

fn per_author(label: &str) -> Foreign {
    // SAFETY: a static table of this build.
    let table = unsafe { check(&PER_AUTHOR) }.unwrap();
    Foreign::new(table, "{}", label).unwrap()
}

#[test]
fn round_trip_gives_the_same_credits() {
    // W1-like [0] [0,1] [2] [] ; then [3] ; then an empty byline.
    let slots = [0, 0, 1, 2, 3];
    let offsets = [0, 1, 3, 4, 4, 4, 5, 5];
    let arts = articles(&offsets, &slots);
    let (mut direct, mut dends) = (Vec::new(), Vec::new());
    PerAuthor
        .score_batch(&arts, &mut direct, &mut dends)
        .unwrap();
    let f = per_author("plugin `per-author`");
    assert_eq!(f.info(), PerAuthor.info());
    assert_eq!(f.table().version(), (ABI_MAJOR, ABI_MINOR));
    let (mut via, mut vends) = (
        vec![Credit {
            entity: 7,
            credit: 1.0,
        }],
        vec![1],
    );
    f.score_batch(&arts, &mut via, &mut vends).unwrap();
    assert_eq!(&via[1..], &direct[..]);
    assert_eq!(vends[1..].iter().map(|e| e - 1).collect::<Vec<_>>(), dends);
}

#[test]
fn header_checks_come_first() {
    let check = |t: &ScorerVTable| {
        // SAFETY: a whole table on the stack.
        unsafe { check(t) }.map(|t| t.version())
    };
    let t = ScorerVTable {
        magic: 42,
        ..vtable::<PerAuthor>()
    };
    assert_eq!(check(&t).unwrap_err(), Mismatch::Magic(42));
    let t = ScorerVTable {
        abi_major: 2,
        ..vtable::<PerAuthor>()
    };
    let e = check(&t).unwrap_err();
    assert_eq!(e, Mismatch::Major { major: 2, minor: 0 });
    assert!(e
        .to_string()
        .starts_with("it was built for scorer ABI 2.0, this tally speaks ABI 1.0"));
    let t = ScorerVTable {
        size: 8,
        ..vtable::<PerAuthor>()
    };
    assert_eq!(check(&t).unwrap_err(), Mismatch::Size(8));
    // SAFETY: null is checked first.
    let null = unsafe { super::check(std::ptr::null()) };
    assert_eq!(null.unwrap_err(), Mismatch::Null);
}

#[test]
fn the_1_0_table_size_is_pinned() {
    // Growing the table must never change it (see "Growing the table").
    #[cfg(target_pointer_width = "64")]
    assert_eq!(V1_0_SIZE, 64);
    assert_eq!(
        V1_0_SIZE,
        offset_of!(ScorerVTable, destroy) + size_of::<DestroyFn>()
    );
    assert_eq!(vtable::<PerAuthor>().size, V1_0_SIZE);
}

/// ABI 1.1 as a later tally might define it: the 1.0 table plus one function.
#[repr(C)]
struct TableV1_1 {
    v1_0: ScorerVTable,
    answer: AnswerFn,
}

type AnswerFn = extern "C" fn() -> u32;

extern "C" fn answer() -> u32 {
    42
}

#[test]
fn a_1_0_plugin_on_a_1_1_host_loads_with_later_functions_gated_off() {
    let old = vtable::<PerAuthor>();
    let ptr: *const ScorerVTable = &old;
    // SAFETY: a whole 1.0 table on the stack.
    let table = unsafe { check_against(ptr, 1) }.unwrap();
    assert_eq!(table.version(), (1, 0));
    // SAFETY: `ptr` passed the checks; 1.1 defines an `AnswerFn` there.
    let gated = unsafe { later::<AnswerFn>(ptr, table.size(), offset_of!(TableV1_1, answer)) };
    assert!(gated.is_none());
    let f = Foreign::new(table, "{}", "old").unwrap();
    let a = Article::new(2022, 0, 1.0, &[0, 1], &[3]).unwrap();
    let (mut out, mut ends) = (Vec::new(), Vec::new());
    f.score_batch(&[a], &mut out, &mut ends).unwrap();
    assert_eq!(
        out,
        vec![Credit {
            entity: 3,
            credit: 1.0
        }]
    );

    // A 1.1 plugin on the 1.1 host has the function...
    let new = TableV1_1 {
        v1_0: ScorerVTable {
            abi_minor: 1,
            size: size_of::<TableV1_1>(),
            ..vtable::<PerAuthor>()
        },
        answer,
    };
    let ptr = (&new as *const TableV1_1).cast::<ScorerVTable>();
    // SAFETY: a whole 1.1 table on the stack.
    let table = unsafe { check_against(ptr, 1) }.unwrap();
    // SAFETY: as above.
    let f = unsafe { later::<AnswerFn>(ptr, table.size(), offset_of!(TableV1_1, answer)) };
    assert_eq!(f.map(|f| f()), Some(42));
    // ...and a 1.0 host refuses it.
    // SAFETY: as above.
    let e = unsafe { check_against(ptr, 0) }.unwrap_err();
    assert_eq!(
        e,
        Mismatch::NewerMinor {
            minor: 1,
            host_minor: 0
        }
    );
    assert!(e
        .to_string()
        .starts_with("it was built for scorer ABI 1.1, newer than this tally's ABI 1.0"));
}

/// `describe` with a kind the ABI does not define.
///
/// # Safety
/// `out` must be writable.
unsafe extern "C" fn describe_kind_7(_: *const c_void, out: *mut RawInfo) -> Status {
    let s = RawStr::new("odd");
    // SAFETY: the host passes a writable `RawInfo`.
    unsafe {
        out.write(RawInfo {
            name: s,
            version: s,
            description: s,
            kind: 7,
        })
    };
    OK
}

#[test]
fn an_unknown_score_kind_is_refused_naming_the_plugin() {
    let t = ScorerVTable {
        describe: describe_kind_7,
        ..vtable::<PerAuthor>()
    };
    // SAFETY: a whole table on the stack.
    let table = unsafe { check(&t) }.unwrap();
    let e = Foreign::new(table, "{}", "plugin `odd`").unwrap_err();
    assert_eq!(e.kind, CreateErrorKind::UnknownKind(7));
    assert_eq!(
        e.to_string(),
        "plugin `odd`: describes its scores as kind 7, which the scorer ABI does not define (0 = integer, 1 = fractional)"
    );
}

fn bad(mode: &str) -> Result<String, String> {
    // SAFETY: a static table of this build.
    let table = unsafe { check(&BAD) }.unwrap();
    let f = Foreign::new(table, &format!("{{\"mode\":\"{mode}\"}}"), "plugin `bad`")
        .map_err(|e| e.to_string())?;
    let slots = [0, 0, 1, 2, 3];
    let offsets = [0, 1, 3, 4, 4, 4, 5, 5];
    let arts = articles(&offsets, &slots);
    let (mut out, mut ends) = (Vec::new(), Vec::new());
    f.score_batch(&arts, &mut out, &mut ends)
        .map_err(|e| e.to_string())?;
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
        bad("refuse").unwrap_err(),
        "plugin `bad`: refuses to score on purpose"
    );
    assert_eq!(
        bad("nonsense").unwrap_err(),
        "plugin `bad`: bad param `mode`: unknown mode in {\"mode\":\"nonsense\"}"
    );
    assert!(bad("explode")
        .unwrap_err()
        .starts_with("plugin `bad`: panicked: cannot parse"));
    // More credits than the first buffer holds: the host grows it.
    assert_eq!(bad("many").unwrap(), "20000 credits");
}

#[test]
fn failures_are_typed_and_leave_the_output_as_it_was() {
    // SAFETY: a static table of this build.
    let table = unsafe { check(&BAD) }.unwrap();
    let f = Foreign::new(table, r#"{"mode":"nan"}"#, "plugin `bad`").unwrap();
    let a = Article::new(2022, 0, 1.0, &[0, 1], &[3]).unwrap();
    let (mut out, mut ends) = (
        vec![Credit {
            entity: 1,
            credit: 1.0,
        }],
        vec![1],
    );
    let e = f.score_batch(&[a, a], &mut out, &mut ends).unwrap_err();
    assert_eq!(e.plugin.as_deref(), Some("plugin `bad`"));
    assert!(
        matches!(e.kind, ScoreErrorKind::BadCredit { article: 0, entity: 3, credit } if credit.is_nan()),
        "{e:?}"
    );
    assert_eq!((out.len(), ends), (1, vec![1]));
}

#[test]
fn refused_params_cross_the_abi_with_their_key() {
    // SAFETY: a static table of this build.
    let table = unsafe { check(&PER_AUTHOR) }.unwrap();
    let e = Foreign::new(table, r#"{"cap": 3}"#, "plugin `per-author`").unwrap_err();
    assert_eq!(
        e.kind,
        CreateErrorKind::Params(ParamsError::at(
            "cap",
            "not a parameter (this scorer takes none)"
        ))
    );
    let e = Foreign::new(table, "[1]", "p").unwrap_err();
    assert_eq!(
        e.kind,
        CreateErrorKind::Params(ParamsError::new("this scorer takes none, got [1]"))
    );
}

#[test]
#[should_panic(expected = "plugin `bad`: returned credit NaN for entity 3")]
fn score_on_a_foreign_scorer_panics_on_a_failure_instead_of_dropping_it() {
    // SAFETY: a static table of this build.
    let table = unsafe { check(&BAD) }.unwrap();
    let f = Foreign::new(table, r#"{"mode":"nan"}"#, "plugin `bad`").unwrap();
    let a = Article::new(2022, 0, 1.0, &[0, 1], &[3]).unwrap();
    f.score(&a, &mut Vec::new());
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
    PerAuthor
        .score_batch(&arts, &mut direct, &mut dends)
        .unwrap();
    let f = per_author("p");
    let (mut via, mut vends) = (Vec::new(), Vec::new());
    f.score_batch(&arts, &mut via, &mut vends).unwrap();
    assert_eq!((via, vends), (direct, dends));
}
