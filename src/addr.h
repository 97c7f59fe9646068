/* addr: email address checks — a practical RFC 5321 subset, normalised, with junk and role flags. */
#ifndef OUTREACH_ADDR_H
#define OUTREACH_ADDR_H
#include <stdbool.h>

struct err;

enum {
	ADDR_ROLE = 1 << 0,    /* a role account (info@, office@...): imported, but flagged */
	ADDR_CLEANED = 1 << 1, /* "mailto:" or <...> around the address was removed */
};

/*
 * Check one address as found in a spreadsheet cell and return its normalised form
 * (surrounding spaces, "mailto:" and angle brackets removed, domain lower-cased; the
 * local part keeps its case). ERR_DATA with a message saying what is wrong, e.g.
 * "invalid address 'jsmith@' (no domain after '@')". Addresses that can never be
 * written to (noreply@, postmaster@, *.invalid...) are errors too. *out is the caller's.
 */
int addr_normalize(const char *in, char **out, unsigned *flags, struct err *e);
/* The domain part of a normalised address (points into addr). */
const char *addr_domain(const char *addr);
/* Case-insensitive address equality (the local part compared case-insensitively too,
 * as every provider the users write to does). */
bool addr_equal(const char *a, const char *b);
/* The organisation part of a domain, lower-cased: "cardio.med.stateu.edu" -> "stateu.edu",
 * "nhs.example.ac.uk" -> "example.ac.uk" (the last two labels, three under a country code's
 * second-level suffix such as .ac.uk, .com.au, .edu.mx). Caller frees. */
char *addr_org_domain(const char *domain);

#endif
