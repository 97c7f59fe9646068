/* autoreply: recognise automatic replies (RFC 3834 and the real-world headers and subjects) and their return date. */
#include "autoreply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "util.h"

const char *autoreply_kind_name(enum autoreply_kind k)
{
	static const char *const names[] = { "none", "reply", "generated", "challenge", "list" };
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

/* ------------------------------------------------------------------ folding */

/* Lower-case ASCII letter for a Latin code point ("é" -> 'e', "ł" -> 'l'), 0 if none. */
static char fold_letter(uint32_t cp)
{
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			return (char)(cp - 'A' + 'a');
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			return (char)cp;
		return 0;
	}
	static const char l1[65] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts" "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";
	if (cp >= 0xc0 && cp <= 0xff)
		return l1[cp - 0xc0];
	static const char ext[129] =
		"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
	if (cp >= 0x100 && cp <= 0x17f)
		return ext[cp - 0x100];
	return 0;
}

/* ------------------------------------------------------------------ detection */

static bool has_ci(const char *s, const char *needle)
{
	return s && mem_icase_find(s, strlen(s), needle) != NULL;
}

/* Subject text folded to lower-case ASCII (accents removed) for phrase tests. */
static void fold_str(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n && o + 1 < outsz;) {
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		char c = fold_letter(cp);
		if (!c)
			c = cp < 0x80 ? (char)cp : ' ';
		out[o++] = c;
		i += (size_t)k;
	}
	out[o] = '\0';
}

static const char *const ooo_subjects[] = {
	"automatic reply", "auto reply", "auto-reply", "autoreply", "auto response", "auto-response",
	"autoresponse", "automatic response", "automated response", "automated reply", "out of office",
	"out of the office", "out-of-office", "ooo:", "[ooo]", "away from the office", "away until", "away from my",
	"on vacation", "vacation reply", "on leave", "abwesenheitsnotiz", "abwesend", "automatische antwort",
	"respuesta automatica", "fuera de la oficina", "fuera de oficina", "ausente", "de vacaciones",
	"reponse automatique", "absence du bureau", "absent du bureau", "resposta automatica", "fora do escritorio",
	"ausencia", "risposta automatica", "fuori sede", "fuori ufficio", "automatyczna odpowiedz", "autosvar",
	"automatisch antwoord", "afwezig", "autorespons", "autoresponder", NULL,
};

static const char *const generated_subjects[] = {
	"[auto generated]", "[auto-generated]", "auto generated", "auto-generated", "automated message",
	"automated notification", "do not reply", "do-not-reply", "noreply", NULL,
};

/* acknowledgements answer our message: RFC 3834 responses even without the header */
static const char *const ack_subjects[] = {
	"thank you for your e-mail",
	"thank you for your email", "thank you for your message", "thank you for contacting",
	"thanks for your email", "thanks for contacting", "we have received your", "we received your",
	"your message has been received", "message received", "received your message", "ticket #",
	"[ticket", "request received", "gracias por su mensaje", "gracias por su correo", "hemos recibido",
	NULL,
};

static const char *const challenge_phrases[] = {
	"boxbe", "bluebottle", "spamarrest", "spam arrest", "not pre-approved", "pre-approved senders",
	"guest list", "waitlisted", "allowed list", "approved senders list", "requires confirmation",
	"confirm this mail server", "have your address added", "add yourself to my", "to be added to my",
	"verify that you are a real person", "prove you are human", "challenge-response",
	"click the link below to deliver your message", "click the link below to be added",
	"this account is protected by", "mailbox is protected by", "sender verification request",
	"please verify your email address to deliver", "awaiting your verification", NULL,
};

bool autoreply_challenge(const char *text, size_t n)
{
	if (!text)
		return false;
	size_t lim = n < 20000 ? n : 20000;
	for (size_t i = 0; challenge_phrases[i]; i++)
		if (mem_icase_find(text, lim, challenge_phrases[i]))
			return true;
	return false;
}

/* signal = a followed by b (at most 100 bytes of b), one printable line: values come
 * from mail and end up in reasons */
static void set_signal(struct autoreply_info *o, const char *a, const char *b)
{
	snprintf(o->signal, sizeof o->signal, "%s%.100s", a, b ? b : "");
	for (char *p = o->signal; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\'')
			*p = ' ';
}

/* First word of a header value, lower case ("auto-replied; owner-email=..." -> "auto-replied"). */
static void first_token(const char *v, char *out, size_t outsz)
{
	size_t o = 0;
	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' && o + 1 < outsz) {
		char c = *v++;
		out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[o] = '\0';
}

enum autoreply_kind autoreply_detect(const struct message *m, struct autoreply_info *o)
{
	memset(o, 0, sizeof *o);
	char tok[64];
	char subj[512];
	fold_str(m->subject, subj, sizeof subj);
	for (size_t i = 0; ooo_subjects[i]; i++)
		if (strstr(subj, ooo_subjects[i]))
			o->ooo_subject = true;

	/* challenge-response systems first: they look like replies or even like DSNs */
	if (message_header(m, "X-Boxbe-Notice") || message_header(m, "X-Bluebottle-Request") ||
	    message_header(m, "X-Spamarrest-noauth") || autoreply_challenge(m->text, m->text_len)) {
		o->kind = AUTOREPLY_CHALLENGE;
		set_signal(o, "challenge-response request", NULL);
		return o->kind;
	}
	if (m->auto_submitted) {
		first_token(m->auto_submitted, tok, sizeof tok);
		if (*tok && strcmp(tok, "no") != 0) {
			o->kind = strcmp(tok, "auto-replied") == 0 ? AUTOREPLY_REPLY : AUTOREPLY_GENERATED;
			set_signal(o, "Auto-Submitted: ", tok);
			return o->kind;
		}
	}
	static const char *const reply_headers[] = { "X-Autoreply", "X-Autorespond", "X-Autoresponder",
						     "X-Mail-Autoreply", "X-Vacation", "X-AutoReply-From",
						     "X-Autogenerated", NULL };
	for (size_t i = 0; reply_headers[i]; i++) {
		const char *v = message_header(m, reply_headers[i]);
		if (v) {
			first_token(v, tok, sizeof tok);
			if (strcmp(tok, "no") == 0 || strcmp(tok, "false") == 0)
				continue;
			o->kind = AUTOREPLY_REPLY;
			set_signal(o, reply_headers[i], NULL);
			return o->kind;
		}
	}
	if (m->precedence) {
		first_token(m->precedence, tok, sizeof tok);
		if (strcmp(tok, "auto_reply") == 0 || strcmp(tok, "auto-reply") == 0) {
			o->kind = AUTOREPLY_REPLY;
			set_signal(o, "Precedence: ", tok);
			return o->kind;
		}
		if (strcmp(tok, "bulk") == 0 || strcmp(tok, "junk") == 0) {
			bool ack = false;
			for (size_t i = 0; ack_subjects[i]; i++)
				ack |= strstr(subj, ack_subjects[i]) != NULL;
			o->kind = o->ooo_subject || ack ? AUTOREPLY_REPLY : AUTOREPLY_GENERATED;
			set_signal(o, "Precedence: ", tok);
			return o->kind;
		}
	}
	if (o->ooo_subject) {
		o->kind = AUTOREPLY_REPLY;
		set_signal(o, "subject: ", m->subject);
		return o->kind;
	}
	/* RFC 3834 §3.3: responders send from the null path; people never do */
	if (m->return_path) {
		bool empty = true;
		for (const char *p = m->return_path; *p; p++)
			if (*p != '<' && *p != '>' && *p != ' ' && *p != '\t')
				empty = false;
		if (empty) {
			o->kind = AUTOREPLY_GENERATED;
			set_signal(o, "Return-Path: <>", NULL);
			return o->kind;
		}
	}
	/* "Re: ..." is a person answering, even when the subject thanks */
	bool re = strncmp(subj, "re:", 3) == 0 || strncmp(subj, "aw:", 3) == 0 || strncmp(subj, "rv:", 3) == 0;
	for (size_t i = 0; ack_subjects[i] && !re; i++) {
		if (strstr(subj, ack_subjects[i])) {
			o->kind = AUTOREPLY_REPLY;
			set_signal(o, "subject: ", m->subject);
			return o->kind;
		}
	}
	for (size_t i = 0; generated_subjects[i] && !re; i++) {
		if (strstr(subj, generated_subjects[i])) {
			o->kind = AUTOREPLY_GENERATED;
			set_signal(o, "subject: ", m->subject);
			return o->kind;
		}
	}
	if ((m->precedence && has_ci(m->precedence, "list")) || m->list_id || message_header(m, "List-Post")) {
		o->kind = AUTOREPLY_LIST;
		set_signal(o, m->list_id ? "List-Id" : "Precedence: list", NULL);
		return o->kind;
	}
	return AUTOREPLY_NONE;
}

/* ------------------------------------------------------------------ return dates */

enum dt_kind { DT_WORD, DT_NUM, DT_SEP, DT_STOP };

struct dtok {
	enum dt_kind k;
	char w[24];
	int num;
	int ndig;
	char sep;
};

#define DT_MAX_TOKENS 3000

static size_t dt_tokenize(const char *s, size_t n, struct dtok *t, size_t max)
{
	size_t nt = 0, i = 0;
	int newlines = 0;
	while (i < n && nt < max) {
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		char c = fold_letter(cp);
		if (cp == 0xdf) /* ß */
			c = 's';
		if (c >= '0' && c <= '9') {
			struct dtok *d = &t[nt++];
			memset(d, 0, sizeof *d);
			d->k = DT_NUM;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (d->ndig < 6)
					d->num = d->num * 10 + (s[i] - '0');
				d->ndig++;
				i++;
			}
			newlines = 0;
			continue;
		}
		if (c) {
			struct dtok *d = &t[nt++];
			memset(d, 0, sizeof *d);
			d->k = DT_WORD;
			size_t wl = 0;
			while (i < n) {
				k = utf8_decode(s + i, n - i, &cp);
				if (k <= 0)
					break;
				char f = fold_letter(cp);
				if (cp == 0xdf)
					f = 's';
				if (!f || (f >= '0' && f <= '9'))
					break;
				if (wl + 1 < sizeof d->w)
					d->w[wl++] = f;
				i += (size_t)k;
			}
			newlines = 0;
			continue;
		}
		if (cp == '\n') {
			if (++newlines == 2) {
				struct dtok *d = &t[nt++];
				memset(d, 0, sizeof *d);
				d->k = DT_STOP;
			}
		} else if (cp == '/' || cp == '.' || cp == '-' || cp == ',' || cp == 0x2013 || cp == 0x2014) {
			struct dtok *d = &t[nt++];
			memset(d, 0, sizeof *d);
			d->k = DT_SEP;
			d->sep = cp < 0x80 ? (char)cp : '-';
			newlines = 0;
		} else if (cp == '!' || cp == '?' || cp == ';') {
			struct dtok *d = &t[nt++];
			memset(d, 0, sizeof *d);
			d->k = DT_STOP;
			newlines = 0;
		} else if (cp != ' ' && cp != '\t' && cp != '\r') {
			newlines = 0;
		}
		i += (size_t)k;
	}
	return nt;
}

static int month_of(const char *w, bool *abbr)
{
	static const struct { const char *w; int m; } months[] = {
		{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 }, { "may", 5 }, { "june", 6 },
		{ "july", 7 }, { "august", 8 }, { "september", 9 }, { "october", 10 }, { "november", 11 },
		{ "december", 12 }, { "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 }, { "mayo", 5 },
		{ "junio", 6 }, { "julio", 7 }, { "agosto", 8 }, { "septiembre", 9 }, { "setiembre", 9 },
		{ "octubre", 10 }, { "noviembre", 11 }, { "diciembre", 12 }, { "januar", 1 }, { "janner", 1 },
		{ "februar", 2 }, { "marz", 3 }, { "maerz", 3 }, { "mai", 5 }, { "juni", 6 }, { "juli", 7 },
		{ "oktober", 10 }, { "dezember", 12 }, { "janvier", 1 }, { "fevrier", 2 }, { "mars", 3 },
		{ "avril", 4 }, { "juin", 6 }, { "juillet", 7 }, { "aout", 8 }, { "septembre", 9 }, { "octobre", 10 },
		{ "novembre", 11 }, { "decembre", 12 }, { "janeiro", 1 }, { "fevereiro", 2 }, { "marco", 3 },
		{ "maio", 5 }, { "junho", 6 }, { "julho", 7 }, { "setembro", 9 }, { "outubro", 10 },
		{ "novembro", 11 }, { "dezembro", 12 }, { "gennaio", 1 }, { "febbraio", 2 }, { "aprile", 4 },
		{ "maggio", 5 }, { "giugno", 6 }, { "luglio", 7 }, { "settembre", 9 }, { "ottobre", 10 },
		{ "dicembre", 12 }, { "stycznia", 1 }, { "lutego", 2 }, { "marca", 3 }, { "kwietnia", 4 },
		{ "maja", 5 }, { "czerwca", 6 }, { "lipca", 7 }, { "sierpnia", 8 }, { "wrzesnia", 9 },
		{ "pazdziernika", 10 }, { "listopada", 11 }, { "grudnia", 12 },
	};
	static const struct { const char *w; int m; } abbrs[] = {
		{ "jan", 1 }, { "feb", 2 }, { "mar", 3 }, { "apr", 4 }, { "jun", 6 }, { "jul", 7 }, { "aug", 8 },
		{ "sep", 9 }, { "sept", 9 }, { "oct", 10 }, { "nov", 11 }, { "dec", 12 }, { "ene", 1 },
		{ "abr", 4 }, { "ago", 8 }, { "dic", 12 }, { "okt", 10 }, { "dez", 12 }, { "janv", 1 },
		{ "fevr", 2 }, { "avr", 4 }, { "juil", 7 }, { "out", 10 }, { "set", 9 }, { "gen", 1 },
		{ "giu", 6 }, { "lug", 7 }, { "ott", 10 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(months); i++)
		if (strcmp(w, months[i].w) == 0) {
			*abbr = false;
			return months[i].m;
		}
	for (size_t i = 0; i < ARRAY_SIZE(abbrs); i++)
		if (strcmp(w, abbrs[i].w) == 0) {
			*abbr = true;
			return abbrs[i].m;
		}
	return 0;
}

/* 1 = Monday ... 7 = Sunday */
static int weekday_of(const char *w)
{
	static const struct { const char *w; int d; } days[] = {
		{ "monday", 1 }, { "tuesday", 2 }, { "wednesday", 3 }, { "thursday", 4 }, { "friday", 5 },
		{ "saturday", 6 }, { "sunday", 7 }, { "mon", 1 }, { "tue", 2 }, { "tues", 2 }, { "wed", 3 },
		{ "thu", 4 }, { "thur", 4 }, { "thurs", 4 }, { "fri", 5 }, { "lunes", 1 }, { "martes", 2 },
		{ "miercoles", 3 }, { "jueves", 4 }, { "viernes", 5 }, { "sabado", 6 }, { "domingo", 7 },
		{ "montag", 1 }, { "dienstag", 2 }, { "mittwoch", 3 }, { "donnerstag", 4 }, { "freitag", 5 },
		{ "samstag", 6 }, { "sonntag", 7 }, { "lundi", 1 }, { "mardi", 2 }, { "mercredi", 3 },
		{ "jeudi", 4 }, { "vendredi", 5 }, { "samedi", 6 }, { "dimanche", 7 }, { "segunda", 1 },
		{ "terca", 2 }, { "quarta", 3 }, { "quinta", 4 }, { "sexta", 5 }, { "lunedi", 1 },
		{ "martedi", 2 }, { "mercoledi", 3 }, { "giovedi", 4 }, { "venerdi", 5 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(days); i++)
		if (strcmp(w, days[i].w) == 0)
			return days[i].d;
	return 0;
}

static bool is_ordinal(const char *w)
{
	static const char *const o[] = { "st", "nd", "rd", "th", "er", "re", "eme", "e", "o", "a", "de", NULL };
	for (size_t i = 0; o[i]; i++)
		if (strcmp(w, o[i]) == 0)
			return true;
	return false;
}

struct dexpr {
	size_t start, end;   /* tokens [start, end) */
	int y, m, d;         /* y 0 when not written */
	int weekday;         /* for a weekday alone */
	bool weekday_only;
	bool day_only;       /* "the 15th": this month's or the next */
	int holiday;         /* a holiday by name (enum holiday), its date by the year */
	bool after;          /* "after Thanksgiving": the day after */
	bool eve;            /* "Christmas Eve": the day before */
	bool numeric_slash;  /* M/D vs D/M still to decide */
	int n1, n2;          /* the two numbers of a slash date */
};

static bool sep_at(const struct dtok *t, size_t nt, size_t i, char c)
{
	return i < nt && t[i].k == DT_SEP && t[i].sep == c;
}

static bool word_at(const struct dtok *t, size_t nt, size_t i, const char *w)
{
	return i < nt && t[i].k == DT_WORD && strcmp(t[i].w, w) == 0;
}

static int year_value(const struct dtok *d)
{
	if (d->k != DT_NUM)
		return 0;
	if (d->ndig == 4 && d->num >= 2000 && d->num <= 2100)
		return d->num;
	if (d->ndig == 2)
		return 2000 + d->num;
	return 0;
}

static bool in_list(const char *w, const char *const *l);

enum holiday { HOL_NONE, HOL_THANKSGIVING, HOL_CHRISTMAS, HOL_NEW_YEAR };

/* The holiday named at token j (Thanksgiving, Christmas, New Year): its tokens in *len. */
static int holiday_at(const struct dtok *t, size_t nt, size_t j, size_t *len)
{
	*len = 1;
	if (word_at(t, nt, j, "thanksgiving"))
		return HOL_THANKSGIVING;
	if (word_at(t, nt, j, "christmas") || word_at(t, nt, j, "xmas"))
		return HOL_CHRISTMAS;
	if (word_at(t, nt, j, "new") && (word_at(t, nt, j + 1, "year") || word_at(t, nt, j + 1, "years"))) {
		*len = 2 + (word_at(t, nt, j + 1, "year") && word_at(t, nt, j + 2, "s")); /* year's */
		return HOL_NEW_YEAR;
	}
	return HOL_NONE;
}

static bool english_ordinal(const struct dtok *t, size_t nt, size_t k)
{
	return word_at(t, nt, k, "st") || word_at(t, nt, k, "nd") || word_at(t, nt, k, "rd") || word_at(t, nt, k, "th");
}

/* A date expression starting at token i, or false. */
static bool parse_date_at(const struct dtok *t, size_t nt, size_t i, struct dexpr *e)
{
	memset(e, 0, sizeof *e);
	e->start = i;
	size_t j = i;
	int wd = 0;
	if (j < nt && t[j].k == DT_WORD && (wd = weekday_of(t[j].w)) != 0) {
		j++;
		if (sep_at(t, nt, j, '-') && word_at(t, nt, j + 1, "feira"))
			j += 2;
		if (sep_at(t, nt, j, ',') || sep_at(t, nt, j, '.'))
			j++;
		if (word_at(t, nt, j, "the"))
			j++;
	}
	bool abbr;
	/* MONTH [.] DAY [st] [, YEAR] */
	if (j < nt && t[j].k == DT_WORD && month_of(t[j].w, &abbr)) {
		int m = month_of(t[j].w, &abbr);
		size_t k = j + 1;
		if (sep_at(t, nt, k, '.'))
			k++;
		if (k < nt && t[k].k == DT_NUM && t[k].ndig <= 2 && t[k].num >= 1 && t[k].num <= 31) {
			e->m = m;
			e->d = t[k].num;
			k++;
			if (k < nt && t[k].k == DT_WORD && is_ordinal(t[k].w) && strcmp(t[k].w, "de") != 0)
				k++;
			size_t save = k;
			if (sep_at(t, nt, k, ','))
				k++;
			if (k < nt && t[k].k == DT_NUM && t[k].ndig == 4 && year_value(&t[k])) {
				e->y = year_value(&t[k]);
				k++;
			} else {
				k = save;
			}
			e->end = k;
			return true;
		}
	}
	/* DAY [st|.] [of|de] MONTH [[,] [de] YEAR] */
	if (j < nt && t[j].k == DT_NUM && t[j].ndig <= 2 && t[j].num >= 1 && t[j].num <= 31) {
		size_t k = j + 1;
		if (k < nt && t[k].k == DT_WORD && is_ordinal(t[k].w) && strcmp(t[k].w, "de") != 0)
			k++;
		else if (sep_at(t, nt, k, '.') && k + 1 < nt && t[k + 1].k == DT_WORD)
			k++;
		if (word_at(t, nt, k, "of") || word_at(t, nt, k, "de") || word_at(t, nt, k, "del"))
			k++;
		if (k < nt && t[k].k == DT_WORD && month_of(t[k].w, &abbr)) {
			e->d = t[j].num;
			e->m = month_of(t[k].w, &abbr);
			k++;
			if (sep_at(t, nt, k, '.') && abbr)
				k++;
			size_t save = k;
			if (sep_at(t, nt, k, ','))
				k++;
			if (word_at(t, nt, k, "de") || word_at(t, nt, k, "del"))
				k++;
			if (k < nt && t[k].k == DT_NUM && t[k].ndig == 4 && year_value(&t[k])) {
				e->y = year_value(&t[k]);
				k++;
			} else {
				k = save;
			}
			e->end = k;
			return true;
		}
	}
	/* numeric: YYYY-MM-DD, N/N[/Y], D.M[.Y], N-N-Y */
	if (j + 2 < nt && t[j].k == DT_NUM && t[j + 1].k == DT_SEP && t[j + 2].k == DT_NUM) {
		char s = t[j + 1].sep;
		if (s == '/' || s == '.' || s == '-') {
			const struct dtok *a = &t[j], *b = &t[j + 2];
			const struct dtok *c = NULL;
			size_t k = j + 3;
			if (sep_at(t, nt, k, s) && k + 1 < nt && t[k + 1].k == DT_NUM) {
				c = &t[k + 1];
				k += 2;
			}
			if (a->ndig == 4 && c && s != '.') { /* ISO */
				if (a->num < 2000 || a->num > 2100)
					return false;
				e->y = a->num;
				e->m = b->num;
				e->d = c->num;
				e->end = k;
				return true;
			}
			if (a->ndig > 2 || b->ndig > 2)
				return false;
			if (s == '-' && !c)
				return false; /* "24-25" is a range of days, not a date */
			if (c) {
				int y = year_value(c);
				if (!y)
					return false;
				e->y = y;
			}
			if (s == '.') { /* European D.M.Y */
				e->d = a->num;
				e->m = b->num;
			} else {
				e->numeric_slash = true;
				e->n1 = a->num;
				e->n2 = b->num;
			}
			e->end = k;
			return true;
		}
	}
	/* [after] [the] Thanksgiving | Christmas | New Year['s] */
	{
		size_t k = j, len;
		bool after = word_at(t, nt, k, "after");
		if (after)
			k++;
		if (word_at(t, nt, k, "the"))
			k++;
		int h = holiday_at(t, nt, k, &len);
		/* "Merry Christmas", "Happy New Year": a wish, not a date */
		bool wish = !after && j > 0 && (word_at(t, nt, j - 1, "merry") || word_at(t, nt, j - 1, "happy"));
		if (h != HOL_NONE && !wish) {
			e->holiday = h;
			e->after = after;
			e->weekday = wd; /* "Monday after Thanksgiving" */
			e->end = k + len;
			if (word_at(t, nt, e->end, "eve")) { /* Christmas Eve, New Year's Eve */
				e->eve = true;
				e->end++;
			}
			return true;
		}
	}
	/* the DAY[th], DAY{st|nd|rd|th}: a day of the month without the month (English) */
	{
		size_t k = j;
		bool the = word_at(t, nt, k, "the");
		if (the) {
			k++;
			/* "the 1st of December": the whole date, from the number on */
			struct dexpr full;
			if (k < nt && t[k].k == DT_NUM && parse_date_at(t, nt, k, &full) && !full.weekday_only &&
			    !full.day_only) {
				*e = full;
				e->start = i;
				return true;
			}
		}
		/* "12/05", "12.05", "12-05" are numeric dates (above), not a day and a separator; a
		 * "." that ends the sentence is */
		bool numeric_next = k + 2 < nt && t[k + 1].k == DT_SEP && t[k + 2].k == DT_NUM &&
				    (t[k + 1].sep == '/' || t[k + 1].sep == '.' || t[k + 1].sep == '-');
		if (k < nt && t[k].k == DT_NUM && t[k].ndig <= 2 && t[k].num >= 1 && t[k].num <= 31 && !numeric_next) {
			bool ord = english_ordinal(t, nt, k + 1);
			size_t after_num = k + 1 + (ord ? 1 : 0);
			/* "the 2nd floor", "the 3rd time", "the 2nd half": a rank; "the 24 hours", "the 2
			 * weeks": a count. Without a suffix the number must end the phrase. */
			static const char *const ranked[] = { "floor", "time", "times", "week", "weeks", "year", "years",
							      "day", "days", "hour", "hours", "minute", "minutes",
							      "month", "months", "half", "quarter", "page", "step", "round",
							      "attempt", "edition", "visit", "option", "place", NULL };
			bool word_next = after_num < nt && t[after_num].k == DT_WORD;
			bool counted = word_next && in_list(t[after_num].w, ranked);
			if ((ord && !counted) || (the && !ord && !word_next && !(after_num < nt && t[after_num].k == DT_NUM))) {
				e->day_only = true;
				e->d = t[k].num;
				e->end = k + 1 + (ord ? 1 : 0);
				return true;
			}
		}
	}
	if (wd) {
		e->weekday_only = true;
		e->weekday = wd;
		e->end = j > i ? j : i + 1;
		return true;
	}
	return false;
}

struct trigger {
	const char *w;
	int prio;
	bool foreign;
};

static const struct trigger triggers[] = {
	{ "back", 3, false }, { "return", 3, false }, { "returning", 3, false }, { "returns", 3, false },
	{ "resume", 2, false }, { "reachable", 2, false }, { "available", 1, false }, { "until", 2, false },
	{ "till", 2, false }, { "til", 2, false }, { "through", 2, false }, { "thru", 2, false },
	{ "hasta", 2, true }, { "regreso", 3, true }, { "regresare", 3, true }, { "regresamos", 3, true },
	{ "volvere", 3, true }, { "vuelta", 3, true }, { "reincorporo", 3, true }, { "reincorporare", 3, true },
	{ "retorno", 3, true }, { "retornarei", 3, true }, { "retornando", 3, true }, { "volto", 3, true },
	{ "volta", 3, true }, { "ate", 2, true }, { "zuruck", 3, true }, { "zurueck", 3, true },
	{ "wieder", 3, true }, { "bis", 2, true }, { "ab", 3, true }, { "jusqu", 2, true }, { "retour", 3, true },
	{ "rientro", 3, true }, { "rientrero", 3, true }, { "fino", 2, true }, { "partir", 3, true },
	{ "powrot", 3, true },
};

static const char *const range_words[] = { "to", "until", "till", "through", "thru", "hasta", "al", "a", "bis",
					   "au", "ao", "and", "y", "und", "et", "e", NULL };
static const char *const foreign_range[] = { "hasta", "al", "a", "bis", "au", "ao", "y", "und", "et", "e", NULL };

static bool in_list(const char *w, const char *const *l)
{
	for (size_t i = 0; l[i]; i++)
		if (strcmp(w, l[i]) == 0)
			return true;
	return false;
}

static long days_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static bool valid_ymd(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1)
		return false;
	int md = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return d <= md;
}

/* The day (days since 1970-01-01) of a holiday in year y: US Thanksgiving is the fourth
 * Thursday of November. */
static long holiday_day(int h, int y)
{
	if (h == HOL_CHRISTMAS)
		return days_civil(y, 12, 25);
	if (h == HOL_NEW_YEAR)
		return days_civil(y, 1, 1);
	long nov1 = days_civil(y, 11, 1);
	long dow = ((nov1 % 7) + 7 + 3) % 7 + 1; /* 1 = Monday; 1970-01-01 was a Thursday */
	return nov1 + (4 - dow + 7) % 7 + 21;
}

int autoreply_return_date(const char *text, size_t n, time_t msg_date, int tz_min, bool has_date, char out[11])
{
	if (!text)
		return -1;
	if (n > 16000)
		n = 16000; /* a return date is stated early; quoted history follows */
	struct dtok *t = malloc(DT_MAX_TOKENS * sizeof *t);
	if (!t)
		return -1;
	size_t nt = dt_tokenize(text, n, t, DT_MAX_TOKENS);
	long today = 0;
	int ty = 0, tm = 0, td = 0;
	if (has_date) {
		long secs = (long)msg_date + (long)tz_min * 60L;
		today = (secs >= 0 ? secs : secs - 86399) / 86400;
		civil_from_days(today, &ty, &tm, &td);
	}
	int best_prio = 0;
	long best_day = 0;
	struct dexpr prev;
	memset(&prev, 0, sizeof prev);
	bool have_prev = false;
	for (size_t i = 0; i < nt; i++) {
		struct dexpr e;
		if (!parse_date_at(t, nt, i, &e))
			continue;
		/* what introduces it: a trigger word within six tokens of the same sentence,
		 * or a range connector right after another date */
		int prio = 0;
		bool foreign = false;
		for (size_t b = i, steps = 0; b > 0 && steps < 6; steps++) {
			b--;
			if (t[b].k == DT_STOP)
				break;
			if (t[b].k != DT_WORD)
				continue;
			for (size_t q = 0; q < ARRAY_SIZE(triggers); q++) {
				if (strcmp(t[b].w, triggers[q].w) == 0 && triggers[q].prio > prio) {
					prio = triggers[q].prio;
					foreign = triggers[q].foreign;
				}
			}
		}
		if (have_prev && prev.end <= i && i - prev.end <= 2) {
			size_t c = prev.end;
			if (c < i && t[c].k == DT_SEP && t[c].sep == '-' && prio < 2)
				prio = 2;
			if (c < i && t[c].k == DT_WORD && in_list(t[c].w, range_words) && prio < 2) {
				prio = 2;
				foreign = in_list(t[c].w, foreign_range);
			}
		}
		prev = e;
		have_prev = true;
		size_t next_i = e.end > i ? e.end - 1 : i;
		if (!prio) {
			i = next_i;
			continue;
		}
		if (e.weekday_only)
			prio = 1; /* weaker than any written date */
		else if ((e.holiday || e.day_only) && prio > 2)
			prio = 2; /* "back after Christmas, on January 5": the written date wins */
		/* non-English sentences write the day first */
		int y = e.y, m = e.m, d = e.d;
		if (e.numeric_slash) {
			if (e.n1 > 12 && e.n2 <= 12)
				d = e.n1, m = e.n2;
			else if (foreign && e.n2 <= 12)
				d = e.n1, m = e.n2;
			else
				m = e.n1, d = e.n2;
		}
		long day;
		if (e.holiday) {
			if (!has_date) {
				i = next_i;
				continue;
			}
			int shift = (e.after ? 1 : 0) - (e.eve ? 1 : 0);
			day = holiday_day(e.holiday, ty) + shift;
			if (day < today)
				day = holiday_day(e.holiday, ty + 1) + shift;
			if (e.weekday) { /* the first such weekday from then on */
				long dow = ((day % 7) + 7 + 3) % 7 + 1; /* 1 = Monday; 1970-01-01 was a Thursday */
				day += ((long)e.weekday - dow + 7) % 7;
			}
		} else if (e.day_only) {
			if (!has_date) {
				i = next_i;
				continue;
			}
			/* this month's, or else the first month after it that has the day */
			int yy = ty, mm = tm, tries = 0;
			while (tries++ < 3 &&
			       (!valid_ymd(yy, mm, d) || days_civil(yy, (unsigned)mm, (unsigned)d) < today)) {
				if (++mm > 12)
					mm = 1, yy++;
			}
			if (!valid_ymd(yy, mm, d) || days_civil(yy, (unsigned)mm, (unsigned)d) < today) {
				i = next_i;
				continue;
			}
			day = days_civil(yy, (unsigned)mm, (unsigned)d);
		} else if (e.weekday_only) {
			if (!has_date) {
				i = next_i;
				continue;
			}
			long dow = ((today % 7) + 7 + 3) % 7 + 1; /* 1970-01-01 was a Thursday */
			long ahead = ((long)e.weekday - dow + 7) % 7;
			day = today + (ahead ? ahead : 7);
		} else {
			if (!y) {
				if (!has_date) {
					i = next_i;
					continue;
				}
				y = ty;
				if (!valid_ymd(y, m, d) && !(m == 2 && d == 29 && valid_ymd(y + 1, m, d))) {
					i = next_i;
					continue;
				}
				if (!valid_ymd(y, m, d) || days_civil(y, (unsigned)m, (unsigned)d) < today)
					y++;
			}
			if (!valid_ymd(y, m, d)) {
				i = next_i;
				continue;
			}
			day = days_civil(y, (unsigned)m, (unsigned)d);
			if (has_date && (day < today || day > today + 400)) {
				i = next_i;
				continue;
			}
		}
		if (prio > best_prio) {
			best_prio = prio;
			best_day = day;
		}
		i = next_i;
	}
	free(t);
	if (!best_prio)
		return -1;
	int y, m, d;
	civil_from_days(best_day, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}
