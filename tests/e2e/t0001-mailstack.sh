#!/bin/bash
# t0001-mailstack: the test mail stack itself (tests/mailstack/mailstack, tests/lib.sh),
# checked with Python's stdlib clients: TLS, AUTH, catch-all delivery, every fault trigger,
# inject/list/wait/snapshot, smtp-sink, and that stop and sweep leave nothing running.
. "${0%/*}/../lib.sh"
require_root
require_cmd "$PY" openssl postfix dovecot smtp-sink ss

client() { "$PY" "$TOP/tests/mailstack/msclient.py" "$@"; }
# submit ARGS: submission with STARTTLS + AUTH as amina (msclient.py smtp options).
submit() { client smtp "$MS_SUBMISSION_PORT" --login "$MS_USER" "$MS_PASS" "$@"; }
# fault ARGS: the same, with the transcript kept in $T/faults.log.
fault() { submit "$@" | tee -a "$T/faults.log"; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; } # lt A B: A < B, decimals

# daemon_pids ROOTDIR: every process tied to ROOTDIR, found without the script's own
# matching: by command line (dovecot -c, smtp-sink -d, Dovecot's instance name in the
# process title) or by a working directory inside ROOTDIR. Zombies do not count.
daemon_pids() {
	local root=$1 p
	ps -eo pid=,stat=,args= | awk -v r="$root/" -v i="mailstack-${root//\//_}/" \
		'$2 !~ /^Z/ && (index($0, r) || index($0, i)) && !/awk|ps -eo/ { print $1 }'
	find /proc/[0-9]*/cwd -maxdepth 0 -lname "$root/*" 2>/dev/null | cut -d/ -f3 |
		while read -r p; do
			grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null || echo "$p"
		done
}

touch "$T/.t0"
sleep 1 # so that find -newer "$T/.t0" at the end cannot miss a write in the same second

t0=$EPOCHREALTIME
start_stack
start_secs=$(_elapsed "$t0")
echo "# start: $start_secs s"

test_expect_success 'start is fast and writes a complete env' '
	lt "$start_secs" 3
	for v in MS_ROOT MS_USER MS_PASS MS_USER2 MS_PASS2 MS_CATCHALL MS_CATCHALL_PASS MS_DOMAIN \
		MS_SUBMISSION_PORT MS_SMTPS_PORT MS_MX_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT \
		MS_CAFILE MS_CERT MS_CERTDIR MS_MAILDIR MS_CATCHALL_MAILDIR MS_LOGDIR; do
		assert_ne "" "${!v}" "$v"
	done
	assert_eq "$T/ms" "$MS_ROOT"
	assert_eq amina@example.test "$MS_USER"
	assert_eq good "$MS_CERT"
	ports="$MS_SUBMISSION_PORT $MS_SMTPS_PORT $MS_MX_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT"
	assert_eq 6 "$(printf "%s\n" $ports | sort -u | wc -l)" "six distinct ports"
	test -r "$MS_CAFILE"
	test -d "${MS_MAILDIR%/Maildir}" # the homes exist from the start
'

test_expect_success 'every daemon listens on 127.0.0.1 only' '
	pids=$("$MAILSTACK" pids "$MS_ROOT" | cut -d" " -f1 | paste -sd"|")
	assert_ne "" "$pids"
	ss -Hlntup >ss.out
	grep -E "pid=($pids)," ss.out >ours
	for p in $MS_SUBMISSION_PORT $MS_SMTPS_PORT $MS_MX_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT; do
		assert_file_contains ours "127.0.0.1:$p "
	done
	assert_eq 6 "$(wc -l <ours)" "listening sockets of the stack"
	assert_eq "" "$(awk "{ print \$5 }" ours | grep -v "^127\.0\.0\.1:" || true)" "listeners elsewhere"
'

test_expect_success 'submission: STARTTLS + AUTH delivers to physicians via the catch-all' '
	submit --rcpt dr.lee@hospital.example --rcpt "o.brien+x@med.example.edu" >out
	cat out
	assert_file_contains out "login 235"
	assert_file_contains out "rcpt dr.lee@hospital.example 250"
	assert_file_contains out "data 250"
	ms wait catchall 2
	ms list catchall >list
	cat list
	assert_file_contains list "	catchall+dr.lee=hospital.example@example.test	dr.lee@hospital.example	"
	assert_file_contains list "	catchall+o.brien+x=med.example.edu@example.test	o.brien+x@med.example.edu	"
	n=$(grep -n "catchall+dr.lee=" list | cut -d: -f1)
	ms fetch catchall "$n" >msg
	assert_file_contains msg "Delivered-To: catchall+dr.lee=hospital.example@example.test"
	assert_file_contains msg "Message-ID: $(sed -n "s/^message-id //p" out)"
	assert_file_contains msg "To: dr.lee@hospital.example, o.brien+x@med.example.edu"
	assert_eq "" "$(ms list amina)" "nothing in the sender mailbox"
'

test_expect_success 'smtps: implicit TLS + AUTH delivers to a local user' '
	client smtp "$MS_SMTPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS" --rcpt "$MS_USER2" >out
	cat out
	assert_file_contains out "login 235"
	assert_file_contains out "data 250"
	ms wait omar 1
	assert_contains "$(ms list omar)" "	omar@example.test	omar@example.test	"
'

test_expect_success 'a bad password is refused: 535 on submission and smtps, NO on IMAP' '
	client smtp "$MS_SUBMISSION_PORT" --login "$MS_USER" "wrong$MS_PASS" --rcpt a@hospital.example >out
	assert_file_contains out "login 535 5.7.8"
	assert_file_not_contains out "mail "
	client smtp "$MS_SMTPS_PORT" --tls implicit --login "$MS_USER2" "$MS_PASS" --rcpt a@hospital.example >out
	assert_file_contains out "login 535"
	client imap "$MS_IMAPS_PORT" --tls implicit --login "$MS_USER" "wrong" >out
	assert_file_contains out "login NO"
	assert_file_contains out "AUTHENTICATIONFAILED"
'

test_expect_success 'submission without STARTTLS: AUTH not offered, AUTH and MAIL refused' '
	client smtp "$MS_SUBMISSION_PORT" --tls none --login "$MS_USER" "$MS_PASS" --rcpt a@x.example >out
	cat out
	grep "^ehlo" out >ehlo
	assert_file_not_contains ehlo "AUTH"
	assert_file_contains out "login not-offered"
	client smtp "$MS_SUBMISSION_PORT" --tls none --auth-before-tls "$MS_USER" "$MS_PASS" --rcpt a@x.example >out
	cat out
	assert_file_contains out "auth 530 5.7.0 Must issue a STARTTLS command first"
	assert_file_contains out "mail 530"
'

test_expect_success 'mx: no AUTH needed for local users, no relaying for anyone else' '
	before=$(ms list amina | wc -l)
	client smtp "$MS_MX_PORT" --tls none --from dr.lee@hospital.example \
		--rcpt dr.other@hospital.example --rcpt "$MS_USER" >out
	cat out
	assert_file_contains out "rcpt dr.other@hospital.example 554 5.7.1 <dr.other@hospital.example>: Relay access denied"
	assert_file_contains out "rcpt amina@example.test 250"
	ms wait amina $((before + 1))
'

test_expect_success 'the CA file verifies the server for 127.0.0.1 and localhost, on every TLS port' '
	for name in 127.0.0.1 localhost; do
		assert_eq "verified TLSv1.3" "$(client tls "$MS_SMTPS_PORT" $name)" "smtps $name"
		assert_eq "verified TLSv1.3" "$(client tls "$MS_IMAPS_PORT" $name)" "imaps $name"
		assert_eq "verified TLSv1.3" "$(client tls "$MS_SUBMISSION_PORT" $name smtp-starttls)" "submission $name"
		assert_eq "verified TLSv1.3" "$(client tls "$MS_IMAP_PORT" $name imap-starttls)" "imap $name"
	done
	# The same client does check: another name, or the system CAs, are refused.
	assert_match "$(client tls "$MS_SMTPS_PORT" other.example)" "^refused: Hostname mismatch"
	assert_match "$(client tls "$MS_IMAPS_PORT" localhost --cafile /etc/ssl/certs/ca-certificates.crt)" \
		"^refused: unable to get local issuer certificate"
	openssl verify -CAfile "$MS_CAFILE" "$MS_CERTDIR/good.crt"
'

test_expect_success 'IMAPS and IMAP+STARTTLS logins work; Dovecot logs them as TLS' '
	client imap "$MS_IMAPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS" --examine-fetch >out
	cat out
	assert_file_contains out "login OK"
	assert_file_contains out "examine OK $(ms list amina | wc -l)"
	client imap "$MS_IMAP_PORT" --tls starttls --login "$MS_USER2" "$MS_PASS2" >out
	cat out
	assert_file_contains out "starttls OK"
	assert_file_contains out "login OK"
	grep "imap-login: Info: Login: user=<omar@example.test>" "$MS_LOGDIR/dovecot.log" >logins
	assert_file_contains logins ", TLS, "
	# Dovecot counts loopback as secure: plaintext IMAP LOGIN works and is logged "secured".
	client imap "$MS_IMAP_PORT" --tls none --login "$MS_USER2" "$MS_PASS2" >out
	assert_file_contains out "login OK"
	grep "imap-login: Info: Login: user=<omar@example.test>" "$MS_LOGDIR/dovecot.log" >logins
	assert_file_contains logins ", secured, "
'

test_expect_success 'fault triggers at RCPT give the documented codes' '
	before=$(ms list catchall | wc -l)
	out=$(fault --rcpt x@reject.example --rcpt y@greylist.example --rcpt z@full.example \
		--rcpt nobody@example.test --rcpt ok@hospital.example)
	assert_contains "$out" "rcpt x@reject.example 550 5.1.1 <x@reject.example>: Recipient address rejected: user unknown (mailstack)"
	assert_contains "$out" "rcpt y@greylist.example 450 4.7.1 <y@greylist.example>: Recipient address rejected: greylisted, try again later (mailstack)"
	assert_contains "$out" "rcpt z@full.example 452 4.2.2 <z@full.example>: Recipient address rejected: mailbox full (mailstack)"
	assert_contains "$out" "rcpt nobody@example.test 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown"
	assert_contains "$out" "rcpt ok@hospital.example 250"
	out=$(fault --rcpt x@sub.reject.example)
	assert_contains "$out" "rcpt x@sub.reject.example 550 5.1.1"
	out=$(fault --rcpt a@disconnect.example --rcpt b@hospital.example)
	assert_contains "$out" "rcpt a@disconnect.example 421 4.7.0 <a@disconnect.example>: Recipient address rejected: service shutting down, closing connection (mailstack)"
	assert_contains "$out" "disconnected"
	assert_not_contains "$out" "rcpt b@hospital.example"
	ms wait catchall $((before + 1))
	sleep 0.3
	assert_eq $((before + 1)) "$(ms list catchall | wc -l)" "only ok@hospital.example delivered"
'

test_expect_success 'fault triggers after the body give the documented codes (TLS + AUTH)' '
	before=$(ms list catchall | wc -l)
	out=$(fault --rcpt a@reject-data.example)
	assert_contains "$out" "rcpt a@reject-data.example 250"
	assert_contains "$out" "data 554 5.7.1 <a@reject-data.example>: Recipient address rejected: message content rejected (mailstack)"
	out=$(fault --rcpt a@defer-data.example)
	assert_contains "$out" "data 451 4.7.1 <a@defer-data.example>: Recipient address rejected: temporary failure after the body, try again later (mailstack)"
	out=$(fault --rcpt a@hospital.example --header "X-Mailstack-Fault: reject")
	assert_contains "$out" "data 550 5.7.1 message rejected by header check (mailstack)"
	out=$(fault --rcpt a@hospital.example --header "X-Mailstack-Fault: defer")
	assert_contains "$out" "data 451 4.7.1 message deferred by header check, try again later (mailstack)"
	out=$(fault --rcpt a@hospital.example --subject "Observership [ms-reject]")
	assert_contains "$out" "data 550 5.7.1 message rejected by header check (mailstack)"
	out=$(fault --rcpt a@hospital.example --subject "Observership [ms-defer]")
	assert_contains "$out" "data 451 4.7.1 message deferred by header check, try again later (mailstack)"
	out=$(client smtp "$MS_SMTPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS" --rcpt a@defer-data.example)
	assert_contains "$out" "data 451 4.7.1 "
	sleep 0.3
	assert_eq "$before" "$(ms list catchall | wc -l)" "nothing delivered"
'

test_expect_success 'bounce.example: accepted, then a real DSN reaches the sender' '
	before=$(ms list amina | wc -l)
	out=$(fault --rcpt dr.who@bounce.example)
	assert_contains "$out" "rcpt dr.who@bounce.example 250"
	assert_contains "$out" "data 250"
	ms wait amina $((before + 1))
	ms fetch amina $((before + 1)) >dsn
	assert_file_contains dsn "Return-Path: <>"
	assert_file_contains dsn "Content-Type: multipart/report; report-type=delivery-status;"
	assert_file_contains dsn "Final-Recipient: rfc822; dr.who@bounce.example"
	assert_file_contains dsn "Status: 5.1.1"
	assert_file_contains dsn "$(sed -n "s/^message-id //p" <<<"$out")"
'

cat >"$T/reply.eml" <<'EOF'
From: Dr. Lee <dr.lee@hospital.example>
To: Amina Diallo <amina@example.test>
Subject: Re: Observership request
Message-ID: <reply-1@hospital.example>
In-Reply-To: <req-1@example.test>

Happy to talk. Please call my office.
EOF

test_expect_success 'inject plants a message (LMTP and mx); list and fetch show it' '
	before=$(ms list amina | wc -l)
	ms inject "$T/reply.eml"
	ms list amina >list
	assert_eq $((before + 1)) "$(wc -l <list)"
	assert_file_contains list "	<reply-1@hospital.example>	Re: Observership request"
	ms fetch amina "<reply-1@hospital.example>" >msg
	assert_file_contains msg "Return-Path: <dr.lee@hospital.example>"
	assert_file_contains msg "Happy to talk. Please call my office."
	ms fetch amina reply-1@hospital.example | cmp - msg
	sed "s/reply-1/reply-2/" "$T/reply.eml" >r2.eml
	ms inject r2.eml "$MS_USER2" --from ""
	ms fetch omar "<reply-2@hospital.example>" >msg2
	assert_file_contains msg2 "Return-Path: <>"
	sed "s/reply-1/reply-3/" "$T/reply.eml" >r3.eml
	ms inject r3.eml --mx
	ms wait amina $((before + 2))
	assert_contains "$(ms list amina)" "<reply-3@hospital.example>"
	assert_exit 1 "$MAILSTACK" inject "$MS_ROOT" r3.eml nobody@example.test
	assert_file_contains "$T/stderr" "nobody@example.test"
	assert_exit 1 "$MAILSTACK" fetch "$MS_ROOT" amina "<no-such@id>"
'

test_expect_success 'wait fails after its timeout when the mail does not come' '
	t=$EPOCHREALTIME
	assert_exit 1 "$MAILSTACK" wait "$MS_ROOT" amina 99 0.5
	assert_file_contains "$T/stderr" "wanted 99"
	secs=$(_elapsed "$t")
	lt 0.4 "$secs"
	lt "$secs" 3
'

test_expect_success 'snapshot: read-only IMAP leaves the mailbox unchanged, \Seen does not' '
	mailbox_snapshot amina snap
	lt 0 "$(grep -c "^message" snap)"
	client imap "$MS_IMAPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS" --examine-fetch >out
	assert_file_contains out "fetch OK"
	assert_mailbox_unchanged amina snap
	client imap "$MS_IMAPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS" --mark-seen 1 >out
	assert_file_contains out "store OK"
	if assert_mailbox_unchanged amina snap 2>err; then
		echo "the snapshot did not see the new \\Seen flag"
		exit 1
	fi
	assert_file_contains err "mailbox of amina changed"
'

test_expect_success 'smtp-sink: replies from the notes table, capture, stop' '
	mkdir "$T/sinks"
	track_stack "$T/sinks"
	port=$("$MAILSTACK" sink "$T/sinks" rej -f rcpt -B "550 5.1.1 User unknown")
	out=$(client smtp "$port" --tls none --rcpt a@hospital.example)
	assert_contains "$out" "rcpt a@hospital.example 550 5.1.1 User unknown"
	port=$("$MAILSTACK" sink "$T/sinks" grey -r mail -b "451 4.7.1 Greylisted, try again later")
	out=$(client smtp "$port" --tls none --rcpt a@hospital.example)
	assert_contains "$out" "mail 451 4.7.1 Greylisted, try again later"
	port=$("$MAILSTACK" sink "$T/sinks" hangup -Q rcpt)
	out=$(client smtp "$port" --tls none --rcpt a@hospital.example)
	assert_contains "$out" "421 4.0.0 Server closing connection"
	start_sink ok
	out=$(client smtp "$SINK_PORT" --tls none --rcpt a@hospital.example --rcpt b@med.example.edu)
	assert_contains "$out" "data 250"
	assert_eq 1 "$(sink_count ok)"
	assert_file_contains "$(find "$SINK_DIR/mail" -type f)" "X-Rcpt-Args: <b@med.example.edu>"
	assert_exit 1 "$MAILSTACK" sink "$T/sinks" ok
	assert_exit 1 "$MAILSTACK" sink "$T/sinks" bad -Z nonsense
	assert_eq 4 "$("$MAILSTACK" pids "$T/sinks" | grep -c smtp-sink)"
	stop_sink ok
	assert_eq 3 "$("$MAILSTACK" pids "$T/sinks" | grep -c smtp-sink)"
	"$MAILSTACK" stop "$T/sinks"
	assert_eq "" "$("$MAILSTACK" pids "$T/sinks")"
	assert_eq "" "$(daemon_pids "$T/sinks")"
'

start_stack expired --cert expired
start_stack wronghost --cert wronghost
start_stack selfsigned --cert selfsigned
use_stack ms

test_expect_success 'expired, wrong-host and self-signed certificates are refused by a verifying client' '
	for c in "expired:certificate has expired" "wronghost:(Hostname|IP address) mismatch" "selfsigned:self-signed certificate"; do
		name=${c%%:*} why=${c#*:}
		use_stack "$name"
		assert_eq "$name" "$MS_CERT"
		for mode in "$MS_SMTPS_PORT" "$MS_IMAPS_PORT" "$MS_SUBMISSION_PORT smtp-starttls" "$MS_IMAP_PORT imap-starttls"; do
			set -- $mode
			assert_match "$(client tls "$1" localhost ${2:-})" "^refused: $why"
			# With verification off the same port works: what is refused is the certificate.
			assert_match "$(client tls "$1" localhost ${2:-} --cafile none)" "^verified"
		done
		assert_match "$(submit --rcpt a@hospital.example)" "refused: $why"
		assert_match "$(client imap "$MS_IMAPS_PORT" --tls implicit --login "$MS_USER" "$MS_PASS")" "refused: $why"
	done
'

test_expect_success 'four stacks at once: distinct ports, separate mailboxes' '
	for s in ms expired wronghost selfsigned; do
		use_stack $s
		echo $MS_SUBMISSION_PORT $MS_SMTPS_PORT $MS_MX_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT
	done | tr " " "\n" >ports
	assert_eq 24 "$(sort -u ports | wc -l)" "distinct ports"
	use_stack expired
	ms inject "$T/reply.eml" "$MS_USER2"
	assert_eq 1 "$(ms list omar | wc -l)"
	use_stack ms
	assert_not_contains "$(ms list omar)" "<reply-1@hospital.example>"
'

test_expect_success 'two stacks started concurrently both come up and work' '
	mkdir "$T/c1" "$T/c2"
	track_stack "$T/c1"
	track_stack "$T/c2"
	MS_OWNER_PID=$$ "$MAILSTACK" start "$T/c1" &
	p1=$!
	MS_OWNER_PID=$$ "$MAILSTACK" start "$T/c2" &
	p2=$!
	wait $p1
	wait $p2
	for s in c1 c2; do
		use_stack $s
		assert_contains "$(submit --rcpt dr.x@hospital.example)" "data 250"
		ms wait catchall 1
	done
'

# hold-imap.py: log in over IMAPS, select INBOX, keep the session open for 10 s.
cat >"$T/hold-imap.py" <<'EOF'
import imaplib, os, ssl, time
ctx = ssl.create_default_context(cafile=os.environ["MS_CAFILE"])
c = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["MS_IMAPS_PORT"]), ssl_context=ctx)
c.login(os.environ["MS_USER"], os.environ["MS_PASS"])
c.select()
print("logged in", flush=True)
time.sleep(10)
EOF

test_expect_success 'stop is fast, idempotent and leaves no process or listener' '
	use_stack c1
	ports="$MS_SUBMISSION_PORT $MS_SMTPS_PORT $MS_MX_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT"
	# A client still logged in (an imap process) must not slow the stop down.
	py "$T/hold-imap.py" >held.out 2>&1 &
	held=$!
	for i in $(seq 100); do grep -q "logged in" held.out && break; sleep 0.05; done
	assert_file_contains held.out "logged in"
	assert_ne "" "$(daemon_pids "$T/c1")"
	t=$EPOCHREALTIME
	"$MAILSTACK" stop "$T/c1"
	secs=$(_elapsed "$t")
	echo "# stop: $secs s" >&3
	lt "$secs" 1.5
	assert_eq "" "$(daemon_pids "$T/c1")" "processes left"
	kill $held 2>/dev/null || true
	assert_eq "" "$("$MAILSTACK" pids "$T/c1")"
	ss -Hltn >ss.out
	for p in $ports; do assert_file_not_contains ss.out "127.0.0.1:$p "; done
	t=$EPOCHREALTIME
	"$MAILSTACK" stop "$T/c1"
	"$MAILSTACK" stop "$T/never-started"
	lt "$(_elapsed "$t")" 0.5
	assert_ne "" "$(daemon_pids "$T/c2")" "the other stack"
	use_stack c2
	assert_contains "$(submit --rcpt dr.y@hospital.example)" "data 250"
' 3>&1

test_expect_success 'start refuses a running stack, a long path, a 0700 parent, bad options' '
	assert_exit 1 "$MAILSTACK" start "$T/c2"
	assert_file_contains "$T/stderr" "already running"
	long=$T/$(printf "x%.0s" $(seq 60))
	mkdir "$long"
	assert_exit 1 "$MAILSTACK" start "$long"
	assert_file_contains "$T/stderr" "too long"
	priv=$(mktemp -d /tmp/e2e-priv.XXXXXX)
	mkdir "$priv/ms"
	rc=0
	assert_exit 1 "$MAILSTACK" start "$priv/ms" || rc=1
	rm -rf "$priv"
	test $rc = 0
	assert_file_contains "$T/stderr" "not reachable"
	mkdir "$T/opt"
	assert_exit 1 "$MAILSTACK" start "$T/opt" --cert bogus
	assert_file_contains "$T/stderr" "bogus"
	assert_eq "" "$("$MAILSTACK" pids "$T/opt")"
'

# A test file that starts a stack and is then killed: by SIGTERM (its trap stops the stack)
# or by SIGKILL (nothing of it runs; `mailstack sweep` must find and stop the orphan).
cat >"$T/victim.sh" <<EOF
. "$TOP/tests/lib.sh"
start_stack
echo "\$MS_ROOT" >"$T/victim.\$1"
while :; do sleep 0.1; done
EOF

# victim NAME: start victim.sh in the background; sets v (its pid) and root (its stack).
victim() {
	bash "$T/victim.sh" "$1" >"victim.$1.out" 2>&1 &
	v=$!
	for i in $(seq 200); do [ -s "$T/victim.$1" ] && break; sleep 0.05; done
	root=$(cat "$T/victim.$1")
}

test_expect_success 'a test killed by SIGTERM stops its stack and keeps its temp dir' '
	victim term
	assert_ne "" "$(daemon_pids "$root")"
	kill -TERM $v
	rc=0
	wait $v || rc=$?
	assert_eq 143 "$rc" "exit status of the killed test"
	assert_eq "" "$(daemon_pids "$root")"
	assert_file_contains victim.term.out "kept ${root%/ms}"
	rm -rf "${root%/ms}"
'

test_expect_success 'a stack orphaned by SIGKILL is stopped by sweep; live stacks are not' '
	victim kill
	kill -KILL $v
	wait $v || true
	assert_ne "" "$(daemon_pids "$root")" "the orphaned stack runs on"
	"$MAILSTACK" sweep 2>sweep.err
	assert_file_contains sweep.err "stopping stale stack $root"
	assert_eq "" "$(daemon_pids "$root")"
	assert_ne "" "$(daemon_pids "$MS_ROOT")"
	assert_ne "" "$(daemon_pids "$T/c2")"
	# a second sweep finds nothing of ours (a test suite running beside this one may have
	# a stale stack of its own for a moment: that is not this test'"'"'s business)
	"$MAILSTACK" sweep --check 2>sweep2.err || assert_file_contains sweep2.err "stopping stale stack"
	assert_file_not_contains sweep2.err "$T/"
	assert_file_not_contains sweep2.err "$root"
	rm -rf "${root%/ms}"
'

test_expect_success 'nothing written to system mail directories; nothing can relay' '
	find /var/spool/postfix /var/lib/postfix /var/lib/dovecot /etc/postfix /etc/dovecot /run/dovecot \
		-newer "$T/.t0" >written 2>/dev/null || true
	assert_eq "" "$(cat written)" "files written outside ROOTDIR"
	assert_eq "" "$(postconf -c "$MS_ROOT/postfix/etc" -M smtp/unix relay/unix 2>/dev/null || true)" "smtp client services"
	assert_match "$(postconf -c "$MS_ROOT/postfix/etc" -h default_transport)" "^error:"
'

test_done
