#!/bin/bash
# t5020-poll-dropped: the IMAP connection breaks in the middle of a poll — cut while the
# header batch arrives, cut half-way through the bodies, gone silent until the timeout,
# the server's imap process killed — and nothing is lost or recorded twice: what was
# recorded is exactly what the checkpoint covers, and the next poll finishes the job.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

write_csv contacts.csv \
	"swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"druiz@valley.example.edu|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"m.chen@pinecrest.example.edu|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"ebrooks@peachtree.example.org|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA"
make_ws ws contacts.csv || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ms wait catchall 4 20 >/dev/null || bail "the campaign was not delivered"
# every scenario starts from this state: sent, nothing polled
cp -a ws fresh

# 40 answers (10 per physician, ~9 KB each, so that the bodies dominate the transfer) and
# every fifth message one that is about nobody: UIDs 1..50, the unrelated ones 5, 10, ... 50
mkdir r
emails=(swhitfield@bostongeneral.example.org druiz@valley.example.edu m.chen@pinecrest.example.edu ebrooks@peachtree.example.org)
pad=$("$PY" -c 'print("\n".join("Line %03d of the notes on our observership program and its schedule." % i for i in range(130)))')
files=()
for i in $(seq 50); do
	if [ $((i % 5)) = 0 ]; then
		mkmail - "r/$i.eml" --set "From: News <news@unrelated.example.com>" --set "To: $MS_USER" \
			--set "Subject: Newsletter $i" --set "Date: $(rfcdate $((T0 + 3600 + i)))" \
			--set "Message-ID: <news-$i@unrelated.example.com>" --body "Newsletter $i" --crlf
	else
		e=${emails[$((i % 4))]}
		id=$(msgid ws "$e")
		mkmail - "r/$i.eml" --set "From: $e" --set "To: $MS_USER" --set "Subject: Re: observership ($i)" \
			--set "Date: $(rfcdate $((T0 + 3600 + i)))" --set "Message-ID: <answer-$i@t5020.example.org>" \
			--set "In-Reply-To: <$id>" --set "References: <$id>" \
			--body "Thank you for your interest; please send me your CV and the dates ($i).

$pad" --crlf
	fi
	files+=("r/$i.eml")
done
inject_many "${files[@]}" || bail "cannot inject the answers"
NOW=$((T0 + 86400))

# check_consistent WS: every relevant message up to the checkpoint is recorded, and none
# past it; no reply twice. Prints the number recorded.
check_consistent() {
	local last n want
	last=$(sql "$1" "SELECT coalesce(max(last_uid), 0) FROM checkpoints WHERE folder = 'INBOX'")
	n=$(sql "$1" "SELECT count(*) FROM replies")
	want=$((last - last / 5))
	assert_eq "$want" "$n" "replies recorded with the checkpoint at UID $last" >&2 || return 1
	assert_eq 0 "$(sql "$1" "SELECT count(*) FROM replies WHERE uid > $last")" "replies past the checkpoint" >&2 || return 1
	assert_eq "$n" "$(sql "$1" "SELECT count(DISTINCT uid) FROM replies")" "distinct UIDs" >&2 || return 1
	assert_eq "$n" "$(sql "$1" "SELECT count(*) FROM events WHERE kind = 'reply'")" "reply events" >&2 || return 1
	echo "$n"
}

# finish WS: a poll over a sound connection records the rest.
finish() {
	set_conf "$1" imap_url "imaps://127.0.0.1:$MS_IMAPS_PORT"
	assert_exit 0 o "$1" poll || return 1
	assert_eq 40 "$(sql "$1" "SELECT count(*) FROM replies")" "replies after the second poll" || return 1
	assert_eq 40 "$(sql "$1" "SELECT count(DISTINCT fingerprint) FROM replies")" || return 1
	assert_eq 40 "$(sql "$1" "SELECT count(*) FROM events WHERE kind = 'reply'")" || return 1
	assert_eq "50 10" "$(sql "$1" "SELECT last_uid || ' ' || unmatched FROM checkpoints WHERE folder = 'INBOX'")" || return 1
	# 1..50 each once: the recorded UIDs are exactly the relevant ones
	assert_eq "$(seq 50 | awk '$1 % 5')" "$(sql "$1" "SELECT uid FROM replies ORDER BY uid")" || return 1
}

test_expect_success 'measure: a whole poll through the proxy (no fault)' '
	cp -a fresh ws0
	start_netfault m "$MS_IMAPS_PORT"
	set_conf ws0 imap_url "imaps://127.0.0.1:$NF_PORT"
	assert_exit 0 o ws0 poll
	assert_file_contains "$T/stderr" "poll: 50 new messages in 1 folder: 40 recorded"
	stop_netfault
	sleep 0.1
	down=$(sed -n "s/^conn 1 down=\([0-9]*\) .*/\1/p" "$NF_DIR/log")
	echo "a whole poll: $down bytes from the server"
	test "$down" -gt 350000
	echo "$down" >"$T/whole"
'
WHOLE=$(cat "$T/whole" 2>/dev/null || echo 400000)

test_expect_success 'cut while the header batch arrives: nothing recorded, the next poll does it all' '
	cp -a fresh wsa
	start_netfault a "$MS_IMAPS_PORT" --cut 12000
	set_conf wsa imap_url "imaps://127.0.0.1:$NF_PORT"
	assert_exit 75 o wsa poll
	assert_file_contains "$T/stderr" "outreach: IMAP UID FETCH: the connection failed or timed out"
	assert_eq "0" "$(check_consistent wsa)"
	finish wsa
'

test_expect_success 'cut half-way through the bodies: what was recorded is kept, the rest follows' '
	cp -a fresh wsb
	start_netfault b "$MS_IMAPS_PORT" --cut $((WHOLE / 2))
	set_conf wsb imap_url "imaps://127.0.0.1:$NF_PORT"
	assert_exit 75 o wsb poll
	assert_file_contains "$T/stderr" "the connection failed or timed out"
	n=$(check_consistent wsb)
	echo "recorded before the cut: $n"
	test "$n" -gt 5
	test "$n" -lt 35
	finish wsb
'

test_expect_success 'a silent network: the timeout ends the poll, nothing is half-recorded' '
	cp -a fresh wsc
	start_netfault c "$MS_IMAPS_PORT" --stall $((WHOLE / 3))
	set_conf wsc imap_url "imaps://127.0.0.1:$NF_PORT"
	set_conf wsc timeout 2
	t0=$EPOCHREALTIME
	assert_exit 75 o wsc -vv poll
	secs=$(_elapsed $t0)
	echo "gave up after $secs s"
	awk -v s=$secs "BEGIN { exit !(s >= 1.9 && s < 10) }"
	assert_file_contains "$T/stderr" "the connection failed or timed out"
	# one timeout, not a second one for a LOGOUT on the dead connection
	assert_file_not_contains "$T/stderr" "LOGOUT"
	n=$(check_consistent wsc)
	test "$n" -gt 1
	set_conf wsc timeout 10
	finish wsc
'

test_expect_success 'the server'"'"'s imap process killed mid-fetch: the poll fails at once, the next one finishes' '
	cp -a fresh wsd
	start_netfault d "$MS_IMAPS_PORT" --stall $((WHOLE * 2 / 3))
	set_conf wsd imap_url "imaps://127.0.0.1:$NF_PORT"
	o wsd poll >d.out 2>d.err &
	pid=$!
	for i in $(seq 200); do [ -e "$NF_DIR/stalled" ] && break; sleep 0.05; done
	test -e "$NF_DIR/stalled"
	# the imap process serving the session (not imap-login): the only one, amina is the
	# stack'"'"'s only IMAP client now
	ms pids >pids
	imap=$(awk "\$2 ~ /\\/imap\$/ { print \$1 }" pids)
	assert_eq 1 "$(echo "$imap" | wc -w)" "imap processes: $(cat pids)"
	test -n "$imap"
	t0=$EPOCHREALTIME
	kill -9 $imap
	rc=0
	wait $pid || rc=$?
	secs=$(_elapsed $t0)
	echo "ended $secs s after the kill"
	assert_eq 75 $rc
	awk -v s=$secs "BEGIN { exit !(s < 5) }"
	assert_file_contains d.err "the connection failed or timed out"
	n=$(check_consistent wsd)
	test "$n" -gt 5
	finish wsd
'

test_done
