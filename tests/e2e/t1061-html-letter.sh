#!/bin/bash
# An HTML template: values are HTML-escaped in the HTML part, the text/plain part is a
# readable rendering of it, and the message parses back without defects.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd "$PY"

"$OUTREACH" -q init ws >/dev/null
cd ws
cat >templates/observership.md <<'TPL'
Subject: Observership request for {{hospital_short}}
Content-Type: text/html

<p>Dear {{salutation|Doctor}},</p>
<p>I would like to observe in <b>{{specialty|your department}}</b>.</p>
<ul><li>Four weeks</li><li>Observation only</li></ul>
<p>Best regards,<br>{{sender.name}}</p>
TPL
printf 'email,first_name,last_name,specialty,hospital\nr.lee@hospital.example.org,Rosa,"Lee <b>&",Cardiology & <Vascular>,Mercy\n' >contacts/html.csv
"$OUTREACH" -q import contacts/html.csv --campaign observership

test_expect_success 'the HTML part escapes contact data; the text part reads as text' '
	assert_exit 0 "$OUTREACH" preview --out out
	f=$(ls out/*.eml)
	"$PY" "$TOP/tests/tools/emlcheck.py" "$f"
	"$PY" - "$f" <<-"EOF"
		import email, email.policy, sys
		m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
		assert m.get_content_type() == "multipart/alternative", m.get_content_type()
		html = m.get_body(("html",)).get_content()
		text = m.get_body(("plain",)).get_content()
		assert "Dear Dr. Lee &lt;b&gt;&amp;," in html, html
		assert "<b>Cardiology &amp; &lt;Vascular&gt;</b>" in html, html
		assert "Dear Dr. Lee <b>&," in text, text
		assert "Cardiology & <Vascular>" in text and "<p>" not in text, text
		assert "Four weeks" in text and "Observation only" in text, text
		print("ok")
	EOF
'

test_done
