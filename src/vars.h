/* vars: what a template can say — a contact's columns, derived names, sender and campaign
 * fields — as the value tree the Mustache engine renders against. */
#ifndef OUTREACH_VARS_H
#define OUTREACH_VARS_H
#include <stdbool.h>

struct config;
struct config_campaign;
struct contact;
struct mval;

/* Names every contact has, whatever its spreadsheet: "full_name", "salutation" ("Dr.
 * Whitfield"), "hospital_short". */
extern const char *const vars_derived[];

/* The contact's map: email, the recognised columns ("" when empty), extra columns, and
 * the derived names. Caller frees (mval_free). */
struct mval *vars_contact(const struct contact *c);
/* The globals: {sender: {name, email, first_name}, campaign: {name, <var.X>...}}. */
struct mval *vars_globals(const struct config *cfg, const struct config_campaign *k);
/* Is the top-level name of a (possibly dotted) variable "sender" or "campaign"? */
bool vars_is_global(const char *name);

#endif
