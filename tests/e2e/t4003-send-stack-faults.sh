#!/bin/bash
# t4003-send-stack-faults: faults of a real submission server (Postfix with STARTTLS +
# AUTH, the mailstack triggers): 550/450/452 at RCPT in the middle of a batch, 554/451
# after the body, 421 and hang-up; retries with backoff (fake clock) until the greylisted
# one goes; a bad password; certificates that do not verify; smtp:// to a server without
# STARTTLS. Each: every message's state, whether the batch went on, the exit code, and that
# nobody got a message twice.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_cmd sqlite3 postfix dovecot smtp-sink

start_stack

# 20 contacts; row 5 greylisted (450), row 10 unknown user (550 5.1.1), row 15 mailbox full (452)
write_contacts "$T/mid.csv" 20 5=dr.grey@greylist.example 10=dr.gone@reject.example 15=dr.full@full.example
make_workspace ws-mid --contacts "$T/mid.csv" max_attempts=4

test_expect_success '550/450/452 at RCPT in the middle of 20: those fail, the batch goes on' '
	assert_exit 0 send ws-mid --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "done: 17 sent, 2 to retry, 1 failed, 0 unknown"
	assert_states ws-mid "$(expect_states ws-mid "sent 1" "5=failed_temp 1" "10=failed_perm 1" "15=failed_temp 1")"
	assert_eq "550|RCPT TO: 550 5.1.1 <dr.gone@reject.example>: Recipient address rejected: user unknown (mailstack)" \
		"$(sql ws-mid "SELECT last_code || '\''|'\'' || last_error FROM messages WHERE contact_id = 10")"
	assert_eq "450|300" "$(sql ws-mid "SELECT last_code || '\''|'\'' || (due_at - updated_at) FROM messages WHERE contact_id = 5")"
	assert_eq "452|300" "$(sql ws-mid "SELECT last_code || '\''|'\'' || (due_at - updated_at) FROM messages WHERE contact_id = 15")"
	wait_deliveries ws-mid 17
	assert_eq 17 "$(deliveries ws-mid | wc -l)" "recipients delivered"
	assert_none_twice ws-mid
	assert_eq 0 "$(delivered_count dr.grey@greylist.example ws-mid)"
	assert_integrity ws-mid
'

test_expect_success 'the 5.1.1 address is suppressed, with the server text' '
	assert_eq "smtp|550 5.1.1 <dr.gone@reject.example>: Recipient address rejected: user unknown (mailstack)" \
		"$(sql ws-mid "SELECT source || '\''|'\'' || reason FROM suppressions WHERE email = '\''dr.gone@reject.example'\''")"
	assert_eq 1 "$(sql ws-mid "SELECT count(*) FROM suppressions")" "only the 5.1.1 address"
	"$OUTREACH" -C ws-mid suppress list >list
	assert_file_contains list "dr.gone@reject.example"
'

# at SECONDS: the fake clock SECONDS after the first send's 'sending' of contact 1
first_at() { sql ws-mid "SELECT min(sending_at) FROM messages"; }

test_expect_success 'before the backoff ends nothing goes; after it the 4xx ones are tried again' '
	t0=$(first_at)
	OUTREACH_NOW=$((t0 + 120)) assert_exit 0 send ws-mid --yes
	assert_file_contains "$T/stderr" "nothing is due"
	assert_states ws-mid "$(expect_states ws-mid "sent 1" "5=failed_temp 1" "10=failed_perm 1" "15=failed_temp 1")"
	OUTREACH_NOW=$((t0 + 301)) assert_exit 0 send ws-mid --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "done: 0 sent, 2 to retry, 0 failed"
	assert_states ws-mid "$(expect_states ws-mid "sent 1" "5=failed_temp 2" "10=failed_perm 1" "15=failed_temp 2")"
	# the second backoff is twice the first
	assert_eq 600 "$(sql ws-mid "SELECT due_at - updated_at FROM messages WHERE contact_id = 5")" "second backoff"
	assert_eq 2 "$(sql ws-mid "SELECT count(*) FROM events WHERE kind = '\''send.attempt'\'' AND contact_id = 5")" \
		"attempts of the greylisted one"
'

test_expect_success 'once the server takes it, the greylisted message goes, exactly once' '
	t0=$(first_at)
	sed -i "/^greylist\.example/d" "$MS_ROOT/postfix/etc/rcpt_faults"
	postfix -c "$MS_ROOT/postfix/etc" reload
	sleep 0.3
	OUTREACH_NOW=$((t0 + 301 + 601)) assert_exit 0 send ws-mid --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "done: 1 sent, 1 to retry, 0 failed"
	assert_states ws-mid "$(expect_states ws-mid "sent 1" "5=sent 3" "10=failed_perm 1" "15=failed_temp 3")"
	wait_deliveries ws-mid 18
	assert_eq 1 "$(delivered_count dr.grey@greylist.example ws-mid)"
	assert_none_twice ws-mid
'

test_expect_success 'after max_attempts (4) a message that is always deferred fails for good' '
	t0=$(first_at)
	OUTREACH_NOW=$((t0 + 301 + 601 + 1201)) assert_exit 0 send ws-mid --yes
	cat "$T/stderr"
	assert_states ws-mid "$(expect_states ws-mid "sent 1" "5=sent 3" "10=failed_perm 1" "15=failed_perm 4")"
	assert_match "$(sql ws-mid "SELECT last_error FROM messages WHERE contact_id = 15")" \
		"^gave up after 4 attempts: RCPT TO: 452 4.2.2 <dr.full@full.example>"
	OUTREACH_NOW=$((t0 + 86400)) assert_exit 0 send ws-mid --yes
	assert_file_contains "$T/stderr" "nothing is due"
	assert_none_twice ws-mid
	assert_integrity ws-mid
'

# 554 and 451 after the body, rows 3 and 6 of 8
write_contacts "$T/body.csv" 8 3=dr.spam@reject-data.example 6=dr.later@defer-data.example
make_workspace ws-body --contacts "$T/body.csv"

test_expect_success '554 and 451 after the body: those fail, the batch goes on on a new connection' '
	assert_exit 0 send ws-body --yes
	cat "$T/stderr"
	assert_states ws-body "$(expect_states ws-body "sent 1" "3=failed_perm 1" "6=failed_temp 1")"
	assert_match "$(sql ws-body "SELECT last_error FROM messages WHERE contact_id = (SELECT id FROM contacts WHERE email = '\''dr.spam@reject-data.example'\'')")" \
		"554 5.7.1 <dr.spam@reject-data.example>: Recipient address rejected: message content rejected \(mailstack\)"
	assert_eq 0 "$(sql ws-body "SELECT count(*) FROM suppressions")" "a content rejection is not a bad address"
	wait_deliveries ws-body 6
	assert_eq 0 "$(delivered_count dr.spam@reject-data.example ws-body)"
	assert_eq 0 "$(delivered_count dr.later@defer-data.example ws-body)"
	assert_eq 6 "$(deliveries ws-body | wc -l)"
	assert_none_twice ws-body
'

# 421 and hang-up at RCPT, row 3 of 5
write_contacts "$T/421.csv" 5 3=dr.busy@disconnect.example
make_workspace ws-421 --contacts "$T/421.csv"

test_expect_success '421 and hang-up at RCPT: the run stops there; the next run sends the rest' '
	assert_exit 75 send ws-421 --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "421 4.7.0 <dr.busy@disconnect.example>: Recipient address rejected: service shutting down"
	assert_states ws-421 "$(expect_states ws-421 "queued 0" "1=sent 1" "2=sent 1" "3=failed_temp 1")"
	assert_exit 0 send ws-421 --yes
	assert_states ws-421 "$(expect_states ws-421 "sent 1" "3=failed_temp 1")"
	wait_deliveries ws-421 4
	assert_eq 4 "$(deliveries ws-421 | wc -l)"
	assert_none_twice ws-421
'

# a bad password: one failed login (~0.5 s in Dovecot)
write_contacts "$T/five.csv" 5
make_workspace ws-pass --contacts "$T/five.csv"

test_expect_success 'a bad password stops the run (exit 77): nothing failed, all still queued, no password shown' '
	before=$(ms list catchall | wc -l)
	SEND_PASSWORD="Wr0ng-Pa55word-7q" assert_exit 77 send ws-pass --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "the server refused the login"
	assert_file_contains "$T/stderr" "535 5.7.8"
	assert_file_not_contains "$T/stderr" "Wr0ng-Pa55word-7q"
	assert_file_not_contains "$T/stdout" "Wr0ng-Pa55word-7q"
	assert_states ws-pass "$(expect_states ws-pass "queued 0")"
	assert_eq 0 "$(sql ws-pass "SELECT count(*) FROM events WHERE detail LIKE '\''%Wr0ng-Pa55word-7q%'\''")"
	assert_eq 1 "$(grep -c "authentication failed" "$MS_LOGDIR/postfix.log")" "one login tried"
	sleep 0.2
	assert_eq "$before" "$(ms list catchall | wc -l)"
	# with the right one the same workspace sends everything
	assert_exit 0 send ws-pass --yes
	assert_states ws-pass "$(expect_states ws-pass "sent 1")"
'

# certificates that do not verify: a stack each (Dovecot presents one certificate per stack)
start_stack selfsigned --cert selfsigned
start_stack expired --cert expired
start_stack wronghost --cert wronghost

# cert_case STACK WHY [make_workspace options]: the send stops, saying WHY, before any
# credential is sent.
cert_case() {
	local stack=$1 why=$2 ws=ws-cert-$1-$#
	shift 2
	use_stack "$stack"
	make_workspace "$ws" --contacts "$T/five.csv" "$@"
	assert_exit 77 send "$ws" --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "TLS failed: $why"
	assert_states "$ws" "$(expect_states "$ws" "queued 0")"
	assert_eq "" "$(grep -E "sasl_|authentication failed|: client=" "$MS_LOGDIR/postfix.log" || true)" \
		"no AUTH reached Postfix"
}

test_expect_success 'self-signed certificate, CA file of another CA: stops before AUTH (submission)' '
	cert_case selfsigned "server certificate verification failed. CAfile: $T/selfsigned/certs/ca.crt"
'
test_expect_success 'self-signed certificate, no cafile (system CAs): stops before AUTH (smtps)' '
	cert_case selfsigned "server certificate verification failed. CAfile: none" --smtps --no-cafile
'
test_expect_success 'expired certificate: stops before AUTH' '
	cert_case expired "server certificate verification failed"
'
test_expect_success 'certificate for another host: stops before AUTH (smtps)' '
	cert_case wronghost "SSL: certificate subject name (wrong.example) does not match target host name '\''127.0.0.1'\''" --smtps
'
test_expect_success 'control: with the self-signed certificate as cafile the same stack works' '
	use_stack selfsigned
	make_workspace ws-ss-ok --contacts "$T/five.csv" --no-cafile "cafile=$MS_CERTDIR/selfsigned.crt"
	assert_exit 0 send ws-ss-ok --yes
	assert_states ws-ss-ok "$(expect_states ws-ss-ok "sent 1")"
	# and the log check of the cases above does see a login when there is one
	grep -E "sasl_method=PLAIN, sasl_username=amina@example.test" "$MS_LOGDIR/postfix.log"
'

# smtp:// to a server that offers no STARTTLS (smtp-sink, -v logs every command it gets)
start_sink notls -v
test_expect_success 'smtp:// without STARTTLS is refused unless allow_plaintext: no AUTH, no MAIL' '
	make_workspace ws-notls --sink "$SINK_PORT" --contacts "$T/five.csv"
	sed -i "/^allow_plaintext/d" ws-notls/outreach.conf
	assert_exit 77 send ws-notls --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "the server does not offer STARTTLS, and outreach never sends a password in clear text"
	assert_states ws-notls "$(expect_states ws-notls "queued 0")"
	grep "smtp-sink: EHLO" "$SINK_DIR/log"
	assert_file_not_contains "$SINK_DIR/log" "AUTH"
	assert_file_not_contains "$SINK_DIR/log" "MAIL"
	assert_eq 0 "$(sink_count notls)"
'

test_done
