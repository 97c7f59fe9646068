#!/bin/bash
# t6000-followups: a campaign with two follow-ups (7 and 14 business days) to 12 physicians
# across six US time zones, on the fake clock from Friday 2026-12-18 to the end of January
# 2027 (Christmas, New Year's Day and Martin Luther King Jr. Day in the span). Some answer
# (offer, decline, information request), one is out of the office until a stated date, one
# address bounces for real, a coordinator answers for one from another address, one asks to
# stop after the first follow-up. Exactly who receives which step, and when (business
# days, each recipient's own morning window), is checked send by send; every follow-up in
# the delivered mail is a reply in the thread, quoting the message before it.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

write_csv contacts.csv \
	"c01@bostongeneral.example.org|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"c02@pacific.example.org|Ben|Baker|MD|Cardiology|Division of Cardiology|Pacific Medical Center|San Diego|CA" \
	"c03@lakeshore.example.edu|Cora|Chen|MD|Nephrology|Department of Medicine|Lakeshore University Hospital|Chicago|IL" \
	"c04@hudson.example.org|Dan|Diaz|MD|Pulmonology|Pulmonary and Critical Care|Hudson Valley Hospital|Albany|NY" \
	"c05@bounce.example|Eve|Evans|MD|Internal Medicine|Department of Medicine|Harbor Point Hospital|Portland|OR" \
	"c06@stmarys.example.org|Fay|Flores|MD|Hospital Medicine|Department of Medicine|St. Mary's Medical Center|San Antonio|TX" \
	"c07@desert.example.org|Gus|Green|MD|Endocrinology|Division of Endocrinology|Desert Regional Hospital|Phoenix|AZ" \
	"c08@aloha.example.org|Hana|Hale|MD|Infectious Diseases|Division of Infectious Diseases|Aloha Medical Center|Honolulu|HI" \
	"c09@cascade.example.org|Ian|Irwin|MD|Gastroenterology|Division of Gastroenterology|Cascade Hospital|Seattle|WA" \
	"c10@milehigh.example.org|Jo|Jones|MD|Rheumatology|Division of Rheumatology|Mile High Clinic|Boston|MA|America/Denver" \
	"c11@sunshine.example.org|Kim|King|MD|Geriatrics|Department of Medicine|Sunshine Hospital|Miami|FL" \
	"c12@peachtree.example.org|Lee|Lopez|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA"
make_ws ws contacts.csv --followups 2 "window=Mon-Fri 08:30-16:30" || bail "cannot make the workspace"

# send_at 'YYYY-MM-DD HH:MM' (UTC): outreach send on the fake clock then; output in
# $T/send.out; prints "EMAIL STEP" for each message sent by this run, sorted.
send_at() {
	local before
	NOW=$(at "$1")
	before=$(sql ws "SELECT coalesce(max(id), 0) FROM events")
	o ws send --yes >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2; return 1; }
	sql ws "SELECT c.email || ' ' || (m.step + 1) FROM events e JOIN messages m ON m.id = e.message_row
		JOIN contacts c ON c.id = m.contact_id WHERE e.kind = 'send.sent' AND e.id > $before ORDER BY c.email, m.step"
}
sent_list() { # the whole history: "EMAIL STEP YYYY-MM-DD HH:MM" (UTC), by time then address
	sql ws "SELECT c.email || ' ' || (m.step + 1) || ' ' || strftime('%Y-%m-%d %H:%M', m.sent_at, 'unixepoch')
		FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.state = 'sent' ORDER BY m.sent_at, c.email, m.step"
}
lines() { printf '%s\n' "$@"; }

test_expect_success 'Friday 2026-12-18: each physician gets the letter when the window opens in their zone' '
	assert_eq "$(lines "c01@bostongeneral.example.org 1" "c04@hudson.example.org 1" "c11@sunshine.example.org 1" "c12@peachtree.example.org 1")" \
		"$(send_at "2026-12-18 14:00")" "09:00 on the east coast"
	assert_eq "$(lines "c03@lakeshore.example.edu 1" "c06@stmarys.example.org 1" "c07@desert.example.org 1" "c10@milehigh.example.org 1")" \
		"$(send_at "2026-12-18 16:00")" "10:00 central, 09:00 mountain (Arizona; the timezone column beats the state)"
	assert_eq "$(lines "c02@pacific.example.org 1" "c05@bounce.example 1" "c09@cascade.example.org 1")" \
		"$(send_at "2026-12-18 17:00")" "09:00 pacific"
	assert_eq "c08@aloha.example.org 1" "$(send_at "2026-12-18 19:00")" "09:00 in Hawaii"
	ms wait catchall 11 20 >/dev/null
	ms wait amina 1 20 >/dev/null
'

test_expect_success 'the answers arrive and are read on Monday 2026-12-21' '
	mkdir r
	d=$(rfcdate $(at "2026-12-21 14:00"))
	rep() { # SRC NAME EMAIL ARGS...
		local src=$1 name=$2 email=$3 id
		shift 3
		id=$(msgid ws "$email")
		mkmail "$src" "r/$name.eml" --set "From: $email" --set "To: $MS_USER" --set "Date: $d" \
			--set "In-Reply-To: <$id>" --set "References: <$id>" --set "Message-ID: <$name@t6000.example.org>" "$@" --crlf
	}
	rep "$FIX/gmail-toppost-offer.eml" offer c01@bostongeneral.example.org
	rep "$FIX/outlook-desktop-decline.eml" decline c02@pacific.example.org
	rep "$FIX/info-dates-ecfmg.eml" info c03@lakeshore.example.edu
	rep "$FIX/ooo-outlook-headers.eml" ooo c04@hudson.example.org --set "Subject: Automatic reply: observership" \
		--body "I am out of the office until Wednesday, January 6, 2027 with limited access to email."
	subj=$(sent_subject ws c06@stmarys.example.org)
	mkmail - r/coord.eml --set "From: Ruth Alvarez <ralvarez@stmarys.example.org>" --set "To: $MS_USER" \
		--set "Subject: =?UTF-8?B?$(printf "%s" "RE: $subj" | base64 -w0)?=" --set "Date: $d" \
		--set "Message-ID: <coord@t6000.example.org>" --set "Content-Type: text/plain; charset=utf-8" \
		--body "Dear Dr. Rahman, I coordinate visiting observers for Dr. Flores. Please send your CV and
the dates you have in mind, and I will check our calendar." --crlf
	inject_many r/offer.eml r/decline.eml r/info.eml r/ooo.eml r/coord.eml
	NOW=$(at "2026-12-21 15:00")
	assert_exit 0 o ws poll
	assert_file_contains "$T/stderr" "6 recorded (1 offers, 1 declines, 2 information requests, 1 auto-replies, 1 bounces, 0 other)"
	assert_eq "info_request coordinator" "$(replies_of ws c06@stmarys.example.org)"
	assert_eq "2027-01-06" "$(reply_field ws c04@hudson.example.org return_date)"
	assert_eq "bounce bounce-message-id" "$(replies_of ws c05@bounce.example)"
'

test_expect_success 'schedule: every upcoming follow-up, in both zones, with the reason' '
	NOW=$(at "2026-12-22 12:00")
	assert_exit 0 o ws schedule
	out=$(cat "$T/stdout")
	assert_eq "CONTACT                               STEP YOUR TIME              THEIR TIME             WHY" "$(head -n 1 "$T/stdout")"
	assert_match "$out" "^c11@sunshine.example.org +2 +2026-12-30 19:00 PKT +2026-12-30 09:00 EST +follow-up 1 \(7 business days after step 1\)  \[zone: state .FL.\]$"
	assert_match "$out" "^c08@aloha.example.org +2 +2026-12-31 00:00 PKT +2026-12-30 09:00 HST +follow-up 1 \(7 business days after step 1\)  \[zone: state .HI.\]$"
	assert_match "$out" "^c10@milehigh.example.org +2 +2026-12-30 21:00 PKT +2026-12-30 09:00 MST +follow-up 1 .*\[zone: timezone column\]$"
	# out of office until Wednesday 6 January: the business day after, when the window opens
	assert_match "$out" "^c04@hudson.example.org +2 +2027-01-07 18:30 PKT +2027-01-07 08:30 EST +follow-up 1 \(7 business days after step 1\); out of office until 2027-01-06; window opens  \[zone: state .NY.\]$"
	# nobody who answered or bounced
	for c in c01@ c02@ c03@ c05@ c06@; do assert_not_contains "$out" "$c"; done
	assert_eq 7 "$(($(wc -l <"$T/stdout") - 1))"
	assert_file_contains "$T/stderr" "7 upcoming messages"
'

test_expect_success 'Tuesday 2026-12-29: not yet — Christmas Day is not a business day' '
	assert_eq "" "$(send_at "2026-12-29 23:00")"
	assert_file_contains "$T/send.out" "nothing is due; follow-ups are scheduled"
'

test_expect_success 'Wednesday 2026-12-30: follow-up 1 to the silent ones, each at 09:00 their time' '
	assert_eq "$(lines "c11@sunshine.example.org 2" "c12@peachtree.example.org 2")" "$(send_at "2026-12-30 14:00")"
	assert_eq "$(lines "c07@desert.example.org 2" "c08@aloha.example.org 2" "c09@cascade.example.org 2" "c10@milehigh.example.org 2")" \
		"$(send_at "2026-12-30 20:00")"
	# the answered, the bounced and the absent get nothing; their steps are cancelled
	for c in c01@bostongeneral.example.org c02@pacific.example.org c03@lakeshore.example.edu c06@stmarys.example.org; do
		assert_eq "0:sent 1:cancelled" "$(steps_of ws $c)" "$c"
	done
	assert_eq "0:sent 1:cancelled" "$(steps_of ws c05@bounce.example)"
	assert_eq "0:sent 1:queued" "$(steps_of ws c04@hudson.example.org)"
'

test_expect_success 'Monday 2027-01-04: one asks to stop after the first follow-up' '
	id=$(msgid ws c12@peachtree.example.org 1)
	mkmail - r/stop.eml --set "From: Lee Lopez <c12@peachtree.example.org>" --set "To: $MS_USER" \
		--set "Subject: Re: your message" \
		--set "Date: $(rfcdate $(at "2027-01-04 15:00"))" --set "Message-ID: <stop@t6000.example.org>" \
		--set "In-Reply-To: <$id>" --set "References: <$(msgid ws c12@peachtree.example.org)> <$id>" \
		--body "Please stop emailing me. We do not take observers." --crlf
	ms inject r/stop.eml
	NOW=$(at "2027-01-04 15:00")
	assert_exit 0 o ws poll
	assert_eq "decline in-reply-to" "$(replies_of ws c12@peachtree.example.org)"
	assert_eq "everywhere:reply campaign:reply" "$(suppressed_of ws c12@peachtree.example.org)"
	assert_eq "0:sent 1:sent 2:cancelled" "$(steps_of ws c12@peachtree.example.org)"
'

test_expect_success 'Thursday 2027-01-07: the absent one gets follow-up 1 the business day after his return, 08:30 his time' '
	assert_eq "" "$(send_at "2027-01-07 13:00")"
	assert_eq "c04@hudson.example.org 2" "$(send_at "2027-01-07 13:30")"
'

test_expect_success 'follow-up 2: 14 business days later, New Year'"'"'s Day and MLK Day skipped' '
	assert_eq "" "$(send_at "2027-01-20 23:00")"
	assert_eq "$(lines "c07@desert.example.org 3" "c08@aloha.example.org 3" "c09@cascade.example.org 3" "c10@milehigh.example.org 3" "c11@sunshine.example.org 3")" \
		"$(send_at "2027-01-21 20:00")"
	assert_eq "" "$(send_at "2027-01-27 23:00")"
	assert_eq "c04@hudson.example.org 3" "$(send_at "2027-01-28 13:30")"
	NOW=$(at "2027-01-28 14:00")
	assert_exit 0 o ws schedule
	assert_file_contains "$T/stderr" "0 upcoming messages"
'

test_expect_success 'the whole history: who got which step, and when' '
	assert_eq "c01@bostongeneral.example.org 1 2026-12-18 14:00
c04@hudson.example.org 1 2026-12-18 14:00
c11@sunshine.example.org 1 2026-12-18 14:00
c12@peachtree.example.org 1 2026-12-18 14:00
c03@lakeshore.example.edu 1 2026-12-18 16:00
c06@stmarys.example.org 1 2026-12-18 16:00
c07@desert.example.org 1 2026-12-18 16:00
c10@milehigh.example.org 1 2026-12-18 16:00
c02@pacific.example.org 1 2026-12-18 17:00
c05@bounce.example 1 2026-12-18 17:00
c09@cascade.example.org 1 2026-12-18 17:00
c08@aloha.example.org 1 2026-12-18 19:00
c11@sunshine.example.org 2 2026-12-30 14:00
c12@peachtree.example.org 2 2026-12-30 14:00
c07@desert.example.org 2 2026-12-30 20:00
c08@aloha.example.org 2 2026-12-30 20:00
c09@cascade.example.org 2 2026-12-30 20:00
c10@milehigh.example.org 2 2026-12-30 20:00
c04@hudson.example.org 2 2027-01-07 13:30
c07@desert.example.org 3 2027-01-21 20:00
c08@aloha.example.org 3 2027-01-21 20:00
c09@cascade.example.org 3 2027-01-21 20:00
c10@milehigh.example.org 3 2027-01-21 20:00
c11@sunshine.example.org 3 2027-01-21 20:00
c04@hudson.example.org 3 2027-01-28 13:30" "$(sent_list)"
	# and the mailboxes agree: one message per step sent, none twice
	ms wait catchall 24 20 >/dev/null
	sleep 0.3
	for c in c01@bostongeneral.example.org c02@pacific.example.org c03@lakeshore.example.edu c06@stmarys.example.org; do
		assert_eq 1 "$(deliveries_to $c)" "$c"
	done
	assert_eq 2 "$(deliveries_to c12@peachtree.example.org)"
	for c in c04@hudson.example.org c07@desert.example.org c08@aloha.example.org c09@cascade.example.org c10@milehigh.example.org c11@sunshine.example.org; do
		assert_eq 3 "$(deliveries_to $c)" "$c"
	done
'

test_expect_success 'every follow-up as delivered: a reply in the thread, quoting the message before it' '
	for c in c04@hudson.example.org c07@desert.example.org c08@aloha.example.org c09@cascade.example.org \
		c10@milehigh.example.org c11@sunshine.example.org c12@peachtree.example.org; do
		for step in 1 2; do
			[ "$c" = c12@peachtree.example.org ] && [ $step = 2 ] && continue
			f=$(delivered ws $c $step)
			prev=$(delivered ws $c $((step - 1)))
			test -f "$f"
			"$PY" - "$f" "$prev" "$(msgid ws $c 0)" "$(msgid ws $c 1)" $step "$(sent_subject ws $c)" <<-'"'"'EOF'"'"'
			import email, email.policy, sys
			f, prev, id0, id1, step, subject = sys.argv[1:]
			m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
			p = email.message_from_binary_file(open(prev, "rb"), policy=email.policy.default)
			want_irt = "<%s>" % (id0 if step == "1" else id1)
			want_refs = "<%s>" % id0 if step == "1" else "<%s> <%s>" % (id0, id1)
			assert m["In-Reply-To"] == want_irt, (f, m["In-Reply-To"], want_irt)
			assert " ".join(str(m["References"]).split()) == want_refs, (f, m["References"], want_refs)
			assert m["Subject"] == "Re: " + subject, (m["Subject"], subject)
			body = m.get_body(("plain",)).get_content()
			pbody = p.get_body(("plain",)).get_content()
			assert "FOLLOW-UP %s:" % step in body, body
			assert " Amina Rahman wrote:\n" in body, body
			# the whole previous message, quoted line by line
			quoted = "\n".join("> " + l if l else ">" for l in pbody.rstrip("\n").split("\n"))
			assert quoted in body, (quoted, body)
			assert body.index("FOLLOW-UP") < body.index("wrote:")
			EOF
		done
	done
'

test_done
