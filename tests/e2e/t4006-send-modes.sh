#!/bin/bash
# t4006-send-modes: the ways of running send other than 'send everything now': --dry-run
# (nothing sent, nothing written), --to-self (tests to the sender, not recorded as sent),
# --drafts (IMAP Drafts with \Draft, state unknown with the reason), transport =
# maildir:PATH, --limit, and the confirmation (a terminal asks; without one, --yes or exit 64).
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_cmd "$PY" sqlite3 postfix dovecot script sha256sum

start_stack

# db_dump WS: the database's content (schema and rows) and the workspace's files, hashed.
db_dump() {
	sql "$1" .dump
	(cd "$1" && find . -type f ! -path ./.outreach/lock -exec sha256sum {} + | sort -k2)
}

make_workspace ws-dry smtp_url=smtp://127.0.0.1:1

test_expect_success '--dry-run: builds every message, talks to no server, writes nothing' '
	db_dump ws-dry >before
	assert_eq 0 "$(sql ws-dry "SELECT count(*) FROM messages")"
	SEND_PASSWORD=- assert_exit 0 send ws-dry --dry-run
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "dry run: 20 messages due; building each one, nothing is sent or recorded"
	assert_eq 20 "$(grep -c "^would send step 1 to " "$T/stdout")"
	assert_file_contains "$T/stdout" "would send step 1 to alexandros.p@olympia.example.org: Observership in Pulmonology at Olympia Clinic — Αλέξανδρος Παπαδόπουλος"
	db_dump ws-dry >after
	diff -u before after
	assert_eq 0 "$(sql ws-dry "SELECT count(*) FROM messages")"
	# the same without a password source at all: a dry run needs no login
	OUTREACH_PASSWORD= "$OUTREACH" -C ws-dry send --dry-run >/dev/null 2>err
	db_dump ws-dry >after
	diff -u before after
'

test_expect_success '--dry-run excludes --to-self, --drafts and --resolve (exit 64)' '
	assert_exit 64 send ws-dry --dry-run --to-self
	assert_file_contains "$T/stderr" "exclude each other"
	assert_exit 64 send ws-dry --drafts --resolve
	assert_exit 64 send ws-dry --limit 0 --yes
	assert_exit 64 send ws-dry --limit many --yes
	assert_exit 64 send ws-dry --yes extra-argument
'

write_contacts "$T/five.csv" 5
make_workspace ws-self --contacts "$T/five.csv"

test_expect_success '--to-self: the first message to the sender, marked as a test, not recorded as sent' '
	inbox0=$(ms list amina | grep -c "^new/" || true)
	assert_exit 0 send ws-self --to-self
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "sending 1 test message to amina@example.test (marked as tests, not recorded as sent)"
	ms wait amina $((inbox0 + 1))
	sleep 0.3
	ms list amina | grep "^new/" >inbox
	assert_eq $((inbox0 + 1)) "$(wc -l <inbox)"
	assert_eq "amina@example.test	amina@example.test	" "$(tail -n 1 inbox | cut -f3,4 | tr -d "\n"; printf "\t")"
	assert_match "$(tail -n 1 inbox | cut -f6)" "^\[outreach test\] Observership in Internal Medicine at Boston General Hospital — Sarah Whitfield$"
	# a fresh Message-ID, not the one planned for the physician
	planned=$(sql ws-self "SELECT message_id FROM messages WHERE contact_id = 1")
	assert_ne "<$planned>" "$(tail -n 1 inbox | cut -f5)"
	assert_states ws-self "$(expect_states ws-self "queued 0")"
	assert_eq 1 "$(sql ws-self "SELECT count(*) FROM events WHERE kind = '\''send.test'\''")"
	assert_eq "" "$(deliveries ws-self)" "nothing for the physicians"
	assert_eq "" "$(sent_copies ws-self)" "no Sent copy"
'

test_expect_success '--to-self --limit 3: three tests; then a real send still sends all five once' '
	inbox0=$(ms list amina | grep -c "^new/" || true)
	assert_exit 0 send ws-self --to-self --limit 3
	ms wait amina $((inbox0 + 3))
	assert_eq 3 "$(ms list amina | grep "^new/" | tail -n 3 | grep -c "	\[outreach test\] ")"
	assert_states ws-self "$(expect_states ws-self "queued 0")"
	assert_exit 0 send ws-self --yes
	wait_deliveries ws-self 5
	assert_none_twice ws-self
	assert_states ws-self "$(expect_states ws-self "sent 1")"
'

make_workspace ws-drafts --contacts "$T/five.csv"

test_expect_success '--drafts: each in Drafts with \Draft, state unknown with the reason; nothing sent' '
	assert_exit 0 send ws-drafts --drafts --yes
	cat "$T/stderr"
	assert_eq 5 "$(grep -c "draft .* saved in Drafts" "$T/stderr")"
	assert_states ws-drafts "$(expect_states ws-drafts "unknown 1")"
	assert_eq "saved as a draft: send it from your mail client, then '\''outreach send --resolve'\''" \
		"$(sql ws-drafts "SELECT DISTINCT last_error FROM messages")"
	sql ws-drafts "SELECT '\''<'\'' || message_id || '\''>'\'' FROM messages ORDER BY 1" >want
	ms list amina | awk -F"\t" "\$1 ~ /^\.Drafts\// && \$2 ~ /D/ { print \$5 }" | sort >drafts
	grep -Fxf want drafts >mine || true
	assert_eq "$(cat want)" "$(cat mine)" "the planned Message-IDs, each once, in Drafts with \\Draft"
	sleep 0.3
	assert_eq "" "$(deliveries ws-drafts)" "nothing delivered"
	assert_eq "" "$(sent_copies ws-drafts)" "no Sent copy"
	# not sent again by a normal send
	assert_exit 0 send ws-drafts --yes
	assert_file_contains "$T/stderr" "nothing is due"
'

make_workspace ws-maildir --contacts "$T/five.csv" "transport=maildir:$T/outbox" smtp_url=smtp://127.0.0.1:1 save_sent=no

test_expect_success 'transport = maildir:PATH: each message a file in PATH/new, sent, no server' '
	SEND_PASSWORD=- assert_exit 0 send ws-maildir --yes
	cat "$T/stderr"
	assert_states ws-maildir "$(expect_states ws-maildir "sent 1")"
	assert_eq 5 "$(find "$T/outbox/new" -type f | wc -l)"
	assert_eq 0 "$(find "$T/outbox/tmp" -type f | wc -l)"
	# the queue id is the file name; the file is the message with that Message-ID
	sql ws-maildir "SELECT queue_id || '\'' '\'' || message_id FROM messages" >rows
	while read -r qid mid; do
		assert_file_contains "$T/outbox/new/$qid" "Message-ID: <$mid>"
		cp "$T/outbox/new/$qid" "$T/outbox-$qid.eml"
	done <rows
	mkdir eml
	mv "$T"/outbox-*.eml eml/
	"$PY" "$TOP/tests/tools/emlcheck.py" eml
	assert_exit 0 send ws-maildir --yes
	assert_file_contains "$T/stderr" "nothing is due"
	assert_eq 5 "$(find "$T/outbox/new" -type f | wc -l)"
	assert_eq "" "$(deliveries ws-maildir)"
'

make_workspace ws-limit

test_expect_success '--limit 7: the first seven go, the rest stay queued for the next run' '
	assert_exit 0 send ws-limit --limit 7 --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "send: 7 messages can go now"
	assert_file_contains "$T/stderr" ", 13 later"
	assert_file_contains "$T/stderr" "done: 7 sent"
	assert_states ws-limit "$(expect_states ws-limit "queued 0" "1-7=sent 1")"
	# a dry run now lists exactly the 13 left, and changes nothing
	assert_exit 0 send ws-limit --dry-run
	assert_eq 13 "$(grep -c "^would send step 1 to " "$T/stdout")"
	assert_eq "" "$(grep -F -e "$(contact_email 1)" -e "$(contact_email 7)" "$T/stdout" || true)"
	assert_states ws-limit "$(expect_states ws-limit "queued 0" "1-7=sent 1")"
	assert_exit 0 send ws-limit --yes
	assert_states ws-limit "$(expect_states ws-limit "sent 1")"
	wait_deliveries ws-limit 20
	assert_none_twice ws-limit
'

make_workspace ws-ask --contacts "$T/five.csv"

# on_tty INPUT ARGS...: outreach -C ws-ask send ARGS on a pseudo-terminal, typing INPUT.
on_tty() {
	local input=$1
	shift
	printf "%s\n" "$input" | OUTREACH_PASSWORD=$MS_PASS script -qec "$OUTREACH -C ws-ask send $*" /dev/null
}

test_expect_success 'no terminal and no --yes: exit 64, nothing sent' '
	assert_exit 64 send ws-ask
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "not on a terminal: add --yes to confirm (or --dry-run to look first)"
	assert_states ws-ask "$(expect_states ws-ask "queued 0")"
	assert_exit 64 send ws-ask --wait
	assert_states ws-ask "$(expect_states ws-ask "queued 0")"
'

test_expect_success 'on a terminal: send asks; "n" sends nothing, "y" sends' '
	on_tty n >tty.out
	cat tty.out
	assert_file_contains tty.out "Send them now? [y/N]"
	assert_file_contains tty.out "nothing was sent"
	assert_states ws-ask "$(expect_states ws-ask "queued 0")"
	on_tty "" >tty.out
	assert_file_contains tty.out "nothing was sent"
	on_tty y >tty.out
	assert_file_contains tty.out "done: 5 sent"
	# the progress bar, on a terminal
	assert_file_contains tty.out "] 5/5 "
	assert_states ws-ask "$(expect_states ws-ask "sent 1")"
	wait_deliveries ws-ask 5
	assert_none_twice ws-ask
'

test_done
