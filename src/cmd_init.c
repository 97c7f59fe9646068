/* cmd_init: create a workspace — sample config, templates, contacts, CV, and the database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "embed.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct created {
	char **paths;
	size_t n, cap;
};

static void remember(struct created *c, char *path)
{
	c->paths = xgrow(c->paths, &c->cap, c->n + 1, sizeof *c->paths);
	c->paths[c->n++] = path;
}

/* Undo a half-done init: remove what this run created, newest first. */
static void undo(struct created *c)
{
	for (size_t i = c->n; i-- > 0;)
		if (remove(c->paths[i]) < 0 && errno != ENOENT)
			log_warn("could not remove '%s': %s", c->paths[i], strerror(errno));
}

static int make_dir(struct created *c, const char *path, struct err *e)
{
	if (mkdir(path, 0700) == 0) {
		remember(c, xstrdup(path));
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return err_set(e, ERR_IO, errno, "cannot create directory '%s': %s", path, strerror(errno));
}

int cmd_init(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "+", longopts, NULL) != -1)
		return cmd_opt_error("init", argc, argv, "");
	if (argc - optind > 1)
		return cmd_usage_error("init", "too many arguments");
	const char *target = optind < argc ? argv[optind] : (ctx->dir ? ctx->dir : ".");

	struct err e = { 0 };
	struct created made = { 0 };
	int rc = 0;
	char *conf = path_join(target, WS_CONF), *state = path_join(target, WS_STATE_DIR);
	if (access(conf, F_OK) == 0 || access(state, F_OK) == 0) {
		log_error("'%s' is already an outreach workspace (%s exists); nothing was changed", target,
			  access(conf, F_OK) == 0 ? WS_CONF : WS_STATE_DIR "/");
		free(conf), free(state);
		return EX_CANTCREAT;
	}
	/* the workspace holds contacts, replies and maybe a CV: private by default */
	struct stat st;
	if (stat(target, &st) < 0) {
		if (mkdir_p(target, 0700, &e) < 0)
			goto fail;
		remember(&made, xstrdup(target));
	}
	if (make_dir(&made, state, &e) < 0)
		goto fail;

	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];
		char *path = path_join(target, f->path);
		char *dir = path_dirname(path);
		if (strcmp(dir, target) != 0 && make_dir(&made, dir, &e) < 0) {
			free(dir), free(path);
			goto fail;
		}
		free(dir);
		if (access(path, F_OK) == 0) {
			log_info("kept the existing %s", f->path);
			free(path);
			continue;
		}
		if (write_file_atomic(path, f->data, embedded_len(f), f->mode, &e) < 0) {
			free(path);
			goto fail;
		}
		remember(&made, path);
	}
	char *db = path_join(state, WS_DB);
	struct store *s;
	remember(&made, xasprintf("%s-wal", db));
	remember(&made, xasprintf("%s-shm", db));
	if (store_open(db, true, &s, &e) < 0) {
		remember(&made, db);
		goto fail;
	}
	store_close(s);
	remember(&made, db);

	log_info("Created an outreach workspace in %s\n"
		 "\n"
		 "Next steps:\n"
		 "  1. Edit outreach.conf: your address, your provider's servers, how to get the password.\n"
		 "  2. Put your CV in attachments/ and your contacts in contacts/ (a sample is there).\n"
		 "  3. outreach import contacts/attendings.csv --campaign observership\n"
		 "  4. outreach lint, outreach preview, then outreach send --dry-run",
		 target);
	goto out;
fail:
	undo(&made);
	rc = cmd_fail(&e);
	log_error("nothing was created");
out:
	for (size_t i = 0; i < made.n; i++)
		free(made.paths[i]);
	free(made.paths);
	free(conf), free(state);
	return rc;
}
