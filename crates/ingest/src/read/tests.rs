use super::*;
use crate::Entry;
use std::io::Write;

fn design(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testkit/fixtures/design")
        .join(name)
}

/// Everything a reader delivers, as text: per record its file, line and
/// outcome; then the files' digests.
fn read_all(
    files: &[PathBuf],
    filter: Filter,
    threads: usize,
    chunk_bytes: usize,
) -> Result<Vec<String>, String> {
    let opts = ReadOptions {
        threads,
        chunk_bytes,
        progress: None,
        found: Default::default(),
    };
    let mut reader =
        read_works(files.to_vec(), Arc::new(filter), &opts).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in &mut reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let name = batch
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for e in batch.entries() {
            out.push(match e {
                Entry::Counted {
                    work,
                    year,
                    weight,
                    line,
                } => format!(
                    "{name}:{line} {year} {weight} {}",
                    crate::openalex::tests::describe(&work)
                ),
                Entry::Excluded(x) => format!("{name} excluded {x:?}"),
                Entry::Malformed(m) => format!("malformed {m}"),
            });
        }
    }
    for f in reader.files() {
        out.push(format!("{} {} {}", f.path.display(), f.bytes, f.digest));
    }
    Ok(out)
}

fn journals() -> Filter {
    Filter {
        sources: Some(crate::JournalList::load(&design("journals.txt")).unwrap()),
        types: Some(vec!["article".into()]),
        years: None,
    }
}

#[test]
fn thread_count_chunk_size_and_compression_change_nothing() {
    let dir = std::env::temp_dir().join(format!("tally-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The fixture three times over, with bad lines and blank lines in between.
    let text = std::fs::read_to_string(design("works.jsonl")).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for (i, l) in text.lines().cycle().take(15).enumerate() {
        lines.push(l.to_owned());
        if i % 4 == 1 {
            lines.push(r#"{"id": "W99", "publication_year": "x"}"#.into());
            lines.push(String::new());
        }
    }
    let body = lines.join("\n");
    let a = dir.join("a.jsonl");
    std::fs::write(&a, &body).unwrap();
    let gz = dir.join("c.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(body.as_bytes()).unwrap();
    enc.finish().unwrap();
    let b = dir.join("b.csv");
    std::fs::copy(design("works.csv"), &b).unwrap();
    let d = dir.join("d.jsonl");
    std::fs::copy(&a, &d).unwrap();
    let files = vec![a, b, gz, d];
    let one = read_all(&files, journals(), 1, 1 << 20).unwrap();
    let malformed: Vec<_> = one.iter().filter(|l| l.starts_with("malformed")).collect();
    assert_eq!(malformed.len(), 12, "{one:#?}");
    assert!(
        malformed[11].contains("d.jsonl:21: field `publication_year`"),
        "{malformed:?}"
    );
    assert!(
        malformed[0].contains("a.jsonl:3: field `publication_year`"),
        "{malformed:?}"
    );
    assert!(
        one.iter()
            .any(|l| l.starts_with("b.csv:2 2022 1 Work { id: \"W1\"")),
        "{one:#?}"
    );
    // The gzipped copy reads as the plain one, line for line.
    let of = |name: &str| -> Vec<String> {
        one.iter()
            .filter(|l| l.starts_with(name))
            .map(|l| l.replacen(name, "", 1))
            .collect()
    };
    assert_eq!(of("a.jsonl"), of("c.jsonl.gz"));
    assert_eq!(of("a.jsonl"), of("d.jsonl"));
    for threads in [1, 2, 3, 5] {
        for chunk in [1, 100, 1000, 1 << 20] {
            let got = read_all(&files, journals(), threads, chunk).unwrap();
            assert!(got == one, "threads {threads}, chunk {chunk}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_file_stops_every_thread_count_the_same_way() {
    for threads in [1, 2, 4] {
        let missing = PathBuf::from("no/such/file.jsonl");
        let err = read_all(
            &[design("works.jsonl"), missing],
            Filter::default(),
            threads,
            64,
        )
        .unwrap_err();
        assert!(err.starts_with("no/such/file.jsonl: "), "{err}");
    }
}

#[test]
fn dropping_the_reader_early_stops_every_thread() {
    // Many tiny chunks: the readers wait for room in the budget when the
    // consumer stops after the first batch.
    let dir = std::env::temp_dir().join(format!("tally-read-drop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(design("works.jsonl")).unwrap();
    let path = dir.join("w.jsonl");
    std::fs::write(&path, good.repeat(300)).unwrap();
    for threads in [1, 2, 4] {
        for chunk_bytes in [1, 100] {
            let opts = ReadOptions {
                threads,
                chunk_bytes,
                progress: None,
                found: Default::default(),
            };
            let files = vec![path.clone(), path.clone(), path.clone()];
            let mut reader = read_works(files.clone(), Arc::new(Filter::default()), &opts).unwrap();
            let first = reader.next().unwrap().unwrap();
            assert!(matches!(
                first.entries().next(),
                Some(Entry::Counted { line: 1, .. })
            ));
            drop(reader);
            // Holding every batch does not stall the readers either.
            let reader = read_works(files, Arc::new(Filter::default()), &opts).unwrap();
            let held: Vec<WorkBatch> = reader.map(Result::unwrap).collect();
            let records: usize = held.iter().map(WorkBatch::len).sum();
            assert_eq!(
                records,
                3 * 5 * 300,
                "threads {threads}, chunk {chunk_bytes}"
            );
            drop(first);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_json_array_is_not_works() {
    let dir = std::env::temp_dir().join(format!("tally-read-array-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("ror.json");
    std::fs::write(&p, "[{\"id\":\"https://ror.org/000050t83\"}]").unwrap();
    let err = read_all(std::slice::from_ref(&p), Filter::default(), 1, 1 << 20).unwrap_err();
    assert!(err.contains("a JSON array, not works"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn csv(text: &str) -> (Vec<String>, Vec<String>) {
    let p = std::env::temp_dir().join(format!(
        "tally-csv-{}-{}.csv",
        std::process::id(),
        text.len()
    ));
    std::fs::write(&p, text).unwrap();
    let all = read_all(std::slice::from_ref(&p), Filter::default(), 1, 1 << 20);
    std::fs::remove_file(&p).unwrap();
    let all = match all {
        Ok(a) => a,
        Err(e) => return (Vec::new(), vec![e.replace(&p.display().to_string(), "F")]),
    };
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    let mut works = Vec::new();
    let mut errors = Vec::new();
    for l in all {
        if let Some(m) = l.strip_prefix("malformed ") {
            errors.push(m.replace(&p.display().to_string(), "F"));
        } else if let Some(w) = l.strip_prefix(&format!("{name}:")) {
            works.push(w.to_owned());
        }
    }
    (works, errors)
}

#[test]
fn csv_rows_group_into_works() {
    let (works, errors) = csv(
        "work_id,year,source_id,type,author_position,institution_id\nA,2022,S1,article,1,I1\nA,2022,S1,article,2,\nA,2022,S1,article,2,https://openalex.org/I2\nB,2021,https://openalex.org/S1,journal-article,1,https://ror.org/0abc\n",
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        works,
        vec![
            r#"2 2022 1 Work { id: "A", year: Some(2022), type: Some("article"), source: Some("S1"), issn_l: None, issns: [], truncated: false, authorships: [[Some("I1")/None/None/None], [Some("I2")/None/None/None]] }"#,
            r#"5 2021 1 Work { id: "B", year: Some(2021), type: Some("article"), source: Some("S1"), issn_l: None, issns: [], truncated: false, authorships: [[Some("https://ror.org/0abc")/Some("https://ror.org/0abc")/None/None]] }"#,
        ]
    );
}

/// A work with a bad row is one malformed record, named by its first bad
/// row, and none of it is counted; the works around it are read.
#[test]
fn csv_bad_rows_are_named() {
    let (works, errors) = csv(
        "work_id,year,source_id,type,author_position,institution_id\nA,2022,S1,article,1,I1\nA,2022,S1,article,3,I2\nA,20x,S1,article,2,I2\nA,2021,S1,article,2,I2\nB,2022,S1,article,1,I1\nC,20x,S1,article,1,I1\nC,20x,S1,article,2,I1\nD,2021,S1,article,1,I3\nD,2021,S1,article,2,I4\nD,2022,S1,article,3,I5\n",
    );
    assert_eq!(works.len(), 1, "{works:?}");
    assert!(works[0].contains(r#"id: "B""#), "{works:?}");
    assert_eq!(
        errors,
        vec![
            "F:3: field `author_position`: work A: author_position jumps from 1 to 3; give every author a row (empty institution_id for an author without affiliation) in byline order",
            "F:7: field `year`: `20x` is not a year",
            "F:11: field `work_id`: work D: year, type and source_id must be the same on all its rows (first row on line 9)",
        ]
    );
    // The README's example: positions 1, 2, 2, 4 is one malformed work, not
    // a two-author paper plus a malformed row.
    let (works, errors) = csv(
        "work_id,year,source_id,type,author_position,institution_id\nW1,2022,S1,article,1,I1\nW1,2022,S1,article,2,I2\nW1,2022,S1,article,2,I3\nW1,2022,S1,article,4,I3\n",
    );
    assert!(works.is_empty(), "{works:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "F:5: field `author_position`: work W1: author_position jumps from 2 to 4"
        ),
        "{errors:?}"
    );
    let (_, errors) = csv("id,year\n1,2\n");
    assert!(
        errors[0].contains("the header lacks column `work_id`"),
        "{errors:?}"
    );
}

#[test]
fn one_reader_for_plain_files_one_per_gzipped_file() {
    let dir = std::env::temp_dir().join(format!("tally-readers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("a.jsonl");
    std::fs::write(&plain, "{}\n").unwrap();
    let gz: Vec<PathBuf> = (0..3)
        .map(|i| {
            let p = dir.join(format!("p{i}.jsonl.gz"));
            let mut enc = flate2::write::GzEncoder::new(
                std::fs::File::create(&p).unwrap(),
                flate2::Compression::default(),
            );
            enc.write_all(b"{}\n").unwrap();
            enc.finish().unwrap();
            p
        })
        .collect();
    assert_eq!(reader_threads(&[plain.clone(), plain.clone()], 4), 1);
    assert_eq!(reader_threads(&gz, 2), 2);
    assert_eq!(reader_threads(&gz, 4), 3);
    assert_eq!(reader_threads(&[plain.clone(), gz[0].clone()], 4), 1);
    assert_eq!(reader_threads(&[dir.join("missing.gz")], 4), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crlf_line_ends_and_empty_files_read_as_expected() {
    let dir = std::env::temp_dir().join(format!("tally-read-crlf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(design("works.jsonl")).unwrap();
    let lf = dir.join("lf.jsonl");
    std::fs::write(&lf, &text).unwrap();
    let crlf = dir.join("crlf.jsonl");
    std::fs::write(&crlf, text.replace('\n', "\r\n")).unwrap();
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "\n  \n").unwrap();
    for threads in [1, 2] {
        let a = read_all(std::slice::from_ref(&lf), journals(), threads, 100).unwrap();
        let b = read_all(std::slice::from_ref(&crlf), journals(), threads, 100).unwrap();
        let strip = |v: Vec<String>, name: &str| -> Vec<String> {
            v.into_iter()
                .filter(|l| !l.starts_with('/'))
                .map(|l| l.replacen(name, "", 1))
                .collect()
        };
        let (a, b) = (strip(a, "lf.jsonl"), strip(b, "crlf.jsonl"));
        assert_eq!(a.len(), 5, "{a:?}");
        assert_eq!(a, b);
        // An empty file gives no record, and is listed with its digest.
        let e = read_all(&[empty.clone(), lf.clone()], journals(), threads, 100).unwrap();
        assert!(
            e.iter().any(|l| l.contains("empty.jsonl 4 xxh3-128:")),
            "{e:?}"
        );
        assert!(!e.iter().any(|l| l.starts_with("empty.jsonl")), "{e:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
