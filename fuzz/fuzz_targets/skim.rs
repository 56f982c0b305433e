//! For any line: whatever the skimmer (tally's fast path) reads, serde_json
//! reads the same; a line the skimmer excludes early is well-formed JSON;
//! anything else the skimmer gives up on, which costs only time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_ingest::{Filter, LineParser, Skimmed};

fuzz_target!(|line: &[u8]| {
    let mut fast = LineParser::new();
    let mut slow = LineParser::new();
    match fast.skim(line, &Filter::default()) {
        Skimmed::Work(w) => match slow.parse(line) {
            Ok(s) => assert_eq!(format!("{w:?}"), format!("{s:?}"), "the readers disagree"),
            Err(e) => panic!("the skimmer accepted what serde_json refuses: {e:?}"),
        },
        Skimmed::Excluded(e) => panic!("nothing is excluded by the empty filter: {e:?}"),
        Skimmed::GaveUp => {}
    }
    // With a screen that excludes every work, the authorships are skipped:
    // checked as JSON, not read. The line must still be well-formed JSON.
    let none = Filter {
        years: Some((1, 0)),
        ..Filter::default()
    };
    if let Skimmed::Excluded(_) = fast.skim(line, &none) {
        assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok(),
            "the skimmer excluded a line that is not JSON"
        );
    }
});
