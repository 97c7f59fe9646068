/* markdown: the template body as CommonMark, rendered to safe HTML and to readable plain text. */
#include "markdown.h"

#include <cmark.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"

/*
 * cmark 0.30 is safe unless CMARK_OPT_UNSAFE is given (raw HTML becomes a comment, unsafe
 * URL schemes are emptied). No CMARK_OPT_SMART: the user's quotes and dashes are theirs.
 */
#define MD_OPTS (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8)
#define TEXT_MAX (8 * (size_t)MARKDOWN_MAX) /* a rendering is never this much larger than its source */
#define MAX_DEPTH 48                        /* nesting beyond this is flattened: no deep recursion */

static cmark_node *parse(const char *md, size_t n, struct err *e)
{
	if (n > MARKDOWN_MAX)
		return err_set(e, ERR_LIMIT, 0, "markdown body longer than %d octets", MARKDOWN_MAX), NULL;
	if (!utf8_valid(md, n))
		return err_set(e, ERR_DATA, 0, "markdown body is not valid UTF-8"), NULL;
	cmark_node *doc = cmark_parse_document(md, n, MD_OPTS);
	if (!doc)
		err_set(e, ERR_INTERNAL, 0, "markdown parser failed");
	return doc;
}

int markdown_to_html(const char *md, size_t n, struct buf *out, struct err *e)
{
	cmark_node *doc = parse(md, n, e);
	if (!doc)
		return -1;
	char *html = cmark_render_html(doc, MD_OPTS);
	cmark_node_free(doc);
	if (!html)
		return err_set(e, ERR_INTERNAL, 0, "markdown renderer failed");
	int rc = buf_addstr(out, html);
	free(html);
	if (rc < 0)
		return err_set(e, ERR_LIMIT, 0, "rendered html too large");
	return 0;
}

/* ------------------------------------------------------------------ plain text */

struct tx {
	bool fail;
};

static void add(struct tx *t, struct buf *b, const char *s, size_t n)
{
	if (buf_add(b, s, n) < 0)
		t->fail = true;
}

static void adds(struct tx *t, struct buf *b, const char *s)
{
	if (s)
		add(t, b, s, strlen(s));
}

/* The schemes cmark's safe HTML renderer empties; the text part drops them too. */
static bool unsafe_url(const char *url)
{
	static const char *const bad[] = { "javascript:", "vbscript:", "file:", "data:" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (str_istarts_with(url, bad[i]))
			return true;
	return false;
}

/* Inline content of a block, iteratively (emphasis can nest arbitrarily deep). */
static void render_inlines(struct tx *t, cmark_node *block, struct buf *b)
{
	size_t link_start[8];
	int links = 0;
	cmark_iter *it = cmark_iter_new(block);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && !t->fail) {
		cmark_node *nd = cmark_iter_get_node(it);
		if (nd == block)
			continue;
		cmark_node_type ty = cmark_node_get_type(nd);
		if (ev == CMARK_EVENT_ENTER) {
			switch (ty) {
			case CMARK_NODE_TEXT:
			case CMARK_NODE_CODE:
				adds(t, b, cmark_node_get_literal(nd));
				break;
			case CMARK_NODE_SOFTBREAK:
			case CMARK_NODE_LINEBREAK:
				add(t, b, "\n", 1);
				break;
			case CMARK_NODE_CODE_BLOCK: /* only when flattening a too-deep container */
				adds(t, b, cmark_node_get_literal(nd));
				break;
			case CMARK_NODE_LINK:
			case CMARK_NODE_IMAGE:
				if (links < (int)ARRAY_SIZE(link_start))
					link_start[links] = b->len;
				links++;
				break;
			default: /* emphasis: markers dropped; inline HTML: dropped like the HTML part */
				break;
			}
		} else if (ty == CMARK_NODE_PARAGRAPH || ty == CMARK_NODE_HEADING) {
			add(t, b, "\n", 1); /* only when flattening */
		} else if (ty == CMARK_NODE_LINK || ty == CMARK_NODE_IMAGE) {
			links--;
			const char *url = cmark_node_get_url(nd);
			if (!url || !*url || links >= (int)ARRAY_SIZE(link_start) || unsafe_url(url))
				continue;
			/* an autolink or "[x@y](mailto:x@y)" already shows its address */
			const char *text = b->data ? b->data + link_start[links] : "";
			size_t tl = b->len - link_start[links];
			const char *bare = str_starts_with(url, "mailto:") ? url + 7 : url;
			if ((strlen(url) == tl && memcmp(text, url, tl) == 0) ||
			    (strlen(bare) == tl && memcmp(text, bare, tl) == 0))
				continue;
			if (tl)
				add(t, b, " ", 1);
			add(t, b, "<", 1);
			adds(t, b, url);
			add(t, b, ">", 1);
		}
	}
	cmark_iter_free(it);
}

/* Append src with prefix before every line; `first` replaces prefix on the first line. */
static void put_prefixed(struct tx *t, struct buf *b, const char *src, size_t n, const char *first,
                         const char *prefix)
{
	size_t i = 0;
	bool at_first = true;
	while (i <= n && !t->fail) {
		size_t j = i;
		while (j < n && src[j] != '\n')
			j++;
		const char *p = at_first ? first : prefix;
		if (j > i || at_first) {
			adds(t, b, p);
		} else {
			/* a blank line: no trailing spaces, but keep the quote marker */
			size_t pl = strlen(p);
			while (pl > 0 && p[pl - 1] == ' ')
				pl--;
			add(t, b, p, pl);
		}
		add(t, b, src + i, j - i);
		if (j < n)
			add(t, b, "\n", 1);
		at_first = false;
		i = j + 1;
	}
}

static void render_block(struct tx *t, cmark_node *nd, struct buf *b, int depth);

static void render_children(struct tx *t, cmark_node *nd, struct buf *b, int depth, const char *sep)
{
	bool firstc = true;
	for (cmark_node *c = cmark_node_first_child(nd); c && !t->fail; c = cmark_node_next(c)) {
		size_t before = b->len;
		if (!firstc)
			adds(t, b, sep);
		size_t mark = b->len;
		render_block(t, c, b, depth + 1);
		if (b->len == mark) /* rendered nothing (raw HTML): no separator either */
			buf_truncate(b, before);
		else
			firstc = false;
	}
}

static void render_block(struct tx *t, cmark_node *nd, struct buf *b, int depth)
{
	if (depth > MAX_DEPTH) { /* pathological nesting: keep the words, drop the structure */
		render_inlines(t, nd, b);
		return;
	}
	switch (cmark_node_get_type(nd)) {
	case CMARK_NODE_DOCUMENT:
		render_children(t, nd, b, depth, "\n\n");
		break;
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
		render_inlines(t, nd, b);
		break;
	case CMARK_NODE_CODE_BLOCK: {
		const char *lit = cmark_node_get_literal(nd);
		size_t n = lit ? strlen(lit) : 0;
		while (n > 0 && lit[n - 1] == '\n')
			n--;
		add(t, b, lit ? lit : "", n);
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK:
		adds(t, b, "---");
		break;
	case CMARK_NODE_BLOCK_QUOTE: {
		struct buf inner = BUF_INIT(TEXT_MAX);
		render_children(t, nd, &inner, depth, "\n\n");
		put_prefixed(t, b, buf_str(&inner), inner.len, "> ", "> ");
		buf_release(&inner);
		break;
	}
	case CMARK_NODE_LIST: {
		bool ordered = cmark_node_get_list_type(nd) == CMARK_ORDERED_LIST;
		bool tight = cmark_node_get_list_tight(nd);
		char delim = cmark_node_get_list_delim(nd) == CMARK_PAREN_DELIM ? ')' : '.';
		long num = cmark_node_get_list_start(nd);
		bool firsti = true;
		for (cmark_node *it = cmark_node_first_child(nd); it && !t->fail; it = cmark_node_next(it)) {
			char marker[32], indent[32];
			if (ordered)
				snprintf(marker, sizeof marker, "%ld%c ", num++, delim);
			else
				snprintf(marker, sizeof marker, "- ");
			size_t ml = strlen(marker);
			memset(indent, ' ', ml);
			indent[ml] = '\0';
			struct buf inner = BUF_INIT(TEXT_MAX);
			render_children(t, it, &inner, depth + 1, tight ? "\n" : "\n\n");
			if (!firsti)
				adds(t, b, tight ? "\n" : "\n\n");
			put_prefixed(t, b, buf_str(&inner), inner.len, marker, indent);
			buf_release(&inner);
			firsti = false;
		}
		break;
	}
	case CMARK_NODE_ITEM:
		render_children(t, nd, b, depth, "\n");
		break;
	default: /* HTML blocks: dropped, as in the HTML part */
		break;
	}
}

int markdown_to_text(const char *md, size_t n, struct buf *out, struct err *e)
{
	cmark_node *doc = parse(md, n, e);
	if (!doc)
		return -1;
	struct tx t = { false };
	struct buf b = BUF_INIT(TEXT_MAX);
	render_block(&t, doc, &b, 0);
	cmark_node_free(doc);
	add(&t, &b, "\n", 1);
	int rc = 0;
	if (t.fail || buf_add(out, buf_str(&b), b.len) < 0)
		rc = err_set(e, ERR_LIMIT, 0, "rendered text too large");
	buf_release(&b);
	return rc;
}

/* ------------------------------------------------------------------ document */

int markdown_html_document(const char *fragment, size_t n, struct buf *out, struct err *e)
{
	/*
	 * Inline style on <body> rather than a <style> sheet: webmail strips or rewrites
	 * sheets, inline styles survive. dir="auto" lets an Arabic paragraph read right to left.
	 */
	static const char head[] =
		"<!DOCTYPE html>\n"
		"<html>\n"
		"<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"</head>\n"
		"<body style=\"font-family: -apple-system, 'Segoe UI', Helvetica, Arial,\n"
		"  sans-serif; font-size: 15px; line-height: 1.5; color: #222222;\">\n"
		"<div dir=\"auto\">\n";
	static const char tail[] = "</div>\n</body>\n</html>\n";
	size_t mark = out->len;
	if (buf_add(out, head, sizeof head - 1) < 0 || buf_add(out, fragment, n) < 0 ||
	    buf_add(out, tail, sizeof tail - 1) < 0) {
		buf_truncate(out, mark);
		return err_set(e, ERR_LIMIT, 0, "html document too large");
	}
	return 0;
}
