#!/bin/bash
# t5000-poll: 'outreach poll' against the real stack. A campaign goes out; the physicians
# answer in the formats real mail clients use (Gmail multipart QP, HTML-only base64
# Windows-1252, Exchange QP ISO-8859-1, raw Latin-1, base64 UTF-8), a coordinator answers
# from another address with and without the attending in Cc, one reply has no In-Reply-To,
# Postfix bounces one address for real, two DSNs are injected, one out-of-office note gives
# a return date, one physician asks to be removed, one reply lands in Junk. One poll
# records each with the right label, match rule and effects, and leaves the mailbox
# exactly as it was; a second poll costs one EXAMINE per folder; no trace shows a
# password.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

write_csv contacts.csv \
	"swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"emarsh@northshore.example.org|Ellen|Marsh|MD|Surgery|Department of Surgery|North Shore Hospital|Seattle|WA" \
	"druiz@valley.example.edu|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"jmorales@central.example.org|Javier|Morales|MD|Cardiology|Cardiology|Central Hospital|El Paso|TX" \
	"aruiz@sanjose.example.org|Ana|Ruiz|MD|Infectious Diseases|Infectious Diseases|San José Hospital|Miami|FL" \
	"jose.martinez@stmarys.example.org|José|Martínez|MD|Hospital Medicine|Department of Medicine|St. Mary's Medical Center|San Antonio|TX" \
	"lwong@lakeshore.example.edu|Lydia|Wong|MD|Cardiology|Division of Cardiology|Lakeshore University Hospital|Chicago|IL" \
	"zoe.oconnor@lakeshore.example.edu|Zoë|O'Connor|DO|Internal Medicine|Department of Medicine|Lakeshore University Hospital|Chicago|IL" \
	"dgreene@riverside.example.org|David|Greene|MD|Internal Medicine|Department of Medicine|Riverside Regional Medical Center|Columbus|OH" \
	"hpark@bounce.example|Helen|Park|MD|Internal Medicine|Department of Medicine|Harbor Point Hospital|Portland|OR" \
	"rkapoor@mercyvalley.example.org|Rajesh|Kapoor|MD|Nephrology|Department of Medicine|Mercy Valley Hospital|Phoenix|AZ" \
	"busy.doc@clinic.example.net|Grace|Busy|MD|Family Medicine|Family Medicine|Clinic Network|Albany|NY" \
	"m.chen@pinecrest.example.edu|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"tnakamura@goldengate.example.org|Takeshi|Nakamura|MD|Gastroenterology|Division of Gastroenterology|Golden Gate Medical Center|San Francisco|CA" \
	"ebrooks@peachtree.example.org|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA" \
	"quiet@meadow.example.org|Quinn|Quiet|MD|Internal Medicine|Department of Medicine|Meadow Hospital|Denver|CO" \
	"bigmail@summit.example.org|Bo|Big|MD|Radiology|Department of Radiology|Summit Hospital|Denver|CO"
make_ws ws contacts.csv --followups 1 "folders=INBOX, Junk" || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ms wait catchall 16 20 >/dev/null || bail "the campaign was not delivered"
ms wait amina 1 20 >/dev/null || bail "Postfix did not bounce hpark@bounce.example"

# ---------------------------------------------------------------- the answers
mkdir r
id() { msgid ws "$1"; }
SUBJ_CARDIO=$(sent_subject ws lwong@lakeshore.example.edu)
SUBJ_HM=$(sent_subject ws jose.martinez@stmarys.example.org)
enc() { "$PY" -c 'import email.header, sys; print(email.header.Header(sys.argv[1], "utf-8").encode())' "$1"; }
d1=$(rfcdate $((T0 + 86400)))
d2=$(rfcdate $((T0 + 2 * 86400)))
# reply SRC NAME EMAIL ARGS...: a fixture answered by EMAIL to its first message.
reply() {
	local src=$1 name=$2 email=$3
	shift 3
	mkmail "$src" "r/$name.eml" --set "From: $email" --set "To: Amina Rahman <$MS_USER>" \
		--set "Date: $d1" --set "In-Reply-To: <$(id "$email")>" --set "References: <$(id "$email")>" "$@" --crlf
}
reply "$FIX/gmail-toppost-offer.eml" 01-gmail-qp swhitfield@bostongeneral.example.org \
	--set "Message-ID: <gm-01@mail.example.net>"
reply "$FIX/html-only-base64-cp1252.eml" 02-html-b64-cp1252 emarsh@northshore.example.org \
	--set "Message-ID: <html-02@northshore.example.org>"
# References only: the coordinator rule must not be needed for it
reply "$FIX/exchange-qp-offer-fee.eml" 03-exchange-qp-latin1 druiz@valley.example.edu \
	--set "Message-ID: <qp-03@valley.example.edu>" --drop In-Reply-To \
	--set "References: <older-thread@valley.example.edu> <$(id druiz@valley.example.edu)>"
reply "$FIX/spanish-offer-latin1.eml" 04-raw-latin1 jmorales@central.example.org \
	--set "Message-ID: <es-04@central.example.org>"
reply "$FIX/spanish-info-base64.eml" 05-b64-utf8 aruiz@sanjose.example.org \
	--set "Message-ID: <es-05@sanjose.example.org>"
# a coordinator answers from her own address, the attending in Cc, no In-Reply-To
mkmail - r/06-coordinator-cc.eml --set "From: Ruth Alvarez <ralvarez@stmarys.example.org>" \
	--set "To: Amina Rahman <$MS_USER>" --set "Cc: \"Martinez, Jose\" <jose.martinez@stmarys.example.org>" \
	--set "Subject: $(enc "RE: $SUBJ_HM")" --set "Date: $d2" --set "Message-ID: <coord-06@stmarys.example.org>" \
	--set "MIME-Version: 1.0" --set "Content-Type: text/plain; charset=utf-8" --body "Good morning Dr. Rahman,

I coordinate observerships for Dr. Martinez's hospital medicine group. We can
offer you a two-week observership in May. Please complete the application and
return it with your immunization records; there is no fee.

Kind regards,
Ruth Alvarez
Medical Education Coordinator
" --crlf
# a coordinator of the same organisation, no Cc, no In-Reply-To: only the subject ties it
mkmail - r/07-coordinator-subject.eml --set "From: GME Office <gme.office@lakeshore.example.edu>" \
	--set "To: Amina Rahman <$MS_USER>" --set "Subject: $(enc "RE: $SUBJ_CARDIO")" --set "Date: $d2" \
	--set "Message-ID: <gme-07@lakeshore.example.edu>" --set "MIME-Version: 1.0" \
	--set "Content-Type: text/plain; charset=us-ascii" --body "Dear Dr. Rahman,

Dr. Wong forwarded your request to our office. We would be glad to host you as
an observer in the cardiology clinic for four weeks in April. Please send your
immunization records and a copy of your passport.

Best regards,
Graduate Medical Education Office
" --crlf
# the physician answers from his own address without In-Reply-To or References
reply "$FIX/outlook-desktop-decline.eml" 08-no-in-reply-to dgreene@riverside.example.org \
	--set "Message-ID: <SN6PR-08@riverside.example.org>" --drop In-Reply-To --drop References \
	--set "Subject: Your observership request"
# an Exchange DSN naming our Message-ID and the address
mkmail "$FIX/bounce-o365-recipient-not-found.eml" r/09-dsn-o365.eml --set "To: $MS_USER" \
	--set "Date: $d1" --replace dr.kim@health.example.org rkapoor@mercyvalley.example.org \
	--replace dr.kim rkapoor --replace health.example.org mercyvalley.example.org \
	--replace cm-20261110-0001@example.com "$(id rkapoor@mercyvalley.example.org)" --crlf
# a full mailbox (soft), whose DSN names an original we do not know: matched by recipient
mkmail "$FIX/bounce-mailbox-full.eml" r/10-dsn-full.eml --set "To: $MS_USER" --set "Date: $d1" \
	--replace cm-20261110-0001@example.com lost-original@elsewhere.example.com --crlf
# out of office with RFC 3834 headers and a return date
reply "$FIX/ooo-outlook-headers.eml" 11-ooo m.chen@pinecrest.example.edu \
	--set "Message-ID: <ooo-11@pinecrest.example.edu>" --set "Subject: Automatic reply: observership" \
	--body "I am out of the office until Monday, December 14, 2026 with limited access to email.
For urgent matters please contact my assistant.
"
reply "$FIX/please-remove-me.eml" 12-remove-me tnakamura@goldengate.example.org \
	--set "Message-ID: <rm-12@goldengate.example.org>"
# not about anyone: a mailing list, and a stranger
mkmail "$FIX/mailing-list-newsletter.eml" r/13-list.eml --crlf
mkmail - r/14-stranger.eml --set "From: Someone <someone@unrelated.example.com>" --set "To: $MS_USER" \
	--set "Subject: Lunch on Friday?" --set "Date: $d1" --set "Message-ID: <lunch-14@unrelated.example.com>" \
	--body "Are you free for lunch on Friday?" --crlf
# an answer with a 600 KB attachment: only the first 256 KB are fetched, and that is enough
{
	mkmail - - --set "From: Bo Big <bigmail@summit.example.org>" --set "To: $MS_USER" --set "Date: $d1" \
		--set "Subject: Re: observership" --set "Message-ID: <big-16@summit.example.org>" \
		--set "In-Reply-To: <$(id bigmail@summit.example.org)>" --set "MIME-Version: 1.0" \
		--set "Content-Type: multipart/mixed; boundary=\"b16\"" --body "--b16
Content-Type: text/plain; charset=utf-8

Dear Dr. Rahman, we would be glad to host you for four weeks in May. Our visitor
guide is attached.

--b16
Content-Type: application/pdf; name=\"guide.pdf\"
Content-Transfer-Encoding: base64
"
	head -c 450000 /dev/urandom | base64 -w 76
	printf '%s\n' "--b16--"
} | sed 's/$/\r/' >r/16-big.eml
# filtered into Junk by the provider
reply "$FIX/gmail-terse-offer.eml" 15-junk ebrooks@peachtree.example.org --set "Message-ID: <junk-15@peachtree.example.org>"

for f in r/0*.eml r/1[0-4]*.eml r/16-big.eml; do
	case $f in *dsn*) ms inject "$f" --from "" ;; *) ms inject "$f" ;; esac || bail "cannot inject $f"
done
imap_append Junk r/15-junk.eml || bail "cannot append to Junk"

mailbox_snapshot amina before.snap
NOW=$((T0 + 3 * 86400))
o ws -vv poll >poll.out 2>poll.err
echo $? >poll.rc

# ---------------------------------------------------------------- checks

test_expect_success 'one poll reads both folders and records every answer once' '
	assert_eq 0 "$(cat poll.rc)"
	assert_file_contains poll.err "poll: 17 new messages in 2 folders: 15 recorded (8 offers, 2 declines, 1 information requests, 1 auto-replies, 3 bounces, 0 other), 0 already known, 2 not about any contact"
	assert_eq 15 "$(sql ws "SELECT count(*) FROM replies")"
	assert_eq 15 "$(sql ws "SELECT count(DISTINCT fingerprint) FROM replies")"
	# bodies were fetched for the 15 that concern us, not for the 2 others; bounded
	assert_eq 15 "$(grep -c "^imap > [0-9]* UID FETCH [0-9]* (UID RFC822.SIZE BODY.PEEK\[\]<0.262145>)" poll.err)"
	assert_eq "offer in-reply-to" "$(replies_of ws bigmail@summit.example.org)"
	test "$(stat -c %s r/16-big.eml)" -gt 600000
'

test_expect_success 'each answer: its label and the rule that tied it to the physician' '
	assert_eq "offer in-reply-to" "$(replies_of ws swhitfield@bostongeneral.example.org)"
	assert_eq "offer in-reply-to" "$(replies_of ws emarsh@northshore.example.org)"
	assert_eq "offer references" "$(replies_of ws druiz@valley.example.edu)"
	assert_eq "offer in-reply-to" "$(replies_of ws jmorales@central.example.org)"
	assert_eq "info_request in-reply-to" "$(replies_of ws aruiz@sanjose.example.org)"
	assert_eq "offer cc" "$(replies_of ws jose.martinez@stmarys.example.org)"
	assert_eq "offer coordinator" "$(replies_of ws lwong@lakeshore.example.edu)"
	assert_eq "decline sender" "$(replies_of ws dgreene@riverside.example.org)"
	assert_eq "bounce bounce-message-id" "$(replies_of ws hpark@bounce.example)"
	assert_eq "bounce bounce-message-id" "$(replies_of ws rkapoor@mercyvalley.example.org)"
	assert_eq "bounce bounce-recipient" "$(replies_of ws busy.doc@clinic.example.net)"
	assert_eq "auto_reply in-reply-to" "$(replies_of ws m.chen@pinecrest.example.edu)"
	assert_eq "decline in-reply-to" "$(replies_of ws tnakamura@goldengate.example.org)"
	assert_eq "offer in-reply-to" "$(replies_of ws ebrooks@peachtree.example.org)"
	assert_eq "" "$(replies_of ws zoe.oconnor@lakeshore.example.edu)"
	assert_eq "" "$(replies_of ws quiet@meadow.example.org)"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM replies WHERE from_addr IN ('"'"'someone@unrelated.example.com'"'"', '"'"'grandrounds@lists.hospital.example.org'"'"')")"
'

test_expect_success 'where each was found, who wrote it, and what it was sent to' '
	assert_eq "Junk" "$(reply_field ws ebrooks@peachtree.example.org folder)"
	assert_eq "imap:Junk" "$(reply_field ws ebrooks@peachtree.example.org source)"
	assert_eq "INBOX" "$(reply_field ws swhitfield@bostongeneral.example.org folder)"
	assert_eq "ralvarez@stmarys.example.org" "$(reply_field ws jose.martinez@stmarys.example.org from_addr)"
	assert_eq "gme.office@lakeshore.example.edu" "$(reply_field ws lwong@lakeshore.example.edu from_addr)"
	# each reply points at the message row it answers
	assert_eq 0 "$(sql ws "SELECT count(*) FROM replies r JOIN messages m ON m.id = r.message_row
		WHERE m.contact_id <> r.contact_id OR m.step <> 0")"
	assert_eq 15 "$(sql ws "SELECT count(*) FROM replies WHERE message_row IS NOT NULL")"
	# decoded subjects and text, whatever the charset and transfer encoding
	assert_eq "RE: $SUBJ_CARDIO" "$(reply_field ws lwong@lakeshore.example.edu subject)"
	assert_eq "Re: Solicitud de rotación de observación" "$(reply_field ws jmorales@central.example.org subject)"
	assert_contains "$(reply_field ws jmorales@central.example.org new_text)" "cardiología en febrero"
	assert_contains "$(reply_field ws aruiz@sanjose.example.org new_text)" "¿Qué fechas le interesan?"
	assert_contains "$(reply_field ws emarsh@northshore.example.org new_text)" "onboarding forms – it’s a short list"
	assert_contains "$(reply_field ws druiz@valley.example.edu new_text)" "\$250 administrative fee"
	assert_not_contains "$(reply_field ws druiz@valley.example.edu new_text)" "Original Message"
	assert_not_contains "$(reply_field ws swhitfield@bostongeneral.example.org new_text)" "My name is Priya"
'

test_expect_success 'bounces: recipient, status, hard or soft; hard ones suppress and cancel' '
	assert_eq "hpark@bounce.example|1" "$(sql ws "SELECT bounce_recipient || '"'|'"' || bounce_hard FROM replies WHERE contact_id = (SELECT id FROM contacts WHERE email = '"'hpark@bounce.example'"')")"
	assert_match "$(reply_field ws hpark@bounce.example bounce_status)" "^5\.1\.1 "
	assert_eq "rkapoor@mercyvalley.example.org|1" "$(sql ws "SELECT bounce_recipient || '"'|'"' || bounce_hard FROM replies WHERE contact_id = (SELECT id FROM contacts WHERE email = '"'rkapoor@mercyvalley.example.org'"')")"
	assert_match "$(reply_field ws rkapoor@mercyvalley.example.org bounce_status)" "^5\.1\.10 "
	assert_eq "busy.doc@clinic.example.net|0" "$(sql ws "SELECT bounce_recipient || '"'|'"' || bounce_hard FROM replies WHERE contact_id = (SELECT id FROM contacts WHERE email = '"'busy.doc@clinic.example.net'"')")"
	assert_eq "everywhere:bounce" "$(suppressed_of ws hpark@bounce.example)"
	assert_eq "everywhere:bounce" "$(suppressed_of ws rkapoor@mercyvalley.example.org)"
	assert_eq "" "$(suppressed_of ws busy.doc@clinic.example.net)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws hpark@bounce.example)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws rkapoor@mercyvalley.example.org)"
	assert_eq stopped "$(enrollment_of ws hpark@bounce.example)"
	assert_eq stopped "$(enrollment_of ws rkapoor@mercyvalley.example.org)"
	# a full mailbox is not final: nothing stopped by the outcome itself
	assert_eq active "$(enrollment_of ws busy.doc@clinic.example.net)"
	assert_eq "0:sent 1:queued" "$(steps_of ws busy.doc@clinic.example.net)"
'

test_expect_success 'human answers stop the sequence; a decline suppresses for the campaign; "remove me" everywhere' '
	for c in swhitfield@bostongeneral.example.org emarsh@northshore.example.org druiz@valley.example.edu \
		jmorales@central.example.org aruiz@sanjose.example.org jose.martinez@stmarys.example.org \
		lwong@lakeshore.example.edu dgreene@riverside.example.org tnakamura@goldengate.example.org \
		ebrooks@peachtree.example.org; do
		assert_eq "0:sent 1:cancelled" "$(steps_of ws $c)" "steps of $c"
		assert_eq done "$(enrollment_of ws $c)" "enrolment of $c"
	done
	assert_eq "campaign:reply" "$(suppressed_of ws dgreene@riverside.example.org)"
	assert_eq "" "$(suppressed_of ws swhitfield@bostongeneral.example.org)"
	assert_eq "everywhere:reply campaign:reply" "$(suppressed_of ws tnakamura@goldengate.example.org)"
	assert_eq 1 "$(reply_field ws tnakamura@goldengate.example.org unsubscribe)"
'

test_expect_success 'an out-of-office note: the return date, and the sequence goes on' '
	assert_eq 2026-12-14 "$(reply_field ws m.chen@pinecrest.example.edu return_date)"
	assert_eq active "$(enrollment_of ws m.chen@pinecrest.example.edu)"
	assert_eq "0:sent 1:queued" "$(steps_of ws m.chen@pinecrest.example.edu)"
	assert_eq "" "$(suppressed_of ws m.chen@pinecrest.example.edu)"
'

test_expect_success 'an offer from one physician pauses a colleague at the same hospital (stop_scope institution)' '
	assert_eq paused "$(enrollment_of ws zoe.oconnor@lakeshore.example.edu)"
	assert_eq "0:sent 1:queued" "$(steps_of ws zoe.oconnor@lakeshore.example.edu)"
	assert_contains "$(sql ws "SELECT reason FROM enrollments e JOIN contacts c ON c.id = e.contact_id WHERE c.email = '"'zoe.oconnor@lakeshore.example.edu'"'")" "lwong@lakeshore.example.edu"
	assert_eq active "$(enrollment_of ws quiet@meadow.example.org)"
	assert_eq "0:sent 1:queued" "$(steps_of ws quiet@meadow.example.org)"
'

test_expect_success 'replies and contacts show tell the same story' '
	assert_exit 0 o ws replies
	assert_eq 16 "$(wc -l <"$T/stdout")" "15 replies, one line each, and one back-on line"
	assert_eq "15 replies (* = decided by hand)" "$(cat "$T/stderr")"
	assert_match "$(grep -A1 "^2026-12-02  m.chen@" "$T/stdout")" "auto_reply +I am out of the office until Monday, December 14, 2026.*
 +back on 2026-12-14$"
	assert_match "$(grep "jose.martinez@" "$T/stdout")" "^2026-12-03  jose.martinez@stmarys.example.org +offer +Good morning Dr. Rahman, I coordinate"
	assert_exit 0 o ws replies --label bounce
	assert_eq 3 "$(wc -l <"$T/stdout")"
	assert_eq "hpark@bounce.example rkapoor@mercyvalley.example.org busy.doc@clinic.example.net" "$(awk "{ print \$2 }" "$T/stdout" | paste -sd" ")"
	assert_exit 0 o ws contacts show jose.martinez@stmarys.example.org
	assert_match "$(cat "$T/stdout")" "observership +done — the contact replied \(offer\)"
	assert_match "$(cat "$T/stdout")" "reply +observership +label=offer rule=cc from=ralvarez@stmarys.example.org"
	assert_exit 0 o ws contacts show zoe.oconnor@lakeshore.example.edu
	assert_match "$(cat "$T/stdout")" "observership +paused — stop rule: offer from lwong@lakeshore.example.edu at Lakeshore University Hospital"
'

test_expect_success 'the mailbox is exactly as it was: messages, folders and flags' '
	assert_mailbox_unchanged amina before.snap
	# nothing marked \Seen: every message is still unread in new/ or cur/ without S
	assert_eq "" "$(ms list amina | awk -F"\t" "\$2 ~ /S/ && \$1 !~ /^\.Sent/" )"
	assert_file_contains poll.err "EXAMINE INBOX"
	assert_file_contains poll.err "EXAMINE Junk"
	# what was sent to the server: EXAMINE, UID FETCH with BODY.PEEK, nothing that writes
	grep "^imap > " poll.err | tr -d "\r" | sed -E "s/^imap > ([0-9]+ )?//" | cut -d" " -f1-2 | sort -u >commands
	assert_eq "<redacted>
CAPABILITY
EXAMINE INBOX
EXAMINE Junk
LOGOUT
UID FETCH" "$(cat commands)"
	assert_eq 0 "$(grep "^imap > .* UID FETCH" poll.err | grep -vc "BODY\.PEEK\[")"
	# and Dovecot agrees: no session of amina deleted, expunged or trashed anything
	grep "imap($MS_USER).*Disconnected" "$MS_LOGDIR/dovecot.log" >sessions
	test -s sessions
	assert_eq "" "$(grep -v "deleted=0 expunged=0 trashed=0" sessions)"
'

test_expect_success 'a poll with nothing new: one EXAMINE per folder and no FETCH' '
	NOW=$((T0 + 4 * 86400))
	assert_exit 0 o ws -vv poll
	assert_eq 2 "$(grep -c "^imap > [0-9]* EXAMINE" "$T/stderr")"
	assert_eq 0 "$(grep -c "FETCH" "$T/stderr")"
	assert_file_contains "$T/stderr" "poll: 0 new messages in 2 folders"
	assert_eq 15 "$(sql ws "SELECT count(*) FROM replies")"
	assert_mailbox_unchanged amina before.snap
'

test_expect_success 'checkpoints: per folder, UIDVALIDITY and the last UID seen' '
	assert_eq 2 "$(sql ws "SELECT count(*) FROM checkpoints")"
	inbox=$(ms list amina | grep -vc "^\.")
	assert_eq "$inbox" "$(sql ws "SELECT last_uid FROM checkpoints WHERE folder = '"'INBOX'"'")"
	assert_eq 1 "$(sql ws "SELECT last_uid FROM checkpoints WHERE folder = '"'Junk'"'")"
	assert_eq 2 "$(sql ws "SELECT sum(unmatched) FROM checkpoints")"
'

test_expect_success 'no password in any -vv trace, nor its base64 (AUTH PLAIN)' '
	b64=$(printf "\0%s\0%s" "$MS_USER" "$MS_PASS" | base64 -w0)
	for f in poll.err "$T/stderr"; do
		assert_file_not_contains $f "$MS_PASS"
		assert_file_not_contains $f "$b64"
	done
	assert_file_contains poll.err "<redacted>"
'

test_done
