#!/bin/bash
# t4002-send-sink-faults: every smtp-sink fault (4xx and 5xx at the greeting, AUTH, MAIL,
# RCPT, DATA and after the body; a hang-up after each command; 421 and hang-up; stalls)
# against a send of 4 messages: the state and attempts of every message, whether the batch
# went on or stopped, the exit code, what the user is told. Plain SMTP (smtp-sink has no
# TLS): allow_plaintext = yes, and -a hides AUTH except in the AUTH cases.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_cmd sqlite3 smtp-sink

write_contacts "$T/four.csv" 4

# One line per case: NAME | smtp-sink options | exit | state of message 1 | state of
# messages 2-4 | attempts made (send.attempt events) | what stderr must say.
# A batch that goes on tries all 4; a run that stops tries 1 and leaves the others queued.
# A failure before RCPT is the server's (message untouched, 'queued 0'); from RCPT on it
# counts against the message (failed_temp, backoff) even when the run stops.
cases='
accept     | -a                                       | 0  | sent 1        | sent 1        | 4 | done: 4 sent, 0 to retry, 0 failed
greet-5xx  | -a -f connect                            | 77 | queued 0      | queued 0      | 1 | the server refused the session at connect: 500 5.3.0 Error: command failed
greet-4xx  | -a -r connect                            | 75 | queued 0      | queued 0      | 1 | the server deferred the session at connect: 450 4.3.0 Error: command failed
auth-5xx   | -f auth                                  | 77 | queued 0      | queued 0      | 1 | the server refused the login (500 5.3.0 Error: command failed)
auth-4xx   | -r auth                                  | 75 | queued 0      | queued 0      | 1 | the server could not check the login just now (450 4.3.0
mail-5xx   | -a -f mail -B "553 5.7.1 Sender rejected" | 77 | queued 0      | queued 0      | 1 | the server refused the session at MAIL FROM: 553 5.7.1 Sender rejected
mail-4xx   | -a -r mail -b "451 4.7.1 Greylisted, try again later" | 75 | queued 0 | queued 0 | 1 | the server deferred the session at MAIL FROM: 451 4.7.1 Greylisted, try again later
rcpt-5xx   | -a -f rcpt -B "550 5.1.1 User unknown"   | 0  | failed_perm 1 | failed_perm 1 | 4 | RCPT TO: 550 5.1.1 User unknown
rcpt-4xx   | -a -r rcpt -b "450 4.2.1 Mailbox busy"   | 0  | failed_temp 1 | failed_temp 1 | 4 | RCPT TO: 450 4.2.1 Mailbox busy
data-5xx   | -a -f data -B "554 5.7.1 Message refused" | 0 | failed_perm 1 | failed_perm 1 | 4 | DATA: 554 5.7.1 Message refused
data-4xx   | -a -r data -b "451 4.3.0 Try again later" | 0 | failed_temp 1 | failed_temp 1 | 4 | DATA: 451 4.3.0 Try again later
body-5xx   | -a -f .                                  | 0  | failed_perm 1 | failed_perm 1 | 4 | rejected after the message was sent: 500 5.3.0 Error: command failed
body-4xx   | -a -r .                                  | 0  | failed_temp 1 | failed_temp 1 | 4 | deferred after the message was sent: 450 4.3.0 Error: command failed
gone-greet | -a -q connect                            | 75 | queued 0      | queued 0      | 1 | connect: response reading failed
gone-mail  | -a -q mail                               | 75 | queued 0      | queued 0      | 1 | MAIL FROM: response reading failed
gone-rcpt  | -a -q rcpt                               | 75 | failed_temp 1 | queued 0      | 1 | RCPT TO: response reading failed
gone-data  | -a -q data                               | 75 | failed_temp 1 | queued 0      | 1 | DATA: response reading failed
gone-body  | -a -q .                                  | 0  | unknown 1     | unknown 1     | 4 | it may have been delivered, so it will not be resent automatically
421-mail   | -a -Q mail                               | 75 | queued 0      | queued 0      | 1 | the server is closing the connection (421 4.0.0 Server closing connection)
421-rcpt   | -a -Q rcpt                               | 75 | failed_temp 1 | queued 0      | 1 | the server is closing the connection (421 4.0.0 Server closing connection)
421-data   | -a -Q data                               | 75 | failed_temp 1 | queued 0      | 1 | the server is closing the connection (421 4.0.0 Server closing connection)
421-body   | -a -Q .                                  | 75 | failed_temp 1 | queued 0      | 1 | the server is closing the connection (421 4.0.0 Server closing connection)
stall-greet | -a -W connect:6                         | 75 | queued 0      | queued 0      | 1 | connect: server response timeout
stall-rcpt | -a -W rcpt:6                             | 75 | failed_temp 1 | queued 0      | 1 | RCPT TO: server response timeout
stall-data | -a -w 6                                  | 75 | failed_temp 1 | queued 0      | 1 | DATA: server response timeout
'

trim() { sed 's/^ *//; s/ *$//' <<<"$1"; }

# check_case: the body shared by every case (reads $name, $want_rc, ... set below).
check_case() {
	local ws=ws-$name
	t0=$EPOCHREALTIME
	assert_exit "$want_rc" send "$ws" --yes
	cat "$T/stderr"
	secs=$(_elapsed "$t0")
	assert_file_contains "$T/stderr" "$needle"
	assert_states "$ws" "$(expect_states "$ws" "$rest" "1=$first")"
	assert_eq "$tries" "$(sql "$ws" "SELECT count(*) FROM events WHERE kind = 'send.attempt'")" "attempts made"
	assert_eq 0 "$(sql "$ws" "SELECT count(*) FROM messages WHERE state = 'sending'")" "left in 'sending'"
	# the stored reason is the server's own text when it said something
	case $first in
	failed_*) assert_eq 1 "$(sql "$ws" "SELECT count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE c.id = 1 AND m.last_error LIKE '%$needle%'")" "last_error of message 1" ;;
	esac
	# a retry waits: the first backoff is 5 minutes
	case $first in
	failed_temp*) assert_eq 300 "$(sql "$ws" "SELECT due_at - updated_at FROM messages WHERE contact_id = 1")" "backoff" ;;
	esac
	# a stall costs the timeout (2 s) and curl's QUIT wait, not the server's 6 s
	case $name in stall-*) awk -v s="$secs" "BEGIN { exit !(s < 5.5) }" ;; esac
	assert_integrity "$ws"
}

while IFS='|' read -r name opts want_rc first rest tries needle; do
	name=$(trim "$name")
	[ -n "$name" ] || continue
	opts=$(trim "$opts") want_rc=$(trim "$want_rc") first=$(trim "$first") rest=$(trim "$rest")
	tries=$(trim "$tries") needle=$(trim "$needle")
	eval "set -- $opts"
	start_sink "$name" "$@"
	make_workspace "ws-$name" --sink "$SINK_PORT" --contacts "$T/four.csv" timeout=2 >/dev/null ||
		bail "cannot make workspace ws-$name"
	test_expect_success "smtp-sink $opts: exit $want_rc, message 1 '$first', 2-4 '$rest'" check_case
done <<<"$cases"

# -A 0: "354", then "550 This violates SMTP" and a hang-up while the client is still
# writing the body. Whether curl reads the 550 or fails writing (EPIPE) is a race: the
# message is then failed_perm or unknown, never retried, and the batch goes on.
start_sink abort -a -A 0
make_workspace ws-abort --sink "$SINK_PORT" --contacts "$T/four.csv"
test_expect_success 'smtp-sink -A 0 (550 and hang-up during the body): failed_perm or unknown, never retried' '
	assert_exit 0 send ws-abort --yes
	cat "$T/stderr"
	assert_eq "" "$(states ws-abort | grep -Ev " (failed_perm|unknown) 1$" || true)" "other states"
	assert_eq 4 "$(sql ws-abort "SELECT count(*) FROM events WHERE kind = '\''send.attempt'\''")" "attempts"
	assert_exit 0 send ws-abort --yes
	assert_file_contains "$T/stderr" "nothing is due"
'

test_expect_success 'accept: each of the 4 was captured once, to its own recipient' '
	assert_eq "$(tail -n +2 "$T/four.csv" | cut -d, -f1 | sort)" "$(sink_rcpts accept)"
'

test_expect_success '5.1.1 at RCPT suppresses the address; a plain 500 does not' '
	assert_eq 4 "$(sql ws-rcpt-5xx "SELECT count(*) FROM suppressions WHERE source = '\''smtp'\''")"
	assert_eq 0 "$(sql ws-data-5xx "SELECT count(*) FROM suppressions")"
	assert_eq 0 "$(sql ws-body-5xx "SELECT count(*) FROM suppressions")"
'

test_expect_success 'after a hang-up past the body nothing is resent automatically' '
	before=$(sink_count gone-body)
	assert_exit 0 send ws-gone-body --yes
	assert_file_contains "$T/stderr" "nothing is due"
	assert_eq "$before" "$(sink_count gone-body)" "transactions at the sink"
	assert_states ws-gone-body "$(expect_states ws-gone-body "unknown 1")"
'

test_expect_success 'after a stopped run the same send goes on where it stopped' '
	# 421 at RCPT: message 1 waits for its backoff; the others go first next time, so one
	# recipient that always ends the session cannot block the queue
	assert_exit 75 send ws-421-rcpt --yes
	assert_states ws-421-rcpt "$(expect_states ws-421-rcpt "queued 0" "1=failed_temp 1" "2=failed_temp 1")"
'

start_sink verbose -a -f rcpt -B "550 5.1.1 User unknown"
make_workspace ws-verbose --sink "$SINK_PORT" --contacts "$T/four.csv"
test_expect_success 'with -v every attempt is a key=value line on stderr, and an event row' '
	OUTREACH_PASSWORD=x "$OUTREACH" -v -C ws-verbose send --yes >out 2>err
	cat err
	assert_eq 4 "$(grep -c "^event=send email=.* step=1 state=failed reply=\"RCPT TO: 550 5.1.1 User unknown\"" err)"
	assert_file_contains err "event=send email=$(contact_email 1) step=1 state=failed"
	assert_eq "send.attempt=4 send.failed=4" "$(sql ws-verbose "SELECT group_concat(k, '\'' '\'') FROM (SELECT kind || '\''='\'' ||
		count(*) AS k FROM events WHERE kind LIKE '\''send.%'\'' GROUP BY kind ORDER BY kind)")"
'

test_done
