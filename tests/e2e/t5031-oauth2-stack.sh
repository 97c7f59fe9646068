#!/bin/bash
# t5031-oauth2-stack: a Gmail/Outlook-style account with OAuth2 against the real stack.
# Dovecot checks XOAUTH2 bearer tokens with an introspection endpoint (RFC 7662, a small
# fake on 127.0.0.1), for IMAP and, through Dovecot SASL, for Postfix's submission port:
# the token from oauth2_token_command sends the campaign and polls the replies, never
# appears in a -vv trace, and a revoked token stops both with exit 77 and a hint to refresh
# it, nothing recorded as failed and the mailbox unchanged.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3

OA=$T/oauth
mkdir -p "$OA"
"$PY" "$TOP/tests/tools/fake-oauth2-introspect.py" "$OA" amina@example.test &
track_pid $!
for i in $(seq 100); do [ -s "$OA/port" ] && break; sleep 0.02; done
[ -s "$OA/port" ] || bail "the introspection endpoint did not start"
TOKEN=ya29.stack-$$-$RANDOM$RANDOM
echo "$TOKEN" >"$OA/valid-token" # what the provider accepts
echo "$TOKEN" >"$OA/token"       # what oauth2_token_command hands out
start_stack --oauth2 "http://127.0.0.1:$(cat "$OA/port")/introspect"

C1=swhitfield@bostongeneral.example.org
C2=druiz@valley.example.edu
write_csv contacts.csv \
	"$C1|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$C2|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ"
# the command notes each call: a token is asked for once per connection (tokens expire hourly)
make_ws ws contacts.csv "oauth2_token_command=sh -c 'echo call >>$OA/calls; cat $OA/token'" save_sent=yes ||
	bail "cannot make the workspace"
# a wrong password in the environment: only the token can log in
MS_PASS=not-the-password

# libcurl prefers OAUTHBEARER (RFC 7628) when the server offers it, as Gmail's and this one do
test_expect_success 'send: submission takes the token (OAUTHBEARER through Dovecot SASL)' '
	o ws -q send --yes --limit 1
	ms wait catchall 1 20 >/dev/null
	assert_file_contains "$MS_LOGDIR/postfix.log" "sasl_method=OAUTHBEARER, sasl_username=amina@example.test"
	assert_eq 1 "$(sql ws "SELECT count(*) FROM messages WHERE state = '"'"'sent'"'"'")"
'

test_expect_success 'the Sent copy goes over IMAP with a token asked for again' '
	assert_eq 1 "$(ms list amina | awk -F"\t" "\$1 ~ /^\.Sent\// " | wc -l)"
	assert_contains "$(dovecot_log_since 0)" "method=XOAUTH2"
	assert_eq 2 "$(wc -l <"$OA/calls")" "one token for SMTP, one for IMAP"
'

test_expect_success 'poll: IMAP takes the token; the reply is recorded; the token is in no trace' '
	id=$(msgid ws $C1)
	mkmail "$FIX/gmail-terse-offer.eml" offer.eml --set "From: $C1" --set "To: $MS_USER" \
		--set "Message-ID: <oauth-1@t5031.example.org>" --set "In-Reply-To: <$id>" --crlf
	ms inject offer.eml
	o ws -vv poll >poll.out 2>poll.err
	assert_eq "offer in-reply-to" "$(replies_of ws $C1)"
	assert_contains "$(dovecot_log_since 0)" "method=XOAUTH2"  # libetpan: XOAUTH2 only
	assert_file_contains poll.err "imap > <redacted>"
	assert_file_not_contains poll.err "$TOKEN"
	assert_file_not_contains poll.err "$(printf "user=%s\001auth=Bearer %s\001\001" "$MS_USER" "$TOKEN" | base64 -w0)"
'

test_expect_success 'a revoked token: poll exits 77 with the hint, nothing recorded, mailbox unchanged' '
	echo "ya29.revoked-now" >"$OA/valid-token"
	snap=$(ms snapshot)
	rc=0
	o ws poll >revoked.out 2>revoked.err || rc=$?
	assert_eq 77 $rc
	assert_file_contains revoked.err "OAuth2 token"
	assert_file_not_contains revoked.err "$TOKEN"
	assert_eq 1 "$(sql ws "SELECT count(*) FROM replies")"
	assert_eq "$snap" "$(ms snapshot)"
'

test_expect_success 'a revoked token: send stops before anything, the second message stays queued' '
	rc=0
	o ws send --yes >send2.out 2>send2.err || rc=$?
	assert_eq 77 $rc
	assert_file_contains send2.err "OAuth2 token"
	assert_file_not_contains send2.err "$TOKEN"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM messages WHERE state LIKE '"'"'failed%'"'"' OR state = '"'"'unknown'"'"'")"
	assert_eq 1 "$(sql ws "SELECT count(*) FROM messages WHERE state = '"'"'queued'"'"' AND step = 0")"
'

test_expect_success 'a refreshed token: both work again' '
	NEW=ya29.refreshed-$RANDOM$RANDOM
	echo "$NEW" >"$OA/valid-token"
	echo "$NEW" >"$OA/token"
	o ws -q send --yes
	ms wait catchall 2 20 >/dev/null
	o ws -q poll
	assert_eq 0 "$(sql ws "SELECT count(*) FROM messages WHERE state = '"'"'queued'"'"' AND step = 0")"
	grep -q "inactive" "$OA/log"
	grep -q " active" "$OA/log"
'

test_done
