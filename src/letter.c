/* letter: a template file — header lines, a blank line, a Mustache body — compiled, and
 * rendered for one contact into the pieces of a message. */
#include "letter.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "mval.h"
#include "util.h"
#include "xalloc.h"

const char *const letter_header_names[LH_COUNT] = {
	[LH_SUBJECT] = "Subject", [LH_REPLY_TO] = "Reply-To", [LH_CC] = "Cc", [LH_BCC] = "Bcc",
};

struct partials {
	const char *dir;
	const char *ext;   /* the template's own extension, with the dot, or "" */
	struct buf src;
};

static const char *partial_cb(void *ud, const char *name, size_t *len, struct err *e)
{
	struct partials *p = ud;
	if (!*name || strchr(name, '/') || strstr(name, "..") || name[0] == '.')
		return err_set(e, ERR_DATA, 0, "partial names are plain file names in the template's folder"), NULL;
	const char *exts[] = { "", p->ext, ".md", ".txt", ".html", ".mustache" };
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		char *path = xasprintf("%s/%s%s", p->dir, name, exts[i]);
		FILE *f = fopen(path, "rb");
		if (!f) {
			free(path);
			continue;
		}
		fclose(f);
		buf_reset(&p->src);
		int r = read_file(path, LETTER_MAX_SIZE, &p->src, e);
		free(path);
		if (r < 0)
			return NULL;
		/* a partial file's own final newline would add a line break wherever it is used */
		if (p->src.len && p->src.data[p->src.len - 1] == '\n')
			buf_truncate(&p->src, p->src.len - 1);
		if (p->src.len && p->src.data[p->src.len - 1] == '\r')
			buf_truncate(&p->src, p->src.len - 1);
		*len = p->src.len;
		return buf_str(&p->src);
	}
	return err_set(e, ERR_DATA, 0, "no file '%s' (or %s%s, %s.md...) next to the template", name, name, p->ext, name),
	       NULL;
}

static bool is_header_line(const char *s, size_t n, size_t *namelen)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return false;
	*namelen = i;
	return true;
}

static int known_header(const char *s, size_t n)
{
	for (int i = 0; i < LH_COUNT; i++)
		if (strlen(letter_header_names[i]) == n && !strncasecmp(s, letter_header_names[i], n))
			return i;
	if (n == 10 && !strncasecmp(s, "Attachment", 10))
		return 100;
	if (n == 12 && !strncasecmp(s, "Content-Type", 12))
		return 101;
	return -1;
}

static int compile_field(struct letter *l, struct letter_field *f, const char *value, int line, int col,
			 struct partials *p, struct err *e)
{
	f->src = xstrdup(value);
	f->line = line;
	f->t = tmpl_compile_at_col(l->path, value, strlen(value), line, col, partial_cb, p, e);
	return f->t ? 0 : -1;
}

static enum letter_kind kind_from_ext(const char *path)
{
	const char *dot = strrchr(path_basename(path), '.');
	if (dot && (!strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown")))
		return LETTER_MARKDOWN;
	if (dot && (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")))
		return LETTER_HTML;
	return LETTER_TEXT;
}

/* Collected header: name index, value (unfolded), first line, and the value's column there. */
struct hdr {
	int which;
	char *value;
	int line, col;
};

int letter_load(const char *disk_path, const char *shown, struct letter **out, struct err *e)
{
	struct buf text = BUF_INIT(LETTER_MAX_SIZE);
	if (read_file(disk_path, LETTER_MAX_SIZE, &text, e) < 0) {
		buf_release(&text);
		if (e && e->cls == ERR_LIMIT)
			return err_set(e, ERR_LIMIT, 0, "%s: a template is at most %d KB", shown, LETTER_MAX_SIZE / 1024);
		return -1;
	}
	struct letter *l = xcalloc(1, sizeof *l);
	l->path = xstrdup(shown);
	l->dir = path_dirname(disk_path);
	l->kind = kind_from_ext(disk_path);
	const char *dot = strrchr(path_basename(disk_path), '.');
	struct partials p = { l->dir, dot ? dot : "", BUF_INIT(LETTER_MAX_SIZE) };
	struct hdr hdrs[64];
	size_t nh = 0;
	const char *s = buf_str(&text);
	size_t n = text.len, pos = 0;
	int line = 1, rc = -1;

	/* leading UTF-8 BOM, as some editors write */
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		pos = 3;
	size_t first_len = strcspn(s + pos, "\n");
	size_t nl;
	/* a header block: the first line is a known header, or "Name: value" followed by a
	 * blank line or another such line (so a mistyped header is reported, while a body
	 * starting "Dear Dr. Lee:" is not taken for one) */
	bool headers = false;
	if (is_header_line(s + pos, first_len, &nl)) {
		size_t next = pos + first_len + (pos + first_len < n);
		size_t next_len = strcspn(s + next, "\n"), nl2;
		bool next_blank = next_len == 0 || (next_len == 1 && s[next] == '\r');
		headers = known_header(s + pos, nl) >= 0 || next_blank || is_header_line(s + next, next_len, &nl2);
	}
	while (headers && pos < n) {
		size_t len = strcspn(s + pos, "\n");
		size_t l2 = len;
		if (l2 && s[pos + l2 - 1] == '\r')
			l2--;
		if (l2 == 0) { /* the blank line: the body starts after it */
			pos += len + (pos + len < n);
			line++;
			break;
		}
		if ((s[pos] == ' ' || s[pos] == '\t') && nh) {
			/* folded continuation of the previous header */
			struct hdr *h = &hdrs[nh - 1];
			char *more = str_trim(xstrndup(s + pos, l2));
			char *joined = xasprintf("%s %s", h->value, more);
			free(h->value), free(more);
			h->value = joined;
		} else {
			size_t namelen;
			if (!is_header_line(s + pos, l2, &namelen)) {
				err_set(e, ERR_DATA, 0, "%s:%d:1: expected 'Name: value' or a blank line before the body", shown, line);
				goto out;
			}
			int which = known_header(s + pos, namelen);
			if (which < 0) {
				err_set(e, ERR_DATA, 0,
					"%s:%d:1: unknown header '%.*s'; expected Subject, Reply-To, Cc, Bcc, Attachment or "
					"Content-Type (and a blank line before the body)", shown, line, (int)namelen, s + pos);
				goto out;
			}
			if (nh >= ARRAY_SIZE(hdrs)) {
				err_set(e, ERR_LIMIT, 0, "%s:%d:1: too many header lines", shown, line);
				goto out;
			}
			for (size_t i = 0; i < nh; i++)
				if (hdrs[i].which == which && which != 100) {
					err_set(e, ERR_DATA, 0, "%s:%d:1: '%.*s' given twice (first on line %d)", shown, line,
						(int)namelen, s + pos, hdrs[i].line);
					goto out;
				}
			hdrs[nh].which = which;
			hdrs[nh].value = str_trim(xstrndup(s + pos + namelen + 1, l2 - namelen - 1));
			hdrs[nh].line = line;
			/* header names and the blanks after the colon are ASCII: bytes = columns */
			size_t lead = 0;
			while (namelen + 1 + lead < l2 && (s[pos + namelen + 1 + lead] == ' ' || s[pos + namelen + 1 + lead] == '\t'))
				lead++;
			hdrs[nh].col = (int)(namelen + 1 + lead + 1);
			nh++;
		}
		pos += len + (pos + len < n);
		line++;
	}
	for (size_t i = 0; i < nh; i++) {
		struct hdr *h = &hdrs[i];
		if (h->which == 101) {
			const char *v = h->value;
			if (!strcasecmp(v, "text/plain"))
				l->kind = LETTER_TEXT;
			else if (!strcasecmp(v, "text/markdown") || !strcasecmp(v, "text/x-markdown"))
				l->kind = LETTER_MARKDOWN;
			else if (!strcasecmp(v, "text/html"))
				l->kind = LETTER_HTML;
			else {
				err_set(e, ERR_DATA, 0, "%s:%d:%d: Content-Type '%s': expected text/plain, text/markdown or text/html",
					shown, h->line, h->col, v);
				goto out;
			}
		} else if (h->which == 100) {
			if (l->nattach >= LETTER_MAX_ATTACH) {
				err_set(e, ERR_LIMIT, 0, "%s:%d:1: more than %d attachments", shown, h->line, LETTER_MAX_ATTACH);
				goto out;
			}
			if (!*h->value) {
				err_set(e, ERR_DATA, 0, "%s:%d:%d: Attachment: expected a file path", shown, h->line, h->col);
				goto out;
			}
			if (compile_field(l, &l->attach[l->nattach++], h->value, h->line, h->col, &p, e) < 0)
				goto out;
		} else if (compile_field(l, &l->field[h->which], h->value, h->line, h->col, &p, e) < 0) {
			goto out;
		}
	}
	l->body_line = line;
	l->body = tmpl_compile_at(shown, s + pos, n - pos, line, partial_cb, &p, e);
	if (!l->body)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < nh; i++)
		free(hdrs[i].value);
	buf_release(&p.src);
	buf_release(&text);
	if (rc < 0) {
		letter_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

static void field_free(struct letter_field *f)
{
	tmpl_free(f->t);
	free(f->src);
}

void letter_free(struct letter *l)
{
	if (!l)
		return;
	for (int i = 0; i < LH_COUNT; i++)
		field_free(&l->field[i]);
	for (size_t i = 0; i < l->nattach; i++)
		field_free(&l->attach[i]);
	tmpl_free(l->body);
	free(l->path);
	free(l->dir);
	free(l);
}

void rendered_init(struct rendered *r)
{
	for (int i = 0; i < LH_COUNT; i++)
		buf_init(&r->field[i], 4096);
	for (size_t i = 0; i < LETTER_MAX_ATTACH; i++)
		buf_init(&r->attach[i], 4096);
	r->nattach = 0;
	buf_init(&r->body, LETTER_MAX_RENDERED);
	tmpl_misses_init(&r->misses);
}

void rendered_release(struct rendered *r)
{
	for (int i = 0; i < LH_COUNT; i++)
		buf_release(&r->field[i]);
	for (size_t i = 0; i < LETTER_MAX_ATTACH; i++)
		buf_release(&r->attach[i]);
	buf_release(&r->body);
	tmpl_misses_release(&r->misses);
}

int letter_render(const struct letter *l, const struct mval *const *stack, size_t n, struct rendered *r,
		  struct err *e)
{
	tmpl_misses_reset(&r->misses);
	for (int i = 0; i < LH_COUNT; i++) {
		buf_reset(&r->field[i]);
		/* headers are plain text: no HTML escaping; CR/LF from data is caught by the caller */
		if (l->field[i].t &&
		    tmpl_render_stack(l->field[i].t, stack, n, TMPL_ESC_NONE, &r->field[i], &r->misses, e) < 0)
			return err_prefix(e, "%s:%d: %s", l->path, l->field[i].line, letter_header_names[i]);
	}
	r->nattach = l->nattach;
	for (size_t i = 0; i < l->nattach; i++) {
		buf_reset(&r->attach[i]);
		if (tmpl_render_stack(l->attach[i].t, stack, n, TMPL_ESC_NONE, &r->attach[i], &r->misses, e) < 0)
			return err_prefix(e, "%s:%d: Attachment", l->path, l->attach[i].line);
	}
	buf_reset(&r->body);
	enum tmpl_esc esc = l->kind == LETTER_HTML ? TMPL_ESC_HTML : l->kind == LETTER_MARKDOWN ? TMPL_ESC_MARKDOWN
											    : TMPL_ESC_NONE;
	if (tmpl_render_stack(l->body, stack, n, esc, &r->body, &r->misses, e) < 0)
		return err_prefix(e, "%s", l->path);
	return 0;
}
