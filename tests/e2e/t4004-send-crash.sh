#!/bin/bash
# t4004-send-crash: pull the plug during a 20-message send (the test-hooks binary SIGKILLs
# itself before 'sending' is committed, after the server accepted the body, or between two
# messages, at several message numbers), run send again, and check that every physician got
# the message exactly once or is 'unknown' (never twice, never lost), that the database is
# intact, and what 'send --resolve' makes of the unknown one. Then SIGTERM and SIGINT during
# 'send --wait': the current message finishes and is recorded, the run stops cleanly.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_outreach_hooks
require_cmd sqlite3 postfix dovecot smtp-sink

start_stack

# crash_case POINT N: the whole story for one crash point.
crash_case() {
	local point=$1 n=$2 ws=ws-$1-$2 rc=0 i email state want
	make_workspace "$ws"
	OUTREACH_TEST_CRASH=$point:$n hsend "$ws" --yes >crash.out 2>&1 || rc=$?
	assert_eq 137 "$rc" "exit status of the killed send (SIGKILL)"
	assert_integrity "$ws"
	# what the crash left: the messages before N sent; N itself depends on the point
	case $point in
	before-sending) want="$(expect_states "$ws" "queued 0" "1-$((n - 1))=sent 1")" ;;
	after-accept) want="$(expect_states "$ws" "queued 0" "1-$((n - 1))=sent 1" "$n=sending 0")" ;;
	between) want="$(expect_states "$ws" "queued 0" "1-$n=sent 1")" ;;
	esac
	assert_states "$ws" "$want"

	assert_exit 0 send "$ws" --yes
	cat "$T/stderr"
	assert_integrity "$ws"
	# every contact: exactly one delivery; the unknown one too (the server had accepted it)
	wait_deliveries "$ws" 20
	assert_none_twice "$ws"
	assert_eq 20 "$(deliveries "$ws" | wc -l)" "recipients"
	if [ "$point" = after-accept ]; then
		assert_file_contains "$T/stderr" "1 message was being sent when outreach last stopped: it may have been delivered and will not be resent"
		assert_states "$ws" "$(expect_states "$ws" "sent 1" "$n=unknown 0")"
	else
		assert_file_not_contains "$T/stderr" "being sent when outreach last stopped"
		assert_states "$ws" "$(expect_states "$ws" "sent 1")"
	fi
	assert_eq 0 "$(sql "$ws" "SELECT count(*) FROM messages WHERE state NOT IN ('sent', 'unknown')")" "lost messages"
	# a Sent copy of each message recorded as sent, none twice
	assert_eq "" "$(sent_copies "$ws" | awk '$1 != 1')" "Sent copies more than once"
	if [ "$point" = after-accept ]; then
		assert_eq 19 "$(sent_copies "$ws" | wc -l)" "Sent copies (none for the unknown one: see 'resolve')"
	else
		assert_eq 20 "$(sent_copies "$ws" | wc -l)" "Sent copies"
	fi

	# a third run sends nothing
	assert_exit 0 send "$ws" --yes
	assert_file_contains "$T/stderr" "nothing is due"
	sleep 0.2
	assert_none_twice "$ws"
	assert_eq 20 "$(deliveries "$ws" | awk '{ n += $1 } END { print n }')" "messages delivered in all"
}

for point in before-sending after-accept between; do
	for n in 1 8 20; do
		test_expect_success "killed at $point:$n, then resumed: each contact once or unknown" "crash_case $point $n"
	done
done

make_workspace ws-fu --followups
test_expect_success 'with a follow-up step: one follow-up per message sent, none for the unknown one' '
	rc=0
	OUTREACH_TEST_CRASH=after-accept:5 hsend ws-fu --yes >crash.out 2>&1 || rc=$?
	assert_eq 137 "$rc"
	# the follow-ups of 1-4 were planned in the same transactions as their "sent"
	assert_eq 4 "$(sql ws-fu "SELECT count(*) FROM messages WHERE step = 1 AND state = '\''queued'\''")"
	assert_exit 0 send ws-fu --yes
	assert_states ws-fu "$(expect_states ws-fu "sent 1" "5=unknown 0")"
	assert_eq 19 "$(sql ws-fu "SELECT count(*) FROM messages WHERE step = 1 AND state = '\''queued'\''")"
	assert_eq 0 "$(sql ws-fu "SELECT count(*) FROM messages WHERE step = 1 AND contact_id = 5")"
	# 7 business days later, not now
	assert_eq 0 "$(sql ws-fu "SELECT count(*) FROM messages WHERE step = 1 AND due_at < strftime('\''%s'\'', '\''now'\'') + 6 * 86400")"
	assert_exit 0 send ws-fu --yes
	assert_file_contains "$T/stderr" "nothing is due"
	wait_deliveries ws-fu 20
	assert_none_twice ws-fu
'

test_expect_success 'send --resolve: the unknown message has no Sent copy, so it stays unknown' '
	# The Sent copy is appended after "sent" is committed, so a crash after the server
	# accepted the body leaves none: resolve cannot settle it and says so.
	assert_exit 0 send ws-after-accept-8 --resolve
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "not in the Sent folder"
	assert_file_contains "$T/stderr" "resolve: 0 found in the Sent folder (now '\''sent'\''), 1 not found"
	assert_states ws-after-accept-8 "$(expect_states ws-after-accept-8 "sent 1" "8=unknown 0")"
'

# append_to_sent FILE: IMAP APPEND of FILE (a delivered message, without the trace headers
# the servers added) to amina's Sent folder, as a provider that files sent mail itself
# (Gmail) would have done.
append_to_sent() {
	py - "$1" <<-'EOF'
	import imaplib, os, ssl, sys
	lines = open(sys.argv[1], "rb").read().split(b"\n")
	i = 0
	while lines[i].split(b":", 1)[0].lower() in (b"return-path", b"delivered-to", b"received"):
	    i += 1
	    while lines[i][:1] in (b" ", b"\t"):
	        i += 1
	raw = b"\r\n".join(lines[i:])
	ctx = ssl.create_default_context(cafile=os.environ["MS_CAFILE"])
	c = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["MS_IMAPS_PORT"]), ssl_context=ctx)
	c.login(os.environ["MS_USER"], os.environ["MS_PASS"])
	typ, _ = c.append("Sent", r"(\Seen)", None, raw)
	assert typ == "OK", typ
	c.logout()
	EOF
}

test_expect_success 'send --resolve: once the Sent folder has it, the unknown message becomes sent' '
	id=$(sql ws-after-accept-20 "SELECT message_id FROM messages WHERE state = '\''unknown'\''")
	assert_ne "" "$id"
	ms fetch catchall "<$id>" >copy.eml
	assert_file_contains copy.eml "Message-ID: <$id>"
	append_to_sent copy.eml
	assert_exit 0 send ws-after-accept-20 --resolve
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "resolve: 1 found in the Sent folder (now '\''sent'\''), 0 not found"
	assert_states ws-after-accept-20 "$(expect_states ws-after-accept-20 "sent 1")"
	assert_eq 1 "$(sql ws-after-accept-20 "SELECT count(*) FROM events WHERE kind = '\''send.resolved'\''")"
	assert_exit 0 send ws-after-accept-20 --resolve
	assert_file_contains "$T/stderr" "no message is in doubt: nothing to resolve"
	assert_none_twice ws-after-accept-20
'

# Signals during send --wait: a sink that takes 1 s to answer DATA, -v logging each command.
start_sink slow -a -v -w 1
write_contacts "$T/four.csv" 4

# signal_case SIG: send --wait, SIG while message 1 waits for its DATA reply.
signal_case() {
	local sig=$1 ws=ws-sig-$1 pid rc=0 i
	make_workspace "$ws" --sink "$SINK_PORT" --contacts "$T/four.csv" timeout=10
	n0=$(grep -c "smtp-sink: DATA" "$SINK_DIR/log" || true)
	send_bg "$T/$ws.out" "$ws" --yes --wait
	pid=$!
	for i in $(seq 100); do
		[ "$(grep -c "smtp-sink: DATA" "$SINK_DIR/log" || true)" -gt "$n0" ] && break
		sleep 0.05
	done
	kill -"$sig" "$pid"
	wait "$pid" || rc=$?
	cat "$T/$ws.out"
	assert_eq 0 "$rc" "exit status after SIG$sig"
	assert_file_contains "$T/$ws.out" "stopped: 1 sent"
	assert_states "$ws" "$(expect_states "$ws" "queued 0" "1=sent 1")"
	assert_eq 1 "$(sql "$ws" "SELECT count(*) FROM events WHERE kind = 'send.attempt'")" "attempts"
	assert_integrity "$ws"
}

test_expect_success 'SIGTERM during send --wait: the current message finishes and is recorded' 'signal_case TERM'
test_expect_success 'SIGINT during send --wait: the current message finishes and is recorded' 'signal_case INT'

test_expect_success 'SIGTERM while send --wait sleeps for the window: prompt, clean exit; the lock is released' '
	# a window that opens in about 12 hours: --wait sleeps (real clock)
	h=$(( (10#$(date -u +%H) + 12) % 24 ))
	make_workspace ws-sleep --sink "$SINK_PORT" --contacts "$T/four.csv" "window=Mon-Sun $(printf %02d $h):00-$(printf %02d $h):30" timezone=UTC
	send_bg "$T/sleep.out" ws-sleep --yes --wait
	pid=$!
	for i in $(seq 100); do grep -q "can go now" "$T/sleep.out" && break; sleep 0.05; done
	sleep 0.2
	# the workspace is taken meanwhile
	assert_exit 75 send ws-sleep --yes
	assert_file_contains "$T/stderr" "another outreach is already running in this workspace (pid $pid, send)"
	t=$EPOCHREALTIME
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	cat "$T/sleep.out"
	assert_eq 0 "$rc"
	awk -v s="$(_elapsed "$t")" "BEGIN { exit !(s < 1.5) }"
	assert_states ws-sleep "$(expect_states ws-sleep "queued 0")"
	assert_exit 0 send ws-sleep --yes --dry-run
' 

test_done
