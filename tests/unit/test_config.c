/* Unit tests for config: typed keys, defaults, and file:line errors for every kind of mistake. */
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

#include "config.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

static char dir[] = "/tmp/outreach-test-config.XXXXXX";

static char *write_conf(const char *text, mode_t mode)
{
	char *path = xasprintf("%s/outreach.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

#define ACCOUNT "[account]\nfrom = Amina Rahman <amina@example.com>\nsmtp_url = smtps://smtp.example.com\n"

static void test_good(void **state)
{
	(void)state;
	char *path = write_conf("# comment\n" ACCOUNT
				"imap_url = imaps://imap.example.com:993\n"
				"timezone = Asia/Karachi\n"
				"window = Mon-Fri 08:30-16:30\n"
				"rate = 20/hour\n"
				"gap = 45s..120s\n"
				"folders = INBOX, Junk\n"
				"daily_limit = 40\n"
				"insecure = no\n"
				"[campaign obs-2027]\n"
				"template = templates/a.md\n"
				"followup = 7 business days: templates/f1.md\n"
				"followup = 14 business days : templates/f2.md\n"
				"attachment = a.pdf, b.pdf\n"
				"var.dates = March to June\n"
				"stop_scope = department\n", 0644);
	struct config *c = NULL;
	struct err e = { 0 };
	if (config_load(path, &c, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(c->account.from_name, "Amina Rahman");
	assert_string_equal(c->account.from_addr, "amina@example.com");
	assert_string_equal(c->account.user, "amina@example.com"); /* default */
	assert_string_equal(c->account.transport, "smtp");
	assert_int_equal(c->account.nfolders, 2);
	assert_string_equal(c->account.folders[1], "Junk");
	assert_int_equal(c->account.daily_limit, 40);
	assert_int_equal(c->account.save_sent, SAVE_SENT_AUTO);
	assert_int_equal(c->ncampaigns, 1);
	const struct config_campaign *k = config_campaign(c, NULL, &e);
	assert_non_null(k);
	assert_string_equal(k->name, "obs-2027");
	assert_int_equal(k->nfollowups, 2);
	assert_string_equal(k->followups[1].delay, "14 business days");
	assert_string_equal(k->followups[1].template, "templates/f2.md");
	assert_int_equal(k->followups[1].loc.line, 16);
	assert_int_equal(k->nattachments, 2);
	assert_string_equal(k->vars[0].name, "dates");
	assert_int_equal(k->stop_scope, STOP_DEPARTMENT);
	assert_true(k->skip_holidays);
	assert_null(config_campaign(c, "nope", &e));
	assert_int_equal(e.cls, ERR_USAGE);
	char *p = config_path(c, "templates/a.md");
	assert_true(str_ends_with(p, "/templates/a.md"));
	free(p);
	config_free(c);
	free(path);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *text; const char *msg; } t[] = {
		{ ACCOUNT "colour = blue\n", "outreach.conf:4: [account] unknown key 'colour'" },
		{ ACCOUNT "[campaign x]\ntemplate = a.md\nwindoe = Mon\n", "outreach.conf:6: [campaign x] unknown key 'windoe'" },
		{ ACCOUNT "[sending]\nrate = 1\n", "outreach.conf:4: unknown section [sending]" },
		{ "from = a@example.com\n", "outreach.conf:1: a key outside any section" },
		{ ACCOUNT "this line is wrong\n", "outreach.conf:4: expected 'key = value'" },
		{ "[account]\nsmtp_url = smtps://x.example.com\n", "no [account] section" /* never */ },
		{ ACCOUNT "smtp_url = smtps://b.example.com\n", "outreach.conf:4: [account] smtp_url: given twice" },
		{ "[account]\nfrom = Amina <amina@>\n", "outreach.conf:2: [account] from: invalid address 'amina@'" },
		{ "[account]\nfrom = amina@example.com\nsmtp_url = http://x\n", "outreach.conf:3: [account] smtp_url: expected a URL starting with smtp:// or smtps://" },
		{ "[account]\nfrom = amina@example.com\nsmtp_url = smtps://u:p@x.example.com\n", "put the user name in 'user'" },
		{ ACCOUNT "daily_limit = lots\n", "outreach.conf:4: [account] daily_limit: expected a whole number" },
		{ ACCOUNT "insecure = maybe\n", "outreach.conf:4: [account] insecure: expected yes or no" },
		{ ACCOUNT "[campaign a b]\n", "outreach.conf:4: invalid campaign name 'a b'" },
		{ ACCOUNT "[campaign x]\nfollowup = 7 days\n", "outreach.conf:5: [campaign x] followup: expected 'DELAY: TEMPLATE'" },
		{ ACCOUNT "[campaign x]\ncontacts = c.csv\n", "outreach.conf:4: [campaign x] needs 'template" },
		{ ACCOUNT "[campaign x]\ntemplate = a\n[campaign x]\ntemplate = b\n", "section [campaign x] appears twice" },
		{ ACCOUNT "[campaign x]\ntemplate = a\nvar.Bad Name = 1\n", "variable names use lower-case" },
		{ ACCOUNT "password_command = pass x\npassword = hunter2\n", "give either password or password_command" },
		{ "[account]\n", "outreach.conf:1: [account] needs 'from" },
		{ ACCOUNT "window = Mon-Fry 08:30-16:30\n", "outreach.conf:4: [account] window: invalid window" },
		{ ACCOUNT "rate = 20 per fortnight\n", "outreach.conf:4: [account] rate:" },
		{ ACCOUNT "gap = soon\n", "outreach.conf:4: [account] gap:" },
		{ ACCOUNT "timezone = Mars/Olympus\n", "outreach.conf:4: [account] timezone: unknown time zone" },
		{ ACCOUNT "timezone = ../../etc/passwd\n", "unknown time zone" },
		{ ACCOUNT "[campaign x]\ntemplate = a\nfollowup = 7 fortnights: f.md\n", "outreach.conf:6: [campaign x] followup:" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *path = write_conf(t[i].text, 0600);
		struct config *c = NULL;
		struct err e = { 0 };
		int rc = config_load(path, &c, &e);
		if (i == 5) { /* from missing: message names it */
			assert_int_equal(rc, -1);
			assert_non_null(strstr(e.msg, "needs 'from"));
			free(path);
			continue;
		}
		if (rc == 0)
			fail_msg("case %zu accepted", i);
		assert_int_equal(e.cls, ERR_CONFIG);
		if (!strstr(e.msg, t[i].msg))
			fail_msg("case %zu: '%s' does not contain '%s'", i, e.msg, t[i].msg);
		free(path);
	}
}

static void test_password_permissions(void **state)
{
	(void)state;
	char *path = write_conf(ACCOUNT "password = hunter2\n", 0644);
	struct config *c = NULL;
	struct err e = { 0 };
	assert_int_equal(config_load(path, &c, &e), -1);
	assert_non_null(strstr(e.msg, "others can read it"));
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_null(strstr(e.msg, "hunter2"));
	chmod(path, 0600);
	if (config_load(path, &c, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(c->account.has_password);
	char *pw = config_literal_password(c, &e);
	assert_string_equal(pw, "hunter2");
	free(pw);
	config_free(c);
	free(path);
}

static void test_long_line(void **state)
{
	(void)state;
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *text = xasprintf(ACCOUNT "[campaign x]\ntemplate = a\nvar.long = %s\n", big);
	char *path = write_conf(text, 0600);
	struct config *c = NULL;
	struct err e = { 0 };
	assert_int_equal(config_load(path, &c, &e), -1);
	assert_non_null(strstr(e.msg, "outreach.conf:6: line too long"));
	free(text), free(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char *p = xasprintf("%s/outreach.conf", dir);
	unlink(p);
	free(p);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_password_permissions),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
