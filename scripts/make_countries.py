#!/usr/bin/env python3
"""Regenerates crates/engine/src/countries.rs from GeoNames' countries.json.
Usage: python3 scripts/make_countries.py [../shared/data/geonames/countries.json]"""
import json, sys, pathlib
src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/geonames/countries.json"
d = json.load(open(src))
out = ["//! ISO 3166-1 alpha-2 country names, from GeoNames (geonames.org, CC BY 4.0).",
       "//! Generated from GeoNames' country list; regenerate with scripts/make_countries.py.",
       "", "/// (code, name), sorted by code.", "pub const COUNTRIES: &[(&str, &str)] = &["]
for k in sorted(d):
    out.append(f'    ({json.dumps(k)}, {json.dumps(d[k]["name"])}),')
out.append("];")
out += ["", "/// The country's name, or the code itself when unknown.", "pub fn name(code: &str) -> String {", "    COUNTRIES", "        .binary_search_by(|(c, _)| (*c).cmp(code))", "        .map(|i| COUNTRIES[i].1.to_owned())", "        .unwrap_or_else(|_| code.to_owned())", "}"]
dest = pathlib.Path(__file__).resolve().parent.parent / "crates/engine/src/countries.rs"
dest.write_text("\n".join(out) + "\n")
