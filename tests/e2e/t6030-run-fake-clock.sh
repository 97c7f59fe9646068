#!/bin/bash
# t6030-run-fake-clock: 'outreach run --for N' on the fake clock drains a campaign over
# simulated weeks: the first letters when each recipient's window opens, the answers read
# as they come (an offer, an out-of-office note, a real bounce), the follow-ups on business
# days in each recipient's morning, and one log line per event.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

C1=c01@bostongeneral.example.org C2=c02@hudson.example.org C3=c03@bounce.example
C4=c04@pacific.example.org C5=c05@lakeshore.example.edu C6=c06@aloha.example.org
write_csv contacts.csv \
	"$C1|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$C2|Dan|Diaz|MD|Pulmonology|Pulmonary and Critical Care|Hudson Valley Hospital|Albany|NY" \
	"$C3|Eve|Evans|MD|Internal Medicine|Department of Medicine|Harbor Point Hospital|Portland|OR" \
	"$C4|Ben|Baker|MD|Cardiology|Division of Cardiology|Pacific Medical Center|San Diego|CA" \
	"$C5|Cora|Chen|MD|Nephrology|Department of Medicine|Lakeshore University Hospital|Chicago|IL" \
	"$C6|Hana|Hale|MD|Infectious Diseases|Division of Infectious Diseases|Aloha Medical Center|Honolulu|HI"
make_ws ws contacts.csv --followups 2 "window=Mon-Fri 08:30-16:30" || bail "cannot make the workspace"

sent_list() {
	sql ws "SELECT c.email || ' ' || (m.step + 1) || ' ' || strftime('%Y-%m-%d %H:%M', m.sent_at, 'unixepoch')
		FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.state = 'sent' ORDER BY m.sent_at, c.email, m.step"
}

test_expect_success 'Monday 2026-12-14, two simulated days: every first letter, each at 08:30 its time' '
	NOW=$(at "2026-12-14 13:00")
	assert_exit 0 o ws run --for $((2 * 86400))
	assert_eq "$C1 1 2026-12-14 13:30
$C2 1 2026-12-14 13:30
$C5 1 2026-12-14 14:30
$C3 1 2026-12-14 16:30
$C4 1 2026-12-14 16:30
$C6 1 2026-12-14 18:30" "$(sent_list)"
	out=$(cat "$T/stdout")
	assert_match "$(head -n 1 "$T/stdout")" "^2026-12-14 18:00 PKT  started    $T/ws: sending and watching the mailbox$"
	assert_match "$out" "^2026-12-14 18:30 PKT  sent       $C1 \(step 1\): 250 2\.0\.0 Ok: queued as [0-9A-F]+$"
	assert_match "$(tail -n 1 "$T/stdout")" "^2026-12-16 18:00 PKT  stopped    $T/ws: time is up$"
	assert_eq 8 "$(grep -vc "  bounce  " "$T/stdout")" "started, 6 sends, stopped (and the bounce if it came back in time)"
	cp "$T/stdout" run1.out
'

test_expect_success 'answers arrive; then six simulated weeks: follow-ups to the silent ones only' '
	mkdir r
	d=$(rfcdate $(at "2026-12-15 14:00"))
	for x in "$C1 offer gmail-terse-offer.eml" "$C2 ooo ooo-outlook-headers.eml"; do
		set -- $x
		id=$(msgid ws $1)
		mkmail "$FIX/$3" r/$2.eml --set "From: $1" --set "To: $MS_USER" --set "Date: $d" --set "Message-ID: <$2@t6030.example.org>" \
			--set "In-Reply-To: <$id>" --set "References: <$id>" --crlf
	done
	mkmail r/ooo.eml r/ooo.eml --body "I am out of the office until Tuesday, January 5, 2027." --crlf
	inject_many r/offer.eml r/ooo.eml
	ms wait amina 3 20
	NOW=$(at "2026-12-16 13:00")
	t0=$EPOCHREALTIME
	assert_exit 0 o ws run --for $((45 * 86400))
	secs=$(_elapsed $t0)
	echo "45 simulated days in $secs s"
	awk -v s=$secs "BEGIN { exit !(s < 20) }"
	out=$(cat "$T/stdout")
	assert_match "$out" "^2026-12-16 18:00 PKT  offer      $C1: offer: .*\(in-reply-to\)$"
	assert_match "$out" "^2026-12-16 18:00 PKT  auto_reply $C2: auto_reply: .*\(in-reply-to\); back on 2027-01-05$"
	assert_eq "$C1 1 2026-12-14 13:30
$C2 1 2026-12-14 13:30
$C5 1 2026-12-14 14:30
$C3 1 2026-12-14 16:30
$C4 1 2026-12-14 16:30
$C6 1 2026-12-14 18:30
$C5 2 2026-12-23 14:30
$C4 2 2026-12-23 16:30
$C6 2 2026-12-23 18:30
$C2 2 2027-01-06 13:30
$C5 3 2027-01-14 14:30
$C4 3 2027-01-14 16:30
$C6 3 2027-01-14 18:30
$C2 3 2027-01-27 13:30" "$(sent_list)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C1)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C3)"
	assert_match "$(tail -n 1 "$T/stdout")" "^2027-01-30 18:00 PKT  stopped    $T/ws: time is up$"
	assert_eq 12 "$(grep -vc "  bounce  " "$T/stdout")" "started, 2 replies, 8 sends, stopped"
	# the real bounce from Postfix: read by one run or the other, once
	assert_eq 1 "$(cat run1.out "$T/stdout" | grep -c "PKT  bounce     $C3: bounce: dsn status 5\.1\.1 .*(bounce-message-id)$")"
	assert_eq "bounce bounce-message-id" "$(replies_of ws $C3)"
'

test_expect_success 'the mailboxes agree, and nothing is left to do' '
	ms wait catchall 13 20 >/dev/null
	sleep 0.3
	assert_eq "1 3 0 3 3 3" "$(for c in $C1 $C2 $C3 $C4 $C5 $C6; do deliveries_to $c; done | paste -sd" ")"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM messages WHERE state IN ('"'queued'"', '"'sending'"', '"'failed_temp'"', '"'unknown'"')")"
'

test_done
