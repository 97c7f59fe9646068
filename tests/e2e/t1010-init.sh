#!/bin/bash
# t1010-init: 'outreach init [DIR]' — the files and modes it creates, the database schema,
# refusing an existing workspace without changing it, nested new directories, and that
# the samples it writes are consistent (config check, import, lint, preview all clean).
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

# mode PATH: octal permission bits
mode() { stat -c %a "$1"; }
# tree_state DIR: every path under DIR with its type, mode, size and content hash
tree_state() {
	(cd "$1" && find . -printf '%p %y %m %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

test_expect_success 'init creates the config, samples and database with private modes' '
	assert_exit 0 "$OUTREACH" init ws
	assert_file_contains "$T/stderr" "Created an outreach workspace in ws"
	assert_file_contains "$T/stderr" "outreach import contacts/attendings.csv --campaign observership"
	for f in outreach.conf templates/observership.md templates/followup-1.md templates/followup-2.md \
		templates/signature.md contacts/attendings.csv attachments/Amina-Rahman-CV.pdf .outreach/outreach.db; do
		[ -f "ws/$f" ] || { echo "missing ws/$f"; false; }
		assert_eq 600 "$(mode "ws/$f")" "mode of $f"
	done
	for d in ws ws/.outreach ws/templates ws/contacts ws/attachments; do
		assert_eq 700 "$(mode "$d")" "mode of $d"
	done
	# the samples are the repository'"'"'s, byte for byte
	cmp ws/outreach.conf "$TOP/templates/outreach.conf"
	cmp ws/templates/observership.md "$TOP/templates/observership.md"
	cmp ws/contacts/attendings.csv "$TOP/contacts/attendings.csv"
	cmp ws/attachments/Amina-Rahman-CV.pdf "$TOP/templates/attachments/Amina-Rahman-CV.pdf"
	# the sample config is commented
	[ "$(grep -c "^#" ws/outreach.conf)" -ge 10 ] || { echo "outreach.conf has few comments"; false; }
'

test_expect_success 'the database: WAL, versioned schema, every table of a campaign'"'"'s life' '
	db=ws/.outreach/outreach.db
	assert_eq wal "$(sqlite3 "$db" "PRAGMA journal_mode")"
	v=$(sqlite3 "$db" "PRAGMA user_version")
	[ "$v" -ge 1 ] || { echo "user_version is $v"; false; }
	tables=$(sqlite3 "$db" "SELECT group_concat(name, '"' '"') FROM (SELECT name FROM sqlite_master WHERE type = '"'table'"' ORDER BY name)")
	for t in campaigns checkpoints contact_fields contacts enrollments events messages replies suppressions; do
		assert_match " $tables " " $t "
	done
	assert_eq ok "$(sqlite3 "$db" "PRAGMA integrity_check")"
	assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM contacts")"
	# foreign keys are declared (the store turns enforcement on per connection)
	assert_ne "" "$(sqlite3 "$db" "SELECT * FROM pragma_foreign_key_list('"'enrollments'"')")"
'

test_expect_success 'the sample config passes config check' '
	cd ws
	assert_exit 0 "$OUTREACH" config check
	assert_file_contains "$T/stderr" "outreach.conf: ok (1 campaign)"
'

test_expect_success 'the samples lint clean: import the sample contacts, lint exits 0 with 0 errors' '
	cp -a ws samples
	cd samples
	assert_exit 0 "$OUTREACH" import contacts/attendings.csv --campaign observership
	assert_file_contains "$T/stderr" "12 imported, 0 updated, 0 already known, 0 rejected"
	assert_file_contains "$T/stderr" "12 newly enrolled in campaign '"'"'observership'"'"'"
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "lint: 12 contacts, 3 steps: 0 errors, 0 warnings"
	assert_eq "" "$(cat "$T/stdout")" "lint findings"
	assert_exit 0 "$OUTREACH" preview --out pv
	assert_file_contains "$T/stderr" "wrote 12 messages to pv/"
	"$PY" "$TOP/tests/tools/emlcheck.py" pv
'

test_expect_success 'init refuses an existing workspace and changes nothing' '
	tree_state ws >before
	assert_exit 73 "$OUTREACH" init ws
	assert_file_contains "$T/stderr" "'"'"'ws'"'"' is already an outreach workspace (outreach.conf exists); nothing was changed"
	tree_state ws >after
	diff -u before after
	# from inside it, and with -C
	cd ws
	assert_exit 73 "$OUTREACH" init
	assert_exit 73 "$OUTREACH" -C . init
	cd ..
	tree_state ws >after
	diff -u before after
'

test_expect_success 'init refuses a directory with only the state directory, or only the config' '
	mkdir -p half1/.outreach half2
	echo "# mine" >half2/outreach.conf
	assert_exit 73 "$OUTREACH" init half1
	assert_file_contains "$T/stderr" "(.outreach/ exists)"
	assert_exit 73 "$OUTREACH" init half2
	assert_eq "# mine" "$(cat half2/outreach.conf)"
	assert_eq "" "$(ls -A half1/.outreach)"
	assert_eq "outreach.conf" "$(ls -A half2)"
'

test_expect_success 'init DIR makes a new nested DIR, private; -C DIR is the same' '
	assert_exit 0 "$OUTREACH" init new/nested/ws
	assert_eq 700 "$(mode new/nested/ws)"
	[ -f new/nested/ws/.outreach/outreach.db ]
	cd new/nested/ws
	assert_exit 0 "$OUTREACH" config check
	cd "$T"
	assert_exit 0 "$OUTREACH" -C viac init
	[ -f viac/outreach.conf ]
	[ -f viac/.outreach/outreach.db ]
'

test_expect_success 'init in an existing empty directory keeps that directory and fills it' '
	mkdir -m 0755 existing
	cd existing
	assert_exit 0 "$OUTREACH" init
	assert_eq 600 "$(mode outreach.conf)"
	assert_eq 700 "$(mode .outreach)"
	assert_exit 0 "$OUTREACH" config check
'

test_expect_success 'init keeps files the user already put there' '
	mkdir -p mine/contacts
	echo "email" >mine/contacts/attendings.csv
	assert_exit 0 "$OUTREACH" init mine
	assert_eq "email" "$(cat mine/contacts/attendings.csv)"
	[ -f mine/templates/observership.md ]
'

test_expect_success 'init with too many arguments: usage error, nothing created' '
	mkdir empty
	cd empty
	assert_exit 64 "$OUTREACH" init a b
	assert_eq "" "$(ls -A)"
'

test_expect_success 'make install PREFIX puts the binary and the man page there, and the binary works alone' '
	make -s -C "$TOP" install PREFIX="$T/inst" >/dev/null
	test -x "$T/inst/bin/outreach"
	test -f "$T/inst/share/man/man1/outreach.1"
	assert_eq 755 "$(stat -c %a "$T/inst/bin/outreach")"
	grep -q "^.TH OUTREACH 1" "$T/inst/share/man/man1/outreach.1"
	# no repository needed: init writes the samples compiled into the binary
	(cd / && "$T/inst/bin/outreach" -q init "$T/alone")
	cmp "$TOP/templates/observership.md" "$T/alone/templates/observership.md"
'

test_done
