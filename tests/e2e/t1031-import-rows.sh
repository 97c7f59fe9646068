#!/bin/bash
# t1031-import-rows: bad rows in a spreadsheet — each reported as file:line with its
# reason, written to --rejects (original columns + error) and re-importable after fixing;
# the good rows still imported (exit 65); --strict and --dry-run write nothing;
# duplicates within the file and against the database, --update; role and no-reply
# addresses; --campaign enrolment; suppressed addresses imported but marked; an
# oversized field and a quote never closed.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

FIX=$TOP/tests/fixtures/csv

"$OUTREACH" -q init ws || bail "outreach init failed"
cp "$FIX"/messy.csv "$FIX"/update.csv "$FIX"/unterminated.csv ws/contacts/ || bail "cannot copy the fixtures"
cd ws || bail "no workspace"

q() { sqlite3 .outreach/outreach.db "$1"; }
# state: everything import may write, to compare before and after
state() {
	sqlite3 .outreach/outreach.db "SELECT * FROM contacts ORDER BY id; SELECT * FROM contact_fields ORDER BY 1, 2;
		SELECT * FROM campaigns; SELECT * FROM enrollments ORDER BY 1, 2; SELECT * FROM events ORDER BY id;
		SELECT * FROM suppressions ORDER BY id"
}

# What importing contacts/messy.csv must say on stderr, line for line.
M=contacts/messy.csv
cat >messy.expected <<EOF
outreach: $M:3: 5 fields, but the header has 6 (a missing separator, or a line break inside an unquoted field?)
outreach: $M:4: 7 fields, but the header has 6 (a separator inside an unquoted field? quote it)
outreach: $M:5: invalid address 'jsmith@' (no domain after '@')
outreach: $M:6: invalid address 'no-at-sign.example.org' (no '@')
outreach: $M:7: invalid address 'two@@hosp-b.example.org' (quoted names and several '@' are not supported)
outreach: $M:8: invalid address 'a b@hosp-b.example.org' (it contains a space; one address per row)
outreach: $M:9: invalid address 'x@localhost' (the domain needs a dot, like 'hospital.org')
outreach: $M:10: invalid address 'dot.@hosp-b.example.org' (a dot cannot start or end the name)
outreach: $M:11: missing email address
outreach: $M:12: 'Ann.Able@hosp-a.example.org' appears twice in this file (first on line 2); the first row was kept
outreach: $M:13: column 'first_name' contains a line break; names and titles go into mail headers, so they must be on one line
outreach: $M:17: address 'noreply@hosp-c.example.org' never reads mail (a no-reply or system mailbox)
outreach: warning: $M:18: 'info@hosp-c.example.org' is a shared mailbox, not a person; imported, but check it is the right address
outreach: $M:20: a stray quote: quote the whole field and double any quote inside it ("")
outreach: $M:22: column 'title' contains a line break; names and titles go into mail headers, so they must be on one line
EOF

test_expect_success '--strict: one bad row aborts the import, nothing is written, exit 65' '
	state >before
	assert_exit 65 "$OUTREACH" import --strict contacts/messy.csv
	assert_file_contains "$T/stderr" "outreach: contacts/messy.csv:5: invalid address '"'"'jsmith@'"'"'"
	assert_eq "outreach: contacts/messy.csv: 14 bad rows and --strict: nothing was imported" "$(tail -n 1 "$T/stderr")"
	state >after
	diff -u before after
	assert_eq 0 "$(q "SELECT count(*) FROM contacts")"
'

test_expect_success '--strict on a clean file imports it' '
	printf "email,first_name\nstrict.ok@hosp-s.example.org,Stella\n" >clean.csv
	assert_exit 0 "$OUTREACH" import --strict clean.csv
	assert_eq 1 "$(q "SELECT count(*) FROM contacts")"
'

test_expect_success '--dry-run: every problem reported, counts printed, nothing written' '
	state >before
	assert_exit 65 "$OUTREACH" import --dry-run contacts/messy.csv
	assert_file_contains "$T/stderr" "contacts/messy.csv: 19 rows (UTF-8, comma separated) — dry run, nothing written"
	assert_file_contains "$T/stderr" "  5 imported, 0 updated, 0 already known, 14 rejected"
	head -n 15 "$T/stderr" >got
	diff -u messy.expected got
	state >after
	diff -u before after
'

test_expect_success 'every bad row is reported as file:line with its reason; the good rows are imported; exit 65' '
	assert_exit 65 "$OUTREACH" import contacts/messy.csv --rejects rejects.csv
	assert_eq 600 "$(stat -c %a rejects.csv)" "the rejects file holds contact data: private"
	cp "$T/stderr" messy.stderr
	head -n 15 "$T/stderr" >got
	diff -u messy.expected got
	tail -n +16 "$T/stderr" >summary
	assert_eq "contacts/messy.csv: 19 rows (UTF-8, comma separated)
  5 imported, 0 updated, 0 already known, 14 rejected
  1 shared mailboxes (office@, info@...): check them
  the rejected rows, with the reason in an '"'"'error'"'"' column, are in rejects.csv: fix them there and import that file" "$(cat summary)"
	assert_eq "after.stray@hosp-d.example.org ann.able@hosp-a.example.org info@hosp-c.example.org nia.notes@hosp-c.example.org ok.last@hosp-d.example.org strict.ok@hosp-s.example.org" \
		"$(q "SELECT group_concat(email, '"' '"') FROM (SELECT email FROM contacts ORDER BY email)")"
'

test_expect_success 'the good rows landed as they were: trimmed names, multi-line notes, the first of two duplicates' '
	assert_eq "Ann|Able|MD" "$(q "SELECT first_name || '"'|'"' || last_name || '"'|'"' || title FROM contacts WHERE email = '"'ann.able@hosp-a.example.org'"'")"
	assert_eq "Olga|Last" "$(q "SELECT first_name || '"'|'"' || last_name FROM contacts WHERE email = '"'ok.last@hosp-d.example.org'"'")"
	assert_eq "$(printf "first line\nsecond line, with a comma\nand a \"quoted\" word")" \
		"$(q "SELECT notes FROM contacts WHERE email = '"'nia.notes@hosp-c.example.org'"'")"
	assert_eq "contacts/messy.csv:14" "$(q "SELECT source || '"':'"' || source_line FROM contacts WHERE email = '"'nia.notes@hosp-c.example.org'"'")"
	assert_eq "contacts/messy.csv:21" "$(q "SELECT source || '"':'"' || source_line FROM contacts WHERE email = '"'after.stray@hosp-d.example.org'"'")"
	assert_exit 0 "$OUTREACH" contacts list
	assert_match "$(grep "^info@hosp-c.example.org " "$T/stdout")" "shared mailbox$"
	assert_exit 0 "$OUTREACH" contacts show info@hosp-c.example.org
	assert_file_contains "$T/stdout" "note             a shared mailbox, not a person"
	assert_exit 0 "$OUTREACH" contacts show ann.able@hosp-a.example.org
	assert_file_contains "$T/stdout" "imported from    contacts/messy.csv:2"
'

test_expect_success 'the rejects file: the original columns plus error, one row per rejected line' '
	# read back with Python'"'"'s csv module, independently of outreach; the reasons must be
	# the ones printed on stderr for the same lines
	"$PY" - rejects.csv messy.stderr <<-"EOF"
		import csv, re, sys
		rej, err = sys.argv[1:]
		reasons = [m.group(2) for m in (re.match(r"outreach: contacts/messy\.csv:(\d+): (.*)$", l.rstrip("\n"))
		                                for l in open(err, encoding="utf-8")) if m]
		assert len(reasons) == 14, reasons
		H = ["email", "first_name", "last_name", "title", "hospital", "notes"]
		want = [  # the original cells of lines 3-13, 17, 20 and 22, a short row padded
		    ["ben.baker@hosp-a.example.org", "Ben", "Baker", "MD", "Hospital A", ""],
		    ["cy.cole@hosp-a.example.org", "Cy", "Cole", "MD", "Hospital A", ""],
		    ["jsmith@", "Jo", "Smith", "MD", "Hospital B", ""],
		    ["no-at-sign.example.org", "No", "At", "MD", "Hospital B", ""],
		    ["two@@hosp-b.example.org", "Two", "Ats", "MD", "Hospital B", ""],
		    ["a b@hosp-b.example.org", "Sp", "Ace", "MD", "Hospital B", ""],
		    ["x@localhost", "Lo", "Calhost", "MD", "Hospital B", ""],
		    ["dot.@hosp-b.example.org", "Do", "T", "MD", "Hospital B", ""],
		    ["", "Empty", "Mail", "MD", "Hospital B", ""],
		    ["Ann.Able@Hosp-A.Example.ORG", "Ann", "Again", "MD", "Hospital A", ""],
		    ["cr@hosp-c.example.org", "Jo\rhn", "Carr", "MD", "Hospital C", ""],
		    ["noreply@hosp-c.example.org", "No", "Reply", "", "Hospital C", ""],
		    # a stray quote: the row cannot be split; its text is in the first column
		    ["stray@hosp-d.example.org,Stray,Qu\"ote,MD,Hospital D,", "", "", "", "", ""],
		    ["title.lf@hosp-d.example.org", "Tee", "Ell", "MD\nPhD", "Hospital D", ""],
		]
		data = open(rej, "rb").read()
		assert data.endswith(b"\r\n"), "the rejects file ends in CRLF"
		with open(rej, encoding="utf-8", newline="") as f:
		    rows = list(csv.reader(f))
		assert rows[0] == H + ["error"], rows[0]
		assert len(rows) == 1 + len(want), len(rows)
		extra = {1: ["surplus"]}  # cells beyond the header follow the error column
		for i, (row, w, why) in enumerate(zip(rows[1:], want, reasons)):
		    assert row == w + [why] + extra.get(i, []), (i, row, w + [why])
		print("rejects.csv: %d rows checked" % len(want))
	EOF
'

test_expect_success 'the rejects file, fixed, imports cleanly: the error column is not contact data' '
	# fix two addresses, drop the rows that cannot be fixed by editing one cell
	sed -e "s/^jsmith@,/jsmith@hosp-b.example.org,/" -e "s/^dot\.@/dot@/" rejects.csv >fixed.csv
	grep -E "^(email|jsmith@hosp-b|dot@)" fixed.csv >fixed2.csv
	assert_eq 3 "$(wc -l <fixed2.csv)"
	assert_exit 0 "$OUTREACH" import fixed2.csv --rejects again.csv
	assert_file_contains "$T/stderr" "2 imported, 0 updated, 0 already known, 0 rejected"
	[ ! -e again.csv ] || { echo "a rejects file was written for a clean import"; false; }
	assert_eq "Jo|Smith|Hospital B" "$(q "SELECT first_name || '"'|'"' || last_name || '"'|'"' || hospital FROM contacts WHERE email = '"'jsmith@hosp-b.example.org'"'")"
	assert_eq 0 "$(q "SELECT count(*) FROM contact_fields WHERE name = '"'error'"'")"
	assert_exit 0 "$OUTREACH" contacts show dot@hosp-b.example.org
	assert_file_not_contains "$T/stdout" "error"
'

test_expect_success 'the rejects file imported unfixed gives a rejects file of the same shape' '
	assert_exit 65 "$OUTREACH" import rejects.csv --rejects again.csv
	assert_file_not_contains "$T/stderr" "both mean"
	assert_eq "$(head -n 1 rejects.csv)" "$(head -n 1 again.csv)"
	assert_file_contains again.csv "no-at-sign.example.org,No,At,MD,Hospital B,,invalid address '"'"'no-at-sign.example.org'"'"' (no '"'"'@'"'"')"
	assert_exit 65 "$OUTREACH" import again.csv
	assert_file_contains "$T/stderr" "again.csv:4: invalid address '"'"'no-at-sign.example.org'"'"'"
'

test_expect_success 'duplicates against the database: kept as they are, or overwritten with --update' '
	assert_exit 0 "$OUTREACH" -v import contacts/update.csv
	assert_file_contains "$T/stderr" "contacts/update.csv:2: '"'"'ann.able@hosp-a.example.org'"'"' is already a contact; kept the database'"'"'s values (--update overwrites them)"
	assert_file_contains "$T/stderr" "  1 imported, 0 updated, 1 already known, 0 rejected"
	assert_eq "Ann|Able|Hospital A" "$(q "SELECT first_name || '"'|'"' || last_name || '"'|'"' || hospital FROM contacts WHERE email = '"'ann.able@hosp-a.example.org'"'")"
	assert_exit 0 "$OUTREACH" import --update contacts/update.csv
	assert_file_contains "$T/stderr" "  0 imported, 2 updated, 0 already known, 0 rejected"
	assert_eq "Annabel|Able-Smith|Hospital A Renamed" "$(q "SELECT first_name || '"'|'"' || last_name || '"'|'"' || hospital FROM contacts WHERE email = '"'ann.able@hosp-a.example.org'"'")"
	assert_eq 1 "$(q "SELECT count(*) FROM contacts WHERE email = '"'ann.able@hosp-a.example.org'"'")"
'

test_expect_success '--campaign enrols the imported contacts once; an unknown campaign writes nothing' '
	state >before
	assert_exit 64 "$OUTREACH" import contacts/update.csv --campaign nope
	assert_file_contains "$T/stderr" "no campaign '"'"'nope'"'"'"
	state >after
	diff -u before after
	assert_exit 0 "$OUTREACH" import contacts/update.csv --campaign observership
	assert_file_contains "$T/stderr" "  2 newly enrolled in campaign '"'"'observership'"'"'"
	assert_exit 0 "$OUTREACH" import contacts/update.csv --campaign observership
	assert_file_contains "$T/stderr" "  0 newly enrolled in campaign '"'"'observership'"'"'"
	assert_exit 0 "$OUTREACH" contacts list --campaign observership
	assert_eq "ann.able@hosp-a.example.org new.one@hosp-k.example.org" "$(awk "NR > 1 { print \$1 }" "$T/stdout" | sort | tr "\n" " " | sed "s/ \$//")"
	assert_file_contains "$T/stderr" "2 contacts in campaign observership"
	assert_exit 0 "$OUTREACH" contacts show new.one@hosp-k.example.org
	assert_match "$(cat "$T/stdout")" "observership +active"
'

test_expect_success 'a suppressed address is imported, marked, and counted' '
	assert_exit 0 "$OUTREACH" suppress add stop.me@hosp-s.example.org --reason "asked not to be contacted"
	printf "email,first_name,last_name\nstop.me@hosp-s.example.org,Stan,Stop\nkeep.me@hosp-s.example.org,Kim,Keep\n" >sup.csv
	assert_exit 0 "$OUTREACH" import sup.csv --campaign observership
	assert_file_contains "$T/stderr" "outreach: warning: sup.csv:2: '"'"'stop.me@hosp-s.example.org'"'"' is on the do-not-contact list (asked not to be contacted); imported, but it will not be written to"
	assert_file_contains "$T/stderr" "  2 imported, 0 updated, 0 already known, 0 rejected"
	assert_file_contains "$T/stderr" "  1 on the do-not-contact list (imported, never written to)"
	assert_exit 0 "$OUTREACH" contacts list
	assert_match "$(grep "^stop.me@" "$T/stdout")" "suppressed \(asked not to be contacted\)$"
	assert_match "$(grep "^keep.me@" "$T/stdout")" "Kim Keep\$"
'

test_expect_success 'an oversized field is refused with its line; the rows after it are imported' '
	"$PY" -c "import sys; sys.stdout.write(\"email,first_name,notes\nhuge@hosp-o.example.org,Hugo,\" + \"x\" * 70000 + \"\nafter.huge@hosp-o.example.org,Ada,fine\n\")" >big.csv
	assert_exit 65 "$OUTREACH" import big.csv --rejects big-rejects.csv
	assert_file_contains "$T/stderr" "outreach: big.csv:2: a field is longer than 65536 bytes"
	assert_file_contains "$T/stderr" "  1 imported, 0 updated, 0 already known, 1 rejected"
	assert_eq 0 "$(q "SELECT count(*) FROM contacts WHERE email = '"'huge@hosp-o.example.org'"'")"
	assert_eq 1 "$(q "SELECT count(*) FROM contacts WHERE email = '"'after.huge@hosp-o.example.org'"'")"
	# a quoted oversized field is the same
	"$PY" -c "import sys; sys.stdout.write(\"email,notes\nhuge2@hosp-o.example.org,\\\"\" + \"y\" * 70000 + \"\\\"\nafter.huge2@hosp-o.example.org,fine\n\")" >bigq.csv
	assert_exit 65 "$OUTREACH" import bigq.csv
	assert_file_contains "$T/stderr" "outreach: bigq.csv:2: a field is longer than 65536 bytes"
	assert_eq 1 "$(q "SELECT count(*) FROM contacts WHERE email = '"'after.huge2@hosp-o.example.org'"'")"
'

test_expect_success 'a quote never closed before the end of the file: its line is named, the rows before it imported' '
	assert_exit 65 "$OUTREACH" import contacts/unterminated.csv --rejects unt-rejects.csv
	assert_file_contains "$T/stderr" "outreach: contacts/unterminated.csv:3: a quoted field is never closed (it runs to the end of the file); check the quotes on line 3"
	assert_file_contains "$T/stderr" "contacts/unterminated.csv: 2 rows"
	assert_file_contains "$T/stderr" "  1 imported, 0 updated, 0 already known, 1 rejected"
	assert_eq 1 "$(q "SELECT count(*) FROM contacts WHERE email = '"'u1@hosp-j.example.org'"'")"
	assert_eq 0 "$(q "SELECT count(*) FROM contacts WHERE email LIKE '"'u2@%'"'")"
	assert_file_contains unt-rejects.csv "u2@hosp-j.example.org,Ugo,"
'

test_expect_success 'one import event per committed import; the database stays private' '
	assert_ne 0 "$(q "SELECT count(*) FROM events WHERE kind = '"'import'"'")"
	assert_eq 1 "$(q "SELECT count(*) FROM events WHERE kind = '"'import'"' AND detail LIKE '"'file=messy.csv rows=19 imported=5 %rejected=14'"'")"
	for f in .outreach/outreach.db*; do
		assert_eq 600 "$(stat -c %a "$f")" "mode of $f"
	done
	assert_eq ok "$(q "PRAGMA integrity_check")"
'

test_done
