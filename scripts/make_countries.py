#!/usr/bin/env python3
"""Regenerates crates/engine/src/countries.rs from GeoNames' countries.json:
each country's name and continent.
Usage: python3 scripts/make_countries.py [../shared/data/geonames/countries.json]"""
import json, sys, pathlib
src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/geonames/countries.json"
d = json.load(open(src))
out = ["//! ISO 3166-1 alpha-2 country names and continents, from GeoNames",
       "//! (geonames.org, CC BY 4.0). Generated from GeoNames' country list;",
       "//! regenerate with scripts/make_countries.py.",
       "", "/// (code, name, GeoNames continent code), sorted by code.", "pub const COUNTRIES: &[(&str, &str, &str)] = &["]
for k in sorted(d):
    out.append(f'    ({json.dumps(k)}, {json.dumps(d[k]["name"])}, {json.dumps(d[k]["continentcode"])}),')
out.append("];")
out += ["", "/// GeoNames' continents: (code, name).",
        "pub const CONTINENTS: &[(&str, &str)] = &[",
        '    ("AF", "Africa"),', '    ("AN", "Antarctica"),', '    ("AS", "Asia"),', '    ("EU", "Europe"),',
        '    ("NA", "North America"),', '    ("OC", "Oceania"),', '    ("SA", "South America"),', "];",
        "", "fn find(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {",
        "    COUNTRIES",
        "        .binary_search_by(|(c, _, _)| (*c).cmp(code))",
        "        .ok()",
        "        .map(|i| &COUNTRIES[i])",
        "}",
        "", "/// The country's name, or the code itself when unknown.", "pub fn name(code: &str) -> String {",
        "    find(code).map_or_else(|| code.to_owned(), |c| c.1.to_owned())", "}",
        "", "/// The continent code of a country (`EU` for `FR`), when known.",
        "pub fn continent(code: &str) -> Option<&'static str> {", "    find(code).map(|c| c.2)", "}",
        "", "/// A continent's name (`Europe` for `EU`), or the code itself.",
        "pub fn continent_name(code: &str) -> String {",
        "    CONTINENTS",
        "        .iter()",
        "        .find(|(c, _)| *c == code)",
        "        .map_or_else(|| code.to_owned(), |(_, n)| (*n).to_owned())",
        "}"]
dest = pathlib.Path(__file__).resolve().parent.parent / "crates/engine/src/countries.rs"
dest.write_text("\n".join(out) + "\n")
