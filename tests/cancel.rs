//! `tally::CANCEL` stops the runs in progress (the Python module moves it
//! on at Ctrl-C); runs started after it moved are not affected. Its own
//! test binary: the counter is process-wide.

use std::sync::atomic::Ordering;

#[test]
fn a_run_in_progress_stops_when_cancel_moves_and_the_next_one_runs() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cancel");
    std::fs::create_dir_all(&dir).unwrap();
    // A bad record first: the run reports it while in progress, and that
    // is when this test moves CANCEL on.
    let works = dir.join("works.jsonl");
    let good = std::fs::read_to_string("demo/works.jsonl").unwrap();
    std::fs::write(
        &works,
        format!("{{\"id\": \"W1\", \"publication_year\": 02022}}\n{good}"),
    )
    .unwrap();
    let settings = tally_config::resolve(
        Some(std::path::Path::new("config/demo.toml")),
        tally_config::Overrides {
            works: vec![works],
            ..Default::default()
        },
        &tally::scorers::registry().for_config(),
    )
    .unwrap();
    let e = tally::build_report(&settings, |_| {
        tally::CANCEL.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap_err();
    assert!(matches!(e, tally::RunError::Cancelled), "{e}");
    assert_eq!(
        e.to_string(),
        "interrupted: the run stopped before it finished"
    );
    // A run that starts after it moved runs to the end.
    assert!(tally::build_report(&settings, |_| {}).is_ok());
}
