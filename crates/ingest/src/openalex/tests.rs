use super::*;
use crate::WorkView;

/// Everything tally reads of a work, as text, to compare the two readers.
pub(crate) fn describe(w: &WorkView<'_>) -> String {
    format!("{w:?}")
}

/// The skimmer's reading of a line, if it accepts it.
fn fast(line: &str) -> Option<String> {
    let mut arena = Arena::default();
    match scan(line.as_bytes(), &mut arena, &mut |_, _| false) {
        Ok(Scanned::Work(i)) => Some(describe(&arena.view(i))),
        Ok(Scanned::Excluded) => panic!("nothing excluded"),
        Err(GiveUp) => {
            assert!(arena.works.is_empty() && arena.insts.is_empty());
            None
        }
    }
}

/// serde_json's reading of a line, if it accepts it.
fn slow(line: &str) -> Option<String> {
    let mut arena = Arena::default();
    parse(line.as_bytes(), &mut arena)
        .ok()
        .map(|i| describe(&arena.view(i)))
}

/// The skimmer accepts only what serde_json accepts, and reads the same.
fn same(line: &str) -> bool {
    let (f, s) = (fast(line), slow(line));
    if let Some(f) = &f {
        assert_eq!(Some(f), s.as_ref(), "the skimmer read differently: {line}");
    }
    f.is_some()
}

#[test]
fn agrees_with_serde_on_real_shapes() {
    for line in [
        r#"{"id":"https://openalex.org/W1","publication_year":2020,"type":"journal-article","primary_location":{"source":null},"authorships":[{"institutions":[{"id":"https://openalex.org/I5"}]},{"author":{}}],"extra":{"deep":[1,2,{"x":null}]}}"#,
        r#"{"id": "W2", "publication_year": null, "type": "article", "primary_location": {"source": {"id": "https://openalex.org/S9", "issn_l": "1234-5678", "issn": ["1234-5678", "8765-4321"]}}, "is_authors_truncated": true}"#,
        r#"{"id":"W3","primary_location":null,"authorships":[],"abstract_inverted_index":{"a\"b":[1,2],"c":[3]}}"#,
        r#"{"id":"W4","authorships":[{"institutions":[{"id":"I1","display_name":"Universit\u00e9 \"Paris\" \ud83d\ude00","ror":null,"country_code":"FR"}]}]}"#,
        r#"  {"id":"W5","authorships":null,"publication_year":-12}  "#,
        r#"{"id":"W6","x":[1.5e3,-0,true,false,null,"\/\b\f\n\r\t"]}"#,
    ] {
        assert!(same(line), "the skimmer gave up on {line}");
    }
    for line in include_str!("../../../testkit/fixtures/design/works.jsonl").lines() {
        assert!(same(line), "{line}");
    }
}

#[test]
fn an_http_openalex_id_is_the_same_short_id_on_both_paths() {
    let line = r#"{"id":"http://openalex.org/W1","primary_location":{"source":{"id":"http://openalex.org/S1"}},"authorships":[{"institutions":[{"id":"http://openalex.org/I1"}]}]}"#;
    let f = fast(line).unwrap();
    assert!(
        f.contains("id: \"W1\"") && f.contains("Some(\"S1\")") && f.contains("Some(\"I1\")"),
        "{f}"
    );
    assert_eq!(Some(f), slow(line));
}

#[test]
fn agrees_with_serde_on_synthetic_works() {
    let mut r = tally_synth::Rng::new(99);
    for id in 0..3000 {
        let line = tally_synth::work_line(&mut r, id);
        assert!(
            same(line.trim_end()),
            "the skimmer gave up on synthetic work {id}"
        );
    }
}

/// The reproducers of malformed JSON inside fields tally skips: the
/// skimmer gives up, and serde_json refuses the line.
#[test]
fn malformed_json_in_skipped_fields_is_not_accepted() {
    let base = include_str!("../../../testkit/fixtures/design/works.jsonl")
        .lines()
        .next()
        .unwrap();
    for bad in [
        "[1,2}",
        "{\"a\":1]",
        "02020",
        "tru",
        "1.2.3",
        "\"a\tb\"",
        "\"\\q\"",
        "[1 2]",
        "{\"a\":1,}",
        "-",
        "1e",
        "\"\\u12\"",
        "nul",
        "[,]",
    ] {
        let line = format!("{{\"language\": {bad}, {}", &base[1..]);
        assert!(fast(&line).is_none(), "the skimmer accepted {bad}");
        assert!(slow(&line).is_none(), "serde_json accepted {bad}");
    }
}

#[test]
fn gives_up_on_what_it_does_not_expect() {
    for bad in [
        r#"{"id":"W1","publication_year":"2020"}"#,
        r#"{"id":"W1","publication_year":2020.5}"#,
        r#"{"id":"W1","publication_year":02020}"#,
        r#"{"id":"W1","authorships":[{"institutions":[{"id":5}]}]}"#,
        r#"{"id":"W1", "#,
        r#"{"publication_year":2020}"#,
        r#"{"id":"W1"} trailing"#,
        r#"{"id":"W1","x":"unterminated}"#,
        r#"{"id":"W1","x":[1,2}"#,
        r#"{"id":"W1","primary_location":{"source":{"issn":["1234-5678",null]}}}"#,
        r#"{"id":"W1","type":"article","publication_year":2020,"type":"review"}"#,
        r#"{"id":"W1","id":"W2"}"#,
        r#"{"id":"W1","primary_location":{"source":{"id":"S1","id":"S2"}}}"#,
        r#"{"id":"W1","authorships":[{"institutions":[{"id":"I1","id":"I2"}]}]}"#,
        r#"{"id":"W1","authorships":[{"institutions":[],"institutions":[]}]}"#,
        r#"{"id":"W1","is_authors_truncated":tru}"#,
        "{\"id\":\"W\u{1}1\"}",
        r#"{"id":"W1","type":"art\icle"}"#,
    ] {
        assert!(!same(bad), "{bad}");
    }
}

/// A screen that excludes works of one type, and counts its calls.
fn excluding<'a>(
    kind: &'static str,
    calls: &'a mut u32,
) -> impl FnMut(&Arena, &WorkRec) -> bool + 'a {
    move |a, w| {
        *calls += 1;
        WorkView::new(a, w).work_type() == Some(kind)
    }
}

#[test]
fn the_early_screen_skips_the_authorships_of_excluded_works() {
    let head = r#"{"id":"W1","publication_year":2020,"type":"TYPE","primary_location":{"source":{"id":"S1","issn":["1234-5678"]}},"authorships":"#;
    let good = r#"[{"institutions":[{"id":"I1"}]},{"institutions":[]}]"#;
    // Wrong inside, well-formed JSON: only a work that counts is read.
    let odd = r#"[{"institutions":5}]"#;
    for (kind, auths, ok, skipped) in [
        ("review", good, true, true),
        ("article", good, true, false),
        ("review", odd, true, true),
        ("article", odd, false, false),
    ] {
        let line = format!("{}{auths}}}", head.replace("TYPE", kind));
        let (mut arena, mut calls) = (Arena::default(), 0);
        let r = scan(
            line.as_bytes(),
            &mut arena,
            &mut excluding("review", &mut calls),
        );
        assert_eq!(r.is_ok(), ok, "{line}");
        assert_eq!(calls, 1);
        if skipped {
            assert_eq!(r.unwrap(), Scanned::Excluded);
            assert!(arena.works.is_empty() && arena.insts.is_empty());
        } else if ok {
            assert_eq!(r.unwrap(), Scanned::Work(0));
            let w = arena.view(0);
            assert_eq!(w.authorships(), 2);
            assert_eq!(w.source_id(), Some("S1"));
            assert_eq!(w.issns().count(), 1);
        }
    }
    // Not everything the screen needs comes first: no early screen.
    let late = r#"{"id":"W1","type":"review","authorships":[{"institutions":[{"id":"I1"}]}],"publication_year":2020,"primary_location":null}"#;
    let (mut arena, mut calls) = (Arena::default(), 0);
    let r = scan(
        late.as_bytes(),
        &mut arena,
        &mut excluding("review", &mut calls),
    );
    assert_eq!(r.unwrap(), Scanned::Work(0));
    assert_eq!(calls, 0);
    assert_eq!(arena.insts.len(), 1);
    // Skipped authorships must still be well-formed JSON.
    for broken in [
        "[{\"institutions\":[}]",
        "[{\"institutions\":[1,]}]",
        "[02]",
    ] {
        let line = format!("{}{broken}}}", head.replace("TYPE", "review"));
        let mut arena = Arena::default();
        assert!(
            scan(
                line.as_bytes(),
                &mut arena,
                &mut excluding("review", &mut 0)
            )
            .is_err(),
            "{line}"
        );
    }
}

#[test]
fn serde_names_the_bad_field() {
    let mut arena = Arena::default();
    let (field, msg) = parse(
        br#"{"id":"W1","publication_year":"2020","authorships":[]}"#,
        &mut arena,
    )
    .unwrap_err();
    assert_eq!(field.as_deref(), Some("publication_year"));
    assert!(msg.contains("invalid type: string"), "{msg}");
    let (field, _) = parse(
        br#"{"id":"W1","authorships":[{"institutions":[{"id":5}]}]}"#,
        &mut arena,
    )
    .unwrap_err();
    assert_eq!(field.as_deref(), Some("authorships[0].institutions[0].id"));
    let (field, msg) = parse(b"{\"id\": \"W1\", ", &mut arena).unwrap_err();
    assert_eq!(field, None);
    assert!(msg.contains("EOF"), "{msg}");
    let (field, _) = parse(br#"{"type":"article"}"#, &mut arena).unwrap_err();
    assert_eq!(field.as_deref(), Some("id"));
    assert!(arena.works.is_empty());
}

/// Arrays where objects belong are not read field by field in order: the
/// line is malformed, naming the field; the skimmer does not accept them
/// either.
#[test]
fn arrays_in_place_of_objects_are_malformed() {
    for (line, at) in [
        (
            r#"["https://openalex.org/W9",2022,"article",null,[]]"#,
            None,
        ),
        (
            r#"{"id":"W8","publication_year":2022,"authorships":[["first",[{"id":"I1"}]]]}"#,
            Some("authorships[0]"),
        ),
        (
            r#"{"id":"W7","authorships":[{"institutions":[["https://openalex.org/I1"]]}]}"#,
            Some("authorships[0].institutions[0]"),
        ),
        (
            r#"{"id":"W6","primary_location":{"source":["S1"]},"authorships":[]}"#,
            Some("primary_location.source"),
        ),
        (
            r#"{"id":"W5","primary_location":[{"source":null}]}"#,
            Some("primary_location"),
        ),
    ] {
        assert_eq!(fast(line), None, "{line}");
        let mut arena = Arena::default();
        let (field, msg) = parse(line.as_bytes(), &mut arena).unwrap_err();
        assert_eq!(field.as_deref(), at, "{line}");
        assert!(
            msg.starts_with("invalid type: sequence, expected an object"),
            "{msg}"
        );
    }
}
