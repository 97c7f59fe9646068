/* Unit tests for rfc2047: encoder tables (limits, splitting, round trip) and decoder tables (ours and Stalwart's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "rfc2047.h"
#include "util.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ helpers */

/* Check the shape of one encoded header field and return the value part (after "Name:"). */
static void check_wire(const char *hdr, size_t max_line, const char *what)
{
	size_t len = strlen(hdr), line = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)hdr[i];
		if (c >= 0x80 || c == 0) {
			fail_msg("%s: 8-bit octet in header: %s", what, hdr);
		}
		if (c == '\r') {
			if (hdr[i + 1] != '\n')
				fail_msg("%s: bare CR", what);
			if (line > max_line)
				fail_msg("%s: line of %zu > %zu: %s", what, line, max_line, hdr);
			/* a fold must be CRLF followed by a blank, except the final CRLF */
			if (i + 2 < len && hdr[i + 2] != ' ' && hdr[i + 2] != '\t')
				fail_msg("%s: line break not followed by a blank", what);
			line = 0;
			i++;
			continue;
		}
		if (c == '\n')
			fail_msg("%s: bare LF", what);
		line++;
	}
	if (len < 2 || hdr[len - 2] != '\r' || hdr[len - 1] != '\n')
		fail_msg("%s: header does not end in CRLF", what);
	/* every encoded-word ≤ 75 characters and whole UTF-8 on its own */
	const char *p = hdr;
	while ((p = strstr(p, "=?UTF-8?")) != NULL) {
		const char *q = strstr(p + 10, "?=");
		assert_non_null(q);
		size_t wl = (size_t)(q + 2 - p);
		if (wl > RFC2047_WORD_MAX)
			fail_msg("%s: encoded-word of %zu characters", what, wl);
		struct buf one = BUF_INIT(1024);
		assert_int_equal(rfc2047_decode(p, wl, &one, NULL), 0);
		if (strstr(buf_str(&one), "\xef\xbf\xbd"))
			fail_msg("%s: encoded-word is not whole UTF-8: %.*s", what, (int)wl, p);
		/* not split inside a grapheme cluster: no word starts with a combining mark */
		uint32_t cp;
		if (one.len && utf8_decode(one.data, one.len, &cp) > 0)
			if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x64b && cp <= 0x65f) || cp == 0x200d ||
			    (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp == 0xfe0f)
				fail_msg("%s: word starts inside a grapheme cluster: %.*s", what, (int)wl, p);
		buf_release(&one);
		p = q + 2;
	}
}

static char *encode(const char *name, const char *value, int phrase, struct err *e)
{
	struct buf b = BUF_INIT(1 << 20);
	struct rfc2047_line l;
	int rc = rfc2047_begin(&l, &b, name, e);
	if (rc == 0)
		rc = phrase ? rfc2047_add_phrase(&l, value, strlen(value), e)
		            : rfc2047_add_text(&l, value, strlen(value), e);
	if (rc == 0)
		rc = rfc2047_end(&l, e);
	if (rc < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static char *decode(const char *s, int phrase)
{
	struct buf b = BUF_INIT(1 << 20);
	struct err e = { 0 };
	int rc = phrase ? rfc2047_decode_phrase(s, strlen(s), &b, &e) : rfc2047_decode(s, strlen(s), &b, &e);
	assert_int_equal(rc, 0);
	return buf_detach(&b, NULL);
}

static char *repeat(const char *s, size_t times)
{
	struct buf b = BUF_INIT(1 << 20);
	for (size_t i = 0; i < times; i++)
		buf_addstr(&b, s);
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------------ encoder */

struct enc_case {
	const char *name;     /* header name */
	const char *in;
	int phrase;
	const char *exact;    /* whole expected field, or NULL */
	size_t max_line;      /* 0: 78 */
	int encoded;          /* 1: must contain an encoded-word, 0: must not, -1: either */
};

static void run_enc(const struct enc_case *c, size_t idx)
{
	struct err e = { 0 };
	char what[64];
	snprintf(what, sizeof what, "case %zu", idx);
	char *hdr = encode(c->name, c->in, c->phrase, &e);
	if (!hdr)
		fail_msg("%s: encode failed: %s", what, e.msg);
	if (c->exact && strcmp(hdr, c->exact) != 0)
		fail_msg("%s: got\n%s\nwant\n%s", what, hdr, c->exact);
	check_wire(hdr, c->max_line ? c->max_line : RFC2047_LINE_SOFT, what);
	if (c->encoded == 1 && !strstr(hdr, "=?UTF-8?"))
		fail_msg("%s: not encoded: %s", what, hdr);
	if (c->encoded == 0 && strstr(hdr, "=?"))
		fail_msg("%s: needlessly encoded: %s", what, hdr);
	char *back = decode(hdr + strlen(c->name) + 1, c->phrase);
	if (strcmp(back, c->in) != 0)
		fail_msg("%s: round trip\n in: '%s'\nout: '%s'\nhdr: %s", what, c->in, back, hdr);
	free(back);
	free(hdr);
}

static void test_encode_table(void **state)
{
	(void)state;
	char *long_name = repeat("Mar\xc3\xad" "a ", 40);            /* 200 characters, Latin */
	long_name[strlen(long_name) - 1] = '\0';
	char *long_ascii = repeat("Observership request ", 12);   /* 252 characters */
	long_ascii[strlen(long_ascii) - 1] = '\0';
	char *long_arabic = repeat("\xd9\x85\xd8\xad\xd9\x85\xd8\xaf ", 30);
	long_arabic[strlen(long_arabic) - 1] = '\0';
	char *combining = repeat("e\xcc\x81", 40);                 /* e + U+0301, 120 octets */
	char *family = repeat("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 ", 8);
	char *thumbs = repeat("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 20); /* thumbs up + skin tone */
	char *url = repeat("x", 300);
	char *huge = repeat("y", 1200);                            /* cannot be literal: > 998 */
	/* 22 x "Ж" = 44 octets, then "一": a B word's 45-octet boundary falls inside "一" */
	char *zhe = repeat("\xd0\x96", 22);
	char *boundary = xasprintf("%s\xe4\xb8\x80\xe4\xb8\x80 \xd0\x96", zhe);
	free(zhe);
	char *cjk_boundary = repeat("\xe7\x8e\x8b", 31);            /* 93 octets: 15 characters a word */

	const struct enc_case t[] = {
		/* ASCII: as is */
		{ "Subject", "Observership inquiry", 0, "Subject: Observership inquiry\r\n", 0, 0 },
		{ "Subject", "", 0, "Subject:\r\n", 0, 0 },
		{ "Subject", "a  b\tc", 0, "Subject: a  b\tc\r\n", 0, 0 },
		/* Latin accents: Q is legible and close to B in length */
		{ "Subject", "Jos\xc3\xa9 Mart\xc3\xadnez", 0,
		  "Subject: =?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez?=\r\n", 0, 1 },
		{ "From", "Jos\xc3\xa9 Mart\xc3\xadnez", 1, "From: =?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez?=\r\n", 0, 1 },
		/* only the words that need it */
		{ "Subject", "Observership request from Dr. Jos\xc3\xa9 Mart\xc3\xadnez, MD", 0,
		  "Subject: Observership request from Dr. =?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez,?= MD\r\n", 0, 1 },
		/* Arabic, Chinese, emoji: B */
		{ "From", "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd8\xa8\xd8\xaf \xd8\xa7\xd9\x84\xd9\x84\xd9\x87", 1,
		  "From: =?UTF-8?B?2YXYrdmF2K8g2LnYqNivINin2YTZhNmH?=\r\n", 0, 1 },
		{ "Subject", "\xe7\x8e\x8b\xe4\xbc\x9f\xe5\x8c\xbb\xe7\x94\x9f", 0,
		  "Subject: =?UTF-8?B?546L5Lyf5Yy755Sf?=\r\n", 0, 1 },
		{ "Subject", "Thank you \xf0\x9f\x99\x8f", 0, "Subject: Thank you =?UTF-8?B?8J+Zjw==?=\r\n", 0, 1 },
		{ "From", "Zo\xc3\xab", 1, "From: =?UTF-8?Q?Zo=C3=AB?=\r\n", 0, 1 },
		/* long values: several words, folded */
		{ "From", long_name, 1, NULL, 0, 1 },
		{ "Subject", long_name, 0, NULL, 0, 1 },
		{ "Subject", long_arabic, 0, NULL, 0, 1 },
		{ "To", long_arabic, 1, NULL, 0, 1 },
		{ "Subject", boundary, 0, NULL, 0, 1 },
		{ "Subject", cjk_boundary, 0, NULL, 0, 1 },
		{ "Subject", combining, 0, NULL, 0, 1 },
		{ "Subject", family, 0, NULL, 0, 1 },
		{ "Subject", thumbs, 0, NULL, 0, 1 },
		/* long ASCII subject: folded at spaces, never encoded */
		{ "Subject", long_ascii, 0, NULL, 0, 0 },
		/* a 300-character word cannot be folded: kept literal (line ≤ 998, justified) */
		{ "Subject", url, 0, NULL, 310, 0 },
		/* a 1200-character word would pass 998: encoded */
		{ "Subject", huge, 0, NULL, 0, 1 },
		/* whitespace at the ends survives inside a word */
		{ "Subject", "  padded  ", 0, NULL, 0, 1 },
		{ "Subject", " ", 0, NULL, 0, 1 },
		{ "Subject", "trailing ", 0, NULL, 0, 1 },
		/* looks like an encoded-word: encoded so it is not decoded by the reader */
		{ "Subject", "literal =?utf-8?q?x?= text", 0, NULL, 0, 1 },
		{ "Subject", "control \x01 char", 0, NULL, 0, 1 },
		/* display names: atoms, quoted-strings */
		{ "From", "John Smith", 1, "From: John Smith\r\n", 0, 0 },
		{ "From", "Smith, John", 1, "From: \"Smith, John\"\r\n", 0, 0 },
		{ "From", "Dr. John \"JJ\" Smith", 1, "From: \"Dr. John \\\"JJ\\\" Smith\"\r\n", 0, 0 },
		{ "From", "back\\slash (x) <y> [z]: a@b;", 1, "From: \"back\\\\slash (x) <y> [z]: a@b;\"\r\n", 0, 0 },
		{ "From", "O'Brien", 1, "From: O'Brien\r\n", 0, 0 },
		{ "From", "two  spaces", 1, NULL, 0, 1 },
		{ "From", "tab\there", 1, NULL, 0, 1 },
		{ "From", long_ascii, 1, NULL, 0, 0 },
		{ "Reply-To", "A. Very, Long. Name, that needs quoting and folding because it is longer than a line", 1,
		  NULL, 0, 0 },
		/* a long header name: the first word still goes on the first line */
		{ "X-Outreach-A-Very-Long-Header-Name-For-Testing-Purposes-Only-Here", "\xc3\xa9t\xc3\xa9 caf\xc3\xa9", 0,
		  NULL, 100, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		run_enc(&t[i], i);
	free(long_name);
	free(long_ascii);
	free(long_arabic);
	free(combining);
	free(family);
	free(thumbs);
	free(url);
	free(huge);
	free(boundary);
	free(cjk_boundary);
}

static void test_encode_word_boundary_in_character(void **state)
{
	(void)state;
	/* 44 ASCII-free octets of 2-byte characters plus one: B word capacity is 45 octets */
	char *s = repeat("\xd0\x96", 40); /* Ж x40 = 80 octets, B */
	struct err e = { 0 };
	char *hdr = encode("Subject", s, 0, &e);
	assert_non_null(hdr);
	check_wire(hdr, RFC2047_LINE_SOFT, "zhe");
	/* more than one word, and each word's payload is whole characters (checked above) */
	assert_non_null(strstr(strstr(hdr, "?=") + 2, "=?UTF-8?B?"));
	char *back = decode(hdr + 8, 0);
	assert_string_equal(back, s);
	free(back);
	free(hdr);
	free(s);
}

static void test_encode_rejects(void **state)
{
	(void)state;
	static const struct { const char *name, *value; int phrase; enum err_class cls; } t[] = {
		{ "Subject", "a\r\nBcc: victim@example.com", 0, ERR_DATA },
		{ "Subject", "a\nb", 0, ERR_DATA },
		{ "Subject", "a\rb", 0, ERR_DATA },
		{ "From", "Eve\r\nBcc: x@y", 1, ERR_DATA },
		{ "Subject", "\xe9t\xe9", 0, ERR_DATA }, /* Latin-1, not UTF-8 */
		{ "Sub ject", "x", 0, ERR_DATA },
		{ "Subject:", "x", 0, ERR_DATA },
		{ "", "x", 0, ERR_DATA },
		{ "Subj\xc3\xa9", "x", 0, ERR_DATA },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e = { 0 };
		char *hdr = encode(t[i].name, t[i].value, t[i].phrase, &e);
		if (hdr)
			fail_msg("case %zu: accepted: %s", i, hdr);
		assert_int_equal(e.cls, t[i].cls);
	}
	char *big = repeat("a ", RFC2047_VALUE_MAX);
	struct err e = { 0 };
	assert_null(encode("Subject", big, 0, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	free(big);
	/* a full output buffer is ERR_LIMIT, not a truncated header */
	struct buf small = BUF_INIT(20);
	assert_int_equal(rfc2047_header_text(&small, "Subject", "a subject that is too long", &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	buf_release(&small);
}

static void test_tokens_and_lists(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(4096);
	struct rfc2047_line l;
	struct err e = { 0 };
	assert_int_equal(rfc2047_begin(&l, &b, "References", &e), 0);
	for (int i = 0; i < 6; i++) {
		char id[64];
		snprintf(id, sizeof id, "<%d.abcdefghijklmnop@mail.example.com>", i);
		assert_int_equal(rfc2047_add_token(&l, id, strlen(id), 0, &e), 0);
	}
	assert_int_equal(rfc2047_add_token(&l, ",", 1, 1, &e), 0);
	assert_int_equal(rfc2047_end(&l, &e), 0);
	check_wire(buf_str(&b), RFC2047_LINE_SOFT, "references");
	assert_true(str_starts_with(buf_str(&b), "References: <0.abcdefghijklmnop@mail.example.com>\r\n <1."));
	assert_int_equal(rfc2047_add_token(&l, "a\x01b", 3, 0, &e), -1);
	assert_int_equal(rfc2047_add_token(&l, " ab", 3, 0, &e), -1);
	assert_int_equal(rfc2047_add_token(&l, "a\xc3\xa9", 3, 0, &e), -1);
	assert_int_equal(rfc2047_add_token(&l, "a\r\n", 3, 0, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	buf_release(&b);
}

/* ------------------------------------------------------------------ decoder */

static void test_decode_table(void **state)
{
	(void)state;
	static const struct { const char *in, *out; int phrase; } t[] = {
		{ "=?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez?=", "Jos\xc3\xa9 Mart\xc3\xadnez", 0 },
		{ "=?utf-8?q?a_b__c?=", "a b  c", 0 },
		{ "=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard", 0 },
		/* ISO-8859-1 labels are read as Windows-1252: 0x80 is the euro sign */
		{ "=?iso-8859-1?q?=80uro?=", "\xe2\x82\xacuro", 0 },
		{ "=?windows-1252?Q?=93quoted=94?=", "\xe2\x80\x9cquoted\xe2\x80\x9d", 0 },
		{ "=?KOI8-R?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 }, /* Привет */
		{ "=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?= =?koi8-r?Q?_=CD=C9=D2?=",
		  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80", 0 },
		/* adjacent words: whitespace between them dropped, even across folds */
		{ "=?UTF-8?B?546L?=\r\n =?UTF-8?B?5Lyf?=", "\xe7\x8e\x8b\xe4\xbc\x9f", 0 },
		{ "=?UTF-8?Q?a?= \t =?UTF-8?Q?b?= c", "ab c", 0 },
		/* a character split across two words (broken encoders) survives the join */
		{ "=?UTF-8?Q?Jos=C3?= =?UTF-8?Q?=A9?=", "Jos\xc3\xa9", 0 },
		{ "=?UTF-8?B?w6k=?==?UTF-8?B?w6k=?=", "\xc3\xa9\xc3\xa9", 0 },
		/* RFC 2231 language */
		{ "=?UTF-8*en?Q?Hello_world?=", "Hello world", 0 },
		{ "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", 0 },
		/* malformed: left literal */
		{ "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=", 0 },
		{ "=?UTF-8?B?@@@?=", "=?UTF-8?B?@@@?=", 0 },
		{ "=??Q?abc?=", "=??Q?abc?=", 0 },
		{ "=?UTF-8?Q?no end", "=?UTF-8?Q?no end", 0 },
		{ "=?UTF-8?Q?a?b?=", "=?UTF-8?Q?a?b?=", 0 },
		{ "a =? b ?= c", "a =? b ?= c", 0 },
		{ "=?UTF-8?Q?=ZZ?=", "=ZZ", 0 },                /* a lone '=' is kept */
		{ "=?UTF-8?B?SGk?=", "Hi", 0 },                  /* missing padding tolerated */
		/* unknown charset: UTF-8 when valid, else Windows-1252 */
		{ "=?x-unheard-of?Q?caf=C3=A9?=", "caf\xc3\xa9", 0 },
		{ "=?x-unheard-of?Q?caf=E9?=", "caf\xc3\xa9", 0 },
		/* raw 8-bit text */
		{ "caf\xc3\xa9", "caf\xc3\xa9", 0 },
		{ "caf\xe9", "caf\xc3\xa9", 0 },
		/* decoded control characters neutralised */
		{ "=?UTF-8?Q?a=0D=0Ab=00c?=", "a  b\xef\xbf\xbd" "c", 0 },
		/* unfolding */
		{ " Hello\r\n world \r\n", "Hello world", 0 },
		{ "a\r\n\tb\nc: d", "a b", 0 },
		{ "(=?UTF-8?Q?a?=)", "(a)", 0 },
		{ "", "", 0 },
		/* phrases */
		{ "\"Smith, John\"", "Smith, John", 1 },
		{ "\"Dr. John \\\"JJ\\\" Smith\"", "Dr. John \"JJ\" Smith", 1 },
		{ "\"=?UTF-8?Q?Jos=C3=A9?=\"", "Jos\xc3\xa9", 1 },
		{ "\"Serge B, Chair, HR\" =?utf-8?b?U3ltcG9zaXVtL1hwb+KEog==?= conference",
		  "Serge B, Chair, HR Symposium/Xpo\xe2\x84\xa2 conference", 1 },
		{ "=?UTF-8?B?2YXYrdmF2K8g2LnYqNiv?=\r\n =?UTF-8?B?INin2YTZhNmH?=",
		  "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd8\xa8\xd8\xaf \xd8\xa7\xd9\x84\xd9\x84\xd9\x87", 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *got = decode(t[i].in, t[i].phrase);
		if (strcmp(got, t[i].out) != 0)
			fail_msg("case %zu: '%s' -> '%s', want '%s'", i, t[i].in, got, t[i].out);
		free(got);
	}
	/* a full output buffer: ERR_LIMIT and nothing appended */
	struct buf b = BUF_INIT(4);
	struct err e = { 0 };
	assert_int_equal(rfc2047_decode("=?UTF-8?Q?abcdef?=", 18, &b, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* A tiny JSON reader for the spec file: an array of objects of string members. */
static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}

static const char *json_string(const char *p, struct buf *out)
{
	assert_int_equal(*p, '"');
	p++;
	while (*p && *p != '"') {
		if (*p != '\\') {
			buf_addch(out, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case 'n': buf_addch(out, '\n'); break;
		case 'r': buf_addch(out, '\r'); break;
		case 't': buf_addch(out, '\t'); break;
		case 'b': buf_addch(out, '\b'); break;
		case 'f': buf_addch(out, '\f'); break;
		case 'u': {
			char hex[5] = { 0 };
			memcpy(hex, p + 1, 4);
			uint32_t cp = (uint32_t)strtoul(hex, NULL, 16);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u') {
				memcpy(hex, p + 3, 4);
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)strtoul(hex, NULL, 16) - 0xdc00);
				p += 6;
			}
			utf8_encode(out, cp);
			break;
		}
		default: buf_addch(out, *p); break;
		}
		p++;
	}
	assert_int_equal(*p, '"');
	return p + 1;
}

static void test_decode_stalwart(void **state)
{
	(void)state;
	struct buf file = BUF_INIT(1 << 20);
	struct err e = { 0 };
	if (read_file("tests/spec/mime-stalwart/headers/unstructured.json", 1 << 20, &file, &e) < 0)
		fail_msg("%s", e.msg);
	const char *p = json_ws(file.data);
	assert_int_equal(*p, '[');
	p = json_ws(p + 1);
	int cases = 0;
	while (*p == '{') {
		struct buf header = BUF_INIT(1 << 16), expected = BUF_INIT(1 << 16);
		p = json_ws(p + 1);
		while (*p == '"') {
			struct buf key = BUF_INIT(64);
			p = json_ws(json_string(p, &key));
			assert_int_equal(*p, ':');
			p = json_ws(p + 1);
			if (str_eq(buf_str(&key), "header"))
				p = json_string(p, &header);
			else
				p = json_string(p, &expected);
			buf_release(&key);
			p = json_ws(p);
			if (*p == ',')
				p = json_ws(p + 1);
		}
		assert_int_equal(*p, '}');
		p = json_ws(p + 1);
		if (*p == ',')
			p = json_ws(p + 1);
		/*
		 * Every case is decided as Stalwart decides it; the one place where we add to
		 * it is "(" and ")" (no space inserted next to a glued encoded-word there, after
		 * RFC 2047 §8's comment example) and no case of the file exercises that.
		 */
		struct buf got = BUF_INIT(1 << 16);
		assert_int_equal(rfc2047_decode(header.data, header.len, &got, &e), 0);
		if (!str_eq(buf_str(&got), buf_str(&expected)))
			fail_msg("stalwart case %d: '%s' -> '%s', want '%s'", cases, buf_str(&header),
			         buf_str(&got), buf_str(&expected));
		cases++;
		buf_release(&got);
		buf_release(&header);
		buf_release(&expected);
	}
	assert_int_equal(*p, ']');
	assert_int_equal(cases, 30);
	buf_release(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_word_boundary_in_character),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_tokens_and_lists),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_stalwart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
