#!/bin/bash
# t1020-config: outreach.conf — a literal password only in a private file, and never shown;
# unknown keys and sections, bad window/rate/gap/time zone and other values are refused
# with file:line and exit 78; 'config' prints the settings in effect.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

PW='S3cr3t-Pa55!word#42'

"$OUTREACH" -q init ws || bail "outreach init failed"
# the sample with a literal password instead of password_command (line 29)
sed "s/^password_command = .*/password = $PW/" ws/outreach.conf >pw.conf
[ "$(sed -n 29p pw.conf)" = "password = $PW" ] || bail "the sample config changed; update the line numbers here"

# conf FILE: install FILE as the workspace's outreach.conf, mode 0600
conf() {
	cp "$1" ws/outreach.conf && chmod 600 ws/outreach.conf
}

# write_conf LINES...: a small config, one argument per line, mode 0600
write_conf() {
	printf '%s\n' "$@" >ws/outreach.conf && chmod 600 ws/outreach.conf
}

test_expect_success 'a literal password in a group- or world-readable file is refused, and not printed' '
	conf pw.conf
	for m in 644 640 604 660; do
		chmod $m ws/outreach.conf
		for args in "config check" "config" "import ws/contacts/attendings.csv" "lint" "preview"; do
			assert_exit 78 "$OUTREACH" -C ws $args
			assert_file_contains "$T/stderr" "$T/ws/outreach.conf:29: [account] password: the file holds a password but others can read it"
			assert_file_contains "$T/stderr" "chmod 600 $T/ws/outreach.conf"
			assert_file_not_contains "$T/stderr" "$PW"
			assert_file_not_contains "$T/stdout" "$PW"
		done
	done
	assert_eq 0 "$(sqlite3 ws/.outreach/outreach.db "SELECT count(*) FROM contacts")" "contacts imported with a bad config"
'

test_expect_success 'the same file at 0600 is accepted; no command prints the password or stores it' '
	conf pw.conf
	assert_exit 0 "$OUTREACH" -C ws config check
	assert_exit 0 "$OUTREACH" -C ws -v config
	assert_file_contains "$T/stdout" "secret        password in this file"
	assert_file_not_contains "$T/stdout" "$PW"
	assert_file_not_contains "$T/stderr" "$PW"
	assert_exit 0 "$OUTREACH" -C ws -v import ws/contacts/attendings.csv --campaign observership
	assert_exit 0 "$OUTREACH" -C ws -v lint
	assert_file_not_contains "$T/stdout" "$PW"
	assert_exit 0 "$OUTREACH" -C ws preview --out pv
	[ "$(ls pv | wc -l)" = 12 ]
	if grep -rlF -- "$PW" pv ws/.outreach; then
		echo "the password was written to the files above"
		false
	fi
'

test_expect_success 'config prints the settings in effect (and defaults) on stdout' '
	cp "$TOP/templates/outreach.conf" ws/outreach.conf
	assert_exit 0 "$OUTREACH" -C ws config
	out=$(cat "$T/stdout")
	assert_contains "$out" "workspace       $T/ws"
	assert_contains "$out" "from          Amina Rahman <amina.rahman@example.com>"
	assert_contains "$out" "smtp_url      smtps://smtp.example.com:465"
	assert_contains "$out" "secret        password_command"
	assert_contains "$out" "timezone      Asia/Karachi"
	assert_contains "$out" "window        Mon-Fri 08:30-16:30"
	assert_contains "$out" "[campaign observership]"
	assert_contains "$out" "followup 1    7 business days: templates/followup-1.md"
	assert_contains "$out" "var.dates     four weeks between March and June 2027"
	assert_not_contains "$out" "cat ~/.config/outreach/password"
	write_conf "[account]" "from = Dr. Test <t@example.com>"
	assert_exit 0 "$OUTREACH" -C ws config
	out=$(cat "$T/stdout")
	assert_contains "$out" "user          t@example.com"
	assert_contains "$out" "transport     smtp"
	assert_contains "$out" "folders       INBOX"
	assert_contains "$out" "secret        OUTREACH_PASSWORD or ~/.netrc"
'

# bad_value LINE-NUMBER EXPECTED-MESSAGE CONFIG-LINES...: config check fails with exit 78
# and "FILE:LINE: EXPECTED-MESSAGE" as its one line of output.
bad_value() {
	local line=$1 msg=$2
	shift 2
	write_conf "$@"
	assert_exit 78 "$OUTREACH" -C ws config check || return 1
	assert_eq "outreach: $T/ws/outreach.conf:$line: $msg" "$(cat "$T/stderr")"
}

test_expect_success 'unknown keys and sections: exit 78 with file:line' '
	bad_value 3 "[account] unknown key '"'"'pasword'"'"' (see '"'"'man outreach'"'"', CONFIGURATION)" \
		"[account]" "from = A <a@example.com>" "pasword = x"
	bad_value 5 "[campaign c] unknown key '"'"'templates'"'"' (see '"'"'man outreach'"'"', CONFIGURATION)" \
		"[account]" "from = A <a@example.com>" "" "[campaign c]" "templates = t.md"
	bad_value 3 "unknown section [acount]; expected [account] or [campaign NAME]" \
		"[account]" "from = A <a@example.com>" "[acount]" "x = 1"
	bad_value 1 "a key outside any section; put it under [account] or [campaign NAME]" \
		"from = A <a@example.com>" "[account]"
	bad_value 3 "expected '"'"'key = value'"'"', '"'"'[account]'"'"' or '"'"'[campaign NAME]'"'"'" \
		"[account]" "from = A <a@example.com>" "this is not a setting"
	bad_value 3 "section [account] appears twice (first on line 1)" \
		"[account]" "from = A <a@example.com>" "[account]"
	bad_value 3 "invalid campaign name '"'"'two words'"'"' (use letters, digits, '"'"'-'"'"', '"'"'_'"'"' or '"'"'.'"'"', like [campaign observership-2027])" \
		"[account]" "from = A <a@example.com>" "[campaign two words]" "template = t.md"
'

test_expect_success 'bad window, rate, gap, time zone, follow-up delay: exit 78 with file:line and the value' '
	bad_value 3 "[account] window: invalid window '"'"'Mon-Fri 25:00-26:00'"'"': at '"'"'25:00-26:00'"'"': expected a time HH:MM (00:00 to 24:00)" \
		"[account]" "from = A <a@example.com>" "window = Mon-Fri 25:00-26:00"
	bad_value 4 "[account] window: invalid window '"'"'Funday 9:00-10:00'"'"': at '"'"'Funday 9:00-10:00'"'"': expected a day (Mon..Sun), '"'"'weekdays'"'"', '"'"'weekends'"'"' or '"'"'any'"'"'" \
		"[account]" "from = A <a@example.com>" "" "window = Funday 9:00-10:00"
	bad_value 3 "[account] rate: invalid rate '"'"'fast'"'"': at '"'"'fast'"'"': expected a count from 1 to 1000000 (e.g. '"'"'20/hour'"'"')" \
		"[account]" "from = A <a@example.com>" "rate = fast"
	bad_value 3 "[account] gap: invalid gap '"'"'120s..45s'"'"': the maximum (45s) is below the minimum (120s)" \
		"[account]" "from = A <a@example.com>" "gap = 120s..45s"
	bad_value 3 "[account] gap: invalid gap '"'"'soon'"'"': at '"'"'soon'"'"': expected a number of seconds, minutes or hours (e.g. '"'"'45s'"'"', '"'"'2m'"'"')" \
		"[account]" "from = A <a@example.com>" "gap = soon"
	bad_value 3 "[account] timezone: unknown time zone '"'"'Mars/Olympus'"'"'; use an IANA name such as Asia/Karachi or America/New_York" \
		"[account]" "from = A <a@example.com>" "timezone = Mars/Olympus"
	bad_value 6 "[campaign c] window: invalid window '"'"'Mon-Fri 9-5'"'"': at '"'"'9-5'"'"': expected a time HH:MM (00:00 to 24:00)" \
		"[account]" "from = A <a@example.com>" "[campaign c]" "template = t.md" "" "window = Mon-Fri 9-5"
	write_conf "[account]" "from = A <a@example.com>" "[campaign c]" "template = t.md" "followup = a fortnight: f.md"
	assert_exit 78 "$OUTREACH" -C ws config check
	assert_match "$(cat "$T/stderr")" "^outreach: $T/ws/outreach.conf:5: \[campaign c\] followup: .*a fortnight"
'

test_expect_success 'other bad values: exit 78 with file:line' '
	bad_value 3 "[account] daily_limit: expected a whole number from 0 to 100000, got '"'"'many'"'"'" \
		"[account]" "from = A <a@example.com>" "daily_limit = many"
	bad_value 3 "[account] smtp_url: expected a URL starting with smtp:// or smtps://, got '"'"'http://mail.example.com'"'"'" \
		"[account]" "from = A <a@example.com>" "smtp_url = http://mail.example.com"
	bad_value 3 "[account] smtp_url: put the user name in '"'"'user'"'"', not in the URL (a password in a URL would leak)" \
		"[account]" "from = A <a@example.com>" "smtp_url = smtps://me:pw@mail.example.com"
	bad_value 2 "[account] from: invalid address '"'"'amina@'"'"' (no domain after '"'"'@'"'"')" \
		"[account]" "from = Amina <amina@>"
	bad_value 3 "[account] insecure: expected yes or no, got '"'"'maybe'"'"'" \
		"[account]" "from = A <a@example.com>" "insecure = maybe"
	bad_value 1 "[account] needs '"'"'from = Your Name <you@example.com>'"'"'" \
		"[account]" "user = a@example.com"
	bad_value 4 "[account] password: give either password or password_command/oauth2_token_command, not both" \
		"[account]" "from = A <a@example.com>" "password_command = pass show mail" "password = x"
	bad_value 4 "[campaign c] needs '"'"'template = templates/your-letter.md'"'"'" \
		"[account]" "from = A <a@example.com>" "" "[campaign c]" "contacts = c.csv"
	write_conf "# nothing here"
	assert_exit 78 "$OUTREACH" -C ws config check
	assert_eq "outreach: $T/ws/outreach.conf: no [account] section; '"'"'outreach init'"'"' writes a commented example" "$(cat "$T/stderr")"
'

test_expect_success 'config takes only "check" or "rules"' '
	assert_exit 64 "$OUTREACH" -C ws config show
	assert_file_contains "$T/stderr" "expected '"'"'check'"'"', '"'"'rules'"'"' or nothing"
'

test_done
