# tests/e2e/poll-lib.sh: workspaces, crafted replies and database queries for the reply
# tracking (t5NNN) and follow-up (t6NNN) tests, sourced after tests/lib.sh:
#
#   . "${0%/*}/../lib.sh"
#   . "$TOP/tests/e2e/poll-lib.sh"
#   start_stack
#   write_csv contacts.csv "dr.a@hosp-a.example.org|Ann|Lee|MD|Cardiology|Medicine|Hosp A|Boston|MA"
#   make_ws ws contacts.csv
#   o ws send --yes                      # outreach -C ws ..., with the stack's password
#   mkmail "$FIX/gmail-terse-offer.eml" r.eml --set "In-Reply-To: <$(msgid ws dr.a@hosp-a.example.org)>"
#   ms inject r.eml
#   o ws poll
#   assert_eq "offer in-reply-to" "$(reply_of ws dr.a@hosp-a.example.org)"
#
# The clock: every outreach run here uses OUTREACH_NOW (exported as $NOW by the test), so
# dates, windows and business days are the same on every machine.

FIX=$TOP/tests/fixtures/replies
MKMAIL=$TOP/tests/e2e/mkmail.py
export FIX MKMAIL

# A Tuesday, 2026-12-01 15:00 UTC: mid-morning on the US east coast, early morning in the
# west; not a holiday. Tests move the clock from here.
T0=$(date -u -d '2026-12-01 15:00:00' +%s)
export T0
: "${NOW:=$T0}"
export NOW

# at 'YYYY-MM-DD HH:MM' (UTC): epoch seconds, for OUTREACH_NOW.
at() {
	date -u -d "$1" +%s
}

# rfcdate EPOCH: an RFC 5322 date (-0500), for the Date: of a crafted reply.
rfcdate() {
	"$PY" -c 'import email.utils as u, sys, datetime as d
t = d.datetime.fromtimestamp(int(sys.argv[1]), d.timezone(d.timedelta(hours=-5)))
print(u.format_datetime(t))' "$1"
}

# ---------------------------------------------------------------- contacts and workspaces

# write_csv FILE ROW...: a contacts CSV; each ROW is
# email|first|last|title|specialty|department|hospital|city|state[|timezone].
write_csv() {
	local file=$1 row
	shift
	{
		echo 'email,first_name,last_name,title,specialty,department,hospital,city,state,timezone'
		for row in "$@"; do
			IFS='|' read -r em f l t s d h c st tz <<<"$row"
			printf '%s,"%s","%s","%s","%s","%s","%s","%s",%s,%s\n' "$em" "$f" "$l" "$t" "$s" "$d" "$h" "$c" "$st" "${tz:-}"
		done
	} >"$file"
}

# make_ws DIR CSV [KEY=VALUE...] [campaign.KEY=VALUE...] [--followups N]: a workspace for the
# current stack: submission with STARTTLS, IMAPS, the stack's CA, no pace limits (window
# 'always') unless given; the letter templates/letter.txt and N follow-ups (default 0)
# templates/followup-K.txt; CSV imported into campaign 'observership'. No password in the
# file: `o` passes OUTREACH_PASSWORD.
make_ws() {
	local dir=$1 csv=$2 nfu=0 kv k i
	shift 2
	declare -A acct=(
		[from]="Amina Rahman <$MS_USER>"
		[smtp_url]=smtp://127.0.0.1:$MS_SUBMISSION_PORT
		[cafile]=$MS_CAFILE
		[imap_url]=imaps://127.0.0.1:$MS_IMAPS_PORT
		[user]=$MS_USER
		[save_sent]=no
		[timezone]=Asia/Karachi
		[timeout]=10
	)
	local order=(from smtp_url cafile imap_url user save_sent timezone timeout) campaign=()
	while [ $# -gt 0 ]; do
		case $1 in
		--followups) nfu=$2; shift ;;
		campaign.*=*) kv=${1#campaign.}; campaign+=("${kv%%=*} = ${kv#*=}") ;;
		*=*)
			k=${1%%=*}
			[[ " ${order[*]} " == *" $k "* ]] || order+=("$k")
			acct[$k]=${1#*=}
			;;
		*) echo "make_ws: unknown option '$1'" >&2; return 1 ;;
		esac
		shift
	done
	"$OUTREACH" -q init "$dir" >/dev/null || return 1
	rm -f "$dir"/templates/* "$dir"/contacts/*
	cat >"$dir/templates/letter.txt" <<-'EOF'
	Subject: Observership in {{specialty}} — Amina Rahman
	Content-Type: text/plain

	Dear {{salutation}},

	I am writing to ask whether {{hospital}} could host me as an observer in
	{{specialty}} for four weeks next spring.

	With kind regards,
	{{sender.name}}
	EOF
	for i in $(seq "$nfu"); do
		cat >"$dir/templates/followup-$i.txt" <<-EOF
		Content-Type: text/plain

		Dear {{salutation}},

		FOLLOW-UP $i: I am writing again about my note below.

		With kind regards,
		{{sender.name}}
		EOF
	done
	{
		echo "[account]"
		for k in "${order[@]}"; do
			[ -n "${acct[$k]+x}" ] && [ -n "${acct[$k]}" ] && echo "$k = ${acct[$k]}"
		done
		echo
		echo "[campaign observership]"
		echo "template = templates/letter.txt"
		for i in $(seq "$nfu"); do
			echo "followup = $((7 * i)) business days: templates/followup-$i.txt"
		done
		for kv in "${campaign[@]+"${campaign[@]}"}"; do echo "$kv"; done
	} >"$dir/outreach.conf"
	cp "$csv" "$dir/contacts/attendings.csv"
	(cd "$dir" && OUTREACH_NOW=$NOW "$OUTREACH" -q import contacts/attendings.csv --campaign observership) || return 1
}

# set_conf WS KEY VALUE: set KEY in WS's outreach.conf (the first occurrence; appended to
# [account] when missing).
set_conf() {
	"$PY" - "$1/outreach.conf" "$2" "$3" <<-'EOF'
	import re, sys
	path, key, value = sys.argv[1:]
	s = open(path).read()
	pat = re.compile(r"(?m)^%s = .*$" % re.escape(key))
	if pat.search(s):
	    s = pat.sub(lambda m: "%s = %s" % (key, value), s, count=1)
	else:
	    s = s.replace("[account]\n", "[account]\n%s = %s\n" % (key, value), 1)
	open(path, "w").write(s)
	EOF
}

# o WS ARGS...: outreach -C WS ARGS... on the fake clock $NOW, logging in with the stack's
# password; oh: the same with the test-hooks binary.
o() {
	local dir=$1
	shift
	OUTREACH_NOW=$NOW OUTREACH_PASSWORD=$MS_PASS "$OUTREACH" -C "$dir" "$@"
}
oh() {
	local dir=$1
	shift
	OUTREACH_NOW=$NOW OUTREACH_PASSWORD=$MS_PASS "$OUTREACH_HOOKS" -C "$dir" "$@"
}

# ---------------------------------------------------------------- the database

sql() {
	sqlite3 -batch -noheader "$1/.outreach/outreach.db" "$2"
}

# msgid WS EMAIL [STEP]: the Message-ID (without brackets) of EMAIL's message of STEP (0).
msgid() {
	sql "$1" "SELECT m.message_id FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE c.email = '$2' AND m.step = ${3:-0}"
}

# sent_subject WS EMAIL: the subject of EMAIL's first message as sent.
sent_subject() {
	sql "$1" "SELECT m.subject FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE c.email = '$2' AND m.step = 0"
}

# replies_of WS EMAIL: one line per recorded reply of EMAIL, in order: "LABEL RULE".
replies_of() {
	sql "$1" "SELECT coalesce(r.override_label, r.label) || ' ' || coalesce(r.match_rule, '') FROM replies r
		JOIN contacts c ON c.id = r.contact_id WHERE c.email = '$2' ORDER BY r.id"
}

# reply_field WS EMAIL COLUMN: COLUMN of EMAIL's (last) reply row.
reply_field() {
	sql "$1" "SELECT r.$3 FROM replies r JOIN contacts c ON c.id = r.contact_id
		WHERE c.email = '$2' ORDER BY r.id DESC LIMIT 1"
}

# steps_of WS EMAIL: "STEP:STATE" of every message row of EMAIL, by step, space-separated.
steps_of() {
	sql "$1" "SELECT group_concat(s, ' ') FROM (SELECT m.step || ':' || m.state AS s FROM messages m
		JOIN contacts c ON c.id = m.contact_id WHERE c.email = '$2' ORDER BY m.step)"
}

# enrollment_of WS EMAIL: the enrolment state in campaign observership.
enrollment_of() {
	sql "$1" "SELECT e.state FROM enrollments e JOIN contacts c ON c.id = e.contact_id
		JOIN campaigns k ON k.id = e.campaign_id WHERE c.email = '$2' AND k.name = 'observership'"
}

# suppressed_of WS EMAIL: "SCOPE:SOURCE" of each suppression of EMAIL (scope 0 = everywhere,
# else 'campaign').
suppressed_of() {
	sql "$1" "SELECT group_concat(s, ' ') FROM (SELECT CASE campaign_id WHEN 0 THEN 'everywhere' ELSE 'campaign' END
		|| ':' || source AS s FROM suppressions WHERE email = '$2' COLLATE NOCASE ORDER BY campaign_id)"
}

# ---------------------------------------------------------------- mail

# mkmail SRC OUT ARGS...: tests/e2e/mkmail.py (a fixture with its header block edited).
mkmail() {
	"$PY" "$MKMAIL" "$@"
}

# imap_append FOLDER FILE [FLAGS]: APPEND FILE to FOLDER of $MS_USER's mailbox over IMAPS,
# as a mail filter would put it there (e.g. Junk). FLAGS like '(\Flagged)'.
imap_append() {
	"$PY" - "$MS_IMAPS_PORT" "$MS_USER" "$MS_PASS" "$MS_CAFILE" "$1" "$2" "${3:-}" <<-'EOF'
	import imaplib, ssl, sys
	port, user, pw, ca, folder, path, flags = sys.argv[1:]
	ctx = ssl.create_default_context(cafile=ca)
	c = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
	c.login(user, pw)
	typ, data = c.append(folder, flags or None, None, open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
	if typ != "OK":
	    sys.exit("APPEND %s: %s %s" % (folder, typ, data))
	c.logout()
	EOF
}

# delivered WS EMAIL STEP: the file (in the catch-all Maildir) of EMAIL's message of STEP, by
# its Message-ID; empty when it was not delivered.
delivered() {
	local id
	id=$(msgid "$1" "$2" "$3")
	[ -n "$id" ] || return 0
	ms list catchall | awk -F'\t' -v id="<$id>" '$5 == id { print $1 }' | head -n 1 |
		sed "s|^|$MS_CATCHALL_MAILDIR/|"
}

# deliveries_to EMAIL: how many messages EMAIL got in the catch-all.
deliveries_to() {
	ms list catchall | awk -F'\t' -v a="$1" '$4 == a { n++ } END { print n + 0 }'
}

# dovecot_log_since MARK: the Dovecot log after the line count MARK (from log_mark).
log_mark() {
	wc -l <"$MS_LOGDIR/dovecot.log"
}
dovecot_log_since() {
	tail -n +"$(($1 + 1))" "$MS_LOGDIR/dovecot.log"
}

# inject_many FILE...: deliver each FILE to $MS_USER through Dovecot's LMTP, in order, in
# one session (the envelope sender is the From: address, or <> for a report).
inject_many() {
	"$PY" - "$MS_LMTP_PORT" "$MS_USER" "$@" <<-'EOF2'
	import email.parser, email.policy, email.utils, smtplib, sys
	port, rcpt, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
	c = smtplib.LMTP("127.0.0.1", port, "inject.example.test", timeout=30)
	for path in files:
	    data = open(path, "rb").read()
	    h = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
	    ct = str(h.get("Content-Type", ""))
	    sender = "" if "report" in ct else email.utils.parseaddr(str(h.get("From", "")))[1]
	    refused = c.sendmail(sender, [rcpt], data)
	    if refused:
	        sys.exit("inject %s: refused %s" % (path, refused))
	c.quit()
	EOF2
}

# start_netfault NAME TARGET_PORT [netfault.py options]: a proxy to 127.0.0.1:TARGET_PORT
# that cuts or stalls connections (tests/e2e/netfault.py); sets NF_PORT, NF_DIR, NF_PID. It
# ends with the shell that started it (a test body) or with stop_netfault.
start_netfault() {
	local name=$1 i
	shift
	NF_DIR=$T/nf.$name
	rm -rf "$NF_DIR"
	mkdir -p "$NF_DIR" || return 1
	"$PY" "$TOP/tests/e2e/netfault.py" "$NF_DIR" "$@" &
	NF_PID=$!
	for i in $(seq 100); do
		[ -s "$NF_DIR/port" ] && break
		sleep 0.02
	done
	NF_PORT=$(cat "$NF_DIR/port") || return 1
}
stop_netfault() {
	kill "$NF_PID" 2>/dev/null || true
	wait "$NF_PID" 2>/dev/null || true # not a child when started at the top level
	while kill -0 "$NF_PID" 2>/dev/null; do sleep 0.02; done
}

# track_pid PID: a background process of the test (an outreach run, a watcher) that is
# killed when the test exits however it exits, before the stacks are stopped.
: >"$T/.pids"
track_pid() {
	echo "$1" >>"$T/.pids"
}
# start_bg NAME COMMAND...: COMMAND in the background (stdin /dev/null, output in NAME.out
# and NAME.err); returns once its pid is in NAME.pid; its exit status lands in NAME.rc when
# it ends. It is killed when the test ends. Environment settings go through env(1), which
# execs the command: the pid is the command's own, for signals.
start_bg() {
	local name=$1
	shift
	rm -f "$name.pid" "$name.rc"
	(
		"$@" >"$name.out" 2>"$name.err" </dev/null &
		echo $! >"$name.pid"
		wait $!
		echo $? >"$name.rc"
	) >/dev/null 2>&1 &
	while [ ! -s "$name.pid" ]; do sleep 0.01; done
	track_pid "$(cat "$name.pid")"
}
_poll_lib_cleanup() {
	local rc=$? pid
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$T/.pids"
	(exit $rc)
	_lib_cleanup
}
trap _poll_lib_cleanup EXIT
