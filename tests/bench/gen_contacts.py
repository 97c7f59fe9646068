#!/usr/bin/python3
"""tests/bench/gen_contacts.py N:FILE [N:FILE...]: realistic spreadsheets of attending physicians.

Each FILE gets the first N rows of one deterministic sequence (so the 10k file is the start of
the 1M one, and two runs import the same bytes); all files are written in one pass. The rows look like
the spreadsheets users keep: names with accents and apostrophes (José, Zoë, O'Brien,
Nguyễn), real-sounding hospitals and departments, US states, a title, a phone number, and a
free-text notes column with commas, doubled quotes and now and then a line break inside a
quoted field. Every address is unique (example.org/.edu domains only) and valid, so every
row is imported: the benchmark measures the good path.
"""
import functools
import random
import re
import sys
import unicodedata

FIRST = ["Sarah", "José", "Zoë", "Łukasz", "Ana-María", "Mohammed", "Wei", "Priya", "Søren",
         "François", "Chidi", "Aoife", "Renée", "Hiroshi", "Fatima", "Andrés", "Olga", "Nguyễn",
         "Emily", "Michael", "David", "Jennifer", "Robert", "Linda", "Thomas", "Ayşe", "Björn",
         "Inês", "Raúl", "Siobhán", "Kwame", "Mei-Ling", "Dmitri", "Noémie", "Jürgen", "Lucía"]
LAST = ["Whitfield", "Martínez", "O'Brien", "Nguyễn", "Müller", "Chen", "Okafor", "Patel",
        "García-López", "Kowalski", "Dubois", "Andersson", "Smith", "Johnson", "Williams",
        "Brown", "Jones", "Davis", "Rodríguez", "Hernández", "Kim", "Lee", "Singh", "Khan",
        "Yılmaz", "Ó Súilleabháin", "Fernández", "Schröder", "Ivanova", "Mensah", "Tanaka",
        "Cohen", "Levi", "Nakamura", "Haddad", "Moreau"]
TITLE = ["MD", "MD, PhD", "DO", "MD, MPH", "MBBS", "MD, FACP"]
SPECIALTY = ["Internal Medicine", "Hospital Medicine", "Cardiology", "Nephrology",
             "Pulmonary and Critical Care", "Infectious Diseases", "Gastroenterology",
             "Endocrinology", "Rheumatology", "Geriatrics", "Hematology and Oncology",
             "Family Medicine", "Pediatrics", "Neurology", "Emergency Medicine"]
DEPARTMENT = ["Department of Medicine", "Division of Hospital Medicine", "Department of Pediatrics",
              "Division of Cardiology", "Department of Neurology", "Department of Family Medicine"]
HOSPITALS = [
    ("Boston General Hospital", "Boston", "MA"), ("St. Mary's Medical Center", "San Antonio", "TX"),
    ("Lakeside University Hospital", "Chicago", "IL"), ("Mercy Regional Medical Center", "Denver", "CO"),
    ("Harbor Point Hospital", "Portland", "OR"), ("Sacred Heart Medical Center", "Spokane", "WA"),
    ("Riverside Community Hospital", "Riverside", "CA"), ("Mount Sinai-Beth Israel", "New York", "NY"),
    ("Peachtree Memorial Hospital", "Atlanta", "GA"), ("Gulf Coast Medical Center", "Tampa", "FL"),
    ("Desert Valley Hospital", "Phoenix", "AZ"), ("Twin Cities Medical Center", "Minneapolis", "MN"),
    ("Bluegrass Regional Hospital", "Lexington", "KY"), ("Hôpital Saint-Luc", "New Orleans", "LA"),
    ("Cleveland Lakeshore Clinic", "Cleveland", "OH"), ("Good Samaritan Hospital", "Cincinnati", "OH"),
    ("University of Nebraska Medical Center", "Omaha", "NE"), ("Mid-Atlantic Heart Institute", "Baltimore", "MD"),
    ("Hospital Español de Miami", "Miami", "FL"), ("Green Mountain Medical Center", "Burlington", "VT"),
]
NOTES = [
    "Met at ACP 2025, said to write after the Match",
    "Runs the observership programme; fee $300, needs immunisation records",
    'Her paper on "early antibiotics in sepsis" — mention it',
    "Prefers email, replies within a week; assistant: Maria (ext. 4410)",
    "Referred by Dr. Ahmed, PGY-3",
    "No IMG observers in 2024, maybe 2026?",
    "Interested in quality improvement; cc the coordinator",
    "",
    "",
    "Took an IMG observer last spring, good experience\nAsk about dates in April",
]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen_contacts.py N:FILE [N:FILE...]")
    outs = []
    for a in sys.argv[1:]:
        n, _, path = a.partition(":")
        outs.append([int(n), open(path, "w", encoding="utf-8", newline="")])
    total = max(n for n, _ in outs)
    rnd = random.Random(1)
    header = "Email,First Name,Last Name,Title,Specialty,Department,Hospital,City,State,Phone,Notes\r\n"
    for _, f in outs:
        f.write(header)

    def q(s):
        if any(c in s for c in ',"\r\n'):
            return '"' + s.replace('"', '""') + '"'
        return s

    @functools.lru_cache(maxsize=None)
    def ascii_(s):
        s = unicodedata.normalize("NFKD", s.lower().replace("ł", "l").replace("ø", "o").replace("ı", "i"))
        return re.sub(r"[^a-z0-9]+", "-", s.encode("ascii", "ignore").decode()).strip("-")

    buf = []
    for i in range(total):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        hosp, city, state = rnd.choice(HOSPITALS)
        domain = "".join(w[0] for w in ascii_(hosp).split("-")) + (".example.org" if i % 3 else ".example.edu")
        local = "%s.%s.%d" % (ascii_(first), ascii_(last), i)
        row = [local + "@" + domain, first, last, rnd.choice(TITLE), rnd.choice(SPECIALTY),
               rnd.choice(DEPARTMENT), hosp, city, state,
               "(%03d) 555-%04d" % (rnd.randrange(200, 999), rnd.randrange(10000)), rnd.choice(NOTES)]
        buf.append(",".join(q(f) for f in row) + "\r\n")
        if len(buf) == 1000 or i + 1 == total:
            chunk, done = "".join(buf), i + 1 - len(buf)
            for n, f in outs:
                if n >= i + 1:
                    f.write(chunk)
                elif n > done:
                    f.write("".join(buf[:n - done]))
            buf = []
    for _, f in outs:
        f.close()

if __name__ == "__main__":
    main()
