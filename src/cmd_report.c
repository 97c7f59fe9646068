/* cmd_report: 'outreach report' — the campaign's tracker as CSV (spreadsheets), JSON (scripts)
 * or one self-contained HTML page (people), on standard output or into a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "log.h"
#include "report.h"
#include "util.h"
#include "ws.h"

/* Generous: a 5,000-contact HTML report with every reply in full is a few megabytes. */
#define REPORT_MAX_BYTES (256u << 20)

enum format { FMT_NONE, FMT_CSV, FMT_JSON, FMT_HTML };

static enum format parse_format(const char *s)
{
	if (!strcasecmp(s, "csv"))
		return FMT_CSV;
	if (!strcasecmp(s, "json"))
		return FMT_JSON;
	if (!strcasecmp(s, "html") || !strcasecmp(s, "htm"))
		return FMT_HTML;
	return FMT_NONE;
}

/* -o report.html without --format: the extension says it. */
static enum format format_of_path(const char *path)
{
	const char *dot = strrchr(path_basename(path), '.');
	return dot ? parse_format(dot + 1) : FMT_NONE;
}

int cmd_report(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },   { "bom", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:f:o:";
	const char *campaign = NULL, *output = NULL;
	enum format fmt = FMT_NONE;
	bool bom = false;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'f':
			if ((fmt = parse_format(optarg)) == FMT_NONE)
				return cmd_usage_error("report", "--format is csv, json or html, not '%s'", optarg);
			break;
		case 'o': output = optarg; break;
		case 'B': bom = true; break;
		default: return cmd_opt_error("report", argc, argv, shortopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (output && (!*output || !strcmp(output, "-")))
		output = NULL;
	if (fmt == FMT_NONE && output)
		fmt = format_of_path(output);
	if (fmt == FMT_NONE)
		return cmd_usage_error("report", "say which format: --format csv, json or html");
	if (bom && fmt != FMT_CSV)
		return cmd_usage_error("report", "--bom is for --format csv only");

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct report *r = NULL;
	if (report_open(w->cfg, w->st, campaign, clock_now(), &r, &e) < 0) {
		ws_close(w);
		return cmd_fail(&e);
	}
	ws_close(w);

	struct buf b = BUF_INIT(REPORT_MAX_BYTES);
	int rc = fmt == FMT_CSV ? report_write_csv(r, &b, bom, &e)
		 : fmt == FMT_JSON ? report_write_json(r, &b, &e)
				   : report_write_html(r, &b, &e);
	if (rc < 0) {
		rc = cmd_fail(&e);
	} else if (output) {
		/* private like the database: replies and addresses are personal data */
		if (write_file_atomic(output, b.data ? b.data : "", b.len, 0600, &e) < 0) {
			rc = cmd_fail(&e);
		} else {
			log_info("report written to %s (%zu attending%s, %s)", output, r->nrows, r->nrows == 1 ? "" : "s",
				 fmt == FMT_CSV ? "CSV" : fmt == FMT_JSON ? "JSON" : "HTML");
			rc = 0;
		}
	} else {
		if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
			log_error("cannot write to standard output");
			rc = EX_IOERR;
		}
	}
	buf_release(&b);
	report_free(r);
	return rc;
}
