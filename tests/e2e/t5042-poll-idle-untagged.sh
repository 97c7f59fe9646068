#!/bin/bash
# t5042-poll-idle-untagged: what the server may say while 'outreach poll --watch' idles.
# A proxy (netfault.py --say) slips untagged responses into the real Dovecot's stream
# during IDLE: a status line ("* OK Still here", an ALERT) must not end the IDLE; a change
# in the mailbox — an EXPUNGE, or a FETCH that carries a literal ({N} and N octets) — ends
# it, and the connection stays usable (DONE is answered, the next EXAMINE and IDLE go over
# the same session, with no reconnection); a status line and a change in one packet end it;
# a literal too large for anything unsolicited drops the session, which is resumed, and so
# does a connection closed under an idling client.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack

C1=c01@bostongeneral.example.org
write_csv contacts.csv "$C1|Ann|Adams|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA"
start_netfault say "$MS_IMAP_PORT" --say
make_ws ws contacts.csv poll_interval=20 || bail "cannot make the workspace"
o ws -q send --yes || bail "not sent"
# allow_plaintext is for the whole account: only after sending over STARTTLS
set_conf ws imap_url "imap://127.0.0.1:$NF_PORT"
set_conf ws allow_plaintext yes

start_bg watch env OUTREACH_NOW= OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C ws -vv poll --watch

count() { grep -c "$1" watch.err; }
idles() { count "^imap > [0-9]* IDLE"; }
dones() { count "^imap > DONE"; }
# idling: the proxy has seen the IDLE answered and no DONE after it
idling() { [ "$(idles)" -gt "$(dones)" ] && grep -q "^imap < + idling" watch.err; }
# say BYTES: have the proxy send BYTES (printf format) to the idling client, wait until sent
say() {
	printf "$1" >"$NF_DIR/say.tmp" && mv "$NF_DIR/say.tmp" "$NF_DIR/say"
	for i in $(seq 100); do [ -e "$NF_DIR/say" ] || return 0; sleep 0.02; done
	echo "the proxy did not say it" >&2
	return 1
}
wait_idling() { for i in $(seq 200); do idling && return 0; sleep 0.05; done; return 1; }
wait_dones() { for i in $(seq 60); do [ "$(dones)" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }

test_expect_success 'it polls, then idles' '
	wait_idling
	assert_eq 1 "$(idles)"
	assert_eq 0 "$(dones)"
'

test_expect_success 'a keepalive and an ALERT while idling: IDLE goes on' '
	say "* OK Still here\r\n"
	say "* OK [ALERT] Scheduled maintenance tonight\r\n"
	sleep 1.5
	assert_file_contains watch.err "imap < * OK Still here"
	assert_eq 1 "$(idles)"
	assert_eq 0 "$(dones)" "no DONE after a status line"
'

test_expect_success 'an EXPUNGE ends the IDLE; the same session polls and idles again' '
	say "* 1 EXPUNGE\r\n"
	wait_dones 1
	wait_idling
	assert_eq 2 "$(idles)"
	assert_file_not_contains watch.err "warning: IMAP"
	assert_eq 0 "$(wc -l <"$NF_DIR/log")" "no connection has ended"
'

test_expect_success 'a FETCH with a literal ends it, and the literal is read whole' '
	# the literal holds what would look like a tagged answer and a BYE if read as lines
	say "* 1 FETCH (UID 9 BODY[HEADER.FIELDS (SUBJECT)] {30}\r\nSubject: 7 OK BYE\r\n* BYE x\r\n\r\n)\r\n"
	wait_dones 2
	wait_idling
	assert_eq 3 "$(idles)"
	assert_file_not_contains watch.err "warning: IMAP"
	assert_eq 0 "$(wc -l <"$NF_DIR/log")" "no connection has ended"
'

test_expect_success 'a keepalive and an EXISTS in one packet: the EXISTS is not missed' '
	say "* OK Still here\r\n* 1 EXISTS\r\n"
	wait_dones 3
	wait_idling
	assert_eq 4 "$(idles)"
	assert_eq 0 "$(wc -l <"$NF_DIR/log")" "no connection has ended"
	kill -0 "$(cat watch.pid)"
'

test_expect_success 'a literal over 1 MB: the session is dropped, and resumed after 5 s' '
	say "* 1 FETCH (BODY[] {2000000}\r\n"
	for i in $(seq 60); do grep -q "reconnecting in 5 s" watch.err && break; sleep 0.05; done
	assert_file_contains watch.err "outreach: warning: IMAP IDLE: the connection failed, or the server sent what cannot be read; reconnecting in 5 s"
	for i in $(seq 40); do [ "$(wc -l <"$NF_DIR/log")" = 1 ] && break; sleep 0.05; done
	assert_file_contains "$NF_DIR/log" "conn 1 "
	k=$(idles)
	for i in $(seq 200); do [ "$(idles)" -gt "$k" ] && break; sleep 0.05; done
	assert_eq $((k + 1)) "$(idles)" "idling again, on a new connection"
	wait_idling
	kill -0 "$(cat watch.pid)"
'

test_expect_success 'the connection closed while idling: no DONE into the void, a new session' '
	k=$(idles)
	logins=$(grep -c "imap-login: Info: Login:" "$MS_LOGDIR/dovecot.log")
	: >"$NF_DIR/hangup"
	for i in $(seq 100); do [ -e "$NF_DIR/hangup" ] || break; sleep 0.05; done
	for i in $(seq 200); do [ "$(idles)" -gt "$k" ] && break; sleep 0.05; done
	assert_eq $((k + 1)) "$(idles)" "idling again"
	# seen as the end of the stream while idling, not found out by writing DONE to it
	assert_eq 2 "$(grep -c "IMAP IDLE: the connection failed, or the server sent what cannot be read; reconnecting in 5 s" watch.err)"
	assert_file_not_contains watch.err "IDLE DONE"
	assert_eq $((logins + 1)) "$(grep -c "imap-login: Info: Login:" "$MS_LOGDIR/dovecot.log")"
	kill -0 "$(cat watch.pid)"
'

test_expect_success 'SIGTERM: it logs out and exits 0' '
	kill -TERM "$(cat watch.pid)"
	for i in $(seq 100); do [ -s watch.rc ] && break; sleep 0.05; done
	assert_eq 0 "$(cat watch.rc)"
	assert_file_contains watch.err "LOGOUT"
	# one session until the oversized literal, one until the hang-up, one after it
	assert_eq 3 "$(grep -c "imap-login: Info: Login:" "$MS_LOGDIR/dovecot.log")" "sessions"
'

test_done
