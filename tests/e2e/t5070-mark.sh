#!/bin/bash
# t5070-mark: 'outreach mark EMAIL LABEL' — a person's reading wins over the automatic one:
# correcting a wrong bounce or decline lifts the suppression it caused, marking auto_reply
# re-activates the sequence (the follow-up really goes out), an answer by phone is recorded
# with its effects (colleagues paused), and a later poll or rescan never overrides it.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3 doveadm
start_stack

A=rkapoor@mercyvalley.example.org B=druiz@valley.example.edu C=m.chen@pinecrest.example.edu
D=swhitfield@bostongeneral.example.org E=jdoe@bostongeneral.example.org F=tnakamura@goldengate.example.org
G=ebrooks@peachtree.example.org H=quiet@meadow.example.org
write_csv contacts.csv \
	"$A|Rajesh|Kapoor|MD|Nephrology|Department of Medicine|Mercy Valley Hospital|Phoenix|AZ" \
	"$B|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"$C|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"$D|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$E|John|Doe|MD|Cardiology|Division of Cardiology|Boston General Hospital|Boston|MA" \
	"$F|Takeshi|Nakamura|MD|Gastroenterology|Division of Gastroenterology|Golden Gate Medical Center|San Francisco|CA" \
	"$G|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA" \
	"$H|Quinn|Quiet|MD|Internal Medicine|Department of Medicine|Meadow Hospital|Denver|CO"
make_ws ws contacts.csv --followups 1 "folders=INBOX" || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ms wait catchall 8 20 >/dev/null || bail "the campaign was not delivered"

mkdir r
d1=$(rfcdate $((T0 + 86400)))
reply() { # SRC NAME EMAIL ARGS...
	local src=$1 name=$2 email=$3 id
	shift 3
	id=$(msgid ws "$email")
	mkmail "$src" "r/$name.eml" --set "From: $email" --set "To: $MS_USER" --set "Date: $d1" \
		--set "In-Reply-To: <$id>" --set "References: <$id>" "$@" --crlf
}
# A: a wrong address by the bounce's account, but the physician is there (a misconfigured
# relay bounced it): the user knows better
mkmail "$FIX/bounce-o365-recipient-not-found.eml" r/a.eml --set "To: $MS_USER" --set "Date: $d1" \
	--replace dr.kim@health.example.org $A --replace cm-20261110-0001@example.com "$(msgid ws $A)" --crlf
reply "$FIX/polite-refusal.eml" b $B --set "Message-ID: <mark-b@valley.example.edu>"
reply "$FIX/decline-fully-booked.eml" c $C --set "Message-ID: <mark-c@pinecrest.example.edu>"
reply "$FIX/please-remove-me.eml" f $F --set "Message-ID: <mark-f@goldengate.example.org>"
reply "$FIX/ooo-outlook-headers.eml" g $G --set "Message-ID: <mark-g@peachtree.example.org>" \
	--body "I am out of the office until Monday, December 14, 2026."
inject_many r/a.eml r/b.eml r/c.eml r/f.eml r/g.eml || bail "cannot inject"
NOW=$((T0 + 2 * 86400))
o ws -q poll || bail "the first poll failed"

test_expect_success 'the automatic verdicts, before anyone corrects them' '
	assert_eq "bounce bounce-message-id" "$(replies_of ws $A)"
	assert_eq "everywhere:bounce" "$(suppressed_of ws $A)"
	assert_eq "decline in-reply-to" "$(replies_of ws $B)"
	assert_eq "campaign:reply" "$(suppressed_of ws $B)"
	assert_eq "decline in-reply-to" "$(replies_of ws $C)"
	assert_eq "decline in-reply-to" "$(replies_of ws $F)"
	assert_eq "everywhere:reply campaign:reply" "$(suppressed_of ws $F)"
	assert_eq "auto_reply in-reply-to" "$(replies_of ws $G)"
	for c in $A $B $C $F; do assert_eq "0:sent 1:cancelled" "$(steps_of ws $c)"; done
	assert_eq "0:sent 1:queued" "$(steps_of ws $G)"
'

test_expect_success 'a wrong bounce marked auto_reply: suppression lifted, sequence re-activated' '
	assert_exit 0 o ws mark $A auto_reply --note "he confirmed the address by phone"
	assert_eq "$A: auto_reply — he confirmed the address by phone; 0 pending messages cancelled" "$(cat "$T/stderr")"
	assert_eq "auto_reply bounce-message-id" "$(replies_of ws $A)"
	assert_eq bounce "$(reply_field ws $A label)"
	assert_eq "he confirmed the address by phone" "$(reply_field ws $A override_note)"
	assert_eq "" "$(suppressed_of ws $A)"
	assert_eq "0:sent 1:queued" "$(steps_of ws $A)"
	assert_eq active "$(enrollment_of ws $A)"
'

test_expect_success 'a wrong decline marked info_request: the campaign suppression is lifted, the sequence stays stopped' '
	assert_exit 0 o ws mark $B info_request
	assert_eq "info_request in-reply-to" "$(replies_of ws $B)"
	assert_eq "" "$(suppressed_of ws $B)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $B)"
	assert_eq done "$(enrollment_of ws $B)"
'

test_expect_success 'a wrong decline marked auto_reply: suppression lifted, follow-up queued again' '
	assert_exit 0 o ws mark $C auto_reply
	assert_eq "" "$(suppressed_of ws $C)"
	assert_eq "0:sent 1:queued" "$(steps_of ws $C)"
	assert_eq active "$(enrollment_of ws $C)"
'

test_expect_success 'an out-of-office note that was really a refusal: marked decline, stopped and suppressed' '
	assert_exit 0 o ws mark $G decline
	assert_eq "$G: decline; 1 pending message cancelled" "$(cat "$T/stderr")"
	assert_eq "campaign:reply" "$(suppressed_of ws $G)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $G)"
	assert_eq done "$(enrollment_of ws $G)"
'

test_expect_success 'an answer by phone: recorded by hand, its effects applied, colleagues paused' '
	assert_exit 0 o ws mark $D offer --note "phoned: April, two weeks"
	assert_eq "$D: offer — phoned: April, two weeks; 1 pending message cancelled, colleagues at the same hospital paused" "$(cat "$T/stderr")"
	assert_eq "offer manual" "$(replies_of ws $D)"
	assert_eq manual "$(reply_field ws $D source)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $D)"
	assert_eq paused "$(enrollment_of ws $E)"
	assert_eq "0:sent 1:queued" "$(steps_of ws $E)"
	assert_exit 0 o ws replies --label offer
	assert_match "$(cat "$T/stdout")" "^[0-9-]{10}  $D +offer\\*$"
	assert_file_contains "$T/stdout" "note: phoned: April, two weeks"
'

test_expect_success 'bad input: unknown label, unknown contact, a note of two lines' '
	assert_exit 64 o ws mark $H maybe
	assert_file_contains "$T/stderr" "'"'"'maybe'"'"' is not a label; use offer, decline, info_request, auto_reply, bounce or other"
	assert_exit 65 o ws mark nobody@nowhere.example.org offer
	assert_eq "outreach: no contact '"'"'nobody@nowhere.example.org'"'"'" "$(cat "$T/stderr")"
	assert_exit 64 o ws mark $H offer --note "$(printf "two\nlines")"
	assert_exit 64 o ws mark $H
	assert_eq "" "$(replies_of ws $H)"
'

test_expect_success 'a rescan of the mailbox does not undo any decision' '
	doveadm -c "$MS_ROOT/dovecot/dovecot.conf" mailbox update -u "$MS_USER" --uid-validity 4242 INBOX
	assert_exit 0 o ws poll
	assert_file_contains "$T/stderr" "0 recorded"
	assert_eq "auto_reply bounce-message-id" "$(replies_of ws $A)"
	assert_eq "info_request in-reply-to" "$(replies_of ws $B)"
	assert_eq "auto_reply in-reply-to" "$(replies_of ws $C)"
	assert_eq "decline in-reply-to" "$(replies_of ws $G)"
	assert_eq "" "$(suppressed_of ws $A)$(suppressed_of ws $B)$(suppressed_of ws $C)"
'

test_expect_success 'the next send: the follow-up goes to the re-activated and the silent, nobody else' '
	NOW=$((T0 + 12 * 86400))
	assert_exit 0 o ws send --yes
	ms wait catchall 11 20 >/dev/null
	sleep 0.3
	for c in $A $C $H; do
		assert_eq "0:sent 1:sent" "$(steps_of ws $c)" "steps of $c"
		assert_eq 2 "$(deliveries_to $c)" "deliveries to $c"
	done
	for c in $B $D $E $F $G; do
		assert_eq 1 "$(deliveries_to $c)" "deliveries to $c"
	done
'

test_done
