/* contact: one physician as outreach knows them — the recognised columns plus any others. */
#ifndef OUTREACH_CONTACT_H
#define OUTREACH_CONTACT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The recognised columns, in the order reports show them. Values are UTF-8, never NULL
 * once loaded ("" when absent). */
enum contact_field {
	CF_FIRST_NAME,
	CF_LAST_NAME,
	CF_TITLE,
	CF_SPECIALTY,
	CF_DEPARTMENT,
	CF_HOSPITAL,
	CF_CITY,
	CF_STATE,
	CF_COUNTRY,
	CF_TIMEZONE,
	CF_PHONE,
	CF_NOTES,
	CF_COUNT
};

extern const char *const contact_field_names[CF_COUNT];

/* Flags kept with a contact. */
enum {
	CONTACT_ROLE = 1 << 0, /* a shared mailbox (office@, info@...) rather than a person */
};

struct contact_extra {
	char *name;  /* normalised column name, e.g. "program_url" */
	char *value;
};

struct contact {
	int64_t id;                 /* 0 until stored */
	char *email;                /* normalised (addr_normalize) */
	char *field[CF_COUNT];
	struct contact_extra *extra;
	size_t nextra;
	unsigned flags;
	char *source;               /* file it was imported from */
	long source_line;
};

void contact_init(struct contact *c);
void contact_release(struct contact *c);
/* Index of a recognised column name, or -1. */
int contact_field_index(const char *name);
/* Set an extra column (copied); replaces an existing one. */
void contact_set_extra(struct contact *c, const char *name, const char *value);
/* "Dr. Lastname" style salutation name, full name, and a short hospital name
 * ("Massachusetts General Hospital" stays, "The University of Example Medical Center"
 * -> "University of Example Medical Center"). Callers free. */
char *contact_full_name(const struct contact *c);
char *contact_salutation(const struct contact *c);
char *contact_hospital_short(const struct contact *c);

#endif
