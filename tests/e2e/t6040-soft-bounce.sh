#!/bin/bash
# t6040-soft-bounce: only a final bounce ends a sequence. A "delayed, still retrying" notice
# and a full mailbox are recorded, but the follow-up still goes out when it is due; a hard
# bounce cancels it; a bounce marked by hand counts as final; a soft bounce corrected to
# something else by hand leaves the sequence alone.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

A=slow@regional.example.org B=busy.doc@clinic.example.net C=gone@health.example.org D=maybe@clinic2.example.net
write_csv contacts.csv \
	"$A|Sam|Slow|MD|Internal Medicine|Department of Medicine|Regional Hospital|Boston|MA" \
	"$B|Bea|Busy|MD|Family Medicine|Family Medicine|Clinic Network|Boston|MA" \
	"$C|Gil|Gone|MD|Cardiology|Division of Cardiology|Health System|Boston|MA" \
	"$D|May|Be|MD|Cardiology|Division of Cardiology|Second Clinic|Boston|MA"
make_ws ws contacts.csv --followups 2 || bail "cannot make the workspace"
o ws -q send --yes || bail "not sent"
ms wait catchall 4 20 >/dev/null || bail "not delivered"

mkdir r
d1=$(rfcdate $((T0 + 3600)))
mkmail "$FIX/bounce-delayed-warning.eml" r/a.eml --set "To: $MS_USER" --set "Date: $d1" \
	--replace cm-20261110-0001@example.com "$(msgid ws $A)" --crlf
mkmail "$FIX/bounce-mailbox-full.eml" r/b.eml --set "To: $MS_USER" --set "Date: $d1" \
	--replace cm-20261110-0001@example.com "$(msgid ws $B)" --crlf
mkmail "$FIX/bounce-o365-recipient-not-found.eml" r/c.eml --set "To: $MS_USER" --set "Date: $d1" \
	--replace dr.kim@health.example.org $C --replace cm-20261110-0001@example.com "$(msgid ws $C)" --crlf
mkmail "$FIX/bounce-mailbox-full.eml" r/d.eml --set "To: $MS_USER" --set "Date: $d1" \
	--set "Message-ID: <dsn-d@mx.example.net>" --replace busy.doc@clinic.example.net $D \
	--replace cm-20261110-0001@example.com "$(msgid ws $D)" --crlf
inject_many r/a.eml r/b.eml r/c.eml r/d.eml || bail "cannot inject"
NOW=$((T0 + 7200))
o ws -q poll || bail "poll failed"

test_expect_success 'four bounces recorded: delayed and full are soft, not found is hard' '
	assert_eq "bounce|0|4.4.1" "$(sql ws "SELECT label || '"'|'"' || bounce_hard || '"'|'"' || substr(bounce_status, 1, 5) FROM replies WHERE bounce_recipient = '"'$A'"'")"
	assert_eq "bounce|0|5.2.2" "$(sql ws "SELECT label || '"'|'"' || bounce_hard || '"'|'"' || substr(bounce_status, 1, 5) FROM replies WHERE bounce_recipient = '"'$B'"'")"
	assert_eq "bounce|1|5.1.1" "$(sql ws "SELECT label || '"'|'"' || bounce_hard || '"'|'"' || substr(bounce_status, 1, 5) FROM replies WHERE bounce_recipient = '"'$C'"'")"
	assert_eq "" "$(suppressed_of ws $A)$(suppressed_of ws $B)"
	assert_eq "everywhere:bounce" "$(suppressed_of ws $C)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C)"
'

test_expect_success 'a bounce marked by hand is final; a soft one marked auto_reply leaves the sequence be' '
	assert_exit 0 o ws mark $B bounce --note "her office says the account is closed"
	assert_eq "everywhere:bounce" "$(suppressed_of ws $B)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $B)"
	assert_exit 0 o ws mark $D auto_reply
	assert_eq "0:sent 1:queued" "$(steps_of ws $D)"
	assert_eq active "$(enrollment_of ws $D)"
'

test_expect_success 'when the follow-up is due: the delayed one and the corrected one get it, the others do not' '
	NOW=$(at "2026-12-10 16:00")
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "done: 2 sent, 0 to retry, 0 failed, 0 unknown, 0 cancelled"
	assert_eq "0:sent 1:sent 2:queued" "$(steps_of ws $A)"
	assert_eq "0:sent 1:sent 2:queued" "$(steps_of ws $D)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $B)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C)"
'

test_expect_success 'the delayed message finally fails for good: the second follow-up is cancelled' '
	mkmail "$FIX/bounce-o365-recipient-not-found.eml" r/a2.eml --set "To: $MS_USER" --set "Date: $(rfcdate $(at "2026-12-11 10:00"))" \
		--set "Message-ID: <dsn-a-final@mx.example.net>" \
		--replace dr.kim@health.example.org $A --replace cm-20261110-0001@example.com "$(msgid ws $A)" --crlf
	ms inject r/a2.eml --from ""
	NOW=$(at "2026-12-11 16:00")
	assert_exit 0 o ws poll
	assert_eq "everywhere:bounce" "$(suppressed_of ws $A)"
	assert_eq "0:sent 1:sent 2:cancelled" "$(steps_of ws $A)"
	NOW=$(at "2027-01-10 16:00")
	assert_exit 0 o ws send --yes
	assert_eq "0:sent 1:sent 2:cancelled" "$(steps_of ws $A)"
	assert_eq "0:sent 1:sent 2:sent" "$(steps_of ws $D)"
'

test_done
