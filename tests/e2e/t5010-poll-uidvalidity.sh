#!/bin/bash
# t5010-poll-uidvalidity: the server renumbers a folder (a new UIDVALIDITY: set with
# doveadm, and a rebuilt index that renumbers every message) — the next poll reads the folder
# again from the start, records only what is new, applies no effect twice, and counts the
# unrelated mail once; a reply without a Message-ID is recognised too.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3 doveadm
start_stack

write_csv contacts.csv \
	"swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"druiz@valley.example.edu|Daniel|Ruiz|MD|Internal Medicine|Department of Medicine|Valley University Health|Phoenix|AZ" \
	"m.chen@pinecrest.example.edu|Michael|Chen|MD|Pulmonology|Pulmonary and Critical Care|Pinecrest University Medical Center|Ann Arbor|MI" \
	"ebrooks@peachtree.example.org|Elena|Brooks|MD|Internal Medicine|Department of Medicine|Peachtree Memorial Hospital|Atlanta|GA"
make_ws ws contacts.csv --followups 1 || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ms wait catchall 4 20 >/dev/null || bail "the campaign was not delivered"

mkdir r
d1=$(rfcdate $((T0 + 86400)))
reply() { # SRC NAME EMAIL ARGS...
	local src=$1 name=$2 email=$3 id
	shift 3
	id=$(msgid ws "$email")
	mkmail "$src" "r/$name.eml" --set "From: $email" --set "To: $MS_USER" --set "Date: $d1" \
		--set "In-Reply-To: <$id>" --set "References: <$id>" "$@" --crlf
}
reply "$FIX/gmail-terse-offer.eml" offer swhitfield@bostongeneral.example.org --set "Message-ID: <t5010-offer@mail.example.net>"
# no Message-ID at all: what identifies it is its sender, date, subject and text
reply "$FIX/outlook-desktop-decline.eml" no-id druiz@valley.example.edu --drop Message-ID
mkmail "$FIX/mailing-list-newsletter.eml" r/list.eml --crlf
reply "$FIX/ooo-outlook-headers.eml" ooo m.chen@pinecrest.example.edu --set "Message-ID: <t5010-ooo@pinecrest.example.edu>" \
	--body "I am out of the office until Monday, December 14, 2026.
"
reply "$FIX/decline-fully-booked.eml" late ebrooks@peachtree.example.org --set "Message-ID: <t5010-late@peachtree.example.org>"
for f in offer no-id list; do
	ms inject r/$f.eml || bail "cannot inject $f"
done

doveadm() { command doveadm -c "$MS_ROOT/dovecot/dovecot.conf" "$@"; }
uidvalidity() { doveadm mailbox status -u "$MS_USER" uidvalidity INBOX | sed 's/.*uidvalidity=//'; }
# counts: "replies events(reply) events(outcome) suppressions cancelled-messages unmatched"
counts() {
	sql ws "SELECT (SELECT count(*) FROM replies) || ' ' ||
		(SELECT count(*) FROM events WHERE kind = 'reply') || ' ' ||
		(SELECT count(*) FROM events WHERE kind = 'outcome') || ' ' ||
		(SELECT count(*) FROM suppressions) || ' ' ||
		(SELECT count(*) FROM messages WHERE state = 'cancelled') || ' ' ||
		(SELECT unmatched FROM checkpoints WHERE folder = 'INBOX')"
}

test_expect_success 'the first poll records two answers, one of them without a Message-ID' '
	assert_exit 0 o ws poll
	assert_file_contains "$T/stderr" "poll: 3 new messages in 1 folder: 2 recorded"
	assert_eq "offer in-reply-to" "$(replies_of ws swhitfield@bostongeneral.example.org)"
	assert_eq "decline in-reply-to" "$(replies_of ws druiz@valley.example.edu)"
	assert_match "$(reply_field ws druiz@valley.example.edu fingerprint)" "^hash:[0-9a-f]{16}$"
	assert_eq "$(uidvalidity)" "$(sql ws "SELECT uidvalidity FROM checkpoints WHERE folder = '"'INBOX'"'")"
	assert_eq 3 "$(sql ws "SELECT last_uid FROM checkpoints WHERE folder = '"'INBOX'"'")"
	# 2 replies, 2 outcomes, 1 decline suppression, 2 follow-ups cancelled, 1 unrelated
	assert_eq "2 2 2 1 2 1" "$(counts)"
'

test_expect_success 'a new UIDVALIDITY (doveadm): the folder is read again, only the new answer is recorded' '
	old=$(uidvalidity)
	doveadm mailbox update -u "$MS_USER" --uid-validity $((old + 1000)) INBOX
	assert_eq $((old + 1000)) "$(uidvalidity)"
	ms inject r/ooo.eml
	mailbox_snapshot amina before.snap
	NOW=$((T0 + 2 * 86400))
	assert_exit 0 o ws -vv poll
	assert_file_contains "$T/stderr" "outreach: warning: folder '"'"'INBOX'"'"' was renumbered by the server (UIDVALIDITY $old -> $((old + 1000))): reading it again"
	# from the first UID again, up to UIDNEXT - 1
	assert_file_contains "$T/stderr" "UID FETCH 1:4 (UID RFC822.SIZE BODY.PEEK[HEADER])"
	assert_file_contains "$T/stderr" "poll: 4 new messages in 1 folder: 1 recorded (0 offers, 0 declines, 0 information requests, 1 auto-replies, 0 bounces, 0 other), 2 already known, 1 not about any contact"
	assert_eq "auto_reply in-reply-to" "$(replies_of ws m.chen@pinecrest.example.edu)"
	assert_eq "offer in-reply-to" "$(replies_of ws swhitfield@bostongeneral.example.org)"
	assert_eq "decline in-reply-to" "$(replies_of ws druiz@valley.example.edu)"
	assert_eq "3 3 3 1 2 1" "$(counts)"
	assert_eq $((old + 1000)) "$(sql ws "SELECT uidvalidity FROM checkpoints WHERE folder = '"'INBOX'"'")"
	assert_eq 4 "$(sql ws "SELECT last_uid FROM checkpoints WHERE folder = '"'INBOX'"'")"
	assert_mailbox_unchanged amina before.snap
'

test_expect_success 'a rebuilt index renumbers every message: still nothing twice' '
	old=$(uidvalidity)
	find "$MS_MAILDIR" -maxdepth 1 \( -name "dovecot-uidlist" -o -name "dovecot.index*" \) -delete
	ms inject r/late.eml
	new=$(uidvalidity)
	assert_ne "$old" "$new" "UIDVALIDITY after the rebuild"
	NOW=$((T0 + 3 * 86400))
	assert_exit 0 o ws poll
	assert_file_contains "$T/stderr" "was renumbered by the server (UIDVALIDITY $old -> $new)"
	assert_file_contains "$T/stderr" "poll: 5 new messages in 1 folder: 1 recorded (0 offers, 1 declines, 0 information requests, 0 auto-replies, 0 bounces, 0 other), 3 already known, 1 not about any contact"
	assert_eq "decline in-reply-to" "$(replies_of ws ebrooks@peachtree.example.org)"
	assert_eq "4 4 4 2 3 1" "$(counts)"
	assert_eq 1 "$(sql ws "SELECT count(*) FROM replies WHERE fingerprint LIKE '"'hash:%'"'")"
'

test_expect_success 'and the poll after that reads nothing again' '
	assert_exit 0 o ws -vv poll
	assert_eq 0 "$(grep -c "FETCH" "$T/stderr")"
	assert_file_contains "$T/stderr" "poll: 0 new messages"
	assert_eq "4 4 4 2 3 1" "$(counts)"
'

test_done
