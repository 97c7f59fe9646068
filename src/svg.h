/* svg: small self-contained SVG charts for the HTML report — bars and weekly columns, no
 * scripts, no external fonts or styles, every text escaped. */
#ifndef OUTREACH_SVG_H
#define OUTREACH_SVG_H
#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * All writers append to a struct buf and return 0, or -1 when the buffer's maximum would be
 * exceeded (the buffer then holds a partial chart: callers treat -1 as "report too large").
 * Nothing blocks, nothing reads the clock. Labels and notes are untrusted UTF-8 (contact
 * fields): they are escaped, invalid bytes become U+FFFD, control characters are dropped,
 * and long labels are shortened with an ellipsis (the full text stays in a <title> tooltip).
 * Values that are negative, NaN or infinite count as 0; a scale of 0 draws empty bars (no
 * division by zero). The charts carry role="img", a <title> and a <desc>, and draw with
 * presentation attributes, so they look the same inline in HTML or opened on their own.
 */

/* Append text escaped for XML/HTML content and attribute values: & < > " ' as entities,
 * invalid UTF-8 bytes as U+FFFD, C0 controls (except tab and newline) and DEL dropped. */
int svg_escape(struct buf *b, const char *s, size_t n);

/* Display width of a UTF-8 string in "average character" units: East Asian wide and
 * full-width characters count 2, combining marks 0, everything else 1. */
size_t svg_text_width(const char *s);

/* One horizontal bar: `value` on the chart's scale, and optionally an `inner` bar drawn over
 * it from the left in a darker colour (e.g. offer rate inside reply rate). */
struct svg_bar {
	const char *label;     /* left of the bar */
	double value;
	double inner;          /* 0: none */
	const char *note;      /* right of the bar, e.g. "3 of 12 · 1 offer"; NULL: none */
	const char *tooltip;   /* <title> of the row; NULL: label and note */
};

struct svg_hbars {
	const char *title;     /* accessible name (<title>) */
	const char *desc;      /* longer description (<desc>); NULL: none */
	const struct svg_bar *bars;
	size_t nbars;
	double max;            /* the value of a full-length bar; <= 0: the largest value */
	int width;             /* user units of the viewBox; 0: 640 */
	const char *color;     /* main bar fill; NULL: a muted blue */
	const char *inner_color; /* NULL: a dark green */
	const char *legend_value, *legend_inner; /* legend entries; NULL: no legend */
};

/* A horizontal bar chart: one row per bar, labels on the left, notes after the bars.
 * With no bars it writes a small chart that says "no data yet". */
int svg_hbars(struct buf *b, const struct svg_hbars *c);

/* One column group: two values side by side (e.g. messages sent and replies in a week). */
struct svg_column {
	const char *label;     /* under the group; shown for every k-th group when crowded */
	double a, b;
};

struct svg_columns {
	const char *title;
	const char *desc;
	const char *name_a, *name_b;   /* legend */
	const struct svg_column *cols;
	size_t ncols;
	int width, height;             /* 0: 640 x 220 */
};

/* A column chart whose value axis has whole-number ticks 1, 2 or 5 times a power of ten
 * apart, faint grid lines, and a legend. With no columns it says "no data yet". */
int svg_columns(struct buf *b, const struct svg_columns *c);

/* The smallest of 1, 2, 5, 10, 20, 50... that is >= v: a tick step for counts.
 * 1 for v <= 1 or not finite. */
double svg_nice_step(double v);

#endif
