#!/bin/bash
# t5060-classify: 'outreach classify FILE...' prints one JSON object per message with the
# documented fields — outside a workspace judged alone, inside one also matched to what was
# sent — and changes nothing. Verdicts are checked against the reply fixtures' own table
# (tests/fixtures/replies/expected.tsv) and the bounce corpus (tests/spec/mail/bounces).
. "${0%/*}/../lib.sh"
. "$TOP/tests/e2e/poll-lib.sh"
require_outreach
require_cmd sqlite3

# check_jsonl FILE WORKSPACE(0|1) COUNT: COUNT lines, each a JSON object with exactly the
# documented keys and types.
check_jsonl() {
	"$PY" - "$@" <<-'EOF'
	import json, sys
	path, ws, count = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
	keys = ["file", "label", "reason", "in_reply_to", "bounce", "return_date"]
	if ws:
	    keys += ["matched_contact", "matched_message_id", "match_rule"]
	labels = {"offer", "decline", "info_request", "auto_reply", "bounce", "other"}
	lines = open(path, "rb").read().split(b"\n")
	assert lines[-1] == b"", "no newline at the end"
	lines = lines[:-1]
	assert len(lines) == count, "%d lines, expected %d" % (len(lines), count)
	for raw in lines:
	    d = json.loads(raw.decode("utf-8"))
	    assert list(d) == keys, "keys %s" % list(d)
	    assert isinstance(d["file"], str) and d["file"]
	    assert d["label"] in labels, d["label"]
	    assert isinstance(d["reason"], str) and d["reason"], d
	    assert isinstance(d["in_reply_to"], list) and all(isinstance(x, str) and "<" not in x for x in d["in_reply_to"])
	    if d["label"] == "bounce":
	        b = d["bounce"]
	        assert list(b) == ["recipient", "status", "hard"], b
	        assert b["recipient"] is None or "@" in b["recipient"]
	        assert isinstance(b["hard"], bool)
	    else:
	        assert d["bounce"] is None, d
	    rd = d["return_date"]
	    assert rd is None or (len(rd) == 10 and rd[4] == "-" and rd[7] == "-"), rd
	    if ws:
	        for k in ("matched_contact", "matched_message_id", "match_rule"):
	            assert d[k] is None or isinstance(d[k], str) and d[k], (k, d[k])
	        assert (d["matched_contact"] is None) == (d["matched_message_id"] is None) == (d["match_rule"] is None), d
	EOF
}

mkdir -p outside
test_expect_success 'outside a workspace: every reply fixture, the verdicts of its table' '
	(cd outside && "$OUTREACH" classify "$FIX"/*.eml) >fx.jsonl
	n=$(ls "$FIX"/*.eml | wc -l)
	check_jsonl fx.jsonl 0 $n
	"$PY" - fx.jsonl "$FIX/expected.tsv" <<-'"'"'EOF'"'"'
	import json, os, sys
	got = {os.path.basename(d["file"]): d for d in map(json.loads, open(sys.argv[1]))}
	bad = []
	rows = 0
	for line in open(sys.argv[2]):
	    if line.startswith("#") or not line.strip():
	        continue
	    f = (line.rstrip("\n").split("\t") + [""] * 7)[:7]
	    name, label, rdate, rcpt, hard = f[:5]
	    rows += 1
	    d = got[name]
	    # the JSON has a bounce object for bounces only (not the address a complaint names)
	    if label != "bounce":
	        rcpt = hard = ""
	    want = (label, rdate or None, rcpt or None, {"1": True, "0": False, "": None}[hard])
	    b = d["bounce"] or {}
	    have = (d["label"], d["return_date"], b.get("recipient") if rcpt else None, b.get("hard") if hard else None)
	    if want != have:
	        bad.append("%s: expected %s, got %s (%s)" % (name, want, have, d["reason"]))
	print("%d fixtures checked" % rows)
	assert rows >= 45, rows
	assert not bad, "\n".join(bad)
	EOF
'

test_expect_success 'in_reply_to lists In-Reply-To then References, without brackets, each id once' '
	mkmail "$FIX/gmail-terse-offer.eml" irt.eml --set "In-Reply-To: <second@example.com>" \
		--set "References: <first@example.com> <second@example.com>"
	"$OUTREACH" classify irt.eml "$FIX/gmail-terse-offer.eml" >two.jsonl
	irt() { "$PY" -c "import json,sys; print(json.dumps(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])])[\"in_reply_to\"]))" two.jsonl $1; }
	assert_eq "[\"second@example.com\", \"first@example.com\"]" "$(irt 0)"
	assert_eq "[\"cm-20261110-0001@example.com\"]" "$(irt 1)"
'

# Real-world bounces from many MTAs (sisimai's corpus): each is a bounce, except the files
# the classifier is known to miss (this list may only shrink); the complaints, vacation
# notes and non-bounces of the corpus are not bounces.
KNOWN_MISSES="lhost-fml-02.eml lhost-fml-03.eml lhost-kddi-01.eml"
test_expect_success 'the bounce corpus: one valid line per message, bounces found' '
	(cd outside && "$OUTREACH" classify "$TOP/tests/spec/mail/bounces/maildir-bsd" "$TOP/tests/spec/mail/bounces/not-bounce") >b.jsonl
	n=$(grep -c "" b.jsonl)
	test "$n" -ge 390
	check_jsonl b.jsonl 0 "$n"
	"$PY" - b.jsonl "$TOP/tests/spec/mail/bounces/expected.tsv" "$KNOWN_MISSES" <<-'"'"'EOF'"'"'
	import json, os, sys
	reason = {}
	for line in open(sys.argv[2]):
	    if not line.startswith("#"):
	        f = line.rstrip("\n").split("\t")
	        reason.setdefault(os.path.basename(f[0]), f[5])
	misses = set(sys.argv[3].split())
	# a "mailbox full" notice in no standard format: sisimai files it as not a bounce,
	# tests/spec/mail/autoreply/expected.tsv calls a soft bounce or an auto-reply defensible
	ambiguous = {"rb-issue-368-bug.eml"}
	wrong, bounces = [], 0
	for d in map(json.loads, open(sys.argv[1])):
	    name = os.path.basename(d["file"].split("#")[0])
	    if name in ambiguous:
	        continue
	    r = "NOT_A_BOUNCE" if "/not-bounce/" in d["file"] else reason.get(name, "?")
	    should = r not in ("feedback", "vacation", "delivered", "NOT_A_BOUNCE", "?")
	    if should and d["label"] == "bounce":
	        bounces += 1
	    if should and d["label"] != "bounce" and name not in misses:
	        wrong.append("%s (%s): %s: %s" % (name, r, d["label"], d["reason"]))
	    if not should and r != "?" and d["label"] == "bounce":
	        wrong.append("%s (%s) is not a bounce: %s" % (name, r, d["reason"]))
	print("%d bounces recognised" % bounces)
	assert bounces >= 370, bounces
	assert not wrong, "\n".join(wrong)
	EOF
'

test_expect_success 'odd file names and an mbox: still one valid JSON line per message' '
	mkdir odd
	cp "$FIX/gmail-terse-offer.eml" "odd/it'"'"'s \"odd\"\\	tab.eml"
	cp "$FIX/gmail-terse-offer.eml" "odd/bad-$(printf "\377")-utf8.eml"
	{ echo "From a@b Mon Jan  5 00:00:00 2026"; cat "$FIX/polite-refusal.eml"; echo; echo "From c@d Mon Jan  5 00:00:01 2026"; cat "$FIX/ooo-german.eml"; } >two.mbox
	(cd outside && "$OUTREACH" classify ../odd ../two.mbox) >odd.jsonl
	check_jsonl odd.jsonl 0 4
	assert_file_contains odd.jsonl "\"file\":\"../odd/it'"'"'s \\\"odd\\\"\\\\\\ttab.eml\""
	assert_file_contains odd.jsonl "\"file\":\"../two.mbox#1\",\"label\":\"decline\""
	assert_file_contains odd.jsonl "\"file\":\"../two.mbox#2\",\"label\":\"auto_reply\""
	assert_exit 74 "$OUTREACH" classify no-such-file.eml
	assert_exit 64 "$OUTREACH" classify
'

# ---------------------------------------------------------------- inside a workspace
if [ "$(id -u)" != 0 ]; then
	test_done
fi
start_stack
write_csv contacts.csv \
	"swhitfield@bostongeneral.example.org|Sarah|Whitfield|MD|Internal Medicine|Department of Medicine|Boston General Hospital|Boston|MA" \
	"rkapoor@mercyvalley.example.org|Rajesh|Kapoor|MD|Nephrology|Department of Medicine|Mercy Valley Hospital|Phoenix|AZ"
make_ws ws contacts.csv --followups 1 || bail "cannot make the workspace"
o ws -q send --yes || bail "the campaign was not sent"
ID1=$(msgid ws swhitfield@bostongeneral.example.org)
ID2=$(msgid ws rkapoor@mercyvalley.example.org)
mkdir in
mkmail "$FIX/gmail-toppost-offer.eml" in/1-offer.eml --set "From: swhitfield@bostongeneral.example.org" \
	--set "In-Reply-To: <$ID1>" --set "References: <$ID1>"
mkmail "$FIX/bounce-o365-recipient-not-found.eml" in/2-bounce.eml \
	--replace dr.kim@health.example.org rkapoor@mercyvalley.example.org --replace cm-20261110-0001@example.com "$ID2"
cp "$FIX/mailing-list-newsletter.eml" in/3-list.eml
mkmail "$FIX/polite-refusal.eml" in/4-sender.eml --set "From: Rajesh Kapoor <RKapoor@MercyValley.example.org>" \
	--drop In-Reply-To --drop References

test_expect_success 'inside a workspace: matched to the contact and the message, nothing recorded' '
	before=$(sql ws "SELECT (SELECT count(*) FROM events) || '"' '"' || (SELECT count(*) FROM replies) || '"' '"' || (SELECT group_concat(state) FROM messages)")
	assert_exit 0 o ws classify in
	cp "$T/stdout" in.jsonl
	check_jsonl in.jsonl 1 4
	"$PY" - in.jsonl "$ID1" "$ID2" <<-'"'"'EOF'"'"'
	import json, sys
	d = [json.loads(l) for l in open(sys.argv[1])]
	id1, id2 = sys.argv[2:]
	got = [(x["label"], x["matched_contact"], x["matched_message_id"], x["match_rule"]) for x in d]
	want = [("offer", "swhitfield@bostongeneral.example.org", id1, "in-reply-to"),
	        ("bounce", "rkapoor@mercyvalley.example.org", id2, "bounce-message-id"),
	        ("other", None, None, None),
	        ("decline", "rkapoor@mercyvalley.example.org", id2, "sender")]
	assert got == want, got
	assert d[1]["bounce"] == {"recipient": "rkapoor@mercyvalley.example.org", "status": "5.1.10", "hard": True}, d[1]["bounce"]
	EOF
	assert_eq "$before" "$(sql ws "SELECT (SELECT count(*) FROM events) || '"' '"' || (SELECT count(*) FROM replies) || '"' '"' || (SELECT group_concat(state) FROM messages)")"
	assert_eq "" "$(suppressed_of ws rkapoor@mercyvalley.example.org)"
	# from inside the workspace directory, the same
	(cd ws && OUTREACH_NOW=$NOW "$OUTREACH" classify ../in/1-offer.eml) >in2.jsonl
	assert_file_contains in2.jsonl "\"matched_contact\":\"swhitfield@bostongeneral.example.org\""
	# and from outside with -C
	assert_exit 0 "$OUTREACH" -C ws classify in/3-list.eml
	assert_file_contains "$T/stdout" "\"matched_contact\":null,\"matched_message_id\":null,\"match_rule\":null}"
'

test_done
