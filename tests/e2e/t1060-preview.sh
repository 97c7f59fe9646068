#!/bin/bash
# t1060-preview: 'outreach preview' — the exact bytes of each message on stdout or as .eml
# files, checked by an independent parser (tests/tools/emlcheck.py, Python's email
# package): no defects, CRLF, lines <= 998 octets, non-ASCII names and subjects decoded
# back exactly, Markdown as multipart/alternative, the attachment byte for byte,
# follow-ups threaded (In-Reply-To, References, "Re:") and quoting the first message.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3

EMLCHECK=$TOP/tests/tools/emlcheck.py

"$OUTREACH" -q init ws || bail "outreach init failed"
cd ws || bail "no workspace"
# the samples, and people whose names and notes stress the encoders
LONG="https://example.org/$(head -c 1500 /dev/zero | tr '\0' x)"
{
	cat contacts/attendings.csv
	echo "wang.wei@pacific.example.org,伟,王,MD,Cardiology,Division of Cardiology,Pacific Medical Center,Honolulu,HI,"
	echo "fatima.alhaddad@gulf.example.org,فاطمة,الحداد,MD,Nephrology,Department of Medicine,Gulf Coast Hospital,Houston,TX,\"Your clinic's work on dialysis access. $LONG\""
	echo "long.name@hosp.example.org,Maria-Fernanda Guadalupe Esperanza,de los Santos Rodríguez-Villanueva y Castellanos de Alburquerque-Montenegro 🩺,MD,Internal Medicine,Department of Medicine,Hospital Universitario,San Juan,PR,"
} >contacts/people.csv
"$OUTREACH" -q import contacts/people.csv --campaign observership || bail "import failed"
# a plain-text campaign next to the Markdown one
cat >templates/plain.txt <<'EOF'
Subject: Observership — {{hospital}}
Content-Type: text/plain

Dear {{salutation|Doctor}},

I would like to observe in {{specialty|your department}} at {{hospital}}.

Amina
EOF
cat >>outreach.conf <<'EOF'

[campaign plain]
template = templates/plain.txt
EOF
"$OUTREACH" -q import contacts/people.csv --campaign plain || bail "import failed"
q() { sqlite3 .outreach/outreach.db "$1"; }
NCONTACTS=15

# wire_ok FILE...: every line ends in CRLF, none is over 998 octets, only 7-bit bytes
wire_ok() {
	"$PY" - "$@" <<-"EOF"
		import sys
		for path in sys.argv[1:]:
		    raw = open(path, "rb").read()
		    assert raw.endswith(b"\r\n"), path + ": does not end in CRLF"
		    lines = raw.split(b"\r\n")[:-1]
		    for i, l in enumerate(lines, 1):
		        assert b"\n" not in l and b"\r" not in l, "%s:%d: bare CR or LF" % (path, i)
		        assert len(l) <= 998, "%s:%d: %d octets" % (path, i, len(l))
		    assert max(raw) < 0x80, path + ": 8-bit byte"
	EOF
}

test_expect_success 'preview --out writes one .eml per contact, private, each without defects' '
	dump=$(q "SELECT * FROM messages; SELECT count(*) FROM events" | sha256sum)
	assert_exit 0 "$OUTREACH" preview --campaign observership --out pv
	assert_eq "wrote $NCONTACTS messages to pv/" "$(cat "$T/stderr")"
	assert_eq "" "$(cat "$T/stdout")"
	assert_eq $NCONTACTS "$(ls pv | wc -l)"
	[ -f pv/001-sarah.whitfield@bostongeneral.example.org.eml ]
	[ -f pv/013-wang.wei@pacific.example.org.eml ]
	for f in pv/*.eml; do
		assert_eq 600 "$(stat -c %a "$f")" "mode of $f"
	done
	"$PY" "$EMLCHECK" pv
	wire_ok pv/*.eml
	# preview records nothing
	assert_eq "$dump" "$(q "SELECT * FROM messages; SELECT count(*) FROM events" | sha256sum)"
'

test_expect_success 'non-ASCII names and subject decode back exactly; Markdown is multipart/alternative; the CV byte for byte' '
	cv=$("$PY" -c "import base64,sys; print(base64.b64encode(open(sys.argv[1],\"rb\").read()).decode())" attachments/Amina-Rahman-CV.pdf)
	cat >jose.json <<-EOF
		{"subject": "Observership request — Amina Rahman, internal medicine graduate",
		 "from": {"name": "Amina Rahman", "addr": "amina.rahman@example.com"},
		 "to": {"name": "José Martínez", "addr": "jose.martinez@stmarys.example.org"},
		 "content_type": "multipart/mixed",
		 "html": true,
		 "html_contains": ["Dear Dr. Martínez,", "Hospital Medicine", "St. Mary'"'"'s Medical Center"],
		 "attachments": [{"filename": "Amina-Rahman-CV.pdf", "content_type": "application/pdf", "data_b64": "$cv"}]}
	EOF
	"$PY" "$EMLCHECK" pv/002-jose.martinez@stmarys.example.org.eml jose.json
	sed -e "s/José Martínez/伟 王/" -e "s/jose.martinez@stmarys/wang.wei@pacific/" -e "s/Dr. Martínez,/Dr. 王,/" \
		-e "s/Hospital Medicine/Cardiology/" -e "s/St. Mary'"'"'s Medical Center/Pacific Medical Center/" jose.json >wang.json
	"$PY" "$EMLCHECK" pv/013-wang.wei@pacific.example.org.eml wang.json
	sed -e "s/José Martínez/فاطمة الحداد/" -e "s/jose.martinez@stmarys/fatima.alhaddad@gulf/" -e "s/Dr. Martínez,/Dr. الحداد,/" \
		-e "s/Hospital Medicine/Nephrology/" -e "s/St. Mary'"'"'s Medical Center/Gulf Coast Hospital/" jose.json >fatima.json
	"$PY" "$EMLCHECK" pv/014-fatima.alhaddad@gulf.example.org.eml fatima.json
	# the long name with an emoji, folded over several lines
	ln=$(printf "%s" "Maria-Fernanda Guadalupe Esperanza de los Santos Rodríguez-Villanueva y Castellanos de Alburquerque-Montenegro 🩺")
	printf "{\"to\": {\"name\": \"%s\", \"addr\": \"long.name@hosp.example.org\"}}\n" "$ln" >long.json
	"$PY" "$EMLCHECK" pv/015-long.name@hosp.example.org.eml long.json
	# an expectation that does not hold is reported (the checker is not a rubber stamp)
	sed "s/José Martínez/Jose Martinez/" jose.json >wrong.json
	if "$PY" "$EMLCHECK" pv/002-jose.martinez@stmarys.example.org.eml wrong.json; then false; fi
'

test_expect_success 'the headers outreach writes: Date in English with the account zone, Message-ID at the sender domain, MIME-Version' '
	LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 "$OUTREACH" preview --campaign observership --contact lwong@lakeshore.example.edu >lw.eml
	"$PY" - lw.eml <<-"EOF"
		import email, email.policy, re, sys
		m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
		assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0500", str(m["date"])), m["date"]
		assert re.fullmatch(r"<[a-z0-9]{24}@example\.com>", str(m["message-id"])), m["message-id"]
		assert str(m["mime-version"]) == "1.0"
		assert m["in-reply-to"] is None and m["references"] is None and m["bcc"] is None
		assert str(m["subject"]).startswith("Observership request")
	EOF
'

test_expect_success 'a plain-text template gives one text/plain part, 7bit when ASCII, quoted-printable otherwise' '
	assert_exit 0 "$OUTREACH" preview --campaign plain --out plain
	"$PY" "$EMLCHECK" plain
	wire_ok plain/*.eml
	cat >p1.json <<-"EOF"
		{"subject": "Observership — Boston General Hospital",
		 "to": {"name": "Sarah Whitfield", "addr": "sarah.whitfield@bostongeneral.example.org"},
		 "content_type": "text/plain", "html": false, "attachments": [],
		 "text": "Dear Dr. Whitfield,\n\nI would like to observe in Internal Medicine at Boston General Hospital.\n\nAmina\n",
		 "text_encoding": "7bit"}
	EOF
	"$PY" "$EMLCHECK" plain/001-sarah.whitfield@bostongeneral.example.org.eml p1.json
	cat >p2.json <<-"EOF"
		{"subject": "Observership — St. Mary'"'"'s Medical Center",
		 "to": {"name": "José Martínez", "addr": "jose.martinez@stmarys.example.org"},
		 "content_type": "text/plain", "html": false,
		 "text": "Dear Dr. Martínez,\n\nI would like to observe in Hospital Medicine at St. Mary'"'"'s Medical Center.\n\nAmina\n",
		 "text_encoding": "quoted-printable"}
	EOF
	"$PY" "$EMLCHECK" plain/002-jose.martinez@stmarys.example.org.eml p2.json
'

test_expect_success 'a 1500-character word in the body: the message still has no line over 998 octets' '
	f=pv/014-fatima.alhaddad@gulf.example.org.eml
	wire_ok "$f"
	"$PY" - "$f" <<-"EOF"
		import email, email.policy, sys
		m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
		text = m.get_body(("plain",)).get_content()
		assert "x" * 1500 in text, "the long word was not kept whole"
	EOF
'

test_expect_success 'preview --contact: exactly that message on stdout; an unknown contact is an error' '
	assert_exit 0 "$OUTREACH" preview --campaign observership --contact Jose.Martinez@StMarys.Example.ORG
	cp "$T/stdout" one.eml
	assert_eq 1 "$(grep -c "^Message-ID: " one.eml)"
	assert_match "$(head -n 1 one.eml)" "^Date: "
	assert_file_contains one.eml "To: =?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez?= <jose.martinez@stmarys.example.org>"
	"$PY" "$EMLCHECK" one.eml jose.json
	assert_exit 65 "$OUTREACH" preview --campaign observership --contact nobody@hosp.example.org
	assert_eq "outreach: '"'"'nobody@hosp.example.org'"'"' is not a contact of campaign '"'"'observership'"'"'" "$(cat "$T/stderr")"
	assert_eq "" "$(cat "$T/stdout")"
'

test_expect_success 'preview --limit N: the first N messages; one by default; --out with --limit' '
	assert_exit 0 "$OUTREACH" preview --campaign observership
	assert_eq 1 "$(grep -c "^Message-ID: " "$T/stdout")"
	assert_file_contains "$T/stdout" "<sarah.whitfield@bostongeneral.example.org>"
	assert_exit 0 "$OUTREACH" preview --campaign observership --limit 3
	assert_eq 3 "$(grep -c "^Message-ID: " "$T/stdout")"
	assert_file_contains "$T/stdout" "<lwong@lakeshore.example.edu>"
	assert_file_not_contains "$T/stdout" "<zoe.oconnor@lakeshore.example.edu>"
	assert_exit 0 "$OUTREACH" preview --campaign observership --limit 2 --out two
	assert_eq "001-sarah.whitfield@bostongeneral.example.org.eml 002-jose.martinez@stmarys.example.org.eml" "$(ls two | tr "\n" " " | sed "s/ \$//")"
	assert_exit 64 "$OUTREACH" preview --campaign observership --limit 2 --contact jose.martinez@stmarys.example.org
	assert_file_contains "$T/stderr" "--contact and --limit do not go together"
	assert_exit 64 "$OUTREACH" preview --campaign observership --limit 0
'

test_expect_success 'preview --step 2: a reply in the thread — In-Reply-To, References, "Re:", the first message quoted' '
	assert_exit 0 "$OUTREACH" preview --campaign observership --step 2 --contact jose.martinez@stmarys.example.org
	cp "$T/stdout" s2.eml
	"$PY" "$EMLCHECK" s2.eml
	wire_ok s2.eml
	"$PY" - s2.eml <<-"EOF"
		import email, email.policy, sys
		m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
		mid, irt, refs = str(m["message-id"]), str(m["in-reply-to"]), str(m["references"]).split()
		assert irt.startswith("<") and irt.endswith("@example.com>"), irt
		assert refs == [irt], (refs, irt)
		assert irt != mid
		assert str(m["subject"]) == "Re: Observership request — Amina Rahman, internal medicine graduate", m["subject"]
		assert m.get_content_type() == "multipart/alternative", m.get_content_type()
		assert not any(p.get_content_disposition() == "attachment" for p in m.walk()), "a follow-up carries no CV"
		text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
		html = m.get_body(("html",)).get_content()
		assert text.startswith("Dear Dr. Martínez,\n\nI am following up on my note below"), text[:200]
		assert "Amina Rahman wrote:\n\n> Dear Dr. Martínez,\n>\n> My name is Amina Rahman." in text, text
		assert "> Thank you for your time.\n" in text
		# a quoted paragraph must not end in a Markdown backslash
		for l in text.splitlines():
		    assert not l.endswith("\\"), repr(l)
		assert "<blockquote>" in html and "Dear Dr. Martínez,</p>" in html and "\\</p>" not in html
	EOF
'

test_expect_success 'preview --step 3: References lists both earlier messages, In-Reply-To the latest' '
	assert_exit 0 "$OUTREACH" preview --campaign observership --step 3 --contact lwong@lakeshore.example.edu
	cp "$T/stdout" s3.eml
	"$PY" "$EMLCHECK" s3.eml
	"$PY" - s3.eml <<-"EOF"
		import email, email.policy, sys
		m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
		refs = str(m["references"]).split()
		assert len(refs) == 2 and refs[0] != refs[1], refs
		assert str(m["in-reply-to"]) == refs[1]
		assert str(m["subject"]).startswith("Re: Observership request"), m["subject"]
		assert not str(m["subject"]).startswith("Re: Re:")
		text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
		assert "> I am following up on my note below" in text and "> > My name is Amina Rahman." in text, text
	EOF
	assert_exit 0 "$OUTREACH" preview --campaign observership --step 3 --out s3dir
	assert_eq $NCONTACTS "$(ls s3dir | wc -l)"
	"$PY" "$EMLCHECK" s3dir
	wire_ok s3dir/*.eml
	assert_exit 64 "$OUTREACH" preview --campaign observership --step 4
	assert_file_contains "$T/stderr" "campaign '"'"'observership'"'"' has 3 steps"
	assert_exit 64 "$OUTREACH" preview --campaign observership --step 0
'

test_expect_success 'a contact who cannot be built is named, the others still written, exit 65' '
	printf "email,first_name,last_name\nno.hospital@hosp.example.org,Nora,Nohospital\n" >noname.csv
	assert_exit 0 "$OUTREACH" import noname.csv --campaign plain
	assert_exit 65 "$OUTREACH" preview --campaign plain --out plain2
	assert_eq "templates/plain.txt:1:25: error: {{hospital}} is empty and has no fallback
    for 1 contact: no.hospital@hosp.example.org
    hint: fill the '"'"'hospital'"'"' column, or give a fallback: {{hospital|...}}
templates/plain.txt:6:61: error: {{hospital}} is empty and has no fallback
    for 1 contact: no.hospital@hosp.example.org
    hint: fill the '"'"'hospital'"'"' column, or give a fallback: {{hospital|...}}" "$(head -n 6 "$T/stderr")"
	assert_file_contains "$T/stderr" "wrote $NCONTACTS messages to plain2/"
	assert_file_contains "$T/stderr" "1 contact cannot be sent as things stand"
	assert_eq $NCONTACTS "$(ls plain2 | wc -l)"
'

test_done
