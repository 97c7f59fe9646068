#!/bin/bash
# t1040-contacts-suppress: 'contacts list|show' and the do-not-contact list — add with a
# reason, list, remove, per campaign, and what it changes in contacts and lint.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

"$OUTREACH" -q init ws || bail "outreach init failed"
cd ws || bail "no workspace"
"$OUTREACH" -q import contacts/attendings.csv --campaign observership || bail "importing the samples failed"
q() { sqlite3 .outreach/outreach.db "$1"; }

test_expect_success 'contacts list: a header, one line per contact, the count on stderr' '
	assert_exit 0 "$OUTREACH" contacts list
	assert_match "$(head -n 1 "$T/stdout")" "^EMAIL +NAME +HOSPITAL +STATE +STATUS$"
	assert_eq 13 "$(wc -l <"$T/stdout")"
	assert_match "$(grep "^jose.martinez@" "$T/stdout")" "^jose.martinez@stmarys.example.org +José Martínez +St. Mary'"'"'s Medical Center +TX$"
	assert_match "$(grep "^zoe.oconnor@" "$T/stdout")" " Zoë O'"'"'Connor "
	assert_eq "12 contacts" "$(cat "$T/stderr")"
	# "contacts" alone is "contacts list"
	assert_exit 0 "$OUTREACH" contacts
	assert_eq 13 "$(wc -l <"$T/stdout")"
'

test_expect_success 'contacts list --campaign: only that campaign'"'"'s contacts' '
	printf "email,first_name\nelsewhere@hosp-x.example.org,Elsa\n" >other.csv
	assert_exit 0 "$OUTREACH" import other.csv
	assert_exit 0 "$OUTREACH" contacts list --campaign observership
	assert_eq 13 "$(wc -l <"$T/stdout")"
	assert_file_not_contains "$T/stdout" "elsewhere@"
	assert_eq "12 contacts in campaign observership" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" contacts list
	assert_file_contains "$T/stdout" "elsewhere@hosp-x.example.org"
'

test_expect_success 'contacts list --format csv: RFC 4180, every column, formulas neutralised' '
	printf "%s\n" "email,first_name,last_name,hospital" \
		"formula@hosp-x.example.org,\"=HYPERLINK(\"\"http://evil.example\"\")\",Eve,+1 Hospital" >formula.csv
	assert_exit 0 "$OUTREACH" import formula.csv
	assert_exit 0 "$OUTREACH" contacts list --format csv
	assert_eq "email,first_name,last_name,title,specialty,department,hospital,city,state,country,timezone,phone,notes,status" \
		"$(head -n 1 "$T/stdout" | tr -d "\r")"
	assert_eq 15 "$(grep -c $'"'"'\r$'"'"' "$T/stdout")" "CRLF records"
	assert_file_contains "$T/stdout" "lwong@lakeshore.example.edu,Lydia,Wong,\"MD, PhD\",Cardiology,Division of Cardiology,Lakeshore University Hospital,Chicago,IL,,,,,"
	# a spreadsheet must not run a cell from contact data as a formula
	assert_file_contains "$T/stdout" "formula@hosp-x.example.org,\"'"'"'=HYPERLINK(\"\"http://evil.example\"\")\",Eve,,,,\"'"'"'+1 Hospital\","
	assert_eq "" "$(cat "$T/stderr")" "no count on stderr in csv mode"
'

test_expect_success 'contacts show: every known field, extra columns, source, campaigns; any case of the address' '
	assert_exit 0 "$OUTREACH" contacts show LWONG@Lakeshore.Example.EDU
	out=$(cat "$T/stdout")
	assert_contains "$out" "email            lwong@lakeshore.example.edu"
	assert_contains "$out" "title            MD, PhD"
	assert_contains "$out" "specialty        Cardiology"
	assert_contains "$out" "personal_note    Your team'"'"'s work on heart-failure readmissions"
	assert_contains "$out" "imported from    contacts/attendings.csv:4"
	assert_match "$out" "^  observership +active \(since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC\)$"
	assert_exit 65 "$OUTREACH" contacts show nobody@hosp-x.example.org
	assert_eq "outreach: no contact '"'"'nobody@hosp-x.example.org'"'"'" "$(cat "$T/stderr")"
	assert_exit 64 "$OUTREACH" contacts show
	assert_exit 64 "$OUTREACH" contacts show a@b.example.org c@d.example.org
'

test_expect_success 'suppress add with a reason: listed, shown on the contact, counted, logged' '
	assert_exit 0 "$OUTREACH" suppress add Lwong@Lakeshore.Example.EDU --reason "asked not to be contacted"
	assert_eq "Lwong@lakeshore.example.edu: will not be written to" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" suppress list
	assert_match "$(cat "$T/stdout")" "^Lwong@lakeshore.example.edu +everywhere +manual +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} UTC  asked not to be contacted$"
	assert_eq "1 address on the do-not-contact list" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" contacts list
	assert_match "$(grep "^lwong@" "$T/stdout")" " IL +suppressed \(asked not to be contacted\)$"
	assert_exit 0 "$OUTREACH" contacts list --format csv
	assert_file_contains "$T/stdout" ",IL,,,,,suppressed (asked not to be contacted)"
	assert_exit 0 "$OUTREACH" contacts show lwong@lakeshore.example.edu
	assert_file_contains "$T/stdout" "do not contact   asked not to be contacted"
	assert_match "$(cat "$T/stdout")" "suppress.add +email=Lwong@lakeshore.example.edu reason=\"asked not to be contacted\""
	assert_eq 1 "$(q "SELECT count(*) FROM events WHERE kind = '"'suppress.add'"'")"
'

test_expect_success 'a suppressed contact is left out of lint; any address can be suppressed, several at once' '
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "lint: 11 contacts, 3 steps: 0 errors"
	assert_exit 0 "$OUTREACH" suppress add not.yet@hosp-y.example.org another@hosp-y.example.org
	assert_exit 0 "$OUTREACH" suppress list
	assert_match "$(grep "^not.yet@" "$T/stdout")" " manual .* added by hand$"
	assert_eq "3 addresses on the do-not-contact list" "$(cat "$T/stderr")"
'

test_expect_success 'suppress add --campaign: only that campaign; lint leaves the contact out' '
	assert_exit 0 "$OUTREACH" suppress add --campaign observership m.chen@pinecrest.example.edu --reason "said no"
	assert_eq "m.chen@pinecrest.example.edu: will not be written to in campaign observership" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" suppress list
	assert_match "$(grep "^m.chen@" "$T/stdout")" "^m.chen@pinecrest.example.edu +observership +manual .* said no$"
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "lint: 10 contacts, 3 steps: 0 errors"
	assert_exit 64 "$OUTREACH" suppress add --campaign nope x@hosp-y.example.org
	assert_file_contains "$T/stderr" "no campaign '"'"'nope'"'"'"
	assert_exit 0 "$OUTREACH" suppress list
	assert_file_not_contains "$T/stdout" "x@hosp-y.example.org"
'

test_expect_success 'suppress remove: off the list, the contact back in lint; removing twice warns' '
	assert_exit 0 "$OUTREACH" suppress remove lwong@lakeshore.example.edu
	assert_eq "lwong@lakeshore.example.edu: removed from the do-not-contact list" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" contacts list
	assert_match "$(grep "^lwong@" "$T/stdout")" " IL$"
	assert_exit 0 "$OUTREACH" suppress remove lwong@lakeshore.example.edu
	assert_eq "outreach: warning: lwong@lakeshore.example.edu was not on the do-not-contact list" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" suppress remove --campaign observership m.chen@pinecrest.example.edu
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "lint: 12 contacts, 3 steps: 0 errors"
	assert_eq 2 "$(q "SELECT count(*) FROM events WHERE kind = '"'suppress.remove'"' AND detail LIKE '"'%removed=1'"'")"
'

test_expect_success 'suppress: bad input is a usage error and changes nothing' '
	before=$(q "SELECT count(*) FROM suppressions")
	assert_exit 64 "$OUTREACH" suppress add not-an-address
	assert_eq "outreach: '"'"'not-an-address'"'"' is not an email address" "$(cat "$T/stderr")"
	assert_exit 64 "$OUTREACH" suppress add x@hosp-y.example.org --reason "$(printf "two\nlines")"
	assert_file_contains "$T/stderr" "--reason must be one line"
	assert_exit 64 "$OUTREACH" suppress add
	assert_exit 64 "$OUTREACH" suppress list extra
	assert_exit 64 "$OUTREACH" suppress delete x@hosp-y.example.org
	assert_file_contains "$T/stderr" "unknown subcommand '"'"'delete'"'"' (list, add or remove)"
	assert_eq "$before" "$(q "SELECT count(*) FROM suppressions")"
'

test_done
