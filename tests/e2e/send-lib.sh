# tests/e2e/send-lib.sh: workspaces and assertions for the `outreach send` tests (t4NNN),
# sourced after tests/lib.sh:
#
#   . "${0%/*}/../lib.sh"
#   . "$TOP/tests/e2e/send-lib.sh"
#   start_stack
#   make_workspace ws                       # 20 contacts, submission + STARTTLS + AUTH
#   test_expect_success '...' '
#       assert_exit 0 send ws --yes
#       assert_eq "sent=20" "$(state_counts ws)"
#   '
#
# Workspaces, contacts and template are written here, so every test reads the same
# campaign: 20 physicians with names in several scripts, accents in hospital names, a
# binary attachment, and a plain-text letter whose subject carries the name.

# ---------------------------------------------------------------- contacts

# The 20 contacts: email, first, last, title, specialty, hospital, city, state. Domains
# are distinct except lakeshore.example.edu (3) and mercy.example.org (2), for the
# per-domain limits.
_SEND_CONTACTS='sarah.whitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Boston General Hospital|Boston|MA
jose.martinez@stmarys.example.org|José|Martínez|MD|Hospital Medicine|Hospital Universitario San José|San Antonio|TX
zoe.oconnor@lakeshore.example.edu|Zoë|O'"'"'Connor|DO|Internal Medicine|Lakeshore University Hospital|Chicago|IL
lukasz.wisniewski@lakeshore.example.edu|Łukasz|Wiśniewski|MD|Cardiology|Lakeshore University Hospital|Chicago|IL
soren.kierkegaard@fjord.example.org|Søren|Kierkegård|MD|Nephrology|Fjordside Médical Center|Seattle|WA
minjun.kim@hanriver.example.org|민준|김|MD|Oncology|Han River Medical Center|Los Angeles|CA
fang.wang@goldengate.example.org|芳|王|MD|Endocrinology|Golden Gate Hospital|San Francisco|CA
alexandros.p@olympia.example.org|Αλέξανδρος|Παπαδόπουλος|MD|Pulmonology|Olympia Clinic|Tarpon Springs|FL
dmitri.ivanov@neva.example.org|Дмитрий|Иванов|MD|Neurology|Neva Medical Center|Brooklyn|NY
m.alahmad@dearborn.example.org|محمد|الأحمد|MD|Gastroenterology|Dearborn General|Dearborn|MI
ananya.sharma@mercy.example.org|अनन्या|शर्मा|MD|Rheumatology|Mercy Valley Hospital|Fresno|CA
ngoc.nguyen@mercy.example.org|Ngọc Anh|Nguyễn|MD|Hospital Medicine|Mercy Valley Hospital|Fresno|CA
sule.yilmaz@bosphorus.example.org|Şule|Yılmaz|MD|Infectious Disease|Bosphorus Health|Paterson|NJ
francois.lefevre@stluc.example.org|François|Lefèvre|Prof.|Internal Medicine|Hôpital Saint-Luc de Montréal|Plattsburgh|NY
yuki.tanaka@sakura.example.org|由紀|田中|MD|Geriatrics|Sakura Community Hospital|Honolulu|HI
avraham.cohen@zion.example.org|אברהם|כהן|MD|Hematology|Mount Zion Medical Center|Cleveland|OH
ines.pena@sanmarcos.example.org|Inés|Peña|MD|Pediatrics|Clínica San Marcos|El Paso|TX
bjork.gudmundsdottir@reykja.example.org|Björk|Guðmundsdóttir|MD|Dermatology|Reykjavík Memorial|Minneapolis|MN
kwame.mensah@accra.example.org|Kwame|Mensah|DO|Family Medicine|São Lucas Regional Hospital|Atlanta|GA
lakeshore.chief@lakeshore.example.edu|Siobhán|Ní Bhriain|MD|Internal Medicine|Lakeshore University Hospital|Chicago|IL'

# write_contacts FILE [N] [ROW=EMAIL...]: the first N (default 20) contacts as CSV; ROW=EMAIL
# replaces the address of row ROW (from 1), e.g. 10=dr.x@reject.example for a fault trigger.
write_contacts() {
	local file=$1 n=${2:-20} i=0 line email
	shift
	[ $# = 0 ] || shift
	declare -A over=()
	local kv
	for kv in "$@"; do over[${kv%%=*}]=${kv#*=}; done
	{
		echo 'email,first_name,last_name,title,specialty,hospital,city,state'
		while IFS= read -r line; do
			i=$((i + 1))
			[ $i -le "$n" ] || break
			email=${line%%|*}
			[ -n "${over[$i]:-}" ] && email=${over[$i]}
			IFS='|' read -r _ f l t s h c st <<<"$line"
			printf '%s,"%s","%s",%s,%s,"%s",%s,%s\n' "$email" "$f" "${l//\"/\"\"}" "$t" "$s" "$h" "$c" "$st"
		done <<<"$_SEND_CONTACTS"
	} >"$file"
}

# ---------------------------------------------------------------- workspaces

# make_workspace DIR [options] [KEY=VALUE...]: `outreach init DIR`, an outreach.conf for the
# current stack ($MS_*), the test letter with a binary attachment, the contacts imported
# and enrolled in campaign 'observership'. Options:
#   --smtps          smtps://…:$MS_SMTPS_PORT (default: smtp://…:$MS_SUBMISSION_PORT, STARTTLS)
#   --sink PORT      smtp://127.0.0.1:PORT with allow_plaintext = yes, no IMAP (smtp-sink)
#   --contacts FILE  import FILE (default: write_contacts with 20 rows)
#   --no-cafile      leave cafile out
#   --followups      add a follow-up step (7 business days)
# KEY=VALUE sets an [account] key (replacing the default, if any); campaign.KEY=VALUE a
# [campaign observership] key. No pace limits unless given; no password in the file
# (send passes OUTREACH_PASSWORD).
make_workspace() {
	local dir=$1 contacts='' followups='' kv k
	shift
	declare -A acct=(
		[from]="Amina Rahman <${MS_USER:-amina@example.test}>"
		[smtp_url]=smtp://127.0.0.1:${MS_SUBMISSION_PORT:-0}
		[cafile]=${MS_CAFILE:-}
		[imap_url]=imaps://127.0.0.1:${MS_IMAPS_PORT:-0}
		[save_sent]=yes
		[user]=${MS_USER:-amina@example.test}
		[timezone]=Asia/Karachi
	)
	local order=(from smtp_url cafile imap_url save_sent user timezone) campaign=()
	while [ $# -gt 0 ]; do
		case $1 in
		--smtps) acct[smtp_url]=smtps://127.0.0.1:$MS_SMTPS_PORT ;;
		--sink)
			acct[smtp_url]=smtp://127.0.0.1:$2 acct[allow_plaintext]=yes acct[save_sent]=no
			unset 'acct[imap_url]' 'acct[cafile]'
			[[ " ${order[*]} " == *" allow_plaintext "* ]] || order+=(allow_plaintext)
			shift
			;;
		--contacts) contacts=$2; shift ;;
		--no-cafile) unset 'acct[cafile]' ;;
		--followups) followups=1 ;;
		campaign.*=*) kv=${1#campaign.}; campaign+=("${kv%%=*} = ${kv#*=}") ;;
		*=*)
			k=${1%%=*}
			[[ " ${order[*]} " == *" $k "* ]] || order+=("$k")
			acct[$k]=${1#*=}
			;;
		*) echo "make_workspace: unknown option '$1'" >&2; return 1 ;;
		esac
		shift
	done
	"$OUTREACH" -q init "$dir" >/dev/null || return 1
	mkdir -p "$dir/attachments" "$dir/templates"
	# A binary attachment: every byte value, then pseudo-random bytes.
	py -c 'import sys, random; r = random.Random(4); sys.stdout.buffer.write(bytes(range(256)) + bytes(r.randrange(256) for _ in range(6000)))' \
		>"$dir/attachments/Lebenslauf-Amina-Rahman.pdf" || return 1
	cat >"$dir/templates/letter.txt" <<-'EOF'
	Subject: Observership in {{specialty}} at {{hospital}} — {{full_name}}
	Attachment: attachments/Lebenslauf-Amina-Rahman.pdf
	Content-Type: text/plain

	Dear {{salutation}},

	I am writing to ask whether {{hospital}} in {{city}} could host me as an
	observer in {{specialty}}.

	With kind regards,
	{{sender.name}}
	EOF
	cat >"$dir/templates/reminder.txt" <<-'EOF'
	Subject: Re: observership
	Content-Type: text/plain

	Dear {{salutation}}, a gentle reminder of my earlier message.
	EOF
	{
		echo "[account]"
		for k in "${order[@]}"; do
			[ -n "${acct[$k]+x}" ] && echo "$k = ${acct[$k]}"
		done
		echo
		echo "[campaign observership]"
		echo "contacts = contacts/attendings.csv"
		echo "template = templates/letter.txt"
		[ -n "$followups" ] && echo "followup = 7 business days: templates/reminder.txt"
		for kv in "${campaign[@]+"${campaign[@]}"}"; do echo "$kv"; done
	} >"$dir/outreach.conf"
	if [ -n "$contacts" ]; then
		cp "$contacts" "$dir/contacts/attendings.csv"
	else
		write_contacts "$dir/contacts/attendings.csv"
	fi
	(cd "$dir" && "$OUTREACH" -q import contacts/attendings.csv --campaign observership) || return 1
}

# send DIR ARGS...: outreach -C DIR send ARGS..., logging in with $SEND_PASSWORD if set, else
# the current stack's $MS_PASS (with assert_exit: output in $T/stdout, $T/stderr).
send() {
	local dir=$1
	shift
	OUTREACH_PASSWORD=${SEND_PASSWORD:-${MS_PASS:-no-stack-password}} "$OUTREACH" -C "$dir" send "$@"
}

# hsend DIR ARGS...: the same with the test-hooks binary (OUTREACH_TEST_CRASH).
hsend() {
	local dir=$1
	shift
	OUTREACH_PASSWORD=${SEND_PASSWORD:-${MS_PASS:-no-stack-password}} "$OUTREACH_HOOKS" -C "$dir" send "$@"
}

# send_bg OUTFILE DIR ARGS...: the same as send, in the background, so that $! is outreach
# itself (for signals); stdout and stderr go to OUTFILE.
send_bg() {
	local out=$1 dir=$2
	shift 2
	(OUTREACH_PASSWORD=${SEND_PASSWORD:-${MS_PASS:-no-stack-password}} exec "$OUTREACH" -C "$dir" send "$@" \
		>"$out" 2>&1 </dev/null) &
}

# ---------------------------------------------------------------- the database

# sql DIR QUERY: run QUERY on DIR's database (sqlite3 CLI, fields separated by '|').
sql() {
	sqlite3 -batch -noheader "$1/.outreach/outreach.db" "$2"
}

# states DIR: one line per first message, in contact order: EMAIL STATE ATTEMPTS.
states() {
	sql "$1" "SELECT c.email || ' ' || m.state || ' ' || m.attempts FROM messages m
		JOIN contacts c ON c.id = m.contact_id WHERE m.step = 0 ORDER BY c.id"
}

# state_of DIR EMAIL: "STATE ATTEMPTS" of EMAIL's first message ("" if none).
state_of() {
	sql "$1" "SELECT m.state || ' ' || m.attempts FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.step = 0 AND c.email = '$2'"
}

# state_counts DIR: "state=n ..." over every message row, states sorted by name.
state_counts() {
	sql "$1" "SELECT group_concat(s, ' ') FROM (SELECT state || '=' || count(*) AS s FROM messages
		GROUP BY state ORDER BY state)"
}

# assert_integrity DIR: PRAGMA integrity_check says ok.
assert_integrity() {
	assert_eq ok "$(sql "$1" 'PRAGMA integrity_check')" "integrity_check of $1"
}

# assert_states DIR EXPECTED: `states DIR` equals EXPECTED (lines "EMAIL STATE ATTEMPTS").
assert_states() {
	local got
	got=$(states "$1")
	[ "$got" = "$2" ] && return 0
	_assert_fail "message states of $1 differ" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$got"))"
}

# expect_states DIR DEFAULT [ROW=VALUE | FROM-TO=VALUE...]: the `states DIR` text expected
# when every contact of DIR's contacts/attendings.csv is "DEFAULT" except the rows given
# (from 1; a range FROM-TO may be empty, e.g. 1-0):
#   assert_states ws "$(expect_states ws "queued 0" "1-9=sent 1" "10=failed_perm 1")"
expect_states() {
	local dir=$1 def=$2 i=0 email rest
	shift 2
	declare -A over=()
	local kv r
	for kv in "$@"; do
		r=${kv%%=*}
		case $r in
		*-*) for i in $(seq "${r%-*}" "${r#*-}"); do over[$i]=${kv#*=}; done ;;
		*) over[$r]=${kv#*=} ;;
		esac
	done
	i=0
	while IFS=, read -r email rest; do
		[ $i = 0 ] && { i=1; continue; }
		echo "$email ${over[$i]:-$def}"
		i=$((i + 1))
	done <"$dir/contacts/attendings.csv"
}

# contact_email N: the address of row N of write_contacts.
contact_email() {
	sed -n "${1}p" <<<"$_SEND_CONTACTS" | cut -d'|' -f1
}

# ---------------------------------------------------------------- deliveries

# deliveries [WS]: "COUNT ADDRESS" per original recipient in the catch-all mailbox, sorted;
# with WS only the messages whose Message-ID is in WS's database (several workspaces may
# write to the same addresses on one stack).
deliveries() {
	local ids=/dev/null
	if [ -n "${1:-}" ]; then
		ids=$T/.ids.$$
		sql "$1" "SELECT '<' || message_id || '>' FROM messages" >"$ids"
	fi
	ms list catchall | awk -F'\t' -v ids="$ids" -v all="${1:-1}" '
		BEGIN { if (ids != "/dev/null") { all = 0; while ((getline l < ids) > 0) want[l] = 1 } }
		all == 1 || ($5 in want) { print $4 }' | sort | uniq -c | awk '{ print $1, $2 }'
}

# assert_none_twice [WS]: no recipient got more than one message (of WS's).
assert_none_twice() {
	local twice
	twice=$(deliveries "${1:-}" | awk '$1 > 1')
	[ -z "$twice" ] && return 0
	_assert_fail "delivered more than once${1:+ (messages of $1)}" "$twice"
}

# delivered_count ADDRESS [WS]: how many messages (of WS's) ADDRESS got in the catch-all.
delivered_count() {
	deliveries "${2:-}" | awk -v a="$1" '$2 == a { n = $1 } END { print n + 0 }'
}

# sent_copies WS: "COUNT MESSAGE-ID" per message of WS in the sender's Sent folder.
sent_copies() {
	local ids=$T/.ids.$$
	sql "$1" "SELECT '<' || message_id || '>' FROM messages" >"$ids"
	ms list amina | awk -F'\t' -v ids="$ids" '
		BEGIN { while ((getline l < ids) > 0) want[l] = 1 }
		$1 ~ /^\.Sent\// && ($5 in want) { print $5 }' | sort | uniq -c | awk '{ print $1, $2 }'
}

# wait_deliveries WS N: until the catch-all holds N messages of WS (Postfix delivers
# asynchronously), at most 10 s; then a short pause so that an extra one would show too.
wait_deliveries() {
	local i n
	for i in $(seq 100); do
		n=$(deliveries "$1" | awk '{ n += $1 } END { print n + 0 }')
		[ "$n" -ge "$2" ] && break
		sleep 0.1
	done
	sleep 0.3
	n=$(deliveries "$1" | awk '{ n += $1 } END { print n + 0 }')
	assert_eq "$2" "$n" "messages of $1 in the catch-all"
}

# sink_rcpts NAME: one line per captured transaction of sink NAME: the recipient.
sink_rcpts() {
	local f
	for f in "$T/sinks/sink.$1/mail"/*; do
		[ -f "$f" ] || continue
		sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f"
	done | sort
}
