#!/bin/bash
# t5041-poll-watch-no-idle: 'outreach poll --watch' against a server that does not offer
# IDLE polls every poll_interval instead: a reply waits for the next poll (no IDLE is ever
# sent), and SIGTERM during the wait stops it at once.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

C1=c01@bostongeneral.example.org
write_csv contacts.csv "$C1|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA"
# plain IMAP through a proxy that takes IDLE out of the server's capabilities
start_netfault noidle "$MS_IMAP_PORT" --no-idle
make_ws ws contacts.csv poll_interval=10 || bail "cannot make the workspace"
o ws -q send --yes || bail "not sent"
# allow_plaintext is for the whole account: only after sending over STARTTLS
set_conf ws imap_url "imap://127.0.0.1:$NF_PORT"
set_conf ws allow_plaintext yes
id=$(msgid ws $C1)
mkmail "$FIX/gmail-terse-offer.eml" offer.eml --set "From: $C1" --set "To: $MS_USER" --set "Message-ID: <noidle@t5041.example.org>" \
	--set "In-Reply-To: <$id>" --set "References: <$id>" --crlf

start_bg watch env OUTREACH_NOW= OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C ws -vv poll --watch
examines() { grep -c "^imap > [0-9]* EXAMINE INBOX" watch.err; }
recorded() { [ "$(sql ws "SELECT count(*) FROM replies")" -ge 1 ]; }

test_expect_success 'the server offers no IDLE: one poll, then a wait' '
	for i in $(seq 100); do [ "$(examines)" -ge 1 ] && break; sleep 0.05; done
	assert_eq 1 "$(examines)"
	assert_file_contains watch.err "imap < * CAPABILITY IMAP4rev1"
	assert_file_not_contains watch.err " IDLE"
	assert_file_contains watch.err "warning: allow_plaintext"
'

test_expect_success 'a reply waits for the next poll, which comes after poll_interval' '
	t0=$EPOCHREALTIME
	ms inject offer.eml
	sleep 3
	assert_eq 0 "$(sql ws "SELECT count(*) FROM replies")" "not before the interval is over"
	for i in $(seq 240); do recorded && break; sleep 0.05; done
	secs=$(_elapsed $t0)
	echo "recorded after $secs s"
	recorded
	awk -v s=$secs "BEGIN { exit !(s > 5 && s < 13) }"
	assert_eq 2 "$(examines)"
	assert_eq "offer in-reply-to" "$(replies_of ws $C1)"
	assert_file_not_contains watch.err "IDLE"
'

test_expect_success 'SIGTERM during the wait: exit 0 at once' '
	t0=$EPOCHREALTIME
	kill -TERM "$(cat watch.pid)"
	for i in $(seq 100); do [ -s watch.rc ] && break; sleep 0.05; done
	secs=$(_elapsed $t0)
	echo "stopped after $secs s"
	assert_eq 0 "$(cat watch.rc)"
	awk -v s=$secs "BEGIN { exit !(s < 2) }"
'

test_done
