/* secret: the account password or OAuth2 token — fetched only when a connection needs it,
 * never stored, logged, or passed to a child process; zeroed after use. */
#include "secret.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

#define SECRET_MAX 8192
#define COMMAND_TIMEOUT 60

void secret_release(struct secret *s)
{
	if (s->value) {
		xzero(s->value, strlen(s->value));
		free(s->value);
	}
	s->value = NULL;
}

int secret_command(const char *cmd, const char *what, char **out, struct err *e)
{
	int fd[2];
	if (pipe(fd) < 0)
		return err_set(e, ERR_IO, errno, "%s: cannot create a pipe: %s", what, strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]), close(fd[1]);
		return err_set(e, ERR_IO, errno, "%s: cannot start it: %s", what, strerror(errno));
	}
	if (pid == 0) {
		/* the child must not inherit a secret through its environment */
		unsetenv("OUTREACH_PASSWORD");
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]), close(fd[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	struct buf b = BUF_INIT(SECRET_MAX);
	bool too_big = false, timed_out = false;
	double deadline = clock_mono() + COMMAND_TIMEOUT;
	for (;;) {
		struct pollfd p = { fd[0], POLLIN, 0 };
		int left = (int)((deadline - clock_mono()) * 1000);
		if (clock_is_fake())
			left = COMMAND_TIMEOUT * 1000;
		if (left <= 0 || poll(&p, 1, left) == 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		char chunk[512];
		ssize_t n = read(fd[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) < 0)
			too_big = true;
		xzero(chunk, sizeof chunk);
	}
	close(fd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = 0;
	if (timed_out)
		rc = err_set(e, ERR_CONFIG, 0, "%s did not finish within %d seconds", what, COMMAND_TIMEOUT);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = err_set(e, ERR_CONFIG, 0, "%s failed (%s %d)", what,
			     WIFEXITED(status) ? "exit status" : "signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	else if (too_big)
		rc = err_set(e, ERR_CONFIG, 0, "%s printed more than %d bytes", what, SECRET_MAX);
	if (rc == 0) {
		/* one line: trailing CR/LF removed; anything after that line is a mistake */
		size_t n = b.len;
		while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
			n--;
		if (n == 0)
			rc = err_set(e, ERR_CONFIG, 0, "%s printed nothing", what);
		else if (mem_has_crlf_nul(b.data, n))
			rc = err_set(e, ERR_CONFIG, 0, "%s printed more than one line; it must print only the secret", what);
		else
			*out = xstrndup(b.data, n);
	}
	buf_release_secret(&b);
	return rc;
}

char *secret_url_host(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	if (*p == '[') {
		const char *end = strchr(p, ']');
		return end ? xstrndup(p + 1, (size_t)(end - p - 1)) : xstrdup(p);
	}
	size_t n = strcspn(p, ":/");
	return xstrndup(p, n);
}

/* netrc tokens are separated by any whitespace; "machine", "login", "password", "default"
 * and "macdef" (skipped to the next blank line) as in ftp(1) and curl. */
static char *next_token(char **p)
{
	char *s = *p;
	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *t = s;
	if (*s == '"') {
		t = ++s;
		while (*s && *s != '"')
			s++;
	} else {
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	if (*s)
		*s++ = '\0';
	*p = s;
	return t;
}

int secret_netrc(const char *path, const char *host, const char *user, char **password, struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	struct buf b = BUF_INIT(1 << 20);
	if (read_file(path, 1 << 20, &b, e) < 0) {
		buf_release_secret(&b);
		return -1;
	}
	if (st.st_mode & 077) {
		buf_release_secret(&b);
		return err_set(e, ERR_CONFIG, 0, "%s is readable by others; run 'chmod 600 %s'", path, path);
	}
	char empty[1] = "";
	char *p = b.data ? b.data : empty;
	int found = 0;
	bool in_match = false;
	char *login = NULL, *pass = NULL;
	for (char *t; !found && (t = next_token(&p));) {
		if (!strcmp(t, "machine") || !strcmp(t, "default")) {
			if (in_match && pass && (!login || !strcmp(login, user)))
				found = 1;
			else {
				char *m = !strcmp(t, "default") ? NULL : next_token(&p);
				in_match = !strcmp(t, "default") || (m && !strcasecmp(m, host));
				login = pass = NULL;
			}
		} else if (!strcmp(t, "login")) {
			login = next_token(&p);
		} else if (!strcmp(t, "password")) {
			pass = next_token(&p);
		} else if (!strcmp(t, "macdef")) {
			char *end = strstr(p, "\n\n");
			p = end ? end + 2 : p + strlen(p);
		}
	}
	if (!found && in_match && pass && (!login || !strcmp(login, user)))
		found = 1;
	if (found)
		*password = xstrdup(pass);
	buf_release_secret(&b);
	return found;
}

int secret_get(const struct config *c, const char *host, struct secret *out, struct err *e)
{
	const struct config_account *a = &c->account;
	memset(out, 0, sizeof *out);
	if (a->oauth2_token_command) {
		out->oauth = true;
		out->source = "oauth2_token_command";
		return secret_command(a->oauth2_token_command, "oauth2_token_command", &out->value, e);
	}
	if (a->password_command) {
		out->source = "password_command";
		return secret_command(a->password_command, "password_command", &out->value, e);
	}
	if (a->has_password) {
		out->source = "outreach.conf";
		out->value = config_literal_password(c, e);
		return out->value ? 0 : err_set(e, ERR_CONFIG, 0, "cannot read the password from %s", c->path);
	}
	const char *env = getenv("OUTREACH_PASSWORD");
	if (env && *env) {
		out->source = "OUTREACH_PASSWORD";
		out->value = xstrdup(env);
		return 0;
	}
	const char *home = getenv("HOME");
	if (home) {
		char *path = xasprintf("%s/.netrc", home);
		int r = secret_netrc(path, host, a->user, &out->value, e);
		free(path);
		if (r < 0)
			return -1;
		if (r > 0) {
			out->source = "~/.netrc";
			return 0;
		}
	}
	return err_set(e, ERR_CONFIG, 0,
		       "no password for %s at %s: set password_command in %s, the OUTREACH_PASSWORD environment "
		       "variable, or a 'machine %s login %s password ...' line in ~/.netrc",
		       a->user, host, c->path, host, a->user);
}
