#!/bin/bash
# t4001-send-happy: a campaign of 20 (names in several scripts, accented hospitals, a binary
# attachment) sent through real Postfix + Dovecot, over submission + STARTTLS + AUTH and over
# smtps: each delivered exactly once and intact, a Sent copy of each, 'sent' with the queue
# id in the database, and a second send sends nothing.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_cmd "$PY" sqlite3 postfix dovecot

# sessions SERVICE: Postfix's command counts of every SMTP session on SERVICE (submission,
# smtps) that sent mail, one line each.
sessions() {
	sed -n "s/.*postfix\/$1\/smtpd.*: disconnect from .*\] \(.*mail=.*\)/\1/p" "$MS_LOGDIR/postfix.log"
}

# check_campaign WS: everything the first send of WS must have done (stack: the current one).
check_campaign() {
	local ws=$1
	ms wait catchall 20
	assert_eq "" "$(deliveries | awk '$1 != 1')" "every recipient exactly once"
	assert_eq 20 "$(deliveries | wc -l)" "recipients"
	assert_eq "$(cut -d, -f1 "$ws/contacts/attendings.csv" | tail -n +2 | sort)" \
		"$(deliveries | cut -d" " -f2)" "the recipients are the contacts"
	assert_states "$ws" "$(expect_states "$ws" "sent 1")"
	assert_eq 0 "$(sql "$ws" "SELECT count(*) FROM messages WHERE queue_id IS NULL OR last_code <> 250
		OR server_reply NOT LIKE '250 2.0.0 Ok: queued as ' || queue_id OR sent_at IS NULL")" "queue ids"
	assert_eq "send.attempt=20 send.sent=20" "$(sql "$ws" "SELECT group_concat(k, ' ') FROM (SELECT kind || '=' ||
		count(*) AS k FROM events WHERE kind LIKE 'send.%' GROUP BY kind ORDER BY kind)")"
	"$PY" "$TOP/tests/e2e/send-check.py" "$ws" "$MS_CATCHALL_MAILDIR" "$MS_MAILDIR/.Sent" "$T/$ws.eml"
	"$PY" "$TOP/tests/tools/emlcheck.py" "$T/$ws.eml"
	assert_integrity "$ws"
}

# check_nothing_more WS: a second send finds nothing due and delivers nothing.
check_nothing_more() {
	local ws=$1 before sent_before
	before=$(ms list catchall | wc -l)
	sent_before=$(ms list amina | grep -c '^\.Sent/' || true)
	assert_exit 0 send "$ws" --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "nothing is due"
	sleep 0.3
	assert_eq "$before" "$(ms list catchall | wc -l)" "deliveries after the second send"
	assert_eq "$sent_before" "$(ms list amina | grep -c '^\.Sent/')" "Sent copies after the second send"
	assert_states "$ws" "$(expect_states "$ws" "sent 1")"
}

start_stack sub
make_workspace ws-sub
test_expect_success 'submission + STARTTLS + AUTH: 20 delivered once each, intact, with Sent copies' '
	use_stack sub
	assert_exit 0 send ws-sub --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "send: 20 messages can go now"
	assert_file_contains "$T/stderr" "done: 20 sent, 0 to retry, 0 failed, 0 unknown"
	check_campaign ws-sub
	# one session: STARTTLS, one AUTH, then the 20 messages (Postfix counts the commands)
	assert_eq "ehlo=2 starttls=1 auth=1 mail=20 rcpt=20 data=20 quit=1 commands=65" "$(sessions submission)"
'

test_expect_success 'submission: a second send sends nothing' '
	use_stack sub
	check_nothing_more ws-sub
'

start_stack smtps
make_workspace ws-tls --smtps
test_expect_success 'smtps: 20 delivered once each, intact, with Sent copies' '
	use_stack smtps
	assert_exit 0 send ws-tls --yes
	assert_file_contains "$T/stderr" "done: 20 sent"
	check_campaign ws-tls
	assert_eq "ehlo=1 auth=1 mail=20 rcpt=20 data=20 quit=1 commands=63" "$(sessions smtps)"
	assert_eq "" "$(sessions submission)" "nothing went to submission"
'

test_expect_success 'smtps: a second send sends nothing' '
	use_stack smtps
	check_nothing_more ws-tls
'

test_done
