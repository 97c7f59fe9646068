/* Unit tests for compose: message tables parsed back by an independent parser, injection, limits, dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compose.h"
#include "err.h"
#include "markdown.h"
#include "mime.h"
#include "util.h"
#include "xalloc.h"

#define OUTDIR "build/test-compose-eml"
#define EMLCHECK "/usr/bin/python3 tests/tools/emlcheck.py"

static const time_t T0 = 1795615200; /* 2026-11-25 14:00:00 UTC */

/* ------------------------------------------------------------------ helpers */

static void json_str(struct buf *j, const char *s)
{
	buf_addch(j, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(j, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(j, "\\u%04x", *p);
		else
			buf_addch(j, (char)*p);
	}
	buf_addch(j, '"');
}

static void json_key(struct buf *j, const char *k)
{
	if (j->len > 1)
		buf_addch(j, ',');
	json_str(j, k);
	buf_addch(j, ':');
}

static void json_mbox(struct buf *j, const struct compose_addr *a)
{
	/* compose writes display names trimmed with blanks squeezed (RFC 5322 §3.2.2) */
	struct buf n = BUF_INIT(1 << 16);
	for (const char *p = a->name ? a->name : ""; *p; p++) {
		int ws = *p == ' ' || *p == '\t';
		if (!(ws && (n.len == 0 || n.data[n.len - 1] == ' ')))
			buf_addch(&n, ws ? ' ' : *p);
	}
	if (n.len && n.data[n.len - 1] == ' ')
		buf_truncate(&n, n.len - 1);
	buf_addstr(j, "{\"name\":");
	json_str(j, buf_str(&n));
	buf_release(&n);
	buf_addstr(j, ",\"addr\":");
	json_str(j, a->addr);
	buf_addch(j, '}');
}

/* Everything the independent parser must find again, from the input struct itself. */
static char *expectations(const struct compose_msg *m, const char *ctype, const char *text_enc)
{
	struct buf j = BUF_INIT(1 << 26);
	buf_addch(&j, '{');
	json_key(&j, "subject");
	json_str(&j, m->subject ? m->subject : "");
	json_key(&j, "from");
	json_mbox(&j, &m->from);
	json_key(&j, "to");
	json_mbox(&j, &m->to);
	if (m->ncc) {
		json_key(&j, "cc");
		buf_addch(&j, '[');
		for (size_t i = 0; i < m->ncc; i++) {
			if (i)
				buf_addch(&j, ',');
			json_mbox(&j, &m->cc[i]);
		}
		buf_addch(&j, ']');
	}
	if (m->nreply_to) {
		json_key(&j, "reply_to");
		buf_addch(&j, '[');
		for (size_t i = 0; i < m->nreply_to; i++) {
			if (i)
				buf_addch(&j, ',');
			json_mbox(&j, &m->reply_to[i]);
		}
		buf_addch(&j, ']');
	}
	json_key(&j, "message_id");
	json_str(&j, m->message_id);
	if (m->in_reply_to) {
		json_key(&j, "in_reply_to");
		json_str(&j, m->in_reply_to);
	}
	if (m->nreferences) {
		json_key(&j, "references");
		buf_addch(&j, '[');
		for (size_t i = 0; i < m->nreferences; i++) {
			if (i)
				buf_addch(&j, ',');
			json_str(&j, m->references[i]);
		}
		buf_addch(&j, ']');
	}
	struct buf d = BUF_INIT(64);
	compose_date(m->date, m->utc_offset_min, &d, NULL);
	json_key(&j, "date");
	json_str(&j, buf_str(&d));
	buf_release(&d);
	json_key(&j, "content_type");
	json_str(&j, ctype);
	json_key(&j, "text");
	if (m->markdown) {
		struct buf t = BUF_INIT(1 << 22);
		assert_int_equal(markdown_to_text(m->markdown, strlen(m->markdown), &t, NULL), 0);
		json_str(&j, buf_str(&t));
		buf_release(&t);
	} else {
		json_str(&j, m->text);
	}
	if (text_enc) {
		json_key(&j, "text_encoding");
		json_str(&j, text_enc);
	}
	json_key(&j, "html");
	buf_addstr(&j, m->html || m->markdown ? "true" : "false");
	json_key(&j, "attachments");
	buf_addch(&j, '[');
	for (size_t i = 0; i < m->natt; i++) {
		const struct compose_attachment *a = &m->att[i];
		struct buf data = BUF_INIT(1 << 26), b64 = BUF_INIT(1 << 26);
		if (a->data)
			buf_add(&data, a->data, a->len);
		else
			assert_int_equal(read_file(a->path, 1 << 25, &data, NULL), 0);
		mime_b64_encode(buf_str(&data), data.len, &b64, NULL);
		if (i)
			buf_addch(&j, ',');
		buf_addstr(&j, "{\"filename\":");
		json_str(&j, a->filename ? a->filename : path_basename(a->path));
		buf_addstr(&j, ",\"content_type\":");
		json_str(&j, a->content_type ? a->content_type : mime_type_for(a->filename ? a->filename : a->path));
		buf_addstr(&j, ",\"data_b64\":");
		json_str(&j, buf_str(&b64));
		buf_addch(&j, '}');
		buf_release(&data);
		buf_release(&b64);
	}
	buf_addch(&j, ']');
	if (m->nheaders) {
		json_key(&j, "headers");
		buf_addch(&j, '{');
		for (size_t i = 0; i < m->nheaders; i++) {
			if (i)
				buf_addch(&j, ',');
			json_str(&j, m->headers[i].name);
			buf_addch(&j, ':');
			json_str(&j, m->headers[i].value);
		}
		buf_addch(&j, '}');
	}
	buf_addstr(&j, "}\n");
	return buf_detach(&j, NULL);
}

/* Our own wire checks, before Python's. */
static void check_wire(const char *msg, size_t n, const char *name)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)msg[i];
		if (c >= 0x80 || c == 0)
			fail_msg("%s: 8-bit or NUL octet at %zu", name, i);
		if (c == '\r') {
			if (i + 1 >= n || msg[i + 1] != '\n')
				fail_msg("%s: bare CR at %zu", name, i);
			i++;
			col = 0;
			continue;
		}
		if (c == '\n')
			fail_msg("%s: bare LF at %zu", name, i);
		if (++col > 998)
			fail_msg("%s: line over 998 octets at %zu", name, i);
	}
	assert_true(n >= 2 && msg[n - 2] == '\r' && msg[n - 1] == '\n');
}

static int n_written;

static void write_pair(const char *name, const char *eml, size_t len, const char *json)
{
	struct err e = { 0 };
	char *p = xasprintf(OUTDIR "/%02d-%s.eml", n_written, name);
	if (write_file_atomic(p, eml, len, 0644, &e) < 0)
		fail_msg("%s", e.msg);
	free(p);
	p = xasprintf(OUTDIR "/%02d-%s.json", n_written, name);
	if (write_file_atomic(p, json, strlen(json), 0644, &e) < 0)
		fail_msg("%s", e.msg);
	free(p);
	n_written++;
}

/* Compose, check locally, and leave the pair for emlcheck. Returns the message (caller frees). */
static char *compose_ok(const char *name, const struct compose_msg *m, const char *ctype, const char *text_enc)
{
	struct buf out = BUF_INIT(64u << 20);
	struct err e = { 0 };
	if (compose_message(m, &out, &e) < 0)
		fail_msg("%s: %s (%s)", name, e.msg, err_class_name(e.cls));
	check_wire(out.data, out.len, name);
	char *json = expectations(m, ctype, text_enc);
	write_pair(name, out.data, out.len, json);
	free(json);
	return buf_detach(&out, NULL);
}

static char *repeat(const char *s, size_t times)
{
	struct buf b = BUF_INIT(1 << 24);
	for (size_t i = 0; i < times; i++)
		buf_addstr(&b, s);
	return buf_detach(&b, NULL);
}

static struct compose_msg base_msg(void)
{
	struct compose_msg m = { 0 };
	m.from = (struct compose_addr){ "Jane Doe", "jane.doe@example.com" };
	m.to = (struct compose_addr){ "John Smith", "jsmith@hospital.example.org" };
	m.subject = "Observership inquiry";
	m.message_id = "20261125140000.abc123@example.com";
	m.date = T0;
	m.utc_offset_min = -300;
	m.text = "Dear Dr. Smith,\n\nI am writing to ask about an observership.\n\nBest regards,\nJane\n";
	return m;
}

/* ------------------------------------------------------------------ tests */

static int setup(void **state)
{
	(void)state;
	struct err e = { 0 };
	assert_int_equal(mkdir_p(OUTDIR, 0755, &e), 0);
	DIR *d = opendir(OUTDIR);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (str_ends_with(de->d_name, ".eml") || str_ends_with(de->d_name, ".json")) {
			char *p = path_join(OUTDIR, de->d_name);
			unlink(p);
			free(p);
		}
	}
	closedir(d);
	return 0;
}

static void test_plain_exact(void **state)
{
	(void)state;
	struct compose_msg m = base_msg();
	char *msg = compose_ok("plain", &m, "text/plain", "7bit");
	assert_string_equal(msg,
		"Date: Wed, 25 Nov 2026 09:00:00 -0500\r\n"
		"From: Jane Doe <jane.doe@example.com>\r\n"
		"To: John Smith <jsmith@hospital.example.org>\r\n"
		"Subject: Observership inquiry\r\n"
		"Message-ID: <20261125140000.abc123@example.com>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"Dear Dr. Smith,\r\n\r\nI am writing to ask about an observership.\r\n\r\nBest regards,\r\nJane\r\n");
	free(msg);
	/* no display name: a bare address; empty subject; output appended after existing data */
	m.from.name = NULL;
	m.to.name = "";
	m.subject = "";
	struct buf out = BUF_INIT(1 << 20);
	buf_addstr(&out, "KEEP");
	assert_int_equal(compose_message(&m, &out, NULL), 0);
	assert_true(str_starts_with(buf_str(&out), "KEEPDate: "));
	assert_non_null(strstr(buf_str(&out), "\r\nFrom: jane.doe@example.com\r\nTo: jsmith@hospital.example.org\r\n"
	                                      "Subject:\r\n"));
	buf_release(&out);
	m.from.name = "Jane Doe";
	m.to.name = "John Smith";
	m.subject = "";
	free(compose_ok("plain-empty-subject", &m, "text/plain", "7bit"));
}

static void test_non_ascii_everything(void **state)
{
	(void)state;
	struct compose_addr cc[] = {
		{ "\xe7\x8e\x8b\xe4\xbc\x9f\xe5\x8c\xbb\xe7\x94\x9f", "wang.wei@example.cn" },
		{ "Zo\xc3\xab O'Brien", "zoe@example.ie" },
		{ "Smith, John \"JJ\"", "jj@example.org" },
		{ NULL, "plain@example.org" },
	};
	struct compose_addr rt[] = { { "Jos\xc3\xa9 Mart\xc3\xadnez (personal)", "jose@example.mx" } };
	struct compose_msg m = base_msg();
	m.from = (struct compose_addr){ "Jos\xc3\xa9 Mart\xc3\xadnez", "jose.martinez@example.mx" };
	m.to = (struct compose_addr){ "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd8\xa8\xd8\xaf \xd8\xa7\xd9\x84\xd9\x84\xd9\x87",
	                              "m.abdullah@hospital.example.org" };
	m.cc = cc;
	m.ncc = ARRAY_SIZE(cc);
	m.reply_to = rt;
	m.nreply_to = 1;
	m.subject = "Observership \xe2\x80\x94 Dr. Jos\xc3\xa9 Mart\xc3\xadnez \xf0\x9f\xa9\xba \xe7\x8e\x8b\xe4\xbc\x9f\xe5\x8c\xbb\xe7\x94\x9f "
	            "(\xd9\x85\xd8\xad\xd9\x85\xd8\xaf) \xf0\x9f\x91\xa9\xe2\x80\x8d\xe2\x9a\x95\xef\xb8\x8f";
	m.text = "Estimado Dr. Mart\xc3\xadnez,\n\n\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x99\x8f\n";
	free(compose_ok("non-ascii", &m, "text/plain", "quoted-printable"));
	/* a 200-character name and a long subject */
	char *name = repeat("Mar\xc3\xad" "a Jos\xc3\xa9 ", 20);
	name[strlen(name) - 1] = '\0';
	char *subject = repeat("Solicitud de rotaci\xc3\xb3n cl\xc3\xadnica ", 8);
	m.from.name = name;
	m.subject = subject;
	free(compose_ok("long-names", &m, "text/plain", "quoted-printable"));
	free(name);
	free(subject);
	/* a long ASCII subject: folded at spaces, not encoded */
	char *ascii = repeat("Request for an observership in internal medicine ", 4);
	m.subject = ascii;
	m.from.name = "Jane Doe";
	char *msg = compose_ok("long-ascii-subject", &m, "text/plain", "quoted-printable");
	assert_null(strstr(msg, "Subject: =?"));
	free(msg);
	free(ascii);
	/* the odd ones: whitespace at the ends, a literal encoded-word, tabs, specials */
	struct compose_addr odd[] = {
		{ "  padded  ", "p@example.org" }, { "tab\tname", "t@example.org" },
		{ "=?UTF-8?Q?not_encoded?=", "n@example.org" }, { "Dr. A. (Tony) Smith, MD", "s@example.org" },
		{ "back\\slash \"quote\"", "b@example.org" }, { "\xe2\x80\x8f\xd9\x85 RTL", "r@example.org" },
	};
	m.cc = odd;
	m.ncc = ARRAY_SIZE(odd);
	m.subject = "  =?UTF-8?Q?literal?= \t tab  and  spaces  ";
	free(compose_ok("odd-names", &m, "text/plain", "quoted-printable"));
}

static void test_markdown_alternative(void **state)
{
	(void)state;
	struct compose_msg m = base_msg();
	m.text = NULL;
	m.markdown = "Dear Dr. *Smith*,\n\nI am an **IMG** from Lagos. My CV: [link](https://example.org/cv.pdf).\n\n"
	             "- USMLE Step 1: passed\n- Step 2 CK: 250\n\n> quoted line\n\n<script>alert(1)</script>\n\nJos\xc3\xa9\n";
	char *msg = compose_ok("markdown", &m, "multipart/alternative", NULL);
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary=\"=_alt_"));
	assert_null(strstr(msg, "<script>"));
	free(msg);
	/* text + explicit html fragment, and a full html document used as is */
	m.markdown = NULL;
	m.text = "Hello\n";
	m.html = "<p>Hello</p>";
	free(compose_ok("html-fragment", &m, "multipart/alternative", "7bit"));
	m.html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>Hi</p></body></html>";
	msg = compose_ok("html-document", &m, "multipart/alternative", "7bit");
	assert_null(strstr(msg, "font-family"));
	free(msg);
}

static void test_attachments(void **state)
{
	(void)state;
	unsigned char all[256 * 4];
	for (size_t i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)(i % 256);
	const char *path = OUTDIR "/bytes.bin";
	struct err e = { 0 };
	assert_int_equal(write_file_atomic(path, all, sizeof all, 0644, &e), 0);
	static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
	char *arabic = repeat("\xd9\x85\xd8\xad\xd9\x85\xd8\xaf ", 10);
	char *arabic_name = xasprintf("%s\xd8\xa7\xd9\x84\xd8\xb3\xd9\x8a\xd8\xb1\xd8\xa9.pdf", arabic);
	struct compose_attachment att[] = {
		{ .data = pdf, .len = sizeof pdf - 1, .filename = "CV_Jos\xc3\xa9_Mart\xc3\xadnez.pdf" },
		{ .path = path },
		{ .data = "", .len = 0, .filename = "empty.txt" },
		{ .data = "a,b\n", .len = 4, .filename = "Scores (2026) \"final\".csv" },
		{ .data = pdf, .len = sizeof pdf - 1, .filename = arabic_name },
		{ .data = pdf, .len = 10, .filename = "letter", .content_type = "application/x-custom" },
	};
	struct compose_msg m = base_msg();
	m.att = att;
	m.natt = 1;
	char *msg = compose_ok("attachment-non-ascii", &m, "multipart/mixed", "7bit");
	assert_non_null(strstr(msg, "filename*=UTF-8''CV_Jos%C3%A9_Mart%C3%ADnez.pdf"));
	free(msg);
	m.natt = ARRAY_SIZE(att);
	m.html = "<p>See the attachments.</p>";
	msg = compose_ok("attachments-binary", &m, "multipart/mixed", "7bit");
	assert_non_null(strstr(msg, "Content-Type: application/octet-stream; name=bytes.bin\r\n"));
	assert_non_null(strstr(msg, "filename*0*=UTF-8''"));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative"));
	free(msg);
	free(arabic);
	free(arabic_name);
}

static void test_follow_up(void **state)
{
	(void)state;
	const char *refs[] = {
		"20261101090000.first1@example.com", "CAF=abc+def@mail.gmail.com",
		"20261110090000.second@example.com", "reply.0123456789abcdef@hospital.example.org",
		"20261120090000.third3@example.com",
	};
	struct compose_msg m = base_msg();
	m.subject = "Re: Observership inquiry";
	m.in_reply_to = refs[4];
	m.references = refs;
	m.nreferences = ARRAY_SIZE(refs);
	m.utc_offset_min = 330; /* India */
	struct compose_header hdr[] = {
		{ "X-Mailer", "outreach 0.1.0" },
		{ "List-Unsubscribe", "<mailto:jane.doe@example.com?subject=unsubscribe>" },
		{ "X-Campaign", "Rotaci\xc3\xb3n 2026 \xe2\x80\x94 cardiolog\xc3\xad" "a" },
	};
	m.headers = hdr;
	m.nheaders = ARRAY_SIZE(hdr);
	char *msg = compose_ok("follow-up", &m, "text/plain", "7bit");
	assert_non_null(strstr(msg, "Date: Wed, 25 Nov 2026 19:30:00 +0530\r\n"));
	assert_non_null(strstr(msg, "In-Reply-To: <20261120090000.third3@example.com>\r\n"));
	assert_non_null(strstr(msg, "References: <20261101090000.first1@example.com> <CAF=abc+def@mail.gmail.com>\r\n <"));
	assert_non_null(strstr(msg, "List-Unsubscribe: <mailto:jane.doe@example.com?subject=unsubscribe>\r\n"));
	free(msg);
}

static void test_bodies(void **state)
{
	(void)state;
	struct compose_msg m = base_msg();
	char *line = repeat("abcdefghij", 500); /* 5000 characters */
	m.text = line;
	free(compose_ok("long-line", &m, "text/plain", "quoted-printable"));
	free(line);
	m.text = ".\n.leading dot\nFrom the desk of Dr. Smith\n..\nFrom\nend\n";
	char *msg = compose_ok("dots-from", &m, "text/plain", "quoted-printable");
	assert_null(strstr(msg, "\r\n.leading"));
	assert_null(strstr(msg, "\r\nFrom the"));
	free(msg);
	m.text = "cr only\rsecond line\rthird\r";
	msg = compose_ok("cr-only", &m, "text/plain", "7bit");
	assert_non_null(strstr(msg, "\r\n\r\ncr only\r\nsecond line\r\nthird\r\n"));
	free(msg);
	m.text = "lf only\nsecond\n\nmixed\r\nends without newline";
	msg = compose_ok("lf-only", &m, "text/plain", "7bit");
	assert_true(str_ends_with(msg, "\r\nmixed\r\nends without newline\r\n"));
	free(msg);
	m.text = "trailing spaces   \nand tab\t\n";
	free(compose_ok("trailing-space", &m, "text/plain", "7bit"));
	m.text = "";
	free(compose_ok("empty-body", &m, "text/plain", "7bit"));
}

static void test_injection(void **state)
{
	(void)state;
	const char *evil = "x\r\nBcc: victim@example.net";
	const char *evil_lf = "x\nBcc: victim@example.net";
	struct compose_attachment att = { .data = "x", .len = 1, .filename = "cv.pdf" };
	struct compose_header hdr = { "X-Mailer", "ok" };
	const char *refs[] = { "a@b", NULL };
	struct compose_addr cc = { "C", "c@example.org" };
	for (int field = 0; field < 16; field++) {
		for (int variant = 0; variant < 2; variant++) {
			const char *bad = variant ? evil_lf : evil;
			struct compose_msg m = base_msg();
			struct compose_attachment a = att;
			struct compose_header h = hdr;
			struct compose_addr c = cc;
			const char *r[2] = { refs[0], refs[1] };
			m.att = &a;
			m.natt = 1;
			m.headers = &h;
			m.nheaders = 1;
			m.cc = &c;
			m.ncc = 1;
			m.references = r;
			m.nreferences = 1;
			const char *want;
			switch (field) {
			case 0: m.from.name = bad; want = "From"; break;
			case 1: m.from.addr = bad; want = "From"; break;
			case 2: m.to.name = bad; want = "To"; break;
			case 3: m.to.addr = bad; want = "To"; break;
			case 4: c.name = bad; want = "Cc"; break;
			case 5: c.addr = bad; want = "Cc"; break;
			case 6: m.subject = bad; want = "Subject"; break;
			case 7: m.message_id = bad; want = "Message-ID"; break;
			case 8: m.in_reply_to = bad; want = "In-Reply-To"; break;
			case 9: r[0] = bad; want = "References"; break;
			case 10: h.name = bad; want = "header name"; break;
			case 11: h.value = bad; want = "X-Mailer"; break;
			case 12: a.filename = bad; want = "file name"; break;
			case 13: a.content_type = "text/plain\r\nBcc: victim@example.net"; want = "content type"; break;
			case 14: m.reply_to = &c; m.nreply_to = 1; m.ncc = 0; c.addr = bad; want = "Reply-To"; break;
			default: m.reply_to = &c; m.nreply_to = 1; m.ncc = 0; c.name = bad; want = "Reply-To"; break;
			}
			struct buf out = BUF_INIT(1 << 20);
			struct err e = { 0 };
			if (compose_message(&m, &out, &e) == 0)
				fail_msg("field %d variant %d accepted:\n%s", field, variant, buf_str(&out));
			assert_int_equal(e.cls, ERR_DATA);
			if (!strstr(e.msg, want))
				fail_msg("field %d: message '%s' does not name '%s'", field, e.msg, want);
			assert_int_equal(out.len, 0);
			buf_release(&out);
		}
	}
}

static void test_invalid_input(void **state)
{
	(void)state;
	static const char *const bad_addr[] = {
		"", "noat", "two@@example.org", "a@b@c", "@example.org", "jane@", "ja ne@example.org",
		"<jane@example.org>", "jane@example.org>", "jos\xc3\xa9@example.org", "a,b@example.org", "a\t@b",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_addr); i++) {
		struct err e = { 0 };
		if (compose_check_addr(bad_addr[i], &e) == 0)
			fail_msg("address '%s' accepted", bad_addr[i]);
		assert_int_equal(e.cls, ERR_DATA);
	}
	assert_int_equal(compose_check_addr("first.last+tag@sub.example.org", NULL), 0);
	static const char *const bad_id[] = { "", "noat", "<a@b>", "a b@c", "a@b@c", "a@", "@b", "a\"@b" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_id); i++)
		assert_int_equal(compose_check_msgid(bad_id[i], NULL), -1);
	assert_int_equal(compose_check_msgid("CAF=x+y_z.1@mail.gmail.com", NULL), 0);

	struct compose_msg m = base_msg();
	struct err e = { 0 };
	struct buf out = BUF_INIT(1 << 20);
	m.subject = "caf\xe9"; /* Latin-1 */
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	m = base_msg();
	m.text = "caf\xe9\n";
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	m = base_msg();
	m.text = NULL;
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	m = base_msg();
	m.message_id = NULL;
	assert_int_equal(compose_message(&m, &out, &e), -1);
	m = base_msg();
	m.utc_offset_min = 24 * 60;
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	static const char *const reserved[] = { "Bcc", "from", "Content-Type", "MIME-Version", "Message-Id" };
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		struct compose_header h = { reserved[i], "x" };
		m = base_msg();
		m.headers = &h;
		m.nheaders = 1;
		assert_int_equal(compose_message(&m, &out, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
	}
	struct compose_header bad_names[] = { { "X Mailer", "x" }, { "X:Y", "x" }, { "", "x" } };
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		m = base_msg();
		m.headers = &bad_names[i];
		m.nheaders = 1;
		assert_int_equal(compose_message(&m, &out, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
	}
	struct compose_attachment att[] = {
		{ .data = "x", .len = 1, .filename = "dir/cv.pdf" },
		{ .data = "x", .len = 1, .filename = "" },
		{ .data = "x", .len = 1, .filename = "cv.pdf", .content_type = "pdf" },
		{ .data = "x", .len = 1, .filename = "cv.pdf", .content_type = "application/pdf; x=y" },
		{ .data = "x", .len = 1, .filename = "cv\xe9.pdf" },
		{ .data = "x", .len = 1, .filename = "tab\there.pdf" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(att); i++) {
		m = base_msg();
		m.att = &att[i];
		m.natt = 1;
		e.cls = ERR_NONE;
		if (compose_message(&m, &out, &e) == 0)
			fail_msg("attachment %zu accepted", i);
		assert_int_equal(e.cls, ERR_DATA);
	}
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void test_limits(void **state)
{
	(void)state;
	struct compose_msg m = base_msg();
	struct buf out = BUF_INIT(64u << 20);
	struct err e = { 0 };
	/* a file larger than the message cap */
	const char *path = OUTDIR "/big.bin";
	char *big = xcalloc(300000, 1);
	assert_int_equal(write_file_atomic(path, big, 300000, 0644, &e), 0);
	struct compose_attachment att = { .path = path };
	m.att = &att;
	m.natt = 1;
	m.max_size = 200000;
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	/* fits raw, but not once base64-encoded */
	m.max_size = 350000;
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	m.max_size = 450000;
	assert_int_equal(compose_message(&m, &out, &e), 0);
	assert_true(out.len <= 450000);
	buf_reset(&out);
	/* a missing file */
	att.path = OUTDIR "/does-not-exist.pdf";
	assert_int_equal(compose_message(&m, &out, &e), -1);
	assert_int_equal(e.cls, ERR_IO);
	/* the output buffer's own maximum */
	struct compose_msg p = base_msg();
	struct buf small = BUF_INIT(100);
	buf_addstr(&small, "x");
	assert_int_equal(compose_message(&p, &small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(buf_str(&small), "x");
	/* the default cap */
	p.text = big;
	memset(big, 'a', 299999);
	buf_reset(&out);
	assert_int_equal(compose_message(&p, &out, &e), 0);
	buf_release(&small);
	buf_release(&out);
	free(big);
}

static void test_dates(void **state)
{
	(void)state;
	static const struct { time_t t; int off; const char *want; } t[] = {
		{ 1795615200, -300, "Wed, 25 Nov 2026 09:00:00 -0500" },
		{ 1795615200, 0, "Wed, 25 Nov 2026 14:00:00 +0000" },
		{ 1795615200, 330, "Wed, 25 Nov 2026 19:30:00 +0530" },
		{ 1795615200, -570, "Wed, 25 Nov 2026 04:30:00 -0930" },
		{ 1795615200, 600, "Thu, 26 Nov 2026 00:00:00 +1000" },
		{ 0, 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
		{ 951782400, 0, "Tue, 29 Feb 2000 00:00:00 +0000" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(64);
		assert_int_equal(compose_date(t[i].t, t[i].off, &b, NULL), 0);
		assert_string_equal(buf_str(&b), t[i].want);
		buf_release(&b);
	}
	struct buf b = BUF_INIT(64);
	assert_int_equal(compose_date(0, -1440, &b, NULL), -1);
	assert_int_equal(compose_date(0, 1440, &b, NULL), -1);
	buf_release(&b);
}

/* Boundaries are random, and a body that contains one is never used with it. */
static void test_boundaries(void **state)
{
	(void)state;
	struct compose_msg m = base_msg();
	m.html = "<p>x</p>";
	struct buf a = BUF_INIT(1 << 20), b = BUF_INIT(1 << 20);
	assert_int_equal(compose_message(&m, &a, NULL), 0);
	assert_int_equal(compose_message(&m, &b, NULL), 0);
	const char *ba = strstr(buf_str(&a), "boundary=\""), *bb = strstr(buf_str(&b), "boundary=\"");
	assert_non_null(ba);
	assert_non_null(bb);
	assert_memory_not_equal(ba, bb, 40);
	/* the boundary occurs only as delimiter lines */
	char bnd[80];
	const char *q = strchr(ba + 10, '"');
	snprintf(bnd, sizeof bnd, "%.*s", (int)(q - ba - 10), ba + 10);
	size_t count = 0;
	for (const char *p = buf_str(&a); (p = strstr(p, bnd)) != NULL; p++)
		count++;
	assert_int_equal(count, 4); /* header, 2 delimiters, close */
	buf_release(&a);
	buf_release(&b);
}

/* The independent parser sees every message written above; and it can fail. */
static void test_emlcheck(void **state)
{
	(void)state;
	assert_true(n_written >= 15);
	int rc = system(EMLCHECK " " OUTDIR);
	if (rc != 0)
		fail_msg("emlcheck found problems in " OUTDIR " (exit %d)", rc);
	/* a control: a broken message and a wrong expectation must be caught */
	const char *dir = OUTDIR "/control";
	struct err e = { 0 };
	assert_int_equal(mkdir_p(dir, 0755, &e), 0);
	const char *broken = "Subject: x\nFrom: a@b\r\n\r\nbody\r\n";
	assert_int_equal(write_file_atomic(OUTDIR "/control/bad.eml", broken, strlen(broken), 0644, &e), 0);
	rc = system(EMLCHECK " " OUTDIR "/control/bad.eml >/dev/null");
	assert_int_not_equal(rc, 0);
	struct compose_msg m = base_msg();
	struct buf out = BUF_INIT(1 << 20);
	assert_int_equal(compose_message(&m, &out, NULL), 0);
	assert_int_equal(write_file_atomic(OUTDIR "/control/wrong.eml", out.data, out.len, 0644, &e), 0);
	m.subject = "Observership inquirY";
	char *json = expectations(&m, "text/plain", NULL);
	assert_int_equal(write_file_atomic(OUTDIR "/control/wrong.json", json, strlen(json), 0644, &e), 0);
	rc = system(EMLCHECK " " OUTDIR "/control/wrong.eml >/dev/null");
	assert_int_not_equal(rc, 0);
	free(json);
	buf_release(&out);
}

/* OUTREACH_BENCH=1: compose 10k messages of about 1.6 KB and print the time. */
static void test_bench(void **state)
{
	(void)state;
	if (!getenv("OUTREACH_BENCH"))
		skip();
	struct compose_msg m = base_msg();
	m.from.name = "Jos\xc3\xa9 Mart\xc3\xadnez";
	m.subject = "Observership inquiry \xe2\x80\x94 internal medicine";
	char *text = repeat("I am writing to ask whether you could host me for an observership. ", 21);
	m.text = text;
	struct buf out = BUF_INIT(1 << 20);
	struct timespec a, b;
	size_t total = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 10000; i++) {
		buf_reset(&out);
		assert_int_equal(compose_message(&m, &out, NULL), 0);
		total += out.len;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("compose: 10000 messages of %zu octets in %.3f s (%.0f msg/s)\n", total / 10000, s, 10000 / s);
	free(text);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_exact),
		cmocka_unit_test(test_non_ascii_everything),
		cmocka_unit_test(test_markdown_alternative),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_follow_up),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_injection),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_emlcheck),
		cmocka_unit_test(test_bench),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
