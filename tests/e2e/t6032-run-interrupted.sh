#!/bin/bash
# t6032-run-interrupted: 'outreach run' stopped in the middle of sending loses and
# duplicates nothing. SIGTERM while the server is slow to answer DATA: the message in
# flight is finished and recorded, the run exits 0, the next run sends the rest. Killed
# (SIGKILL, the test-hooks binary) before a message is marked sending, and after the server
# accepted one but before it was recorded: the next run recovers, never sends anything
# twice, and leaves the message in doubt for the user to settle.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_outreach_hooks
require_cmd sqlite3 smtp-sink
# A server that waits 1 s before answering DATA, and a plain fast one (no AUTH offered)
start_sink slow -a -w 1
SLOW_PORT=$SINK_PORT SLOW_DIR=$SINK_DIR
start_sink fast -a
FAST_PORT=$SINK_PORT FAST_DIR=$SINK_DIR

# no mail stack: the workspaces send to the sinks, without TLS, AUTH or IMAP
MS_USER=amina@example.test MS_PASS=x MS_CAFILE= MS_SUBMISSION_PORT=0 MS_IMAPS_PORT=0
rows=()
for i in 1 2 3 4 5; do
	rows+=("dr$i@hosp$i.example.org|Doc|Tor$i|MD|Internal Medicine|Department of Medicine|Hospital $i|Boston|MA")
done
write_csv contacts.csv "${rows[@]}"
# sink_rcpts DIR: the recipient of every message the sink captured, sorted
sink_rcpts() {
	local f
	for f in "$1"/mail/*; do
		[ -f "$f" ] || continue
		sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f"
	done | sort
}
states() {
	sql "$1" "SELECT group_concat(s, ' ') FROM (SELECT m.step || ':' || m.state AS s FROM messages m ORDER BY m.contact_id, m.step)"
}
all5=$(printf 'dr%s@hosp%s.example.org\n' 1 1 2 2 3 3 4 4 5 5)

test_expect_success 'SIGTERM while a message is in flight: it is finished and recorded, the run exits 0' '
	make_ws a contacts.csv --followups 1 smtp_url=smtp://127.0.0.1:$SLOW_PORT \
		allow_plaintext=yes imap_url= cafile=
	start_bg a env OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH" -C a run --for 3600
	# the third message is being sent: two done, one marked sending
	inflight=no
	for i in $(seq 200); do
		if [ "$(sql a "SELECT count(*) FROM messages WHERE state = '"'sent'"'")" = 2 ] &&
			[ "$(sql a "SELECT count(*) FROM messages WHERE state = '"'sending'"'")" = 1 ]; then
			inflight=yes
			break
		fi
		sleep 0.02
	done
	kill -TERM "$(cat a.pid)"
	assert_eq yes $inflight "a message was in flight"
	for i in $(seq 100); do [ -s a.rc ] && break; sleep 0.05; done
	assert_eq 0 "$(cat a.rc)"
	# a server without TLS: said once, at the start
	assert_eq 1 "$(grep -c "^outreach: warning: allow_plaintext = yes in $T/a/outreach.conf: mail and password may cross the network unencrypted$" a.err)"
	assert_match "$(tail -n 1 a.out)" "PKT  stopped    $T/a: on request; the current message was finished and recorded$"
	assert_eq 3 "$(grep -c "  sent       " a.out)"
	assert_eq "0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:queued 0:queued" "$(states a)"
	assert_eq "$(printf "%s\n" dr1@hosp1.example.org dr2@hosp2.example.org dr3@hosp3.example.org)" "$(sink_rcpts "$SLOW_DIR")"
'

test_expect_success 'the next run sends the rest, nobody twice' '
	assert_exit 0 env OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH" -C a run --for 60
	assert_eq 2 "$(grep -c "  sent       " "$T/stdout")"
	assert_eq "0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued" "$(states a)"
	assert_eq "$all5" "$(sink_rcpts "$SLOW_DIR")"
'

test_expect_success 'killed before the third is marked sending: the next run sends it, once' '
	make_ws b contacts.csv --followups 1 smtp_url=smtp://127.0.0.1:$FAST_PORT \
		allow_plaintext=yes imap_url= cafile=
	assert_exit 137 env OUTREACH_TEST_CRASH=before-sending:3 OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH_HOOKS" -C b run --for 60
	assert_eq "0:sent 1:queued 0:sent 1:queued 0:queued 0:queued 0:queued" "$(states b)"
	assert_eq 2 "$(sink_rcpts "$FAST_DIR" | wc -l)"
	assert_exit 0 env OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH" -C b run --for 60
	assert_file_not_contains "$T/stdout" "recovered"
	assert_eq "0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued" "$(states b)"
	assert_eq "$all5" "$(sink_rcpts "$FAST_DIR")"
'

test_expect_success 'killed after the server accepted the second: recovered as unknown, never sent again' '
	make_ws c contacts.csv --followups 1 smtp_url=smtp://127.0.0.1:$FAST_PORT \
		allow_plaintext=yes imap_url= cafile=
	rm -f "$FAST_DIR"/mail/*
	assert_exit 137 env OUTREACH_TEST_CRASH=after-accept:2 OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH_HOOKS" -C c run --for 60
	assert_eq "0:sent 1:queued 0:sending 0:queued 0:queued 0:queued" "$(states c)"
	assert_exit 0 env OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH" -C c run --for 60
	assert_match "$(cat "$T/stdout")" "PKT  recovered  : messages interrupted while sending are now .unknown. \(see .send --resolve.\)"
	# the one in doubt gets no follow-up either until the user settles it
	assert_eq "0:sent 1:queued 0:unknown 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued" "$(states c)"
	assert_eq "$all5" "$(sink_rcpts "$FAST_DIR")"
	assert_exit 0 env OUTREACH_NOW=$NOW "$OUTREACH" -C c resolve dr2@hosp2.example.org sent
	assert_exit 0 env OUTREACH_NOW=$NOW OUTREACH_PASSWORD=x "$OUTREACH" -C c run --for 60
	assert_eq "0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued 0:sent 1:queued" "$(states c)"
	assert_eq "$all5" "$(sink_rcpts "$FAST_DIR")"
'

test_done
