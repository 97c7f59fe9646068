/* html: reduce an HTML mail body to plain text, marking quoted history so it is not read as new text. */
#include "html.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

/* Nesting beyond this is treated as flat: hostile markup cannot make counters wrap. */
#define HTML_MAX_DEPTH 10000

struct html_state {
	struct buf *out;
	int failed;
	bool at_line_start;   /* nothing but the quote prefix written on this line */
	bool pending_space;   /* collapsed whitespace waiting for the next visible char */
	int newlines;         /* consecutive line breaks just written (caps blank lines) */
	int pre;              /* inside <pre> */
	int div_depth;        /* open <div>s */
	int bq_depth;         /* open <blockquote>s */
	/* quote containers: the div/blockquote depth at which each opened (a small stack) */
	int quote_div[64];
	int n_quote_div;
	int quote_bq;         /* open <blockquote>s that quote (all of them do) */
	bool quote_rest;      /* Outlook: everything after the reply header is history */
};

static bool quoting(const struct html_state *s)
{
	return s->quote_rest || s->quote_bq > 0 || s->n_quote_div > 0;
}

static void put(struct html_state *s, const char *p, size_t n)
{
	if (!s->failed && buf_add(s->out, p, n) < 0)
		s->failed = 1;
}

static void newline(struct html_state *s)
{
	if (s->newlines >= 2)
		return;
	put(s, "\n", 1);
	s->newlines++;
	s->at_line_start = true;
	s->pending_space = false;
}

/* A block boundary: end the current line unless it is already empty. */
static void block(struct html_state *s)
{
	if (!s->at_line_start || s->newlines == 0)
		newline(s);
}

static void visible(struct html_state *s, const char *p, size_t n)
{
	if (s->at_line_start) {
		if (quoting(s))
			put(s, "> ", 2);
		s->at_line_start = false;
		s->pending_space = false;
	} else if (s->pending_space) {
		put(s, " ", 1);
		s->pending_space = false;
	}
	s->newlines = 0;
	put(s, p, n);
}

static void text_char(struct html_state *s, const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[0];
	if (n == 1 && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f')) {
		if (s->pre) {
			if (c == '\n')
				newline(s);
			else if (c != '\r')
				visible(s, " ", 1);
		} else if (!s->at_line_start) {
			s->pending_space = true;
		}
		return;
	}
	visible(s, p, n);
}

static const struct { const char *name; uint32_t cp; } entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", ' ' }, { "ensp", ' ' }, { "emsp", ' ' }, { "thinsp", ' ' },
	{ "zwnj", 0x200c }, { "zwj", 0x200d },
	{ "rsquo", 0x2019 }, { "lsquo", 0x2018 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "sbquo", 0x201a }, { "bdquo", 0x201e }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 }, { "bull", 0x2022 },
	{ "middot", 0xb7 }, { "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "euro", 0x20ac }, { "pound", 0xa3 }, { "cent", 0xa2 }, { "deg", 0xb0 },
	{ "iexcl", 0xa1 }, { "iquest", 0xbf }, { "ordf", 0xaa }, { "ordm", 0xba },
	{ "aacute", 0xe1 }, { "eacute", 0xe9 }, { "iacute", 0xed }, { "oacute", 0xf3 },
	{ "uacute", 0xfa }, { "yacute", 0xfd }, { "Aacute", 0xc1 }, { "Eacute", 0xc9 },
	{ "Iacute", 0xcd }, { "Oacute", 0xd3 }, { "Uacute", 0xda }, { "agrave", 0xe0 },
	{ "egrave", 0xe8 }, { "igrave", 0xec }, { "ograve", 0xf2 }, { "ugrave", 0xf9 },
	{ "Agrave", 0xc0 }, { "Egrave", 0xc8 }, { "acirc", 0xe2 }, { "ecirc", 0xea },
	{ "icirc", 0xee }, { "ocirc", 0xf4 }, { "ucirc", 0xfb }, { "atilde", 0xe3 },
	{ "otilde", 0xf5 }, { "ntilde", 0xf1 }, { "Ntilde", 0xd1 }, { "auml", 0xe4 },
	{ "euml", 0xeb }, { "iuml", 0xef }, { "ouml", 0xf6 }, { "uuml", 0xfc },
	{ "Auml", 0xc4 }, { "Ouml", 0xd6 }, { "Uuml", 0xdc }, { "szlig", 0xdf },
	{ "ccedil", 0xe7 }, { "Ccedil", 0xc7 }, { "aring", 0xe5 }, { "oslash", 0xf8 },
	{ "aelig", 0xe6 }, { "times", 0xd7 }, { "divide", 0xf7 }, { "shy", 0xad },
};

/* Decode the entity starting at p[0] == '&'; returns bytes consumed (0: not an entity). */
static size_t entity(struct html_state *s, const char *p, size_t n)
{
	size_t i = 1;
	uint32_t cp = 0;
	if (i < n && p[i] == '#') {
		i++;
		int hex = i < n && (p[i] == 'x' || p[i] == 'X');
		if (hex)
			i++;
		size_t start = i;
		while (i < n && i - start < 8) {
			char c = p[i];
			int d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
			i++;
		}
		if (i == start)
			return 0;
		if (i < n && p[i] == ';')
			i++;
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		/* Windows-1252 numeric references (&#146;) are what Outlook-era HTML means */
		static const uint16_t w1252[32] = {
			0x20ac, 0, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030,
			0x160, 0x2039, 0x152, 0, 0x17d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d,
			0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0, 0x17e, 0x178,
		};
		if (cp >= 0x80 && cp < 0xa0 && w1252[cp - 0x80])
			cp = w1252[cp - 0x80];
	} else {
		size_t start = i;
		while (i < n && i - start < 10 && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
			i++;
		size_t len = i - start;
		if (!len)
			return 0;
		size_t k;
		for (k = 0; k < ARRAY_SIZE(entities); k++)
			if (strlen(entities[k].name) == len && memcmp(entities[k].name, p + start, len) == 0)
				break;
		if (k == ARRAY_SIZE(entities))
			return 0;
		cp = entities[k].cp;
		if (i < n && p[i] == ';')
			i++;
	}
	if (cp == ' ') {
		text_char(s, " ", 1);
	} else {
		char tmp[8];
		struct buf b = BUF_INIT(sizeof tmp);
		utf8_encode(&b, cp);
		if (b.len)
			text_char(s, b.data, b.len);
		buf_release(&b);
	}
	return i;
}

/* Find the value of attribute `name` inside a tag's attribute text a[0..n). */
static bool attr_value(const char *a, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t nl = strlen(name);
	size_t i = 0;
	while (i < n) {
		while (i < n && (a[i] == ' ' || a[i] == '\t' || a[i] == '\r' || a[i] == '\n' || a[i] == '/'))
			i++;
		size_t ks = i;
		while (i < n && a[i] != '=' && a[i] != ' ' && a[i] != '\t' && a[i] != '\r' && a[i] != '\n' && a[i] != '/')
			i++;
		size_t kl = i - ks;
		while (i < n && (a[i] == ' ' || a[i] == '\t'))
			i++;
		const char *val = a + i;
		size_t vl = 0;
		if (i < n && a[i] == '=') {
			i++;
			while (i < n && (a[i] == ' ' || a[i] == '\t'))
				i++;
			if (i < n && (a[i] == '"' || a[i] == '\'')) {
				char q = a[i++];
				val = a + i;
				while (i < n && a[i] != q)
					i++;
				vl = (size_t)(a + i - val);
				if (i < n)
					i++;
			} else {
				val = a + i;
				while (i < n && a[i] != ' ' && a[i] != '\t' && a[i] != '\r' && a[i] != '\n')
					i++;
				vl = (size_t)(a + i - val);
			}
		}
		if (kl == nl && strncasecmp(a + ks, name, nl) == 0) {
			*v = val;
			*vn = vl;
			return true;
		}
		if (kl == 0 && i < n)
			i++;
	}
	return false;
}

static bool attr_has(const char *a, size_t n, const char *name, const char *needle)
{
	const char *v;
	size_t vn;
	return attr_value(a, n, name, &v, &vn) && mem_icase_find(v, vn, needle) != NULL;
}

static bool name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

static bool is_block(const char *p, size_t n)
{
	static const char *const blocks[] = {
		"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
		"dl", "dt", "dd", "pre", "hr", "section", "article", "header", "footer", "address",
		"blockquote", "center", "form", "fieldset", "tbody", "thead", "tfoot", "caption", "body",
	};
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		if (name_is(p, n, blocks[i]))
			return true;
	return false;
}

/* Skip the raw content of <script>/<style>/<title>/... up to its closing tag; returns
 * (size_t)-1 when there is none. */
static size_t skip_raw(const char *p, size_t n, size_t i, const char *name)
{
	size_t nl = strlen(name);
	while (i < n) {
		const char *lt = memchr(p + i, '<', n - i);
		if (!lt)
			return (size_t)-1;
		i = (size_t)(lt - p);
		if (i + 2 + nl <= n && p[i + 1] == '/' && strncasecmp(p + i + 2, name, nl) == 0) {
			const char *gt = memchr(p + i, '>', n - i);
			return gt ? (size_t)(gt - p) + 1 : n;
		}
		i++;
	}
	return (size_t)-1;
}

static void start_outlook_history(struct html_state *s)
{
	if (s->quote_rest)
		return;
	block(s);
	put(s, "-----Original Message-----\n", 27);
	s->newlines = 1;
	s->at_line_start = true;
	s->quote_rest = true;
}

static void open_tag(struct html_state *s, const char *nm, size_t nl, const char *attrs, size_t al)
{
	if (name_is(nm, nl, "div")) {
		if (s->div_depth < HTML_MAX_DEPTH)
			s->div_depth++;
		if (attr_has(attrs, al, "id", "divRplyFwdMsg") || attr_has(attrs, al, "id", "appendonsend") ||
		    attr_has(attrs, al, "class", "OutlookMessageHeader")) {
			start_outlook_history(s);
		} else if (attr_has(attrs, al, "class", "gmail_quote") || attr_has(attrs, al, "class", "yahoo_quoted") ||
			   attr_has(attrs, al, "class", "moz-cite-prefix") || attr_has(attrs, al, "class", "protonmail_quote") ||
			   attr_has(attrs, al, "data-marker", "__QUOTED_TEXT__")) {
			block(s);
			if (s->n_quote_div < (int)ARRAY_SIZE(s->quote_div))
				s->quote_div[s->n_quote_div++] = s->div_depth;
		}
	} else if (name_is(nm, nl, "blockquote")) {
		block(s);
		if (s->bq_depth < HTML_MAX_DEPTH) {
			s->bq_depth++;
			s->quote_bq++;
		}
	} else if (name_is(nm, nl, "hr")) {
		if (attr_has(attrs, al, "id", "zwchr") || attr_has(attrs, al, "id", "stopSpelling"))
			start_outlook_history(s);
	} else if (name_is(nm, nl, "pre")) {
		if (s->pre < HTML_MAX_DEPTH)
			s->pre++;
	} else if (name_is(nm, nl, "li")) {
		block(s);
		visible(s, "- ", 2);
		return;
	} else if (name_is(nm, nl, "td") || name_is(nm, nl, "th")) {
		if (!s->at_line_start)
			s->pending_space = true;
	} else if (name_is(nm, nl, "img")) {
		return;
	}
	if (name_is(nm, nl, "br"))
		newline(s);
	else if (is_block(nm, nl))
		block(s);
}

static void close_tag(struct html_state *s, const char *nm, size_t nl)
{
	if (name_is(nm, nl, "div")) {
		block(s);
		if (s->n_quote_div > 0 && s->quote_div[s->n_quote_div - 1] == s->div_depth)
			s->n_quote_div--;
		if (s->div_depth > 0)
			s->div_depth--;
		return;
	}
	if (name_is(nm, nl, "blockquote")) {
		block(s);
		if (s->bq_depth > 0) {
			s->bq_depth--;
			s->quote_bq--;
		}
		return;
	}
	if (name_is(nm, nl, "pre") && s->pre > 0)
		s->pre--;
	if (name_is(nm, nl, "p")) {
		block(s);
		newline(s); /* paragraphs are separated by a blank line */
		return;
	}
	if (is_block(nm, nl))
		block(s);
}

int html_to_text(const char *p, size_t n, struct buf *out)
{
	struct html_state s;
	memset(&s, 0, sizeof s);
	size_t base = out->len;
	s.out = out;
	s.at_line_start = true;
	s.newlines = 2; /* no leading blank lines */
	size_t i = 0;
	while (i < n && !s.failed) {
		char c = p[i];
		if (c == '<') {
			if (i + 4 <= n && memcmp(p + i, "<!--", 4) == 0) {
				const char *end = memmem(p + i + 4, n - i - 4, "-->", 3);
				i = end ? (size_t)(end - p) + 3 : n;
				continue;
			}
			size_t j = i + 1;
			bool closing = false;
			if (j < n && p[j] == '/') {
				closing = true;
				j++;
			}
			if (j < n && (p[j] == '!' || p[j] == '?')) {
				const char *gt = memchr(p + j, '>', n - j);
				i = gt ? (size_t)(gt - p) + 1 : n;
				continue;
			}
			size_t ns = j;
			while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
					 (p[j] >= '0' && p[j] <= '9') || p[j] == ':' || p[j] == '-'))
				j++;
			size_t nl = j - ns;
			if (nl == 0 || !((p[ns] >= 'a' && p[ns] <= 'z') || (p[ns] >= 'A' && p[ns] <= 'Z'))) {
				text_char(&s, p + i, 1); /* a lone '<' is text */
				i++;
				continue;
			}
			/* attributes up to '>' outside quotes */
			size_t as = j;
			char q = 0;
			while (j < n && (q || p[j] != '>')) {
				if (q && p[j] == q)
					q = 0;
				else if (!q && (p[j] == '"' || p[j] == '\'') && j > as && (p[j - 1] == '=' || p[j - 1] == ' '))
					q = p[j];
				j++;
			}
			size_t al = j - as;
			i = j < n ? j + 1 : n;
			const char *nm = p + ns;
			if (closing) {
				close_tag(&s, nm, nl);
				continue;
			}
			static const char *const raw[] = { "script", "style", "title", "xml", "head", "noscript" };
			bool skipped = false;
			for (size_t k = 0; k < ARRAY_SIZE(raw); k++) {
				if (name_is(nm, nl, raw[k]) && !(al > 0 && p[as + al - 1] == '/')) {
					/* An unclosed <script>/<style> hides the rest, as in a browser;
					 * an unclosed <head> or <title> must not swallow the body. */
					size_t e = skip_raw(p, n, i, raw[k]);
					if (e != (size_t)-1)
						i = e;
					else if (k < 2)
						i = n;
					skipped = true;
					break;
				}
			}
			if (skipped)
				continue;
			open_tag(&s, nm, nl, p + as, al);
			continue;
		}
		if (c == '&') {
			size_t k = entity(&s, p + i, n - i);
			if (k) {
				i += k;
				continue;
			}
		}
		/* copy one UTF-8 sequence (or one stray byte) */
		uint32_t cp;
		int k = utf8_decode(p + i, n - i, &cp);
		size_t len = k > 0 ? (size_t)k : 1;
		if (k > 0 && cp == 0xa0)
			text_char(&s, " ", 1);
		else
			text_char(&s, p + i, len);
		i += len;
	}
	/* drop trailing blank lines */
	while (out->len > base && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
		buf_truncate(out, out->len - 1);
	return s.failed ? -1 : 0;
}
