/* rules: the phrase rules that judge a human reply (offer, decline, info...), loaded from a rules file. */
#ifndef OUTREACH_RULES_H
#define OUTREACH_RULES_H
#include <stdbool.h>
#include <stddef.h>

struct err;
struct rules;

/*
 * The format is documented at the top of src/classify.rules (the default file, embedded
 * in the binary). In short, one rule per line:
 *
 *   offer       3  "happy to (have|host) you"          label, weight 1..20, pattern
 *   decline     4  "unfortunately"
 *   info        3  "send [me] your (cv|resume)"   tag=cv
 *   offer       3  "able to (host|accommodate) you"  neg=decline
 *   unsubscribe 5  "[please] remove me"              sets the flag, weight counts as decline
 *   ooo         4  "out of [the] office"  in=subject
 *   condition  "TB test"  "tb test|ppd|quantiferon"
 *   negator    "not|never|cannot|can't|unable to"
 *   clause     "but|however|although"
 *   set threshold 2
 *
 * Patterns match whole words, case- and accent-insensitively: words separated by
 * spaces, "w*" a prefix, "a|b" alternatives, "(a b|c)" groups, "[a b]" optional,
 * "~N" up to N other words (not across a sentence end), punctuation . , ; : ! ? $ % & / @
 * literally.
 */

enum rules_label { RULES_OFFER, RULES_DECLINE, RULES_INFO, RULES_OOO, RULES_UNSUBSCRIBE, RULES_NLABELS };

#define RULES_MAX_FILE (1024u * 1024u)
#define RULES_MAX_HITS 32
#define RULES_MAX_CONDITIONS 16

struct rules_hit {
	enum rules_label label;   /* the label the weight went to (after neg=) */
	int weight;
	int line;                 /* rules-file line */
	bool negated;             /* counted through neg= */
	char text[64];            /* the matched words as written (for reasons) */
};

struct rules_result {
	int score[RULES_NLABELS]; /* UNSUBSCRIBE weights are also added to DECLINE */
	bool unsubscribe;
	const char *conditions[RULES_MAX_CONDITIONS]; /* names, owned by the rules */
	size_t n_conditions;
	const char *tags[RULES_MAX_HITS];            /* tag= of the rules that counted */
	size_t n_tags;
	struct rules_hit hits[RULES_MAX_HITS];       /* in rules-file order */
	size_t n_hits;
};

/*
 * Parse rules text (name is used in messages). NULL on error with ERR_DATA and
 * "name:line: what is wrong", or ERR_LIMIT when the text is too large. Caller frees.
 */
struct rules *rules_parse(const char *text, size_t n, const char *name, struct err *e);
/* Read and parse a rules file (ERR_IO when unreadable). Caller frees. */
struct rules *rules_load_file(const char *path, struct err *e);
/* The default rules compiled into the binary (src/classify.rules). Never NULL; caller frees. */
struct rules *rules_default(void);
/* The embedded default rules text. */
const char *rules_default_text(size_t *n);
void rules_free(struct rules *r);

/* Settings (set ... lines), with their defaults when absent. */
int rules_threshold(const struct rules *r);            /* min score for a human label (2) */
int rules_ooo_threshold(const struct rules *r);        /* min ooo score for a body-only OOO (4) */
int rules_automated_threshold(const struct rules *r);  /* min decline/info score to read an
							* auto-generated message as such (4) */
/* Tie order of offer/decline/info: index 0 wins ties. */
const enum rules_label *rules_tiebreak(const struct rules *r);
/* An offer score at least this high is an explicit acceptance: requests for paperwork,
 * the CV or a call to the coordinator are then its conditions, not a competing
 * info_request (0: off). */
int rules_acceptance(const struct rules *r);
size_t rules_count(const struct rules *r);

/*
 * Score subject (may be NULL) and body[0..n) (UTF-8). Pure. Bounded: the body is read
 * up to RULES_MAX_TOKENS tokens and every pattern has a matching-step budget.
 */
#define RULES_MAX_TOKENS 20000
void rules_eval(const struct rules *r, const char *subject, const char *body, size_t n, struct rules_result *out);

const char *rules_label_name(enum rules_label l);

#endif
