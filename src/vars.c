/* vars: what a template can say — a contact's columns, derived names, sender and campaign
 * fields — as the value tree the Mustache engine renders against. */
#include "vars.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "contact.h"
#include "mval.h"
#include "util.h"
#include "xalloc.h"

const char *const vars_derived[] = { "full_name", "salutation", "hospital_short", NULL };

struct mval *vars_contact(const struct contact *c)
{
	struct mval *m = mval_new_map();
	mval_map_setz(m, "email", mval_new_stringz(c->email ? c->email : ""));
	for (int i = 0; i < CF_COUNT; i++)
		mval_map_setz(m, contact_field_names[i], mval_new_stringz(c->field[i] ? c->field[i] : ""));
	for (size_t i = 0; i < c->nextra; i++)
		mval_map_setz(m, c->extra[i].name, mval_new_stringz(c->extra[i].value));
	/* derived names come last so that a spreadsheet column of the same name wins */
	char *full = contact_full_name(c), *sal = contact_salutation(c), *hs = contact_hospital_short(c);
	if (!mval_map_getz(m, "full_name"))
		mval_map_setz(m, "full_name", mval_new_string_take(full, strlen(full)));
	else
		free(full);
	if (!mval_map_getz(m, "salutation"))
		mval_map_setz(m, "salutation", mval_new_string_take(sal, strlen(sal)));
	else
		free(sal);
	if (!mval_map_getz(m, "hospital_short"))
		mval_map_setz(m, "hospital_short", mval_new_string_take(hs, strlen(hs)));
	else
		free(hs);
	return m;
}

struct mval *vars_globals(const struct config *cfg, const struct config_campaign *k)
{
	struct mval *g = mval_new_map();
	struct mval *sender = mval_new_map();
	const char *name = cfg->account.from_name ? cfg->account.from_name : "";
	mval_map_setz(sender, "name", mval_new_stringz(name));
	mval_map_setz(sender, "email", mval_new_stringz(cfg->account.from_addr));
	size_t fl = strcspn(name, " ");
	mval_map_setz(sender, "first_name", mval_new_string(name, fl));
	mval_map_setz(g, "sender", sender);
	struct mval *camp = mval_new_map();
	if (k) {
		mval_map_setz(camp, "name", mval_new_stringz(k->name));
		for (size_t i = 0; i < k->nvars; i++)
			mval_map_setz(camp, k->vars[i].name, mval_new_stringz(k->vars[i].value));
	}
	mval_map_setz(g, "campaign", camp);
	return g;
}

bool vars_is_global(const char *name)
{
	size_t n = strcspn(name, ".");
	return (n == 6 && !strncmp(name, "sender", 6)) || (n == 8 && !strncmp(name, "campaign", 8));
}
