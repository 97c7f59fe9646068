/* addr: email address checks — a practical RFC 5321 subset, normalised, with junk and role flags. */
#include "addr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "util.h"
#include "xalloc.h"

/* Local parts that never read mail: writing to them wastes a send and looks like spam. */
static const char *const noreply_locals[] = {
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
	"mailer-daemon", "postmaster", "bounce", "bounces", "abuse",
};

/* Shared mailboxes: legitimate targets for a program coordinator, but not a person. */
static const char *const role_locals[] = {
	"info", "admin", "office", "contact", "contactus", "hello", "help", "support",
	"webmaster", "hr", "jobs", "careers", "marketing", "sales", "media", "press",
	"reception", "frontdesk", "general", "inquiries", "enquiries", "mail", "team",
};

static bool atext(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

static int check_local(const char *l, size_t n, const char *orig, struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (nothing before '@')", orig);
	if (n > 64)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (more than 64 characters before '@')", orig);
	if (l[0] == '.' || l[n - 1] == '.')
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (a dot cannot start or end the name)", orig);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (c == '.' && l[i + 1] == '.')
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (two dots in a row)", orig);
		if (c >= 0x80)
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (non-ASCII characters are not supported in addresses)", orig);
		if (c != '.' && !atext(c))
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (character '%c' is not allowed)", orig, c);
	}
	return 0;
}

static int check_domain(const char *d, size_t n, const char *orig, struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (no domain after '@')", orig);
	if (n > 253)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (domain too long)", orig);
	if (d[0] == '[')
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (IP address literals are not supported)", orig);
	size_t labels = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.') {
			unsigned char c = (unsigned char)d[i];
			if (c >= 0x80)
				return err_set(e, ERR_DATA, 0, "invalid address '%s' (non-ASCII domain: write it in its xn-- form)", orig);
			if (!isalnum(c) && c != '-')
				return err_set(e, ERR_DATA, 0, "invalid address '%s' (character '%c' is not allowed in a domain)", orig, c);
			continue;
		}
		size_t len = i - start;
		if (len == 0)
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (empty part in the domain)", orig);
		if (len > 63)
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (a domain part is longer than 63 characters)", orig);
		if (d[start] == '-' || d[i - 1] == '-')
			return err_set(e, ERR_DATA, 0, "invalid address '%s' (a domain part cannot start or end with '-')", orig);
		labels++;
		start = i + 1;
	}
	if (labels < 2)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (the domain needs a dot, like 'hospital.org')", orig);
	/* the top-level label: letters only (or an xn-- IDN TLD) */
	const char *tld = strrchr(d, '.') + 1;
	size_t tn = n - (size_t)(tld - d);
	if (tn < 2)
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (the domain ending is too short)", orig);
	if (strncasecmp(tld, "xn--", 4) != 0)
		for (size_t i = 0; i < tn; i++)
			if (!isalpha((unsigned char)tld[i]))
				return err_set(e, ERR_DATA, 0, "invalid address '%s' (the domain ending must be letters)", orig);
	if ((tn == 7 && strncasecmp(tld, "invalid", 7) == 0) || (tn == 9 && strncasecmp(tld, "localhost", 9) == 0))
		return err_set(e, ERR_DATA, 0, "invalid address '%s' (a reserved domain that never receives mail)", orig);
	return 0;
}

int addr_normalize(const char *in, char **out, unsigned *flags, struct err *e)
{
	unsigned f = 0;
	char *s = xstrdup(in);
	str_trim(s);
	if (mem_has_crlf_nul(in, strlen(in))) {
		free(s);
		return err_set(e, ERR_DATA, 0, "invalid address (it contains a line break)");
	}
	char *p = s;
	if (strncasecmp(p, "mailto:", 7) == 0) {
		p += 7;
		f |= ADDR_CLEANED;
	}
	size_t n = strlen(p);
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
		p[n - 1] = '\0';
		p++;
		n -= 2;
		f |= ADDR_CLEANED;
	}
	if (!*p) {
		free(s);
		return err_set(e, ERR_DATA, 0, "missing email address");
	}
	for (const char *q = p; *q; q++)
		if (isspace((unsigned char)*q)) {
			err_set(e, ERR_DATA, 0, "invalid address '%s' (it contains a space; one address per row)", p);
			free(s);
			return -1;
		}
	const char *at = strrchr(p, '@');
	if (!at) {
		err_set(e, ERR_DATA, 0, "invalid address '%s' (no '@')", p);
		free(s);
		return -1;
	}
	if (strchr(p, '@') != at || strchr(p, '"')) {
		err_set(e, ERR_DATA, 0, "invalid address '%s' (quoted names and several '@' are not supported)", p);
		free(s);
		return -1;
	}
	size_t ln = (size_t)(at - p);
	if (check_local(p, ln, p, e) < 0 || check_domain(at + 1, strlen(at + 1), p, e) < 0) {
		free(s);
		return -1;
	}
	char *local = xstrndup(p, ln);
	char *lower_local = str_lower(xstrdup(local));
	char *plus = strchr(lower_local, '+');
	if (plus)
		*plus = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(noreply_locals); i++)
		if (strcmp(lower_local, noreply_locals[i]) == 0) {
			err_set(e, ERR_DATA, 0, "address '%s' never reads mail (a no-reply or system mailbox)", p);
			free(local), free(lower_local), free(s);
			return -1;
		}
	for (size_t i = 0; i < ARRAY_SIZE(role_locals); i++)
		if (strcmp(lower_local, role_locals[i]) == 0)
			f |= ADDR_ROLE;
	char *res = xasprintf("%s@%s", local, at + 1);
	str_lower(strchr(res, '@') + 1);
	free(local), free(lower_local), free(s);
	*out = res;
	if (flags)
		*flags = f;
	return 0;
}

const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : addr + strlen(addr);
}

bool addr_equal(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

char *addr_org_domain(const char *domain)
{
	/* second-level suffixes under which organisations register (a small, practical list) */
	static const char *const sld[] = { "ac", "co", "com", "edu", "gov", "net", "org", "med", "nhs", "gob", "go" };
	size_t n = strlen(domain);
	const char *last = NULL, *second = NULL, *third = NULL;
	for (const char *p = domain + n; p > domain; p--) {
		if (p[-1] != '.')
			continue;
		if (!last)
			last = p;
		else if (!second)
			second = p;
		else if (!third) {
			third = p;
			break;
		}
	}
	if (!second)
		return str_lower(xstrdup(domain));
	/* domain = ... third . second . last ; candidate "second.last" */
	size_t tldlen = strlen(last);
	size_t seclen = (size_t)(last - 1 - second);
	bool country = tldlen == 2;
	bool is_sld = false;
	for (size_t i = 0; i < ARRAY_SIZE(sld); i++)
		if (strlen(sld[i]) == seclen && strncasecmp(second, sld[i], seclen) == 0)
			is_sld = true;
	const char *start = second;
	/* RFC 2606's example.com/.org/.net/.edu stand in for whole top-level domains in
	 * fictional data: "stmarys.example.org" is an organisation of its own */
	bool example = seclen == 7 && strncasecmp(second, "example", 7) == 0;
	if ((country && is_sld) || example)
		start = third ? third : domain;
	return str_lower(xstrdup(start));
}
