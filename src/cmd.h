/* cmd: the command table and what every cmd_<name>() shares (options, help, exit codes). */
#ifndef OUTREACH_CMD_H
#define OUTREACH_CMD_H
#include <getopt.h>
#include <sysexits.h>

struct err;

struct cmd_ctx {
	const char *dir;  /* -C DIR, or NULL: find the workspace from the current directory */
	int verbosity;    /* -q = -1, default 0, -v = 1, -vv = 2 */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cmd_ctx *ctx);
	const char *usage;   /* arguments after the command name */
	const char *summary; /* one line */
	const char *help;    /* options and details, already formatted */
};

const struct command *cmd_find(const char *name);
/* Print "usage: outreach NAME USAGE" plus summary and help to stdout. Returns 0. */
int cmd_help(const struct command *c);
/* Look up the command by name and print its help. */
int cmd_help_name(const char *name);
/* For a getopt_long '?' or ':' result: print a one-line error and a usage hint on stderr.
 * Returns EX_USAGE. */
int cmd_opt_error(const char *name, int argc, char **argv, const char *shortopts);
/* Print "outreach NAME: MSG" and the usage hint; returns EX_USAGE. */
int cmd_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print an error's message and return the exit code of its class. */
int cmd_fail(const struct err *e);
/* Reset getopt before a command parses its own options. */
void cmd_getopt_reset(void);

/* The commands, one file each. */
int cmd_init(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_import(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_contacts(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_suppress(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_config(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_lint(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_preview(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_send(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_replies(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_mark(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_resolve(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_schedule(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_poll(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_run(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_ingest(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_classify(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_pause(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_resume(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_status(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_report(int argc, char **argv, struct cmd_ctx *ctx);

#endif
