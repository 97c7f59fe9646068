/* secret: the account password or OAuth2 token — fetched only when a connection needs it,
 * never stored, logged, or passed to a child process; zeroed after use. */
#ifndef OUTREACH_SECRET_H
#define OUTREACH_SECRET_H
#include <stdbool.h>

struct config;
struct err;

struct secret {
	char *value;         /* NUL-terminated; secret_release zeroes it */
	bool oauth;          /* an OAuth2 bearer token rather than a password */
	const char *source;  /* "password_command", "OUTREACH_PASSWORD", "~/.netrc"... */
};

/*
 * Get the secret for logging in to host (the server in smtp_url or imap_url), in this
 * order: oauth2_token_command, password_command, password in outreach.conf,
 * the OUTREACH_PASSWORD environment variable, ~/.netrc ("machine HOST login USER").
 * ERR_CONFIG when none gives one, or a command fails, prints nothing, or prints several
 * lines. Blocks while a command runs (at most 60 s).
 */
int secret_get(const struct config *c, const char *host, struct secret *out, struct err *e);
void secret_release(struct secret *s);
/* Run a command through /bin/sh and return its first line of output (trailing newline
 * removed). The child gets no OUTREACH_PASSWORD in its environment. */
int secret_command(const char *cmd, const char *what, char **out, struct err *e);
/* Host part of a URL ("smtps://[::1]:465/x" -> "::1"). Caller frees. */
char *secret_url_host(const char *url);
/* Look up host/user in a netrc file (exposed for tests). 1 found, 0 not, -1 error. */
int secret_netrc(const char *path, const char *host, const char *user, char **password, struct err *e);

#endif
