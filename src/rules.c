/* rules: the phrase rules that judge a human reply (offer, decline, info...), loaded from a rules file. */
#include "rules.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

/*
 * The default rules are part of the binary: src/classify.rules is assembled in as
 * bytes (the Makefile makes rules.o depend on it), so an installed outreach needs no
 * data files and cannot run with a missing or stale copy.
 */
__asm__(".section .rodata\n"
	".global outreach_rules_default\n"
	".type outreach_rules_default, @object\n"
	".balign 16\n"
	"outreach_rules_default:\n"
	".incbin \"src/classify.rules\"\n"
	".byte 0\n"
	".global outreach_rules_default_end\n"
	"outreach_rules_default_end:\n"
	".previous\n");
extern const char outreach_rules_default[];
extern const char outreach_rules_default_end[];

/* Limits that keep hostile rules files and texts bounded. */
#define MAX_RULES 4000
#define MAX_LINE 2000
#define MAX_PATTERN_NODES 64
#define MAX_ALTS 64
#define MAX_DEPTH 4
#define MAX_GAP 8
#define MAX_GAPS 3
#define MATCH_BUDGET 4000 /* steps per start position */

/* ------------------------------------------------------------------ normalisation */

enum tok_kind { TOK_WORD, TOK_PUNCT, TOK_PARA };

struct tok {
	uint32_t off, len;       /* in the normalised buffer */
	uint32_t src_off, src_len;
	uint8_t kind;
	bool boundary;           /* ends a sentence: . ! ? ; or a blank line */
};

struct toks {
	char *norm;
	size_t norm_len;
	struct tok *t;
	size_t n;
};

/* Base letters of U+0100..U+017F (Latin Extended-A). */
static const char latin_ext_a[129] =
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/*
 * Fold one code point to lower-case ASCII where a reader would see the same letter:
 * "Automática" and "automatica", "Grüße" and "grusse" match alike. Returns the folded
 * bytes in out (0..3) and the character class: 'w' word, 'p' punctuation token,
 * 's' space, 'n' newline, 'x' skip.
 */
static char fold(uint32_t cp, char out[4], size_t *outn)
{
	*outn = 0;
	if (cp < 0x80) {
		char c = (char)cp;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[0] = c;
			*outn = 1;
			return 'w';
		}
		if (c == '\n')
			return 'n';
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '-' || c == '_')
			return 's';
		if (c == '\'') {
			out[0] = '\'';
			*outn = 1;
			return '\'';
		}
		if (strchr(".,;:!?$%&/@", c)) {
			out[0] = c;
			*outn = 1;
			return 'p';
		}
		return 'x';
	}
	if (cp >= 0xc0 && cp <= 0xff) {
		static const char *const l1[64] = {
			"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
			"d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
			"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
			"d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
		};
		const char *f = l1[cp - 0xc0];
		if (!f)
			return 'x';
		*outn = strlen(f);
		memcpy(out, f, *outn);
		return 'w';
	}
	if (cp >= 0x100 && cp <= 0x17f) {
		out[0] = latin_ext_a[cp - 0x100];
		*outn = 1;
		return 'w';
	}
	if (cp == 0x2018 || cp == 0x2019 || cp == 0x2032) {
		out[0] = '\'';
		*outn = 1;
		return '\'';
	}
	if (cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
	    cp == 0x2013 || cp == 0x2014 || cp == 0x2010 || cp == 0x2011)
		return 's';
	if (cp == 0x2026) {
		out[0] = '.';
		*outn = 1;
		return 'p';
	}
	if (cp == 0xbf || cp == 0xa1 || cp == 0xa7 || cp == 0xb6 || (cp >= 0xa0 && cp < 0xc0) || cp == 0xfeff ||
	    (cp >= 0x2010 && cp <= 0x206f) || cp == 0xfffd)
		return 'x';
	return 'w'; /* other scripts: letters as they are */
}

static void toks_free(struct toks *t)
{
	free(t->norm);
	free(t->t);
	memset(t, 0, sizeof *t);
}

/*
 * Split s[0..n) into tokens: words (letters, digits, inner apostrophes), the
 * punctuation that matters, and a paragraph marker for blank lines. Pattern syntax
 * characters are not special here; tokenize_pattern_word uses the same folding.
 */
static void tokenize(const char *s, size_t n, size_t max_tokens, struct toks *out)
{
	memset(out, 0, sizeof *out);
	struct buf norm = BUF_INIT(n * 2 + 16);
	size_t cap = 0;
	size_t i = 0;
	int newlines = 0;
	bool in_word = false;
	size_t word_start = 0, word_src = 0;

#define END_WORD()                                                                              \
	do {                                                                                    \
		if (in_word) {                                                                  \
			/* a trailing apostrophe is a quote, not part of the word */            \
			while (norm.len > word_start && norm.data[norm.len - 1] == '\'')        \
				buf_truncate(&norm, norm.len - 1);                             \
			if (norm.len > word_start && out->n < max_tokens) {                     \
				out->t = xgrow(out->t, &cap, out->n + 1, sizeof *out->t);       \
				struct tok *tk = &out->t[out->n++];                             \
				tk->off = (uint32_t)word_start;                                 \
				tk->len = (uint32_t)(norm.len - word_start);                    \
				tk->src_off = (uint32_t)word_src;                               \
				tk->src_len = (uint32_t)(i - word_src);                         \
				tk->kind = TOK_WORD;                                            \
				tk->boundary = false;                                           \
			} else {                                                                \
				buf_truncate(&norm, word_start);                                \
			}                                                                       \
			in_word = false;                                                        \
		}                                                                               \
	} while (0)

	while (i < n && out->n < max_tokens) {
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		size_t len = k > 0 ? (size_t)k : 1;
		if (k <= 0)
			cp = 0xfffd;
		char f[4];
		size_t fl;
		char cls = fold(cp, f, &fl);
		if (cls == '\'' && !in_word)
			cls = 'x'; /* opening quote */
		if (cls == 'w' || cls == '\'') {
			if (!in_word) {
				if (newlines >= 2 && out->n && out->t[out->n - 1].kind != TOK_PARA) {
					out->t = xgrow(out->t, &cap, out->n + 1, sizeof *out->t);
					struct tok *tk = &out->t[out->n++];
					memset(tk, 0, sizeof *tk);
					tk->off = (uint32_t)norm.len;
					tk->src_off = (uint32_t)i;
					tk->kind = TOK_PARA;
					tk->boundary = true;
				}
				newlines = 0;
				in_word = true;
				word_start = norm.len;
				word_src = i;
			}
			if (buf_add(&norm, f, fl) < 0)
				break;
			i += len;
			continue;
		}
		END_WORD();
		if (cls == 'n') {
			newlines++;
		} else if (cls == 'p') {
			if (newlines >= 2 && out->n && out->t[out->n - 1].kind != TOK_PARA) {
				out->t = xgrow(out->t, &cap, out->n + 1, sizeof *out->t);
				struct tok *tk = &out->t[out->n++];
				memset(tk, 0, sizeof *tk);
				tk->off = (uint32_t)norm.len;
				tk->src_off = (uint32_t)i;
				tk->kind = TOK_PARA;
				tk->boundary = true;
			}
			newlines = 0;
			if (out->n < max_tokens) {
				size_t off = norm.len;
				if (buf_add(&norm, f, fl) < 0)
					break;
				out->t = xgrow(out->t, &cap, out->n + 1, sizeof *out->t);
				struct tok *tk = &out->t[out->n++];
				tk->off = (uint32_t)off;
				tk->len = (uint32_t)fl;
				tk->src_off = (uint32_t)i;
				tk->src_len = (uint32_t)len;
				tk->kind = TOK_PUNCT;
				tk->boundary = f[0] == '.' || f[0] == '!' || f[0] == '?' || f[0] == ';';
			}
		} else if (cls == 's') {
			/* a line of only spaces still separates paragraphs */
		} else {
			/* skipped characters separate words */
		}
		i += len;
	}
	END_WORD();
#undef END_WORD
	out->norm = buf_detach(&norm, &out->norm_len);
}

static bool tok_is(const struct toks *t, size_t i, const char *s, size_t sl)
{
	return t->t[i].len == sl && memcmp(t->norm + t->t[i].off, s, sl) == 0;
}

/* ------------------------------------------------------------------ patterns */

enum pnode_type { P_WORD, P_PREFIX, P_PUNCT, P_ALT, P_OPT, P_GAP };

struct pseq;

struct pnode {
	enum pnode_type type;
	char *lit;
	size_t lit_len;
	struct pseq *alts;
	size_t n_alts;
	int gap;
};

struct pseq {
	struct pnode *nodes;
	size_t n;
};

static void pseq_free(struct pseq *s);

static void pnode_free(struct pnode *p)
{
	free(p->lit);
	for (size_t i = 0; i < p->n_alts; i++)
		pseq_free(&p->alts[i]);
	free(p->alts);
}

static void pseq_free(struct pseq *s)
{
	for (size_t i = 0; i < s->n; i++)
		pnode_free(&s->nodes[i]);
	free(s->nodes);
	s->nodes = NULL;
	s->n = 0;
}

struct pparse {
	const char *p;
	size_t n, i;
	int nodes, gaps;
	char err[160];
};

static bool pat_syntax(char c)
{
	return c == '(' || c == ')' || c == '[' || c == ']' || c == '|' || c == '~' || c == '*';
}

static struct pnode *seq_push(struct pseq *s, size_t *cap, struct pparse *pp)
{
	if (++pp->nodes > MAX_PATTERN_NODES) {
		snprintf(pp->err, sizeof pp->err, "pattern too long (more than %d parts)", MAX_PATTERN_NODES);
		return NULL;
	}
	s->nodes = xgrow(s->nodes, cap, s->n + 1, sizeof *s->nodes);
	struct pnode *nd = &s->nodes[s->n++];
	memset(nd, 0, sizeof *nd);
	return nd;
}

static bool parse_alts(struct pparse *pp, char close, struct pnode *into, int depth);

/* One literal run ("don't", "e-mail", "observership*") as one or more nodes. */
static bool parse_literal(struct pparse *pp, struct pseq *s, size_t *cap)
{
	size_t st = pp->i;
	while (pp->i < pp->n && pp->p[pp->i] != ' ' && pp->p[pp->i] != '\t' && !pat_syntax(pp->p[pp->i]))
		pp->i++;
	bool prefix = pp->i < pp->n && pp->p[pp->i] == '*';
	if (prefix)
		pp->i++;
	struct toks t;
	tokenize(pp->p + st, (prefix ? pp->i - 1 : pp->i) - st, MAX_PATTERN_NODES + 1, &t);
	if (t.n == 0) {
		toks_free(&t);
		snprintf(pp->err, sizeof pp->err, "'%.*s' has no letters, digits or punctuation to match",
			 (int)(pp->i - st > 40 ? 40 : pp->i - st), pp->p + st);
		return false;
	}
	for (size_t k = 0; k < t.n; k++) {
		if (t.t[k].kind == TOK_PARA)
			continue;
		struct pnode *nd = seq_push(s, cap, pp);
		if (!nd) {
			toks_free(&t);
			return false;
		}
		nd->type = t.t[k].kind == TOK_PUNCT ? P_PUNCT : (prefix && k == t.n - 1) ? P_PREFIX : P_WORD;
		nd->lit = xstrndup(t.norm + t.t[k].off, t.t[k].len);
		nd->lit_len = t.t[k].len;
	}
	toks_free(&t);
	return true;
}

/* seq := item* ; stops at '|' or the closing bracket */
static bool parse_seq(struct pparse *pp, char close, struct pseq *s, int depth)
{
	size_t cap = 0;
	memset(s, 0, sizeof *s);
	for (;;) {
		while (pp->i < pp->n && (pp->p[pp->i] == ' ' || pp->p[pp->i] == '\t'))
			pp->i++;
		if (pp->i >= pp->n) {
			if (close) {
				snprintf(pp->err, sizeof pp->err, "missing '%c'", close);
				return false;
			}
			return true;
		}
		char c = pp->p[pp->i];
		if (c == '|' || (close && c == close))
			return true;
		if (c == ')' || c == ']') {
			snprintf(pp->err, sizeof pp->err, "unexpected '%c'", c);
			return false;
		}
		if (c == '*') {
			snprintf(pp->err, sizeof pp->err, "'*' must follow a word");
			return false;
		}
		if (c == '(' || c == '[') {
			if (depth >= MAX_DEPTH) {
				snprintf(pp->err, sizeof pp->err, "groups nested more than %d deep", MAX_DEPTH);
				return false;
			}
			pp->i++;
			struct pnode *nd = seq_push(s, &cap, pp);
			if (!nd)
				return false;
			nd->type = c == '(' ? P_ALT : P_OPT;
			if (!parse_alts(pp, c == '(' ? ')' : ']', nd, depth + 1))
				return false;
			continue;
		}
		if (c == '~') {
			pp->i++;
			size_t st = pp->i;
			int g = 0;
			while (pp->i < pp->n && isdigit((unsigned char)pp->p[pp->i]) && pp->i - st < 3)
				g = g * 10 + (pp->p[pp->i++] - '0');
			if (pp->i == st || g > MAX_GAP) {
				snprintf(pp->err, sizeof pp->err, "a gap is ~0 to ~%d", MAX_GAP);
				return false;
			}
			if (++pp->gaps > MAX_GAPS) {
				snprintf(pp->err, sizeof pp->err, "more than %d gaps in one pattern", MAX_GAPS);
				return false;
			}
			struct pnode *nd = seq_push(s, &cap, pp);
			if (!nd)
				return false;
			nd->type = P_GAP;
			nd->gap = g;
			continue;
		}
		if (!parse_literal(pp, s, &cap))
			return false;
	}
}

/* alts := seq ('|' seq)* */
static bool parse_alts(struct pparse *pp, char close, struct pnode *into, int depth)
{
	size_t cap = 0;
	for (;;) {
		if (into->n_alts >= MAX_ALTS) {
			snprintf(pp->err, sizeof pp->err, "more than %d alternatives in a group", MAX_ALTS);
			return false;
		}
		into->alts = xgrow(into->alts, &cap, into->n_alts + 1, sizeof *into->alts);
		struct pseq *s = &into->alts[into->n_alts++];
		if (!parse_seq(pp, close, s, depth))
			return false;
		if (s->n == 0) {
			snprintf(pp->err, sizeof pp->err, "empty alternative");
			return false;
		}
		if (pp->i < pp->n && pp->p[pp->i] == '|') {
			pp->i++;
			continue;
		}
		if (close) {
			if (pp->i >= pp->n || pp->p[pp->i] != close) {
				snprintf(pp->err, sizeof pp->err, "missing '%c'", close);
				return false;
			}
			pp->i++;
		}
		return true;
	}
}

/* Fewest tokens any match consumes. */
static size_t seq_min(const struct pseq *s)
{
	size_t m = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct pnode *nd = &s->nodes[i];
		if (nd->type == P_WORD || nd->type == P_PREFIX || nd->type == P_PUNCT) {
			m++;
		} else if (nd->type == P_ALT) {
			size_t best = SIZE_MAX;
			for (size_t k = 0; k < nd->n_alts; k++) {
				size_t v = seq_min(&nd->alts[k]);
				if (v < best)
					best = v;
			}
			m += best == SIZE_MAX ? 0 : best;
		}
	}
	return m;
}

/* Compile a pattern: '|' separates whole word sequences, at the top level as inside
 * ( ) and [ ], like in a regular expression. */
static bool pattern_compile(const char *src, struct pseq *out, char *err, size_t errsz)
{
	struct pparse pp;
	memset(&pp, 0, sizeof pp);
	pp.p = src;
	pp.n = strlen(src);
	memset(out, 0, sizeof *out);
	struct pnode top;
	memset(&top, 0, sizeof top);
	top.type = P_ALT;
	bool ok = parse_alts(&pp, 0, &top, 0);
	if (ok && pp.i < pp.n) {
		snprintf(pp.err, sizeof pp.err, "unexpected '%c'", pp.p[pp.i]);
		ok = false;
	}
	if (ok) {
		if (top.n_alts == 1) {
			*out = top.alts[0];
			free(top.alts);
		} else {
			size_t cap = 0;
			out->nodes = xgrow(NULL, &cap, 1, sizeof *out->nodes);
			out->nodes[0] = top;
			out->n = 1;
		}
	} else {
		pnode_free(&top);
	}
	if (ok && seq_min(out) == 0) {
		snprintf(pp.err, sizeof pp.err, "pattern can match nothing");
		ok = false;
	}
	if (ok && out->n && out->nodes[0].type == P_GAP) {
		snprintf(pp.err, sizeof pp.err, "pattern starts with a gap");
		ok = false;
	}
	if (!ok) {
		snprintf(err, errsz, "%s", pp.err[0] ? pp.err : "bad pattern");
		pseq_free(out);
	}
	return ok;
}

/* ------------------------------------------------------------------ matching */

struct cont {
	const struct pseq *s;
	size_t k;
	const struct cont *next;
};

struct mstate {
	const struct toks *t;
	size_t limit;
	int budget;
	size_t end;
};

static bool m_seq(struct mstate *ms, const struct pseq *s, size_t k, size_t pos, const struct cont *next)
{
	if (--ms->budget <= 0)
		return false;
	if (k == s->n) {
		if (!next) {
			ms->end = pos;
			return true;
		}
		return m_seq(ms, next->s, next->k, pos, next->next);
	}
	const struct pnode *nd = &s->nodes[k];
	const struct toks *t = ms->t;
	switch (nd->type) {
	case P_WORD:
		if (pos < ms->limit && t->t[pos].kind == TOK_WORD && tok_is(t, pos, nd->lit, nd->lit_len))
			return m_seq(ms, s, k + 1, pos + 1, next);
		return false;
	case P_PREFIX:
		if (pos < ms->limit && t->t[pos].kind == TOK_WORD && t->t[pos].len >= nd->lit_len &&
		    memcmp(t->norm + t->t[pos].off, nd->lit, nd->lit_len) == 0)
			return m_seq(ms, s, k + 1, pos + 1, next);
		return false;
	case P_PUNCT:
		if (pos < ms->limit && t->t[pos].kind == TOK_PUNCT && tok_is(t, pos, nd->lit, nd->lit_len))
			return m_seq(ms, s, k + 1, pos + 1, next);
		return false;
	case P_ALT:
	case P_OPT: {
		struct cont c = { s, k + 1, next };
		for (size_t a = 0; a < nd->n_alts; a++)
			if (m_seq(ms, &nd->alts[a], 0, pos, &c))
				return true;
		if (nd->type == P_OPT)
			return m_seq(ms, s, k + 1, pos, next);
		return false;
	}
	case P_GAP:
		for (int g = 0; g <= nd->gap; g++) {
			if (g > 0) {
				size_t q = pos + (size_t)g - 1;
				if (q >= ms->limit || t->t[q].boundary)
					break;
			}
			if (m_seq(ms, s, k + 1, pos + (size_t)g, next))
				return true;
		}
		return false;
	}
	return false;
}

/* Does pattern s match at token pos? Sets *end (exclusive). */
static bool match_at(const struct pseq *s, const struct toks *t, size_t pos, size_t *end)
{
	const struct pnode *f = &s->nodes[0];
	if (f->type == P_WORD && (t->t[pos].kind != TOK_WORD || !tok_is(t, pos, f->lit, f->lit_len)))
		return false;
	if (f->type == P_PUNCT && t->t[pos].kind != TOK_PUNCT)
		return false;
	struct mstate ms = { t, t->n, MATCH_BUDGET, 0 };
	if (!m_seq(&ms, s, 0, pos, NULL) || ms.end <= pos)
		return false;
	*end = ms.end;
	return true;
}

/* ------------------------------------------------------------------ the rule set */

enum scope { SCOPE_BODY, SCOPE_SUBJECT, SCOPE_ANY };

/* an "ignore" phrase: scores nothing, hides the matches it contains */
#define RULE_IGNORE RULES_NLABELS

struct rule {
	int label; /* enum rules_label, or RULE_IGNORE */
	int weight;
	int line;
	enum scope scope;
	bool noneg;
	int neg_label; /* -1: a negated match is dropped */
	char *tag;
	struct pseq pat;
};

struct condition {
	char *name;
	int line;
	struct pseq pat;
};

struct rules {
	struct rule *rules;
	size_t n_rules;
	struct condition *conds;
	size_t n_conds;
	struct pseq *negators;
	size_t n_negators;
	struct pseq *clauses;
	size_t n_clauses;
	struct pseq *contrasts;
	size_t n_contrasts;
	int threshold, ooo_threshold, automated_threshold, negation_window, contrast_bonus, acceptance;
	enum rules_label tiebreak[3];
};

static const char *const label_names[RULES_NLABELS] = { "offer", "decline", "info", "ooo", "unsubscribe" };

const char *rules_label_name(enum rules_label l)
{
	return (unsigned)l < RULES_NLABELS ? label_names[l] : "?";
}

static int label_of(const char *s)
{
	for (int i = 0; i < RULES_NLABELS; i++)
		if (strcmp(s, label_names[i]) == 0)
			return i;
	return -1;
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_rules; i++) {
		pseq_free(&r->rules[i].pat);
		free(r->rules[i].tag);
	}
	free(r->rules);
	for (size_t i = 0; i < r->n_conds; i++) {
		pseq_free(&r->conds[i].pat);
		free(r->conds[i].name);
	}
	free(r->conds);
	for (size_t i = 0; i < r->n_negators; i++)
		pseq_free(&r->negators[i]);
	free(r->negators);
	for (size_t i = 0; i < r->n_clauses; i++)
		pseq_free(&r->clauses[i]);
	free(r->clauses);
	for (size_t i = 0; i < r->n_contrasts; i++)
		pseq_free(&r->contrasts[i]);
	free(r->contrasts);
	free(r);
}

int rules_threshold(const struct rules *r)
{
	return r->threshold;
}

int rules_ooo_threshold(const struct rules *r)
{
	return r->ooo_threshold;
}

int rules_automated_threshold(const struct rules *r)
{
	return r->automated_threshold;
}

int rules_acceptance(const struct rules *r)
{
	return r->acceptance;
}

const enum rules_label *rules_tiebreak(const struct rules *r)
{
	return r->tiebreak;
}

size_t rules_count(const struct rules *r)
{
	return r->n_rules;
}

/* Split one line into words and "quoted strings" (with \" and \\). Comments start at
 * '#' outside quotes. Returns the count, or -1 with msg set. */
static int split_line(const char *l, size_t n, char **out, int max, char *msg, size_t msgsz, bool *quoted)
{
	int c = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
			i++;
		if (i >= n || l[i] == '#')
			break;
		if (c >= max) {
			snprintf(msg, msgsz, "too many fields");
			goto fail;
		}
		struct buf b = BUF_INIT(n + 1);
		if (l[i] == '"') {
			i++;
			bool closed = false;
			while (i < n) {
				if (l[i] == '\\' && i + 1 < n && (l[i + 1] == '"' || l[i + 1] == '\\')) {
					buf_addch(&b, l[i + 1]);
					i += 2;
					continue;
				}
				if (l[i] == '"') {
					closed = true;
					i++;
					break;
				}
				buf_addch(&b, l[i++]);
			}
			if (!closed) {
				buf_release(&b);
				snprintf(msg, msgsz, "unterminated quoted string");
				goto fail;
			}
			quoted[c] = true;
		} else {
			while (i < n && l[i] != ' ' && l[i] != '\t' && l[i] != '\r' && l[i] != '#')
				buf_addch(&b, l[i++]);
			quoted[c] = false;
		}
		out[c++] = buf_detach(&b, NULL);
	}
	return c;
fail:
	while (c > 0)
		free(out[--c]);
	return -1;
}

static int parse_weight(const char *s, int *w)
{
	long v;
	if (*s == '+')
		s++;
	if (parse_long(s, 1, 20, &v) < 0)
		return -1;
	*w = (int)v;
	return 0;
}

static bool add_pattern_list(struct pseq **arr, size_t *n, const char *src, char *msg, size_t msgsz)
{
	struct pseq p;
	if (!pattern_compile(src, &p, msg, msgsz))
		return false;
	size_t cap = *n;
	*arr = xgrow(*arr, &cap, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = p;
	return true;
}

static bool parse_line(struct rules *r, char **f, const bool *q, int nf, int line, size_t *rcap, size_t *ccap,
		       char *msg, size_t msgsz)
{
	const char *d = f[0];
	int lab = label_of(d);
	if (lab >= 0) {
		if (nf < 3) {
			snprintf(msg, msgsz, "'%s' needs a weight and a quoted pattern", d);
			return false;
		}
		int w;
		if (parse_weight(f[1], &w) < 0) {
			snprintf(msg, msgsz, "weight '%.20s' is not a whole number from 1 to 20", f[1]);
			return false;
		}
		if (!q[2]) {
			snprintf(msg, msgsz, "the pattern must be in double quotes");
			return false;
		}
		if (r->n_rules >= MAX_RULES) {
			snprintf(msg, msgsz, "more than %d rules", MAX_RULES);
			return false;
		}
		struct rule ru;
		memset(&ru, 0, sizeof ru);
		ru.label = lab;
		ru.weight = w;
		ru.line = line;
		ru.scope = SCOPE_BODY;
		ru.neg_label = -1;
		for (int i = 3; i < nf; i++) {
			if (strcmp(f[i], "noneg") == 0) {
				ru.noneg = true;
			} else if (strncmp(f[i], "neg=", 4) == 0) {
				int nl = label_of(f[i] + 4);
				if (nl < 0 || nl == RULES_OOO) {
					snprintf(msg, msgsz, "neg= names a label (offer, decline, info, unsubscribe), not '%.20s'",
						 f[i] + 4);
					free(ru.tag);
					return false;
				}
				ru.neg_label = nl;
			} else if (strcmp(f[i], "in=subject") == 0) {
				ru.scope = SCOPE_SUBJECT;
			} else if (strcmp(f[i], "in=body") == 0) {
				ru.scope = SCOPE_BODY;
			} else if (strcmp(f[i], "in=any") == 0) {
				ru.scope = SCOPE_ANY;
			} else if (strncmp(f[i], "tag=", 4) == 0 && f[i][4] && strlen(f[i]) < 40) {
				free(ru.tag);
				ru.tag = xstrdup(f[i] + 4);
			} else {
				snprintf(msg, msgsz, "unknown option '%.30s' (noneg, neg=LABEL, in=subject|body|any, tag=NAME)",
					 f[i]);
				free(ru.tag);
				return false;
			}
		}
		char perr[160];
		if (!pattern_compile(f[2], &ru.pat, perr, sizeof perr)) {
			snprintf(msg, msgsz, "pattern \"%.40s\": %s", f[2], perr);
			free(ru.tag);
			return false;
		}
		r->rules = xgrow(r->rules, rcap, r->n_rules + 1, sizeof *r->rules);
		r->rules[r->n_rules++] = ru;
		return true;
	}
	if (strcmp(d, "ignore") == 0) {
		if (nf != 2 || !q[1]) {
			snprintf(msg, msgsz, "ignore needs one quoted pattern");
			return false;
		}
		if (r->n_rules >= MAX_RULES) {
			snprintf(msg, msgsz, "more than %d rules", MAX_RULES);
			return false;
		}
		struct rule ru;
		memset(&ru, 0, sizeof ru);
		ru.label = RULE_IGNORE;
		ru.line = line;
		ru.scope = SCOPE_ANY;
		ru.noneg = true;
		ru.neg_label = -1;
		char perr[160];
		if (!pattern_compile(f[1], &ru.pat, perr, sizeof perr)) {
			snprintf(msg, msgsz, "pattern \"%.40s\": %s", f[1], perr);
			return false;
		}
		r->rules = xgrow(r->rules, rcap, r->n_rules + 1, sizeof *r->rules);
		r->rules[r->n_rules++] = ru;
		return true;
	}
	if (strcmp(d, "condition") == 0) {
		if (nf != 3 || !q[1] || !q[2]) {
			snprintf(msg, msgsz, "condition needs a quoted name and a quoted pattern");
			return false;
		}
		if (!*f[1] || strlen(f[1]) > 40) {
			snprintf(msg, msgsz, "a condition name has 1 to 40 characters");
			return false;
		}
		struct condition c;
		memset(&c, 0, sizeof c);
		char perr[160];
		if (!pattern_compile(f[2], &c.pat, perr, sizeof perr)) {
			snprintf(msg, msgsz, "pattern \"%.40s\": %s", f[2], perr);
			return false;
		}
		if (r->n_conds >= 64) {
			pseq_free(&c.pat);
			snprintf(msg, msgsz, "more than 64 conditions");
			return false;
		}
		c.name = xstrdup(f[1]);
		c.line = line;
		r->conds = xgrow(r->conds, ccap, r->n_conds + 1, sizeof *r->conds);
		r->conds[r->n_conds++] = c;
		return true;
	}
	if (strcmp(d, "negator") == 0 || strcmp(d, "clause") == 0 || strcmp(d, "contrast") == 0) {
		if (nf != 2 || !q[1]) {
			snprintf(msg, msgsz, "%s needs one quoted pattern", d);
			return false;
		}
		struct pseq **arr = d[0] == 'n' ? &r->negators : d[1] == 'l' ? &r->clauses : &r->contrasts;
		size_t *cnt = d[0] == 'n' ? &r->n_negators : d[1] == 'l' ? &r->n_clauses : &r->n_contrasts;
		if (*cnt >= 64) {
			snprintf(msg, msgsz, "more than 64 %s lines", d);
			return false;
		}
		char perr[160];
		if (!add_pattern_list(arr, cnt, f[1], perr, sizeof perr)) {
			snprintf(msg, msgsz, "pattern \"%.40s\": %s", f[1], perr);
			return false;
		}
		return true;
	}
	if (strcmp(d, "set") == 0) {
		if (nf >= 2 && strcmp(f[1], "tiebreak") == 0) {
			int seen = 0;
			if (nf != 5) {
				snprintf(msg, msgsz, "set tiebreak needs offer, decline and info in some order");
				return false;
			}
			for (int i = 0; i < 3; i++) {
				int l = label_of(f[2 + i]);
				if (l < 0 || l > RULES_INFO || (seen & (1 << l))) {
					snprintf(msg, msgsz, "set tiebreak needs offer, decline and info in some order");
					return false;
				}
				seen |= 1 << l;
				r->tiebreak[i] = (enum rules_label)l;
			}
			return true;
		}
		if (nf != 3) {
			snprintf(msg, msgsz, "set needs a name and a value");
			return false;
		}
		long v;
		int *dst = strcmp(f[1], "threshold") == 0             ? &r->threshold :
			   strcmp(f[1], "ooo_threshold") == 0         ? &r->ooo_threshold :
			   strcmp(f[1], "automated_threshold") == 0   ? &r->automated_threshold :
			   strcmp(f[1], "negation_window") == 0       ? &r->negation_window :
			   strcmp(f[1], "contrast_bonus") == 0        ? &r->contrast_bonus :
			   strcmp(f[1], "acceptance") == 0            ? &r->acceptance :
									NULL;
		if (!dst) {
			snprintf(msg, msgsz,
				 "unknown setting '%.30s' (threshold, ooo_threshold, automated_threshold, negation_window, contrast_bonus, acceptance, tiebreak)",
				 f[1]);
			return false;
		}
		bool small = dst == &r->negation_window || dst == &r->contrast_bonus;
		long max = small ? 8 : 100;
		if (parse_long(f[2], small ? 0 : 1, max, &v) < 0) {
			snprintf(msg, msgsz, "%s must be a whole number from %d to %ld", f[1], small ? 0 : 1, max);
			return false;
		}
		*dst = (int)v;
		return true;
	}
	snprintf(msg, msgsz,
		 "unknown directive '%.30s' (offer, decline, info, ooo, unsubscribe, ignore, condition, negator, clause, contrast, set)",
		 d);
	return false;
}

struct rules *rules_parse(const char *text, size_t n, const char *name, struct err *e)
{
	if (n > RULES_MAX_FILE)
		return err_set(e, ERR_LIMIT, 0, "%s: rules file larger than %u bytes", name, RULES_MAX_FILE), NULL;
	struct rules *r = xcalloc(1, sizeof *r);
	r->threshold = 2;
	r->ooo_threshold = 4;
	r->automated_threshold = 4;
	r->negation_window = 3;
	r->tiebreak[0] = RULES_INFO;
	r->tiebreak[1] = RULES_OFFER;
	r->tiebreak[2] = RULES_DECLINE;
	size_t rcap = 0, ccap = 0;
	size_t i = 0;
	int line = 0;
	while (i < n) {
		line++;
		const char *lf = memchr(text + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - text) : n;
		size_t len = end - i;
		const char *l = text + i;
		i = end + 1;
		if (len > MAX_LINE) {
			err_set(e, ERR_DATA, 0, "%s:%d: line longer than %d characters", name, line, MAX_LINE);
			rules_free(r);
			return NULL;
		}
		if (memchr(l, '\0', len) || !utf8_valid(l, len)) {
			err_set(e, ERR_DATA, 0, "%s:%d: not UTF-8 text", name, line);
			rules_free(r);
			return NULL;
		}
		char *f[12];
		bool q[12];
		char msg[300];
		int nf = split_line(l, len, f, 12, msg, sizeof msg, q);
		bool ok = nf >= 0;
		if (ok && nf > 0)
			ok = parse_line(r, f, q, nf, line, &rcap, &ccap, msg, sizeof msg);
		for (int k = 0; k < nf; k++)
			free(f[k]);
		if (!ok) {
			err_set(e, ERR_DATA, 0, "%s:%d: %s", name, line, msg);
			rules_free(r);
			return NULL;
		}
	}
	return r;
}

struct rules *rules_load_file(const char *path, struct err *e)
{
	struct buf b = BUF_INIT(RULES_MAX_FILE + 1);
	if (read_file(path, RULES_MAX_FILE, &b, e) < 0) {
		buf_release(&b);
		return NULL;
	}
	struct rules *r = rules_parse(buf_str(&b), b.len, path, e);
	buf_release(&b);
	return r;
}

const char *rules_default_text(size_t *n)
{
	if (n)
		*n = (size_t)(outreach_rules_default_end - outreach_rules_default) - 1;
	return outreach_rules_default;
}

struct rules *rules_default(void)
{
	size_t n;
	const char *t = rules_default_text(&n);
	struct err e;
	struct rules *r = rules_parse(t, n, "src/classify.rules", &e);
	if (!r) {
		/* the embedded file is tested at build time; this is a build defect */
		fprintf(stderr, "outreach: internal error: %s\n", e.msg);
		abort();
	}
	return r;
}

/* ------------------------------------------------------------------ evaluation */

static bool is_clause_end(const struct rules *r, const struct toks *t, size_t i)
{
	if (t->t[i].boundary)
		return true;
	if (t->t[i].kind == TOK_PUNCT && (tok_is(t, i, ",", 1) || tok_is(t, i, ":", 1)))
		return true;
	for (size_t c = 0; c < r->n_clauses; c++) {
		size_t e;
		if (match_at(&r->clauses[c], t, i, &e))
			return true;
	}
	return false;
}

/* A negator ends within the window before start, in the same clause. */
static bool negated(const struct rules *r, const struct toks *t, size_t start)
{
	size_t lo = start;
	int w = r->negation_window;
	while (lo > 0 && w > 0 && !is_clause_end(r, t, lo - 1)) {
		lo--;
		w--;
	}
	for (size_t p = lo; p < start; p++) {
		for (size_t k = 0; k < r->n_negators; k++) {
			size_t e;
			if (match_at(&r->negators[k], t, p, &e) && e <= start)
				return true;
		}
	}
	return false;
}

/* The match at start follows a contrast word ("but", "however") in the same sentence:
 * what comes after it is the writer's real answer. */
static bool after_contrast(const struct rules *r, const struct toks *t, size_t start)
{
	for (size_t b = start; b > 0;) {
		b--;
		if (t->t[b].boundary)
			return false;
		for (size_t c = 0; c < r->n_contrasts; c++) {
			size_t e;
			if (match_at(&r->contrasts[c], t, b, &e) && e <= start)
				return true;
		}
	}
	return false;
}

struct span {
	size_t s, e;
};

#define MAX_IGNORE_SPANS 256

struct spans {
	struct span v[MAX_IGNORE_SPANS];
	size_t n;
};

static bool inside(const struct spans *sp, size_t s, size_t e)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->v[i].s <= s && e <= sp->v[i].e)
			return true;
	return false;
}

/* Every occurrence of every ignore phrase. */
static void ignore_spans(const struct rules *r, const struct toks *t, bool subject, struct spans *out)
{
	out->n = 0;
	for (size_t k = 0; k < r->n_rules; k++) {
		const struct rule *ru = &r->rules[k];
		if (ru->label != RULE_IGNORE)
			continue;
		for (size_t i = 0; i < t->n && out->n < MAX_IGNORE_SPANS; i++) {
			size_t e;
			if (match_at(&ru->pat, t, i, &e))
				out->v[out->n++] = (struct span){ i, e };
		}
	}
	(void)subject;
}

struct found {
	size_t rule;
	size_t s, e;
	bool neg;
	bool subject;
	bool dropped;
};

static void snippet(const char *src, const struct toks *t, size_t s, size_t e, char *out, size_t outsz)
{
	size_t a = t->t[s].src_off;
	size_t b = t->t[e - 1].src_off + t->t[e - 1].src_len;
	struct buf tmp = BUF_INIT(outsz);
	bool space = false;
	for (size_t i = a; i < b && tmp.len + 5 < outsz; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			space = tmp.len > 0;
			continue;
		}
		if (c < 0x20 || c == '"')
			continue; /* keep reasons free of control characters and double quotes */
		if (space)
			buf_addch(&tmp, ' ');
		space = false;
		buf_addch(&tmp, (char)c);
	}
	while (tmp.len && !utf8_valid(tmp.data, tmp.len))
		buf_truncate(&tmp, tmp.len - 1);
	snprintf(out, outsz, "%s", buf_str(&tmp));
	buf_release(&tmp);
}

/* First occurrence of p outside the ignore spans that is not negated (else the first
 * negated one). */
static bool find_first(const struct rules *r, const struct pseq *p, const struct toks *t, bool noneg,
		       const struct spans *ign, struct found *f)
{
	bool have_neg = false;
	size_t ns = 0, ne = 0;
	for (size_t i = 0; i < t->n; i++) {
		size_t e;
		if (!match_at(p, t, i, &e) || inside(ign, i, e))
			continue;
		if (noneg || !negated(r, t, i)) {
			f->s = i;
			f->e = e;
			f->neg = false;
			return true;
		}
		if (!have_neg) {
			have_neg = true;
			ns = i;
			ne = e;
		}
	}
	if (have_neg) {
		f->s = ns;
		f->e = ne;
		f->neg = true;
		return true;
	}
	return false;
}

void rules_eval(const struct rules *r, const char *subject, const char *body, size_t n, struct rules_result *out)
{
	memset(out, 0, sizeof *out);
	struct toks tb, ts;
	tokenize(body ? body : "", body ? n : 0, RULES_MAX_TOKENS, &tb);
	tokenize(subject ? subject : "", subject ? strlen(subject) : 0, 200, &ts);
	struct spans *ib = xmalloc(sizeof *ib), *is = xmalloc(sizeof *is);
	ignore_spans(r, &tb, false, ib);
	ignore_spans(r, &ts, true, is);

	struct found *f = xcalloc(r->n_rules ? r->n_rules * 2 : 1, sizeof *f);
	size_t nf = 0;
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rule *ru = &r->rules[i];
		if (ru->label == RULE_IGNORE)
			continue;
		struct found x;
		memset(&x, 0, sizeof x);
		if (ru->scope != SCOPE_SUBJECT && find_first(r, &ru->pat, &tb, ru->noneg, ib, &x)) {
			x.rule = i;
			x.subject = false;
			f[nf++] = x;
		}
		if (ru->scope != SCOPE_BODY && find_first(r, &ru->pat, &ts, ru->noneg, is, &x)) {
			x.rule = i;
			x.subject = true;
			f[nf++] = x;
		}
	}
	/* a match inside a longer match of another rule is part of that phrase: "not able
	 * to offer" is one decline, not also an "able to offer" */
	for (size_t a = 0; a < nf; a++) {
		for (size_t b = 0; b < nf; b++) {
			if (a == b || f[a].subject != f[b].subject || f[a].rule == f[b].rule || f[b].neg)
				continue;
			if (f[b].s <= f[a].s && f[a].e <= f[b].e && f[b].e - f[b].s > f[a].e - f[a].s) {
				f[a].dropped = true;
				break;
			}
		}
	}
	/* overlapping matches for the same label are one piece of evidence: the heavier
	 * (then the earlier) counts */
	for (size_t a = 0; a < nf; a++) {
		if (f[a].dropped || f[a].neg)
			continue;
		for (size_t b = 0; b < nf; b++) {
			if (a == b || f[b].dropped || f[b].neg || f[a].subject != f[b].subject)
				continue;
			const struct rule *ra = &r->rules[f[a].rule], *rb = &r->rules[f[b].rule];
			if (ra->label != rb->label || f[a].e <= f[b].s || f[b].e <= f[a].s)
				continue;
			if (rb->weight > ra->weight || (rb->weight == ra->weight && f[b].rule < f[a].rule)) {
				f[a].dropped = true;
				break;
			}
		}
	}
	for (size_t k = 0; k < nf; k++) {
		if (f[k].dropped)
			continue;
		const struct rule *ru = &r->rules[f[k].rule];
		int lab = ru->label;
		if (f[k].neg) {
			if (ru->neg_label < 0)
				continue;
			lab = ru->neg_label;
		}
		int w = ru->weight;
		if (r->contrast_bonus && !f[k].subject && after_contrast(r, &tb, f[k].s))
			w += r->contrast_bonus;
		if (lab == RULES_UNSUBSCRIBE) {
			out->unsubscribe = true;
			out->score[RULES_DECLINE] += w;
		}
		out->score[lab] += w;
		if (ru->tag && out->n_tags < RULES_MAX_HITS) {
			bool dup = false;
			for (size_t q = 0; q < out->n_tags; q++)
				dup |= strcmp(out->tags[q], ru->tag) == 0;
			if (!dup)
				out->tags[out->n_tags++] = ru->tag;
		}
		if (out->n_hits < RULES_MAX_HITS) {
			struct rules_hit *h = &out->hits[out->n_hits++];
			h->label = (enum rules_label)lab;
			h->weight = w;
			h->line = ru->line;
			h->negated = f[k].neg;
			const struct toks *t = f[k].subject ? &ts : &tb;
			snippet(f[k].subject ? subject : body, t, f[k].s, f[k].e, h->text, sizeof h->text);
		}
	}
	for (size_t c = 0; c < r->n_conds && out->n_conditions < RULES_MAX_CONDITIONS; c++) {
		struct found x;
		if (find_first(r, &r->conds[c].pat, &tb, false, ib, &x) && !x.neg) {
			bool dup = false;
			for (size_t q = 0; q < out->n_conditions; q++)
				dup |= strcmp(out->conditions[q], r->conds[c].name) == 0;
			if (!dup)
				out->conditions[out->n_conditions++] = r->conds[c].name;
		}
	}
	free(f);
	free(ib);
	free(is);
	toks_free(&tb);
	toks_free(&ts);
}
