#!/usr/bin/env python3
"""tally_ref: independent reference implementation of tally's Count and Share.

Deliberately simple, slow and exact (fractions.Fraction everywhere). It is
used only by tests, to cross-check the CSV that tally writes. It follows
DESIGN.md sections 1-3; see tests/reference/README.md for the contract.

Python 3.11, standard library only.
"""

import argparse
import csv
import gzip
import json
import os
import sys
from fractions import Fraction

OPENALEX_PREFIX = "https://openalex.org/"
ROR_PREFIX = "https://ror.org/"
DEFAULT_COUNTRIES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "..", "shared", "data", "geonames", "countries.json",
)


# ---------------------------------------------------------------- helpers

def open_text(path):
    """Open a file as UTF-8 text, gunzipping when it starts with 1f 8b."""
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, "r", encoding="utf-8-sig")


def read_records(path):
    """Yield the JSON objects of a JSON Lines file or of a JSON array file.

    Blank lines are skipped; malformed lines are skipped with a warning on
    stderr (printed before the final summary line).
    """
    with open_text(path) as f:
        text = f.read()
    if text.lstrip().startswith("["):
        for record in json.loads(text):
            if isinstance(record, dict):
                yield record
        return
    # split on "\n" only: str.splitlines() would also split inside JSON
    # strings holding U+2028 etc. (real OpenAlex records do)
    bad = 0
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(record, dict):
            yield record
    if bad:
        print("warning: skipped %d malformed line(s) in %s" % (bad, path),
              file=sys.stderr)


def nonempty(value):
    """Return value as a stripped string, or None if missing/empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text if text else None


def short_openalex(value):
    """'https://openalex.org/I27837315' -> 'I27837315' (None if empty)."""
    text = nonempty(value)
    if text is None:
        return None
    if text.startswith(OPENALEX_PREFIX):
        text = text[len(OPENALEX_PREFIX):]
    return text or None


def norm_ror(value):
    """Normalize a ROR id to its 9-character suffix, lower case."""
    text = nonempty(value)
    if text is None:
        return None
    text = text.rstrip("/").lower()
    if len(text) < 9:
        return None
    return text[-9:]


def norm_country(value):
    text = nonempty(value)
    return text.upper() if text else None


def norm_type(value):
    text = nonempty(value)
    if text == "journal-article":
        return "article"
    return text


def round_half_up(x, decimals):
    """Format a non-negative Fraction with exactly `decimals` decimals."""
    scale = 10 ** decimals
    units = (x * scale + Fraction(1, 2)).__floor__()
    whole, frac = divmod(units, scale)
    return "%d.%0*d" % (whole, decimals, frac)


def micro_units(x):
    """The share as printed (6 decimals, half-up), as an integer."""
    return (x * 10 ** 6 + Fraction(1, 2)).__floor__()


# ---------------------------------------------------------------- tables

class Place:
    """What one table record says about an institution."""

    def __init__(self, name, city_id, city_name, country, parents=()):
        self.name = name
        self.city_id = city_id
        self.city_name = city_name
        self.country = country
        self.parents = list(parents)  # ancestors, nearest first


def place_from_openalex(record):
    geo = record.get("geo")
    if not isinstance(geo, dict):
        geo = {}
    own = short_openalex(record.get("id"))
    lineage = [short_openalex(x) for x in (record.get("lineage") or []) if isinstance(x, str)]
    return Place(
        name=nonempty(record.get("display_name")),
        city_id=nonempty(geo.get("geonames_city_id")),
        city_name=nonempty(geo.get("city")),
        country=norm_country(geo.get("country_code")),
        parents=[x for x in lineage if x and x != own],
    )


def ror_parents(record):
    out = []
    for rel in record.get("relationships") or []:
        if isinstance(rel, dict) and str(rel.get("type", "")).lower() == "parent":
            pid = norm_ror(rel.get("id"))
            if pid:
                out.append(pid)
    return out


def place_from_ror(record):
    if "locations" in record or "names" in record:  # schema v2
        name = None
        for entry in record.get("names") or []:
            if isinstance(entry, dict) and "ror_display" in (entry.get("types") or []):
                name = nonempty(entry.get("value"))
                break
        city_id = city_name = country = None
        locations = record.get("locations") or []
        if locations and isinstance(locations[0], dict):
            loc = locations[0]
            details = loc.get("geonames_details")
            if not isinstance(details, dict):
                details = {}
            city_id = nonempty(loc.get("geonames_id"))
            city_name = nonempty(details.get("name"))
            country = norm_country(details.get("country_code"))
        return Place(name, city_id, city_name, country, ror_parents(record))
    # schema v1
    name = nonempty(record.get("name"))
    city_id = city_name = None
    addresses = record.get("addresses") or []
    if addresses and isinstance(addresses[0], dict):
        addr = addresses[0]
        gc = addr.get("geonames_city")
        if not isinstance(gc, dict):
            gc = {}
        city_id = nonempty(gc.get("id"))
        city_name = nonempty(gc.get("city")) or nonempty(addr.get("city"))
    country_obj = record.get("country")
    if not isinstance(country_obj, dict):
        country_obj = {}
    country = norm_country(country_obj.get("country_code"))
    return Place(name, city_id, city_name, country, ror_parents(record))


def load_tables(paths):
    """Return (openalex: short id -> Place, ror: 9-char id -> Place).

    The first record seen for an id wins (files in command-line order).
    """
    openalex, ror = {}, {}
    for path in paths:
        for record in read_records(path):
            rid = nonempty(record.get("id"))
            if rid is None:
                continue
            if rid.startswith(OPENALEX_PREFIX):
                key = short_openalex(rid)
                if key and key not in openalex:
                    openalex[key] = place_from_openalex(record)
            elif rid.startswith(ROR_PREFIX):
                key = norm_ror(rid)
                if key and key not in ror:
                    ror[key] = place_from_ror(record)
    return openalex, ror


def load_country_names(path):
    """(code -> name, code -> GeoNames continent code) from countries.json."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}, {}
    names, continents = {}, {}
    for code, entry in data.items():
        if isinstance(entry, dict) and nonempty(entry.get("name")):
            names[code.upper()] = entry["name"]
        if isinstance(entry, dict) and nonempty(entry.get("continentcode")):
            continents[code.upper()] = entry["continentcode"]
    return names, continents


CONTINENT_NAMES = {
    "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
    "NA": "North America", "OC": "Oceania", "SA": "South America",
}


# ---------------------------------------------------------------- filters

def load_sources(path):
    entries = set()
    with open_text(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "openalex.org/" in line:
                line = line.rstrip("/").rsplit("/", 1)[-1]
            entries.add(line.upper())
    return entries


def passes_source(work, sources):
    if sources is None:
        return True
    location = work.get("primary_location")
    if not isinstance(location, dict):
        return False
    source = location.get("source")
    if not isinstance(source, dict):
        return False
    candidates = [short_openalex(source.get("id")), nonempty(source.get("issn_l"))]
    issns = source.get("issn")
    if isinstance(issns, list):
        candidates.extend(nonempty(x) for x in issns)
    return any(c is not None and c.upper() in sources for c in candidates)


def parse_years(text):
    if text is None:
        return None
    if "-" in text:
        lo, hi = text.split("-", 1)
        lo, hi = int(lo), int(hi)
        if lo > hi:
            raise SystemExit("bad --years range: %s" % text)
        return set(range(lo, hi + 1))
    return {int(text)}


def work_year(work):
    year = work.get("publication_year")
    if isinstance(year, bool):
        return None
    if isinstance(year, int):
        return year
    if isinstance(year, str) and year.strip().isdigit():
        return int(year.strip())
    return None


# ---------------------------------------------------------------- resolution

def load_metros(path):
    """GeoNames city id -> (metro id, name), from a metros TOML file."""
    import tomllib
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = {}
    for mid, entry in data.items():
        for city in entry.get("cities", []):
            out[str(city)] = (mid, entry["name"])
    return out


class Resolver:
    def __init__(self, openalex, ror, level, country_names, continents, metros=None):
        self.openalex = openalex
        self.ror = ror
        self.level = level
        self.country_names = country_names
        self.continents = continents
        self.metros = metros or {}
        self.names = {}  # entity id -> set of candidate names

    def resolve(self, inst):
        """Return the entity id of one institution slot, or None."""
        short_id = short_openalex(inst.get("id"))
        if short_id is None:
            return None  # a slot without id never resolves
        oa = self.openalex.get(short_id)
        rr = self.ror.get(norm_ror(inst.get("ror")))

        def field(attr):
            if oa is not None and getattr(oa, attr) is not None:
                return getattr(oa, attr)
            if rr is not None and getattr(rr, attr) is not None:
                return getattr(rr, attr)
            return None

        if self.level == "institution":
            name = field("name") or nonempty(inst.get("display_name")) or short_id
            self.names.setdefault(short_id, set()).add(name)
            return short_id

        if self.level == "parent":
            # The last ancestor of the OpenAlex lineage; else the end of the
            # chain of ROR parents; else the institution itself.
            if oa is not None and oa.parents:
                root = oa.parents[-1]
                found = self.openalex.get(root)
                name = (found.name if found else None) or root
            else:
                root = None
                at = rr
                seen = set()
                while at is not None and at.parents and at.parents[0] not in seen:
                    root = at.parents[0]
                    seen.add(root)
                    at = self.ror.get(root)
                if root is not None:
                    found = self.ror.get(root)
                    name = (found.name if found else None) or ("https://ror.org/" + root)
                    root = "https://ror.org/" + root
                else:
                    root = short_id
                    name = field("name") or nonempty(inst.get("display_name")) or short_id
            self.names.setdefault(root, set()).add(name)
            return root

        table_country = field("country")
        if self.level == "region":
            country = table_country or norm_country(inst.get("country_code"))
            region = self.continents.get(country) if country else None
            if region is None:
                return None
            self.names.setdefault(region, set()).add(CONTINENT_NAMES.get(region, region))
            return region
        if self.level == "country":
            country = table_country or norm_country(inst.get("country_code"))
            if country is None:
                return None
            self.names.setdefault(country, set()).add(
                self.country_names.get(country, country))
            return country

        # city (and metro) level
        city_id = field("city_id")
        city_name = field("city_name")
        if city_id is None and city_name is None:
            return None
        if self.level == "metro" and city_id is not None and str(city_id) in self.metros:
            mid, mname = self.metros[str(city_id)]
            self.names.setdefault(mid, set()).add(mname)
            return mid
        cc = table_country or norm_country(inst.get("country_code")) or ""
        entity = city_id if city_id is not None else "%s|%s" % (city_name, cc)
        name = "%s, %s" % (city_name, cc) if city_name is not None else entity
        self.names.setdefault(entity, set()).add(name)
        return entity

    def name_of(self, entity):
        # smallest candidate: deterministic whatever the input order
        return min(self.names.get(entity) or {entity})


# ---------------------------------------------------------------- scoring

def slots_of(authorship):
    """Distinct institution entries of one authorship, in list order."""
    if not isinstance(authorship, dict):
        return []
    institutions = authorship.get("institutions")
    if not isinstance(institutions, list):
        return []
    slots, seen = [], set()
    for inst in institutions:
        if not isinstance(inst, dict):
            continue
        key = short_openalex(inst.get("id"))
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        slots.append(inst)
    return slots


def score_work(work, resolver, policy, shares, counts):
    """Add one work's credit; return its unassigned part (a Fraction)."""
    authorships = work.get("authorships")
    if not isinstance(authorships, list):
        authorships = []
    resolved = [[resolver.resolve(inst) for inst in slots_of(a)] for a in authorships]

    credit = {}
    if policy == "drop":
        n = len(resolved)
        for ents in resolved:
            for ent in ents:
                if ent is not None:
                    part = Fraction(1, n * len(ents))
                    credit[ent] = credit.get(ent, Fraction(0)) + part
    else:  # renormalize
        kept = [[e for e in ents if e is not None] for ents in resolved]
        kept = [ents for ents in kept if ents]
        n = len(kept)
        for ents in kept:
            for ent in ents:
                part = Fraction(1, n * len(ents))
                credit[ent] = credit.get(ent, Fraction(0)) + part

    for ent, part in credit.items():
        shares[ent] = shares.get(ent, Fraction(0)) + part
        counts[ent] = counts.get(ent, 0) + 1

    # unassigned, computed independently of `credit`
    if policy == "drop":
        n = len(resolved)
        if n == 0:
            return Fraction(1)  # no authorships: the whole work is unassigned
        unassigned = Fraction(0)
        for ents in resolved:
            if not ents:
                unassigned += Fraction(1, n)
            else:
                unassigned += Fraction(sum(e is None for e in ents), n * len(ents))
        return unassigned
    return Fraction(0) if credit else Fraction(1)


def run(args):
    openalex, ror = load_tables(args.institutions)
    country_names, continents = load_country_names(args.countries)
    sources = load_sources(args.sources) if args.sources else None
    types = {norm_type(t) for t in args.types.split(",") if t.strip()}
    years = parse_years(args.years)
    metros = load_metros(args.metros) if args.level == "metro" else {}
    resolver = Resolver(openalex, ror, args.level, country_names, continents, metros)

    shares, counts = {}, {}
    seen_ids = set()
    included = 0
    unassigned = Fraction(0)
    for path in args.works:
        for work in read_records(path):
            wid = short_openalex(work.get("id"))
            if wid is not None:
                if wid in seen_ids:
                    continue  # duplicate: first occurrence wins
                seen_ids.add(wid)
            if norm_type(work.get("type")) not in types:
                continue
            if not passes_source(work, sources):
                continue
            year = work_year(work)
            if year is None or (years is not None and year not in years):
                continue
            included += 1
            unassigned += score_work(work, resolver, args.policy, shares, counts)

    total = sum(shares.values(), Fraction(0))
    assert total + unassigned == included, "share conservation violated"

    rows = sorted(shares, key=lambda e: (-micro_units(shares[e]), -counts[e], e))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["rank", "entity_id", "entity_name", "count", "share"])
    rank, previous = 0, None
    for position, ent in enumerate(rows, start=1):
        printed = micro_units(shares[ent])
        if printed != previous:
            rank, previous = position, printed
        out.writerow([rank, ent, resolver.name_of(ent), counts[ent],
                      round_half_up(shares[ent], 6)])
    sys.stdout.flush()
    print("included=%d unassigned_share=%s" % (included, round_half_up(unassigned, 9)),
          file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--works", action="append", required=True)
    p.add_argument("--institutions", action="append", default=[])
    p.add_argument("--sources")
    p.add_argument("--types", default="article")
    p.add_argument("--years")
    p.add_argument("--level", required=True, choices=["institution", "parent", "city", "metro", "country", "region"])
    p.add_argument("--unaffiliated", dest="policy", default="drop",
                   choices=["drop", "renormalize"])
    p.add_argument("--metros", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "metros.toml"),
                   help="metros TOML for --level metro (default: tally's config/metros.toml)")
    p.add_argument("--countries", default=DEFAULT_COUNTRIES,
                   help="GeoNames countries.json for country names (optional)")
    run(p.parse_args(argv))


if __name__ == "__main__":
    main()
