//! The bad-input corpus (`tests/corpus/`): every file a user could give by
//! mistake or with a fault in it, run in default and `--strict` mode, with
//! the exact exit code and messages, never a panic, and an output file only
//! when the run succeeds. `docs/errors.md` lists the same cases for users;
//! a test checks that it says what tally says.

use std::path::Path;
use std::process::Command;

/// What a run prints and returns.
struct Expect {
    code: i32,
    lines: &'static [&'static str],
}

/// One bad input: what it is, the file, the option it is given with.
struct Case {
    kind: &'static str,
    what: &'static str,
    file: &'static str,
    role: &'static str,
    default: Expect,
    strict: Expect,
}

const CASES: &[Case] = &[
    Case {
        kind: "works (JSON Lines)",
        what: "a line that is not JSON",
        file: "01-a-line-that-is-not-json.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 01-a-line-that-is-not-json.jsonl:6: expected ident (column 2) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 01-a-line-that-is-not-json.jsonl:6: expected ident (column 2)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "a line cut short",
        file: "02-a-line-cut-short.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 02-a-line-cut-short.jsonl:6: EOF while parsing a value (column 60) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 02-a-line-cut-short.jsonl:6: EOF while parsing a value (column 60)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "the year as a string",
        file: "03-the-year-as-a-string.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 03-the-year-as-a-string.jsonl:6: field `publication_year`: invalid type: string \"2022\", expected i32 (column 61) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 03-the-year-as-a-string.jsonl:6: field `publication_year`: invalid type: string \"2022\", expected i32 (column 61)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "a work without an id",
        file: "04-a-work-without-an-id.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 04-a-work-without-an-id.jsonl:6: field `id`: missing: every work needs an id (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 04-a-work-without-an-id.jsonl:6: field `id`: missing: every work needs an id",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "malformed JSON in a field tally skips",
        file: "05-malformed-json-in-a-field-tally-skips.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 05-malformed-json-in-a-field-tally-skips.jsonl:6: field `language`: expected `,` or `]` (column 97) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 05-malformed-json-in-a-field-tally-skips.jsonl:6: field `language`: expected `,` or `]` (column 97)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "a number with a leading zero in a skipped field",
        file: "06-a-number-with-a-leading-zero-in-a-skippe.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 06-a-number-with-a-leading-zero-in-a-skippe.jsonl:6: field `cited_by_count`: invalid number (column 100) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 06-a-number-with-a-leading-zero-in-a-skippe.jsonl:6: field `cited_by_count`: invalid number (column 100)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "an unknown escape in a string",
        file: "07-an-unknown-escape-in-a-string.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 07-an-unknown-escape-in-a-string.jsonl:6: field `title`: invalid escape (column 93) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 07-an-unknown-escape-in-a-string.jsonl:6: field `title`: invalid escape (column 93)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "an authorship written as an array",
        file: "08-an-authorship-written-as-an-array.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 08-an-authorship-written-as-an-array.jsonl:6: field `authorships[0]`: invalid type: sequence, expected an object (column 68) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 08-an-authorship-written-as-an-array.jsonl:6: field `authorships[0]`: invalid type: sequence, expected an object (column 68)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "a JSON array instead of a work",
        file: "09-a-json-array-instead-of-a-work.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 09-a-json-array-instead-of-a-work.jsonl:6: invalid type: sequence, expected an object (column 0) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 09-a-json-array-instead-of-a-work.jsonl:6: invalid type: sequence, expected an object (column 0)",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines)",
        what: "an author list marked as cut",
        file: "10-an-author-list-marked-as-cut.jsonl",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 1 included works have an author list marked as cut (is_authors_truncated; the first: W97): their shares are wrong; use data with full author lists (a snapshot), or --strict to refuse them",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 10-an-author-list-marked-as-cut.jsonl:6: work W97 has a truncated author list (is_authors_truncated: true); its share would be wrong. Use a snapshot with full author lists, or drop --strict to count it and list it in the ledger",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines, gzip)",
        what: "bytes after the last gzip member",
        file: "11-bytes-after-the-last-gzip-member.jsonl.gz",
        role: "works",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 11-bytes-after-the-last-gzip-member.jsonl.gz: 14 bytes after the last gzip member, from byte 450, are not gzip data: what came before them was read, they were not (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 11-bytes-after-the-last-gzip-member.jsonl.gz: 14 bytes after the last gzip member, from byte 450, are not gzip data: what came before them was read, they were not",
            ],
        },
    },
    Case {
        kind: "works (JSON Lines, gzip)",
        what: "a gzip file cut short",
        file: "12-a-gzip-file-cut-short.jsonl.gz",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 12-a-gzip-file-cut-short.jsonl.gz: the gzip data is cut short or corrupt (read up to byte 420): incomplete deflate stream",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 12-a-gzip-file-cut-short.jsonl.gz: the gzip data is cut short or corrupt (read up to byte 420): incomplete deflate stream",
            ],
        },
    },
    Case {
        kind: "works",
        what: "an empty file",
        file: "13-an-empty-file.jsonl",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: the works input holds no record (13-an-empty-file.jsonl): pass OpenAlex works (JSON Lines, .gz too) or a tidy works CSV with --works (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: the works input holds no record (13-an-empty-file.jsonl): pass OpenAlex works (JSON Lines, .gz too) or a tidy works CSV with --works (--allow-empty prints the empty ranking)",
            ],
        },
    },
    Case {
        kind: "works",
        what: "OpenAlex institutions given as works",
        file: "14-openalex-institutions-given-as-works.jsonl",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 14-openalex-institutions-given-as-works.jsonl: OpenAlex institutions, not works: give this file with --institutions",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 14-openalex-institutions-given-as-works.jsonl: OpenAlex institutions, not works: give this file with --institutions",
            ],
        },
    },
    Case {
        kind: "works",
        what: "an OpenAlex API page given as works",
        file: "15-an-openalex-api-page-given-as-works.json",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 15-an-openalex-api-page-given-as-works.json: an OpenAlex API page ({\"meta\": ..., \"results\": [...]}), not JSON Lines: save one work per line, e.g. `jq -c '.results[]' page.json > works.jsonl`",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 15-an-openalex-api-page-given-as-works.json: an OpenAlex API page ({\"meta\": ..., \"results\": [...]}), not JSON Lines: save one work per line, e.g. `jq -c '.results[]' page.json > works.jsonl`",
            ],
        },
    },
    Case {
        kind: "works",
        what: "a JSON array file given as works",
        file: "16-a-json-array-file-given-as-works.json",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 16-a-json-array-file-given-as-works.json: a JSON array, not works: works are JSON Lines (one OpenAlex work per line) or a tidy CSV",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 16-a-json-array-file-given-as-works.json: a JSON array, not works: works are JSON Lines (one OpenAlex work per line) or a tidy CSV",
            ],
        },
    },
    Case {
        kind: "works (tidy CSV)",
        what: "a header without work_id",
        file: "17-a-header-without-work-id.csv",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 17-a-header-without-work-id.csv: not OpenAlex JSON Lines (no `{` at the start) nor a tidy works CSV: the header lacks column `work_id` (expected work_id,year,source_id,type,author_position,institution_id)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 17-a-header-without-work-id.csv: not OpenAlex JSON Lines (no `{` at the start) nor a tidy works CSV: the header lacks column `work_id` (expected work_id,year,source_id,type,author_position,institution_id)",
            ],
        },
    },
    Case {
        kind: "works (tidy CSV)",
        what: "an author position that skips an author",
        file: "18-an-author-position-that-skips-an-author.csv",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "warning: 18-an-author-position-that-skips-an-author.csv:3: field `author_position`: work W1: author_position jumps from 1 to 3; give every author a row (empty institution_id for an author without affiliation) in byline order (skipped; --strict stops here)",
                "error: no work was included: 1 read, 1 malformed; no record could be read: see the warnings above (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 18-an-author-position-that-skips-an-author.csv:3: field `author_position`: work W1: author_position jumps from 1 to 3; give every author a row (empty institution_id for an author without affiliation) in byline order",
            ],
        },
    },
    Case {
        kind: "works (tidy CSV)",
        what: "a year that is not a number",
        file: "19-a-year-that-is-not-a-number.csv",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "warning: 19-a-year-that-is-not-a-number.csv:2: field `year`: `20x` is not a year (skipped; --strict stops here)",
                "error: no work was included: 1 read, 1 malformed; no record could be read: see the warnings above (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 19-a-year-that-is-not-a-number.csv:2: field `year`: `20x` is not a year",
            ],
        },
    },
    Case {
        kind: "works (tidy CSV)",
        what: "rows of one work that disagree on the year",
        file: "20-rows-of-one-work-that-disagree-on-the-ye.csv",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "warning: 20-rows-of-one-work-that-disagree-on-the-ye.csv:3: field `work_id`: work W1: year, type and source_id must be the same on all its rows (first row on line 2) (skipped; --strict stops here)",
                "error: no work was included: 1 read, 1 malformed; no record could be read: see the warnings above (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 20-rows-of-one-work-that-disagree-on-the-ye.csv:3: field `work_id`: work W1: year, type and source_id must be the same on all its rows (first row on line 2)",
            ],
        },
    },
    Case {
        kind: "works (tidy CSV)",
        what: "a row with too many fields",
        file: "21-a-row-with-too-many-fields.csv",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "warning: 21-a-row-with-too-many-fields.csv:2: CSV error: record 1 (line: 2, byte: 59): found record with 7 fields, but the previous record has 6 fields (skipped; --strict stops here)",
                "error: no work was included: 1 read, 1 malformed; no record could be read: see the warnings above (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 21-a-row-with-too-many-fields.csv:2: CSV error: record 1 (line: 2, byte: 59): found record with 7 fields, but the previous record has 6 fields",
            ],
        },
    },
    Case {
        kind: "institutions (JSON Lines)",
        what: "a field of the wrong type",
        file: "22-a-field-of-the-wrong-type.jsonl",
        role: "institutions",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 22-a-field-of-the-wrong-type.jsonl:7: field `geo.country_code`: invalid type: integer `5`, expected a string (column 55) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 22-a-field-of-the-wrong-type.jsonl:7: field `geo.country_code`: invalid type: integer `5`, expected a string (column 55)",
            ],
        },
    },
    Case {
        kind: "institutions (JSON Lines)",
        what: "a line that is not JSON",
        file: "23-a-line-that-is-not-json.jsonl",
        role: "institutions",
        default: Expect {
            code: 0,
            lines: &[
                "warning: 23-a-line-that-is-not-json.jsonl:7: field `id`: EOF while parsing a value (column 6) (skipped; --strict stops here)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 23-a-line-that-is-not-json.jsonl:7: field `id`: EOF while parsing a value (column 6)",
            ],
        },
    },
    Case {
        kind: "institutions",
        what: "works given as institutions",
        file: "24-works-given-as-institutions.jsonl",
        role: "institutions",
        default: Expect {
            code: 1,
            lines: &[
                "error: 24-works-given-as-institutions.jsonl: OpenAlex works, not institutions: give this file with --works",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 24-works-given-as-institutions.jsonl: OpenAlex works, not institutions: give this file with --works",
            ],
        },
    },
    Case {
        kind: "institutions (CSV)",
        what: "a header without institution_id",
        file: "25-a-header-without-institution-id.csv",
        role: "institutions",
        default: Expect {
            code: 1,
            lines: &[
                "error: 25-a-header-without-institution-id.csv: not OpenAlex/ROR JSON nor an institutions CSV: the header lacks column `institution_id` (expected institution_id,name,city_id,city,country_code[,parent_id])",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 25-a-header-without-institution-id.csv: not OpenAlex/ROR JSON nor an institutions CSV: the header lacks column `institution_id` (expected institution_id,name,city_id,city,country_code[,parent_id])",
            ],
        },
    },
    Case {
        kind: "institutions (CSV)",
        what: "a row without an id",
        file: "26-a-row-without-an-id.csv",
        role: "institutions",
        default: Expect {
            code: 1,
            lines: &[
                "warning: 26-a-row-without-an-id.csv:2: field `institution_id`: missing (skipped; --strict stops here)",
                "error: nothing resolved at city level: of 10 institution slots, 10 are in no institution table, 0 have no city, 0 have no id; the institutions given (26-a-row-without-an-id.csv) do not place these works' institutions in a city (--allow-empty prints the empty ranking)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 26-a-row-without-an-id.csv:2: field `institution_id`: missing",
            ],
        },
    },
    Case {
        kind: "ROR (JSON array)",
        what: "an array that is cut short",
        file: "27-an-array-that-is-cut-short.json",
        role: "institutions",
        default: Expect {
            code: 1,
            lines: &[
                "error: 27-an-array-that-is-cut-short.json:1: EOF while parsing a list (column 53)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 27-an-array-that-is-cut-short.json:1: EOF while parsing a list (column 53)",
            ],
        },
    },
    Case {
        kind: "ROR (JSON Lines)",
        what: "ROR records given as works",
        file: "28-ror-records-given-as-works.jsonl",
        role: "works",
        default: Expect {
            code: 1,
            lines: &[
                "error: 28-ror-records-given-as-works.jsonl: ROR records, not works: give this file with --institutions",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 28-ror-records-given-as-works.jsonl: ROR records, not works: give this file with --institutions",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "a journal name instead of an id",
        file: "29-a-journal-name-instead-of-an-id.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 29-a-journal-name-instead-of-an-id.txt:2: `Nature` is not a journal list entry: an OpenAlex source id (S137773608), an ISSN (0028-0836) and an optional weight, or a CSV with a header naming issn, issn_print, issn_electronic, issn_l, source_id",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 29-a-journal-name-instead-of-an-id.txt:2: `Nature` is not a journal list entry: an OpenAlex source id (S137773608), an ISSN (0028-0836) and an optional weight, or a CSV with a header naming issn, issn_print, issn_electronic, issn_l, source_id",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "an id and a name after a comma, no header",
        file: "30-an-id-and-a-name-after-a-comma-no-header.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 30-an-id-and-a-name-after-a-comma-no-header.txt:1: `0028-0836,Nature` is not a journal list header: a CSV journal list names its id columns (issn, issn_print, issn_electronic, issn_l, source_id), and optionally weight; a list without a header has one entry per line, without commas",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 30-an-id-and-a-name-after-a-comma-no-header.txt:1: `0028-0836,Nature` is not a journal list header: a CSV journal list names its id columns (issn, issn_print, issn_electronic, issn_l, source_id), and optionally weight; a list without a header has one entry per line, without commas",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "a weight that is not a number",
        file: "31-a-weight-that-is-not-a-number.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 31-a-weight-that-is-not-a-number.txt:1: field `weight`: `heavy` is not a weight: a number above 0 and at most 1000 (leave a journal out of the list to give it none)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 31-a-weight-that-is-not-a-number.txt:1: field `weight`: `heavy` is not a weight: a number above 0 and at most 1000 (leave a journal out of the list to give it none)",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "a weight of zero",
        file: "32-a-weight-of-zero.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 32-a-weight-of-zero.txt:1: field `weight`: `0` is not a weight: a number above 0 and at most 1000 (leave a journal out of the list to give it none)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 32-a-weight-of-zero.txt:1: field `weight`: `0` is not a weight: a number above 0 and at most 1000 (leave a journal out of the list to give it none)",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "one journal listed twice with two weights",
        file: "33-one-journal-listed-twice-with-two-weight.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 33-one-journal-listed-twice-with-two-weight.txt:2: `S1` is listed again with weight 0.5 (line 1 gives 0.2)",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 33-one-journal-listed-twice-with-two-weight.txt:2: `S1` is listed again with weight 0.5 (line 1 gives 0.2)",
            ],
        },
    },
    Case {
        kind: "journal list",
        what: "a list with no entry",
        file: "34-a-list-with-no-entry.txt",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 34-a-list-with-no-entry.txt: the journal list has no entries",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 34-a-list-with-no-entry.txt: the journal list has no entries",
            ],
        },
    },
    Case {
        kind: "journal list (CSV)",
        what: "an ISSN that is not one",
        file: "35-an-issn-that-is-not-one.csv",
        role: "sources",
        default: Expect {
            code: 1,
            lines: &[
                "error: 35-an-issn-that-is-not-one.csv:2: field `issn_print`: `0028-083` is not an ISSN or an OpenAlex source id",
            ],
        },
        strict: Expect {
            code: 1,
            lines: &[
                "error: 35-an-issn-that-is-not-one.csv:2: field `issn_print`: `0028-083` is not an ISSN or an OpenAlex source id",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "an unknown key",
        file: "36-an-unknown-key.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 36-an-unknown-key.toml:2:1: unknown field `colour`, expected one of `level`, `levels`, `group`, `by`, `top`",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 36-an-unknown-key.toml:2:1: unknown field `colour`, expected one of `level`, `levels`, `group`, `by`, `top`",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "years as a list",
        file: "37-years-as-a-list.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 37-years-as-a-list.toml:2:9: years is one year or one range, not a list: write years = 2022, years = \"2015-2022\" or years = \"all\"",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 37-years-as-a-list.toml:2:9: years is one year or one range, not a list: write years = 2022, years = \"2015-2022\" or years = \"all\"",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "[scorer] for [[scorer]]",
        file: "38-scorer-for-scorer.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 38-scorer-for-scorer.toml:1:1: scorers are a list of tables: write [[scorer]] (two brackets) above each scorer, not [scorer]",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 38-scorer-for-scorer.toml:1:1: scorers are a list of tables: write [[scorer]] (two brackets) above each scorer, not [scorer]",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "an unknown work type",
        file: "39-an-unknown-work-type.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 39-an-unknown-work-type.toml:2:9: unknown work type `articles` (did you mean `article`?); known types: article, book, book-chapter, database, dataset, dissertation, editorial, erratum, grant, letter, libguides, other, paratext, peer-review, preprint, reference-entry, report, report-component, retraction, review, software, standard, supplementary-materials, book-part, book-section, book-series, book-set, component, edited-book, journal, journal-article, journal-issue, journal-volume, monograph, posted-content, proceedings, proceedings-article, proceedings-series, reference-book, report-series, standard-series, or all",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 39-an-unknown-work-type.toml:2:9: unknown work type `articles` (did you mean `article`?); known types: article, book, book-chapter, database, dataset, dissertation, editorial, erratum, grant, letter, libguides, other, paratext, peer-review, preprint, reference-entry, report, report-component, retraction, review, software, standard, supplementary-materials, book-part, book-section, book-series, book-set, component, edited-book, journal, journal-article, journal-issue, journal-volume, monograph, posted-content, proceedings, proceedings-article, proceedings-series, reference-book, report-series, standard-series, or all",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "a year out of range",
        file: "40-a-year-out-of-range.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 40-a-year-out-of-range.toml:2:9: `22`: years run from 1600 to <next year> (write the full year, e.g. 2022)",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 40-a-year-out-of-range.toml:2:9: `22`: years run from 1600 to <next year> (write the full year, e.g. 2022)",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "a bad scorer parameter",
        file: "41-a-bad-scorer-parameter.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 41-a-bad-scorer-parameter.toml:2:8: scorer `share`: bad param `unaffiliated`: unknown variant `keep`, expected `drop` or `renormalize`",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 41-a-bad-scorer-parameter.toml:2:8: scorer `share`: bad param `unaffiliated`: unknown variant `keep`, expected `drop` or `renormalize`",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "a scorer library that does not exist",
        file: "42-a-scorer-library-that-does-not-exist.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 42-a-scorer-library-that-does-not-exist.toml:2:8: scorer `mine`: libmissing: no such plugin library (also tried libmissing.so)",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 42-a-scorer-library-that-does-not-exist.toml:2:8: scorer `mine`: libmissing: no such plugin library (also tried libmissing.so)",
            ],
        },
    },
    Case {
        kind: "config (TOML)",
        what: "not TOML at all",
        file: "43-not-toml-at-all.toml",
        role: "config",
        default: Expect {
            code: 2,
            lines: &[
                "error: 43-not-toml-at-all.toml:1:6: invalid table header",
            ],
        },
        strict: Expect {
            code: 2,
            lines: &[
                "error: 43-not-toml-at-all.toml:1:6: invalid table header",
            ],
        },
    },
];

const FIXTURE: &str = "crates/testkit/fixtures/design";

fn run(case: &Case, strict: bool, out: &Path) -> std::process::Output {
    let root = std::fs::canonicalize(".").unwrap();
    let works = root.join(FIXTURE).join("works.jsonl");
    let inst = root.join(FIXTURE).join("institutions.jsonl");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
    cmd.current_dir("tests/corpus").arg("rank");
    match case.role {
        "works" => cmd
            .args(["--years", "2022", "--works", case.file, "--institutions"])
            .arg(&inst),
        "institutions" => cmd
            .args(["--years", "2022", "--works"])
            .arg(&works)
            .args(["--institutions", case.file]),
        "sources" => cmd
            .args(["--years", "2022", "--works"])
            .arg(&works)
            .arg("--institutions")
            .arg(&inst)
            .args(["--sources", case.file]),
        _ => cmd
            .args(["--config", case.file, "--works"])
            .arg(&works)
            .arg("--institutions")
            .arg(&inst),
    };
    if strict {
        cmd.arg("--strict");
    }
    cmd.args(["-q", "-o"]).arg(out).output().unwrap()
}

/// The last year accepted is next year: written `<next year>` above.
fn next_year(line: &str) -> String {
    const AT: &str = "years run from 1600 to ";
    match line.find(AT) {
        Some(i) if line.len() >= i + AT.len() + 4 => {
            let j = i + AT.len();
            format!("{}<next year>{}", &line[..j], &line[j + 4..])
        }
        _ => line.to_owned(),
    }
}

#[test]
fn every_bad_input_gets_its_message_and_exit_code() {
    assert!(CASES.len() >= 30, "{} cases", CASES.len());
    let scratch = tally_testkit::Scratch::new("corpus");
    let out = scratch.path().join("out.csv");
    let mut failures = Vec::new();
    for case in CASES {
        for (strict, want) in [(false, &case.default), (true, &case.strict)] {
            let _ = std::fs::remove_file(&out);
            let o = run(case, strict, &out);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!err.contains("panicked"), "{}: {err}", case.file);
            let lines: Vec<String> = err
                .lines()
                .filter(|l| l.starts_with("error") || l.starts_with("warning"))
                .map(next_year)
                .collect();
            let mode = if strict { "--strict" } else { "default" };
            if o.status.code() != Some(want.code) || lines != want.lines {
                failures.push(format!(
                    "{} ({}: {}, {mode}): exit {:?}, {lines:#?}\n  expected exit {}, {:#?}",
                    case.file,
                    case.kind,
                    case.what,
                    o.status.code(),
                    want.code,
                    want.lines
                ));
            }
            // An output file exactly when the run succeeds.
            assert_eq!(out.exists(), want.code == 0, "{} ({mode})", case.file);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `docs/errors.md` lists every case with the messages tally prints.
#[test]
fn the_errors_page_lists_every_case_as_tally_prints_it() {
    let doc = std::fs::read_to_string("docs/errors.md").unwrap();
    for case in CASES {
        let row = format!("| {} | {} | `{}` |", case.kind, case.what, case.file);
        assert!(doc.contains(&row), "{row} missing");
        for want in [&case.default, &case.strict] {
            for line in want.lines {
                let shown = line.replace('|', "\\|");
                assert!(doc.contains(&shown), "{}: {line} missing", case.file);
            }
        }
    }
}
