/* Fuzz target: report rows from hostile stored text (contact fields, reply text, labels,
 * conditions, dates) through the verdict and all three writers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "report.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_FIRST, F_LAST, F_SPECIALTY, F_STATE, F_LABEL, F_OVERRIDE, F_TEXT, F_SNIPPET, F_CONDITIONS, F_RETURN,
       F_STATUS, F_FROM, F_NOTE, F_ENROLLMENT, F_STATE2, F_N };

/* Every tag the page may contain; anything else after a '<' means data became markup. */
static const char *const tags[] = {
	"html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1", "h2", "h3", "span",
	"section", "ul", "li", "b", "article", "dl", "div", "dt", "dd", "a", "blockquote", "figure", "figcaption",
	"small", "svg", "rect", "text", "g", "line", "desc", "table", "colgroup", "col", "thead", "tr", "th",
	"tbody", "td", "footer", "code", "bdi",
};

static void check_html(const char *s, size_t n)
{
	if (!utf8_valid(s, n))
		abort();
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '<' || s[i + 1] == '!')
			continue;
		size_t j = i + 1 + (s[i + 1] == '/');
		size_t k = j;
		while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9')))
			k++;
		bool ok = false;
		for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++)
			ok |= strlen(tags[t]) == k - j && !strncmp(s + j, tags[t], k - j);
		if (!ok || (k < n && s[k] != '>' && s[k] != ' '))
			abort();
	}
}

static bool has_controls(const char *s, bool multiline)
{
	for (; s && *s; s++)
		if (((unsigned char)*s < 0x20 && !(multiline && (*s == '\n' || *s == '\t'))) || *s == 0x7f)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	/* fields separated by 0x1f (unit separator) */
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	const char *f[F_N] = { 0 };
	char *p = copy;
	for (int i = 0; i < F_N; i++) {
		f[i] = p;
		char *sep = p ? memchr(p, 0x1f, size - (size_t)(p - copy)) : NULL;
		if (sep) {
			*sep = '\0';
			p = sep + 1;
		} else {
			p = copy + size; /* the rest are empty */
		}
	}
	unsigned seed = size ? data[0] : 0;
	time_t base = 1799000000 + (time_t)(seed * 3600);
	struct report_opts o = { f[F_FIRST], seed & 1 ? "Asia/Karachi" : "America/Los_Angeles", f[F_NOTE],
				 base + 40 * 86400, (int)(seed % 4), (seed & 2) != 0 };
	struct report *r = report_new(&o);
	for (int64_t id = 1; id <= 2; id++) {
		struct report_contact_in c = {
			.id = id, .email = id == 1 ? "a@x.example" : f[F_FROM], .first_name = f[F_FIRST],
			.last_name = f[F_LAST], .title = f[F_NOTE], .specialty = f[F_SPECIALTY],
			.department = f[F_TEXT], .hospital = f[F_CONDITIONS], .city = f[F_STATUS],
			.state = id == 1 ? f[F_STATE] : f[F_STATE2], .country = "", .enrollment = f[F_ENROLLMENT],
			.enrollment_reason = f[F_SNIPPET], .suppressed = (seed & 4) != 0,
		};
		report_add_contact(r, &c);
		const char *states[] = { "sent", "queued", "failed_perm", "unknown", "cancelled", f[F_LABEL] };
		for (int step = 0; step < 3; step++) {
			struct report_message_in m = { id, step, states[(seed >> step) % 6], base + step * 86400,
						       base + step * 86400 + 60, f[F_TEXT], 550 };
			report_add_message(r, &m);
		}
		for (int k = 0; k < 2; k++) {
			struct report_reply_in rp = {
				.id = id * 10 + k, .contact_id = id, .label = k ? f[F_LABEL] : "offer",
				.override_label = k ? f[F_OVERRIDE] : NULL, .override_note = f[F_NOTE],
				.date = base + (time_t)(k + 1) * 97 * 3600 * (seed % 5), .from_addr = f[F_FROM],
				.from_name = f[F_LAST], .subject = f[F_SNIPPET], .reason = f[F_STATUS],
				.snippet = f[F_SNIPPET], .new_text = f[F_TEXT], .conditions = f[F_CONDITIONS],
				.return_date = f[F_RETURN], .bounce_recipient = f[F_FROM], .bounce_status = f[F_STATUS],
				.bounce_hard = (int)(seed % 3) - 1, .unsubscribe = false,
			};
			report_add_reply(r, &rp);
		}
	}
	struct err e;
	err_clear(&e);
	if (report_finish(r, &e) < 0)
		abort();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];
		const char *one[] = { w->name, w->email, w->specialty, w->state, w->status_text, w->snippet,
				      w->bounce_reason, w->note, w->reply_from };
		for (size_t k = 0; k < sizeof one / sizeof one[0]; k++)
			if (has_controls(one[k], false) || (one[k] && !utf8_valid(one[k], strlen(one[k]))))
				abort();
		if (has_controls(w->reply_text, true))
			abort();
		for (size_t k = 0; k < w->nconditions; k++)
			if (has_controls(w->conditions[k], false) || !*w->conditions[k])
				abort();
		long total = 0;
		for (int k = 0; k < REPORT_NSTATUS; k++)
			total += r->sum.by_status[k];
		if (total != (long)r->nrows)
			abort();
	}
	struct buf b = BUF_INIT(1 << 24);
	if (report_write_csv(r, &b, true, &e) < 0 || !utf8_valid(b.data, b.len) || !str_ends_with(buf_str(&b), "\r\n"))
		abort();
	buf_reset(&b);
	if (report_write_json(r, &b, &e) < 0)
		abort();
	struct mval *j = json_parse(NULL, b.data, b.len, NULL, &e);
	if (!j)
		abort();
	mval_free(j);
	buf_reset(&b);
	if (report_write_html(r, &b, &e) < 0)
		abort();
	check_html(b.data, b.len);
	buf_release(&b);
	report_free(r);
	free(copy);
	return 0;
}
