#!/bin/bash
# t5030-poll-tls: 'outreach poll' verifies the IMAP server's certificate before it sends any
# credential — a self-signed certificate (with and without cafile), an expired one and one
# for another host are refused over IMAPS and over STARTTLS, and Dovecot's log shows that
# no login was even attempted; the good certificate is accepted only with the CA in cafile;
# insecure = yes is the documented way around, warned about.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_root
require_outreach
require_cmd sqlite3
start_stack good
start_stack selfsigned --cert selfsigned
start_stack expired --cert expired
start_stack wronghost --cert wronghost

write_csv contacts.csv "swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA"

# try STACK URL-KIND [KEY=VALUE...]: a workspace polling STACK over imaps (or imap =
# STARTTLS), then poll -vv; output in $T/stdout, $T/stderr; the Dovecot log lines of the
# attempt in $T/dovecot.
try() {
	local stack=$1 kind=$2 url
	shift 2
	use_stack "$stack"
	case $kind in
	imaps) url=imaps://127.0.0.1:$MS_IMAPS_PORT ;;
	starttls) url=imap://127.0.0.1:$MS_IMAP_PORT ;;
	esac
	rm -rf "$T/w"
	make_ws "$T/w" contacts.csv imap_url="$url" "$@" || return 1
	local mark rc=0
	mark=$(log_mark)
	o "$T/w" -vv poll >"$T/stdout" 2>"$T/stderr" || rc=$?
	sleep 0.6 # Dovecot logs a disconnect when the login process notices it
	dovecot_log_since "$mark" >"$T/dovecot"
	echo "$rc" >"$T/rc"
}

# refused REASON: the poll failed with EX_NOPERM, named the certificate problem, sent no
# LOGIN, and Dovecot saw no authentication.
refused() {
	assert_eq 77 "$(cat "$T/rc")" "exit status" || return 1
	assert_file_contains "$T/stderr" "outreach: TLS: the IMAP server's certificate for '127.0.0.1' is not trusted (The certificate is NOT trusted. $1" || return 1
	assert_file_contains "$T/stderr" "nothing was sent to it. If it uses a private CA, set cafile in outreach.conf" || return 1
	# not the LOGIN, and nothing else once TLS is up either (not even LOGOUT)
	assert_file_not_contains "$T/stderr" "<redacted>" || return 1
	assert_eq "" "$(grep "^imap > " "$T/stderr" | tr -d "\r" | grep -v "^imap > [0-9]* \(CAPABILITY\|STARTTLS\)$")" || return 1
	assert_file_not_contains "$T/stderr" "$MS_PASS" || return 1
	assert_file_not_contains "$T/dovecot" "Login: user=" || return 1
	assert_file_not_contains "$T/dovecot" "auth failed" || return 1
	assert_file_contains "$T/dovecot" "no auth attempts" || return 1
}

test_expect_success 'the good certificate with the CA in cafile: logged in over TLS, polled' '
	try good imaps
	assert_eq 0 "$(cat "$T/rc")"
	assert_file_contains "$T/stderr" "poll: 0 new messages in 1 folder"
	assert_file_contains "$T/dovecot" "Login: user=<$MS_USER>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1"
	assert_match "$(grep "Login: user=" "$T/dovecot")" ", TLS, "
	assert_file_not_contains "$T/stderr" "$MS_PASS"
'

test_expect_success 'the good certificate over STARTTLS: logged in only after TLS' '
	try good starttls
	assert_eq 0 "$(cat "$T/rc")"
	assert_file_contains "$T/stderr" "imap > 2 STARTTLS"
	assert_match "$(grep "Login: user=" "$T/dovecot")" ", TLS, "
	# the password went after STARTTLS (the trace shows the LOGIN redacted, after it)
	tls=$(grep -n "^imap > [0-9]* STARTTLS" "$T/stderr" | cut -d: -f1)
	login=$(grep -n "^imap > <redacted>" "$T/stderr" | cut -d: -f1)
	test "$tls" -lt "$login"
'

test_expect_success 'the good certificate without cafile: our CA is not the system'"'"'s, refused' '
	try good imaps cafile=
	refused "The certificate issuer is unknown"
'

test_expect_success 'self-signed, over IMAPS, with and without cafile: refused before LOGIN' '
	try selfsigned imaps
	refused "The certificate issuer is unknown"
	try selfsigned imaps cafile=
	refused "The certificate issuer is unknown"
'

test_expect_success 'self-signed over STARTTLS: refused before LOGIN' '
	try selfsigned starttls
	refused "The certificate issuer is unknown"
	assert_file_contains "$T/stderr" "STARTTLS"
'

test_expect_success 'expired: refused before LOGIN, over IMAPS and STARTTLS' '
	try expired imaps
	refused "The certificate chain uses expired certificate"
	try expired starttls
	refused "The certificate chain uses expired certificate"
'

test_expect_success 'issued for another host: refused before LOGIN, over IMAPS and STARTTLS' '
	try wronghost imaps
	refused "The name in the certificate does not match the expected"
	try wronghost starttls
	refused "The name in the certificate does not match the expected"
'

test_expect_success 'insecure = yes: accepted, with a warning on every run' '
	try selfsigned imaps insecure=yes
	assert_eq 0 "$(cat "$T/rc")"
	assert_file_contains "$T/stderr" "outreach: warning: insecure = yes in"
	assert_file_contains "$T/stderr" "server certificates are not verified"
	assert_file_contains "$T/dovecot" "Login: user=<$MS_USER>"
'

test_done
