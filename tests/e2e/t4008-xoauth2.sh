#!/bin/bash
# OAuth2 (XOAUTH2) for Gmail/Outlook accounts: the token comes from oauth2_token_command,
# goes out in the exact SASL XOAUTH2 format with the user name, and a refused token stops
# the run with a clear message and nothing marked failed.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd "$PY" sqlite3

TOKEN=ya29.test-token-$$
"$PY" "$TOP/tests/tools/fake-smtp-xoauth2.py" "$T/port" "$T/smtp.log" "$TOKEN" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null' EXIT
for i in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")

"$OUTREACH" -q init ws >/dev/null
cat >ws/outreach.conf <<CONF
[account]
from = Amina Rahman <amina@example.test>
user = amina@example.test
smtp_url = smtp://127.0.0.1:$PORT
allow_plaintext = yes
oauth2_token_command = printf '%s\n' "\$(cat $T/token)"
save_sent = no

[campaign observership]
template = templates/observership.md
var.dates = four weeks in March 2027
var.focus = inpatient medicine
CONF
printf '%s\n' "$TOKEN" >"$T/token"
(cd ws && "$OUTREACH" -q import contacts/attendings.csv --campaign observership)

test_expect_success 'the token from oauth2_token_command is sent as XOAUTH2 with the user name' '
	assert_exit 0 "$OUTREACH" -C ws send --yes --limit 2
	assert_file_contains "$T/smtp.log" "AUTH XOAUTH2 user=amina@example.test^Aauth=Bearer $TOKEN^A^A"
	assert_eq 2 "$(grep -c "^DATA" "$T/smtp.log")"
	assert_eq 2 "$(sqlite3 ws/.outreach/outreach.db "SELECT count(*) FROM messages WHERE state = '"'"'sent'"'"'")"
'

test_expect_success 'an expired token stops the run: exit 77, nothing failed, the token not printed' '
	echo ya29.expired >"$T/token"
	assert_exit 77 "$OUTREACH" -C ws send --yes
	assert_file_contains "$T/stderr" "OAuth2 token"
	assert_file_not_contains "$T/stderr" "ya29"
	assert_eq 0 "$(sqlite3 ws/.outreach/outreach.db "SELECT count(*) FROM messages WHERE state LIKE '"'"'failed%'"'"'")"
'

# A paced run on the fake clock: the second message waits an hour (rate = 1/hour). libcurl
# would reuse the connection, or reconnect with the token it was first given, which by then
# has expired at Google and Microsoft: outreach reconnects with a fresh token instead.
"$OUTREACH" -q init ws2 >/dev/null
sed -e 's/^save_sent = no$/save_sent = no\nrate = 1\/hour/' \
	-e "s|^oauth2_token_command = .*|oauth2_token_command = sh -c 'echo call >>$T/calls; cat $T/token'|" \
	ws/outreach.conf >ws2/outreach.conf
(cd ws2 && "$OUTREACH" -q import contacts/attendings.csv --campaign observership)

test_expect_success 'a run that waits an hour between messages asks for a fresh token' '
	printf "%s\n" "$TOKEN" >"$T/token"
	: >"$T/smtp.log"
	OUTREACH_NOW=2026-12-01T15:00:00Z assert_exit 0 "$OUTREACH" -v -C ws2 send --yes --wait --limit 2
	assert_eq 2 "$(sqlite3 ws2/.outreach/outreach.db "SELECT count(*) FROM messages WHERE state = '"'"'sent'"'"'")"
	assert_file_contains "$T/stderr" "the OAuth2 token is 6"
	assert_eq 2 "$(wc -l <"$T/calls")" "token command calls"
	assert_eq 2 "$(grep -c "^AUTH XOAUTH2" "$T/smtp.log")"
'

test_done
