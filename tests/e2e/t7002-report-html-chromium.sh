#!/bin/bash
# t7002-report-html-chromium: the HTML report as a browser sees it. Headless Chromium (Debian's
# chromium) renders the fixture campaign of t7001 offline: --dump-dom shows the Offers section
# and every tracker row, the hostile reply text (<script>alert(1)</script>, an <img onerror>, a
# <script> in a hospital name) appears as text, no script element exists and nothing ran or
# was blocked (no console message at all); the page fetches nothing. A screenshot
# (build/report-screenshot.png) and a print rendering (build/report.pdf) are kept for a
# person to look at.
. "${0%/*}/../lib.sh"
require_outreach
require_cmd sqlite3 chromium timeout "$PY"

FIX=$TOP/tests/fixtures/report
export OUTREACH_NOW=2027-02-15T10:00:00Z
"$FIX/make-workspace" "$T/ws" || bail "cannot build the fixture workspace"
"$OUTREACH" -C "$T/ws" report --format html -o "$T/report.html" 2>/dev/null || bail "report --format html failed"
mkdir -p "$TOP/build" || bail "cannot make $TOP/build"

# chrome ARGS...: headless Chromium that can reach nothing: every host name fails to resolve and
# any fetch would go to a proxy on 127.0.0.1's discard port, where nothing listens.
chrome() {
	local prof
	prof=$(mktemp -d "$T/chrome.XXXXXX")
	timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--host-resolver-rules="MAP * ~NOTFOUND" --proxy-server=127.0.0.1:9 \
		--enable-logging=stderr --v=0 --user-data-dir="$prof" "$@"
}

chrome --dump-dom "file://$T/report.html" >"$T/dom.html" 2>"$T/dom.err" || bail "chromium --dump-dom failed: $(tail -n 5 "$T/dom.err")"

test_expect_success 'the DOM has the Offers section with each offer, its conditions and its reply' '
	assert_file_contains dom.html "<section id=\"offers\"><h2>Offers <span class=\"count\">4</span></h2>"
	assert_eq 4 "$(grep -o "<article class=\"offer\"" dom.html | wc -l)"
	assert_file_contains dom.html "<li>\$500 application fee</li>"
	assert_file_contains dom.html "<li>immunization records and TB test</li>"
	assert_file_contains dom.html "<li>rotation fee: \$1,500</li>"
	assert_file_contains dom.html "Jane Park (GME coordinator) handles the paperwork"
	assert_file_contains dom.html "Answered by</dt><dd>Jane Park &lt;jane.park@riverside.example.org&gt;"
	assert_file_contains dom.html "We would be glad to host you for a four-week clinical rotation in May."
'

test_expect_success 'the tracker has one row per attending with the expected statuses' '
	assert_eq 19 "$(grep -o "<tr class=\"st-" dom.html | wc -l)"
	for s in offer info_request declined replied out_of_office bounced failed unknown no_answer paused do_not_contact not_sent; do
		grep -q "<tr class=\"st-$s\">" dom.html || { echo "no row with status $s"; exit 1; }
	done
	assert_file_contains dom.html "Anna Müller"
	assert_file_contains dom.html "José Martínez"
	assert_file_contains dom.html "أحمد الفارسي"
	assert_file_contains dom.html "武 中村"
	assert_file_contains dom.html "until 2027-03-01"
	assert_file_contains dom.html "5.1.1 user unknown"
	assert_file_contains dom.html "temporary: 4.2.2 mailbox full"
'

test_expect_success 'hostile text is shown as text: no script element, no injected element, title intact' '
	assert_file_contains dom.html "as an observer. &lt;script&gt;alert(1)&lt;/script&gt;"
	assert_file_contains dom.html "&lt;img src=x onerror=\"document.body.setAttribute('"'"'data-pwned'"'"',1)\"&gt;"
	assert_file_contains dom.html "&lt;b&gt;Bold&lt;/b&gt; &amp; Co &lt;script&gt;"
	assert_eq 0 "$(grep -io "<script" dom.html | wc -l)" "script elements in the DOM"
	assert_eq 0 "$(grep -io "<img" dom.html | wc -l)" "img elements in the DOM"
	assert_eq 0 "$(grep -io "<b>Bold" dom.html | wc -l)" "markup from a contact field"
	assert_file_not_contains dom.html "data-pwned=\""
	assert_file_contains dom.html "<title>observership — USCE outreach report — Amina Rahman</title>"
'

test_expect_success 'nothing ran and nothing was blocked: the browser logged no console message' '
	if grep -E "CONSOLE|Uncaught|Content Security Policy" dom.err; then
		echo "the page produced console output"
		exit 1
	fi
'

test_expect_success 'the file itself has no script, no external resource, and a CSP that forbids both' '
	assert_eq 0 "$(grep -io "<script" report.html | wc -l)"
	assert_file_contains report.html "content=\"default-src '"'"'none'"'"'; style-src '"'"'unsafe-inline'"'"'; img-src data:\""
	if grep -Eio "(src|href|action)=\"(https?:|//)|url\(|@import" report.html; then
		echo "external reference found"
		exit 1
	fi
	assert_eq 4 "$(grep -o "<svg xmlns" report.html | wc -l)" "four SVG charts"
'

test_expect_success 'a screenshot is written under build/ for a person to look at' '
	rm -f "$TOP/build/report-screenshot.png"
	chrome --hide-scrollbars --window-size=1200,5600 --screenshot="$TOP/build/report-screenshot.png" \
		"file://$T/report.html" >shot.out 2>shot.err
	assert_eq "89504e47" "$(head -c 4 "$TOP/build/report-screenshot.png" | od -An -tx1 | tr -d " \n")"
	test "$(stat -c %s "$TOP/build/report-screenshot.png")" -gt 100000
	echo "# screenshot: $TOP/build/report-screenshot.png"
'

test_expect_success 'it prints: a PDF of several pages through the print stylesheet' '
	rm -f "$TOP/build/report.pdf"
	chrome --no-pdf-header-footer --print-to-pdf="$TOP/build/report.pdf" "file://$T/report.html" >pdf.out 2>pdf.err
	assert_eq "%PDF" "$(head -c 4 "$TOP/build/report.pdf")"
	pages=$(grep -ac "/Type /Page\b" "$TOP/build/report.pdf" || true)
	test "$pages" -ge 3 || { echo "only $pages pages"; exit 1; }
'

test_expect_success 'an empty campaign renders too, with charts that say there is no data' '
	"$OUTREACH" init empty >/dev/null 2>&1
	cp "$FIX/outreach.conf" empty/outreach.conf
	chmod 600 empty/outreach.conf
	"$OUTREACH" -C empty report --format html -o empty.html 2>/dev/null
	chrome --dump-dom "file://$T/empty.html" >empty.dom 2>empty.err
	assert_file_contains empty.dom "No attendings yet"
	assert_file_contains empty.dom "No offers yet."
	assert_file_contains empty.dom ">No data yet</text>"
'

test_done
