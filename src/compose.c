/* compose: one complete RFC 5322 / MIME message, the exact bytes handed to the SMTP server. */
#include "compose.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "markdown.h"
#include "mime.h"
#include "rfc2047.h"
#include "util.h"
#include "xalloc.h"

#define FILENAME_MAX_OCTETS 255 /* what file systems on the reader's side accept */

/* ------------------------------------------------------------------ checks */

int compose_check_addr(const char *addr, struct err *e)
{
	if (!addr || !*addr)
		return err_set(e, ERR_DATA, 0, "missing address");
	size_t n = strlen(addr), at = 0, ats = 0;
	if (n > 254)
		return err_set(e, ERR_DATA, 0, "address longer than 254 octets");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c == '\r' || c == '\n')
			return err_set(e, ERR_DATA, 0, "line break in address");
		if (c <= 32 || c >= 127)
			return err_set(e, ERR_DATA, 0, "invalid character in address '%.80s'",
			               mem_has_crlf_nul(addr, n) ? "" : addr);
		if (strchr("<>()[],;:\"\\", c))
			return err_set(e, ERR_DATA, 0, "invalid character '%c' in address '%.80s'", c, addr);
		if (c == '@') {
			ats++;
			at = i;
		}
	}
	if (ats != 1 || at == 0 || at + 1 == n)
		return err_set(e, ERR_DATA, 0, "invalid address '%.80s'", addr);
	return 0;
}

int compose_check_msgid(const char *id, struct err *e)
{
	if (!id || !*id)
		return err_set(e, ERR_DATA, 0, "missing message-id");
	size_t n = strlen(id), at = 0, ats = 0;
	if (n > 250)
		return err_set(e, ERR_DATA, 0, "message-id longer than 250 octets");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c == '\r' || c == '\n')
			return err_set(e, ERR_DATA, 0, "line break in message-id");
		if (c <= 32 || c >= 127 || strchr("<>()\"\\,;:", c))
			return err_set(e, ERR_DATA, 0, "invalid character in message-id");
		if (c == '@') {
			ats++;
			at = i;
		}
	}
	if (ats != 1 || at == 0 || at + 1 == n)
		return err_set(e, ERR_DATA, 0, "invalid message-id '%.80s' (want left@right)", id);
	return 0;
}

int compose_date(time_t t, int off, struct buf *out, struct err *e)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	if (off <= -24 * 60 || off >= 24 * 60)
		return err_set(e, ERR_DATA, 0, "utc offset of %d minutes out of range", off);
	time_t local = t + (time_t)off * 60;
	struct tm tm;
	if (!gmtime_r(&local, &tm) || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return err_set(e, ERR_DATA, 0, "date out of range");
	int a = off < 0 ? -off : off;
	if (buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday], tm.tm_mday,
	               months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	               off < 0 ? '-' : '+', a / 60, a % 60) < 0)
		return err_set(e, ERR_LIMIT, 0, "message too large");
	return 0;
}

/* A header input must not carry CR, LF or NUL (NUL cannot reach us through a C string). */
static int check_line(const char *field, const char *s, struct err *e)
{
	if (s && (strchr(s, '\r') || strchr(s, '\n')))
		return err_set(e, ERR_DATA, 0, "%s: line break in header value", field);
	return 0;
}

/* ------------------------------------------------------------------ headers */

static int mailbox(struct rfc2047_line *l, const char *field, const struct compose_addr *a, bool last,
                   struct err *e)
{
	if (check_line(field, a->name, e) < 0)
		return -1;
	if (compose_check_addr(a->addr, e) < 0)
		return err_prefix(e, "%s", field);
	/*
	 * A display name is a phrase in a structured field, where a run of whitespace means one
	 * space (RFC 5322 §3.2.2) and readers trim and squeeze it (Python does even inside
	 * encoded-words): write it that way, so every reader shows the same name.
	 */
	struct buf name = BUF_INIT(RFC2047_VALUE_MAX + 1);
	for (const char *p = a->name ? a->name : ""; *p; p++) {
		bool ws = *p == ' ' || *p == '\t';
		if (ws && (name.len == 0 || name.data[name.len - 1] == ' '))
			continue;
		if (buf_addch(&name, ws ? ' ' : *p) < 0) {
			buf_release(&name);
			return err_set(e, ERR_LIMIT, 0, "%s display name too long", field);
		}
	}
	if (name.len && name.data[name.len - 1] == ' ')
		buf_truncate(&name, name.len - 1);
	size_t nl = name.len;
	int rc = rfc2047_add_phrase(l, buf_str(&name), nl, e);
	buf_release(&name);
	if (rc < 0)
		return err_prefix(e, "%s display name", field);
	char br[264];
	int k = nl ? snprintf(br, sizeof br, "<%s>", a->addr) : snprintf(br, sizeof br, "%s", a->addr);
	if (rfc2047_add_token(l, br, (size_t)k, 0, e) < 0)
		return err_prefix(e, "%s", field);
	if (!last && rfc2047_add_token(l, ",", 1, 1, e) < 0)
		return -1;
	return 0;
}

static int addr_header(struct buf *out, const char *name, const struct compose_addr *list, size_t n,
                       struct err *e)
{
	struct rfc2047_line l;
	if (rfc2047_begin(&l, out, name, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (mailbox(&l, name, &list[i], i + 1 == n, e) < 0)
			return -1;
	return rfc2047_end(&l, e);
}

static int id_header(struct buf *out, const char *name, const char *const *ids, size_t n, struct err *e)
{
	struct rfc2047_line l;
	if (rfc2047_begin(&l, out, name, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (check_line(name, ids[i], e) < 0)
			return -1;
		if (compose_check_msgid(ids[i], e) < 0)
			return err_prefix(e, "%s", name);
		char br[256];
		int k = snprintf(br, sizeof br, "<%s>", ids[i]);
		if (rfc2047_add_token(&l, br, (size_t)k, 0, e) < 0)
			return -1;
	}
	return rfc2047_end(&l, e);
}

/* Headers we write ourselves: an extra header may not replace or duplicate them. */
static bool reserved(const char *name)
{
	static const char *const r[] = {
		"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
		"References", "MIME-Version", "Sender", "Return-Path", "Received",
	};
	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (strcasecmp(name, r[i]) == 0)
			return true;
	return str_istarts_with(name, "Content-");
}

static int extra_header(struct buf *out, const struct compose_header *h, struct err *e)
{
	if (!h->name || !h->value)
		return err_set(e, ERR_DATA, 0, "extra header without name or value");
	if (check_line("extra header name", h->name, e) < 0 || check_line(h->name, h->value, e) < 0)
		return -1;
	if (reserved(h->name))
		return err_set(e, ERR_DATA, 0, "extra header '%.80s' would replace a standard header", h->name);
	struct rfc2047_line l;
	if (rfc2047_begin(&l, out, h->name, e) < 0)
		return -1;
	size_t n = strlen(h->value);
	/*
	 * ASCII values go out as they are: List-Unsubscribe, List-Id and friends are structured
	 * and must not be encoded. Only non-ASCII (unstructured X- text) is encoded.
	 */
	int rc = is_ascii(h->value, n) ? rfc2047_add_ascii(&l, h->value, n, e) : rfc2047_add_text(&l, h->value, n, e);
	if (rc < 0)
		return err_prefix(e, "%.80s", h->name);
	return rfc2047_end(&l, e);
}

/* ------------------------------------------------------------------ parts */

/* CRLF everywhere, ending in exactly one CRLF... unless empty. */
static int normalize_text(const char *field, const char *s, struct buf *out, struct err *e)
{
	size_t n = strlen(s);
	if (!utf8_valid(s, n))
		return err_set(e, ERR_DATA, 0, "%s is not valid UTF-8", field);
	/* a line at a time: every octet through buf_addch() was a sixth of composing */
	for (size_t i = 0; i < n;) {
		size_t run = strcspn(s + i, "\r\n");
		if (run && buf_add(out, s + i, run) < 0)
			return err_set(e, ERR_LIMIT, 0, "%s too large", field);
		i += run;
		if (i == n)
			break;
		i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
		if (buf_add(out, "\r\n", 2) < 0)
			return err_set(e, ERR_LIMIT, 0, "%s too large", field);
	}
	if ((out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0) && buf_add(out, "\r\n", 2) < 0)
		return err_set(e, ERR_LIMIT, 0, "%s too large", field);
	return 0;
}

/* One encoded part: its headers and body, boundary-free content kept for the collision check. */
struct part {
	struct buf head;
	struct buf body;
};

static void part_init(struct part *p, size_t max)
{
	buf_init(&p->head, 64 * 1024);
	buf_init(&p->body, max);
}

static void part_release(struct part *p)
{
	buf_release(&p->head);
	buf_release(&p->body);
}

static int text_part(struct part *p, const char *type, const char *field, const char *src, struct err *e)
{
	struct buf norm = BUF_INIT(p->body.max);
	int rc = normalize_text(field, src, &norm, e);
	if (rc == 0) {
		bool seven = mime_is_7bit(buf_str(&norm), norm.len);
		if (buf_printf(&p->head, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n", type,
		               seven ? "7bit" : "quoted-printable") < 0)
			rc = err_set(e, ERR_LIMIT, 0, "message too large");
		else if (seven)
			rc = buf_add(&p->body, buf_str(&norm), norm.len) < 0 ? err_set(e, ERR_LIMIT, 0, "message too large") : 0;
		else
			rc = mime_qp_encode(buf_str(&norm), norm.len, &p->body, e);
	}
	buf_release(&norm);
	return rc;
}

static bool valid_ctype(const char *t)
{
	const char *slash = strchr(t, '/');
	if (!slash || slash == t || !slash[1] || strchr(slash + 1, '/') || strlen(t) > 127)
		return false;
	for (const char *p = t; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c != '/' && (c <= 32 || c >= 127 || strchr("()<>@,;:\\\"[]?=", c)))
			return false;
	}
	return true;
}

static int attachment_part(struct part *p, const struct compose_attachment *a, size_t budget, struct err *e)
{
	const char *fname = a->filename;
	if (!fname && a->path)
		fname = path_basename(a->path);
	if (!fname || !*fname)
		return err_set(e, ERR_DATA, 0, "attachment without a file name");
	if (check_line("attachment file name", fname, e) < 0)
		return -1;
	size_t fl = strlen(fname);
	if (fl > FILENAME_MAX_OCTETS)
		return err_set(e, ERR_DATA, 0, "attachment file name longer than %d octets", FILENAME_MAX_OCTETS);
	if (strchr(fname, '/') || strchr(fname, '\\'))
		return err_set(e, ERR_DATA, 0, "attachment file name '%.80s' contains a path separator", fname);
	const char *ctype = a->content_type ? a->content_type : mime_type_for(fname);
	if (check_line("attachment content type", ctype, e) < 0)
		return -1;
	if (!valid_ctype(ctype))
		return err_set(e, ERR_DATA, 0, "invalid attachment content type '%.80s'", ctype);

	struct buf file = BUF_INIT(budget);
	const void *data = a->data;
	size_t len = a->len;
	if (!data) {
		if (!a->path)
			return err_set(e, ERR_DATA, 0, "attachment '%.80s' has neither data nor path", fname);
		if (read_file(a->path, budget, &file, e) < 0) {
			buf_release(&file);
			return err_prefix(e, "attachment");
		}
		data = file.data ? file.data : "";
		len = file.len;
	}
	struct rfc2047_line l;
	int rc = 0;
	/*
	 * The file name is written with RFC 2231 (filename*=UTF-8''...) in Content-Disposition
	 * and again as name*= in Content-Type, for readers that only look there. We do not add
	 * the common RFC 2047 fallback name="=?UTF-8?B?...?=": RFC 2047 §5 forbids encoded-words
	 * inside quoted strings and parameters, Python's email package flags it as a defect,
	 * and every client our recipients use (Outlook 2010+ / Microsoft 365, Gmail, Apple Mail,
	 * Thunderbird) reads RFC 2231. ASCII names are plain name=/filename= parameters anyway.
	 */
	if (rfc2047_begin(&l, &p->head, "Content-Type", e) < 0 ||
	    rfc2047_add_token(&l, ctype, strlen(ctype), 0, e) < 0 || mime_add_param(&l, "name", fname, e) < 0 ||
	    rfc2047_end(&l, e) < 0 || rfc2047_begin(&l, &p->head, "Content-Disposition", e) < 0 ||
	    rfc2047_add_token(&l, "attachment", 10, 0, e) < 0 || mime_add_param(&l, "filename", fname, e) < 0 ||
	    rfc2047_end(&l, e) < 0)
		rc = err_prefix(e, "attachment file name '%.80s'", fname);
	else if (buf_addstr(&p->head, "Content-Transfer-Encoding: base64\r\n") < 0)
		rc = err_set(e, ERR_LIMIT, 0, "message too large");
	else if (mime_b64_encode(data, len, &p->body, e) < 0)
		rc = err_set(e, ERR_LIMIT, 0, "attachment '%.80s' makes the message larger than %zu octets", fname,
		             budget);
	buf_release(&file);
	return rc;
}

/* ------------------------------------------------------------------ assembly */

static bool contains(const struct buf *b, const char *needle)
{
	return b->len && memmem(b->data, b->len, needle, strlen(needle)) != NULL;
}

/*
 * "=_" can appear in neither quoted-printable ("=" is always followed by hex or a line
 * break) nor base64 output, so such a boundary cannot collide with an encoded part; 7bit
 * parts are searched anyway, and the caller retries with another token if needed.
 */
static void new_boundary(char *b, size_t size, const char *kind)
{
	char *tok = random_token(24);
	snprintf(b, size, "=_%s_%s", kind, tok);
	free(tok);
}

static int add(struct buf *out, const char *s, size_t n, struct err *e)
{
	if (buf_add(out, s, n) < 0)
		return err_set(e, ERR_LIMIT, 0, "message too large");
	return 0;
}

static int addstr(struct buf *out, const char *s, struct err *e)
{
	return add(out, s, strlen(s), e);
}

/* Write a multipart body (without its own headers): preamble-free, one delimiter per part. */
static int multipart(struct buf *out, const char *boundary, struct part *parts, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (addstr(out, "--", e) < 0 || addstr(out, boundary, e) < 0 || add(out, "\r\n", 2, e) < 0 ||
		    add(out, buf_str(&parts[i].head), parts[i].head.len, e) < 0 || add(out, "\r\n", 2, e) < 0 ||
		    add(out, buf_str(&parts[i].body), parts[i].body.len, e) < 0)
			return -1;
		/* the CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1) */
		if (parts[i].body.len < 2 || memcmp(parts[i].body.data + parts[i].body.len - 2, "\r\n", 2) != 0)
			if (add(out, "\r\n", 2, e) < 0)
				return -1;
	}
	if (addstr(out, "--", e) < 0 || addstr(out, boundary, e) < 0 || addstr(out, "--\r\n", e) < 0)
		return -1;
	return 0;
}

static int pick_boundary(char *b, size_t size, const char *kind, struct part *parts, size_t n, struct err *e)
{
	for (int tries = 0; tries < 8; tries++) {
		new_boundary(b, size, kind);
		bool clash = false;
		for (size_t i = 0; i < n && !clash; i++)
			clash = contains(&parts[i].body, b) || contains(&parts[i].head, b);
		if (!clash)
			return 0;
	}
	return err_set(e, ERR_INTERNAL, 0, "no usable MIME boundary");
}

static int headers(const struct compose_msg *m, struct buf *out, struct err *e)
{
	struct rfc2047_line l;
	if (addstr(out, "Date: ", e) < 0 || compose_date(m->date, m->utc_offset_min, out, e) < 0 ||
	    add(out, "\r\n", 2, e) < 0)
		return -1;
	if (!m->from.addr)
		return err_set(e, ERR_DATA, 0, "From: missing address");
	if (!m->to.addr)
		return err_set(e, ERR_DATA, 0, "To: missing address");
	if (addr_header(out, "From", &m->from, 1, e) < 0 || addr_header(out, "To", &m->to, 1, e) < 0)
		return -1;
	if (m->ncc && addr_header(out, "Cc", m->cc, m->ncc, e) < 0)
		return -1;
	if (m->nreply_to && addr_header(out, "Reply-To", m->reply_to, m->nreply_to, e) < 0)
		return -1;
	const char *subject = m->subject ? m->subject : "";
	if (check_line("Subject", subject, e) < 0)
		return -1;
	if (rfc2047_begin(&l, out, "Subject", e) < 0)
		return -1;
	if (rfc2047_add_text(&l, subject, strlen(subject), e) < 0)
		return err_prefix(e, "Subject");
	if (rfc2047_end(&l, e) < 0)
		return -1;
	if (!m->message_id)
		return err_set(e, ERR_DATA, 0, "Message-ID: missing");
	if (id_header(out, "Message-ID", &m->message_id, 1, e) < 0)
		return -1;
	if (m->in_reply_to && id_header(out, "In-Reply-To", &m->in_reply_to, 1, e) < 0)
		return -1;
	if (m->nreferences && id_header(out, "References", m->references, m->nreferences, e) < 0)
		return -1;
	if (addstr(out, "MIME-Version: 1.0\r\n", e) < 0)
		return -1;
	for (size_t i = 0; i < m->nheaders; i++)
		if (extra_header(out, &m->headers[i], e) < 0)
			return -1;
	return 0;
}

static bool is_document(const char *html)
{
	while (*html == ' ' || *html == '\t' || *html == '\r' || *html == '\n')
		html++;
	return str_istarts_with(html, "<!DOCTYPE") || str_istarts_with(html, "<html");
}

static int build(const struct compose_msg *m, size_t max, struct buf *out, struct err *e)
{
	struct buf text = BUF_INIT(max), html = BUF_INIT(max), frag = BUF_INIT(max);
	struct part body[2], *att = NULL;
	size_t nbody = 0, natt = 0;
	char b_alt[64], b_mix[64];
	int rc = -1;
	for (size_t i = 0; i < 2; i++)
		part_init(&body[i], max);

	if (headers(m, out, e) < 0)
		goto done;
	/* the body sources */
	const char *text_src = m->text, *html_src = m->html;
	if (m->markdown) {
		if (m->text || m->html) {
			err_set(e, ERR_INTERNAL, 0, "markdown given together with text or html");
			goto done;
		}
		size_t n = strlen(m->markdown);
		if (markdown_to_text(m->markdown, n, &text, e) < 0 || markdown_to_html(m->markdown, n, &frag, e) < 0) {
			err_prefix(e, "body");
			goto done;
		}
		text_src = buf_str(&text);
		html_src = buf_str(&frag);
	}
	if (!text_src) {
		err_set(e, ERR_DATA, 0, "no text body");
		goto done;
	}
	if (text_part(&body[nbody++], "text/plain", "text body", text_src, e) < 0)
		goto done;
	if (html_src) {
		if (!is_document(html_src)) {
			if (markdown_html_document(html_src, strlen(html_src), &html, e) < 0)
				goto done;
			html_src = buf_str(&html);
		}
		if (text_part(&body[nbody++], "text/html", "html body", html_src, e) < 0)
			goto done;
	}
	size_t used = out->len + body[0].body.len + body[1].body.len;
	if (m->natt) {
		att = xcalloc(m->natt + 1, sizeof *att);
		for (natt = 0; natt < m->natt; natt++) {
			size_t budget = max > used ? max - used : 0;
			part_init(&att[natt], budget / 3 * 4 + budget / 28 + 128);
			if (attachment_part(&att[natt], &m->att[natt], budget, e) < 0) {
				natt++;
				goto done;
			}
			used += att[natt].body.len + att[natt].head.len;
		}
	}

	/* single part, alternative, or mixed around either */
	struct part alt;
	part_init(&alt, max);
	struct part *first = &body[0];
	if (nbody == 2) {
		if (pick_boundary(b_alt, sizeof b_alt, "alt", body, 2, e) < 0 ||
		    buf_printf(&alt.head, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n", b_alt) < 0 ||
		    multipart(&alt.body, b_alt, body, 2, e) < 0) {
			part_release(&alt);
			goto done;
		}
		first = &alt;
	}
	if (natt == 0) {
		rc = add(out, buf_str(&first->head), first->head.len, e) < 0 || add(out, "\r\n", 2, e) < 0 ||
		     add(out, buf_str(&first->body), first->body.len, e) < 0 ? -1 : 0;
	} else {
		struct part *all = xcalloc(natt + 1, sizeof *all);
		all[0] = *first;
		memcpy(all + 1, att, natt * sizeof *att);
		rc = pick_boundary(b_mix, sizeof b_mix, "mix", all, natt + 1, e);
		if (rc == 0 && buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", b_mix) < 0)
			rc = err_set(e, ERR_LIMIT, 0, "message too large");
		if (rc == 0)
			rc = multipart(out, b_mix, all, natt + 1, e);
		free(all);
	}
	part_release(&alt);
done:
	for (size_t i = 0; i < 2; i++)
		part_release(&body[i]);
	for (size_t i = 0; i < natt; i++)
		part_release(&att[i]);
	free(att);
	buf_release(&text);
	buf_release(&html);
	buf_release(&frag);
	return rc;
}

int compose_message(const struct compose_msg *m, struct buf *out, struct err *e)
{
	size_t max = m->max_size ? m->max_size : COMPOSE_MAX_SIZE;
	size_t mark = out->len;
	struct buf msg = BUF_INIT(max);
	int rc = build(m, max, &msg, e);
	if (rc == 0 && msg.len > max)
		rc = err_set(e, ERR_LIMIT, 0, "message of %zu octets exceeds the limit of %zu", msg.len, max);
	if (rc == 0 && buf_add(out, buf_str(&msg), msg.len) < 0)
		rc = err_set(e, ERR_LIMIT, 0, "message too large for the output buffer");
	if (rc < 0)
		buf_truncate(out, mark);
	buf_release(&msg);
	return rc;
}
