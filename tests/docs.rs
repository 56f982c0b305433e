//! The commands shown in the docs print what the docs show: every
//! ```` ```console ```` block of `docs/comparing.md` is a `$ tally ...`
//! line and its exact output, run here on the bundled demo data.

mod common;

#[test]
fn every_console_block_of_comparing_md_prints_what_it_shows() {
    let text = std::fs::read_to_string("docs/comparing.md").unwrap();
    let mut blocks = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```console\n") {
        let body = &rest[start + "```console\n".len()..];
        let end = body.find("```").expect("a closed block");
        let (block, after) = (&body[..end], &body[end + 3..]);
        rest = after;
        let (first, shown) = block.split_once('\n').unwrap();
        let args: Vec<&str> = first
            .strip_prefix("$ tally ")
            .expect("a block starts with `$ tally`")
            .split_whitespace()
            .collect();
        let o = common::tally(&args);
        assert!(o.status.success(), "{first}: {}", common::stderr(&o));
        assert_eq!(common::stdout(&o), shown, "{first}");
        blocks += 1;
    }
    assert!(blocks >= 5, "{blocks} blocks");
}
