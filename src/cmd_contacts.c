/* cmd_contacts: 'outreach contacts list|show' — what the workspace knows about each physician. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "cmd.h"
#include "contact.h"
#include "csvio.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct list_ctx {
	struct store *st;
	bool csv;
	long n;
	struct buf line;
	struct err *e;
};

static int status_of(struct list_ctx *l, const struct contact *c, char *out, size_t n)
{
	char reason[200];
	int sup = store_is_suppressed(l->st, c->email, 0, reason, sizeof reason, l->e);
	if (sup < 0)
		return -1;
	snprintf(out, n, "%s%s%s", sup ? "suppressed (" : "", sup ? reason : "", sup ? ")" : "");
	if (c->flags & CONTACT_ROLE)
		snprintf(out + strlen(out), n - strlen(out), "%sshared mailbox", *out ? ", " : "");
	return 0;
}

static int list_one(void *ud, const struct contact *c)
{
	struct list_ctx *l = ud;
	char status[300];
	if (status_of(l, c, status, sizeof status) < 0)
		return -1;
	struct buf *b = &l->line;
	buf_reset(b);
	char *name = contact_full_name(c);
	if (l->csv) {
		csvio_write_field(b, c->email, strlen(c->email), ',', true);
		for (int i = 0; i < CF_COUNT; i++) {
			buf_addch(b, ',');
			csvio_write_field(b, c->field[i], strlen(c->field[i]), ',', true);
		}
		buf_addch(b, ',');
		csvio_write_field(b, status, strlen(status), ',', true);
		csvio_write_eol(b);
	} else {
		buf_add_cell(b, c->email, 42);
		buf_addstr(b, "  ");
		buf_add_cell(b, name, 22);
		buf_addstr(b, "  ");
		buf_add_cell(b, c->field[CF_HOSPITAL], 30);
		buf_addstr(b, "  ");
		buf_add_cell(b, c->field[CF_STATE], 5);
		buf_addstr(b, "  ");
		buf_addstr(b, status);
		/* trailing spaces from padding are noise */
		while (b->len && b->data[b->len - 1] == ' ')
			buf_truncate(b, b->len - 1);
		buf_addch(b, '\n');
	}
	free(name);
	fwrite(b->data, 1, b->len, stdout);
	l->n++;
	return 0;
}

static int cmd_list(struct ws *w, const char *campaign, bool csv)
{
	struct err e = { 0 };
	struct list_ctx l = { w->st, csv, 0, BUF_INIT(1 << 20), &e };
	if (csv) {
		fputs("email", stdout);
		for (int i = 0; i < CF_COUNT; i++)
			printf(",%s", contact_field_names[i]);
		fputs(",status\r\n", stdout);
	} else {
		struct buf *b = &l.line;
		buf_add_cell(b, "EMAIL", 42), buf_addstr(b, "  "), buf_add_cell(b, "NAME", 22), buf_addstr(b, "  ");
		buf_add_cell(b, "HOSPITAL", 30), buf_addstr(b, "  "), buf_add_cell(b, "STATE", 5), buf_addstr(b, "  STATUS\n");
		fputs(buf_str(b), stdout);
	}
	int r = store_contacts_each(w->st, campaign, list_one, &l, &e);
	buf_release(&l.line);
	if (r < 0)
		return cmd_fail(&e);
	if (!csv)
		log_info("%ld contact%s%s%s", l.n, l.n == 1 ? "" : "s", campaign ? " in campaign " : "", campaign ? campaign : "");
	return 0;
}

static int show_enrollment(void *ud, const struct enrollment *en)
{
	char t[64];
	(void)ud;
	printf("  %-20s %s%s%s%s (since %s)\n", en->campaign, en->state, en->reason ? " — " : "", en->reason ? en->reason : "",
	       "", fmt_utc(en->updated_at, t, sizeof t));
	return 0;
}

static int show_event(void *ud, const struct event_row *ev)
{
	char t[64];
	(void)ud;
	printf("  %s  %-16s %s%s%s\n", fmt_utc(ev->at, t, sizeof t), ev->kind, ev->campaign ? ev->campaign : "",
	       ev->campaign && *ev->detail ? "  " : "", ev->detail);
	return 0;
}

static int cmd_show(struct ws *w, const char *email)
{
	struct err e = { 0 };
	struct contact c;
	if (store_contact_load(w->st, 0, email, &c, &e) < 0)
		return cmd_fail(&e);
	printf("%-16s %s\n", "email", c.email);
	for (int i = 0; i < CF_COUNT; i++)
		if (*c.field[i])
			printf("%-16s %s\n", contact_field_names[i], c.field[i]);
	for (size_t i = 0; i < c.nextra; i++)
		if (*c.extra[i].value)
			printf("%-16s %s\n", c.extra[i].name, c.extra[i].value);
	if (c.flags & CONTACT_ROLE)
		printf("%-16s %s\n", "note", "a shared mailbox, not a person");
	if (c.source)
		printf("%-16s %s:%ld\n", "imported from", c.source, c.source_line);
	char reason[256];
	int sup = store_is_suppressed(w->st, c.email, 0, reason, sizeof reason, &e);
	if (sup > 0)
		printf("%-16s %s\n", "do not contact", reason);
	printf("\ncampaigns:\n");
	int r = store_enrollments_each(w->st, c.id, show_enrollment, NULL, &e);
	if (r == 0) {
		printf("\nhistory:\n");
		r = store_events_each(w->st, c.id, show_event, NULL, &e);
	}
	contact_release(&c);
	if (r < 0 || sup < 0)
		return cmd_fail(&e);
	return 0;
}

int cmd_contacts(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:f:";
	const char *campaign = NULL, *format = "text";
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'f': format = optarg; break;
		default: return cmd_opt_error("contacts", argc, argv, shortopts);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "csv"))
		return cmd_usage_error("contacts", "--format is text or csv, not '%s'", format);
	const char *sub = optind < argc ? argv[optind] : "list";
	int nargs = argc - optind - (optind < argc);
	if (strcmp(sub, "list") && strcmp(sub, "show"))
		return cmd_usage_error("contacts", "unknown subcommand '%s' (list or show)", sub);
	if (!strcmp(sub, "show") && nargs != 1)
		return cmd_usage_error("contacts", "'show' takes one address");
	if (!strcmp(sub, "list") && nargs != 0)
		return cmd_usage_error("contacts", "'list' takes no arguments");

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	int rc = !strcmp(sub, "show") ? cmd_show(w, argv[optind + 1]) : cmd_list(w, campaign, !strcmp(format, "csv"));
	ws_close(w);
	return rc;
}
