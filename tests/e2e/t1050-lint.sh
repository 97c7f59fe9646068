#!/bin/bash
# t1050-lint: 'outreach lint' catches each error class in a workspace made for it, with
# file:line(:col), the contacts named, a hint — and exits 65 when anything blocks
# sending, 0 when only warnings remain.
. "${0%/*}/../lib.sh"
require_outreach

# mkws DIR CSV-TEXT: a workspace in DIR with one campaign "t" (template templates/t.txt)
# and the contacts of CSV-TEXT enrolled in it.
mkws() {
	"$OUTREACH" -q init "$1" || return 1
	cat >"$1/outreach.conf" <<-EOF || return 1
		[account]
		from = Amina Rahman <amina.rahman@example.com>
		timezone = Asia/Karachi

		[campaign t]
		template = templates/t.txt
		var.dates = March 2027
	EOF
	chmod 600 "$1/outreach.conf" &&
		printf '%s' "$2" >"$1/c.csv" &&
		(cd "$1" && "$OUTREACH" -q import c.csv --campaign t)
}

CSV='email,first_name,last_name,hospital
ann@hosp-a.example.org,Ann,Able,Hospital A
bo@hosp-b.example.org,,Baker,Hospital B
'

test_expect_success 'a clean template: exit 0, nothing on stdout, "ready to send"' '
	mkws ok "$CSV"
	printf "Subject: Observership in {{hospital}}\n\nDear Dr. {{last_name}},\n\n{{campaign.dates}}\n" >ok/templates/t.txt
	cd ok
	assert_exit 0 "$OUTREACH" lint
	assert_eq "" "$(cat "$T/stdout")"
	assert_eq "lint: 2 contacts, 1 step: 0 errors, 0 warnings — ready to send" "$(cat "$T/stderr")"
'

test_expect_success 'template syntax errors: file:line:col and what was expected, in the body and in a header' '
	mkws syn "$CSV"
	cd syn
	printf "Subject: Hello {{first_name}\n\nDear {{first_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:1:16: unclosed tag, expected '"'"'}}'"'"'
lint: the templates have errors; nothing can be sent until they are fixed" "$(cat "$T/stderr")"
	printf "Subject: Hello\n\nDear {{#first_name}}Dr. {{last_name}},\n\nBest\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "templates/t.txt:6:1: section '"'"'first_name'"'"' opened at 3:6 is never closed; expected '"'"'{{/first_name}}'"'"'"
	printf "Subject: Hello\n\nDear {{#a}}x{{/b}}\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "templates/t.txt:3:13: closing tag '"'"'{{/b}}'"'"' does not match open section '"'"'a'"'"' (opened at 3:6), expected '"'"'{{/a}}'"'"'"
	printf "Subject: Hello\nFrom: me@example.com\n\nDear\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "templates/t.txt:2:1: unknown header '"'"'From'"'"'; expected Subject, Reply-To, Cc, Bcc, Attachment or Content-Type"
	printf "Subject: Hello\nContent-Type: text/rtf\n\nDear\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "templates/t.txt:2:15: Content-Type '"'"'text/rtf'"'"': expected text/plain, text/markdown or text/html"
	printf "Subject: Hello\n\nDear {{> missing/../x}}\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stderr" "partial names are plain file names"
'

test_expect_success 'a variable no contact column defines: an error with "did you mean"' '
	mkws unk "$CSV"
	cd unk
	printf "Subject: Hello\n\nDear Dr. {{lats_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:3:10: error: '"'"'{{lats_name}}'"'"' is not a column of any contact, a sender or campaign field
    hint: did you mean {{last_name}}?
templates/t.txt:3:10: error: {{lats_name}} is not defined for this contact and has no fallback
    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org
    hint: fill the '"'"'lats_name'"'"' column, or give a fallback: {{lats_name|...}}" "$(cat "$T/stdout")"
	assert_eq "lint: 2 contacts, 1 step: 2 errors, 0 warnings
lint: 2 contacts would not be sent until this is fixed" "$(cat "$T/stderr")"
	# a campaign field that the config does not set
	printf "Subject: Hello {{campaign.datse}}\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt:1:16: error: '"'"'{{campaign.datse}}'"'"' is not a column of any contact, a sender or campaign field"
	assert_file_contains "$T/stdout" "    hint: add '"'"'var.datse = ...'"'"' to [campaign t]"
	# a recognised column that every contact left empty: no "did you mean" itself
	printf "Subject: Hello\n\nDear Dr. {{last_name}}, {{specialty}}\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_contains "$(cat "$T/stdout")" "templates/t.txt:3:25: error: '"'"'{{specialty}}'"'"' is not a column of any contact, a sender or campaign field
    hint: no contact has a value in the '"'"'specialty'"'"' column; fill it, or give a fallback: {{specialty|...}}"
'

test_expect_success 'an empty variable without a fallback is an error naming the contact; a fallback silences it' '
	mkws empty "$CSV"
	cd empty
	printf "Subject: Hello\n\nDear {{first_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:3:6: error: {{first_name}} is empty and has no fallback
    for 1 contact: bo@hosp-b.example.org
    hint: fill the '"'"'first_name'"'"' column, or give a fallback: {{first_name|...}}" "$(cat "$T/stdout")"
	assert_eq "lint: 2 contacts, 1 step: 1 error, 0 warnings
lint: 1 contact would not be sent until this is fixed" "$(cat "$T/stderr")"
	# the same contact cannot be previewed either
	assert_exit 65 "$OUTREACH" preview --contact bo@hosp-b.example.org
	assert_eq "" "$(cat "$T/stdout")"
	assert_file_contains "$T/stderr" "{{first_name}} is empty and has no fallback"
	printf "Subject: Hello\n\nDear {{first_name|Doctor}},\n" >templates/t.txt
	assert_exit 0 "$OUTREACH" lint
	assert_eq "" "$(cat "$T/stdout")"
	assert_exit 0 "$OUTREACH" preview --contact bo@hosp-b.example.org
	assert_file_contains "$T/stdout" "Dear Doctor,"
	# an empty value in a header is caught the same way
	printf "Subject: For Dr. {{first_name}}\n\nDear {{first_name|Doctor}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt:1:18: error: {{first_name}} is empty and has no fallback"
'

test_expect_success 'the contacts of a finding: five shown, --all shows every one' '
	mkws many "email,first_name
a1@hosp.example.org,
a2@hosp.example.org,
a3@hosp.example.org,
a4@hosp.example.org,
a5@hosp.example.org,
a6@hosp.example.org,
a7@hosp.example.org,Seven
"
	cd many
	printf "Subject: Hello\n\nDear {{first_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "    for these 6 contacts: a1@hosp.example.org, a2@hosp.example.org, a3@hosp.example.org, a4@hosp.example.org, a5@hosp.example.org and 1 more"
	assert_file_contains "$T/stderr" "lint: 6 contacts would not be sent until this is fixed"
	assert_exit 65 "$OUTREACH" lint --all
	assert_file_contains "$T/stdout" "a5@hosp.example.org, a6@hosp.example.org"
	assert_file_not_contains "$T/stdout" "more"
'

test_expect_success 'a missing attachment: an error for every contact' '
	mkws miss "$CSV"
	cd miss
	printf "Subject: Hello\nAttachment: attachments/CV-final.pdf\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:2: error: attachment '"'"'attachments/CV-final.pdf'"'"' cannot be read: No such file or directory
    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org" "$(cat "$T/stdout")"
	echo "%PDF-1.4" >attachments/CV-final.pdf
	assert_exit 0 "$OUTREACH" lint
	mkdir attachments/dir.pdf
	printf "Subject: Hello\nAttachment: attachments/dir.pdf\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "attachment '"'"'attachments/dir.pdf'"'"' is not a regular file"
'

test_expect_success 'an attachment path from contact data cannot leave attachments/ (../../etc/passwd, a symlink)' '
	mkws esc "email,first_name,last_name,cv
ann@hosp-a.example.org,Ann,Able,cv-ann.pdf
bo@hosp-b.example.org,Bo,Baker,../../etc/passwd
cy@hosp-c.example.org,Cy,Cole,../outreach.conf
di@hosp-d.example.org,Di,Dee,link.pdf
"
	# the file the CSV points at exists: the refusal is not just a missing file
	mkdir -p etc
	echo "root:x:0:0:secret" >etc/passwd
	cd esc
	echo "%PDF-1.4 Ann" >attachments/cv-ann.pdf
	ln -s ../outreach.conf attachments/link.pdf
	printf "Subject: Hello\nAttachment: attachments/{{cv}}\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	out=$(cat "$T/stdout")
	assert_contains "$out" "templates/t.txt:2: error: attachment '"'"'attachments/../../etc/passwd'"'"' is outside the attachments folder; a path made from contact data must name a file in attachments/
    for 1 contact: bo@hosp-b.example.org"
	assert_contains "$out" "templates/t.txt:2: error: attachment '"'"'attachments/../outreach.conf'"'"' is outside the attachments folder; a path made from contact data must name a file in attachments/
    for 1 contact: cy@hosp-c.example.org"
	assert_contains "$out" "templates/t.txt:2: error: attachment '"'"'attachments/link.pdf'"'"' is outside the attachments folder; a path made from contact data must name a file in attachments/
    for 1 contact: di@hosp-d.example.org"
	assert_not_contains "$out" "ann@hosp-a.example.org"
	assert_eq "lint: 4 contacts, 1 step: 3 errors, 0 warnings
lint: 3 contacts would not be sent until this is fixed" "$(cat "$T/stderr")"
	# the template itself: a relative path must stay in the workspace
	echo secret >../secret.txt
	printf "Subject: Hello\nAttachment: ../secret.txt\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt:2: error: attachment '"'"'../secret.txt'"'"' is outside the workspace; give an absolute path to use a file elsewhere"
	# ... and no preview contains the files
	printf "Subject: Hello\nAttachment: attachments/{{cv}}\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" preview --out pv
	assert_eq "001-ann@hosp-a.example.org.eml" "$(ls pv)"
	if grep -rl "secret" pv; then echo "a refused file was attached"; false; fi
'

test_expect_success 'attachments over 25 MB: an error; over 10 MB: a warning only' '
	mkws big "$CSV"
	cd big
	truncate -s 26M attachments/huge.pdf
	printf "Subject: Hello\nAttachment: attachments/huge.pdf\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt:2: error: attachment '"'"'attachments/huge.pdf'"'"': "
	assert_file_contains "$T/stdout" "it is 26.0 MB; providers accept at most 25 MB of attachments"
	assert_file_contains "$T/stdout" "    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org"
	truncate -s 13M attachments/half1.pdf attachments/half2.pdf
	printf "Subject: Hello\nAttachment: attachments/half1.pdf\nAttachment: attachments/half2.pdf\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt: error: attachments total 26.0 MB, more than 25 MB
    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org
    hint: providers refuse messages this large; link to the file instead" "$(cat "$T/stdout")"
	printf "Subject: Hello\nAttachment: attachments/half1.pdf\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt: warning: attachments total 13.0 MB"
	assert_file_contains "$T/stderr" "lint: 2 contacts, 1 step: 0 errors, 1 warning — ready to send"
'

test_expect_success 'a subject over 78 characters: a warning naming the contacts, exit 0' '
	mkws subj "$CSV"
	cd subj
	printf "Subject: A request for a four-week clinical observership at {{hospital}}, internal medicine\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 0 "$OUTREACH" lint
	assert_eq "templates/t.txt:1: warning: the subject is 80 characters long
    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org
    hint: mail clients cut long subjects; keep it under 78 characters" "$(cat "$T/stdout")"
	assert_eq "lint: 2 contacts, 1 step: 0 errors, 1 warning — ready to send" "$(cat "$T/stderr")"
	# characters, not bytes: 78 with "—" and "é" (82 bytes) is fine, 79 is not
	printf "Subject: Observership request from an IMG graduate in internal medicine — spring 2027 é\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 0 "$OUTREACH" lint
	assert_eq "" "$(cat "$T/stdout")"
	printf "Subject: Observership request from an IMG graduate in internal medicine — spring 2027 é!\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 0 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/t.txt:1: warning: the subject is 79 characters long"
'

test_expect_success 'CR or LF from contact data headed for a header: an error naming the contact' '
	mkws inj "email,first_name,last_name,coordinator,unit
ann@hosp-a.example.org,Ann,Able,coord@hosp-a.example.org,Cardiology
bo@hosp-b.example.org,Bo,Baker,\"coord@hosp-b.example.org
Bcc: victim@evil.example.com\",Medicine
cy@hosp-c.example.org,Cy,Cole,coord@hosp-c.example.org,\"Nephrology\r
X-Injected: yes\"
"
	cd inj
	printf "Subject: Observership in {{unit}}\nCc: {{coordinator}}\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	out=$(cat "$T/stdout")
	assert_contains "$out" "templates/t.txt:2: error: Cc would contain a line break or NUL byte
    for 1 contact: bo@hosp-b.example.org
    hint: remove line breaks from the contact'"'"'s data"
	assert_contains "$out" "templates/t.txt:1: error: Subject would contain a line break or NUL byte
    for 1 contact: cy@hosp-c.example.org"
	assert_not_contains "$out" "ann@hosp-a.example.org"
	assert_exit 65 "$OUTREACH" preview --out pv
	assert_eq "001-ann@hosp-a.example.org.eml" "$(ls pv)"
	assert_file_contains pv/001-ann@hosp-a.example.org.eml "Cc: coord@hosp-a.example.org"
'

test_expect_success 'a bad Reply-To or Cc address: an error, from the template or from contact data' '
	mkws rt "email,first_name,last_name,assistant
ann@hosp-a.example.org,Ann,Able,Amy Assistant <amy@hosp-a.example.org>
bo@hosp-b.example.org,Bo,Baker,bo.assistant at hosp-b
"
	cd rt
	printf "Subject: Hello\nReply-To: amina.rahman at example.com\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:2: error: Reply-To: '"'"'amina.rahman at example.com'"'"': invalid address '"'"'amina.rahman at example.com'"'"' (it contains a space; one address per row)
    for these 2 contacts: ann@hosp-a.example.org, bo@hosp-b.example.org" "$(cat "$T/stdout")"
	printf "Subject: Hello\nReply-To: Amina Rahman <amina.rahman@example.com>\nCc: {{assistant}}\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	assert_exit 65 "$OUTREACH" lint
	assert_eq "templates/t.txt:3: error: Cc: '"'"'bo.assistant at hosp-b'"'"': invalid address '"'"'bo.assistant at hosp-b'"'"' (it contains a space; one address per row)
    for 1 contact: bo@hosp-b.example.org" "$(cat "$T/stdout")"
	assert_exit 0 "$OUTREACH" preview --contact ann@hosp-a.example.org
	assert_file_contains "$T/stdout" "Reply-To: Amina Rahman <amina.rahman@example.com>"
	assert_file_contains "$T/stdout" "Cc: Amy Assistant <amy@hosp-a.example.org>"
'

test_expect_success 'lint and campaigns: several need --campaign; an unknown one; a campaign with no contacts' '
	mkws two "$CSV"
	cd two
	printf "Subject: Hello\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	printf "From {{sender.name}}\n" >templates/o.txt
	printf "\n[campaign other]\ntemplate = templates/o.txt\n" >>outreach.conf
	assert_exit 64 "$OUTREACH" lint
	assert_eq "outreach: several campaigns (t, other): choose one with --campaign NAME" "$(cat "$T/stderr")"
	assert_exit 0 "$OUTREACH" lint --campaign t
	assert_file_contains "$T/stderr" "lint: 2 contacts, 1 step: 0 errors"
	assert_exit 64 "$OUTREACH" lint --campaign nope
	assert_file_contains "$T/stderr" "no campaign '"'"'nope'"'"'"
	assert_exit 0 "$OUTREACH" lint --campaign other
	assert_file_contains "$T/stderr" "outreach: warning: campaign '"'"'other'"'"' has no contacts yet; run '"'"'outreach import FILE.csv --campaign other'"'"'"
	assert_file_contains "$T/stderr" "lint: 0 contacts, 1 step: 0 errors, 0 warnings"
	assert_exit 64 "$OUTREACH" lint extra-arg
'

test_expect_success 'follow-ups are linted too, with their own file names' '
	mkws fu "$CSV"
	cd fu
	printf "followup = 7 business days: templates/f1.txt\n" >>outreach.conf
	printf "Subject: Hello\n\nDear Dr. {{last_name}},\n" >templates/t.txt
	printf "Dear {{first_name}},\n\nA gentle reminder.\n" >templates/f1.txt
	assert_exit 65 "$OUTREACH" lint
	assert_file_contains "$T/stdout" "templates/f1.txt:1:6: error: {{first_name}} is empty and has no fallback"
	assert_file_contains "$T/stderr" "lint: 2 contacts, 2 steps: 1 error, 0 warnings"
'

test_done
