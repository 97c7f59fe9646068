#!/bin/bash
# t1030-import-formats: real spreadsheets — UTF-8 with a BOM and CRLF, ';' and tab
# separators, Windows-1252 and UTF-16LE exports, --encoding, quoted fields with commas,
# quotes and line breaks, header names in any case with spaces, a single Name column,
# stray spaces, blank lines, extra columns — and that every value lands byte for byte.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

FIX=$TOP/tests/fixtures/csv

"$OUTREACH" -q init ws || bail "outreach init failed"
cp "$FIX"/* ws/contacts/ || bail "cannot copy the fixtures"
cd ws || bail "no workspace"

# q SQL: one value from the workspace's database
q() { sqlite3 .outreach/outreach.db "$1"; }
# row EMAIL: first|last|title|specialty|hospital|city|notes of one contact, from the database
row() {
	q "SELECT first_name || '|' || last_name || '|' || title || '|' || specialty || '|' || hospital || '|' || city || '|' || notes FROM contacts WHERE email = '$1'"
}

test_expect_success 'UTF-8 with a BOM and CRLF, Excel header names, quoted fields, blank line, stray spaces' '
	assert_exit 0 "$OUTREACH" import contacts/excel-bom-crlf.csv
	assert_eq "contacts/excel-bom-crlf.csv: 5 rows (UTF-8, comma separated)
  5 imported, 0 updated, 0 already known, 0 rejected" "$(cat "$T/stderr")"
	# "  José " and the padded address are trimmed; the comma and the doubled quotes are data
	assert_eq "José|Martínez||Hospital Medicine|St. Mary'"'"'s Medical Center, San Antonio||Met at \"ACP 2026\"; prefers email" \
		"$(row jose.martinez@stmarys.example.org)"
	assert_eq "Zoë|O'"'"'Connor||Internal Medicine|Lakeshore University Hospital||" "$(row zoe.oconnor@lakeshore.example.edu)"
	assert_eq "فاطمة|حداد||Infectious Diseases|Bayview Hospital||" "$(row fatima.haddad@bayview.example.org)"
	# a line break inside a quoted notes field is kept as it was in the file
	assert_eq "4C696E65206F6E650D0A4C696E652074776F" "$(q "SELECT hex(notes) FROM contacts WHERE email = '"'"'wang.wei@pacific.example.org'"'"'")"
	assert_eq "伟|王" "$(q "SELECT first_name || '"'"'|'"'"' || last_name FROM contacts WHERE email = '"'"'wang.wei@pacific.example.org'"'"'")"
	# the domain is lower-cased, the local part is not
	assert_eq "A.Mueller@northshore.example.org" "$(q "SELECT email FROM contacts WHERE last_name = '"'"'Müller'"'"'")"
	# the BOM did not become part of the first header: the email column was found, and
	# " Hospital Name " and "Surname" were recognised
	assert_eq 5 "$(q "SELECT count(*) FROM contacts WHERE hospital != '"'"''"'"' AND last_name != '"'"''"'"'")"
	# no BOM, CR or stray space in any stored value
	assert_eq 0 "$(q "SELECT count(*) FROM contacts WHERE email LIKE '"'"'% %'"'"' OR first_name LIKE '"'"' %'"'"' OR first_name LIKE '"'"'% '"'"' OR instr(email, char(65279)) OR instr(last_name, char(13))")"
'

test_expect_success 'an unrecognised column is kept under its normalised name and shown' '
	assert_eq "https://stmarys.example.org/obs" \
		"$(q "SELECT value FROM contact_fields f JOIN contacts c ON c.id = f.contact_id WHERE c.email = '"'"'jose.martinez@stmarys.example.org'"'"' AND f.name = '"'"'program_url'"'"'")"
	assert_exit 0 "$OUTREACH" contacts show jose.martinez@stmarys.example.org
	assert_file_contains "$T/stdout" "program_url      https://stmarys.example.org/obs"
	assert_file_contains "$T/stdout" "first_name       José"
	assert_file_contains "$T/stdout" "imported from    contacts/excel-bom-crlf.csv:2"
'

test_expect_success '";" separated, LF, header in capitals and with a space' '
	assert_exit 0 "$OUTREACH" import contacts/semicolon.csv
	assert_file_contains "$T/stderr" "contacts/semicolon.csv: 2 rows (UTF-8, semicolon separated)"
	assert_eq "Rajesh|Kapoor|||Mercy Valley Hospital, Phoenix||uses commas, not semicolons" "$(row r.kapoor@mercyvalley.example.org)"
	assert_eq "Elena|Brooks|||Peachtree; Memorial||" "$(row e.brooks@peachtree.example.org)"
'

test_expect_success 'tab separated, short header aliases (First, Last), quotes inside a quoted field' '
	assert_exit 0 "$OUTREACH" import contacts/tab.tsv
	assert_file_contains "$T/stderr" "contacts/tab.tsv: 2 rows (UTF-8, tab separated)"
	assert_eq "Takeshi|Nakamura|||Golden Gate Medical Center|San Francisco, CA|" "$(row t.nakamura@goldengate.example.org)"
	assert_eq "Michael|Chen|||Pinecrest \"University\" Medical Center|Ann Arbor|" "$(row m.chen@pinecrest.example.edu)"
'

test_expect_success 'a Windows-1252 export from Excel (é, ñ, –, ’, €) is detected and converted' '
	assert_exit 0 "$OUTREACH" import contacts/cp1252.csv
	assert_file_contains "$T/stderr" "contacts/cp1252.csv: 2 rows (WINDOWS-1252, comma separated)"
	assert_eq "María|Nuñez|||Clínica Santa María – Norte||Dr. Núñez’s group € fees" "$(row maria.nunez@hosp-e.example.org)"
	assert_eq "François|Lefèvre|||Hôpital Saint–Louis||" "$(row francois.lefevre@hosp-e.example.org)"
	# byte for byte: "María" in UTF-8
	assert_eq "4D6172C3AD61" "$(q "SELECT hex(first_name) FROM contacts WHERE email = '"'"'maria.nunez@hosp-e.example.org'"'"'")"
'

test_expect_success 'a UTF-16LE "Unicode Text" export with a BOM, tab separated, CRLF' '
	assert_exit 0 "$OUTREACH" import contacts/utf16le.txt
	assert_file_contains "$T/stderr" "contacts/utf16le.txt: 2 rows (UTF-16LE, tab separated)"
	assert_eq "伟|李|||北京协和医院||" "$(row li.wei@hosp-f.example.org)"
	assert_eq "Síle|Ó Conaill|||St. James'"'"'s Hospital||" "$(row s.oconaill@hosp-f.example.org)"
'

test_expect_success '--encoding reads a file as the user says (ISO-8859-15: Š, Ž, €), overriding detection' '
	assert_exit 0 "$OUTREACH" import contacts/iso8859-15.csv --dry-run
	assert_file_contains "$T/stderr" "(WINDOWS-1252, comma separated)"
	assert_exit 0 "$OUTREACH" import --encoding ISO-8859-15 contacts/iso8859-15.csv
	assert_file_contains "$T/stderr" "contacts/iso8859-15.csv: 1 row (ISO-8859-15, comma separated)"
	assert_eq "Šimon|Žák|||||fee 200 €" "$(row simon.zak@hosp-g.example.org)"
	assert_exit 64 "$OUTREACH" import --encoding KLINGON contacts/iso8859-15.csv
	assert_file_contains "$T/stderr" "unknown encoding '"'"'KLINGON'"'"'"
'

test_expect_success 'a file that claims UTF-8 (BOM or --encoding) but is not: invalid bytes become U+FFFD' '
	printf "\357\273\277email,first_name\nbom.latin1@hosp-g.example.org,Jos\351\n" >bom-latin1.csv
	assert_exit 0 "$OUTREACH" import bom-latin1.csv
	assert_file_contains "$T/stderr" "bom-latin1.csv: 1 row (UTF-8 (invalid bytes replaced), comma separated)"
	assert_eq "4A6F73EFBFBD" "$(q "SELECT hex(first_name) FROM contacts WHERE email = '"'"'bom.latin1@hosp-g.example.org'"'"'")"
	sed "s/simon.zak/forced.utf8/" contacts/iso8859-15.csv >forced.csv
	assert_exit 0 "$OUTREACH" import --encoding UTF-8 forced.csv
	assert_eq "EFBFBD696D6F6E|EFBFBDEFBFBD6B" "$(q "SELECT hex(first_name) || '"'"'|'"'"' || hex(last_name) FROM contacts WHERE email = '"'"'forced.utf8@hosp-g.example.org'"'"'")"
	# nothing in the database is invalid UTF-8 (SQLite counts characters, Python decodes)
	q "SELECT hex(first_name || last_name || hospital || notes) FROM contacts" | "$PY" -c "import sys; [bytes.fromhex(l.strip()).decode(\"utf-8\") for l in sys.stdin]"
'

test_expect_success 'a single Name column is split into first and last name (and a title after a comma)' '
	assert_exit 0 "$OUTREACH" import contacts/name-column.csv
	assert_eq "Jane|Smith|MD||Hospital H||" "$(row jane.smith@hosp-h.example.org)"
	assert_eq "Ahmed|Khan|||Hospital H||" "$(row akhan@hosp-h.example.org)"
	assert_eq "Olusegun|Obasanjo-Adeyemi|||Hospital H||" "$(row ooa@hosp-h.example.org)"
'

test_expect_success 'contacts list --format csv gives every value back, non-ASCII byte for byte' '
	assert_exit 0 "$OUTREACH" contacts list --format csv
	assert_eq "email,first_name,last_name,title,specialty,department,hospital,city,state,country,timezone,phone,notes,status" \
		"$(head -n 1 "$T/stdout" | tr -d "\r")"
	assert_file_contains "$T/stdout" "jose.martinez@stmarys.example.org,José,Martínez,,Hospital Medicine,,\"St. Mary'"'"'s Medical Center, San Antonio\",,,,,,\"Met at \"\"ACP 2026\"\"; prefers email\","
	assert_file_contains "$T/stdout" "li.wei@hosp-f.example.org,伟,李,,,,北京协和医院,,,,,,,"
	assert_file_contains "$T/stdout" "maria.nunez@hosp-e.example.org,María,Nuñez,,,,Clínica Santa María – Norte,,,,,,Dr. Núñez’s group € fees,"
	# the csv parses back to the same values (Python'"'"'s csv module, independently)
	"$PY" - "$T/stdout" <<-EOF
		import csv, sys
		rows = {r["email"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline=""))}
		assert rows["wang.wei@pacific.example.org"]["notes"] == "Line one\r\nLine two", rows["wang.wei@pacific.example.org"]
		assert rows["fatima.haddad@bayview.example.org"]["first_name"] == "فاطمة"
		assert rows["s.oconaill@hosp-f.example.org"]["last_name"] == "Ó Conaill"
		assert len(rows) == 19, len(rows)
	EOF
'

test_expect_success 'a header without an email column is refused with the columns it found; nothing is written' '
	printf "Name,Mail Address\nJane Doe,jane@hosp.example.org\n" >noemail.csv
	n=$(q "SELECT count(*) FROM contacts")
	assert_exit 65 "$OUTREACH" import noemail.csv
	assert_eq "outreach: noemail.csv:1: no email column (found '"'"'Name'"'"', '"'"'Mail Address'"'"'); the first line must name the columns, one of them '"'"'email'"'"'" "$(cat "$T/stderr")"
	printf "Email,E-mail\na@hosp.example.org,b@hosp.example.org\n" >twice.csv
	assert_exit 65 "$OUTREACH" import twice.csv
	assert_file_contains "$T/stderr" "twice.csv:1: columns 1 ('"'"'Email'"'"') and 2 ('"'"'E-mail'"'"') both mean '"'"'email'"'"'; rename one"
	: >empty.csv
	assert_exit 65 "$OUTREACH" import empty.csv
	assert_file_contains "$T/stderr" "empty.csv: the file is empty"
	assert_exit 74 "$OUTREACH" import missing.csv
	assert_file_contains "$T/stderr" "cannot open '"'"'missing.csv'"'"'"
	assert_eq "$n" "$(q "SELECT count(*) FROM contacts")"
'

test_done
