/* Unit tests for secret: commands, the child's environment, netrc lookup, URL hosts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "secret.h"
#include "util.h"
#include "xalloc.h"

static void test_command(void **state)
{
	(void)state;
	static const struct { const char *cmd, *out, *err; } t[] = {
		{ "printf 'hunter2\\n'", "hunter2", NULL },
		{ "printf 'with space\\r\\n'", "with space", NULL },
		{ "printf 'no-newline'", "no-newline", NULL },
		{ "exit 3", NULL, "failed (exit status 3)" },
		{ "printf ''", NULL, "printed nothing" },
		{ "printf 'a\\nb\\n'", NULL, "more than one line" },
		{ "printf %s \"${OUTREACH_PASSWORD:-not-inherited}\"", "not-inherited", NULL },
		{ "head -c 10000 /dev/zero | tr '\\0' a", NULL, "more than 8192 bytes" },
	};
	setenv("OUTREACH_PASSWORD", "leak-me", 1);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *out = NULL;
		struct err e = { 0 };
		int rc = secret_command(t[i].cmd, "password_command", &out, &e);
		if (t[i].out) {
			if (rc)
				fail_msg("%s: %s", t[i].cmd, e.msg);
			assert_string_equal(out, t[i].out);
		} else {
			assert_int_equal(rc, -1);
			if (!strstr(e.msg, t[i].err))
				fail_msg("%s: '%s' lacks '%s'", t[i].cmd, e.msg, t[i].err);
			assert_int_equal(e.cls, ERR_CONFIG);
		}
		free(out);
	}
	unsetenv("OUTREACH_PASSWORD");
}

static void test_netrc(void **state)
{
	(void)state;
	char path[] = "/tmp/outreach-netrc.XXXXXX";
	int fd = mkstemp(path);
	const char *text = "machine imap.example.com login other@example.com password wrong\n"
			   "machine smtp.example.com\n  login amina@example.com\n  password \"s3cret pw\"\n"
			   "macdef init\ncd /pub\n\n"
			   "default login anonymous password guest\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, 0600);
	static const struct { const char *host, *user, *pw; } t[] = {
		{ "smtp.example.com", "amina@example.com", "s3cret pw" },
		{ "SMTP.example.com", "amina@example.com", "s3cret pw" },
		{ "imap.example.com", "amina@example.com", NULL },
		{ "other.example.com", "anonymous", "guest" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *pw = NULL;
		struct err e = { 0 };
		int r = secret_netrc(path, t[i].host, t[i].user, &pw, &e);
		if (t[i].pw) {
			assert_int_equal(r, 1);
			assert_string_equal(pw, t[i].pw);
		} else {
			assert_int_equal(r, 0);
		}
		free(pw);
	}
	chmod(path, 0644);
	char *pw = NULL;
	struct err e = { 0 };
	assert_int_equal(secret_netrc(path, "smtp.example.com", "amina@example.com", &pw, &e), -1);
	assert_non_null(strstr(e.msg, "readable by others"));
	unlink(path);
	assert_int_equal(secret_netrc(path, "x", "y", &pw, &e), 0); /* missing file: nothing */
}

static void test_url_host(void **state)
{
	(void)state;
	static const struct { const char *url, *host; } t[] = {
		{ "smtps://smtp.example.com:465", "smtp.example.com" },
		{ "smtp://127.0.0.1:2525/ehlo", "127.0.0.1" },
		{ "imaps://[::1]:993", "::1" },
		{ "imap://imap.example.com", "imap.example.com" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *h = secret_url_host(t[i].url);
		assert_string_equal(h, t[i].host);
		free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_netrc),
		cmocka_unit_test(test_url_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
