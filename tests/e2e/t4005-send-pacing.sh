#!/bin/bash
# t4005-send-pacing: pacing on the fake clock (OUTREACH_NOW: time moves only through
# outreach's own sleeps, so days pass in milliseconds): the sending window in each
# recipient's zone (state, province, timezone column, else the account's), with a
# Saturday and a DST change; daily_limit and per_domain_daily_limit across runs; gap and
# rate spacing in the recorded sent_at; --wait draining the queue over days. smtp-sink is
# the server: pacing does not depend on the transport.
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/send-lib.sh"
require_root
require_outreach
require_cmd sqlite3 smtp-sink

start_sink pace -a

# sent_at WS: "EMAIL YYYY-MM-DDTHH:MM:SSZ" per message, in contact order ("-" if not sent).
sent_at() {
	sql "$1" "SELECT c.email || ' ' || coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', m.sent_at, 'unixepoch'), '-')
		FROM messages m JOIN contacts c ON c.id = m.contact_id ORDER BY c.id"
}

# Recipients in seven zones; the comment after each row is its zone, as the test sees it.
cat >"$T/zones.csv" <<'EOF'
email,first_name,last_name,specialty,hospital,city,state,country,timezone
ny@nyc.example.org,Ana,Nuñez,Medicine,Mount Sinai,New York,NY,,
chi@chicago.example.org,Ben,Chávez,Medicine,Northwestern,Chicago,IL,,
la@la.example.org,Cid,Laurent,Medicine,Cedars,Los Angeles,CA,,
hi@hawaii.example.org,Dee,Kahale,Medicine,Queen's,Honolulu,HI,,
ab@calgary.example.ca,Ève,Tremblay,Medicine,Foothills,Calgary,AB,Canada,
de@berlin.example.de,Jörg,Weiß,Medicine,Charité,Berlin,,,Europe/Berlin
pk@karachi.example.pk,Gul,Baig,Medicine,Aga Khan,Karachi,,,
EOF
zones='ny@nyc.example.org America/New_York
chi@chicago.example.org America/Chicago
la@la.example.org America/Los_Angeles
hi@hawaii.example.org Pacific/Honolulu
ab@calgary.example.ca America/Edmonton
de@berlin.example.de Europe/Berlin
pk@karachi.example.pk Asia/Karachi'

# assert_in_window WS: every sent message went Mon-Fri 08:30-16:30 in its recipient's zone.
assert_in_window() {
	local out
	out=$(sent_at "$1" | py -c '
import sys, datetime, zoneinfo
zones = dict(l.split() for l in sys.argv[1].splitlines())
for line in sys.stdin:
    email, at = line.split()
    if at == "-":
        continue
    t = datetime.datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(zoneinfo.ZoneInfo(zones[email]))
    if t.weekday() > 4 or not (datetime.time(8, 30) <= t.time() < datetime.time(16, 30)):
        print(email, "sent", t.isoformat(), "outside Mon-Fri 08:30-16:30")
' "$zones")
	[ -z "$out" ] || _assert_fail "sent outside the window" "$out"
}

make_workspace ws-win --sink "$SINK_PORT" --contacts "$T/zones.csv" "window=Mon-Fri 08:30-16:30"

test_expect_success 'Saturday: nothing goes, and send says when the first can' '
	OUTREACH_NOW=2027-03-06T15:00:00Z assert_exit 0 send ws-win --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "send: 0 messages can go now"
	assert_file_contains "$T/stderr" "7 later (from 2027-03-08 08:30 PKT); first: ny@nyc.example.org"
	assert_file_contains "$T/stderr" "sending window 7"
	assert_file_contains "$T/stderr" "7 waiting; the next can go 2027-03-08 08:30 PKT (window)"
	assert_eq 0 "$(sink_count pace)"
	assert_eq "queued=7" "$(state_counts ws-win)"
'

test_expect_success 'Monday 14:00 UTC: only New York (09:00) and Berlin (15:00) are open' '
	OUTREACH_NOW=2027-03-08T14:00:00Z assert_exit 0 send ws-win --yes
	cat "$T/stderr"
	assert_eq "ny@nyc.example.org 2027-03-08T14:00:00Z
chi@chicago.example.org -
la@la.example.org -
hi@hawaii.example.org -
ab@calgary.example.ca -
de@berlin.example.de 2027-03-08T14:00:00Z
pk@karachi.example.pk -" "$(sent_at ws-win)"
	assert_file_contains "$T/stderr" "5 waiting; the next can go 2027-03-08 19:30 PKT (window)"
	assert_in_window ws-win
'

test_expect_success '--wait: each of the others goes when its own window opens, without real sleeping' '
	t=$EPOCHREALTIME
	OUTREACH_NOW=2027-03-08T14:00:00Z assert_exit 0 send ws-win --yes --wait
	cat "$T/stderr"
	awk -v s="$(_elapsed "$t")" "BEGIN { exit !(s < 3) }"
	assert_eq "ny@nyc.example.org 2027-03-08T14:00:00Z
chi@chicago.example.org 2027-03-08T14:30:00Z
la@la.example.org 2027-03-08T16:30:00Z
hi@hawaii.example.org 2027-03-08T18:30:00Z
ab@calgary.example.ca 2027-03-08T15:30:00Z
de@berlin.example.de 2027-03-08T14:00:00Z
pk@karachi.example.pk 2027-03-09T03:30:00Z" "$(sent_at ws-win)"
	assert_file_contains "$T/stderr" "done: 5 sent"
	assert_in_window ws-win
	assert_eq "sent=7" "$(state_counts ws-win)"
	assert_eq 7 "$(sink_count pace)"
'

write_contacts "$T/ny.csv" 1
sed -i "s/,MA$/,NY/" "$T/ny.csv"
make_workspace ws-dst --sink "$SINK_PORT" --contacts "$T/ny.csv" "window=Mon-Fri 08:30-16:30"

test_expect_success 'the window follows daylight saving time (zoneinfo, not a fixed offset)' '
	# US clocks go forward on Sunday 2027-03-14: Monday 08:30 in New York is 12:30 UTC
	OUTREACH_NOW=2027-03-13T15:00:00Z assert_exit 0 send ws-dst --yes --wait
	assert_eq "sarah.whitfield@bostongeneral.example.org 2027-03-15T12:30:00Z" "$(sent_at ws-dst)"
'

# 8 contacts: 4 at big.example.org, 4 at hospitals of their own
{
	echo "email,first_name,last_name,specialty,hospital,city,state"
	for i in 1 2 3 4; do echo "dr$i@big.example.org,Ana$i,Ruiz$i,Medicine,Big Hospital,Boston,MA"; done
	for i in 5 6 7 8; do echo "dr$i@h$i.example.org,Ben$i,Kim$i,Medicine,Hospital $i,Boston,MA"; done
} >"$T/caps.csv"

# assert_caps WS: at most 3 a day and 2 a day to big.example.org, days of Asia/Karachi.
assert_caps() {
	local out
	out=$(sent_at "$1" | py -c '
import sys, collections, datetime, zoneinfo
day, dom = collections.Counter(), collections.Counter()
for line in sys.stdin:
    email, at = line.split()
    if at == "-":
        continue
    d = datetime.datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(zoneinfo.ZoneInfo("Asia/Karachi")).date()
    day[d] += 1
    dom[(d, email.split("@")[1])] += 1
for d, n in day.items():
    if n > 3: print(d, n, "messages, daily_limit is 3")
for (d, h), n in dom.items():
    if n > 2: print(d, h, n, "messages, per_domain_daily_limit is 2")
')
	[ -z "$out" ] || _assert_fail "caps exceeded" "$out"
}

make_workspace ws-caps --sink "$SINK_PORT" --contacts "$T/caps.csv" daily_limit=3 per_domain_daily_limit=2

test_expect_success 'daily_limit 3 and per_domain_daily_limit 2 hold across runs (days of the account zone)' '
	OUTREACH_NOW=2027-03-08T10:00:00Z assert_exit 0 send ws-caps --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "send: 3 messages can go now"
	assert_file_contains "$T/stderr" "5 waiting; the next can go 2027-03-09 00:00 PKT (daily cap)"
	# later the same local day: nothing
	OUTREACH_NOW=2027-03-08T18:59:00Z assert_exit 0 send ws-caps --yes
	assert_file_contains "$T/stderr" "done: 0 sent"
	# after the account zone'\''s midnight (19:00 UTC) the next three, then the last two
	OUTREACH_NOW=2027-03-08T19:00:00Z assert_exit 0 send ws-caps --yes
	OUTREACH_NOW=2027-03-10T10:00:00Z assert_exit 0 send ws-caps --yes
	assert_eq "dr1@big.example.org 2027-03-08T10:00:00Z
dr2@big.example.org 2027-03-08T10:00:00Z
dr3@big.example.org 2027-03-08T19:00:00Z
dr4@big.example.org 2027-03-08T19:00:00Z
dr5@h5.example.org 2027-03-08T10:00:00Z
dr6@h6.example.org 2027-03-08T19:00:00Z
dr7@h7.example.org 2027-03-10T10:00:00Z
dr8@h8.example.org 2027-03-10T10:00:00Z" "$(sent_at ws-caps)"
	assert_caps ws-caps
'

make_workspace ws-drain --sink "$SINK_PORT" --contacts "$T/caps.csv" daily_limit=3 per_domain_daily_limit=2 \
	"gap=45s..120s" "rate=2/minute"

test_expect_success '--wait drains caps, gaps and rate over three days in one run' '
	t=$EPOCHREALTIME
	OUTREACH_NOW=2027-03-08T10:00:00Z assert_exit 0 send ws-drain --yes --wait
	cat "$T/stderr"
	awk -v s="$(_elapsed "$t")" "BEGIN { exit !(s < 3) }"
	assert_file_contains "$T/stderr" "done: 8 sent"
	assert_eq "sent=8" "$(state_counts ws-drain)"
	assert_caps ws-drain
	# Karachi is UTC+5 all year
	assert_eq "2027-03-08 3
2027-03-09 3
2027-03-10 2" "$(sql ws-drain "SELECT d || '\'' '\'' || count(*) FROM (SELECT date(sent_at + 5 * 3600, '\''unixepoch'\'') AS d
		FROM messages) GROUP BY d ORDER BY d")" "messages per local day"
	# within a day, every pause is a gap of 45..120 s
	sql ws-drain "SELECT sent_at FROM messages ORDER BY sent_at" |
		awk "NR > 1 && \$1 - p < 3600 && (\$1 - p < 45 || \$1 - p > 120) { print \"pause\", \$1 - p; bad = 1 } { p = \$1 } END { exit bad }"
'

write_contacts "$T/six.csv" 6
make_workspace ws-gap --sink "$SINK_PORT" --contacts "$T/six.csv" "gap=45s..120s"

test_expect_success 'gap 45s..120s: a plain send waits out each gap (fake clock); pauses are random in range' '
	OUTREACH_NOW=2027-03-08T10:00:00Z assert_exit 0 send ws-gap --yes
	cat "$T/stderr"
	assert_eq "sent=6" "$(state_counts ws-gap)"
	sql ws-gap "SELECT sent_at FROM messages ORDER BY sent_at" | awk "NR > 1 { print \$1 - p } { p = \$1 }" >pauses
	cat pauses
	assert_eq 5 "$(wc -l <pauses)"
	assert_eq "" "$(awk "\$1 < 45 || \$1 > 120" pauses)" "pauses outside 45..120 s"
	assert_ne 1 "$(sort -u pauses | wc -l)" "five equal pauses: the gap is not random"
'

write_contacts "$T/seven.csv" 7
make_workspace ws-rate --sink "$SINK_PORT" --contacts "$T/seven.csv" "rate=3/hour"

test_expect_success 'rate 3/hour: never more than 3 in any hour; a plain send waits out the rate' '
	OUTREACH_NOW=2027-03-08T10:00:00Z assert_exit 0 send ws-rate --yes
	cat "$T/stderr"
	assert_file_contains "$T/stderr" "send: 7 messages can go now (the last about 2027-03-08 17:00 PKT), 0 later"
	assert_file_contains "$T/stderr" "done: 7 sent"
	sql ws-rate "SELECT sent_at FROM messages ORDER BY sent_at" >times
	cat times
	assert_eq "" "$(awk "{ t[NR] = \$1 } END { for (i = 4; i <= NR; i++) if (t[i] - t[i - 3] < 3600) print i }" times)" \
		"a fourth message within an hour"
	assert_eq "$(date -u -d 2027-03-08T12:00:00Z +%s)" "$(tail -n 1 times)" "the seventh at 12:00 UTC"
'

test_done
