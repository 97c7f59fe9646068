#!/bin/bash
# t5040-poll-watch: 'outreach poll --watch' (real clock) waits with IDLE, records a reply
# injected while it idles within seconds, re-issues IDLE after poll_interval, reconnects
# after the server drops the session, and stops cleanly (exit 0, LOGOUT) on SIGTERM and
# SIGINT. Dovecot's keepalive ("* OK Still here") comes every 3 s here, as it does every
# 2 min at a moment of the server's choosing in real life: it must not end an IDLE.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack --idle-notify 3

write_csv contacts.csv \
	"swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"druiz@valley.example.edu|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"m.chen@pinecrest.example.edu|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"ebrooks@peachtree.example.org|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA"
make_ws ws contacts.csv poll_interval=10 || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ms wait catchall 4 20 >/dev/null || bail "the campaign was not delivered"

mkdir r
n=0
for e in swhitfield@bostongeneral.example.org druiz@valley.example.edu m.chen@pinecrest.example.edu ebrooks@peachtree.example.org; do
	n=$((n + 1))
	id=$(msgid ws "$e")
	mkmail "$FIX/gmail-terse-offer.eml" r/$n.eml --set "From: $e" --set "To: $MS_USER" \
		--set "Message-ID: <watch-$n@t5040.example.org>" --set "In-Reply-To: <$id>" --set "References: <$id>" --crlf
done

# poll --watch on the real clock in the background: its pid in watch.pid, its exit status
# in watch.rc when it ends
start_bg watch env OUTREACH_NOW= OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C ws -vv poll --watch

idles() { grep -c "^imap > [0-9]* IDLE" watch.err; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS; prints the time taken
wait_for() {
	local limit=$1 t0=$EPOCHREALTIME
	shift
	while ! "$@"; do
		awk -v a=$t0 -v b=$EPOCHREALTIME -v l=$limit 'BEGIN { exit !(b - a > l) }' && return 1
		sleep 0.05
	done
	_elapsed $t0
}
recorded() { [ "$(sql ws "SELECT count(*) FROM replies")" -ge "$1" ]; }
idling_more_than() { [ "$(idles)" -gt "$1" ]; }

test_expect_success 'it polls once, then idles' '
	wait_for 10 grep -q "^imap > [0-9]* IDLE" watch.err
	assert_file_contains watch.err "+ idling"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM replies")"
'

test_expect_success 'a reply delivered while it idles is recorded within seconds' '
	k=$(idles)
	ms inject r/1.eml
	secs=$(wait_for 5 recorded 1)
	echo "recorded after $secs s"
	assert_eq "offer in-reply-to" "$(replies_of ws swhitfield@bostongeneral.example.org)"
	# and it went back to idling
	wait_for 5 idling_more_than $k
'

test_expect_success 'and the next one too' '
	k=$(idles)
	ms inject r/2.eml
	secs=$(wait_for 5 recorded 2)
	echo "recorded after $secs s"
	assert_eq "offer in-reply-to" "$(replies_of ws druiz@valley.example.edu)"
	wait_for 5 idling_more_than $k
'

test_expect_success 'with nothing new, IDLE is ended and issued again after poll_interval (10 s)' '
	# first wait for an IDLE to begin, so the interval is measured from its start and not
	# from whenever this test happened to start (a loaded machine shifts that)
	k=$(idles)
	wait_for 14 idling_more_than $k >/dev/null
	k=$(idles)
	secs=$(wait_for 14 idling_more_than $k)
	echo "IDLE again after $secs s"
	awk -v s=$secs "BEGIN { exit !(s >= 8 && s <= 12) }"
	# the server said "still here" while it idled, and that did not end the IDLE
	[ "$(grep -c "^imap < \* OK Still here" watch.err)" -ge 2 ]
	# between the last two IDLEs: the poll'"'"'s one EXAMINE, none again before IDLE
	assert_eq 1 "$(awk "/^imap > [0-9]* IDLE/ { last = n; n = 0 } /^imap > [0-9]* EXAMINE/ { n++ } END { print last }" watch.err)"
	assert_file_contains watch.err "imap > DONE"
	assert_eq 2 "$(sql ws "SELECT count(*) FROM replies")"
'

test_expect_success 'the server drops the session: it reconnects with backoff and goes on' '
	imap=$(ms pids | awk "\$2 ~ /\\/imap\$/ { print \$1 }")
	assert_eq 1 "$(echo "$imap" | wc -w)"
	kill -9 $imap
	wait_for 5 grep -q "reconnecting in 5 s" watch.err
	k=$(idles)
	assert_file_contains watch.err "outreach: warning: IMAP"
	ms inject r/3.eml
	secs=$(wait_for 10 recorded 3)
	echo "recorded $secs s after the drop"
	assert_eq "offer in-reply-to" "$(replies_of ws m.chen@pinecrest.example.edu)"
	wait_for 5 idling_more_than $k
	kill -0 "$(cat watch.pid)"
'

test_expect_success 'SIGTERM while idling: it logs out and exits 0 at once' '
	mark=$(log_mark)
	t0=$EPOCHREALTIME
	kill -TERM "$(cat watch.pid)"
	wait_for 3 test -s watch.rc
	secs=$(_elapsed $t0)
	echo "stopped $secs s after SIGTERM"
	awk -v s=$secs "BEGIN { exit !(s < 2) }"
	assert_eq 0 "$(cat watch.rc)"
	assert_file_contains watch.err "LOGOUT"
	sleep 0.3
	assert_contains "$(dovecot_log_since $mark)" "Disconnected: Logged out"
	assert_eq 3 "$(sql ws "SELECT count(*) FROM replies")"
'

test_expect_success 'SIGINT (Ctrl-C) in the foreground: exit status 0, nothing half-done' '
	OUTREACH_NOW= OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C ws poll --watch >int.out 2>int.err </dev/null &
	pid=$!
	track_pid $pid
	ms inject r/4.eml
	wait_for 10 recorded 4
	sleep 0.5
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	assert_eq 0 $rc
	assert_eq "offer in-reply-to" "$(replies_of ws ebrooks@peachtree.example.org)"
	assert_file_contains int.err "poll: 1 new message in 1 folder: 1 recorded"
	assert_eq 4 "$(sql ws "SELECT count(*) FROM replies")"
	assert_eq "4 4" "$(sql ws "SELECT count(*) || '"' '"' || count(DISTINCT fingerprint) FROM replies")"
'

test_done
