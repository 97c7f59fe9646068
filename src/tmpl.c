/* tmpl: a spec-conformant Mustache engine with fallbacks, strict rendering and lint support. */
#include "tmpl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mval.h"
#include "util.h"
#include "xalloc.h"

/*
 * A compiled template is a set of units: unit 0 is the template, the others its partials.
 * Each unit is a flat array of nodes; a section's body is the node range (i, end), so the
 * renderer walks arrays instead of chasing pointers and never allocates.
 *
 * Standalone partials are indented at render time rather than by rewriting the partial's
 * source (the reference implementations' way): the compiler leaves an "indent here" mark at
 * every source line start that survives standalone-line removal, and the renderer writes the
 * current indentation there. That is exactly what source rewriting produces, but one
 * compiled partial serves every indentation and positions still point into the real source.
 */

enum ntype { N_TEXT, N_INDENT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

enum {
	NF_RAW = 1,        /* var: {{{x}}} or {{& x}} */
	NF_FALLBACK = 2,   /* var: has a fallback (possibly empty) */
	NF_INDENT = 4,     /* text: starts a source line, write the indentation first */
	NF_STANDALONE = 8, /* partial: standalone, s/n is its indentation */
};

struct seg {
	const char *s;
	uint32_t n;
	uint32_t hash;
};

struct node {
	uint8_t type;
	uint8_t flags;
	uint16_t nseg;      /* name segments; 0 for "." */
	uint32_t seg;       /* first segment in unit->segs; N_PARTIAL: the unit index */
	uint32_t end;       /* N_SECTION/N_INVERTED: index one past the body */
	int line, col;
	const char *s;      /* N_TEXT: the text; N_PARTIAL: the indentation */
	size_t n;
	const char *name;   /* NUL-terminated, owned by the unit */
	const char *fb;     /* fallback, NUL-terminated, when NF_FALLBACK */
	size_t fbn;
};

struct unit {
	char *name;
	char *src;
	size_t len;
	bool found;         /* partials: the resolver returned a source */
	int first_line;     /* line number of the source's first line (1, or more when the
			     * source is the body of a file that starts with headers) */
	int first_col;      /* column of the source's first character on that line (1, or
			     * more for a header value after "Subject: ") */
	struct node *nodes;
	size_t nn, ncap;
	struct seg *segs;
	size_t nsegs, segcap;
	char **strs;        /* names and fallbacks the nodes point to */
	size_t nstrs, strcap;
};

struct tmpl {
	struct unit **units;
	size_t nunits, ucap;
};

/* ------------------------------------------------------------------ compiler */

struct open_sec {
	uint32_t node;
	int line, col;
};

struct cc {
	struct tmpl *t;
	struct unit *u;
	const char *s;
	size_t n;
	const char *otag, *ctag;
	size_t olen, clen;
	bool at_line_start;     /* the next output starts a source line */
	struct open_sec open[TMPL_MAX_NESTING];
	int nopen;
	size_t lc_pos;          /* line/column tracker: position lc_pos is at lc_line:lc_col */
	int lc_line, lc_col;
	tmpl_partial_fn fn;
	void *ud;
	struct err *e;
};

static void cc_linecol(struct cc *c, size_t off, int *line, int *col)
{
	if (off < c->lc_pos) {
		c->lc_pos = 0;
		c->lc_line = c->u->first_line;
		c->lc_col = c->u->first_col;
	}
	for (; c->lc_pos < off && c->lc_pos < c->n; c->lc_pos++) {
		unsigned char ch = (unsigned char)c->s[c->lc_pos];
		if (ch == '\n') {
			c->lc_line++;
			c->lc_col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c->lc_col++;
		}
	}
	*line = c->lc_line;
	*col = c->lc_col;
}

static int cc_fail(struct cc *c, size_t off, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cc_fail(struct cc *c, size_t off, enum err_class cls, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	int line, col;
	cc_linecol(c, off, &line, &col);
	return err_set(c->e, cls, 0, "%s:%d:%d: %s", c->u->name, line, col, what);
}

/* Delimiters and names are shown in messages at most this long. */
#define SHOW 60
#define SHOWN(n) ((int)((n) > SHOW ? SHOW : (n)))

static struct node *cc_node(struct cc *c, enum ntype type, size_t off)
{
	struct unit *u = c->u;
	if (u->nn == u->ncap)
		u->nodes = xgrow(u->nodes, &u->ncap, u->nn + 1, sizeof *u->nodes);
	struct node *nd = &u->nodes[u->nn++];
	memset(nd, 0, sizeof *nd);
	nd->type = (uint8_t)type;
	cc_linecol(c, off, &nd->line, &nd->col);
	return nd;
}

static char *cc_str(struct cc *c, const char *s, size_t n)
{
	struct unit *u = c->u;
	if (u->nstrs == u->strcap)
		u->strs = xgrow(u->strs, &u->strcap, u->nstrs + 1, sizeof *u->strs);
	char *p = xstrndup(s, n);
	u->strs[u->nstrs++] = p;
	return p;
}

/* Text [a, b): one node per source line, so every line start can carry NF_INDENT. */
static void cc_text(struct cc *c, size_t a, size_t b)
{
	while (a < b) {
		const char *nl = memchr(c->s + a, '\n', b - a);
		size_t end = nl ? (size_t)(nl - c->s) + 1 : b;
		struct node *nd = cc_node(c, N_TEXT, a);
		nd->s = c->s + a;
		nd->n = end - a;
		if (c->at_line_start)
			nd->flags |= NF_INDENT;
		c->at_line_start = c->s[end - 1] == '\n';
		a = end;
	}
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && is_ws(s[*a]))
		(*a)++;
	while (*b > *a && is_ws(s[*b - 1]))
		(*b)--;
}

/* Store the name s[a, b) (already trimmed, non-empty) in nd, split at dots. */
static int cc_name(struct cc *c, struct node *nd, size_t tagpos, size_t a, size_t b)
{
	nd->name = cc_str(c, c->s + a, b - a);
	size_t n = b - a;
	if (n == 1 && nd->name[0] == '.') {
		nd->nseg = 0;
		return 0;
	}
	struct unit *u = c->u;
	nd->seg = (uint32_t)u->nsegs;
	const char *p = nd->name, *end = nd->name + n;
	for (;;) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *q = dot ? dot : end;
		if (q == p)
			return cc_fail(c, tagpos, ERR_DATA,
				       "invalid name '%.*s', expected names separated by single dots",
				       SHOWN(n), nd->name);
		if (nd->nseg == UINT16_MAX)
			return cc_fail(c, tagpos, ERR_LIMIT, "name '%.*s' has too many parts", SHOWN(n), nd->name);
		if (u->nsegs == u->segcap)
			u->segs = xgrow(u->segs, &u->segcap, u->nsegs + 1, sizeof *u->segs);
		struct seg *sg = &u->segs[u->nsegs++];
		sg->s = p;
		sg->n = (uint32_t)(q - p);
		sg->hash = mval_hash(p, sg->n);
		nd->nseg++;
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

static int cc_empty_name(struct cc *c, size_t tagpos)
{
	return cc_fail(c, tagpos, ERR_DATA, "empty tag name, expected a name between '%.*s' and '%.*s'",
		       SHOWN(c->olen), c->otag, SHOWN(c->clen), c->ctag);
}

static const char *kind_word(char type)
{
	switch (type) {
	case '#': return "a section";
	case '^': return "an inverted section";
	case '/': return "a closing";
	default: return "a partial";
	}
}

/* Name of a section, inverted, closing or partial tag: trimmed, no fallback allowed. */
static int cc_plain_name(struct cc *c, char type, size_t tagpos, size_t *a, size_t *b)
{
	trim(c->s, a, b);
	if (*a == *b)
		return cc_empty_name(c, tagpos);
	const char *bar = memchr(c->s + *a, '|', *b - *a);
	if (bar) {
		size_t nb = (size_t)(bar - c->s);
		trim(c->s, a, &nb);
		return cc_fail(c, tagpos, ERR_DATA,
			       "'|' in %s tag: fallbacks are only for variables, expected '%.*s%c%.*s%.*s'",
			       kind_word(type), SHOWN(c->olen), c->otag, type, SHOWN(nb - *a), c->s + *a,
			       SHOWN(c->clen), c->ctag);
	}
	return 0;
}

static struct unit *unit_new(const char *name)
{
	struct unit *u = xcalloc(1, sizeof *u);
	u->name = xstrdup(name);
	u->first_line = 1;
	u->first_col = 1;
	return u;
}

static void unit_free(struct unit *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nstrs; i++)
		free(u->strs[i]);
	free(u->strs);
	free(u->segs);
	free(u->nodes);
	free(u->src);
	free(u->name);
	free(u);
}

static void tmpl_add_unit(struct tmpl *t, struct unit *u)
{
	if (t->nunits == t->ucap)
		t->units = xgrow(t->units, &t->ucap, t->nunits + 1, sizeof *t->units);
	t->units[t->nunits++] = u;
}

/* The unit for partial `name`, asking the resolver the first time. */
static int cc_partial(struct cc *c, size_t tagpos, const char *name, uint32_t *idx)
{
	struct tmpl *t = c->t;
	for (size_t i = 1; i < t->nunits; i++) {
		if (!strcmp(t->units[i]->name, name)) {
			*idx = (uint32_t)i;
			return 0;
		}
	}
	if (t->nunits > TMPL_MAX_PARTIALS)
		return cc_fail(c, tagpos, ERR_LIMIT, "more than %d distinct partials", TMPL_MAX_PARTIALS);
	struct unit *u = unit_new(name);
	tmpl_add_unit(t, u);
	*idx = (uint32_t)(t->nunits - 1);
	if (!c->fn)
		return 0;
	struct err pe;
	err_clear(&pe);
	size_t len = 0;
	const char *src = c->fn(c->ud, name, &len, &pe);
	if (!src && pe.cls != ERR_NONE) {
		int line, col;
		cc_linecol(c, tagpos, &line, &col);
		if (c->e) {
			*c->e = pe;
			err_prefix(c->e, "%s:%d:%d: partial '%.*s'", c->u->name, line, col, SHOWN(strlen(name)), name);
		}
		return -1;
	}
	if (src) {
		if (len > TMPL_MAX_SOURCE)
			return cc_fail(c, tagpos, ERR_LIMIT, "partial '%.*s' is %zu bytes, more than the limit of %u",
				       SHOWN(strlen(name)), name, len, TMPL_MAX_SOURCE);
		u->src = xmalloc(len + 1);
		if (len)
			memcpy(u->src, src, len);
		u->src[len] = '\0';
		u->len = len;
		u->found = true;
	}
	return 0;
}

/* {{=<% %>=}}: content [a, b) between the two '='. */
static int cc_set_delims(struct cc *c, size_t tagpos, size_t a, size_t b)
{
	trim(c->s, &a, &b);
	size_t o1 = a;
	while (a < b && !is_ws(c->s[a]))
		a++;
	size_t o2 = a;
	while (a < b && is_ws(c->s[a]))
		a++;
	size_t c1 = a;
	while (a < b && !is_ws(c->s[a]))
		a++;
	size_t c2 = a;
	if (o1 == o2 || c1 == c2 || a != b || memchr(c->s + o1, '=', o2 - o1) || memchr(c->s + c1, '=', c2 - c1))
		return cc_fail(c, tagpos, ERR_DATA, "invalid set-delimiter tag, expected '%.*s=<%% %%>=%.*s'",
			       SHOWN(c->olen), c->otag, SHOWN(c->clen), c->ctag);
	c->otag = c->s + o1;
	c->olen = o2 - o1;
	c->ctag = c->s + c1;
	c->clen = c2 - c1;
	return 0;
}

/* Find the closing delimiter at or after `from`; with `pre` (the '}' of {{{x}}} or the '=' of
 * {{=x=}}) it must be preceded by that character at or after `from`. Returns the offset of
 * the character that ends the content, or (size_t)-1. */
static size_t cc_find_close(const struct cc *c, size_t from, char pre)
{
	size_t k = from;
	while (k < c->n) {
		const char *f = memmem(c->s + k, c->n - k, c->ctag, c->clen);
		if (!f)
			return (size_t)-1;
		size_t fo = (size_t)(f - c->s);
		if (!pre)
			return fo;
		if (fo > from && c->s[fo - 1] == pre)
			return fo - 1;
		k = fo + 1;
	}
	return (size_t)-1;
}

static int cc_check_utf8(struct cc *c)
{
	size_t i = 0;
	while (i < c->n) {
		unsigned char ch = (unsigned char)c->s[i];
		if (ch == 0)
			return cc_fail(c, i, ERR_DATA, "NUL byte, expected text");
		if (ch < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int k = utf8_decode(c->s + i, c->n - i, &cp);
		if (k < 0)
			return cc_fail(c, i, ERR_DATA, "invalid UTF-8 byte 0x%02X, expected UTF-8 text (save the file as UTF-8)", ch);
		i += (size_t)k;
	}
	return 0;
}

static int cc_unit(struct cc *c)
{
	size_t n = c->n, pos = 0, text_start = 0;
	c->otag = "{{", c->olen = 2;
	c->ctag = "}}", c->clen = 2;
	c->at_line_start = true;
	c->nopen = 0;
	c->lc_pos = 0;
	c->lc_line = c->u->first_line;
	c->lc_col = c->u->first_col;
	if (cc_check_utf8(c) < 0)
		return -1;
	for (;;) {
		const char *o = pos < n ? memmem(c->s + pos, n - pos, c->otag, c->olen) : NULL;
		if (!o) {
			cc_text(c, text_start, n);
			break;
		}
		size_t ts = (size_t)(o - c->s);
		size_t cs = ts + c->olen;
		char type = cs < n ? c->s[cs] : 0;
		char pre = 0;
		switch (type) {
		case '#': case '^': case '/': case '>': case '&': case '!':
			cs++;
			break;
		case '{':
			cs++, pre = '}';
			break;
		case '=':
			cs++, pre = '=';
			break;
		default:
			type = 0;
			break;
		}
		size_t ce = cc_find_close(c, cs, pre);
		if (ce == (size_t)-1)
			return cc_fail(c, ts, ERR_DATA, "unclosed tag, expected '%s%.*s'",
				       pre == '}' ? "}" : pre == '=' ? "=" : "", SHOWN(c->clen), c->ctag);
		size_t te = ce + (pre ? 1 : 0) + c->clen;
		if (type != '!' && type != '=' && memmem(c->s + cs, ce - cs, c->otag, c->olen))
			return cc_fail(c, ts, ERR_DATA, "unclosed tag, expected '%s%.*s' before the next '%.*s'",
				       pre == '}' ? "}" : "", SHOWN(c->clen), c->ctag, SHOWN(c->olen), c->otag);

		/* Standalone: only whitespace around the tag on its line(s), no other tag there. */
		bool standalone = false;
		size_t ws_start = ts, line_end = te;
		if (type && type != '&' && type != '{') {
			while (ws_start > text_start && (c->s[ws_start - 1] == ' ' || c->s[ws_start - 1] == '\t'))
				ws_start--;
			if (ws_start == 0 || c->s[ws_start - 1] == '\n') {
				size_t r = te;
				while (r < n && (c->s[r] == ' ' || c->s[r] == '\t'))
					r++;
				if (r == n)
					standalone = true, line_end = n;
				else if (c->s[r] == '\n')
					standalone = true, line_end = r + 1;
				else if (c->s[r] == '\r' && r + 1 < n && c->s[r + 1] == '\n')
					standalone = true, line_end = r + 2;
			}
		}
		if (standalone) {
			cc_text(c, text_start, ws_start);
		} else {
			cc_text(c, text_start, ts);
			if (c->at_line_start) {
				cc_node(c, N_INDENT, ts);
				c->at_line_start = false;
			}
		}

		size_t a = cs, b = ce;
		switch (type) {
		case 0: case '&': case '{': {
			const char *bar = memchr(c->s + a, '|', b - a);
			size_t nb = bar ? (size_t)(bar - c->s) : b;
			trim(c->s, &a, &nb);
			if (a == nb)
				return cc_empty_name(c, ts);
			struct node *nd = cc_node(c, N_VAR, ts);
			if (type)
				nd->flags |= NF_RAW;
			if (cc_name(c, nd, ts, a, nb) < 0)
				return -1;
			if (bar) {
				size_t fa = (size_t)(bar - c->s) + 1, fb = b;
				trim(c->s, &fa, &fb);
				nd->flags |= NF_FALLBACK;
				nd->fb = cc_str(c, c->s + fa, fb - fa);
				nd->fbn = fb - fa;
			}
			break;
		}
		case '#': case '^': {
			if (cc_plain_name(c, type, ts, &a, &b) < 0)
				return -1;
			if (c->nopen == TMPL_MAX_NESTING)
				return cc_fail(c, ts, ERR_LIMIT, "sections nested deeper than %d", TMPL_MAX_NESTING);
			struct node *nd = cc_node(c, type == '#' ? N_SECTION : N_INVERTED, ts);
			if (cc_name(c, nd, ts, a, b) < 0)
				return -1;
			struct open_sec *os = &c->open[c->nopen++];
			os->node = (uint32_t)(c->u->nn - 1);
			os->line = nd->line;
			os->col = nd->col;
			break;
		}
		case '/': {
			if (cc_plain_name(c, type, ts, &a, &b) < 0)
				return -1;
			if (!c->nopen)
				return cc_fail(c, ts, ERR_DATA,
					       "closing tag '%.*s/%.*s%.*s' without an open section, expected '%.*s#%.*s%.*s' before it",
					       SHOWN(c->olen), c->otag, SHOWN(b - a), c->s + a, SHOWN(c->clen), c->ctag,
					       SHOWN(c->olen), c->otag, SHOWN(b - a), c->s + a, SHOWN(c->clen), c->ctag);
			struct open_sec *os = &c->open[c->nopen - 1];
			struct node *sec = &c->u->nodes[os->node];
			if (strlen(sec->name) != b - a || memcmp(sec->name, c->s + a, b - a))
				return cc_fail(c, ts, ERR_DATA,
					       "closing tag '%.*s/%.*s%.*s' does not match open section '%.*s' (opened at %d:%d), expected '%.*s/%.*s%.*s'",
					       SHOWN(c->olen), c->otag, SHOWN(b - a), c->s + a, SHOWN(c->clen), c->ctag,
					       SHOWN(strlen(sec->name)), sec->name, os->line, os->col,
					       SHOWN(c->olen), c->otag, SHOWN(strlen(sec->name)), sec->name,
					       SHOWN(c->clen), c->ctag);
			sec->end = (uint32_t)c->u->nn;
			c->nopen--;
			break;
		}
		case '>': {
			if (cc_plain_name(c, type, ts, &a, &b) < 0)
				return -1;
			struct node *nd = cc_node(c, N_PARTIAL, ts);
			nd->name = cc_str(c, c->s + a, b - a);
			if (standalone) {
				nd->flags |= NF_STANDALONE;
				nd->s = c->s + ws_start;
				nd->n = ts - ws_start;
			}
			/* Resolved now (so a resolver error points at this tag), compiled later. */
			uint32_t idx = 0;
			if (cc_partial(c, ts, nd->name, &idx) < 0)
				return -1;
			nd->seg = idx;
			break;
		}
		case '=':
			if (cc_set_delims(c, ts, a, b) < 0)
				return -1;
			break;
		case '!':
			break;
		}
		if (standalone) {
			pos = text_start = line_end;
			c->at_line_start = true;
		} else {
			pos = text_start = te;
		}
	}
	if (c->nopen) {
		struct open_sec *os = &c->open[c->nopen - 1];
		const char *nm = c->u->nodes[os->node].name;
		return cc_fail(c, n, ERR_DATA, "section '%.*s' opened at %d:%d is never closed; expected '%.*s/%.*s%.*s'",
			       SHOWN(strlen(nm)), nm, os->line, os->col, SHOWN(c->olen), c->otag,
			       SHOWN(strlen(nm)), nm, SHOWN(c->clen), c->ctag);
	}
	return 0;
}

struct tmpl *tmpl_compile(const char *name, const char *src, size_t len,
			  tmpl_partial_fn partials, void *ud, struct err *e)
{
	return tmpl_compile_at(name, src, len, 1, partials, ud, e);
}

struct tmpl *tmpl_compile_at(const char *name, const char *src, size_t len, int first_line,
			     tmpl_partial_fn partials, void *ud, struct err *e)
{
	return tmpl_compile_at_col(name, src, len, first_line, 1, partials, ud, e);
}

struct tmpl *tmpl_compile_at_col(const char *name, const char *src, size_t len, int first_line, int first_col,
				 tmpl_partial_fn partials, void *ud, struct err *e)
{
	if (!name)
		name = "template";
	if (len > TMPL_MAX_SOURCE) {
		err_set(e, ERR_LIMIT, 0, "%s: template is %zu bytes, more than the limit of %u", name, len, TMPL_MAX_SOURCE);
		return NULL;
	}
	struct tmpl *t = xcalloc(1, sizeof *t);
	struct unit *u = unit_new(name);
	u->src = xmalloc(len + 1);
	if (len)
		memcpy(u->src, src, len);
	u->src[len] = '\0';
	u->len = len;
	u->found = true;
	u->first_line = first_line > 0 ? first_line : 1;
	u->first_col = first_col > 0 ? first_col : 1;
	tmpl_add_unit(t, u);
	struct cc c = { .t = t, .fn = partials, .ud = ud, .e = e };
	/* Partials found while compiling are appended to t->units and compiled in turn: a
	 * worklist, so a chain of partials cannot exhaust the C stack. */
	for (size_t i = 0; i < t->nunits; i++) {
		c.u = t->units[i];
		if (!c.u->found)
			continue;
		c.s = c.u->src;
		c.n = c.u->len;
		if (cc_unit(&c) < 0) {
			tmpl_free(t);
			return NULL;
		}
	}
	return t;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nunits; i++)
		unit_free(t->units[i]);
	free(t->units);
	free(t);
}

const char *tmpl_name(const struct tmpl *t)
{
	return t->units[0]->name;
}

/* ------------------------------------------------------------------ misses */

void tmpl_misses_init(struct tmpl_misses *m)
{
	m->v = NULL;
	m->n = m->cap = m->dropped = 0;
}

void tmpl_misses_reset(struct tmpl_misses *m)
{
	m->n = 0;
	m->dropped = 0;
}

void tmpl_misses_release(struct tmpl_misses *m)
{
	free(m->v);
	tmpl_misses_init(m);
}

const char *tmpl_miss_why_name(enum tmpl_miss_why why)
{
	switch (why) {
	case TMPL_MISS_MISSING: return "missing";
	case TMPL_MISS_NULL: return "null";
	case TMPL_MISS_FALSE: return "false";
	case TMPL_MISS_BLANK: return "blank";
	case TMPL_MISS_CONTAINER: return "list or map";
	}
	return "?";
}

/* ------------------------------------------------------------------ renderer */

struct frame {
	const struct mval *v;
	const struct frame *up;
};

struct indent {
	const char *s;
	size_t n;
	const struct indent *up;
};

struct rs {
	const struct tmpl *t;
	enum tmpl_esc esc;
	struct buf *out;
	struct tmpl_misses *m;
	struct err *e;
	size_t steps;
	int depth;      /* nested render() calls */
	int pdepth;
	const struct indent *ind;
};

static int rs_full(struct rs *r)
{
	return err_set(r->e, ERR_LIMIT, 0, "rendered output exceeds the limit of %zu bytes", r->out->max);
}

static int rs_too_deep(struct rs *r, const struct unit *u, const struct node *nd)
{
	return err_set(r->e, ERR_LIMIT, 0, "%s:%d:%d: sections and partials nested deeper than %d while rendering",
		       u->name, nd->line, nd->col, TMPL_MAX_RENDER_DEPTH);
}

static int rs_add(struct rs *r, const char *s, size_t n)
{
	return buf_add(r->out, s, n) < 0 ? rs_full(r) : 0;
}

/* Whitespace for "blank": ASCII whitespace and the Unicode space separators a spreadsheet
 * cell copied from a web page tends to carry. Returns the length of the space at s, or 0. */
static size_t space_len(const unsigned char *s, size_t n)
{
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0) /* U+00A0 */
		return 2;
	if (n >= 3) {
		uint32_t cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
		    (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029 ||
		     cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff))
			return 3;
	}
	return 0;
}

static bool is_blank(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t k = space_len(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

static bool truthy(const struct mval *v)
{
	if (!v)
		return false;
	switch (v->type) {
	case MVAL_NULL: return false;
	case MVAL_BOOL: return v->u.b;
	case MVAL_NUMBER: return true;
	case MVAL_STRING: return !is_blank(v->u.str.s, v->u.str.len);
	case MVAL_LIST: return v->u.list.n > 0;
	case MVAL_MAP: return true;
	}
	return false;
}

static const struct mval *lookup(const struct unit *u, const struct node *nd, const struct frame *top)
{
	if (!nd->nseg)
		return top ? top->v : NULL;
	const struct seg *sg = &u->segs[nd->seg];
	const struct mval *v = NULL;
	for (const struct frame *f = top; f; f = f->up) {
		if (f->v && f->v->type == MVAL_MAP && (v = mval_map_get_h(f->v, sg->s, sg->n, sg->hash)))
			break;
	}
	/* The spec's dotted-name rule: only the first part searches the stack. */
	for (uint16_t k = 1; v && k < nd->nseg; k++)
		v = mval_map_get_h(v, sg[k].s, sg[k].n, sg[k].hash);
	return v;
}

static bool md_punct(unsigned char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static int emit(struct rs *r, const char *s, size_t n, bool raw)
{
	if (raw || r->esc == TMPL_ESC_NONE)
		return rs_add(r, s, n);
	size_t i = 0, run = 0;
	if (r->esc == TMPL_ESC_HTML) {
		for (; i < n; i++) {
			const char *rep;
			size_t rlen;
			switch (s[i]) {
			case '&': rep = "&amp;", rlen = 5; break;
			case '<': rep = "&lt;", rlen = 4; break;
			case '>': rep = "&gt;", rlen = 4; break;
			case '"': rep = "&quot;", rlen = 6; break;
			case '\'': rep = "&#39;", rlen = 5; break;
			default: continue;
			}
			if (rs_add(r, s + run, i - run) < 0 || rs_add(r, rep, rlen) < 0)
				return -1;
			run = i + 1;
		}
		return rs_add(r, s + run, n - run);
	}
	/* Markdown: leading blanks as entities, punctuation backslash-escaped, line breaks as
	 * spaces (see the header). */
	for (; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		if (rs_add(r, s[i] == ' ' ? "&#32;" : "&#9;", s[i] == ' ' ? 5 : 4) < 0)
			return -1;
	run = i;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n') {
			if (rs_add(r, s + run, i - run) < 0 || rs_add(r, " ", 1) < 0)
				return -1;
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			run = i + 1;
		} else if (md_punct(c)) {
			if (rs_add(r, s + run, i - run) < 0 || rs_add(r, "\\", 1) < 0)
				return -1;
			run = i; /* the character itself goes out with the next run */
		}
	}
	return rs_add(r, s + run, n - run);
}

static int emit_indent(struct rs *r, const struct indent *ind)
{
	if (!ind)
		return 0;
	if (emit_indent(r, ind->up) < 0)
		return -1;
	return rs_add(r, ind->s, ind->n);
}

static void add_miss(struct rs *r, const struct unit *u, const struct node *nd, enum tmpl_miss_why why)
{
	struct tmpl_misses *m = r->m;
	if (!m)
		return;
	if (m->n >= TMPL_MAX_MISSES) {
		m->dropped++;
		return;
	}
	if (m->n == m->cap)
		m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof *m->v);
	struct tmpl_miss *x = &m->v[m->n++];
	x->name = nd->name;
	x->source = u->name;
	x->line = nd->line;
	x->col = nd->col;
	x->why = why;
}

static int render_var(struct rs *r, const struct unit *u, const struct node *nd, const struct frame *top)
{
	const struct mval *v = lookup(u, nd, top);
	bool raw = nd->flags & NF_RAW;
	enum tmpl_miss_why why;
	if (!v) {
		why = TMPL_MISS_MISSING;
	} else {
		switch (v->type) {
		case MVAL_STRING:
			if (!is_blank(v->u.str.s, v->u.str.len))
				return emit(r, v->u.str.s, v->u.str.len, raw);
			why = TMPL_MISS_BLANK;
			break;
		case MVAL_NUMBER: {
			char num[MVAL_NUMBER_BUFSZ];
			size_t k = mval_number_format(v->u.num, num);
			return emit(r, num, k, raw);
		}
		case MVAL_BOOL:
			if (v->u.b)
				return emit(r, "true", 4, raw);
			why = TMPL_MISS_FALSE;
			break;
		case MVAL_NULL:
			why = TMPL_MISS_NULL;
			break;
		default:
			why = TMPL_MISS_CONTAINER;
			break;
		}
	}
	if (nd->flags & NF_FALLBACK)
		return emit(r, nd->fb, nd->fbn, raw);
	add_miss(r, u, nd, why);
	/* A blank string still goes out as the spec says; the miss is what stops the send. */
	if (why == TMPL_MISS_BLANK)
		return emit(r, v->u.str.s, v->u.str.len, raw);
	return 0;
}

static int render(struct rs *r, const struct unit *u, uint32_t from, uint32_t to, const struct frame *top);

static int render_partial(struct rs *r, const struct unit *u, const struct node *nd, const struct frame *top)
{
	const struct unit *p = r->t->units[nd->seg];
	if (!p->found || !p->nn)
		return 0;
	if (r->depth >= TMPL_MAX_RENDER_DEPTH)
		return rs_too_deep(r, u, nd);
	if (r->pdepth >= TMPL_MAX_PARTIAL_DEPTH)
		return err_set(r->e, ERR_LIMIT, 0, "%s:%d:%d: partial '%.*s' nested deeper than %d levels (recursive partial?)",
			       u->name, nd->line, nd->col, SHOWN(strlen(nd->name)), nd->name, TMPL_MAX_PARTIAL_DEPTH);
	/* A standalone partial adds its indentation to the current one; an inline partial is
	 * not indented at all (as if its text were pasted into the line). */
	struct indent ind = { nd->s, nd->n, r->ind };
	const struct indent *saved = r->ind;
	r->ind = (nd->flags & NF_STANDALONE) ? &ind : NULL;
	r->pdepth++;
	int rc = render(r, p, 0, (uint32_t)p->nn, top);
	r->pdepth--;
	r->ind = saved;
	return rc;
}

static int render_nodes(struct rs *r, const struct unit *u, uint32_t from, uint32_t to, const struct frame *top);

/* Every section body and partial goes through here, so r->depth bounds the C stack. */
static int render(struct rs *r, const struct unit *u, uint32_t from, uint32_t to, const struct frame *top)
{
	r->depth++;
	int rc = render_nodes(r, u, from, to, top);
	r->depth--;
	return rc;
}

static int render_nodes(struct rs *r, const struct unit *u, uint32_t from, uint32_t to, const struct frame *top)
{
	const struct node *nodes = u->nodes;
	for (uint32_t i = from; i < to; i++) {
		const struct node *nd = &nodes[i];
		if (++r->steps > TMPL_MAX_STEPS)
			return err_set(r->e, ERR_LIMIT, 0, "%s:%d:%d: template expansion exceeds %u steps (recursive partials or nested loops?)",
				       u->name, nd->line, nd->col, TMPL_MAX_STEPS);
		switch (nd->type) {
		case N_TEXT:
			if ((nd->flags & NF_INDENT) && r->ind && emit_indent(r, r->ind) < 0)
				return -1;
			if (rs_add(r, nd->s, nd->n) < 0)
				return -1;
			break;
		case N_INDENT:
			if (r->ind && emit_indent(r, r->ind) < 0)
				return -1;
			break;
		case N_VAR:
			if (render_var(r, u, nd, top) < 0)
				return -1;
			break;
		case N_SECTION: {
			const struct mval *v = lookup(u, nd, top);
			if (truthy(v)) {
				if (r->depth >= TMPL_MAX_RENDER_DEPTH)
					return rs_too_deep(r, u, nd);
				if (v->type == MVAL_LIST) {
					for (size_t k = 0; k < v->u.list.n; k++) {
						struct frame f = { v->u.list.v[k], top };
						if (render(r, u, i + 1, nd->end, &f) < 0)
							return -1;
					}
				} else {
					struct frame f = { v, top };
					if (render(r, u, i + 1, nd->end, &f) < 0)
						return -1;
				}
			}
			i = nd->end - 1;
			break;
		}
		case N_INVERTED:
			if (truthy(lookup(u, nd, top)))
				; /* skipped */
			else if (r->depth >= TMPL_MAX_RENDER_DEPTH)
				return rs_too_deep(r, u, nd);
			else if (render(r, u, i + 1, nd->end, top) < 0)
				return -1;
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			if (render_partial(r, u, nd, top) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int tmpl_render_stack(const struct tmpl *t, const struct mval *const *ctx, size_t n,
		      enum tmpl_esc esc, struct buf *out, struct tmpl_misses *misses, struct err *e)
{
	struct frame small[8], *frames = n <= 8 ? small : xmalloc(n * sizeof *frames);
	const struct frame *top = NULL;
	for (size_t i = 0; i < n; i++) {
		frames[i].v = ctx[i];
		frames[i].up = top;
		top = &frames[i];
	}
	struct rs r = { .t = t, .esc = esc, .out = out, .m = misses, .e = e };
	size_t mark = out->len;
	const struct unit *u = t->units[0];
	int rc = render(&r, u, 0, (uint32_t)u->nn, top);
	if (rc < 0)
		buf_truncate(out, mark);
	if (frames != small)
		free(frames);
	return rc;
}

int tmpl_render(const struct tmpl *t, const struct mval *ctx, enum tmpl_esc esc,
		struct buf *out, struct tmpl_misses *misses, struct err *e)
{
	return tmpl_render_stack(t, &ctx, ctx ? 1 : 0, esc, out, misses, e);
}

/* ------------------------------------------------------------------ lint */

const char *tmpl_var_kind_name(enum tmpl_var_kind k)
{
	switch (k) {
	case TMPL_VAR_ESCAPED: return "variable";
	case TMPL_VAR_RAW: return "raw variable";
	case TMPL_VAR_SECTION: return "section";
	case TMPL_VAR_INVERTED: return "inverted section";
	case TMPL_VAR_PARTIAL: return "partial";
	}
	return "?";
}

static int walk(const struct tmpl *t, const struct unit *u, uint32_t from, uint32_t to,
		const char *section, int depth, int (*fn)(void *, const struct tmpl_var *), void *ud)
{
	for (uint32_t i = from; i < to; i++) {
		const struct node *nd = &u->nodes[i];
		struct tmpl_var v = {
			.name = nd->name, .source = u->name, .line = nd->line, .col = nd->col,
			.section = section, .depth = depth,
		};
		int rc;
		switch (nd->type) {
		case N_VAR:
			v.kind = (nd->flags & NF_RAW) ? TMPL_VAR_RAW : TMPL_VAR_ESCAPED;
			if (nd->flags & NF_FALLBACK) {
				v.has_fallback = true;
				v.fallback = nd->fb;
			}
			if ((rc = fn(ud, &v)))
				return rc;
			break;
		case N_SECTION:
		case N_INVERTED:
			v.kind = nd->type == N_SECTION ? TMPL_VAR_SECTION : TMPL_VAR_INVERTED;
			if ((rc = fn(ud, &v)))
				return rc;
			if ((rc = walk(t, u, i + 1, nd->end, nd->name, depth + 1, fn, ud)))
				return rc;
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			v.kind = TMPL_VAR_PARTIAL;
			v.partial_found = t->units[nd->seg]->found;
			if ((rc = fn(ud, &v)))
				return rc;
			break;
		default:
			break;
		}
	}
	return 0;
}

int tmpl_foreach_var(const struct tmpl *t, int (*fn)(void *ud, const struct tmpl_var *v), void *ud)
{
	for (size_t i = 0; i < t->nunits; i++) {
		const struct unit *u = t->units[i];
		int rc = walk(t, u, 0, (uint32_t)u->nn, NULL, 0, fn, ud);
		if (rc)
			return rc;
	}
	return 0;
}
