/* main: global options, then find the command in one table and run it (git style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <locale.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cmd.h"
#include "err.h"
#include "log.h"

static const struct command commands[] = {
	{ "init", cmd_init, "[DIR]",
	  "create a workspace with a sample config, templates and contacts",
	  "DIR defaults to the current directory. Refuses to overwrite an existing workspace.\n" },
	{ "config", cmd_config, "[check | rules]",
	  "check outreach.conf and show the settings in effect",
	  "  check   only validate (exit 78 with file:line when something is wrong)\n"
	  "  rules   print the built-in reply classification rules, to copy into a file\n"
	  "          of your own and name in [account] rules = FILE\n" },
	{ "import", cmd_import, "FILE.csv [--campaign NAME] [--update] [--strict] [--rejects FILE] [--encoding ENC] [--dry-run]",
	  "import contacts from a spreadsheet (CSV, ; or tab separated)",
	  "  --campaign NAME   also enrol the imported contacts in campaign NAME\n"
	  "  --update          overwrite existing contacts with the file's values\n"
	  "                    (default: keep the database's, report the duplicate)\n"
	  "  --strict          any bad row aborts the import; nothing is written\n"
	  "  --rejects FILE    write bad rows to FILE (original columns plus 'error')\n"
	  "  --encoding ENC    the file's character set (default: UTF-8, or Windows-1252\n"
	  "                    when the file is not valid UTF-8)\n"
	  "  --dry-run         check everything, write nothing\n" },
	{ "contacts", cmd_contacts, "[list [--campaign NAME] [--format text|csv] | show EMAIL]",
	  "list contacts, or show everything known about one",
	  "" },
	{ "suppress", cmd_suppress, "[list | add EMAIL [--reason TEXT] | remove EMAIL]",
	  "manage the do-not-contact list",
	  "A suppressed address is never written to. Bounces and 'please remove me' replies\n"
	  "add addresses here automatically; 'remove' corrects a mistake.\n" },
	{ "lint", cmd_lint, "[--campaign NAME] [--all]",
	  "check the templates against every contact before anything is sent",
	  "  --campaign NAME   the campaign to check (needed when there are several)\n"
	  "  --all             list every contact concerned, not just the first five\n"
	  "\n"
	  "Errors (exit 65) block sending: template syntax, variables no column defines,\n"
	  "empty placeholders without a fallback, line breaks headed for a header, bad\n"
	  "addresses, missing or oversized attachments. Warnings do not block.\n" },
	{ "preview", cmd_preview, "[--campaign NAME] [--contact EMAIL | --limit N] [--step N] [--out DIR]",
	  "show the exact bytes that would be sent",
	  "  --contact EMAIL   the message for one contact\n"
	  "  --limit N         the first N contacts' messages (default 1 on standard output)\n"
	  "  --step N          1 for the first message (default), 2 for the first follow-up...\n"
	  "  --out DIR         write one .eml file per contact into DIR instead\n" },
	{ "send", cmd_send, "[--campaign NAME] [--limit N] [--dry-run | --to-self | --drafts | --resolve] [--wait] [--yes]",
	  "send what is due, exactly once, at a pace your provider accepts",
	  "  --campaign NAME   the campaign (needed when there are several)\n"
	  "  --limit N         at most N messages in this run\n"
	  "  --dry-run         plan and build every message, send and record nothing\n"
	  "  --to-self         send the first message (or --limit N) to your own address,\n"
	  "                    marked as a test; nothing is recorded as sent\n"
	  "  --drafts          put the messages in your Drafts folder instead of sending\n"
	  "  --resolve         look for messages in doubt (state 'unknown') in your Sent\n"
	  "                    folder and settle them\n"
	  "  --wait            stay until the queue is empty, waiting for the sending window\n"
	  "                    and daily limits (Ctrl-C stops after the current message)\n"
	  "  --yes             do not ask for confirmation (needed without a terminal)\n"
	  "\n"
	  "Every message is recorded as 'sending' before it is handed to the server and as\n"
	  "'sent' right after: after a crash nothing is sent twice; a message whose fate is\n"
	  "unclear becomes 'unknown' and is never resent automatically.\n" },
	{ "run", cmd_run, "[--for SECONDS] [--no-poll]",
	  "keep going: send, watch the mailbox, follow up (tmux or a service)",
	  "Sends what is due within the limits and windows of every campaign, watches the\n"
	  "mailbox with IDLE, plans follow-ups as replies arrive and time passes, and writes\n"
	  "one line per event on standard output. One 'run' per workspace. SIGINT or SIGTERM\n"
	  "finish the current message, record it and exit 0. Network loss is retried with\n"
	  "backoff; a refused login or certificate stops it (exit 77).\n"
	  "  --for SECONDS   stop after this long (e.g. from cron)\n"
	  "  --no-poll       send only; do not read the mailbox\n" },
	{ "poll", cmd_poll, "[--once | --watch]",
	  "read new mail (read-only): replies, bounces, auto-replies",
	  "  --once    poll every folder in 'folders' once (the default)\n"
	  "  --watch   keep watching: IDLE where the server offers it, else every\n"
	  "            poll_interval seconds; survives network loss; Ctrl-C stops\n"
	  "\n"
	  "Folders are opened read-only (EXAMINE) and bodies fetched with BODY.PEEK: nothing\n"
	  "in your mailbox is flagged, moved or deleted.\n" },
	{ "ingest", cmd_ingest, "[--sent [--campaign NAME]] PATH...",
	  "the same as poll, over .eml files, a Maildir or an mbox",
	  "  --sent    the messages are your own earlier outreach, sent by hand: they are\n"
	  "            recorded as the first message of the contacts they were sent to,\n"
	  "            so replies to them are tracked and follow-ups are planned\n" },
	{ "classify", cmd_classify, "FILE...",
	  "judge messages; one JSON object per message",
	  "Fields: file, label, reason, in_reply_to, bounce {recipient, status, hard} or null,\n"
	  "return_date; inside a workspace also matched_contact, matched_message_id and\n"
	  "match_rule. Nothing is recorded.\n" },
	{ "replies", cmd_replies, "[--label offer|decline|info_request|auto_reply|bounce|other]",
	  "list the replies, bounces and auto-replies recorded so far",
	  "  --label L   only those with label L (a label decided by hand wins)\n" },
	{ "mark", cmd_mark, "EMAIL LABEL [--note TEXT]",
	  "record your own reading of an answer (wins over the automatic one)",
	  "LABEL is offer, decline, info_request, auto_reply, bounce or other. The contact's\n"
	  "latest reply gets the label (or a reply is recorded, for an answer by phone).\n"
	  "Correcting a wrong bounce or decline lifts the suppression it caused; marking\n"
	  "auto_reply puts the contact's follow-ups back on.\n"
	  "  --note TEXT  kept with the reply and shown in reports\n" },
	{ "status", cmd_status, "[--campaign NAME]",
	  "where the campaign stands: sent, replies, offers, what is due next",
	  "  --campaign NAME   the campaign (needed when there are several)\n"
	  "\n"
	  "One screen: attendings planned and written to, bounces, personal replies (offers,\n"
	  "declines, requests for more information), auto-replies, no answer yet, messages in\n"
	  "doubt; the next message due; today's sends against the daily limit; the offers by\n"
	  "name. Colour on a terminal only; NO_COLOR turns it off.\n" },
	{ "report", cmd_report, "[--campaign NAME] --format csv|json|html [-o FILE] [--bom]",
	  "the campaign's tracker as CSV, JSON or a self-contained HTML page",
	  "  --campaign NAME   the campaign (needed when there are several)\n"
	  "  --format FORMAT   csv (spreadsheets), json (scripts) or html (to read, print or\n"
	  "                    forward); optional with -o FILE.csv|.json|.html\n"
	  "  -o, --output FILE write FILE (private, mode 0600) instead of standard output\n"
	  "  --bom             CSV only: start with a byte-order mark so Excel reads UTF-8\n"
	  "\n"
	  "One row per attending: name, title, specialty, department, hospital, city, state,\n"
	  "email, first sent, steps sent, last sent, status, reply label, reply date, days to\n"
	  "reply, reply snippet, conditions of an offer, bounce reason, return date, note.\n"
	  "CSV cells that a spreadsheet would run as a formula are neutralised. The HTML page\n"
	  "has summary figures, the offers with their conditions and reply text, charts and\n"
	  "the tracker; it needs no network and runs no script.\n" },
	{ "schedule", cmd_schedule, "[--campaign NAME]",
	  "every upcoming send, in your time and theirs, and why", "" },
	{ "pause", cmd_pause, "[--campaign NAME] [--contact EMAIL]",
	  "hold a campaign, or one contact in it, until 'outreach resume'", "" },
	{ "resume", cmd_resume, "[--campaign NAME] [--contact EMAIL]",
	  "let a paused campaign or contact go again", "" },
	{ "resolve", cmd_resolve, "EMAIL sent|resend",
	  "settle by hand a message whose delivery is in doubt",
	  "'sent' records it as delivered; 'resend' queues it for the next 'outreach send'.\n"
	  "'outreach send --resolve' first looks for such messages in your Sent folder.\n" },
};

const struct command *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int cmd_help(const struct command *c)
{
	printf("usage: outreach %s %s\n\n%s.\n", c->name, c->usage, c->summary);
	if (c->help && *c->help)
		printf("\n%s", c->help);
	return 0;
}

int cmd_help_name(const char *name)
{
	const struct command *c = cmd_find(name);
	if (!c) {
		log_error("'%s' is not an outreach command; see 'outreach --help'", name);
		return EX_USAGE;
	}
	return cmd_help(c);
}

void cmd_getopt_reset(void)
{
	optind = 0; /* 0, not 1: makes GNU getopt re-initialise completely */
	opterr = 0;
}

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "outreach %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	const struct command *c = cmd_find(name);
	fprintf(stderr, "\nusage: outreach %s %s (see 'outreach help %s')\n", name,
		c ? c->usage : "", name);
	return EX_USAGE;
}

int cmd_opt_error(const char *name, int argc, char **argv, const char *shortopts)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	if (optopt && strchr(shortopts, optopt) && strchr(shortopts, optopt)[1] == ':')
		return cmd_usage_error(name, "option '-%c' needs a value", optopt);
	if (optopt && !strchr(shortopts, optopt))
		return cmd_usage_error(name, "unknown option '-%c'", optopt);
	if (strncmp(arg, "--", 2) == 0 && !strchr(arg, '='))
		return cmd_usage_error(name, "unknown option '%s', or it needs a value", arg);
	return cmd_usage_error(name, "unknown option '%s'", arg);
}

int cmd_fail(const struct err *e)
{
	log_error("%s", e->msg);
	return err_exit_code(e->cls);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: outreach [-C DIR] [-v | -q] COMMAND [ARGS]\n"
		"       outreach --help | --version | help COMMAND\n\n"
		"Run a cold-email campaign end to end from your own mail account.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  -C DIR       use the workspace at DIR (default: search upwards from here)\n"
		"  -v           verbose: one key=value line per event (twice: protocol traces)\n"
		"  -q           quiet: errors only\n"
		"  --help       this text; 'outreach help COMMAND' for a command\n"
		"  --version    print the version\n\n"
		"See outreach(1) for configuration, exit codes and files.\n");
}

static int run(int argc, char **argv);

/* stdout is data: a failed write (a full disk, a closed pipe) is an error, for every
 * command including --help and --version. */
int main(int argc, char **argv)
{
	/* The process may hold the mail password for a while: no core file to leave it in,
	 * and no other process of the same user may read this one's memory (ptrace). */
	struct rlimit nocore = { 0, 0 };
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int rc = run(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("cannot write to standard output");
		return rc ? rc : EX_IOERR;
	}
	return rc;
}

static int run(int argc, char **argv)
{
	struct cmd_ctx ctx = { NULL, 0 };
	int i = 1;

	setlocale(LC_CTYPE, "C.UTF-8");
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("outreach %s\n", OUTREACH_VERSION);
			return 0;
		} else if (!strcmp(a, "-C")) {
			if (++i >= argc) {
				log_error("option '-C' needs a directory\nusage: outreach [-C DIR] COMMAND (see 'outreach --help')");
				return EX_USAGE;
			}
			ctx.dir = argv[i];
		} else if (!strncmp(a, "-C", 2)) {
			ctx.dir = a + 2;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			ctx.verbosity++;
		} else if (!strcmp(a, "-vv")) {
			ctx.verbosity += 2;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			ctx.verbosity = -1;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			log_error("unknown option '%s'\nusage: outreach [-C DIR] [-v | -q] COMMAND [ARGS] (see 'outreach --help')", a);
			return EX_USAGE;
		}
	}
	log_set_level(ctx.verbosity);
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		return cmd_help_name(argv[i + 1]);
	}
	const struct command *c = cmd_find(name);
	if (!c) {
		log_error("'%s' is not an outreach command; see 'outreach --help'", name);
		return EX_USAGE;
	}
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	for (int k = 1; k < sub_argc; k++) {
		if (!strcmp(sub_argv[k], "--"))
			break;
		if (!strcmp(sub_argv[k], "--help"))
			return cmd_help(c);
	}
	cmd_getopt_reset();
	return c->fn(sub_argc, sub_argv, &ctx);
}
