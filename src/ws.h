/* ws: the workspace — a directory with outreach.conf and a private state directory,
 * found by walking up from the current directory (like git) or given with -C. */
#ifndef OUTREACH_WS_H
#define OUTREACH_WS_H

struct cmd_ctx;
struct config;
struct err;
struct store;

#define WS_CONF "outreach.conf"
#define WS_STATE_DIR ".outreach"
#define WS_DB "outreach.db"

struct ws {
	char *root;       /* absolute path of the workspace */
	char *conf_path;  /* root/outreach.conf */
	char *state_dir;  /* root/.outreach */
	char *db_path;    /* root/.outreach/outreach.db */
	struct config *cfg;
	struct store *st;
	int lock_fd;      /* -1 unless ws_lock succeeded */
};

enum {
	WS_NEED_CONFIG = 1 << 0, /* load and validate outreach.conf */
	WS_NEED_STORE = 1 << 1,  /* open the database (and recover from an interrupted send) */
};

/* Find the workspace from ctx->dir or the current directory upwards. ERR_USAGE when there
 * is none ("not an outreach workspace ..."). *root is the caller's. */
int ws_find(const char *start, char **root, struct err *e);
/* Find and open. On success *out is the caller's (ws_close). */
int ws_open(const struct cmd_ctx *ctx, unsigned flags, struct ws **out, struct err *e);
void ws_close(struct ws *w);
/*
 * Take the workspace's exclusive lock (for 'send' and 'run': one sender per workspace).
 * ERR_TEMP with "another outreach (pid N) is running 'send' in this workspace" when held.
 */
int ws_lock(struct ws *w, const char *what, struct err *e);

#endif
