/* letter: a template file — header lines, a blank line, a Mustache body — compiled, and
 * rendered for one contact into the pieces of a message. */
#ifndef OUTREACH_LETTER_H
#define OUTREACH_LETTER_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "tmpl.h"

struct err;
struct mval;

enum letter_kind { LETTER_TEXT, LETTER_MARKDOWN, LETTER_HTML };

#define LETTER_MAX_SIZE (256 * 1024)    /* a template file */
#define LETTER_MAX_ATTACH 20
#define LETTER_MAX_RENDERED (512 * 1024) /* one rendered body */

/* Headers a template may set (everything else is outreach's business). */
enum letter_header { LH_SUBJECT, LH_REPLY_TO, LH_CC, LH_BCC, LH_COUNT };
extern const char *const letter_header_names[LH_COUNT];

struct letter_field {
	struct tmpl *t;  /* NULL when the header is absent */
	int line;
	char *src;       /* the header's template text, for messages */
};

struct letter {
	char *path;      /* as shown in messages (relative to the workspace) */
	char *dir;       /* directory on disk, where partials are looked up */
	enum letter_kind kind;
	struct letter_field field[LH_COUNT];
	struct letter_field attach[LETTER_MAX_ATTACH];
	size_t nattach;
	struct tmpl *body;
	int body_line;
};

/*
 * Read and compile a template file. `disk_path` is opened; `shown` names it in messages.
 * Format: "Name: value" header lines (Subject, Reply-To, Cc, Bcc, Attachment (repeatable),
 * Content-Type: text/plain | text/markdown | text/html), a blank line, then the body; a file
 * whose first line is not such a header is all body. Every header value and the body are
 * Mustache templates. Partials ({{> name}}) are read from the template's directory: NAME,
 * then NAME with the template's extension, .md, .txt, .html or .mustache.
 * Errors: ERR_DATA "FILE:LINE:COL: what, expected what"; ERR_IO; ERR_LIMIT.
 */
int letter_load(const char *disk_path, const char *shown, struct letter **out, struct err *e);
void letter_free(struct letter *l);

/* One contact's rendering. All text is UTF-8; header values are checked by the caller. */
struct rendered {
	struct buf field[LH_COUNT];
	struct buf attach[LETTER_MAX_ATTACH];
	size_t nattach;
	struct buf body;               /* in the letter's kind: text, Markdown or HTML */
	struct tmpl_misses misses;     /* every empty placeholder without a fallback */
};

void rendered_init(struct rendered *r);
void rendered_release(struct rendered *r);
/* Render everything against a context stack (innermost first, e.g. contact then globals).
 * Empty placeholders are collected in r->misses, not errors. ERR_LIMIT when too large. */
int letter_render(const struct letter *l, const struct mval *const *stack, size_t n, struct rendered *r,
		  struct err *e);

#endif
