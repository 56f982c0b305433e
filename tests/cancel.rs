//! `tally::CANCEL` stops a run between two batches (the Python module sets
//! it on Ctrl-C). Its own test binary: the flag is process-wide.

#[test]
fn a_cancelled_run_stops_with_its_error_and_the_next_one_runs() {
    let settings = tally_config::resolve(
        Some(std::path::Path::new("config/demo.toml")),
        tally_config::Overrides::default(),
        &tally::scorers::registry().for_config(),
    )
    .unwrap();
    tally::CANCEL.store(true, std::sync::atomic::Ordering::Relaxed);
    let e = tally::build_report(&settings, |_| {}).unwrap_err();
    assert!(matches!(e, tally::RunError::Cancelled), "{e}");
    assert_eq!(
        e.to_string(),
        "interrupted: the run stopped before it finished"
    );
    tally::CANCEL.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(tally::build_report(&settings, |_| {}).is_ok());
}
