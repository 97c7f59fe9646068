/* config: outreach.conf (INI, read with inih) — every key known, typed, validated, with file:line. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "cal.h"
#include "buf.h"
#include "tz.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

#define CONFIG_MAX_LINE 1024  /* must stay below inih's INI_MAX_LINE handling: see reader */
#define CONFIG_MAX_ENTRIES 10000

struct entry {
	char *section;
	char *key;
	char *value;
	int line;
};

struct section {
	char *name;
	int line;
};

struct parse {
	FILE *f;
	const char *path;
	int line;           /* physical line last handed to inih */
	int overlong;       /* line number of a line too long for inih, 0 if none */
	int too_many;
	struct entry *entries;
	size_t n, cap;
	struct section *sections;
	size_t nsec, seccap;
};

/* inih reads through this so that we know the line of every key (the Debian build has no
 * INI_HANDLER_LINENO) and can refuse lines inih would silently split. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	if (p->overlong)
		return NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, p->f);
	if (n < 0) {
		free(line);
		return NULL;
	}
	p->line++;
	if (n >= num - 1 || n > CONFIG_MAX_LINE) {
		p->overlong = p->line;
		free(line);
		return NULL;
	}
	memcpy(str, line, (size_t)n + 1);
	/* remember where each section starts, including sections without keys */
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	if (p->line == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf)
		s += 3;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (end) {
			p->sections = xgrow(p->sections, &p->seccap, p->nsec + 1, sizeof *p->sections);
			char *name = xstrndup(s + 1, (size_t)(end - s - 1));
			p->sections[p->nsec].name = str_trim(name);
			p->sections[p->nsec].line = p->line;
			p->nsec++;
		}
	}
	free(line);
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	if (p->n >= CONFIG_MAX_ENTRIES) {
		p->too_many = 1;
		return 0;
	}
	p->entries = xgrow(p->entries, &p->cap, p->n + 1, sizeof *p->entries);
	struct entry *en = &p->entries[p->n++];
	en->section = xstrdup(section);
	en->key = xstrdup(name);
	en->value = xstrdup(value);
	en->line = p->line;
	return 1;
}

/* ---------------------------------------------------------------- typed values */

struct ctx {
	struct config *c;
	const char *path;
	struct err *e;
	struct parse *p;
};

static int bad(struct ctx *x, const struct entry *en, const char *section_label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(struct ctx *x, const struct entry *en, const char *section_label, const char *fmt, ...)
{
	char what[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [%s] %s: %s", x->path, en->line, section_label, en->key, what);
}

static int set_str(struct ctx *x, const struct entry *en, const char *sec, char **dst)
{
	if (*dst)
		return bad(x, en, sec, "given twice (this key takes one value)");
	if (!*en->value)
		return bad(x, en, sec, "empty value; remove the line or give a value");
	if (mem_has_crlf_nul(en->value, strlen(en->value)))
		return bad(x, en, sec, "control characters are not allowed");
	*dst = xstrdup(en->value);
	return 0;
}

static int set_bool(struct ctx *x, const struct entry *en, const char *sec, bool *dst)
{
	const char *v = en->value;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*dst = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		*dst = false;
	else
		return bad(x, en, sec, "expected yes or no, got '%s'", v);
	return 0;
}

static int set_long(struct ctx *x, const struct entry *en, const char *sec, long *dst, long min, long max)
{
	if (parse_long(en->value, min, max, dst) < 0)
		return bad(x, en, sec, "expected a whole number from %ld to %ld, got '%s'", min, max, en->value);
	return 0;
}

static int add_list(struct ctx *x, const struct entry *en, const char *sec, char ***list, size_t *n)
{
	/* comma-separated, and the key may repeat */
	char *copy = xstrdup(en->value);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		str_trim(tok);
		if (!*tok)
			continue;
		if (mem_has_crlf_nul(tok, strlen(tok))) {
			free(copy);
			return bad(x, en, sec, "control characters are not allowed");
		}
		size_t cap = *n;
		*list = xgrow(*list, &cap, *n + 1, sizeof **list);
		(*list)[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return 0;
}

static int check_url(struct ctx *x, const struct entry *en, const char *sec, const char *const *schemes)
{
	const char *v = en->value;
	const char *sep = strstr(v, "://");
	bool ok = false;
	for (const char *const *s = schemes; *s; s++)
		if (sep && (size_t)(sep - v) == strlen(*s) && strncasecmp(v, *s, strlen(*s)) == 0)
			ok = true;
	if (!ok) {
		struct buf b = BUF_INIT(256);
		for (const char *const *s = schemes; *s; s++)
			buf_printf(&b, "%s%s://", s == schemes ? "" : " or ", *s);
		int r = bad(x, en, sec, "expected a URL starting with %s, got '%s'", buf_str(&b), v);
		buf_release(&b);
		return r;
	}
	const char *host = sep + 3;
	if (!*host || *host == '/' || *host == ':')
		return bad(x, en, sec, "the URL '%s' has no host name", v);
	if (strchr(host, '@'))
		return bad(x, en, sec, "put the user name in 'user', not in the URL (a password in a URL would leak)");
	if (strchr(v, ' '))
		return bad(x, en, sec, "the URL '%s' contains a space", v);
	return 0;
}

/* ---------------------------------------------------------------- sections */

static int account_key(struct ctx *x, const struct entry *en)
{
	struct config_account *a = &x->c->account;
	const char *k = en->key;
	const char *S = "account";
	static const char *const smtp_schemes[] = { "smtp", "smtps", NULL };
	static const char *const imap_schemes[] = { "imap", "imaps", NULL };

	if (!strcmp(k, "from")) {
		if (a->from_addr)
			return bad(x, en, S, "given twice (this key takes one value)");
		struct err e2;
		if (config_parse_mailbox(en->value, &a->from_name, &a->from_addr, &e2) < 0)
			return bad(x, en, S, "%s", e2.msg);
		a->loc_from.line = en->line;
	} else if (!strcmp(k, "smtp_url")) {
		if (check_url(x, en, S, smtp_schemes) < 0 || set_str(x, en, S, &a->smtp_url) < 0)
			return -1;
		a->loc_smtp_url.line = en->line;
	} else if (!strcmp(k, "imap_url")) {
		if (check_url(x, en, S, imap_schemes) < 0 || set_str(x, en, S, &a->imap_url) < 0)
			return -1;
		a->loc_imap_url.line = en->line;
	} else if (!strcmp(k, "user")) {
		return set_str(x, en, S, &a->user);
	} else if (!strcmp(k, "password")) {
		if (a->has_password)
			return bad(x, en, S, "given twice (this key takes one value)");
		a->has_password = true;
		a->loc_password.line = en->line;
	} else if (!strcmp(k, "password_command")) {
		return set_str(x, en, S, &a->password_command);
	} else if (!strcmp(k, "oauth2_token_command")) {
		return set_str(x, en, S, &a->oauth2_token_command);
	} else if (!strcmp(k, "cafile")) {
		a->loc_cafile.line = en->line;
		return set_str(x, en, S, &a->cafile);
	} else if (!strcmp(k, "insecure")) {
		return set_bool(x, en, S, &a->insecure);
	} else if (!strcmp(k, "allow_plaintext")) {
		return set_bool(x, en, S, &a->allow_plaintext);
	} else if (!strcmp(k, "timezone")) {
		a->loc_timezone.line = en->line;
		return set_str(x, en, S, &a->timezone);
	} else if (!strcmp(k, "save_sent")) {
		if (!strcasecmp(en->value, "auto"))
			a->save_sent = SAVE_SENT_AUTO;
		else if (!strcasecmp(en->value, "yes"))
			a->save_sent = SAVE_SENT_YES;
		else if (!strcasecmp(en->value, "no"))
			a->save_sent = SAVE_SENT_NO;
		else
			return bad(x, en, S, "expected auto, yes or no, got '%s'", en->value);
	} else if (!strcmp(k, "sent_folder")) {
		return set_str(x, en, S, &a->sent_folder);
	} else if (!strcmp(k, "drafts_folder")) {
		return set_str(x, en, S, &a->drafts_folder);
	} else if (!strcmp(k, "folders")) {
		return add_list(x, en, S, &a->folders, &a->nfolders);
	} else if (!strcmp(k, "transport")) {
		if (strcmp(en->value, "smtp") != 0 && !(str_starts_with(en->value, "maildir:") && en->value[8]))
			return bad(x, en, S, "expected 'smtp' or 'maildir:PATH', got '%s'", en->value);
		a->loc_transport.line = en->line;
		free(a->transport);
		a->transport = NULL;
		return set_str(x, en, S, &a->transport);
	} else if (!strcmp(k, "rate")) {
		a->loc_rate.line = en->line;
		return set_str(x, en, S, &a->rate);
	} else if (!strcmp(k, "daily_limit")) {
		return set_long(x, en, S, &a->daily_limit, 0, 100000);
	} else if (!strcmp(k, "per_domain_daily_limit")) {
		return set_long(x, en, S, &a->per_domain_daily_limit, 0, 100000);
	} else if (!strcmp(k, "gap")) {
		a->loc_gap.line = en->line;
		return set_str(x, en, S, &a->gap);
	} else if (!strcmp(k, "window")) {
		a->loc_window.line = en->line;
		return set_str(x, en, S, &a->window);
	} else if (!strcmp(k, "skip_holidays")) {
		return set_bool(x, en, S, &a->skip_holidays);
	} else if (!strcmp(k, "rules")) {
		return set_str(x, en, S, &a->rules);
	} else if (!strcmp(k, "poll_interval")) {
		return set_long(x, en, S, &a->poll_interval, 10, 86400);
	} else if (!strcmp(k, "timeout")) {
		return set_long(x, en, S, &a->timeout, 1, 3600);
	} else if (!strcmp(k, "max_attempts")) {
		return set_long(x, en, S, &a->max_attempts, 1, 100);
	} else {
		return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [account] unknown key '%s' (see 'man outreach', CONFIGURATION)",
			       x->path, en->line, k);
	}
	return 0;
}

static struct config_campaign *campaign_for(struct ctx *x, const char *name, int line)
{
	struct config *c = x->c;
	for (size_t i = 0; i < c->ncampaigns; i++)
		if (!strcmp(c->campaigns[i].name, name))
			return &c->campaigns[i];
	size_t cap = c->ncampaigns;
	c->campaigns = xgrow(c->campaigns, &cap, c->ncampaigns + 1, sizeof *c->campaigns);
	struct config_campaign *k = &c->campaigns[c->ncampaigns++];
	memset(k, 0, sizeof *k);
	k->name = xstrdup(name);
	k->loc.line = line;
	k->stop_scope = STOP_INSTITUTION;
	k->skip_holidays = true;
	return k;
}

static int valid_campaign_name(const char *n)
{
	if (!*n || strlen(n) > 64)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return 1;
}

static int campaign_key(struct ctx *x, struct config_campaign *k, const struct entry *en)
{
	char label[96];
	snprintf(label, sizeof label, "campaign %s", k->name);
	const char *key = en->key;
	if (!strcmp(key, "contacts")) {
		return set_str(x, en, label, &k->contacts);
	} else if (!strcmp(key, "template")) {
		return set_str(x, en, label, &k->template);
	} else if (!strcmp(key, "followup")) {
		const char *colon = strchr(en->value, ':');
		if (!colon || colon == en->value || !colon[1])
			return bad(x, en, label, "expected 'DELAY: TEMPLATE', e.g. '7 business days: templates/followup-1.md', got '%s'", en->value);
		size_t cap = k->nfollowups;
		k->followups = xgrow(k->followups, &cap, k->nfollowups + 1, sizeof *k->followups);
		struct config_step *s = &k->followups[k->nfollowups++];
		s->delay = str_trim(xstrndup(en->value, (size_t)(colon - en->value)));
		s->template = str_trim(xstrdup(colon + 1));
		s->loc.line = en->line;
		if (!*s->template)
			return bad(x, en, label, "no template after ':'");
	} else if (!strcmp(key, "attachment") || !strcmp(key, "attachments")) {
		return add_list(x, en, label, &k->attachments, &k->nattachments);
	} else if (!strcmp(key, "window")) {
		k->window_loc.line = en->line;
		return set_str(x, en, label, &k->window);
	} else if (!strcmp(key, "daily_limit")) {
		k->daily_limit_loc.line = en->line;
		return set_long(x, en, label, &k->daily_limit, 0, 100000);
	} else if (!strcmp(key, "stop_scope")) {
		if (!strcasecmp(en->value, "contact"))
			k->stop_scope = STOP_CONTACT;
		else if (!strcasecmp(en->value, "department"))
			k->stop_scope = STOP_DEPARTMENT;
		else if (!strcasecmp(en->value, "institution"))
			k->stop_scope = STOP_INSTITUTION;
		else
			return bad(x, en, label, "expected contact, department or institution, got '%s'", en->value);
	} else if (!strcmp(key, "skip_holidays")) {
		return set_bool(x, en, label, &k->skip_holidays);
	} else if (!strcmp(key, "allow_overlap")) {
		return set_bool(x, en, label, &k->allow_overlap);
	} else if (str_starts_with(key, "var.")) {
		const char *name = key + 4;
		char *norm = normalize_key(name);
		bool ok = *name && !strcmp(norm, name);
		free(norm);
		if (!ok)
			return bad(x, en, label, "variable names use lower-case letters, digits and '_' (e.g. var.program)");
		for (size_t i = 0; i < k->nvars; i++)
			if (!strcmp(k->vars[i].name, name))
				return bad(x, en, label, "given twice (this key takes one value)");
		if (mem_has_crlf_nul(en->value, strlen(en->value)))
			return bad(x, en, label, "control characters are not allowed");
		size_t cap = k->nvars;
		k->vars = xgrow(k->vars, &cap, k->nvars + 1, sizeof *k->vars);
		k->vars[k->nvars].name = xstrdup(name);
		k->vars[k->nvars].value = xstrdup(en->value);
		k->vars[k->nvars].loc.line = en->line;
		k->nvars++;
	} else {
		return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [%s] unknown key '%s' (see 'man outreach', CONFIGURATION)",
			       x->path, en->line, label, key);
	}
	return 0;
}

static int section_line(struct parse *p, const char *name)
{
	for (size_t i = 0; i < p->nsec; i++)
		if (!strcmp(p->sections[i].name, name))
			return p->sections[i].line;
	return 0;
}

static int classify_section(struct ctx *x, const char *sec, int line, struct config_campaign **camp)
{
	*camp = NULL;
	if (!strcmp(sec, "account"))
		return 0;
	if (!strncmp(sec, "campaign", 8) && (sec[8] == ' ' || sec[8] == '\t')) {
		char *name = str_trim(xstrdup(sec + 9));
		if (!valid_campaign_name(name)) {
			err_set(x->e, ERR_CONFIG, 0,
				"%s:%d: invalid campaign name '%s' (use letters, digits, '-', '_' or '.', like [campaign observership-2027])",
				x->path, line, name);
			free(name);
			return -1;
		}
		*camp = campaign_for(x, name, line);
		free(name);
		return 0;
	}
	if (!*sec)
		return err_set(x->e, ERR_CONFIG, 0, "%s:%d: a key outside any section; put it under [account] or [campaign NAME]",
			       x->path, line);
	return err_set(x->e, ERR_CONFIG, 0, "%s:%d: unknown section [%s]; expected [account] or [campaign NAME]",
		       x->path, line, sec);
}

/* Values with a grammar of their own (cal.h) are checked at load, so a typo is reported
 * with its line before anything is sent. */
static int check_spec(struct ctx *x, const char *section, const char *key, const char *value, int line,
		      int (*check)(const char *v, struct err *e))
{
	struct err e2 = { 0 };
	if (!value || check(value, &e2) == 0)
		return 0;
	return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [%s] %s: %s", x->path, line, section, key, e2.msg);
}

static int chk_window(const char *v, struct err *e) { struct cal_window w; return cal_window_parse(v, &w, e); }
static int chk_rate(const char *v, struct err *e) { struct cal_rate r; return cal_rate_parse(v, &r, e); }
static int chk_gap(const char *v, struct err *e) { struct cal_gap g; return cal_gap_parse(v, &g, e); }
static int chk_delay(const char *v, struct err *e) { struct cal_duration d; return cal_duration_parse(v, &d, e); }
static int chk_zone(const char *v, struct err *e)
{
	if (tz_valid(v))
		return 0;
	return err_set(e, ERR_CONFIG, 0, "unknown time zone '%s'; use an IANA name such as Asia/Karachi or America/New_York", v);
}

static int finish(struct ctx *x, struct stat *st)
{
	struct config *c = x->c;
	struct config_account *a = &c->account;
	int acc_line = section_line(x->p, "account");
	if (!acc_line)
		return err_set(x->e, ERR_CONFIG, 0, "%s: no [account] section; 'outreach init' writes a commented example",
			       x->path);
	if (!a->from_addr)
		return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [account] needs 'from = Your Name <you@example.com>'", x->path, acc_line);
	if (!a->user)
		a->user = xstrdup(a->from_addr);
	if (!a->transport)
		a->transport = xstrdup("smtp");
	if (!a->nfolders) {
		a->folders = xmalloc(sizeof *a->folders);
		a->folders[a->nfolders++] = xstrdup("INBOX");
	}
	if (!a->poll_interval)
		a->poll_interval = 300;
	if (!a->timeout)
		a->timeout = 60;
	if (!a->max_attempts)
		a->max_attempts = 5;
	if (!a->timezone) {
		const char *tz = getenv("TZ");
		a->timezone = xstrdup(tz && *tz && *tz != ':' ? tz : "UTC");
	}
	if (a->has_password && (st->st_mode & 077))
		return err_set(x->e, ERR_CONFIG, 0,
			       "%s:%d: [account] password: the file holds a password but others can read it; "
			       "run 'chmod 600 %s', or better use password_command or OUTREACH_PASSWORD",
			       x->path, a->loc_password.line, x->path);
	if (a->has_password && (a->password_command || a->oauth2_token_command))
		return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [account] password: give either password or password_command/oauth2_token_command, not both",
			       x->path, a->loc_password.line);
	if (check_spec(x, "account", "window", a->window, a->loc_window.line, chk_window) < 0 ||
	    check_spec(x, "account", "rate", a->rate, a->loc_rate.line, chk_rate) < 0 ||
	    check_spec(x, "account", "gap", a->gap, a->loc_gap.line, chk_gap) < 0 ||
	    check_spec(x, "account", "timezone", a->timezone, a->loc_timezone.line, chk_zone) < 0)
		return -1;
	for (size_t i = 0; i < c->ncampaigns; i++) {
		struct config_campaign *k = &c->campaigns[i];
		char label[96];
		snprintf(label, sizeof label, "campaign %s", k->name);
		if (check_spec(x, label, "window", k->window, k->window_loc.line, chk_window) < 0)
			return -1;
		for (size_t j = 0; j < k->nfollowups; j++)
			if (check_spec(x, label, "followup", k->followups[j].delay, k->followups[j].loc.line, chk_delay) < 0)
				return -1;
		if (!k->template)
			return err_set(x->e, ERR_CONFIG, 0, "%s:%d: [campaign %s] needs 'template = templates/your-letter.md'",
				       x->path, k->loc.line, k->name);
	}
	return 0;
}

int config_load(const char *path, struct config **out, struct err *e)
{
	struct parse p;
	memset(&p, 0, sizeof p);
	p.path = path;
	p.f = fopen(path, "r");
	if (!p.f) {
		if (errno == ENOENT)
			return err_set(e, ERR_CONFIG, errno, "%s: no such file; run 'outreach init' to create a workspace", path);
		return err_set(e, ERR_CONFIG, errno, "cannot open '%s': %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fileno(p.f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(p.f);
		return err_set(e, ERR_CONFIG, 0, "'%s' is not a regular file", path);
	}
	int rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);

	struct config *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->dir = path_dirname(path);
	struct ctx x = { c, path, e, &p };
	int result = 0;

	if (p.overlong)
		result = err_set(e, ERR_CONFIG, 0, "%s:%d: line too long (the limit is %d characters)", path, p.overlong,
				 CONFIG_MAX_LINE);
	else if (p.too_many)
		result = err_set(e, ERR_CONFIG, 0, "%s: too many settings (more than %d)", path, CONFIG_MAX_ENTRIES);
	else if (rc > 0)
		result = err_set(e, ERR_CONFIG, 0, "%s:%d: expected 'key = value', '[account]' or '[campaign NAME]'", path, rc);
	else if (rc < 0)
		result = err_set(e, ERR_CONFIG, 0, "cannot read '%s'", path);

	for (size_t i = 0; result == 0 && i < p.nsec; i++) {
		struct config_campaign *camp;
		const char *sec = p.sections[i].name;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p.sections[j].name, sec)) {
				result = err_set(e, ERR_CONFIG, 0, "%s:%d: section [%s] appears twice (first on line %d)", path,
						 p.sections[i].line, sec, p.sections[j].line);
				break;
			}
		if (result == 0)
			result = classify_section(&x, sec, p.sections[i].line, &camp);
	}
	for (size_t i = 0; result == 0 && i < p.n; i++) {
		struct entry *en = &p.entries[i];
		struct config_campaign *camp;
		if (classify_section(&x, en->section, en->line, &camp) < 0) {
			result = -1;
			break;
		}
		result = camp ? campaign_key(&x, camp, en) : account_key(&x, en);
	}
	if (result == 0)
		result = finish(&x, &st);

	for (size_t i = 0; i < p.n; i++) {
		if (!strcmp(p.entries[i].key, "password"))
			xzero(p.entries[i].value, strlen(p.entries[i].value));
		free(p.entries[i].section);
		free(p.entries[i].key);
		free(p.entries[i].value);
	}
	free(p.entries);
	for (size_t i = 0; i < p.nsec; i++)
		free(p.sections[i].name);
	free(p.sections);
	if (result < 0) {
		config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	struct config_account *a = &c->account;
	free(a->from_name), free(a->from_addr), free(a->smtp_url), free(a->imap_url), free(a->user);
	free(a->password_command), free(a->oauth2_token_command), free(a->cafile), free(a->timezone);
	free(a->sent_folder), free(a->drafts_folder), free(a->transport), free(a->rate), free(a->gap);
	free(a->window), free(a->rules);
	free_list(a->folders, a->nfolders);
	for (size_t i = 0; i < c->ncampaigns; i++) {
		struct config_campaign *k = &c->campaigns[i];
		free(k->name), free(k->contacts), free(k->template), free(k->window);
		for (size_t j = 0; j < k->nfollowups; j++)
			free(k->followups[j].delay), free(k->followups[j].template);
		free(k->followups);
		free_list(k->attachments, k->nattachments);
		for (size_t j = 0; j < k->nvars; j++)
			free(k->vars[j].name), free(k->vars[j].value);
		free(k->vars);
	}
	free(c->campaigns);
	free(c->path);
	free(c->dir);
	free(c);
}

const struct config_campaign *config_campaign(const struct config *c, const char *name, struct err *e)
{
	if (name) {
		for (size_t i = 0; i < c->ncampaigns; i++)
			if (!strcmp(c->campaigns[i].name, name))
				return &c->campaigns[i];
		return err_set(e, ERR_USAGE, 0, "no campaign '%s' in %s (add a [campaign %s] section)", name, c->path, name),
		       NULL;
	}
	if (c->ncampaigns == 1)
		return &c->campaigns[0];
	if (c->ncampaigns == 0)
		return err_set(e, ERR_CONFIG, 0, "%s has no [campaign NAME] section yet", c->path), NULL;
	struct buf b = BUF_INIT(4096);
	for (size_t i = 0; i < c->ncampaigns; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", c->campaigns[i].name);
	err_set(e, ERR_USAGE, 0, "several campaigns (%s): choose one with --campaign NAME", buf_str(&b));
	buf_release(&b);
	return NULL;
}

char *config_path(const struct config *c, const char *p)
{
	if (p[0] == '~' && p[1] == '/') {
		const char *home = getenv("HOME");
		if (home)
			return xasprintf("%s/%s", home, p + 2);
	}
	return path_join(c->dir, p);
}

struct pwsearch {
	char *value;
	int in_account;
};

static int pw_handler(void *user, const char *section, const char *name, const char *value)
{
	struct pwsearch *s = user;
	if (!strcmp(section, "account") && !strcmp(name, "password") && !s->value)
		s->value = xstrdup(value);
	return 1;
}

char *config_literal_password(const struct config *c, struct err *e)
{
	if (!c->account.has_password)
		return NULL;
	struct pwsearch s = { NULL, 0 };
	if (ini_parse(c->path, pw_handler, &s) < 0) {
		err_set(e, ERR_CONFIG, 0, "cannot read '%s'", c->path);
		return NULL;
	}
	return s.value;
}

int config_parse_mailbox(const char *s, char **name, char **addr, struct err *e)
{
	const char *lt = strrchr(s, '<');
	char *nm, *ad;
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt || gt[1] != '\0')
			return err_set(e, ERR_CONFIG, 0, "expected 'Display Name <address@domain>', got '%s'", s);
		nm = str_trim(xstrndup(s, (size_t)(lt - s)));
		size_t n = strlen(nm);
		if (n >= 2 && nm[0] == '"' && nm[n - 1] == '"') {
			memmove(nm, nm + 1, n - 2);
			nm[n - 2] = '\0';
		}
		ad = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	} else {
		nm = xstrdup("");
		ad = xstrdup(s);
	}
	char *norm = NULL;
	struct err e2;
	if (mem_has_crlf_nul(nm, strlen(nm)) || strpbrk(nm, "<>")) {
		free(nm), free(ad);
		return err_set(e, ERR_CONFIG, 0, "the display name may not contain '<', '>' or line breaks");
	}
	if (addr_normalize(ad, &norm, NULL, &e2) < 0) {
		free(nm), free(ad);
		return err_set(e, ERR_CONFIG, 0, "%s", e2.msg);
	}
	free(ad);
	if (!utf8_valid(nm, strlen(nm))) {
		free(nm), free(norm);
		return err_set(e, ERR_CONFIG, 0, "the display name is not valid UTF-8");
	}
	*name = nm;
	*addr = norm;
	return 0;
}
