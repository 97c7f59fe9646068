/* ws: the workspace — a directory with outreach.conf and a private state directory,
 * found by walking up from the current directory (like git) or given with -C. */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "util.h"
#include "xalloc.h"

static int is_workspace(const char *dir)
{
	char *conf = path_join(dir, WS_CONF), *state = path_join(dir, WS_STATE_DIR);
	struct stat a, b;
	int ok = stat(conf, &a) == 0 && S_ISREG(a.st_mode) && stat(state, &b) == 0 && S_ISDIR(b.st_mode);
	free(conf), free(state);
	return ok;
}

int ws_find(const char *start, char **root, struct err *e)
{
	char *dir = realpath(start ? start : ".", NULL);
	if (!dir)
		return err_set(e, ERR_USAGE, errno, "cannot use directory '%s': %s", start ? start : ".", strerror(errno));
	for (;;) {
		if (is_workspace(dir)) {
			*root = dir;
			return 0;
		}
		if (!strcmp(dir, "/"))
			break;
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
	free(dir);
	return err_set(e, ERR_USAGE, 0,
		       "not an outreach workspace (no %s and %s/ here or in any parent directory); "
		       "run 'outreach init' or use -C DIR", WS_CONF, WS_STATE_DIR);
}

int ws_open(const struct cmd_ctx *ctx, unsigned flags, struct ws **out, struct err *e)
{
	char *root;
	if (ws_find(ctx->dir, &root, e) < 0)
		return -1;
	struct ws *w = xcalloc(1, sizeof *w);
	w->lock_fd = -1;
	w->root = root;
	w->conf_path = path_join(root, WS_CONF);
	w->state_dir = path_join(root, WS_STATE_DIR);
	w->db_path = path_join(w->state_dir, WS_DB);
	if ((flags & WS_NEED_CONFIG) && config_load(w->conf_path, &w->cfg, e) < 0)
		goto fail;
	if ((flags & WS_NEED_STORE) && store_open(w->db_path, false, &w->st, e) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	ws_close(w);
	return -1;
}

void ws_close(struct ws *w)
{
	if (!w)
		return;
	store_close(w->st);
	config_free(w->cfg);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->root), free(w->conf_path), free(w->state_dir), free(w->db_path);
	free(w);
}

int ws_lock(struct ws *w, const char *what, struct err *e)
{
	if (w->lock_fd >= 0)
		return 0;
	char *path = path_join(w->state_dir, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_set(e, ERR_IO, errno, "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char holder[128] = "";
		ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
		holder[n > 0 ? n : 0] = '\0';
		str_trim(holder);
		close(fd);
		free(path);
		return err_set(e, ERR_TEMP, 0, "another outreach is already %s in this workspace%s%s%s; "
			       "wait for it to finish or stop it first", *holder ? "running" : "working",
			       *holder ? " (" : "", holder, *holder ? ")" : "");
	}
	char info[128];
	int n = snprintf(info, sizeof info, "pid %ld, %s\n", (long)getpid(), what);
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!pwrite(fd, info, (size_t)n, 0);
	free(path);
	w->lock_fd = fd;
	return 0;
}
