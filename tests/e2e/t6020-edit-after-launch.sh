#!/bin/bash
# t6020-edit-after-launch: changing the campaign after the first letters went out changes
# what is sent next, never what was sent — an edited follow-up text, an edited first letter
# (the follow-up still quotes the letter as sent), a follow-up with its own Subject, a
# shorter delay (schedule and send both use it), and a step removed (its pending messages
# are cancelled instead of stopping every run).
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

A=c01@bostongeneral.example.org B=c02@pacific.example.org C=c03@lakeshore.example.edu
write_csv contacts.csv \
	"$A|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$B|Ben|Baker|MD|Cardiology|Division of Cardiology|Pacific Medical Center|San Diego|CA" \
	"$C|Cora|Chen|MD|Nephrology|Department of Medicine|Lakeshore University Hospital|Chicago|IL"
make_ws ws contacts.csv --followups 2 || bail "cannot make the workspace"
NOW=$(at "2026-12-01 18:00")
o ws -q send --yes || bail "not sent"
ms wait catchall 3 20 >/dev/null || bail "not delivered"
sha() { sha256sum <"$1" | cut -d" " -f1; }
snapshot() { # the delivered files and the database rows of everything sent so far
	ms list catchall | cut -f1,5 | sort
	sql ws "SELECT message_id, subject, body, sent_at FROM messages WHERE state = 'sent' ORDER BY id"
}
snapshot >sent-before
sha "$(delivered ws $A 0)" >a0.sha

test_expect_success 'the letter and the first follow-up are edited after launch' '
	sed -i "s/I am writing to ask whether/EDITED LETTER: may I ask whether/" ws/templates/letter.txt
	sed -i "s/FOLLOW-UP 1: I am writing again about my note below./EDITED FOLLOW-UP 1: a short reminder of my note below./" ws/templates/followup-1.txt
	# the second follow-up gets its own subject
	sed -i "1s/^/Subject: One last note about {{specialty}}\n/" ws/templates/followup-2.txt
	head -n 2 ws/templates/followup-2.txt | grep -q "^Subject: One last note"
	# nothing sent changes by editing
	snapshot >sent-after
	diff sent-before sent-after
'

test_expect_success 'follow-up 1 uses the edited text and quotes the letter as it was sent' '
	NOW=$(at "2026-12-10 23:00")
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "done: 3 sent"
	ms wait catchall 6 20 >/dev/null
	f=$(delivered ws $A 1)
	"$PY" - "$f" <<-'"'"'EOF'"'"'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	body = m.get_body(("plain",)).get_content()
	assert "EDITED FOLLOW-UP 1: a short reminder" in body, body
	assert "FOLLOW-UP 1: I am writing again" not in body, body
	assert "> I am writing to ask whether Boston General Hospital could host me" in body, body
	assert "EDITED LETTER" not in body, body
	assert m["Subject"].startswith("Re: Observership in Internal Medicine"), m["Subject"]
	EOF
	assert_eq "$(cat a0.sha)" "$(sha "$(delivered ws $A 0)")"
	assert_not_contains "$(sql ws "SELECT body FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.email = '"'$A'"' AND m.step = 0")" "EDITED"
'

test_expect_success 'a shorter delay for the second follow-up: schedule shows it, send uses it' '
	sed -i "s/^followup = 14 business days: templates\/followup-2.txt/followup = 3 business days: templates\/followup-2.txt/" ws/outreach.conf
	grep -q "^followup = 3 business days" ws/outreach.conf
	NOW=$(at "2026-12-11 12:00")
	assert_exit 0 o ws schedule
	# sent Thursday 10 December (18:00 their time in Boston, 15:00 in San Diego): three
	# business days later is Tuesday 15 December at the same hour
	assert_match "$(cat "$T/stdout")" "^$A +3 +2026-12-16 04:00 PKT +2026-12-15 18:00 EST +follow-up 2 \(3 business days after step 2\)  \[zone: state .MA.\]$"
	assert_match "$(cat "$T/stdout")" "^$B +3 +2026-12-16 04:00 PKT +2026-12-15 15:00 PST +follow-up 2 \(3 business days after step 2\)"
	NOW=$(at "2026-12-15 22:59")
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "nothing is due"
	NOW=$(at "2026-12-15 23:00")
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "done: 3 sent"
'

test_expect_success 'the second follow-up as delivered: its own subject, still in the thread' '
	ms wait catchall 9 20 >/dev/null
	f=$(delivered ws $B 2)
	"$PY" - "$f" "$(msgid ws $B 0)" "$(msgid ws $B 1)" <<-'"'"'EOF'"'"'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	assert m["Subject"] == "One last note about Cardiology", m["Subject"]
	assert m["In-Reply-To"] == "<%s>" % sys.argv[3], m["In-Reply-To"]
	assert " ".join(str(m["References"]).split()) == "<%s> <%s>" % (sys.argv[2], sys.argv[3])
	body = m.get_body(("plain",)).get_content()
	assert "> EDITED FOLLOW-UP 1: a short reminder" in body, body
	EOF
'

test_expect_success 'a step removed after launch: its pending messages are cancelled, the runs go on' '
	write_csv ws/contacts/late.csv "late@latecomer.example.org|Lou|Late|MD|Geriatrics|Department of Medicine|Latecomer Hospital|Boston|MA"
	(cd ws && OUTREACH_NOW=$NOW "$OUTREACH" -q import contacts/late.csv --campaign observership)
	NOW=$(at "2026-12-16 16:00")
	assert_exit 0 o ws send --yes
	assert_eq "0:sent 1:queued" "$(steps_of ws late@latecomer.example.org)"
	NOW=$(at "2026-12-28 16:00")
	assert_exit 0 o ws send --yes
	assert_eq "0:sent 1:sent 2:queued" "$(steps_of ws late@latecomer.example.org)"
	sed -i "/followup-2.txt/d" ws/outreach.conf
	NOW=$(at "2027-01-10 16:00")
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "nothing is due"
	assert_eq "0:sent 1:sent 2:cancelled" "$(steps_of ws late@latecomer.example.org)"
	assert_eq "step 3 is no longer in the campaign" "$(sql ws "SELECT last_error FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.email = '"'late@latecomer.example.org'"' AND m.step = 2")"
	assert_exit 0 o ws schedule
	assert_file_contains "$T/stderr" "0 upcoming messages"
'

test_done
