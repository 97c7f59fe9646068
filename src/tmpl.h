/* tmpl: a spec-conformant Mustache engine with fallbacks, strict rendering and lint support. */
#ifndef OUTREACH_TMPL_H
#define OUTREACH_TMPL_H
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct err;
struct mval;

/*
 * The language is Mustache as the official spec (v1.4, the non-optional modules:
 * interpolation, sections, inverted, comments, partials, delimiters) defines it, byte for
 * byte, plus one extension:
 *
 *   {{name|fallback}}   {{{name|fallback}}}   {{& name|fallback}}
 *
 * The text after the first '|' up to the closing delimiter is a literal fallback, used when
 * the value is missing, null, false, or a blank string. Name and fallback are both trimmed
 * of surrounding whitespace (inner spaces are kept). An empty fallback ({{middle_name|}})
 * says "empty is fine here": nothing is output and nothing is reported. A '|' in a section,
 * inverted-section or partial tag is a compile error.
 *
 * Values and truthiness:
 *   - missing, null, false, the empty list and a *blank* string (empty, or only whitespace:
 *     ASCII space/tab/CR/LF/VT/FF and the Unicode spaces U+00A0, U+1680, U+2000-U+200B,
 *     U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF) are falsey: {{#x}} skips them,
 *     {{^x}} renders for them. Blank strings are falsey (the spec leaves strings to the
 *     implementation) so that {{#title}}{{title}} {{/title}} never prints a lone space.
 *     Every number, including 0, is truthy: it is data.
 *   - A non-empty list renders its section once per element, with the element pushed on the
 *     context stack; any other truthy value renders it once with the value pushed.
 *   - Interpolation: strings verbatim (a blank one too, as the spec says, but it is still
 *     reported as a miss), numbers as mval_number_format() ("85", "1.21"), true as "true";
 *     missing/null/false, lists and maps as nothing.
 *   - Names: "." is the top of the context stack; "a.b.c" resolves "a" through the whole
 *     context stack (top first) and then "b" and "c" only inside what "a" found (the spec's
 *     "dotted names" rules). Empty segments ("a..b", ".a") are a compile error.
 *
 * Escape modes (chosen per render; {{{x}}} and {{& x}} are always verbatim):
 *   TMPL_ESC_HTML      {{x}} escapes & < > " as the spec requires, and ' as &#39; (so a
 *                      value is also safe in a single-quoted attribute). For text/html bodies
 *                      and the spec suite.
 *   TMPL_ESC_NONE      {{x}} inserts the value verbatim. For text/plain bodies and headers;
 *                      the caller must still keep CR/LF out of headers.
 *   TMPL_ESC_MARKDOWN  for a Markdown body that cmark turns into HTML: {{x}} backslash-escapes
 *                      every ASCII punctuation character (CommonMark §2.4 allows that for all
 *                      of them), turns CR and LF into spaces (a value cannot start a new block)
 *                      and writes leading spaces/tabs as &#32;/&#9; (a value cannot become an
 *                      indented code block), so contact data can inject neither Markdown nor
 *                      HTML. Backslash escapes do not work inside code spans, code blocks or raw
 *                      HTML blocks, so do not put {{x}} there in a Markdown template.
 * Fallback text is escaped exactly like a value in the same tag.
 *
 * Partials are resolved once, at compile time, through the caller's resolver: tmpl_compile
 * asks for every partial name the template (and, transitively, its partials) uses, once per
 * name, and compiles each. Recursive partials are fine (the spec's recursion test); the
 * recursion is bounded at render time by TMPL_MAX_PARTIAL_DEPTH. An unknown partial renders
 * as nothing, as the spec requires; lint can find it with tmpl_foreach_var (kind
 * TMPL_VAR_PARTIAL, partial_found false), or the resolver can refuse it by setting an error.
 * A standalone partial tag's indentation goes before every line of the partial (nested
 * standalone partials add theirs up); an inline partial is not indented. Partials start with
 * the default delimiters, and a set-delimiter tag inside one does not leak out (the spec).
 *
 * Positions: line and col are 1-based; col counts characters (UTF-8 code points) from the
 * start of the line, which is what editors show. Templates must be valid UTF-8 without NUL
 * bytes.
 */

/* Limits on untrusted input. Exceeding one is an ERR_LIMIT error. */
#define TMPL_MAX_SOURCE        (1u << 20) /* bytes of one template or partial */
#define TMPL_MAX_NESTING       64         /* sections nested in one template or partial */
#define TMPL_MAX_PARTIALS      64         /* distinct partial names per compiled template */
#define TMPL_MAX_PARTIAL_DEPTH 32         /* partials rendered inside partials, at render */
#define TMPL_MAX_RENDER_DEPTH  256        /* sections and partials nested at render (through
                                           * partials); keeps the deepest render within
                                           * 64 KiB of stack (measured) */
#define TMPL_MAX_STEPS         (1u << 24) /* tags and text runs rendered per render call; stops
                                           * exponential partial recursion and nested loops */
#define TMPL_MAX_MISSES        1000       /* misses recorded per render; more are counted */

struct tmpl;

/*
 * Partial resolver: return the partial's source (n bytes in *len), or NULL when there is no
 * such partial (it then renders as nothing), or NULL with e filled to fail the compile (for
 * example ERR_IO). The bytes are borrowed only until the resolver is called again or
 * tmpl_compile returns; tmpl keeps its own copy. name is the trimmed name from the tag
 * ({{> signature }} gives "signature"); it comes from the template, so treat it as untrusted
 * (it may be "../x"). The partial's name is also its name in error messages and positions.
 */
typedef const char *(*tmpl_partial_fn)(void *ud, const char *name, size_t *len, struct err *e);

/*
 * Compile src[0..len) (copied). name is used in messages and positions ("observership.md").
 * partials may be NULL (every partial is then unknown). Returns the template, to be freed
 * with tmpl_free, or NULL with e filled:
 *   ERR_DATA   "NAME:LINE:COL: what is wrong, expected what", NAME being the template's or the
 *              partial's name, for example
 *              "observership.md:12:5: section 'department' opened at 9:1 is never closed; expected '{{/department}}'"
 *              "observership.md:3:9: unclosed tag, expected '}}'"
 *              "observership.md:3:9: unclosed tag, expected '}}' before the next '{{'"
 *              "observership.md:7:1: closing tag '{{/x}}' does not match open section 'y' (opened at 3:1), expected '{{/y}}'"
 *              "observership.md:2:1: empty tag name, expected a name between '{{' and '}}'"
 *              "observership.md:4:1: invalid set-delimiter tag, expected '{{=<% %>=}}'"
 *              "observership.md:1:1: '|' in a section tag: fallbacks are only for variables, expected '{{#name}}'"
 *              "observership.md:2:4: invalid UTF-8 byte 0xE9, expected UTF-8 text (save the file as UTF-8)"
 *              (the expected tags are shown with the delimiters in force at that point);
 *   ERR_LIMIT  TMPL_MAX_SOURCE, TMPL_MAX_NESTING or TMPL_MAX_PARTIALS was exceeded;
 *   any class  the resolver's own error, prefixed with the partial tag's position.
 * Does not block, except inside the resolver.
 */
struct tmpl *tmpl_compile(const char *name, const char *src, size_t len,
			  tmpl_partial_fn partials, void *ud, struct err *e);
/* The same, for a source that begins on line first_line of its file (a template body
 * after its header lines): every line number reported is in the file's terms. */
struct tmpl *tmpl_compile_at(const char *name, const char *src, size_t len, int first_line,
			     tmpl_partial_fn partials, void *ud, struct err *e);
/* The same, for a source that begins at column first_col of line first_line (a header
 * value after "Subject: "): columns on that first line are in the file's terms too. */
struct tmpl *tmpl_compile_at_col(const char *name, const char *src, size_t len, int first_line, int first_col,
				 tmpl_partial_fn partials, void *ud, struct err *e);
/* NULL is a no-op. */
void tmpl_free(struct tmpl *t);
/* The name given to tmpl_compile (borrowed). */
const char *tmpl_name(const struct tmpl *t);

enum tmpl_esc {
	TMPL_ESC_NONE,
	TMPL_ESC_HTML,
	TMPL_ESC_MARKDOWN,
};

/* Why an interpolation produced nothing. */
enum tmpl_miss_why {
	TMPL_MISS_MISSING,   /* no such name in the context */
	TMPL_MISS_NULL,
	TMPL_MISS_FALSE,
	TMPL_MISS_BLANK,     /* empty or whitespace-only string (see "blank" above) */
	TMPL_MISS_CONTAINER, /* a list or map, which interpolates as nothing */
};

/*
 * One interpolation without a usable value and without a fallback. Strings are borrowed
 * from the compiled template: valid until tmpl_free.
 */
struct tmpl_miss {
	const char *name;    /* the full (dotted) name as written, trimmed */
	const char *source;  /* template or partial name the tag is in */
	int line, col;       /* of the tag's opening delimiter */
	enum tmpl_miss_why why;
};

/* A list the caller owns: struct tmpl_misses m = TMPL_MISSES_INIT; ... tmpl_misses_release(&m). */
struct tmpl_misses {
	struct tmpl_miss *v;
	size_t n, cap;
	size_t dropped;      /* misses beyond TMPL_MAX_MISSES, counted but not recorded */
};
#define TMPL_MISSES_INIT { NULL, 0, 0, 0 }
void tmpl_misses_init(struct tmpl_misses *m);
/* Forget the entries, keep the storage (for the next contact). */
void tmpl_misses_reset(struct tmpl_misses *m);
void tmpl_misses_release(struct tmpl_misses *m);
/* "missing", "null", "false", "blank", "list or map". */
const char *tmpl_miss_why_name(enum tmpl_miss_why why);

/*
 * Render t with ctx as the context (the bottom and only frame of the context stack),
 * appending to out. Every interpolation that produced nothing and had no fallback is
 * appended to misses (if not NULL; it is not reset first) in document order; the render
 * goes on regardless. A caller that must never send a broken message checks misses->n and
 * misses->dropped.
 * Returns 0, or -1 with e filled: ERR_LIMIT when out's maximum, TMPL_MAX_PARTIAL_DEPTH,
 * TMPL_MAX_RENDER_DEPTH or TMPL_MAX_STEPS is exceeded (the message names the tag, e.g.
 * "sig:1:2: partial 'sig' nested deeper than 32 levels (recursive partial?)"). On -1, out is restored to its length before the call.
 * Allocates only when misses grow or out grows; t is not modified, so several threads may
 * render one template at once. ctx may be NULL (an empty context).
 */
int tmpl_render(const struct tmpl *t, const struct mval *ctx, enum tmpl_esc esc,
		struct buf *out, struct tmpl_misses *misses, struct err *e);
/* Like tmpl_render with a context stack: ctx[0] is the bottom, ctx[n-1] the top (looked in
 * first), e.g. { campaign settings, contact }. */
int tmpl_render_stack(const struct tmpl *t, const struct mval *const *ctx, size_t n,
		      enum tmpl_esc esc, struct buf *out, struct tmpl_misses *misses, struct err *e);

enum tmpl_var_kind {
	TMPL_VAR_ESCAPED,    /* {{x}} */
	TMPL_VAR_RAW,        /* {{{x}}} or {{& x}} */
	TMPL_VAR_SECTION,    /* {{#x}} */
	TMPL_VAR_INVERTED,   /* {{^x}} */
	TMPL_VAR_PARTIAL,    /* {{> x}}: name is the partial's name, not a variable */
};

/* One referenced name, for lint. Strings are borrowed from the template (valid until
 * tmpl_free). */
struct tmpl_var {
	enum tmpl_var_kind kind;
	const char *name;       /* full dotted name, "." for the implicit iterator */
	const char *source;     /* template or partial name the tag is in */
	int line, col;          /* of the tag's opening delimiter */
	bool has_fallback;
	const char *fallback;   /* the trimmed fallback when has_fallback, else NULL */
	const char *section;    /* innermost enclosing section/inverted name in the same source,
	                         * or NULL at top level: inside one, a name may resolve against
	                         * the section's value rather than the contact */
	int depth;              /* number of enclosing sections in the same source */
	bool partial_found;     /* TMPL_VAR_PARTIAL only: the resolver returned a source */
};

/*
 * Call fn for every tag that names something, in document order: first the template, then
 * each partial once, in the order first referenced. Comments and set-delimiter tags are not
 * reported; closing tags are not reported (their opening tag is). Stops when fn returns
 * non-zero and returns that value; otherwise returns 0.
 */
int tmpl_foreach_var(const struct tmpl *t, int (*fn)(void *ud, const struct tmpl_var *v), void *ud);

/* "variable", "raw variable", "section", "inverted section", "partial". */
const char *tmpl_var_kind_name(enum tmpl_var_kind k);

#endif
