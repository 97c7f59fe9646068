/* message: parse one fetched RFC 5322 message (libetpan MIME) into the plain fields classification needs. */
#include "message.h"
#include "rfc2047.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "charset.h"
#include "err.h"
#include "html.h"
#include "util.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ small helpers */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char *dup_trim(const char *p, size_t n)
{
	while (n && is_space(*p))
		p++, n--;
	while (n && is_space(p[n - 1]))
		n--;
	return xstrndup(p, n);
}

/* Collapse runs of white space (and control characters) to one space, in place. */
static char *collapse_ws(char *s)
{
	char *w = s;
	bool sp = false;
	for (char *r = s; *r; r++) {
		unsigned char c = (unsigned char)*r;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			sp = w != s;
			continue;
		}
		if (sp)
			*w++ = ' ';
		sp = false;
		*w++ = (char)c;
	}
	*w = '\0';
	return s;
}

static void lower_ascii(char *s)
{
	str_lower(s);
}

/* ------------------------------------------------------------------ header blocks */

void message_headers_free(struct message_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

static bool field_name_char(unsigned char c)
{
	return c > 32 && c < 127 && c != ':';
}

/* Length of the line at p (up to and excluding LF), and where the next starts. */
static size_t line_at(const char *p, size_t n, size_t i, size_t *next)
{
	const char *lf = memchr(p + i, '\n', n - i);
	size_t end = lf ? (size_t)(lf - p) : n;
	*next = lf ? end + 1 : n;
	size_t len = end - i;
	if (len && p[i + len - 1] == '\r')
		len--;
	return len;
}

size_t message_scan_headers(const char *p, size_t n, size_t max_headers, size_t max_len,
			    struct message_header **out, size_t *nout, unsigned *flags)
{
	struct message_header *h = NULL;
	size_t cap = 0, cnt = 0;
	struct buf val = BUF_INIT(max_len);
	char *name = NULL;
	size_t i = 0;
	bool first = true;
	bool end_seen = false;

	while (i < n) {
		size_t next;
		size_t len = line_at(p, n, i, &next);
		const char *l = p + i;
		if (len == 0) { /* the blank line ends the block */
			i = next;
			end_seen = true;
			break;
		}
		if (is_wsp(l[0])) {
			/* continuation (a whitespace-only line is obsolete folding, RFC 5322
			 * §4.2, not the end of the header: libetpan #431 gets this wrong) */
			if (name && buf_add(&val, l, len) < 0 && flags)
				*flags |= MESSAGE_HEADERS_TRUNCATED;
			i = next;
			continue;
		}
		size_t k = 0;
		while (k < len && field_name_char((unsigned char)l[k]))
			k++;
		size_t colon = k;
		while (colon < len && is_wsp(l[colon])) /* "Subject : x" is seen in the wild */
			colon++;
		if (k == 0 || colon >= len || l[colon] != ':') {
			if (first && len >= 5 && memcmp(l, "From ", 5) == 0) { /* mbox separator */
				i = next;
				first = false;
				continue;
			}
			break; /* not a header line: the body starts here (no blank line) */
		}
		first = false;
		if (name) {
			if (cnt < max_headers) {
				h = xgrow(h, &cap, cnt + 1, sizeof *h);
				h[cnt].name = name;
				h[cnt].value = dup_trim(buf_str(&val), val.len);
				cnt++;
			} else {
				free(name);
				if (flags)
					*flags |= MESSAGE_HEADERS_TRUNCATED;
			}
		}
		name = xstrndup(l, k);
		buf_reset(&val);
		size_t vs = colon + 1;
		if (buf_add(&val, l + vs, len - vs) < 0) {
			if (flags)
				*flags |= MESSAGE_HEADERS_TRUNCATED;
			buf_add(&val, l + vs, max_len > 1 ? max_len - 1 : 0);
		}
		i = next;
	}
	if (name) {
		if (cnt < max_headers) {
			h = xgrow(h, &cap, cnt + 1, sizeof *h);
			h[cnt].name = name;
			h[cnt].value = dup_trim(buf_str(&val), val.len);
			cnt++;
		} else {
			free(name);
			if (flags)
				*flags |= MESSAGE_HEADERS_TRUNCATED;
		}
	}
	buf_release(&val);
	if (!end_seen && i >= n && flags)
		*flags |= MESSAGE_NO_HEADER_END;
	*out = h;
	*nout = cnt;
	return i;
}

static const char *hdr_find(const struct message_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

const char *message_header(const struct message *m, const char *name)
{
	return hdr_find(m->headers, m->n_headers, name);
}

/* ------------------------------------------------------------------ RFC 2047 */

/* Append raw bytes that carry no charset label: UTF-8 if valid, else Windows-1252. */
static int add_unlabelled(struct buf *out, const char *p, size_t n)
{
	if (utf8_valid(p, n))
		return buf_add(out, p, n);
	return charset_to_utf8("windows-1252", p, n, out, NULL);
}

/* Append bytes in `cs`, tolerating unknown names and mislabelled UTF-8. */
static int add_charset(struct buf *out, const char *cs, const char *p, size_t n)
{
	if (!cs || !*cs)
		return add_unlabelled(out, p, n);
	/* Non-ASCII text that is valid UTF-8 under another label: the label lies (8-bit
	 * bytes cannot be us-ascii or ISO-2022-*, and Latin-1/Windows-125x text is valid
	 * UTF-8 only by accident). Relays and archives re-encode without relabelling. */
	if (!is_ascii(p, n) && utf8_valid(p, n))
		return buf_add(out, p, n);
	struct err e;
	size_t before = out->len;
	if (charset_to_utf8(cs, p, n, out, &e) == 0)
		return 0;
	if (e.cls == ERR_LIMIT)
		return -1;
	buf_truncate(out, before);
	return add_unlabelled(out, p, n);
}





int message_decode_header(const char *v, size_t n, struct buf *out)
{
	/* one RFC 2047 decoder for the whole program: src/rfc2047.c (charsets through iconv,
	 * adjacent words joined, malformed words kept as text, raw 8-bit read as UTF-8 when
	 * valid, else Windows-1252) */
	struct err e;
	return rfc2047_decode(v, n, out, &e);
}

static char *decode_dup(const char *v)
{
	if (!v)
		return NULL;
	struct buf b = BUF_INIT(strlen(v) * 4 + 64);
	message_decode_header(v, strlen(v), &b);
	char *s = buf_detach(&b, NULL);
	collapse_ws(s);
	return s;
}

/* ------------------------------------------------------------------ ids and addresses */

static void push_str(char ***arr, size_t *n, size_t *cap, char *s)
{
	*arr = xgrow(*arr, cap, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = s;
}

void message_parse_ids(const char *v, size_t max, char ***ids, size_t *n)
{
	size_t cap = *n;
	if (!v)
		return;
	size_t len = strlen(v);
	bool any_bracket = memchr(v, '<', len) != NULL;
	size_t i = 0;
	while (i < len && *n < max) {
		if (v[i] == '(') { /* comment */
			int depth = 0;
			while (i < len) {
				if (v[i] == '\\' && i + 1 < len)
					i++;
				else if (v[i] == '(')
					depth++;
				else if (v[i] == ')' && --depth == 0)
					break;
				i++;
			}
			i++;
			continue;
		}
		if (any_bracket) {
			if (v[i] != '<') {
				i++;
				continue;
			}
			const char *gt = memchr(v + i + 1, '>', len - i - 1);
			if (!gt)
				break;
			char *id = dup_trim(v + i + 1, (size_t)(gt - v) - i - 1);
			if (*id && strlen(id) < 1000)
				push_str(ids, n, &cap, id);
			else
				free(id);
			i = (size_t)(gt - v) + 1;
			continue;
		}
		/* no brackets at all: white-space separated tokens (broken clients) */
		if (is_space(v[i])) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < len && !is_space(v[i]) && v[i] != '(')
			i++;
		if (i - s < 1000)
			push_str(ids, n, &cap, xstrndup(v + s, i - s));
	}
}

static void addr_push(struct message_addr **a, size_t *n, size_t *cap, struct buf *addr, struct buf *phrase,
		      struct buf *comment, bool angle)
{
	char *ad = NULL;
	char *name = NULL;
	if (angle) {
		ad = xstrdup(buf_str(addr));
		if (phrase->len)
			name = decode_dup(buf_str(phrase));
		else if (comment->len)
			name = decode_dup(buf_str(comment));
	} else if (phrase->len) {
		/* addr-spec without brackets: the phrase is the address; white space inside is
		 * folding, not part of it */
		struct buf t = BUF_INIT(phrase->len + 1);
		for (size_t i = 0; i < phrase->len; i++)
			if (!is_space(phrase->data[i]))
				buf_addch(&t, phrase->data[i]);
		ad = buf_detach(&t, NULL);
		if (comment->len)
			name = decode_dup(buf_str(comment));
	}
	if (ad && *ad) {
		/* drop an obsolete source route "@a,@b:" */
		char *colon = ad[0] == '@' ? strchr(ad, ':') : NULL;
		if (colon)
			memmove(ad, colon + 1, strlen(colon + 1) + 1);
		if (name && !*name) {
			free(name);
			name = NULL;
		}
		*a = xgrow(*a, cap, *n + 1, sizeof **a);
		(*a)[*n].addr = ad;
		(*a)[*n].name = name;
		(*n)++;
	} else {
		free(ad);
		free(name);
	}
	buf_reset(addr);
	buf_reset(phrase);
	buf_reset(comment);
}

void message_parse_addrs(const char *v, size_t max, struct message_addr **a, size_t *n)
{
	if (!v)
		return;
	size_t len = strlen(v);
	size_t cap = *n;
	struct buf addr = BUF_INIT(len + 1), phrase = BUF_INIT(len + 1), comment = BUF_INIT(len + 1);
	bool angle = false;
	size_t i = 0;
	while (i < len && *n < max) {
		char c = v[i];
		if (c == '"') {
			i++;
			while (i < len && v[i] != '"') {
				if (v[i] == '\\' && i + 1 < len)
					i++;
				if (v[i] != '\r' && v[i] != '\n')
					buf_addch(&phrase, v[i]);
				i++;
			}
			i++;
			continue;
		}
		if (c == '(') {
			int depth = 0;
			if (comment.len)
				buf_addch(&comment, ' ');
			while (i < len) {
				if (v[i] == '\\' && i + 1 < len) {
					i++;
					buf_addch(&comment, v[i]);
				} else if (v[i] == '(') {
					if (depth++ > 0)
						buf_addch(&comment, '(');
				} else if (v[i] == ')') {
					if (--depth == 0)
						break;
					buf_addch(&comment, ')');
				} else {
					buf_addch(&comment, v[i]);
				}
				i++;
			}
			i++;
			continue;
		}
		if (c == '<') {
			const char *gt = memchr(v + i, '>', len - i);
			size_t end = gt ? (size_t)(gt - v) : len;
			buf_reset(&addr);
			int depth = 0;
			for (size_t k = i + 1; k < end; k++) {
				if (v[k] == '(')
					depth++;
				else if (v[k] == ')' && depth > 0)
					depth--;
				else if (!depth && !is_space(v[k]))
					buf_addch(&addr, v[k]);
			}
			angle = true;
			i = end + 1;
			continue;
		}
		if (c == ',' || c == ';') {
			addr_push(a, n, &cap, &addr, &phrase, &comment, angle);
			angle = false;
			i++;
			continue;
		}
		if (c == ':' && !angle && phrase.len && !memchr(phrase.data, '@', phrase.len)) {
			/* group name: forget it, the members follow */
			buf_reset(&phrase);
			buf_reset(&comment);
			i++;
			continue;
		}
		if (c == '\r' || c == '\n')
			c = ' ';
		if (!(is_space(c) && (phrase.len == 0 || phrase.data[phrase.len - 1] == ' ')))
			buf_addch(&phrase, is_space(c) ? ' ' : c);
		i++;
	}
	while (phrase.len && phrase.data[phrase.len - 1] == ' ')
		buf_truncate(&phrase, phrase.len - 1);
	if (*n < max)
		addr_push(a, n, &cap, &addr, &phrase, &comment, angle);
	buf_release(&addr);
	buf_release(&phrase);
	buf_release(&comment);
}

static void addrs_free(struct message_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].addr);
		free(a[i].name);
	}
	free(a);
}

/* ------------------------------------------------------------------ dates */

static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static bool make_time(int y, int mo, int d, int h, int mi, int s, int zone_min, time_t *out)
{
	if (y < 100)
		y += y < 50 ? 2000 : 1900;
	else if (y < 1000)
		y += 1900; /* "113" from broken two-digit arithmetic */
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60)
		return false;
	long days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = (time_t)(days * 86400L + h * 3600L + mi * 60L + s - zone_min * 60L);
	return true;
}

static int zone_minutes(int z)
{
	int sign = z < 0 ? -1 : 1;
	int a = z < 0 ? -z : z;
	return sign * ((a / 100) * 60 + a % 100);
}

static const char *const month_abbr[] = { "jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec" };

/* Tolerant fallback for dates libetpan rejects: "[Day,] D Mon YYYY HH:MM[:SS] [zone]". */
static bool date_fallback(const char *v, time_t *t, int *tz)
{
	int d = -1, mo = -1, y = -1, h = 0, mi = 0, s = 0, zone = 0;
	const char *p = v;
	while (*p) {
		while (*p && (is_space(*p) || *p == ','))
			p++;
		const char *w = p;
		while (*p && !is_space(*p) && *p != ',')
			p++;
		size_t wl = (size_t)(p - w);
		if (!wl)
			break;
		if (isdigit((unsigned char)w[0]) && memchr(w, ':', wl)) {
			long a = 0, b = 0, c = 0;
			const char *q = w;
			int part = 0;
			for (; q < p; q++) {
				if (*q == ':') {
					part++;
					continue;
				}
				if (!isdigit((unsigned char)*q))
					break;
				long *dst = part == 0 ? &a : part == 1 ? &b : &c;
				if (*dst < 100)
					*dst = *dst * 10 + (*q - '0');
			}
			h = (int)a, mi = (int)b, s = (int)c;
		} else if ((w[0] == '+' || w[0] == '-') && wl == 5 && isdigit((unsigned char)w[1])) {
			int z = (w[1] - '0') * 1000 + (w[2] - '0') * 100 + (w[3] - '0') * 10 + (w[4] - '0');
			zone = zone_minutes(w[0] == '-' ? -z : z);
		} else if (isdigit((unsigned char)w[0])) {
			long x = 0;
			for (const char *q = w; q < p && isdigit((unsigned char)*q) && x < 100000; q++)
				x = x * 10 + (*q - '0');
			if (d < 0 && x >= 1 && x <= 31 && wl <= 2)
				d = (int)x;
			else if (y < 0)
				y = (int)x;
		} else if (wl >= 3) {
			for (int k = 0; k < 12; k++)
				if (strncasecmp(w, month_abbr[k], 3) == 0 && mo < 0)
					mo = k + 1;
		}
	}
	if (d < 0 || mo < 0 || y < 0)
		return false;
	if (!make_time(y, mo, d, h, mi, s, zone, t))
		return false;
	*tz = zone;
	return true;
}

static void parse_date(struct message *m, const char *v)
{
	size_t idx = 0;
	struct mailimf_date_time *dt = NULL;
	size_t len = strlen(v);
	if (mailimf_date_time_parse(v, len, &idx, &dt) == MAILIMF_NO_ERROR && dt) {
		int tz = zone_minutes(dt->dt_zone);
		if (make_time(dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min, dt->dt_sec, tz,
			      &m->date)) {
			m->date_tz = tz;
			m->has_date = true;
		}
		mailimf_date_time_free(dt);
	}
	if (!m->has_date && date_fallback(v, &m->date, &m->date_tz))
		m->has_date = true;
}

/* ------------------------------------------------------------------ content types */

struct ctype {
	char type[64];    /* "text/plain", lower case */
	char charset[64]; /* "" when absent */
	char report_type[64];
	char name[2];     /* non-empty when a name/filename parameter exists */
	char boundary[80];
};

static void ctype_from_libetpan(struct mailmime_content *ct, struct ctype *out)
{
	memset(out, 0, sizeof *out);
	const char *maj = "text";
	if (ct && ct->ct_type) {
		if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE && ct->ct_type->tp_data.tp_discrete_type) {
			struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;
			switch (d->dt_type) {
			case MAILMIME_DISCRETE_TYPE_TEXT: maj = "text"; break;
			case MAILMIME_DISCRETE_TYPE_IMAGE: maj = "image"; break;
			case MAILMIME_DISCRETE_TYPE_AUDIO: maj = "audio"; break;
			case MAILMIME_DISCRETE_TYPE_VIDEO: maj = "video"; break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION: maj = "application"; break;
			default: maj = d->dt_extension ? d->dt_extension : "x-unknown"; break;
			}
		} else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE && ct->ct_type->tp_data.tp_composite_type) {
			struct mailmime_composite_type *c = ct->ct_type->tp_data.tp_composite_type;
			switch (c->ct_type) {
			case MAILMIME_COMPOSITE_TYPE_MESSAGE: maj = "message"; break;
			case MAILMIME_COMPOSITE_TYPE_MULTIPART: maj = "multipart"; break;
			default: maj = c->ct_token ? c->ct_token : "x-unknown"; break;
			}
		}
	}
	snprintf(out->type, sizeof out->type, "%s/%s", maj, ct && ct->ct_subtype ? ct->ct_subtype : "plain");
	lower_ascii(out->type);
	if (ct && ct->ct_parameters) {
		for (clistiter *it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
			struct mailmime_parameter *p = clist_content(it);
			if (!p || !p->pa_name)
				continue;
			const char *val = p->pa_value ? p->pa_value : "";
			if (strcasecmp(p->pa_name, "charset") == 0)
				snprintf(out->charset, sizeof out->charset, "%s", val);
			else if (strcasecmp(p->pa_name, "boundary") == 0)
				snprintf(out->boundary, sizeof out->boundary, "%s", val);
			else if (strcasecmp(p->pa_name, "report-type") == 0)
				snprintf(out->report_type, sizeof out->report_type, "%s", val);
			else if (strcasecmp(p->pa_name, "name") == 0 || strncasecmp(p->pa_name, "name*", 5) == 0)
				out->name[0] = 'y';
		}
	}
	lower_ascii(out->report_type);
	/* charset="utf-8" quotes are removed by libetpan; stray ones are not */
	char *q;
	while ((q = strchr(out->charset, '"')) || (q = strchr(out->charset, '\'')))
		memmove(q, q + 1, strlen(q));
	str_trim(out->charset);
}

static void ctype_parse(const char *v, struct ctype *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->type, sizeof out->type, "text/plain");
	if (!v)
		return;
	size_t idx = 0;
	struct mailmime_content *ct = NULL;
	if (mailmime_content_parse(v, strlen(v), &idx, &ct) == MAILIMF_NO_ERROR && ct) {
		ctype_from_libetpan(ct, out);
		mailmime_content_free(ct);
		return;
	}
	/* own minimal parse: type/subtype up to ';' */
	size_t n = strcspn(v, "; \t\r\n");
	if (n && n < sizeof out->type && memchr(v, '/', n)) {
		memcpy(out->type, v, n);
		out->type[n] = '\0';
		lower_ascii(out->type);
	}
	const char *cs = mem_icase_find(v, strlen(v), "charset=");
	if (cs) {
		cs += 8;
		if (*cs == '"')
			cs++;
		size_t k = strcspn(cs, "\"; \t\r\n");
		if (k < sizeof out->charset) {
			memcpy(out->charset, cs, k);
			out->charset[k] = '\0';
		}
	}
}

/* ------------------------------------------------------------------ the walk */

struct walk {
	struct message *m;
	const struct message_limits *lim;
	struct buf text;
	int n_plain, n_html;
	bool embedded; /* inside a returned message: read reports only, not text */
};

/* Append a decoded text piece, cut at a UTF-8 boundary when the bound is reached. */
static void add_text(struct walk *w, const char *p, size_t n)
{
	if (!n)
		return;
	if (w->text.len && buf_addch(&w->text, '\n') < 0) {
		w->m->flags |= MESSAGE_TEXT_TRUNCATED;
		return;
	}
	if (buf_add(&w->text, p, n) == 0)
		return;
	w->m->flags |= MESSAGE_TEXT_TRUNCATED;
	size_t room = w->text.max > w->text.len + 1 ? w->text.max - w->text.len - 1 : 0;
	if (room > n)
		room = n;
	while (room > 0 && ((unsigned char)p[room] & 0xc0) == 0x80)
		room--;
	buf_add(&w->text, p, room);
}

/* Decode a part body (transfer encoding) into a malloc'd buffer. */
static char *decode_body(const char *data, size_t len, int encoding, size_t *outlen)
{
	size_t idx = 0;
	char *res = NULL;
	size_t rlen = 0;
	if (encoding != MAILMIME_MECHANISM_BASE64 && encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		encoding = MAILMIME_MECHANISM_8BIT;
	if (mailmime_part_parse(data, len, &idx, encoding, &res, &rlen) != MAILIMF_NO_ERROR || !res) {
		*outlen = len;
		return xstrndup(data, len);
	}
	char *copy = xmalloc(rlen + 1);
	memcpy(copy, res, rlen);
	copy[rlen] = '\0';
	mailmime_decoded_part_free(res);
	*outlen = rlen;
	return copy;
}

static void add_decoded_text(struct walk *w, const char *type, const char *charset, const char *p, size_t n)
{
	size_t cap = w->lim->max_text * 4 + 1024;
	struct buf u = BUF_INIT(cap);
	if (add_charset(&u, charset, p, n) < 0)
		w->m->flags |= MESSAGE_TEXT_TRUNCATED;
	if (strcmp(type, "text/html") == 0) {
		struct buf t = BUF_INIT(w->lim->max_text + 1);
		if (html_to_text(buf_str(&u), u.len, &t) < 0)
			w->m->flags |= MESSAGE_TEXT_TRUNCATED;
		add_text(w, buf_str(&t), t.len);
		buf_release(&t);
		w->n_html++;
	} else {
		/* CRLF -> LF so every consumer sees one line convention */
		size_t k = 0;
		for (size_t i = 0; i < u.len; i++)
			if (!(u.data[i] == '\r' && i + 1 < u.len && u.data[i + 1] == '\n'))
				u.data[k++] = u.data[i] == '\r' ? '\n' : u.data[i];
		if (u.data)
			u.data[k] = '\0';
		add_text(w, buf_str(&u), k);
		w->n_plain++;
	}
	buf_release(&u);
}

static char *status_code(const char *v)
{
	/* the d.ddd.ddd part of a Status field ("5.1.1 (user unknown)") */
	for (const char *p = v; *p; p++) {
		if ((p[0] == '2' || p[0] == '4' || p[0] == '5') && p[1] == '.' && (p == v || !isdigit((unsigned char)p[-1]))) {
			const char *q = p + 2;
			size_t a = 0;
			while (isdigit((unsigned char)q[a]) && a < 3)
				a++;
			if (!a || q[a] != '.')
				continue;
			const char *r = q + a + 1;
			size_t b = 0;
			while (isdigit((unsigned char)r[b]) && b < 3)
				b++;
			if (!b || isdigit((unsigned char)r[b]))
				continue;
			return xstrndup(p, (size_t)(r + b - p));
		}
	}
	return NULL;
}

/* "rfc822; <a@b>" -> "a@b" */
static char *typed_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	const char *p = semi ? semi + 1 : v;
	while (is_space(*p))
		p++;
	char *s = dup_trim(p, strlen(p));
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
	/* "a@b (comment)" */
	char *sp = strpbrk(s, " \t");
	if (sp && strchr(s, '@') && sp > strchr(s, '@'))
		*sp = '\0';
	return s;
}

static char *typed_text(const char *v)
{
	const char *semi = strchr(v, ';');
	/* "smtp; 550 ..." : drop a short type token */
	const char *p = v;
	if (semi && (size_t)(semi - v) <= 12) {
		bool word = true;
		for (const char *q = v; q < semi; q++)
			if (!isalnum((unsigned char)*q) && *q != '-' && *q != ' ' && *q != 'X' && *q != '_')
				word = false;
		if (word)
			p = semi + 1;
	}
	char *s = xstrdup(p);
	collapse_ws(s);
	return s;
}

static void dsn_rcpt_free(struct message_dsn_rcpt *r)
{
	free(r->final_recipient);
	free(r->original_recipient);
	free(r->action);
	free(r->status);
	free(r->diagnostic);
	free(r->remote_mta);
}

static void setf(char **dst, char *v)
{
	if (*dst) {
		free(v);
		return;
	}
	*dst = v;
}

/* Fill the fields of dst that are missing from src (src keeps the rest). */
static void dsn_merge(struct message_dsn_rcpt *dst, struct message_dsn_rcpt *src)
{
	char **d[] = { &dst->action, &dst->status, &dst->diagnostic, &dst->remote_mta };
	char **s[] = { &src->action, &src->status, &src->diagnostic, &src->remote_mta };
	for (size_t i = 0; i < ARRAY_SIZE(d); i++) {
		if (!*d[i] && *s[i]) {
			*d[i] = *s[i];
			*s[i] = NULL;
		}
	}
}

static void parse_dsn(struct walk *w, const char *p, size_t n)
{
	struct message *m = w->m;
	size_t cap = m->n_dsn;
	size_t off = 0;
	m->has_dsn = true;
	int blocks = 0;
	/* fields seen without a recipient (a broken report split one block in two by an
	 * unindented continuation line): they belong to the next recipient */
	struct message_dsn_rcpt pending;
	memset(&pending, 0, sizeof pending);
	while (off < n && blocks++ < 1000) {
		/* skip blank lines between blocks */
		while (off < n && (p[off] == '\r' || p[off] == '\n'))
			off++;
		if (off >= n)
			break;
		struct message_header *h = NULL;
		size_t nh = 0;
		unsigned fl = 0;
		size_t used = message_scan_headers(p + off, n - off, w->lim->max_headers, w->lim->max_header_len, &h, &nh, &fl);
		if (used == 0) {
			/* a non-field line: skip it */
			const char *lf = memchr(p + off, '\n', n - off);
			off = lf ? (size_t)(lf - p) + 1 : n;
			message_headers_free(h, nh);
			continue;
		}
		off += used;
		struct message_dsn_rcpt cur;
		memset(&cur, 0, sizeof cur);
		bool have = false;
		for (size_t i = 0; i <= nh; i++) {
			const char *name = i < nh ? h[i].name : NULL;
			const char *val = i < nh ? h[i].value : NULL;
			bool flush = i == nh;
			if (name && strcasecmp(name, "Final-Recipient") == 0 && cur.final_recipient)
				flush = true;
			/* one recipient per block (RFC 3464 §2.3); some MTAs put several in one
			 * block, so a repeated recipient field starts the next record. Postfix
			 * writes Final- before Original-Recipient, others the reverse. */
			if (name && strcasecmp(name, "Original-Recipient") == 0 && cur.original_recipient)
				flush = true;
			if (flush && have && !cur.final_recipient && !cur.original_recipient) {
				dsn_merge(&pending, &cur);
				dsn_rcpt_free(&cur);
				memset(&cur, 0, sizeof cur);
				have = false;
			}
			if (flush && have) {
				dsn_merge(&cur, &pending);
				if (m->n_dsn < w->lim->max_rcpts) {
					m->dsn = xgrow(m->dsn, &cap, m->n_dsn + 1, sizeof *m->dsn);
					m->dsn[m->n_dsn++] = cur;
				} else {
					dsn_rcpt_free(&cur);
				}
				memset(&cur, 0, sizeof cur);
				have = false;
			}
			if (!name)
				break;
			if (strcasecmp(name, "Final-Recipient") == 0) {
				setf(&cur.final_recipient, typed_addr(val));
				have = true;
			} else if (strcasecmp(name, "Original-Recipient") == 0) {
				setf(&cur.original_recipient, typed_addr(val));
				have = true;
			} else if (strcasecmp(name, "Action") == 0) {
				char *a = dup_trim(val, strlen(val));
				lower_ascii(a);
				char *sp = strpbrk(a, " \t(;");
				if (sp)
					*sp = '\0';
				setf(&cur.action, a);
				have = true;
			} else if (strcasecmp(name, "Status") == 0) {
				char *s = status_code(val);
				if (s) {
					setf(&cur.status, s);
					have = true;
				}
			} else if (strcasecmp(name, "Diagnostic-Code") == 0) {
				setf(&cur.diagnostic, typed_text(val));
				have = true;
			} else if (strcasecmp(name, "Remote-MTA") == 0) {
				setf(&cur.remote_mta, typed_text(val));
			} else if (strcasecmp(name, "Reporting-MTA") == 0) {
				setf(&m->dsn_reporting_mta, typed_text(val));
			}
		}
		dsn_rcpt_free(&cur); /* a block with only Remote-MTA and the like */
		message_headers_free(h, nh);
	}
	dsn_rcpt_free(&pending);
}

static void parse_feedback(struct walk *w, const char *p, size_t n)
{
	struct message_header *h = NULL;
	size_t nh = 0;
	unsigned fl = 0;
	w->m->has_feedback = true;
	message_scan_headers(p, n, w->lim->max_headers, w->lim->max_header_len, &h, &nh, &fl);
	const char *ft = hdr_find(h, nh, "Feedback-Type");
	const char *rc = hdr_find(h, nh, "Original-Rcpt-To");
	if (ft && !w->m->feedback_type) {
		w->m->feedback_type = dup_trim(ft, strlen(ft));
		lower_ascii(w->m->feedback_type);
	}
	if (rc && !w->m->feedback_rcpt)
		w->m->feedback_rcpt = typed_addr(rc);
	message_headers_free(h, nh);
}

static void parse_original(struct walk *w, const char *p, size_t n)
{
	struct message *m = w->m;
	struct message_header *h = NULL;
	size_t nh = 0;
	unsigned fl = 0;
	message_scan_headers(p, n, w->lim->max_headers, w->lim->max_header_len, &h, &nh, &fl);
	if (nh == 0) {
		message_headers_free(h, nh);
		return;
	}
	m->has_original = true;
	const char *v;
	if (!m->orig_message_id && (v = hdr_find(h, nh, "Message-ID"))) {
		char **ids = NULL;
		size_t k = 0;
		message_parse_ids(v, 1, &ids, &k);
		if (k)
			m->orig_message_id = ids[0];
		free(ids);
	}
	if (!m->orig_to && (v = hdr_find(h, nh, "To"))) {
		struct message_addr *a = NULL;
		size_t k = 0;
		message_parse_addrs(v, 1, &a, &k);
		if (k) {
			m->orig_to = a[0].addr;
			free(a[0].name);
		}
		free(a);
	}
	if (!m->orig_from && (v = hdr_find(h, nh, "From"))) {
		struct message_addr *a = NULL;
		size_t k = 0;
		message_parse_addrs(v, 1, &a, &k);
		if (k) {
			m->orig_from = a[0].addr;
			free(a[0].name);
		}
		free(a);
	}
	if (!m->orig_subject && (v = hdr_find(h, nh, "Subject")))
		m->orig_subject = decode_dup(v);
	message_headers_free(h, nh);
}

static bool is_attachment(struct mailmime *mime)
{
	if (!mime->mm_mime_fields || !mime->mm_mime_fields->fld_list)
		return false;
	for (clistiter *it = clist_begin(mime->mm_mime_fields->fld_list); it; it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		if (f && f->fld_type == MAILMIME_FIELD_DISPOSITION && f->fld_data.fld_disposition &&
		    f->fld_data.fld_disposition->dsp_type &&
		    f->fld_data.fld_disposition->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return true;
	}
	return false;
}

static void walk_mime(struct walk *w, struct mailmime *mime, size_t depth);

static void walk_single(struct walk *w, struct mailmime *mime)
{
	struct mailmime_data *d = mime->mm_data.mm_single;
	if (!d || d->dt_type != MAILMIME_DATA_TEXT)
		return;
	struct ctype ct;
	ctype_from_libetpan(mime->mm_content_type, &ct);
	const char *t = ct.type;
	bool text = strcmp(t, "text/plain") == 0 || strcmp(t, "text/html") == 0;
	/* other text subtypes (text/unknown from a bare "text", text/enriched, text/x-...)
	 * read as plain; calendars, cards and tables are not a reply's words */
	static const char *const not_words[] = { "text/calendar", "text/vcard", "text/x-vcard", "text/csv",
						 "text/directory", "text/rfc822-headers", "text/x-vcalendar",
						 "text/tab-separated-values", NULL };
	if (!text && strncmp(t, "text/", 5) == 0) {
		bool skip = false;
		for (size_t i = 0; not_words[i]; i++)
			skip |= strcmp(t, not_words[i]) == 0;
		if (!skip) {
			t = "text/plain";
			text = true;
		}
	}
	bool dsn = strcmp(t, "message/delivery-status") == 0 || strcmp(t, "message/global-delivery-status") == 0;
	bool fb = strcmp(t, "message/feedback-report") == 0;
	bool hdrs = strcmp(t, "text/rfc822-headers") == 0 || strcmp(t, "message/rfc822-headers") == 0 ||
		    strcmp(t, "message/global-headers") == 0;
	bool msg = strcmp(t, "message/rfc822") == 0 || strcmp(t, "message/global") == 0;
	/* a multipart libetpan could not split (no boundary): its body is the text */
	if (strncmp(t, "multipart/", 10) == 0) {
		t = "text/plain";
		text = true;
	}
	if (text && (is_attachment(mime) || ct.name[0]))
		return;
	if (!text && !dsn && !fb && !hdrs && !msg)
		return;
	if (w->embedded && !dsn)
		return;
	size_t len = 0;
	char *body = decode_body(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, d->dt_encoding, &len);
	if (text)
		add_decoded_text(w, t, ct.charset, body, len);
	else if (dsn)
		parse_dsn(w, body, len);
	else if (fb)
		parse_feedback(w, body, len);
	else
		parse_original(w, body, len);
	free(body);
}

/* In multipart/alternative, the one child to read: text/plain, else HTML, else the first
 * multipart (e.g. multipart/related around the HTML). */
static struct mailmime *pick_alternative(clist *list)
{
	struct mailmime *plain = NULL, *html = NULL, *multi = NULL;
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		struct mailmime *c = clist_content(it);
		if (!c)
			continue;
		if (c->mm_type == MAILMIME_MULTIPLE) {
			if (!multi)
				multi = c;
			continue;
		}
		struct ctype ct;
		ctype_from_libetpan(c->mm_content_type, &ct);
		if (!plain && strcmp(ct.type, "text/plain") == 0) {
			struct mailmime_data *d = c->mm_data.mm_single;
			/* an empty text/plain beside HTML carries nothing */
			if (d && d->dt_type == MAILMIME_DATA_TEXT) {
				size_t k = 0;
				const char *s = d->dt_data.dt_text.dt_data;
				for (size_t i = 0; i < d->dt_data.dt_text.dt_length; i++)
					if (!is_space(s[i]))
						k++;
				if (k > 0)
					plain = c;
			}
		} else if (!html && strcmp(ct.type, "text/html") == 0) {
			html = c;
		}
	}
	return plain ? plain : html ? html : multi;
}

static void walk_mime(struct walk *w, struct mailmime *mime, size_t depth)
{
	if (!mime)
		return;
	if (w->m->n_parts >= w->lim->max_parts || depth > w->lim->max_depth) {
		w->m->flags |= MESSAGE_PARTS_LIMIT;
		return;
	}
	w->m->n_parts++;
	switch (mime->mm_type) {
	case MAILMIME_SINGLE:
		walk_single(w, mime);
		break;
	case MAILMIME_MULTIPLE: {
		clist *list = mime->mm_data.mm_multipart.mm_mp_list;
		struct ctype ct;
		ctype_from_libetpan(mime->mm_content_type, &ct);
		/* libetpan invents a boundary when the parameter is missing; a boundary that
		 * never occurs in the body means the structure is not real */
		struct mailmime_data *bd = mime->mm_body;
		bool real = ct.boundary[0] && bd && bd->dt_type == MAILMIME_DATA_TEXT &&
			    memmem(bd->dt_data.dt_text.dt_data, bd->dt_data.dt_text.dt_length, ct.boundary,
				   strlen(ct.boundary)) != NULL;
		if (!real || !list || clist_isempty(list)) {
			/* a multipart without a usable boundary (a header continuation lost its
			 * indentation, or the parameter is missing): the body as plain text is
			 * the best reading, and delivery-status fields in it are found later */
			struct mailmime_data *d = mime->mm_body;
			if (d && d->dt_type == MAILMIME_DATA_TEXT && !w->embedded)
				add_decoded_text(w, "text/plain", ct.charset, d->dt_data.dt_text.dt_data,
						 d->dt_data.dt_text.dt_length);
			break;
		}
		if (strcmp(ct.type, "multipart/alternative") == 0) {
			walk_mime(w, pick_alternative(list), depth + 1);
			break;
		}
		for (clistiter *it = clist_begin(list); it; it = clist_next(it))
			walk_mime(w, clist_content(it), depth + 1);
		break;
	}
	case MAILMIME_MESSAGE:
		if (depth == 0) {
			walk_mime(w, mime->mm_data.mm_message.mm_msg_mime, depth + 1);
			break;
		}
		/* the returned message: its headers identify what we sent; its text is not
		 * the reply's. A report inside it (a bounce of a bounce) is still read. */
		if (mime->mm_body && mime->mm_body->dt_type == MAILMIME_DATA_TEXT && !w->m->has_original)
			parse_original(w, mime->mm_body->dt_data.dt_text.dt_data, mime->mm_body->dt_data.dt_text.dt_length);
		if (!w->m->has_dsn) {
			bool was = w->embedded;
			w->embedded = true;
			walk_mime(w, mime->mm_data.mm_message.mm_msg_mime, depth + 1);
			w->embedded = was;
		}
		break;
	default:
		break;
	}
}

/*
 * Delivery-status fields written into the text itself: a multipart/report whose
 * boundary parameter is missing, or a report mangled by a relay. Only when a line
 * starts with Final-Recipient or Original-Recipient, which human text never does.
 */
static void text_dsn(struct walk *w)
{
	struct message *m = w->m;
	const char *t = m->text;
	size_t n = m->text_len;
	for (size_t i = 0; i < n;) {
		const char *lf = memchr(t + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - t) : n;
		if (str_istarts_with(t + i, "Final-Recipient:") || str_istarts_with(t + i, "Original-Recipient:")) {
			parse_dsn(w, t + i, n - i);
			if (m->n_dsn)
				m->dsn_in_text = true;
			else
				m->has_dsn = false;
			return;
		}
		i = end + 1;
	}
}

/* ------------------------------------------------------------------ top level */

static void fill_top_fields(struct message *m, const struct message_limits *lim)
{
	const char *v;
	if ((v = message_header(m, "Message-ID")) != NULL) {
		char **ids = NULL;
		size_t k = 0;
		message_parse_ids(v, 1, &ids, &k);
		if (k)
			m->message_id = ids[0];
		free(ids);
	}
	message_parse_ids(message_header(m, "In-Reply-To"), lim->max_ids, &m->in_reply_to, &m->n_in_reply_to);
	message_parse_ids(message_header(m, "References"), lim->max_ids, &m->references, &m->n_references);
	if ((v = message_header(m, "From")) != NULL) {
		struct message_addr *a = NULL;
		size_t k = 0;
		message_parse_addrs(v, 1, &a, &k);
		if (k)
			m->from = a[0];
		free(a);
	}
	message_parse_addrs(message_header(m, "To"), lim->max_addrs, &m->to, &m->n_to);
	message_parse_addrs(message_header(m, "Cc"), lim->max_addrs, &m->cc, &m->n_cc);
	if ((v = message_header(m, "Subject")) != NULL)
		m->subject = decode_dup(v);
	if ((v = message_header(m, "Date")) != NULL) {
		m->date_raw = xstrdup(v);
		parse_date(m, v);
	}
	static const struct { const char *name; size_t off; } simple[] = {
		{ "Auto-Submitted", offsetof(struct message, auto_submitted) },
		{ "X-Autoreply", offsetof(struct message, x_autoreply) },
		{ "X-Autorespond", offsetof(struct message, x_autorespond) },
		{ "Precedence", offsetof(struct message, precedence) },
		{ "X-Auto-Response-Suppress", offsetof(struct message, x_auto_response_suppress) },
		{ "List-Id", offsetof(struct message, list_id) },
		{ "List-Unsubscribe", offsetof(struct message, list_unsubscribe) },
		{ "Return-Path", offsetof(struct message, return_path) },
		{ "Content-Type", offsetof(struct message, content_type) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(simple); i++)
		if ((v = message_header(m, simple[i].name)) != NULL)
			*(char **)(void *)((char *)m + simple[i].off) = xstrdup(v);
	struct ctype ct;
	ctype_parse(m->content_type, &ct);
	m->mime_type = xstrdup(ct.type);
	if (ct.report_type[0])
		m->report_type = xstrdup(ct.report_type);
}

/* The minimal split used when libetpan rejects the structure: decode a single part by
 * its top-level headers, or take a multipart body as raw text. */
static void fallback_body(struct walk *w, const char *body, size_t n)
{
	struct message *m = w->m;
	m->flags |= MESSAGE_FALLBACK;
	struct ctype ct;
	ctype_parse(m->content_type, &ct);
	const char *cte = message_header(m, "Content-Transfer-Encoding");
	int enc = MAILMIME_MECHANISM_8BIT;
	if (cte && mem_icase_find(cte, strlen(cte), "base64"))
		enc = MAILMIME_MECHANISM_BASE64;
	else if (cte && mem_icase_find(cte, strlen(cte), "quoted-printable"))
		enc = MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	const char *type = strcmp(ct.type, "text/html") == 0 ? "text/html" : "text/plain";
	if (strncmp(ct.type, "multipart/", 10) == 0)
		enc = MAILMIME_MECHANISM_8BIT;
	size_t len = 0;
	char *d = decode_body(body, n, enc, &len);
	add_decoded_text(w, type, ct.charset, d, len);
	free(d);
}

int message_parse(const char *raw, size_t n, const struct message_limits *lim, struct message *m, struct err *e)
{
	static const struct message_limits defaults = MESSAGE_LIMITS_DEFAULT;
	if (!raw || !m)
		return err_set(e, ERR_INTERNAL, 0, "message_parse: NULL argument");
	if (!lim)
		lim = &defaults;
	memset(m, 0, sizeof *m);
	if (n > lim->max_input) {
		n = lim->max_input;
		m->flags |= MESSAGE_INPUT_TRUNCATED;
	}

	size_t body_off = message_scan_headers(raw, n, lim->max_headers, lim->max_header_len, &m->headers,
					       &m->n_headers, &m->flags);
	fill_top_fields(m, lim);

	struct walk w;
	memset(&w, 0, sizeof w);
	w.m = m;
	w.lim = lim;
	buf_init(&w.text, lim->max_text + 1);

	/*
	 * Give libetpan a normalised copy: our own top-level header split (so #431 and
	 * hostile headers cannot move the body), only the MIME fields it needs, CRLF line
	 * ends, no NUL bytes. The parse tree points into this copy: it is freed after the
	 * tree.
	 */
	const char *body = raw + body_off;
	size_t blen = n - body_off;
	struct buf norm = BUF_INIT(2 * n + 4096);
	static const char *const mime_fields[] = { "Content-Type", "Content-Transfer-Encoding", "MIME-Version" };
	bool ok = true;
	for (size_t i = 0; i < ARRAY_SIZE(mime_fields) && ok; i++) {
		const char *v = message_header(m, mime_fields[i]);
		if (v && !mem_has_crlf_nul(v, strlen(v)))
			ok = buf_printf(&norm, "%s: %s\r\n", mime_fields[i], v) == 0;
	}
	ok = ok && buf_add(&norm, "\r\n", 2) == 0;
	for (size_t i = 0; i < blen && ok; i++) {
		char c = body[i];
		if (c == '\n' && (i == 0 || body[i - 1] != '\r'))
			ok = buf_add(&norm, "\r\n", 2) == 0;
		else
			ok = buf_addch(&norm, c == '\0' ? ' ' : c) == 0;
	}

	struct mailmime *mime = NULL;
	size_t idx = 0;
	int r = ok ? mailmime_parse(norm.data, norm.len, &idx, &mime) : MAILIMF_ERROR_PARSE;
	if (r == MAILIMF_NO_ERROR && mime && mime->mm_type == MAILMIME_MESSAGE && mime->mm_data.mm_message.mm_msg_mime) {
		walk_mime(&w, mime, 0);
	} else {
		fallback_body(&w, body, blen);
	}
	if (mime)
		mailmime_free(mime);
	buf_release(&norm);

	m->text = buf_detach(&w.text, &m->text_len);
	if (!m->has_dsn)
		text_dsn(&w);
	m->text_source = w.n_plain && w.n_html ? MESSAGE_TEXT_MIXED : w.n_html ? MESSAGE_TEXT_HTML :
			 w.n_plain ? MESSAGE_TEXT_PLAIN : MESSAGE_TEXT_NONE;
	return 0;
}

void message_release(struct message *m)
{
	if (!m)
		return;
	free(m->message_id);
	for (size_t i = 0; i < m->n_in_reply_to; i++)
		free(m->in_reply_to[i]);
	free(m->in_reply_to);
	for (size_t i = 0; i < m->n_references; i++)
		free(m->references[i]);
	free(m->references);
	free(m->from.addr);
	free(m->from.name);
	addrs_free(m->to, m->n_to);
	addrs_free(m->cc, m->n_cc);
	free(m->subject);
	free(m->date_raw);
	free(m->auto_submitted);
	free(m->x_autoreply);
	free(m->x_autorespond);
	free(m->precedence);
	free(m->x_auto_response_suppress);
	free(m->list_id);
	free(m->list_unsubscribe);
	free(m->return_path);
	free(m->content_type);
	free(m->mime_type);
	free(m->report_type);
	message_headers_free(m->headers, m->n_headers);
	free(m->text);
	free(m->dsn_reporting_mta);
	for (size_t i = 0; i < m->n_dsn; i++)
		dsn_rcpt_free(&m->dsn[i]);
	free(m->dsn);
	free(m->feedback_type);
	free(m->feedback_rcpt);
	free(m->orig_message_id);
	free(m->orig_to);
	free(m->orig_from);
	free(m->orig_subject);
	memset(m, 0, sizeof *m);
}
