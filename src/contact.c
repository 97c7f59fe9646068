/* contact: one physician as outreach knows them — the recognised columns plus any others. */
#include "contact.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "xalloc.h"

const char *const contact_field_names[CF_COUNT] = {
	[CF_FIRST_NAME] = "first_name", [CF_LAST_NAME] = "last_name", [CF_TITLE] = "title",
	[CF_SPECIALTY] = "specialty",   [CF_DEPARTMENT] = "department", [CF_HOSPITAL] = "hospital",
	[CF_CITY] = "city",             [CF_STATE] = "state",           [CF_COUNTRY] = "country",
	[CF_TIMEZONE] = "timezone",     [CF_PHONE] = "phone",           [CF_NOTES] = "notes",
};

void contact_init(struct contact *c)
{
	memset(c, 0, sizeof *c);
}

void contact_release(struct contact *c)
{
	free(c->email);
	for (int i = 0; i < CF_COUNT; i++)
		free(c->field[i]);
	for (size_t i = 0; i < c->nextra; i++) {
		free(c->extra[i].name);
		free(c->extra[i].value);
	}
	free(c->extra);
	free(c->source);
	contact_init(c);
}

int contact_field_index(const char *name)
{
	for (int i = 0; i < CF_COUNT; i++)
		if (!strcmp(contact_field_names[i], name))
			return i;
	return -1;
}

void contact_set_extra(struct contact *c, const char *name, const char *value)
{
	for (size_t k = 0; k < c->nextra; k++)
		if (!strcmp(c->extra[k].name, name)) {
			free(c->extra[k].value);
			c->extra[k].value = xstrdup(value);
			return;
		}
	size_t cap = c->nextra;
	c->extra = xgrow(c->extra, &cap, c->nextra + 1, sizeof *c->extra);
	c->extra[c->nextra].name = xstrdup(name);
	c->extra[c->nextra].value = xstrdup(value);
	c->nextra++;
}

static const char *f(const struct contact *c, enum contact_field i)
{
	return c->field[i] ? c->field[i] : "";
}

char *contact_full_name(const struct contact *c)
{
	const char *fn = f(c, CF_FIRST_NAME), *ln = f(c, CF_LAST_NAME);
	return xasprintf("%s%s%s", fn, *fn && *ln ? " " : "", ln);
}

char *contact_salutation(const struct contact *c)
{
	const char *ln = f(c, CF_LAST_NAME), *title = f(c, CF_TITLE);
	if (!*ln)
		return xstrdup("");
	/* "Professor", "Prof." keep their own form; MD/DO and most titles become "Dr." */
	if (str_istarts_with(title, "prof"))
		return xasprintf("Professor %s", ln);
	if (!strcasecmp(title, "Mr") || !strcasecmp(title, "Mr.") || !strcasecmp(title, "Ms") ||
	    !strcasecmp(title, "Ms.") || !strcasecmp(title, "Mrs") || !strcasecmp(title, "Mrs.") ||
	    !strcasecmp(title, "Mx") || !strcasecmp(title, "Mx."))
		return xasprintf("%s%s %s", title, strchr(title, '.') ? "" : ".", ln);
	return xasprintf("Dr. %s", ln);
}

char *contact_hospital_short(const struct contact *c)
{
	const char *h = f(c, CF_HOSPITAL);
	if (str_istarts_with(h, "the "))
		h += 4;
	/* "Example General Hospital, Department of Medicine" -> before the comma */
	const char *comma = strchr(h, ',');
	char *s = comma ? xstrndup(h, (size_t)(comma - h)) : xstrdup(h);
	return str_trim(s);
}
