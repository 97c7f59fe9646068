#!/bin/bash
# t6010-stop-scope: stop rules. An offer, a decline or "please stop" from one physician
# pauses the others at the same hospital (stop_scope = institution) or in the same
# department (department), not with stop_scope = contact, and not for a mere request for
# information; 'resume --contact' lets one go again; 'pause/resume --campaign' hold and
# release a whole campaign; "please stop" suppresses the address in every campaign.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

I1=a.one@general.example.org I2=b.two@general.example.org I3=c.three@general.example.org
I4=d.four@other.example.org I5=j.five@harbor.example.org I6=k.six@harbor.example.org
I7=l.seven@summit.example.org I8=m.eight@summit.example.org
D1=e.one@unity.example.org D2=f.two@unity.example.org D3=g.three@unity.example.org
S1=h.one@riverside.example.org S2=i.two@riverside.example.org
write_csv inst.csv \
	"$I1|Ada|One|MD|Cardiology|Division of Cardiology|General Hospital|Boston|MA" \
	"$I2|Bo|Two|MD|Cardiology|Division of Cardiology|General Hospital|Boston|MA" \
	"$I3|Cy|Three|MD|Surgery|Department of Surgery|General Hospital|Boston|MA" \
	"$I4|Di|Four|MD|Cardiology|Division of Cardiology|Other Hospital|Boston|MA" \
	"$I5|Jo|Five|MD|Internal Medicine|Department of Medicine|Harbor Hospital|Boston|MA" \
	"$I6|Ky|Six|MD|Internal Medicine|Department of Medicine|Harbor Hospital|Boston|MA" \
	"$I7|Lu|Seven|MD|Internal Medicine|Department of Medicine|Summit Hospital|Boston|MA" \
	"$I8|Mo|Eight|MD|Neurology|Department of Neurology|Summit Hospital|Boston|MA"
write_csv dept.csv \
	"$D1|Ed|One|MD|Internal Medicine|Department of Medicine|Unity Hospital|Boston|MA" \
	"$D2|Fe|Two|MD|Internal Medicine|Department of Medicine|Unity Hospital|Boston|MA" \
	"$D3|Gi|Three|MD|Pediatrics|Department of Pediatrics|Unity Hospital|Boston|MA"
write_csv solo.csv \
	"$S1|Ha|One|MD|Internal Medicine|Department of Medicine|Riverside Hospital|Boston|MA" \
	"$S2|Io|Two|MD|Internal Medicine|Department of Medicine|Riverside Hospital|Boston|MA"
make_ws ws inst.csv --followups 1 campaign.stop_scope=institution || bail "cannot make the workspace"
cat >>ws/outreach.conf <<-'EOF'

	[campaign dept]
	template = templates/letter.txt
	followup = 7 business days: templates/followup-1.txt
	stop_scope = department

	[campaign solo]
	template = templates/letter.txt
	followup = 7 business days: templates/followup-1.txt
	stop_scope = contact
	allow_overlap = yes
	EOF
cp dept.csv solo.csv ws/contacts/
(cd ws && "$OUTREACH" -q import contacts/dept.csv --campaign dept && "$OUTREACH" -q import contacts/solo.csv --campaign solo) ||
	bail "cannot import"
# Lu Seven is written to by two campaigns
printf 'email\n%s\n' "$I7" >ws/contacts/lu.csv
(cd ws && "$OUTREACH" -q import contacts/lu.csv --campaign solo) || bail "cannot enrol Lu Seven twice"
for k in observership dept solo; do
	o ws -q send --yes --campaign $k || bail "campaign $k was not sent"
done
ms wait catchall 14 20 >/dev/null || bail "not delivered"

mkdir r
d1=$(rfcdate $((T0 + 86400)))
rep() { # SRC NAME EMAIL [ARGS]: EMAIL answers its first message of campaign observership/dept/solo
	local src=$1 name=$2 email=$3 id
	shift 3
	id=$(sql ws "SELECT m.message_id FROM messages m JOIN contacts c ON c.id = m.contact_id
		JOIN campaigns k ON k.id = m.campaign_id WHERE c.email = '$email' AND m.step = 0
		ORDER BY k.id LIMIT 1")
	mkmail "$src" "r/$name.eml" --set "From: $email" --set "To: $MS_USER" --set "Date: $d1" \
		--set "In-Reply-To: <$id>" --set "References: <$id>" --set "Message-ID: <$name@t6010.example.org>" "$@" --crlf
}
rep "$FIX/gmail-terse-offer.eml" i1 $I1
rep "$FIX/polite-refusal.eml" d1 $D1
rep "$FIX/apple-bottompost-offer.eml" s1 $S1
rep "$FIX/info-dates-ecfmg.eml" i5 $I5
rep "$FIX/stop-emailing.eml" i7 $I7
inject_many r/*.eml || bail "cannot inject"
NOW=$((T0 + 86400))
o ws -q poll || bail "poll failed"

reason_of() { # EMAIL CAMPAIGN: the enrolment's reason
	sql ws "SELECT e.reason FROM enrollments e JOIN contacts c ON c.id = e.contact_id JOIN campaigns k ON k.id = e.campaign_id
		WHERE c.email = '$1' AND k.name = '$2'"
}
state_in() { # EMAIL CAMPAIGN
	sql ws "SELECT e.state FROM enrollments e JOIN contacts c ON c.id = e.contact_id JOIN campaigns k ON k.id = e.campaign_id
		WHERE c.email = '$1' AND k.name = '$2'"
}

test_expect_success 'the verdicts' '
	assert_eq "offer in-reply-to" "$(replies_of ws $I1)"
	assert_eq "decline in-reply-to" "$(replies_of ws $D1)"
	assert_eq "offer in-reply-to" "$(replies_of ws $S1)"
	assert_eq "info_request in-reply-to" "$(replies_of ws $I5)"
	assert_eq "decline in-reply-to" "$(replies_of ws $I7)"
	assert_eq 1 "$(reply_field ws $I7 unsubscribe)"
'

test_expect_success 'institution: an offer pauses everyone at that hospital, any department' '
	assert_eq done "$(state_in $I1 observership)"
	assert_eq paused "$(state_in $I2 observership)"
	assert_eq paused "$(state_in $I3 observership)"
	assert_eq "stop rule: offer from $I1 at General Hospital" "$(reason_of $I2 observership)"
	assert_eq active "$(state_in $I4 observership)"
	# paused, not cancelled: the follow-up waits
	assert_eq "0:sent 1:queued" "$(steps_of ws $I2)"
'

test_expect_success 'department: a decline pauses that department only' '
	assert_eq done "$(state_in $D1 dept)"
	assert_eq paused "$(state_in $D2 dept)"
	assert_eq "stop rule: decline from $D1 at Unity Hospital, Department of Medicine" "$(reason_of $D2 dept)"
	assert_eq active "$(state_in $D3 dept)"
'

test_expect_success 'contact: an offer pauses nobody else' '
	assert_eq done "$(state_in $S1 solo)"
	assert_eq active "$(state_in $S2 solo)"
'

test_expect_success 'a request for information is no stop' '
	assert_eq done "$(state_in $I5 observership)"
	assert_eq active "$(state_in $I6 observership)"
'

test_expect_success '"please stop": suppressed in every campaign, both sequences cancelled, colleagues paused' '
	assert_eq "everywhere:reply campaign:reply" "$(suppressed_of ws $I7)"
	assert_eq "0:sent 0:sent 1:cancelled 1:cancelled" "$(steps_of ws $I7)"
	assert_eq paused "$(state_in $I8 observership)"
	assert_eq "stop rule: a request to stop from $I7 at Summit Hospital" "$(reason_of $I8 observership)"
	assert_exit 0 o ws suppress list
	assert_match "$(cat "$T/stdout")" "^$I7 +everywhere +reply .* asked not to be contacted$"
'

test_expect_success 'schedule shows who is paused and why' '
	assert_exit 0 o ws schedule --campaign observership
	out=$(cat "$T/stdout")
	assert_match "$out" "^$I2 +2 +\(paused\) +stop rule: offer from $I1 at General Hospital  \[zone: state .MA.\]$"
	assert_match "$out" "^$I3 +2 +\(paused\) +stop rule: offer from $I1 at General Hospital"
	assert_match "$out" "^$I8 +2 +\(paused\) +stop rule: a request to stop from $I7 at Summit Hospital"
	assert_match "$out" "^$I4 +2 +2026-12-10 20:00 PKT +2026-12-10 10:00 EST +follow-up 1"
	# nobody who answered: no line starts with their address
	assert_eq "" "$(grep -E "^($I1|$I5|$I7) " "$T/stdout")"
	assert_file_contains "$T/stderr" "5 upcoming messages (some paused; '"'"'outreach resume'"'"' lets them go)"
'

test_expect_success 'resume --contact lets one colleague go; the others stay paused' '
	assert_exit 0 o ws resume --contact $I2
	assert_eq "$I2: resumed in campaign observership" "$(cat "$T/stderr")"
	assert_eq active "$(state_in $I2 observership)"
	assert_eq paused "$(state_in $I3 observership)"
	# again: nothing paused is left for her
	assert_exit 0 o ws resume --contact $I2
	assert_eq "$I2: not paused in any campaign; nothing changed" "$(cat "$T/stderr")"
	assert_exit 65 o ws resume --contact nobody@nowhere.example.org
	assert_eq "outreach: no contact '"'"'nobody@nowhere.example.org'"'"'" "$(cat "$T/stderr")"
	assert_exit 65 o ws resume --campaign dept --contact nobody@nowhere.example.org
	assert_eq 1 "$(sql ws "SELECT count(*) FROM events WHERE kind = '"'resume'"'")"
'

test_expect_success 'pause --campaign holds a whole campaign; resume --campaign releases it, not the paused contacts' '
	assert_exit 0 o ws pause --campaign dept
	assert_eq "campaign dept: paused: nothing will be sent until '"'"'outreach resume'"'"'" "$(cat "$T/stderr")"
	NOW=$(at "2026-12-10 16:00")
	assert_exit 0 o ws send --yes --campaign dept
	assert_file_contains "$T/stderr" "nothing is due"
	assert_exit 0 o ws schedule --campaign dept
	assert_match "$(cat "$T/stdout")" "^$D3 +2 +\(paused\) +campaign paused"
	assert_exit 0 o ws resume --campaign dept
	assert_eq paused "$(state_in $D2 dept)"
'

test_expect_success 'seven business days later: follow-ups only to the active' '
	NOW=$(at "2026-12-10 16:00")
	before=$(sql ws "SELECT coalesce(max(id), 0) FROM events")
	for k in observership dept solo; do assert_exit 0 o ws send --yes --campaign $k; done
	assert_eq "$(printf "%s\n" $D3 $I2 $I4 $I6 $S2 | sort)" "$(sql ws "SELECT c.email FROM events e JOIN messages m ON m.id = e.message_row
		JOIN contacts c ON c.id = m.contact_id WHERE e.kind = '"'send.sent'"' AND e.id > $before AND m.step = 1 ORDER BY c.email")"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM events WHERE kind = '"'send.sent'"' AND id > $before AND message_row IN
		(SELECT id FROM messages WHERE step = 0)")"
'

test_expect_success 'resume --campaign dept --contact: the paused colleague gets the follow-up at the next send' '
	assert_exit 0 o ws resume --campaign dept --contact $D2
	NOW=$(at "2026-12-10 17:00")
	assert_exit 0 o ws send --yes --campaign dept
	assert_eq "0:sent 1:sent" "$(steps_of ws $D2)"
	ms wait catchall 20 20 >/dev/null
	sleep 0.3
	for c in $I1 $I3 $I5 $I8 $D1 $S1; do assert_eq 1 "$(deliveries_to $c)" "$c"; done
	assert_eq 2 "$(deliveries_to $I7)" "two first letters, no follow-up"
	for c in $I2 $I4 $I6 $D2 $D3 $S2; do assert_eq 2 "$(deliveries_to $c)" "$c"; done
'

test_expect_success 'pause --contact holds one person in every campaign she is active in' '
	assert_exit 0 o ws pause --contact $I4
	assert_eq "$I4: paused in campaign observership" "$(cat "$T/stderr")"
	assert_eq "paused by hand" "$(reason_of $I4 observership)"
	assert_exit 0 o ws pause --contact $I4
	assert_eq "$I4: not active in any campaign; nothing changed" "$(cat "$T/stderr")"
'

test_expect_success 'a new campaign that may write to anyone still skips the one who asked to stop' '
	cat >>ws/outreach.conf <<-EOF

	[campaign later]
	template = templates/letter.txt
	allow_overlap = yes
	EOF
	(cd ws && "$OUTREACH" -q import contacts/lu.csv --campaign later)
	assert_exit 0 o ws send --yes --campaign later
	assert_file_contains "$T/stderr" "$I7"
	assert_file_contains "$T/stderr" "asked not to be contacted"
	assert_eq "" "$(sql ws "SELECT m.state FROM messages m JOIN campaigns k ON k.id = m.campaign_id WHERE k.name = '"'later'"'")"
'

test_done
