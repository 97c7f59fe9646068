#!/bin/bash
# t6031-run-live: 'outreach run' on the real clock — it sends, then idles on the mailbox; a
# reply delivered while it idles is recorded within seconds and cancels that contact's next
# step; a second 'run' (or a 'send') in the same workspace is refused with exit 75; the IMAP
# server going away and coming back is survived with backoff; SIGTERM stops it cleanly.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

C1=c01@bostongeneral.example.org C2=c02@pacific.example.org C3=c03@lakeshore.example.edu C4=c04@hudson.example.org
write_csv contacts.csv \
	"$C1|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$C2|Ben|Baker|MD|Cardiology|Division of Cardiology|Pacific Medical Center|San Diego|CA" \
	"$C3|Cora|Chen|MD|Nephrology|Department of Medicine|Lakeshore University Hospital|Chicago|IL" \
	"$C4|Dan|Diaz|MD|Pulmonology|Pulmonary and Critical Care|Hudson Valley Hospital|Albany|NY"
# IMAP through a proxy that the test can take away and bring back on the same port
start_netfault imap "$MS_IMAPS_PORT"
PROXY_PORT=$NF_PORT
make_ws ws contacts.csv --followups 1 imap_url="imaps://127.0.0.1:$PROXY_PORT" || bail "cannot make the workspace"

# run on the real clock in the background: pid in run.pid, exit status in run.rc
start_bg run env OUTREACH_NOW= OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C ws -vv run

wait_for() { # SECONDS COMMAND...: until COMMAND succeeds; prints the seconds it took
	local limit=$1 t0=$EPOCHREALTIME
	shift
	while ! "$@"; do
		awk -v a=$t0 -v b=$EPOCHREALTIME -v l=$limit 'BEGIN { exit !(b - a > l) }' && return 1
		sleep 0.05
	done
	_elapsed $t0
}
idles() { grep -c "^imap > [0-9]* IDLE" run.err; }
idling_more_than() { [ "$(idles)" -gt "$1" ]; }
has_line() { grep -q -- "$1" run.out; }
reply_to() { # EMAIL NAME FIXTURE: a reply to EMAIL's first message, delivered now
	local id
	id=$(msgid ws "$1")
	mkmail "$FIX/$3" "$2.eml" --set "From: $1" --set "To: $MS_USER" --set "Message-ID: <$2@t6031.example.org>" \
		--set "In-Reply-To: <$id>" --set "References: <$id>" --crlf
	ms inject "$2.eml"
}

test_expect_success 'it sends the first letters, then idles on the mailbox' '
	wait_for 20 idling_more_than 0
	assert_match "$(head -n 1 run.out)" "^[0-9-]{10} [0-9:]{5} PKT  started    $T/ws: sending and watching the mailbox$"
	assert_eq 4 "$(grep -c "  sent       .* (step 1): 250 " run.out)"
	for c in $C1 $C2 $C3 $C4; do assert_eq "0:sent 1:queued" "$(steps_of ws $c)"; done
'

test_expect_success 'a second run in the same workspace is refused, and so is send' '
	assert_exit 75 o ws run --for 10
	assert_eq "outreach: another outreach is already running in this workspace (pid $(cat run.pid), run); wait for it to finish or stop it first" "$(cat "$T/stderr")"
	assert_eq "" "$(cat "$T/stdout")"
	assert_exit 75 o ws send --yes
	assert_file_contains "$T/stderr" "(pid $(cat run.pid), run)"
	kill -0 "$(cat run.pid)"
'

test_expect_success 'a reply delivered while it idles: recorded within seconds, the next step cancelled' '
	k=$(idles)
	reply_to $C1 offer gmail-terse-offer.eml
	secs=$(wait_for 5 has_line "  offer      $C1: ")
	echo "recorded after $secs s"
	assert_match "$(grep "  offer      $C1" run.out)" "^[0-9-]{10} [0-9:]{5} PKT  offer      $C1: offer: .* \(in-reply-to\)$"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C1)"
	for c in $C2 $C3 $C4; do assert_eq "0:sent 1:queued" "$(steps_of ws $c)"; done
	wait_for 5 idling_more_than $k
'

test_expect_success 'the IMAP server goes away and comes back: backoff, reconnect, nothing missed' '
	stop_netfault
	t0=$EPOCHREALTIME
	secs=$(wait_for 5 has_line "  offline    ")
	echo "offline after $secs s"
	assert_match "$(grep "  offline  " run.out | head -n 1)" "PKT  offline    : IMAP.*(failed|refused|lost|timed out)"
	# a reply arrives while the server is unreachable
	reply_to $C2 decline polite-refusal.eml
	sleep 2
	assert_eq "" "$(replies_of ws $C2)"
	start_netfault imap2 "$MS_IMAPS_PORT" --port $PROXY_PORT
	secs=$(wait_for 15 has_line "  decline    $C2: ")
	total=$(_elapsed $t0)
	echo "recorded $total s after the outage began"
	# the first retry waits the 5 s backoff; the second connection attempt succeeds
	awk -v s=$total "BEGIN { exit !(s >= 4.5 && s < 13) }"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C2)"
	kill -0 "$(cat run.pid)"
	# then SIGTERM: it finishes, says so, exits 0 (the proxy ends with this test body)
	t1=$EPOCHREALTIME
	kill -TERM "$(cat run.pid)"
	wait_for 5 test -s run.rc
	echo "stopped $(_elapsed $t1) s after SIGTERM"
	assert_eq 0 "$(cat run.rc)"
	assert_match "$(tail -n 1 run.out)" "PKT  stopped    $T/ws: on request; the current message was finished and recorded$"
'

test_expect_success 'after the run: every reply once, nothing sent twice, no password in the trace' '
	assert_eq "offer in-reply-to" "$(replies_of ws $C1)"
	assert_eq "decline in-reply-to" "$(replies_of ws $C2)"
	assert_eq 2 "$(sql ws "SELECT count(*) FROM replies")"
	assert_eq "0:sent 1:queued" "$(steps_of ws $C3)"
	ms wait catchall 4 >/dev/null
	sleep 0.3
	for c in $C1 $C2 $C3 $C4; do assert_eq 1 "$(deliveries_to $c)"; done
	assert_file_not_contains run.err "$MS_PASS"
	assert_file_not_contains run.err "$(printf "\0%s\0%s" "$MS_USER" "$MS_PASS" | base64 -w0)"
	# and the lock is free again
	assert_exit 0 o ws run --for 1 --no-poll
'

test_done
