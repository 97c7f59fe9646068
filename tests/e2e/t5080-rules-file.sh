#!/bin/bash
# The phrases and weights of the reply classifier live in a rules file: 'config rules'
# prints the built-in one, a workspace may use its own copy ('rules = FILE'), and a
# mistake in it is reported as file:line.
. "${0%/*}/../lib.sh"
require_outreach

"$OUTREACH" -q init ws >/dev/null
cat >reply.eml <<'MAIL'
From: Dr. Lee <j.lee@hospital.example.org>
To: Amina Rahman <amina.rahman@example.com>
Subject: Re: Observership request
Date: Mon, 07 Dec 2026 10:00:00 -0500
Message-ID: <kumquat-1@hospital.example.org>
Content-Type: text/plain; charset=utf-8

Kumquat, my friend. Kumquat.
MAIL

label() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["label"])'; }

test_expect_success 'config rules prints the built-in rules, outside any workspace too' '
	assert_exit 0 "$OUTREACH" config rules
	assert_file_contains "$T/stdout" "# outreach classification rules"
	assert_file_contains "$T/stdout" "set threshold"
	"$OUTREACH" -C ws config rules >ws/my.rules
	cmp "$T/stdout" ws/my.rules
'

test_expect_success 'the built-in rules do not know the word: other' '
	assert_eq other "$(cd ws && "$OUTREACH" classify ../reply.eml | label)"
'

test_expect_success 'a workspace rules file with one more phrase changes the verdict' '
	echo "offer 5 \"kumquat\"" >>ws/my.rules
	sed -i "s/^\\[account\\]$/[account]\\nrules = my.rules/" ws/outreach.conf
	assert_eq offer "$(cd ws && "$OUTREACH" classify ../reply.eml | label)"
'

test_expect_success 'a mistake in the rules file: file:line and what is wrong, exit 65' '
	echo "offer lots \"broken" >>ws/my.rules
	n=$(wc -l <ws/my.rules)
	cd ws
	assert_exit 65 "$OUTREACH" classify ../reply.eml
	assert_file_contains "$T/stderr" "my.rules:$n:"
'

test_done
