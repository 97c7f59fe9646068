/* svg: small self-contained SVG charts for the HTML report — bars and weekly columns. */
#include "svg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* Colours chosen to stay distinguishable in greyscale print and for the common colour-vision
 * deficiencies (blue against dark green/navy, never red against green alone). */
#define SVG_TEXT "#1f2933"
#define SVG_MUTED "#616e7c"
#define SVG_TRACK "#eef2f6"
#define SVG_GRID "#d9e2ec"
#define SVG_BAR "#7fa7cf"
#define SVG_INNER "#1f6f4a"
#define SVG_COL_A "#b6c7d9"
#define SVG_COL_B "#1d4e89"
#define SVG_FONT "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Helvetica, Arial, sans-serif"

/* Approximate advance of one "average character" at the sizes used below: there are no
 * font metrics without a renderer, so layout reserves room by estimate and errs wide. */
#define SVG_CH_LABEL 7.2 /* 13px */
#define SVG_CH_NOTE 6.6  /* 12px */
#define SVG_LABEL_MAX 30 /* display units before a label is shortened */

static double clean(double v)
{
	return isfinite(v) && v > 0 ? v : 0;
}

int svg_escape(struct buf *b, const char *s, size_t n)
{
	int rc = 0;
	size_t i = 0;
	while (i < n && !rc) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			switch (c) {
			case '&': rc = buf_addstr(b, "&amp;"); break;
			case '<': rc = buf_addstr(b, "&lt;"); break;
			case '>': rc = buf_addstr(b, "&gt;"); break;
			case '"': rc = buf_addstr(b, "&quot;"); break;
			case '\'': rc = buf_addstr(b, "&#39;"); break;
			default:
				/* XML 1.0 forbids most C0 controls; HTML treats them as parse errors */
				if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n')
					rc = buf_addch(b, (char)c);
				break;
			}
			i++;
			continue;
		}
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k < 0) {
			rc = buf_addstr(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		/* C1 controls and the non-characters XML does not allow */
		if (!(cp >= 0x80 && cp < 0xa0) && cp != 0xfffe && cp != 0xffff)
			rc = buf_add(b, s + i, (size_t)k);
		i += (size_t)k;
	}
	return rc ? -1 : 0;
}

static int cp_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0x200b || cp == 0x200d)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Width of s[0..n) and, in *cut, the byte length of the longest prefix of at most `limit`
 * units (for shortening). Invalid bytes count 1 (they print as U+FFFD). */
static size_t text_width(const char *s, size_t n, size_t limit, size_t *cut)
{
	size_t w = 0, i = 0;
	if (cut)
		*cut = 0;
	while (i < n) {
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		int cw = k < 0 ? 1 : cp_width(cp);
		if (k < 0)
			k = 1;
		w += (size_t)cw;
		i += (size_t)k;
		if (cut && w <= limit)
			*cut = i;
	}
	return w;
}

size_t svg_text_width(const char *s)
{
	return s ? text_width(s, strlen(s), 0, NULL) : 0;
}

/* s escaped, shortened to `limit` display units with an ellipsis when longer. */
static int add_short(struct buf *b, const char *s, size_t limit)
{
	size_t n = strlen(s), cut;
	if (text_width(s, n, limit ? limit - 1 : 0, &cut) <= limit)
		return svg_escape(b, s, n);
	if (svg_escape(b, s, cut) < 0)
		return -1;
	return buf_addstr(b, "\xe2\x80\xa6");
}

static size_t short_width(const char *s, size_t limit)
{
	size_t w = svg_text_width(s);
	return w > limit ? limit : w;
}

static int open_svg(struct buf *b, double w, double h, const char *title, const char *desc, const char *cls)
{
	int rc = buf_printf(b,
			    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" viewBox=\"0 0 %.0f %.0f\" "
			    "width=\"%.0f\" height=\"%.0f\" role=\"img\" font-family=\"%s\" font-size=\"13\" "
			    "fill=\"" SVG_TEXT "\"><title>",
			    cls, w, h, w, h, SVG_FONT);
	rc |= svg_escape(b, title ? title : "", title ? strlen(title) : 0);
	rc |= buf_addstr(b, "</title>");
	if (desc) {
		rc |= buf_addstr(b, "<desc>");
		rc |= svg_escape(b, desc, strlen(desc));
		rc |= buf_addstr(b, "</desc>");
	}
	return rc ? -1 : 0;
}

static int empty_chart(struct buf *b, double w, const char *title, const char *desc, const char *cls)
{
	int rc = open_svg(b, w, 48, title, desc, cls);
	rc |= buf_printf(b,
			 "<rect x=\"0.5\" y=\"0.5\" width=\"%.0f\" height=\"47\" rx=\"4\" fill=\"none\" stroke=\"" SVG_GRID
			 "\"/><text x=\"%.0f\" y=\"29\" text-anchor=\"middle\" fill=\"" SVG_MUTED "\">No data yet</text></svg>",
			 w - 1, w / 2);
	return rc ? -1 : 0;
}

static int legend(struct buf *b, double x_right, double y, const char *na, const char *ca, const char *nb,
		  const char *cb)
{
	/* right-aligned: the second entry ends at x_right, the first before it */
	double wb = nb ? 16 + (double)short_width(nb, 24) * SVG_CH_NOTE : 0;
	double wa = na ? 16 + (double)short_width(na, 24) * SVG_CH_NOTE : 0;
	double x = x_right - wb - (nb && na ? 14 : 0) - wa;
	int rc = 0;
	const char *names[2] = { na, nb }, *colors[2] = { ca, cb };
	double widths[2] = { wa, wb };
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		rc |= buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" rx=\"2\" fill=\"%s\"/>", x,
				 y - 9, colors[i]);
		rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"" SVG_MUTED "\">", x + 14, y);
		rc |= add_short(b, names[i], 24);
		rc |= buf_addstr(b, "</text>");
		x += widths[i] + 14;
	}
	return rc ? -1 : 0;
}

int svg_hbars(struct buf *b, const struct svg_hbars *c)
{
	double W = c->width > 0 ? c->width : 640;
	if (!c->nbars)
		return empty_chart(b, W, c->title, c->desc, "chart hbars");
	const double pad = 8, row_h = 28, bar_h = 16;
	bool has_legend = c->legend_value || c->legend_inner;
	double top = has_legend ? 26 : 4;
	size_t lw = 0, nw = 0;
	double max = clean(c->max);
	bool auto_max = max <= 0;
	for (size_t i = 0; i < c->nbars; i++) {
		size_t w = short_width(c->bars[i].label ? c->bars[i].label : "", SVG_LABEL_MAX);
		lw = w > lw ? w : lw;
		w = c->bars[i].note ? svg_text_width(c->bars[i].note) : 0;
		nw = w > nw ? w : nw;
		if (auto_max) {
			double v = clean(c->bars[i].value);
			double in = clean(c->bars[i].inner);
			max = v > max ? v : max;
			max = in > max ? in : max;
		}
	}
	double label_w = (double)lw * SVG_CH_LABEL + 12;
	label_w = label_w < 40 ? 40 : label_w > W * 0.38 ? W * 0.38 : label_w;
	double note_w = nw ? (double)nw * SVG_CH_NOTE + 10 : 0;
	note_w = note_w > W * 0.36 ? W * 0.36 : note_w;
	double x0 = pad + label_w, bar_w = W - x0 - note_w - pad;
	if (bar_w < 60)
		bar_w = 60;
	double H = top + (double)c->nbars * row_h + pad;
	double scale = max > 0 ? bar_w / max : 0;
	const char *color = c->color ? c->color : SVG_BAR, *inner_color = c->inner_color ? c->inner_color : SVG_INNER;

	if (open_svg(b, W, H, c->title, c->desc, "chart hbars") < 0)
		return -1;
	int rc = 0;
	if (has_legend)
		rc |= legend(b, W - pad, 16, c->legend_value, color, c->legend_inner, inner_color);
	for (size_t i = 0; i < c->nbars && !rc; i++) {
		const struct svg_bar *r = &c->bars[i];
		double y = top + (double)i * row_h, by = y + (row_h - bar_h) / 2, cy = y + row_h / 2;
		double v = clean(r->value) * scale, in = clean(r->inner) * scale;
		/* a non-zero value stays visible however small against the largest */
		if (clean(r->value) > 0 && v < 2)
			v = 2;
		if (clean(r->inner) > 0 && in < 2)
			in = 2;
		v = v > bar_w ? bar_w : v;
		in = in > bar_w ? bar_w : in;
		rc |= buf_addstr(b, "<g><title>");
		if (r->tooltip) {
			rc |= svg_escape(b, r->tooltip, strlen(r->tooltip));
		} else {
			rc |= svg_escape(b, r->label ? r->label : "", r->label ? strlen(r->label) : 0);
			if (r->note) {
				rc |= buf_addstr(b, ": ");
				rc |= svg_escape(b, r->note, strlen(r->note));
			}
		}
		rc |= buf_addstr(b, "</title>");
		rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"central\">",
				 x0 - 8, cy);
		rc |= add_short(b, r->label ? r->label : "", SVG_LABEL_MAX);
		rc |= buf_addstr(b, "</text>");
		rc |= buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" rx=\"2\" fill=\"" SVG_TRACK
				 "\"/>", x0, by, bar_w, bar_h);
		if (v > 0)
			rc |= buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" rx=\"2\" "
					 "fill=\"%s\"/>", x0, by, v, bar_h, color);
		if (in > 0)
			rc |= buf_printf(b, "<rect class=\"inner\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" "
					 "rx=\"2\" fill=\"%s\"/>", x0, by, in, bar_h, inner_color);
		if (r->note) {
			rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" dominant-baseline=\"central\" fill=\""
					 SVG_MUTED "\">", x0 + bar_w + 8, cy);
			rc |= svg_escape(b, r->note, strlen(r->note));
			rc |= buf_addstr(b, "</text>");
		}
		rc |= buf_addstr(b, "</g>");
	}
	rc |= buf_addstr(b, "</svg>");
	return rc ? -1 : 0;
}

double svg_nice_step(double v)
{
	if (!isfinite(v) || v <= 1)
		return 1;
	double p = 1;
	/* 1e300 stops the loop for any finite v */
	while (p < 1e300) {
		if (p >= v)
			return p;
		if (2 * p >= v)
			return 2 * p;
		if (5 * p >= v)
			return 5 * p;
		p *= 10;
	}
	return p;
}

static int add_number(struct buf *b, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return buf_printf(b, "%.0f", v);
	return buf_printf(b, "%.1f", v);
}

int svg_columns(struct buf *b, const struct svg_columns *c)
{
	double W = c->width > 0 ? c->width : 640, H = c->height > 0 ? c->height : 220;
	if (!c->ncols)
		return empty_chart(b, W, c->title, c->desc, "chart columns");
	double vmax = 0;
	for (size_t i = 0; i < c->ncols; i++) {
		double a = clean(c->cols[i].a), bb = clean(c->cols[i].b);
		vmax = a > vmax ? a : vmax;
		vmax = bb > vmax ? bb : vmax;
	}
	/* at most four intervals, each a whole "nice" step */
	double step = svg_nice_step(vmax / 4);
	double ticks = ceil(vmax / step);
	if (ticks < 1)
		ticks = 1;
	double top_v = ticks * step;
	const double x0 = 44, y0 = 30;
	double x1 = W - 10, y1 = H - 30, pw = x1 - x0, ph = y1 - y0;
	double gw = pw / (double)c->ncols;
	double bw = gw * 0.36;
	bw = bw > 18 ? 18 : bw < 1 ? 1 : bw;
	/* label every k-th group so that labels (about 6 characters) never overlap */
	size_t every = (size_t)ceil((double)c->ncols / (pw / 52 > 1 ? pw / 52 : 1));
	if (every < 1)
		every = 1;

	if (open_svg(b, W, H, c->title, c->desc, "chart columns") < 0)
		return -1;
	int rc = legend(b, W - 10, 16, c->name_a, SVG_COL_A, c->name_b, SVG_COL_B);
	for (double t = 0; t <= ticks && !rc; t++) {
		double y = y1 - t / ticks * ph;
		rc |= buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>",
				 x0, y, x1, y, t == 0 ? SVG_MUTED : SVG_GRID);
		rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"central\" "
				 "font-size=\"11\" fill=\"" SVG_MUTED "\">", x0 - 6, y);
		rc |= add_number(b, t * step);
		rc |= buf_addstr(b, "</text>");
	}
	for (size_t i = 0; i < c->ncols && !rc; i++) {
		const struct svg_column *col = &c->cols[i];
		double a = clean(col->a), bb = clean(col->b);
		double cx = x0 + gw * ((double)i + 0.5);
		double ha = a / top_v * ph, hb = bb / top_v * ph;
		if (a > 0 && ha < 1.5)
			ha = 1.5;
		if (bb > 0 && hb < 1.5)
			hb = 1.5;
		rc |= buf_addstr(b, "<g><title>");
		rc |= svg_escape(b, col->label ? col->label : "", col->label ? strlen(col->label) : 0);
		rc |= buf_addstr(b, ": ");
		rc |= add_number(b, a);
		rc |= buf_addch(b, ' ');
		rc |= svg_escape(b, c->name_a ? c->name_a : "", c->name_a ? strlen(c->name_a) : 0);
		rc |= buf_addstr(b, ", ");
		rc |= add_number(b, bb);
		rc |= buf_addch(b, ' ');
		rc |= svg_escape(b, c->name_b ? c->name_b : "", c->name_b ? strlen(c->name_b) : 0);
		rc |= buf_addstr(b, "</title>");
		if (ha > 0)
			rc |= buf_printf(b, "<rect class=\"col-a\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					 "fill=\"" SVG_COL_A "\"/>", cx - bw - 0.5, y1 - ha, bw, ha);
		if (hb > 0)
			rc |= buf_printf(b, "<rect class=\"col-b\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					 "fill=\"" SVG_COL_B "\"/>", cx + 0.5, y1 - hb, bw, hb);
		if (i % every == 0 && col->label) {
			rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\""
					 SVG_MUTED "\">", cx, y1 + 16);
			rc |= add_short(b, col->label, 8);
			rc |= buf_addstr(b, "</text>");
		}
		rc |= buf_addstr(b, "</g>");
	}
	rc |= buf_addstr(b, "</svg>");
	return rc ? -1 : 0;
}
