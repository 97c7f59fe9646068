#!/bin/bash
# t5050-ingest: 'outreach ingest' runs the poll pipeline over files — a directory of .eml
# files, a Maildir (new/ and cur/, never tmp/), an mbox with '>From ' quoting — records each
# message once however often it is read, and 'ingest --sent' adopts messages written by hand
# before outreach so that replies to them are tracked and they are neither sent again nor
# left without their follow-up.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

C1=swhitfield@bostongeneral.example.org C2=druiz@valley.example.edu C3=m.chen@pinecrest.example.edu
C4=ebrooks@peachtree.example.org C5=tnakamura@goldengate.example.org
write_csv contacts.csv \
	"$C1|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"$C2|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"$C3|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"$C4|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA" \
	"$C5|Takeshi|Nakamura|MD|Gastroenterology|Division of Gastroenterology|Golden Gate Medical Center|San Francisco|CA"
make_ws ws contacts.csv --followups 1 || bail "cannot make the workspace"

# What Amina wrote by hand two days before she found outreach: to C4 and C5 (from a Gmail
# Takeout mbox), to someone who is not a contact, and one without a Message-ID.
HAND=$((T0 - 2 * 86400))
{
	echo "From 1849362727161773817@xxx Sun Nov 29 15:00:00 +0000 2026"
	echo "X-GM-THRID: 1849362727161773817"
	echo "From: Amina Rahman <$MS_USER>"
	echo "To: Dr. Elena Brooks <$C4>"
	echo "Subject: Observership inquiry"
	echo "Date: $(rfcdate $HAND)"
	echo "Message-ID: <CAHand-0001@mail.gmail.example>"
	echo
	echo "Dear Dr. Brooks, I am writing to ask about an observership."
	echo
	echo "From 1849362727161773818@xxx Sun Nov 29 15:05:00 +0000 2026"
	echo "From: Amina Rahman <$MS_USER>"
	echo "To: \"Nakamura, Takeshi\" <TNakamura@GoldenGate.example.org>"
	echo "Subject: Observership inquiry"
	echo "Date: $(rfcdate $((HAND + 300)))"
	echo "Message-ID: <CAHand-0002@mail.gmail.example>"
	echo
	echo "Dear Dr. Nakamura, I am writing to ask about an observership."
	echo
	echo "From 1849362727161773819@xxx Sun Nov 29 15:10:00 +0000 2026"
	echo "From: Amina Rahman <$MS_USER>"
	echo "To: A Friend <friend@elsewhere.example.com>"
	echo "Subject: Coffee"
	echo "Date: $(rfcdate $((HAND + 600)))"
	echo "Message-ID: <CAHand-0003@mail.gmail.example>"
	echo
	echo "Coffee on Sunday?"
	echo
	echo "From 1849362727161773820@xxx Sun Nov 29 15:15:00 +0000 2026"
	echo "From: Amina Rahman <$MS_USER>"
	echo "To: $C1"
	echo "Subject: draft without an id"
	echo
	echo "A message without a Message-ID."
	echo
	# a Takeout export holds received mail too: a coordinator writing to Amina and C1 is not
	# something Amina sent to C1
	echo "From 1849362727161773821@xxx Sun Nov 29 16:00:00 +0000 2026"
	echo "From: Ruth Alvarez <ralvarez@bostongeneral.example.org>"
	echo "To: Amina Rahman <$MS_USER>, $C1"
	echo "Subject: Visiting observers"
	echo "Date: $(rfcdate $((HAND + 900)))"
	echo "Message-ID: <coord-0004@bostongeneral.example.org>"
	echo
	echo "Dear Dr. Rahman, please use our online form."
} >hand.mbox

test_expect_success 'ingest --sent adopts the hand-written messages to contacts, nothing else' '
	assert_exit 0 o ws ingest --sent hand.mbox
	assert_file_contains "$T/stderr" "hand.mbox#4: no Message-ID: replies could not be matched to it; skipped"
	assert_file_contains "$T/stderr" "ingest --sent: 5 messages read, 2 adopted as already sent, 0 contacts already had a first message, 1 not written by you"
	assert_eq "0:sent" "$(steps_of ws $C4)"
	assert_eq "0:sent" "$(steps_of ws $C5)"
	assert_eq "" "$(steps_of ws $C1)"
	assert_eq "CAHand-0001@mail.gmail.example" "$(msgid ws $C4)"
	assert_eq "$HAND" "$(sql ws "SELECT sent_at FROM messages WHERE message_id = '"'CAHand-0001@mail.gmail.example'"'")"
	assert_eq "Observership inquiry" "$(sent_subject ws $C5)"
	assert_eq 2 "$(sql ws "SELECT count(*) FROM events WHERE kind = '"'send.adopted'"'")"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM contacts WHERE email LIKE '"'friend@%'"'")"
	# again: nothing new
	assert_exit 0 o ws ingest --sent hand.mbox
	assert_file_contains "$T/stderr" "2 contacts already had a first message, 1 not written by you"
	assert_exit 0 o ws -v ingest --sent hand.mbox
	assert_file_contains "$T/stderr" "hand.mbox#5: not written by $MS_USER; skipped"
	assert_eq 2 "$(sql ws "SELECT count(*) FROM messages")"
'

test_expect_success 'send writes only to the others; the adopted threads get their follow-up planned' '
	assert_exit 0 o ws send --yes
	assert_file_contains "$T/stderr" "done: 3 sent"
	ms wait catchall 3 20 >/dev/null
	sleep 0.3
	assert_eq 0 "$(deliveries_to $C4)"
	assert_eq 0 "$(deliveries_to $C5)"
	assert_eq 1 "$(deliveries_to $C1)"
	# 7 business days after Sunday 2026-11-29 in the recipient'"'"'s zone: Tuesday 2026-12-08
	assert_eq "0:sent 1:queued" "$(steps_of ws $C4)"
	assert_eq "2026-12-08" "$(sql ws "SELECT date(due_at, '"'unixepoch'"') FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.email = '"'$C4'"' AND m.step = 1")"
'

mkdir -p replies md/new md/cur md/tmp
d1=$(rfcdate $((T0 + 86400)))
reply() { # SRC OUT EMAIL [ARGS]: a fixture answering EMAIL's first message
	local src=$1 out=$2 email=$3 id
	shift 3
	id=$(msgid ws "$email")
	mkmail "$src" "$out" --set "From: $email" --set "To: $MS_USER" --set "Date: $d1" \
		--set "In-Reply-To: <$id>" --set "References: <$id>" "$@"
}
reply "$FIX/gmail-toppost-offer.eml" replies/c1.eml $C1 --set "Message-ID: <ing-c1@mail.example.net>"
reply "$FIX/polite-refusal.eml" replies/c2.eml $C2 --set "Message-ID: <ing-c2@mail.example.net>" --crlf
cp "$FIX/mailing-list-newsletter.eml" replies/list.eml
reply "$FIX/info-dates-ecfmg.eml" "md/new/1796200000.M1P1.host,S=100" $C3 --set "Message-ID: <ing-c3@mail.example.net>"
reply "$FIX/ooo-gmail-vacation.eml" "md/cur/1796200001.M2P1.host:2,S" $C3 --set "Message-ID: <ing-c3-ooo@mail.example.net>" \
	--set "Date: $(rfcdate $((T0 + 2 * 86400)))" --body "I am away until December 14, 2026 and will reply when I return.
"
# half-delivered: a Maildir reader must not touch tmp/
reply "$FIX/gmail-terse-offer.eml" "md/tmp/1796200002.M3P1.host" $C3 --set "Message-ID: <ing-tmp@mail.example.net>"
# a reply to a hand-written message, and one with a body line that mbox had to quote
{
	echo "From $C4 Tue Dec  1 16:00:00 2026"
	mkmail "$FIX/gmail-terse-offer.eml" - --set "From: $C4" --set "To: $MS_USER" --set "Date: $d1" \
		--set "Message-ID: <ing-c4@mail.example.net>" --set "In-Reply-To: <CAHand-0001@mail.gmail.example>" \
		--set "References: <CAHand-0001@mail.gmail.example>"
	echo
	echo "From $C5 Tue Dec  1 17:00:00 2026"
	mkmail - - --set "From: Takeshi Nakamura <$C5>" --set "To: $MS_USER" --set "Date: $d1" \
		--set "Subject: Re: Observership inquiry" --set "Message-ID: <ing-c5@mail.example.net>" \
		--set "In-Reply-To: <CAHand-0002@mail.gmail.example>" \
		--body "Dear Amina,

We would be happy to host you for two weeks in March.
>From the desk of Dr. Nakamura: bring your immunization records.
>>From now on please write to my assistant.

Takeshi"
} >replies.mbox

test_expect_success 'a directory of .eml files (LF and CRLF): each recorded, the rest counted' '
	NOW=$((T0 + 3 * 86400))
	assert_exit 0 o ws ingest replies
	assert_file_contains "$T/stderr" "ingest: 3 messages read: 2 recorded, 0 already known, 1 not about any contact"
	assert_eq "offer in-reply-to" "$(replies_of ws $C1)"
	assert_eq "decline in-reply-to" "$(replies_of ws $C2)"
	assert_eq "file:replies/c1.eml" "$(reply_field ws $C1 source)"
	assert_eq "" "$(reply_field ws $C1 folder)"
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C1)"
'

test_expect_success 'a Maildir: new/ and cur/, not tmp/' '
	assert_exit 0 o ws ingest md
	assert_file_contains "$T/stderr" "ingest: 2 messages read: 2 recorded"
	# in file name order: cur/ before new/
	assert_eq "auto_reply in-reply-to
info_request in-reply-to" "$(replies_of ws $C3)"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM replies WHERE rfc_message_id = '"'ing-tmp@mail.example.net'"'")"
	assert_eq "2026-12-14" "$(sql ws "SELECT return_date FROM replies WHERE rfc_message_id = '"'ing-c3-ooo@mail.example.net'"'")"
'

test_expect_success 'an mbox: split on From_ lines, >From unquoted once, replies to hand-written mail matched' '
	assert_exit 0 o ws ingest replies.mbox
	assert_file_contains "$T/stderr" "ingest: 2 messages read: 2 recorded"
	assert_eq "offer in-reply-to" "$(replies_of ws $C4)"
	assert_eq "CAHand-0001@mail.gmail.example" "$(sql ws "SELECT m.message_id FROM replies r JOIN messages m ON m.id = r.message_row WHERE r.rfc_message_id = '"'ing-c4@mail.example.net'"'")"
	assert_eq "offer in-reply-to" "$(replies_of ws $C5)"
	assert_eq "file:replies.mbox#2" "$(reply_field ws $C5 source)"
	# ">From the desk" was a body line "From the desk": read as new text, not as a quote;
	# ">>From now on" was a quoted ">From now on": one ">" less, still a quote
	text=$(reply_field ws $C5 new_text)
	assert_contains "$text" "
From the desk of Dr. Nakamura: bring your immunization records."
	assert_not_contains "$text" "now on please write"
	assert_not_contains "$text" "From $C5"
	# the sequence of the adopted thread stops like any other
	assert_eq "0:sent 1:cancelled" "$(steps_of ws $C4)"
	assert_eq done "$(enrollment_of ws $C4)"
'

test_expect_success 'the same files again, and the same message by IMAP: nothing twice' '
	before=$(sql ws "SELECT count(*) || '"' '"' || (SELECT count(*) FROM events) FROM replies")
	assert_exit 0 o ws ingest replies/c1.eml replies/c1.eml
	assert_file_contains "$T/stderr" "ingest: 2 messages read: 0 recorded, 2 already known, 0 not about any contact"
	assert_exit 0 o ws ingest replies md replies.mbox
	assert_file_contains "$T/stderr" "ingest: 7 messages read: 0 recorded, 6 already known, 1 not about any contact"
	ms inject replies/c2.eml
	assert_exit 0 o ws poll
	assert_file_contains "$T/stderr" "1 already known"
	assert_eq "$before" "$(sql ws "SELECT count(*) || '"' '"' || (SELECT count(*) FROM events) FROM replies")"
'

test_expect_success 'bad paths and bad places: clear errors' '
	assert_exit 74 o ws ingest no-such-dir
	assert_eq "outreach: cannot read '"'"'no-such-dir'"'"': No such file or directory" "$(cat "$T/stderr")"
	assert_exit 64 o ws ingest
	mkdir -p nows
	assert_exit 64 env -C nows OUTREACH_NOW=$NOW "$OUTREACH" ingest ../replies
	assert_file_contains "$T/stderr" "not an outreach workspace"
'

test_done
