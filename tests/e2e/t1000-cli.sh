#!/bin/bash
# t1000-cli: the command line — help for every command, version, unknown commands and
# options (one-line error, usage hint, exit 64), -C DIR, finding the workspace from a
# subdirectory, "not an outreach workspace", -q and -v, a failed write to stdout.
. "${0%/*}/../lib.sh"
require_outreach

# The commands the issues promise; every one must have help.
COMMANDS="init config import contacts suppress lint preview send run poll ingest classify replies mark status report schedule pause resume resolve"

# lines FILE: number of lines in FILE
lines() { wc -l <"$1" | tr -d ' '; }

"$OUTREACH" -q init ws || bail "outreach init failed"

test_expect_success '--help lists every command and the global options on stdout, exit 0' '
	assert_exit 0 "$OUTREACH" --help
	assert_eq "" "$(cat "$T/stderr")" "stderr of --help"
	assert_match "$(head -n 1 "$T/stdout")" "^usage: outreach \[-C DIR\] \[-v \| -q\] COMMAND"
	for c in $COMMANDS; do
		assert_match "$(cat "$T/stdout")" "^  $c +[a-z]"
	done
	for o in "-C DIR" "-v " "-q " "--help" "--version"; do
		assert_file_contains "$T/stdout" "  $o"
	done
	assert_exit 0 "$OUTREACH" -h
	assert_match "$(head -n 1 "$T/stdout")" "^usage: outreach "
	assert_exit 0 "$OUTREACH" help
	assert_match "$(head -n 1 "$T/stdout")" "^usage: outreach "
'

test_expect_success '--version prints the version, exit 0' '
	assert_exit 0 "$OUTREACH" --version
	assert_match "$(cat "$T/stdout")" "^outreach [0-9]+\.[0-9]+\.[0-9]+$"
	assert_eq "" "$(cat "$T/stderr")"
'

test_expect_success 'no command: usage on stderr, exit 64' '
	assert_exit 64 "$OUTREACH"
	assert_eq "" "$(cat "$T/stdout")"
	assert_match "$(head -n 1 "$T/stderr")" "^usage: outreach "
'

test_expect_success 'help COMMAND and COMMAND --help: the same text for every command, anywhere' '
	mkdir nowhere
	cd nowhere
	for c in $COMMANDS; do
		assert_exit 0 "$OUTREACH" help "$c"
		cp "$T/stdout" "help-$c"
		assert_eq "" "$(cat "$T/stderr")" "stderr of help $c"
		assert_match "$(head -n 1 "help-$c")" "^usage: outreach $c( |\$)"
		[ "$(lines "help-$c")" -ge 3 ] || { echo "help $c is too short"; false; }
		assert_exit 0 "$OUTREACH" "$c" --help
		cmp "$T/stdout" "help-$c"
		# --help after other arguments still means help, and runs nothing
		assert_exit 0 "$OUTREACH" "$c" some-arg --help
		cmp "$T/stdout" "help-$c"
	done
	# every command listed by --help is one of those checked here
	"$OUTREACH" --help | sed -n "/^Commands:/,/^\$/p" | awk "NF > 1 { print \$1 }" | sort >listed
	printf "%s\n" $COMMANDS | sort >expected
	diff -u expected listed
	assert_file_contains help-import "--rejects FILE"
	assert_file_contains help-import "--encoding ENC"
	assert_file_contains help-preview "--out DIR"
	assert_file_contains help-lint "exit 65"
'

test_expect_success 'help for an unknown command: one-line error, exit 64' '
	assert_exit 64 "$OUTREACH" help frobnicate
	assert_eq 1 "$(lines "$T/stderr")"
	assert_file_contains "$T/stderr" "outreach: '\''frobnicate'\'' is not an outreach command; see '\''outreach --help'\''"
'

test_expect_success 'unknown command: one-line error with a hint, nothing on stdout, exit 64' '
	assert_exit 64 "$OUTREACH" sned --limit 1
	assert_eq "" "$(cat "$T/stdout")"
	assert_eq 1 "$(lines "$T/stderr")"
	assert_file_contains "$T/stderr" "outreach: '\''sned'\'' is not an outreach command; see '\''outreach --help'\''"
'

test_expect_success 'unknown global option: an error line and a usage hint, exit 64' '
	assert_exit 64 "$OUTREACH" --frobnicate contacts
	assert_eq "" "$(cat "$T/stdout")"
	assert_eq 2 "$(lines "$T/stderr")"
	assert_file_contains "$T/stderr" "outreach: unknown option '\''--frobnicate'\''"
	assert_match "$(sed -n 2p "$T/stderr")" "^usage: outreach .*see '\''outreach --help'\''"
	assert_exit 64 "$OUTREACH" -C
	assert_file_contains "$T/stderr" "option '\''-C'\'' needs a directory"
'

test_expect_success 'unknown option of every command: an error line and a usage hint, exit 64' '
	cd ws
	for c in $COMMANDS; do
		assert_exit 64 "$OUTREACH" "$c" --no-such-option
		assert_eq "" "$(cat "$T/stdout")" "stdout of $c --no-such-option"
		assert_eq 2 "$(lines "$T/stderr")" "stderr lines of $c --no-such-option"
		assert_match "$(sed -n 1p "$T/stderr")" "^outreach $c: unknown option '\''--no-such-option'\''"
		assert_match "$(sed -n 2p "$T/stderr")" "^usage: outreach $c .*\(see '\''outreach help $c'\''\)\$"
		assert_exit 64 "$OUTREACH" "$c" -Z
		assert_match "$(sed -n 1p "$T/stderr")" "^outreach $c: unknown option '\''-Z'\''"
	done
	assert_exit 64 "$OUTREACH" import
	assert_file_contains "$T/stderr" "which file?"
	assert_exit 64 "$OUTREACH" import a.csv b.csv
	assert_file_contains "$T/stderr" "one file at a time"
	assert_exit 64 "$OUTREACH" preview --limit zero
	assert_file_contains "$T/stderr" "--limit takes a number"
	assert_exit 64 "$OUTREACH" contacts list --format xml
	assert_exit 64 "$OUTREACH" suppress frobnicate
'

test_expect_success 'outside a workspace: "not an outreach workspace", exit 64, for every command that needs one' '
	mkdir -p elsewhere/deeper
	cd elsewhere/deeper
	for args in "contacts list" "contacts show a@b.example.org" "config" "config check" "import x.csv" \
		"lint" "preview" "suppress list" "suppress add a@b.example.org"; do
		assert_exit 64 "$OUTREACH" $args
		assert_eq 1 "$(lines "$T/stderr")" "stderr lines of $args"
		assert_file_contains "$T/stderr" "outreach: not an outreach workspace"
		assert_file_contains "$T/stderr" "run '\''outreach init'\'' or use -C DIR"
	done
	assert_eq "" "$(ls -A)" "files created outside a workspace"
'

test_expect_success 'the workspace is found from any subdirectory, and paths stay relative to the current directory' '
	mkdir -p ws/contacts/2027/spring
	cd ws/contacts/2027/spring
	printf "email,first_name\nsub.dir@hosp.example.org,Sub\n" >here.csv
	"$OUTREACH" import here.csv
	assert_exit 0 "$OUTREACH" contacts list
	assert_file_contains "$T/stdout" "sub.dir@hosp.example.org"
	assert_exit 0 "$OUTREACH" config
	assert_file_contains "$T/stdout" "workspace       $T/ws"
	cd "$T/ws/.outreach"
	assert_exit 0 "$OUTREACH" config check
'

test_expect_success '-C DIR uses that workspace from anywhere (also -CDIR, and a subdirectory of it)' '
	mkdir other
	cd other
	assert_exit 0 "$OUTREACH" -C ../ws contacts list
	assert_file_contains "$T/stdout" "sub.dir@hosp.example.org"
	assert_exit 0 "$OUTREACH" -C"$T/ws" contacts list
	assert_file_contains "$T/stdout" "sub.dir@hosp.example.org"
	assert_exit 0 "$OUTREACH" -C ../ws/templates config
	assert_file_contains "$T/stdout" "workspace       $T/ws"
	assert_exit 64 "$OUTREACH" -C ../missing contacts list
	assert_file_contains "$T/stderr" "cannot use directory '\''../missing'\''"
	assert_exit 64 "$OUTREACH" -C "$T" contacts list
	assert_file_contains "$T/stderr" "not an outreach workspace"
'

test_expect_success '-q prints errors only; -v adds the notes' '
	cd ws
	printf "email\nmailto:quiet@hosp.example.org\nbad@\n" >q.csv
	assert_exit 65 "$OUTREACH" -q import q.csv
	assert_eq "outreach: q.csv:3: invalid address '\''bad@'\'' (no domain after '\''@'\'')" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" -q contacts list
	assert_eq "" "$(cat "$T/stderr")"
	assert_file_contains "$T/stdout" "quiet@hosp.example.org"
	assert_exit 65 "$OUTREACH" import q.csv
	assert_file_contains "$T/stderr" "q.csv: 2 rows"
	assert_file_not_contains "$T/stderr" "read the address as"
	assert_exit 65 "$OUTREACH" -v import q.csv
	assert_file_contains "$T/stderr" "q.csv:2: read the address as '\''quiet@hosp.example.org'\''"
	assert_file_contains "$T/stderr" "q.csv:2: '\''quiet@hosp.example.org'\'' is already a contact"
'

test_expect_success 'a failed write to standard output is an error (exit 74)' '
	cd ws
	rc=0
	"$OUTREACH" contacts list >/dev/full 2>err || rc=$?
	assert_eq 74 "$rc"
	assert_file_contains err "cannot write to standard output"
	rc=0
	"$OUTREACH" config >/dev/full 2>err || rc=$?
	assert_eq 74 "$rc"
'

test_done
