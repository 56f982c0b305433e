#!/usr/bin/env python3
"""Generate tally's bundled demo dataset (demo/ in the repository).

    python3 scripts/gen_demo.py [OUT_DIR]        (default: demo/ next to scripts/)

Writes, deterministically (random.Random(2022), Python 3.11+, stdlib only):

  institutions.jsonl  fictional institutions in real cities, OpenAlex institution
                      entity format (geo.geonames_city_id = real GeoNames ids)
  works.jsonl         OpenAlex-shaped works 2020-2022 with ordered authorships
  journals.txt        the demo journal list (8 of the 10 demo journals)

Everything except the cities is invented: institution, author and journal names
all start with or contain "Demo", ISSNs are in the unassigned 9xxx range, ROR ids
have the form https://ror.org/0demoNNNx (deliberately not valid ROR ids), DOIs
use the 10.5555 test prefix. The city table below was taken from GeoNames
cities1000 (GeoNames, geonames.org, CC BY 4.0); when ../shared/data/geonames/
cities1000.csv is present next to the checkout it is checked against that file.

The data deliberately contain the cases tally's ledger must report: authorships
without institution, an institution id missing from institutions.jsonl,
institutions with a city name but no GeoNames id, one without any geo, works
with primary_location null / missing / source null, a duplicated institution
within one authorship, "journal-article" (pre-2023 OpenAlex) types, non-article
types, a ~200-author collaboration and two repeated work records.
"""
import csv
import datetime as dt
import json
import math
import random
import sys
from pathlib import Path

SEED = 2022
REPO = Path(__file__).resolve().parent.parent
OA = "https://openalex.org/"

# --------------------------------------------------------------------------
# Cities: key -> (geonameid, GeoNames name, country code, lat, lon, region)
# from GeoNames cities1000 (GeoNames, geonames.org, CC BY 4.0).
CITIES = {
    "BJ": ("1816670", "Beijing", "CN", 39.9075, 116.39723, "Beijing"),
    "SH": ("1796236", "Shanghai", "CN", 31.22222, 121.45806, "Shanghai"),
    "NJ": ("1799962", "Nanjing", "CN", 32.06167, 118.77778, "Jiangsu"),
    "HF": ("1808722", "Hefei", "CN", 31.86389, 117.28083, "Anhui"),
    "WH": ("1791247", "Wuhan", "CN", 30.58333, 114.26667, "Hubei"),
    "GZ": ("1809858", "Guangzhou", "CN", 23.11667, 113.25, "Guangdong"),
    "HZ": ("1808926", "Hangzhou", "CN", 30.29365, 120.16142, "Zhejiang"),
    "TK": ("1850147", "Tokyo", "JP", 35.6895, 139.69171, "Tokyo"),
    "SE": ("1835848", "Seoul", "KR", 37.566, 126.9784, None),
    "SG": ("1880252", "Singapore", "SG", 1.28967, 103.85007, None),
    "BOS": ("4930956", "Boston", "US", 42.35843, -71.05977, "Massachusetts"),
    "CAMUS": ("4931972", "Cambridge", "US", 42.3751, -71.10561, "Massachusetts"),
    "CAMGB": ("2653941", "Cambridge", "GB", 52.2, 0.11667, "England"),
    "NYC": ("5128581", "New York City", "US", 40.71427, -74.00597, "New York"),
    "SF": ("5391959", "San Francisco", "US", 37.77493, -122.41942, "California"),
    "LA": ("5368361", "Los Angeles", "US", 34.05223, -118.24368, "California"),
    "CHI": ("4887398", "Chicago", "US", 41.85003, -87.65005, "Illinois"),
    "HOU": ("4699066", "Houston", "US", 29.76328, -95.36327, "Texas"),
    "BAL": ("4347778", "Baltimore", "US", 39.29038, -76.61219, "Maryland"),
    "DC": ("4140963", "Washington", "US", 38.89511, -77.03637, "District of Columbia"),
    "LON": ("2643743", "London", "GB", 51.50853, -0.12574, "England"),
    "OXF": ("2640729", "Oxford", "GB", 51.75222, -1.25596, "England"),
    "PAR": ("2988507", "Paris", "FR", 48.85341, 2.3488, "Île-de-France"),
    "BER": ("2950159", "Berlin", "DE", 52.52437, 13.41053, "Berlin"),
    "MUC": ("2867714", "Munich", "DE", 48.13743, 11.57549, "Bavaria"),
    "ZRH": ("2657896", "Zürich", "CH", 47.36667, 8.55, "Zurich"),
    "GVA": ("2660646", "Geneva", "CH", 46.20222, 6.14569, "Geneva"),
    "AMS": ("2759794", "Amsterdam", "NL", 52.37403, 4.88969, "North Holland"),
    "MAD": ("3117735", "Madrid", "ES", 40.4165, -3.70256, "Madrid"),
    "TOR": ("6167865", "Toronto", "CA", 43.70643, -79.39864, "Ontario"),
    "SYD": ("2147714", "Sydney", "AU", -33.86785, 151.20732, "New South Wales"),
    "MEL": ("2158177", "Melbourne", "AU", -37.814, 144.96332, "Victoria"),
    "BLR": ("1277333", "Bengaluru", "IN", 12.97194, 77.59369, "Karnataka"),
    # Cities given by name only (no geonames_city_id in the institution record).
    "HDB": (None, "Heidelberg", "DE", 49.40768, 8.69079, "Baden-Württemberg"),
    "LSN": (None, "Lausanne", "CH", 46.516, 6.63282, "Vaud"),
}
COUNTRIES = {  # GeoNames countryInfo names
    "CN": "China", "JP": "Japan", "KR": "South Korea", "SG": "Singapore",
    "US": "United States", "GB": "United Kingdom", "FR": "France", "DE": "Germany",
    "CH": "Switzerland", "NL": "The Netherlands", "ES": "Spain", "CA": "Canada",
    "AU": "Australia", "IN": "India", "IT": "Italy",
}

# --------------------------------------------------------------------------
# Institutions, in order of (expected) productivity: name, city key or None
# (no geo at all), OpenAlex type, parent index (1-based position in this list).
INSTITUTIONS = [
    ("Demo University of Beijing", "BJ", "education", None),                      # 1
    ("Demo Academy of Sciences", "BJ", "government", None),                       # 2
    ("Demo Technology Institute, Cambridge", "CAMUS", "education", None),         # 3
    ("Demo University of Shanghai", "SH", "education", None),                     # 4
    ("Demo Back Bay University, Boston", "BOS", "education", None),               # 5
    ("Demo Northern Polytechnic University, Beijing", "BJ", "education", None),   # 6
    ("Demo Institute of Physics, Beijing", "BJ", "facility", 2),                  # 7
    ("Demo Institute of Chemistry, Shanghai", "SH", "facility", 2),               # 8
    ("Demo University of Science, Hefei", "HF", "education", None),               # 9
    ("Demo Institute of Quantum Science, Hefei", "HF", "facility", 2),            # 10
    ("Demo University of Nanjing", "NJ", "education", None),                      # 11
    ("Demo Metropolitan University, New York", "NYC", "education", None),         # 12
    ("Demo Eastern Capital University, Tokyo", "TK", "education", None),          # 13
    ("Demo Collegiate University, Oxford", "OXF", "education", None),             # 14
    ("Demo Fenland University, Cambridge", "CAMGB", "education", None),           # 15
    ("Demo Medical School, Boston", "BOS", "healthcare", None),                   # 16
    ("Demo Polytechnic Institute, Zürich", "ZRH", "education", None),             # 17
    ("Demo Thames College, London", "LON", "education", None),                    # 18
    ("Demo Pacific University, San Francisco", "SF", "education", None),          # 19
    ("Demo State University, Los Angeles", "LA", "education", 52),                # 20
    ("Demo Han River University, Seoul", "SE", "education", None),                # 21
    ("Demo Straits University, Singapore", "SG", "education", None),              # 22
    ("Demo Pearl River University, Guangzhou", "GZ", "education", None),         # 23
    ("Demo University of Wuhan", "WH", "education", None),                        # 24
    ("Demo Institute of Hydrobiology, Wuhan", "WH", "facility", 2),               # 25
    ("Demo Qiantang University, Hangzhou", "HZ", "education", None),              # 26
    ("Demo Lakeshore University, Chicago", "CHI", "education", None),             # 27
    ("Demo Medical Center, Houston", "HOU", "healthcare", None),                  # 28
    ("Demo Harbor Institute, Baltimore", "BAL", "education", None),               # 29
    ("Demo Capital Research Center, Washington", "DC", "government", None),       # 30
    ("Demo Society for Advanced Research", "MUC", "nonprofit", None),             # 31
    ("Demo Society Institute for Biochemistry, Munich", "MUC", "facility", 31),   # 32
    ("Demo Society Institute for Physics, Berlin", "BER", "facility", 31),        # 33
    ("Demo Spree University, Berlin", "BER", "education", None),                  # 34
    ("Demo Seine University, Paris", "PAR", "education", None),                   # 35
    ("Demo Institute of Molecular Biology, Paris", "PAR", "facility", None),      # 36
    ("Demo Lake Geneva Laboratory for Particle Physics", "GVA", "facility", None),  # 37
    ("Demo Canal University, Amsterdam", "AMS", "education", None),               # 38
    ("Demo Manzanares University, Madrid", "MAD", "education", None),             # 39
    ("Demo Don Valley University, Toronto", "TOR", "education", None),            # 40
    ("Demo Harbour University, Sydney", "SYD", "education", None),                # 41
    ("Demo Yarra University, Melbourne", "MEL", "education", None),               # 42
    ("Demo Deccan Institute of Science, Bengaluru", "BLR", "education", None),    # 43
    ("Demo Huangpu Medical College, Shanghai", "SH", "healthcare", None),         # 44
    ("Demo Normal University, Shanghai", "SH", "education", None),                # 45
    ("Demo Medical College, Beijing", "BJ", "healthcare", None),                  # 46
    ("Demo Children's Hospital, Boston", "BOS", "healthcare", None),              # 47
    ("Demo Center for Gravitational Waves, Cambridge", "CAMUS", "facility", 3),   # 48
    ("Demo Hudson Medical Center, New York", "NYC", "healthcare", None),          # 49
    ("Demo Institute of Brain Science, Shanghai", "SH", "facility", 2),           # 50
    ("Demo State University, San Francisco", "SF", "education", 52),             # 51
    ("Demo State University System", "LA", "education", None),                    # 52
    ("Demo Qinhuai Institute of Astronomy, Nanjing", "NJ", "facility", None),     # 53
    ("Demo Fenland Laboratory of Molecular Biology, Cambridge", "CAMGB", "facility", None),  # 54
    ("Demo Institute of Cosmology, Tokyo", "TK", "facility", None),               # 55
    ("Demo Institute of Molecular Medicine, Heidelberg", "HDB", "facility", None),  # 56
    ("Demo Polytechnic of Lausanne", "LSN", "education", None),                   # 57
    ("Demo Virtual Consortium for Open Science", None, "other", None),            # 58
    ("Demo Euston Biomedical Institute, London", "LON", "facility", None),        # 59
    ("Demo Institute of Astrophysics, Paris", "PAR", "facility", None),           # 60
    ("Demo Meguro Institute of Technology, Tokyo", "TK", "education", None),      # 61
    ("Demo Gwanak Institute of Science, Seoul", "SE", "education", None),         # 62
]
NO_ROR = {2, 25, 30, 36, 49, 52, 56, 58}          # institutions without a ROR id
NO_GEO_COUNTRY = "IT"    # what works say about no. 58, whose entity has no country
UNKNOWN = {  # cited by some works, absent from institutions.jsonl
    "id": OA + "I9000999", "display_name": "Demo Unlisted Laboratory, Milan",
    "ror": None, "country_code": "IT", "type": "facility", "lineage": [OA + "I9000999"],
}

# --------------------------------------------------------------------------
# Journals: display name, in demo journal list?, how the list names it
# ("id+issn", "issn", "print-issn"), popularity, has print ISSN, subject.
JOURNALS = [
    ("Demo Journal of Physics", True, "id+issn", 12, True, "phys"),
    ("Demo Chemistry Letters", True, "id+issn", 10, True, "chem"),
    ("Demo Cell and Molecular Biology", True, "id+issn", 9, True, "bio"),
    ("Demo Advanced Materials Research", True, "id+issn", 8, True, "mat"),
    ("Demo Earth and Planetary Science", True, "id+issn", 5, True, "earth"),
    ("Demo Multidisciplinary Science", True, "issn", 14, False, "multi"),
    ("Demo Astrophysical Letters", True, "issn", 5, True, "astro"),
    ("Demo Medical Journal", True, "print-issn", 7, True, "med"),
    ("Demo Regional Science Bulletin", False, None, 9, True, "multi"),
    ("Demo Open Research Reports", False, None, 8, False, "multi"),
]

TOPICS = {
    "phys": ["topological insulators", "quantum spin liquids", "ultracold atoms",
             "superconducting qubits", "neutrino oscillations", "dark matter searches",
             "twisted bilayer graphene", "attosecond pulses"],
    "chem": ["asymmetric catalysis", "metal-organic frameworks", "C-H activation",
             "photoredox coupling", "covalent organic frameworks", "single-atom catalysts"],
    "bio": ["CRISPR screens", "mitochondrial dynamics", "T cell exhaustion",
            "chromatin remodelling", "gut microbiota", "protein phase separation"],
    "mat": ["perovskite solar cells", "lithium metal anodes", "2D magnets",
            "high-entropy alloys", "solid-state electrolytes", "flexible electronics"],
    "earth": ["Antarctic ice loss", "monsoon variability", "deep mantle plumes",
              "ocean acidification", "permafrost carbon", "megathrust earthquakes"],
    "astro": ["fast radio bursts", "exoplanet atmospheres", "binary black holes",
              "galaxy cluster mergers", "tidal disruption events", "cosmic dawn"],
    "med": ["sepsis mortality", "statin therapy", "long COVID", "childhood asthma",
            "stroke rehabilitation", "antibiotic resistance"],
}
TOPICS["multi"] = [t for k in ("phys", "chem", "bio", "earth") for t in TOPICS[k]]
HEADS = ["Evidence for", "Observation of", "Mechanism of", "Control of", "A survey of",
         "Scalable synthesis for", "Limits on", "Dynamics of", "Imaging", "Mapping",
         "Design principles for", "Robust", "Origin of", "Tuning"]
TAILS = ["", "", "", " at room temperature", " in living cells", " from first principles",
         " across scales", " under pressure", ": a cohort study", " in the early universe",
         " with machine learning", " revisited"]

NAMES = {
    "CN": (["Wei", "Jing", "Min", "Lei", "Yan", "Hui", "Jun", "Xin", "Yu", "Hao", "Ying",
            "Jie", "Tao", "Ming", "Fang", "Qiang", "Na", "Bo", "Chao", "Xiaoyu"],
           ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
            "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo"]),
    "JP": (["Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Haruka", "Daisuke", "Naoko",
            "Satoshi", "Emi"],
           ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
            "Nakamura", "Kobayashi", "Kato"]),
    "KR": (["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yoon", "Ji-woo", "Hyun-woo",
            "Soo-jin"],
           ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]),
    "IN": (["Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Kavya", "Rohan", "Deepa"],
           ["Sharma", "Patel", "Iyer", "Rao", "Reddy", "Nair", "Gupta", "Singh", "Kumar",
            "Menon"]),
    "EN": (["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
            "David", "Sarah", "Daniel", "Emma", "Laura", "Peter", "Anna", "Thomas",
            "Sophie", "Lucas", "Olivia", "Noah", "Aisha", "Omar"],
           ["Smith", "Johnson", "Brown", "Miller", "Davis", "Garcia", "Wilson", "Anderson",
            "Taylor", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall",
            "Young", "King", "Wright", "Scott", "Nguyen", "Cohen"]),
    "DE": (["Lukas", "Lena", "Jonas", "Hannah", "Felix", "Marie", "Jan", "Sophie",
            "Niels", "Anke", "Jürgen"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
            "Becker", "Bakker", "Visser", "Hofmann"]),
    "FR": (["Camille", "Louis", "Chloé", "Hugo", "Léa", "Antoine", "Manon", "Julien"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
            "Durand", "Leroy", "Moreau"]),
    "ES": (["Lucía", "Pablo", "Sofía", "Javier", "Marco", "Giulia", "Alessandro", "Elena"],
           ["García", "Fernández", "López", "Martínez", "Rossi", "Russo", "Ferrari",
            "Esposito", "Romano", "Sánchez"]),
}
NAME_POOL = {"CN": "CN", "JP": "JP", "KR": "KR", "IN": "IN", "DE": "DE", "CH": "DE",
             "NL": "DE", "FR": "FR", "ES": "ES", "IT": "ES"}

N_WORKS = 400
MEDIAN_EXTRA = 1.2      # authors per work: 1 + lognormal(median 1.2), at most 15
BIG_AUTHORS = (203,)           # one large collaboration
YEAR_WEIGHTS = {2020: 31, 2021: 33, 2022: 36}


def issn_check(seven: str) -> str:
    total = sum(int(c) * w for c, w in zip(seven, range(8, 1, -1)))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def make_issn(rng, used):
    while True:
        seven = "9" + "".join(rng.choice("0123456789") for _ in range(6))
        issn = f"{seven[:4]}-{seven[4:]}{issn_check(seven)}"
        if issn not in used:
            used.add(issn)
            return issn


def check_geonames():
    """Compare the embedded city table with cities1000.csv when it is available."""
    path = REPO.parent / "shared" / "data" / "geonames" / "cities1000.csv"
    if not path.is_file():
        print(f"note: {path} not found; city table not re-checked")
        return
    want = {c[0]: c for c in CITIES.values() if c[0]}
    found = 0
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            c = want.get(r["geonameid"])
            if c is None:
                continue
            found += 1
            if (r["name"], r["countrycode"]) != (c[1], c[2]) or \
               abs(float(r["latitude"]) - c[3]) > 1e-4 or abs(float(r["longitude"]) - c[4]) > 1e-4:
                sys.exit(f"error: city table disagrees with GeoNames for {r['geonameid']}: {r}")
    if found != len(want):
        sys.exit(f"error: only {found} of {len(want)} GeoNames ids found in {path}")
    print(f"checked {found} GeoNames city ids against {path.name}")


def build_institutions(rng):
    insts = []
    for i, (name, city, itype, parent) in enumerate(INSTITUTIONS, start=1):
        iid = f"{OA}I{9000000 + i}"
        lineage = [iid]
        p = parent
        while p is not None:
            lineage.append(f"{OA}I{9000000 + p}")
            p = INSTITUTIONS[p - 1][3]
        rec = {
            "id": iid,
            "ror": None if i in NO_ROR else f"https://ror.org/0demo{i:03d}x",
            "display_name": name,
            "country_code": None,
            "type": itype,
            "lineage": lineage,
        }
        if city is not None:
            gid, cname, cc, lat, lon, region = CITIES[city]
            rec["country_code"] = cc
            rec["geo"] = {
                "city": cname,
                "geonames_city_id": gid,
                "region": region,
                "country_code": cc,
                "country": COUNTRIES[cc],
                "latitude": round(lat + rng.uniform(-0.04, 0.04), 5),
                "longitude": round(lon + rng.uniform(-0.04, 0.04), 5),
            }
        insts.append(rec)
    return insts


def dehydrated(inst):
    """The institution object as it appears inside a work's authorship."""
    if inst is UNKNOWN:
        return dict(UNKNOWN)
    return {
        "id": inst["id"], "display_name": inst["display_name"], "ror": inst["ror"],
        "country_code": inst["country_code"] or NO_GEO_COUNTRY,
        "type": inst["type"], "lineage": inst["lineage"],
    }


class Authors:
    """Per-institution author pools so that authors recur across works."""

    def __init__(self, rng):
        self.rng = rng
        self.pools = {}
        self.next_id = 1
        self.used_names = set()

    def new(self, cc):
        first, last = NAMES[NAME_POOL.get(cc, "EN")]
        if cc == "SG" and self.rng.random() < 0.6:
            first, last = NAMES["CN"]
        for _ in range(50):
            name = f"{self.rng.choice(first)} {self.rng.choice(last)}"
            if name not in self.used_names:
                break
        else:
            name = f"{name} {chr(65 + self.rng.randrange(26))}."
        self.used_names.add(name)
        a = {"id": f"{OA}A{900000000 + self.next_id}", "display_name": name}
        self.next_id += 1
        return a

    def pick(self, inst):
        key = inst["id"] if inst else None
        cc = (inst or {}).get("country_code") or "US"
        pool = self.pools.setdefault(key, [])
        if pool and self.rng.random() < 0.55:
            return self.rng.choice(pool)
        a = self.new(cc)
        pool.append(a)
        return a


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else REPO / "demo"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    check_geonames()

    insts = build_institutions(rng)
    weights = [1.0 / (r ** 0.7) for r in range(1, len(insts) + 1)]
    by_country = {}
    for k, inst in enumerate(insts):
        by_country.setdefault(inst["country_code"] or NO_GEO_COUNTRY, []).append(k)

    def pick_inst(exclude=(), country=None):
        cand = by_country[country] if country else range(len(insts))
        cand = [k for k in cand if k not in exclude] or [k for k in range(len(insts)) if k not in exclude]
        return rng.choices(cand, weights=[weights[k] for k in cand])[0]

    # Journals / sources.
    used_issn = set()
    sources, listed = [], []
    for j, (name, in_list, how, pop, has_print, subj) in enumerate(JOURNALS, start=1):
        sid = f"{OA}S{9000000 + j}"
        p_issn = make_issn(rng, used_issn) if has_print else None
        e_issn = make_issn(rng, used_issn)
        if how == "print-issn":      # linking ISSN is the electronic one
            issn_l, issns = e_issn, [e_issn, p_issn]
        else:
            issn_l = p_issn or e_issn
            issns = [x for x in (p_issn, e_issn) if x]
        src = {"id": sid, "display_name": name, "issn_l": issn_l, "issn": issns,
               "type": "journal"}
        sources.append((src, pop, subj))
        if in_list:
            listed.append((src, how, p_issn))

    authors = Authors(rng)
    years = list(YEAR_WEIGHTS)
    n_special = len(BIG_AUTHORS)
    idx = list(range(N_WORKS))
    big_at = rng.sample(idx[50:], n_special)
    rest = [i for i in idx if i not in big_at]
    specials = rng.sample(rest, 8)
    pl_null, pl_missing, src_null, no_issn = (specials[0:2], specials[2:4],
                                              specials[4:6], specials[6:8])
    dup_inst_left, unknown_left = 3, 6

    works = []
    for w in range(N_WORKS):
        wid = 90000001 + w
        year = rng.choices(years, weights=[YEAR_WEIGHTS[y] for y in years])[0]
        date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if w in big_at:
            sidx = 0                                    # Demo Journal of Physics
        else:
            sidx = rng.choices(range(len(sources)), weights=[s[1] for s in sources])[0]
        if w in no_issn and JOURNALS[sidx][2] != "id+issn":
            sidx = 1        # a source without ISSNs must be listed by its id
        src, _, subj = sources[sidx]

        r = rng.random()
        if year == 2020 and r < 0.3:
            wtype = "journal-article"
        elif year == 2021 and r < 0.08:
            wtype = "journal-article"
        else:
            r = rng.random()
            wtype = ("review" if r < 0.05 else "editorial" if r < 0.075
                     else "letter" if r < 0.085 else "article")
        if w in big_at:
            wtype = "article"
            n_auth = BIG_AUTHORS[big_at.index(w)]
        elif wtype == "editorial":
            n_auth = rng.choice([1, 1, 2, 3])
        else:
            n_auth = min(15, 1 + round(math.exp(rng.gauss(math.log(MEDIAN_EXTRA), 0.75))))

        # Participating institutions: a lead plus collaborators, often domestic.
        lead = pick_inst()
        if w in big_at:
            m = rng.randint(38, 48)
        else:
            m = min(n_auth, rng.choices([1, 2, 3, 4, 5, 6], weights=[34, 30, 18, 10, 5, 3])[0])
        team = [lead]
        while len(team) < m:
            domestic = rng.random() < 0.5
            team.append(pick_inst(exclude=team,
                                  country=insts[lead]["country_code"] if domestic else None))

        auths = []
        for a in range(n_auth):
            r = rng.random()
            k = 0 if r < 0.04 else 1 if r < 0.82 else 2 if r < 0.97 else 3
            if w in big_at and k > 1:
                k = 1
            chosen = []
            if k:
                first = team[0] if (a == 0 or rng.random() < 0.35) else rng.choice(team)
                chosen.append(first)
                while len(chosen) < k:
                    par = insts[chosen[0]]["lineage"][1:]
                    if par and rng.random() < 0.4:
                        cand = int(par[0].rsplit("I", 1)[1]) - 9000001
                    elif rng.random() < 0.5:
                        city = (insts[chosen[0]].get("geo") or {}).get("city")
                        same = [x for x in range(len(insts)) if x not in chosen and city
                                and (insts[x].get("geo") or {}).get("city") == city
                                and insts[x]["country_code"] == insts[chosen[0]]["country_code"]]
                        cand = rng.choice(same) if same else pick_inst(exclude=chosen)
                    else:
                        cand = pick_inst(exclude=chosen)
                    if cand not in chosen:
                        chosen.append(cand)
            objs = [insts[c] for c in chosen]
            if objs and unknown_left and rng.random() < 0.02:
                objs[-1] = UNKNOWN
                unknown_left -= 1
            dinst = [dehydrated(o) for o in objs]
            if len(dinst) == 1 and dup_inst_left and rng.random() < 0.02:
                dinst.append(dict(dinst[0]))    # same institution listed twice
                dup_inst_left -= 1
            author = authors.pick(objs[0] if objs else None)
            if dinst:
                raw = [f"{d['display_name']}, {COUNTRIES.get(d['country_code'], '')}"
                       for d in dinst[: len({d['id'] for d in dinst})]]
            else:
                raw = rng.choice([[], [], ["Independent researcher"],
                                  ["Department of Physics, unknown address"]])
            pos = "first" if a == 0 else "last" if a == n_auth - 1 else "middle"
            auths.append({
                "author_position": pos,
                "author": author,
                "institutions": dinst,
                "countries": sorted({d["country_code"] for d in dinst}),
                "raw_affiliation_strings": raw,
            })

        if w in big_at:
            title = (f"Search for {rng.choice(['heavy neutral leptons', 'dark photons', 'leptoquarks'])}"
                     " in proton-proton collisions with the Demo Collider Collaboration")
        else:
            title = (f"{rng.choice(HEADS)} {rng.choice(TOPICS[subj])}"
                     f"{rng.choice(TAILS) if subj != 'med' else rng.choice(['', ': a cohort study', ': a randomized trial'])}")
            if wtype == "editorial":
                title = f"Editorial: {rng.choice(TOPICS[subj])}"
        work = {
            "id": f"{OA}W{wid}",
            "doi": f"https://doi.org/10.5555/demo.{wid}",
            "title": title,
            "publication_year": year,
            "publication_date": date.isoformat(),
            "type": wtype,
        }
        srccopy = dict(src, issn=list(src["issn"]))
        if w in no_issn:
            srccopy["issn_l"], srccopy["issn"] = None, None
        if w in pl_null:
            work["primary_location"] = None
        elif w in pl_missing:
            pass
        elif w in src_null:
            work["primary_location"] = {"source": None}
        else:
            work["primary_location"] = {"source": srccopy}
        work["authorships"] = auths
        works.append(work)

    assert dup_inst_left == 0 and unknown_left == 0, (dup_inst_left, unknown_left)

    lines = [json.dumps(w, ensure_ascii=False, separators=(",", ":")) for w in works]
    # Two repeated work records (same id, identical content), later in the file.
    for src_i in rng.sample(range(0, 150), 2):
        lines.insert(rng.randrange(250, len(lines)), lines[src_i])

    (out / "works.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "institutions.jsonl").write_text(
        "".join(json.dumps(i, ensure_ascii=False, separators=(",", ":")) + "\n" for i in insts),
        encoding="utf-8")

    jl = [
        "# tally demo journal list: 8 of the 10 fictional demo journals.",
        "# Generated by scripts/gen_demo.py; do not edit by hand.",
        "# One entry per line: an OpenAlex source id (https://openalex.org/S...)",
        "# or an ISSN (matched against primary_location.source.issn_l and any of",
        "# primary_location.source.issn). '#' starts a comment.",
        "# Some journals are named by source id and ISSN, some by ISSN only, and",
        "# one by its print ISSN only (which is not its issn_l), to exercise all",
        "# three ways of matching.",
        "# Not listed (works there are excluded): "
        + "; ".join(f"{s['display_name']} ({s['id'].rsplit('/', 1)[1]})"
                    for s, _, _ in sources if s["id"] not in {x[0]["id"] for x in listed}),
        "",
    ]
    for src, how, p_issn in listed:
        jl.append(f"# {src['display_name']}")
        if how == "id+issn":
            jl.append(src["id"])
            jl.extend(src["issn"])
        elif how == "issn":
            jl.extend(src["issn"])
        else:
            jl.append(p_issn)
    (out / "journals.txt").write_text("\n".join(jl) + "\n", encoding="utf-8")

    n_auth = sum(len(w["authorships"]) for w in works)
    print(f"wrote {out}/: {len(insts)} institutions, {len(works)} works "
          f"(+2 repeated records), {n_auth} authorships, {len(listed)} listed journals")


if __name__ == "__main__":
    main(sys.argv)
