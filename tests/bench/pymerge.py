#!/usr/bin/python3
"""tests/bench/pymerge.py TEMPLATE FILE.csv: the yardstick for render + compose — a plain
Python mail merge of the same letter and contacts, measured in the same run.

What the classic Python mail-merge scripts do: the CSV read with the csv module, {{name}}
and {{name|fallback}} filled in with a regular expression, a "Dr. Lastname" salutation,
then each message built with the standard library's email.mime (MIMEText with a
quoted-printable UTF-8 body, RFC 2047 headers through email.header) and serialised to
bytes. This is the fastest of the standard library's ways (EmailMessage with policy.SMTP
takes about three times as long here), so the yardstick is not a straw man. Only the loop
over the contacts is timed, as in tests/bench/render.c. Prints one line:

    messages=N seconds=S bytes=B
"""
import csv
import email.utils
import re
import sys
import time
from email import charset
from email.header import Header
from email.mime.text import MIMEText

charset.add_charset("utf-8", charset.QP, charset.QP, "utf-8")

VAR = re.compile(r"{{\s*([a-z_.]+)\s*(?:\|([^}]*))?}}")


def key(h):
    return re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_")


def main():
    tmpl_path, csv_path = sys.argv[1], sys.argv[2]
    head, _, body = open(tmpl_path, encoding="utf-8").read().partition("\n\n")
    subject = head.split(":", 1)[1].strip()
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = [{key(k): v for k, v in r.items()} for r in csv.DictReader(f)]
    for r in rows:
        r["first_name"] = r.get("first_name", "")
        r["salutation"] = ("Dr. " + r["last_name"]) if r.get("last_name") else ""

    def fill(text, r):
        return VAR.sub(lambda m: r.get(m.group(1)) or (m.group(2) or ""), text)

    t0 = time.perf_counter()
    total = 0
    for r in rows:
        m = MIMEText(fill(body, r), "plain", "utf-8")
        m["From"] = email.utils.formataddr(("Amina Rahman", "amina@example.test"))
        m["To"] = email.utils.formataddr((r["first_name"] + " " + r["last_name"], r["email"]), "utf-8")
        m["Subject"] = Header(fill(subject, r), "utf-8")
        m["Date"] = email.utils.formatdate()
        m["Message-ID"] = email.utils.make_msgid(domain="example.test")
        total += len(m.as_bytes().replace(b"\n", b"\r\n"))
    secs = time.perf_counter() - t0
    print("messages=%d seconds=%.6f bytes=%d" % (len(rows), secs, total))


if __name__ == "__main__":
    main()
