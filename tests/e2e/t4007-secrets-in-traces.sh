#!/bin/bash
# Protocol traces (-vv) show the SMTP and IMAP conversations but never the password, in
# clear or in the base64 forms AUTH PLAIN, AUTH LOGIN and IMAP LOGIN would carry it.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
start_stack
make_workspace ws
cd "$T"

# every form the secret could take on the wire
forms() {
	"$PY" - "$MS_USER" "$MS_PASS" <<-"EOF"
		import base64, sys
		user, pw = sys.argv[1:]
		print(pw)
		print(base64.b64encode(("\0%s\0%s" % (user, pw)).encode()).decode())
		print(base64.b64encode(pw.encode()).decode())
	EOF
}

assert_no_secret() {
	local f=$1 form
	while IFS= read -r form; do
		if grep -qF -- "$form" "$f"; then
			echo "the secret appears in $f as '$form'"
			return 1
		fi
	done < <(forms)
}

test_expect_success 'send -vv: the SMTP trace shows AUTH redacted, and no form of the password' '
	OUTREACH_PASSWORD=$MS_PASS assert_exit 0 "$OUTREACH" -C ws -vv send --yes --limit 2
	assert_file_contains "$T/stderr" "smtp > AUTH PLAIN <redacted>"
	assert_file_contains "$T/stderr" "smtp < 235"
	assert_file_contains "$T/stderr" "smtp > MAIL FROM:<$MS_USER>"
	assert_no_secret "$T/stderr"
	assert_no_secret "$T/stdout"
'

test_expect_success 'a second send -vv: still nothing of the password' '
	# AUTH continuation lines (AUTH LOGIN sends user and password as separate base64
	# lines) are redacted until the server answers; checked here with the forms above
	OUTREACH_PASSWORD=$MS_PASS assert_exit 0 "$OUTREACH" -C ws -vv send --yes --limit 1
	assert_no_secret "$T/stderr"
'

test_expect_success 'poll -vv: the IMAP trace shows LOGIN redacted, and no form of the password' '
	OUTREACH_PASSWORD=$MS_PASS assert_exit 0 "$OUTREACH" -C ws -vv poll
	assert_file_contains "$T/stderr" "imap > "
	assert_file_contains "$T/stderr" "imap > <redacted>"
	assert_file_not_contains "$T/stderr" " LOGIN "
	assert_file_contains "$T/stderr" "EXAMINE"
	assert_no_secret "$T/stderr"
	assert_no_secret "$T/stdout"
'

test_expect_success 'the password is nowhere in the database or the workspace' '
	for f in ws/.outreach/outreach.db* ws/outreach.conf; do
		assert_no_secret "$f"
	done
'

test_done
