#!/bin/bash
# t1032-import-interrupted: an import killed with SIGKILL half-way through a large file
# leaves the database exactly as it was (one transaction per file), intact, and usable.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

ROWS=300000

"$OUTREACH" -q init ws || bail "outreach init failed"
cd ws || bail "no workspace"
"$OUTREACH" -q import contacts/attendings.csv --campaign observership || bail "importing the samples failed"
"$PY" -c "
import sys
w = sys.stdout.write
w('email,first_name,last_name,hospital,notes\n')
for i in range($ROWS):
    w('dr%d@hosp%d.example.org,First%d,Last%d,Hospital %d,note %d\n' % (i, i % 997, i, i, i % 997, i))
" >big.csv || bail "cannot write big.csv"

q() { sqlite3 .outreach/outreach.db "$1"; }
state() {
	sqlite3 .outreach/outreach.db "SELECT * FROM contacts ORDER BY id; SELECT * FROM contact_fields ORDER BY 1, 2;
		SELECT * FROM campaigns; SELECT * FROM enrollments ORDER BY 1, 2; SELECT * FROM events ORDER BY id;
		SELECT * FROM suppressions ORDER BY id" | sha256sum
}

test_expect_success 'SIGKILL in the middle of a 300k-row import leaves the database as it was' '
	before=$(state)
	assert_eq 12 "$(q "SELECT count(*) FROM contacts")"
	"$OUTREACH" import big.csv --campaign observership >import.out 2>&1 &
	pid=$!
	# wait until it is well into the rows: its transaction has spilled pages into the WAL
	wal=.outreach/outreach.db-wal
	for i in $(seq 1000); do
		size=$(stat -c %s "$wal" 2>/dev/null || echo 0)
		[ "$size" -lt 1500000 ] || break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -0 "$pid" || { echo "the import finished before it could be interrupted"; cat import.out; false; }
	# it is still reading big.csv (an open descriptor on it)
	ls -l "/proc/$pid/fd" | grep -q "big.csv"
	kill -9 "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq 137 "$rc" "exit status of the killed import"
	assert_eq "" "$(cat import.out)" "the import printed a summary: it was not interrupted"
	assert_eq ok "$(q "PRAGMA integrity_check")"
	assert_eq 12 "$(q "SELECT count(*) FROM contacts")"
	assert_eq "$before" "$(state)"
'

test_expect_success 'after the interruption the workspace works: list, lint, and the same import completes' '
	assert_exit 0 "$OUTREACH" contacts list
	assert_file_contains "$T/stderr" "12 contacts"
	assert_exit 0 "$OUTREACH" lint
	assert_exit 0 "$OUTREACH" import big.csv
	assert_file_contains "$T/stderr" "big.csv: $ROWS rows (UTF-8, comma separated)"
	assert_file_contains "$T/stderr" "  $ROWS imported, 0 updated, 0 already known, 0 rejected"
	assert_eq $((ROWS + 12)) "$(q "SELECT count(*) FROM contacts")"
	assert_eq "First299999|Last299999|note 299999" "$(q "SELECT first_name || '"'|'"' || last_name || '"'|'"' || notes FROM contacts WHERE email = '"'dr299999@hosp899.example.org'"'")"
	assert_eq ok "$(q "PRAGMA integrity_check")"
'

test_done
