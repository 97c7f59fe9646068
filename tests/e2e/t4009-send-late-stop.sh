#!/bin/bash
# t4009-send-late-stop: a "please stop" recorded by another process (poll --watch running
# beside send, or the user's own 'outreach suppress') at the last moment before a message
# goes. The test-hooks binary runs the other process's write exactly between send's first
# look at the contact and the transaction that marks the message 'sending': the message must
# be cancelled there, atomically with the decision, and never reach the server. A pause
# recorded at that moment holds the message instead (queued until 'outreach resume').
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_outreach_hooks
require_cmd sqlite3 postfix dovecot

start_stack
make_workspace ws --contacts <(write_contacts /dev/stdout 5) || bail "cannot make the workspace"
sql ws "SELECT email FROM contacts ORDER BY id" >emails
[ "$(wc -l <emails)" = 5 ] || bail "the workspace has no five contacts"

# everyone asks to stop, written by another process just before the second message goes
cat >stop-all.sh <<EOF
#!/bin/sh
while read -r e; do
	"$OUTREACH" -q -C "\${1:-ws}" suppress add "\$e" --reason "asked to stop while the send ran" || exit 1
done <emails
EOF
chmod +x stop-all.sh

test_expect_success 'the message about to go when the stop is recorded is cancelled, not sent' '
	OUTREACH_TEST_RUN="before-sending:2:./stop-all.sh" hsend ws --yes >send.out 2>&1
	cat send.out
	assert_eq 1 "$(sql ws "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'sent'"'"'")"
	assert_eq 4 "$(sql ws "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'cancelled'"'"'")"
	assert_eq 0 "$(sql ws "SELECT count(*) FROM messages WHERE state IN ('"'"'sending'"'"', '"'"'unknown'"'"')")"
	assert_file_contains send.out "asked to stop while the send ran"
	wait_deliveries ws 1
	sleep 0.5
	assert_eq 1 "$(deliveries ws | wc -l)" "recipients reached"
	assert_integrity ws
'

test_expect_success 'each cancellation is an event, and nothing was sent twice' '
	assert_eq 4 "$(sql ws "SELECT count(*) FROM events WHERE kind = '"'"'send.cancelled'"'"'")"
	assert_none_twice ws
'

# what poll does with a "please remove me": the address suppressed and its waiting messages
# cancelled, in its own words, in one go — at the same moment
make_workspace ws3 --contacts <(write_contacts /dev/stdout 5) || bail "cannot make the third workspace"
cat >remove-me.sh <<EOS
#!/bin/sh
./stop-all.sh ws3 || exit 1
sqlite3 ws3/.outreach/outreach.db "UPDATE messages SET state = 'cancelled',
	last_error = 'outcome: asked not to be contacted' WHERE state IN ('queued', 'failed_temp')"
EOS
chmod +x remove-me.sh

test_expect_success 'messages the other process cancelled itself keep its reason; no second cancellation' '
	OUTREACH_TEST_RUN="before-sending:2:./remove-me.sh" hsend ws3 --yes >remove.out 2>&1
	cat remove.out
	assert_eq 1 "$(sql ws3 "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'sent'"'"'")"
	assert_eq 4 "$(sql ws3 "SELECT count(*) FROM messages WHERE state = '"'"'cancelled'"'"'
		AND last_error = '"'"'outcome: asked not to be contacted'"'"'")"
	assert_eq 0 "$(sql ws3 "SELECT count(*) FROM events WHERE kind = '"'"'send.cancelled'"'"'")"
	assert_integrity ws3
'

# the user pauses the campaign from another terminal just before the second message of a
# second workspace's send: that message and the rest stay queued for 'outreach resume'
make_workspace ws2 --contacts <(write_contacts /dev/stdout 5) || bail "cannot make the second workspace"
printf '#!/bin/sh\nexec "%s" -q -C ws2 pause --campaign observership\n' "$OUTREACH" >pause.sh
chmod +x pause.sh

test_expect_success 'a pause recorded at that moment holds the message: it stays queued' '
	OUTREACH_TEST_RUN="before-sending:2:./pause.sh" OUTREACH_PASSWORD=$MS_PASS "$OUTREACH_HOOKS" -v -C ws2 send --yes \
		>pause.out 2>&1
	cat pause.out
	assert_eq 1 "$(sql ws2 "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'sent'"'"'")"
	assert_eq 4 "$(sql ws2 "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'queued'"'"'")"
	assert_file_contains pause.out "paused or stopped since the queue was read; left queued"
	assert_integrity ws2
'

test_expect_success 'after resume, the held messages go, each once' '
	"$OUTREACH" -q -C ws2 resume --campaign observership
	send ws2 --yes >resume.out 2>&1
	assert_eq 5 "$(sql ws2 "SELECT count(*) FROM messages WHERE step = 0 AND state = '"'"'sent'"'"'")"
	wait_deliveries ws2 5
	assert_none_twice ws2
'

test_done
