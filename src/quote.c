/* quote: the new text of a reply — quoted history, signatures and disclaimers removed. */
#include "quote.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "xalloc.h"

/* Lines looked at; history beyond is dropped anyway and hostile input stays bounded. */
#define QUOTE_MAX_LINES 20000

struct line {
	const char *p;
	size_t n;     /* without CR/LF */
	bool keep;
};

static bool blank(const struct line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t' && l->p[i] != '\r')
			return false;
	return true;
}

/* The line with leading white space and Markdown-style "*" / "**" emphasis removed. */
static void trimmed(const struct line *l, const char **p, size_t *n)
{
	const char *s = l->p;
	size_t k = l->n;
	while (k && (*s == ' ' || *s == '\t' || *s == '*'))
		s++, k--;
	while (k && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\r'))
		k--;
	*p = s;
	*n = k;
}

static bool starts_ci(const char *p, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && strncasecmp(p, pre, k) == 0;
}

static bool ends_ci(const char *p, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && strncasecmp(p + n - k, suf, k) == 0;
}

static bool quoted_line(const struct line *l)
{
	size_t i = 0;
	while (i < l->n && (l->p[i] == ' ' || l->p[i] == '\t'))
		i++;
	return i < l->n && l->p[i] == '>';
}

/*
 * "On Mon, 1 Dec 2025 at 09:00, Jane Roe <jane@example.org> wrote:" and its
 * translations, possibly wrapped: returns the number of lines it spans (0: not one).
 */
static int attribution(const struct line *L, size_t nl, size_t i)
{
	static const char *const starts[] = { "on ", "el ", "le ", "am ", "em ", "il ", "op ", "w dniu ", "den ", NULL };
	static const char *const ends[] = { "wrote:", "writes:", "wrote", "escribió:", "escribio:", "a écrit :",
					    "a écrit:", "a ecrit :", "a ecrit:", "escreveu:", "ha scritto:",
					    "schreef:", "pisze:", "napisał:", "napisał(a):", "skrev:", NULL };
	const char *p;
	size_t n;
	trimmed(&L[i], &p, &n);
	if (n == 0 || n > 400)
		return 0;
	bool start = false;
	for (size_t k = 0; starts[k]; k++)
		start |= starts_ci(p, n, starts[k]);
	/* join up to three lines: clients wrap long attributions */
	char buf[1300];
	size_t bl = 0;
	for (size_t span = 0; span < 3 && i + span < nl; span++) {
		const char *q;
		size_t qn;
		trimmed(&L[i + span], &q, &qn);
		if (qn == 0 || bl + qn + 2 > sizeof buf)
			break;
		if (span > 0 && quoted_line(&L[i + span]))
			break;
		if (bl)
			buf[bl++] = ' ';
		memcpy(buf + bl, q, qn);
		bl += qn;
		bool end = false;
		for (size_t k = 0; ends[k]; k++)
			end |= ends_ci(buf, bl, ends[k]);
		/* German puts the name after the verb: "Am ... schrieb Jane Roe <...>:" */
		if (!end && bl && buf[bl - 1] == ':' && mem_icase_find(buf, bl, "schrieb"))
			end = true;
		if (end && (start || (span == 0 && bl < 200 && mem_icase_find(buf, bl, "wrote"))))
			return (int)span + 1;
		if (!start)
			break; /* a bare "Name wrote:" is one line */
	}
	return 0;
}

/* "-----Original Message-----", "---------- Forwarded message ---------", ... */
static bool ruler(const struct line *l)
{
	const char *p;
	size_t n;
	trimmed(l, &p, &n);
	if (starts_ci(p, n, "begin forwarded message") || starts_ci(p, n, "inicio del mensaje reenviado") ||
	    starts_ci(p, n, "début du message réexpédié") || starts_ci(p, n, "anfang der weitergeleiteten"))
		return true;
	if (n < 8 || p[0] != '-' || p[1] != '-' || p[2] != '-')
		return false;
	static const char *const words[] = { "original message", "forwarded message", "mensaje original",
					     "mensaje reenviado", "ursprüngliche nachricht", "weitergeleitete nachricht",
					     "message d'origine", "message transféré", "mensagem original",
					     "messaggio originale", "messaggio inoltrato", "oorspronkelijk bericht",
					     "original-nachricht", "reply message", "oryginalna wiadomość", NULL };
	for (size_t k = 0; words[k]; k++)
		if (mem_icase_find(p, n, words[k]))
			return true;
	return false;
}

static bool field_is(const char *p, size_t n, const char *const *names)
{
	for (size_t k = 0; names[k]; k++)
		if (starts_ci(p, n, names[k]))
			return true;
	return false;
}

/* An Outlook-style header block starting at line i: From:, then Sent:/Date: and To:/
 * Subject: within the next lines, in any of the languages Outlook writes. */
static bool header_block(const struct line *L, size_t nl, size_t i)
{
	static const char *const from[] = { "from:", "de:", "von:", "da:", "od:", "van:", "från:", "fra:", NULL };
	static const char *const sent[] = { "sent:", "date:", "enviado:", "enviado el:", "fecha:", "gesendet:",
					    "datum:", "envoyé :", "envoyé:", "date :", "data:", "inviato:",
					    "verzonden:", "wysłano:", "skickat:", "sendt:", NULL };
	static const char *const to[] = { "to:", "para:", "an:", "à :", "à:", "a:", "aan:", "do:", "till:", "til:",
					  "subject:", "asunto:", "betreff:", "objet :", "objet:", "assunto:", "oggetto:",
					  "onderwerp:", "temat:", "ämne:", "emne:", "cc:", NULL };
	const char *p;
	size_t n;
	trimmed(&L[i], &p, &n);
	if (!field_is(p, n, from))
		return false;
	bool s = false, t = false;
	for (size_t k = i + 1; k < nl && k <= i + 6; k++) {
		trimmed(&L[k], &p, &n);
		if (field_is(p, n, sent))
			s = true;
		else if (field_is(p, n, to))
			t = true;
	}
	return s && t;
}

static bool underscores(const struct line *l)
{
	const char *p;
	size_t n;
	trimmed(l, &p, &n);
	if (n < 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '_')
			return false;
	return true;
}

static bool mobile_signature(const struct line *l)
{
	static const char *const sigs[] = {
		"sent from my ", "sent from mail for windows", "sent from outlook", "get outlook for ",
		"sent from yahoo mail", "sent from the all new aol", "sent via ", "sent with ", "enviado desde mi ",
		"enviado desde outlook", "enviado do meu ", "von meinem ", "gesendet von ", "envoyé de mon ",
		"envoyé depuis ", "inviato da ", "verzonden vanaf mijn ", "wysłane z ", "obtener outlook para ",
		"get outlook for ios", "sent from samsung", NULL,
	};
	const char *p;
	size_t n;
	trimmed(l, &p, &n);
	if (n > 90)
		return false;
	for (size_t k = 0; sigs[k]; k++)
		if (starts_ci(p, n, sigs[k]))
			return true;
	return false;
}

/* A paragraph starting at line i that is a confidentiality notice or an external-mail
 * banner: how many lines it spans (0: not one). */
static size_t disclaimer(const struct line *L, size_t nl, size_t i)
{
	static const char *const openers[] = {
		"confidentiality notice", "confidential notice", "confidentiality:", "confidentiality statement",
		"notice:", "disclaimer", "important:", "important notice", "privileged and confidential",
		"this e-mail", "this email", "this message", "this communication", "this transmission",
		"the information contained", "the information in this", "the contents of this", "hipaa",
		"caution:", "[external]", "external email", "external:", "warning:", "attention:",
		"aviso de confidencialidad", "aviso legal", "este mensaje", "este correo", "la información contenida",
		"la informacion contenida", "confidencialidad:", "vertraulichkeit", "diese e-mail", "ce message",
		"*** external", "** external", "external sender", "[ext]", NULL,
	};
	static const char *const keys[] = {
		"confidential", "privileged", "intended recipient", "intended only", "intended solely",
		"intended for the", "unauthorized", "prohibited", "originated from outside", "originated outside",
		"outside of the organization", "outside your organization", "outside the organization",
		"external sender", "do not click", "recognize the sender", "confidencial", "destinatario",
		"vertraulich", "confidentiel", "phishing", NULL,
	};
	const char *p;
	size_t n;
	trimmed(&L[i], &p, &n);
	bool open = false;
	for (size_t k = 0; openers[k]; k++)
		open |= starts_ci(p, n, openers[k]);
	if (!open)
		return 0;
	size_t j = i;
	bool key = false;
	while (j < nl && !blank(&L[j]) && j - i < 40) {
		for (size_t k = 0; keys[k] && !key; k++)
			if (mem_icase_find(L[j].p, L[j].n, keys[k]))
				key = true;
		j++;
	}
	return key ? j - i : 0;
}

/* A line that reads like part of a signature block (name, title, department, phone,
 * address) rather than a sentence: few words, and no sentence end unless it is an
 * abbreviation such as "M.D." or "Dr.". */
static bool signature_like(const struct line *l)
{
	const char *p;
	size_t n;
	trimmed(l, &p, &n);
	if (n > 80)
		return false;
	size_t words = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && (i == 0 || p[i - 1] == ' '))
			words++;
	if (words > 10)
		return false;
	if (n && (p[n - 1] == '?' || p[n - 1] == '!'))
		return false;
	if (n && p[n - 1] == '.') {
		size_t w = n;
		while (w > 0 && p[w - 1] != ' ')
			w--;
		size_t wl = n - w;
		bool abbrev = wl <= 6 && memchr(p + w, '.', wl - 1) != NULL; /* "M.D." "Ph.D." */
		if (!abbrev && !(wl <= 4 && words <= 4))                    /* "Dr." "Jr." "Inc." */
			return false;
	}
	return true;
}

static bool closing_line(const struct line *l)
{
	static const char *const words[] = {
		"best", "best regards", "best wishes", "regards", "kind regards", "warm regards", "warmest regards",
		"kindest regards", "sincerely", "sincerely yours", "yours sincerely", "yours truly", "yours",
		"thanks", "thank you", "many thanks", "thanks again", "thanks so much", "thank you so much", "cheers",
		"respectfully", "cordially", "all the best", "take care", "with regards", "with best regards",
		"best of luck", "good luck", "saludos", "saludos cordiales", "un saludo", "un cordial saludo",
		"atentamente", "cordialmente", "muchas gracias", "gracias", "un abrazo", "mit freundlichen grüßen",
		"mit freundlichen gruessen", "viele grüße", "beste grüße", "liebe grüße", "grüße", "cordialement",
		"bien à vous", "bien cordialement", "salutations", "atenciosamente", "abraços", "obrigado",
		"obrigada", "cordiali saluti", "distinti saluti", "saluti", "pozdrawiam", "met vriendelijke groet",
		NULL,
	};
	const char *p;
	size_t n;
	trimmed(l, &p, &n);
	while (n && (p[n - 1] == ',' || p[n - 1] == '!' || p[n - 1] == '.' || p[n - 1] == '-'))
		n--;
	if (!n || n > 60)
		return false;
	for (size_t k = 0; words[k]; k++) {
		size_t w = strlen(words[k]);
		if (n == w && strncasecmp(p, words[k], w) == 0)
			return true;
		/* "Best, Jane" / "Thanks, Dr. Roe" */
		if (n > w + 1 && strncasecmp(p, words[k], w) == 0 && p[w] == ',' && n - w < 30)
			return true;
	}
	return false;
}

unsigned quote_extract(const char *text, size_t n, size_t max, struct buf *out)
{
	unsigned flags = 0;
	struct line *L = NULL;
	size_t nl = 0, cap = 0;
	for (size_t i = 0; i < n && nl < QUOTE_MAX_LINES;) {
		const char *lf = memchr(text + i, '\n', n - i);
		size_t e = lf ? (size_t)(lf - text) : n;
		size_t len = e - i;
		if (len && text[e - 1] == '\r')
			len--;
		L = xgrow(L, &cap, nl + 1, sizeof *L);
		L[nl++] = (struct line){ text + i, len, true };
		i = e + 1;
	}

	/* 1. history: quoted lines, attributions, and the first top-posted block */
	size_t cut = nl;
	for (size_t i = 0; i < nl && cut == nl; i++) {
		if (quoted_line(&L[i])) {
			L[i].keep = false;
			flags |= QUOTE_QUOTED;
			continue;
		}
		int a = attribution(L, nl, i);
		if (a > 0) {
			/* followed by "> " lines: a quote block (bottom-posting or interleaving)
			 * whose text goes on afterwards; otherwise unprefixed history to the end */
			size_t k = i + (size_t)a;
			while (k < nl && blank(&L[k]))
				k++;
			flags |= QUOTE_QUOTED;
			if (k < nl && quoted_line(&L[k])) {
				for (size_t q = i; q < i + (size_t)a; q++)
					L[q].keep = false;
				i += (size_t)a - 1;
				continue;
			}
			cut = i;
			break;
		}
		if (ruler(&L[i]) || header_block(L, nl, i)) {
			cut = i;
			flags |= QUOTE_QUOTED;
			break;
		}
		if (underscores(&L[i])) {
			size_t k = i + 1;
			while (k < nl && blank(&L[k]))
				k++;
			if (k < nl && header_block(L, nl, k)) {
				cut = i;
				flags |= QUOTE_QUOTED;
				break;
			}
		}
	}
	for (size_t i = cut; i < nl; i++)
		L[i].keep = false;

	/* 2. disclaimers and banners, anywhere */
	for (size_t i = 0; i < cut; i++) {
		if (!L[i].keep)
			continue;
		size_t d = disclaimer(L, cut, i);
		if (d) {
			for (size_t k = i; k < i + d; k++)
				L[k].keep = false;
			flags |= QUOTE_DISCLAIMER;
			i += d - 1;
		}
	}

	/* 3. signatures */
	for (size_t i = 0; i < cut; i++) {
		if (!L[i].keep)
			continue;
		const char *p = L[i].p;
		size_t k = L[i].n;
		if ((k == 3 && memcmp(p, "-- ", 3) == 0) || (k == 2 && memcmp(p, "--", 2) == 0)) {
			for (size_t q = i; q < cut; q++)
				L[q].keep = false;
			flags |= QUOTE_SIGNATURE;
			break;
		}
		if (mobile_signature(&L[i])) {
			L[i].keep = false;
			flags |= QUOTE_SIGNATURE;
		}
	}
	/* the last closing line followed by a short block (name, title, hospital) */
	size_t last = cut;
	for (size_t i = cut; i-- > 0;) {
		if (L[i].keep && !blank(&L[i])) {
			last = i;
			break;
		}
	}
	if (last < cut) {
		for (size_t i = last + 1; i-- > 0;) {
			if (!L[i].keep)
				continue;
			if (closing_line(&L[i])) {
				size_t lines = 0;
				bool shortish = true;
				for (size_t q = i + 1; q <= last; q++) {
					if (!L[q].keep || blank(&L[q]))
						continue;
					lines++;
					if (!signature_like(&L[q]))
						shortish = false;
				}
				if (lines > 0 && lines <= 8 && shortish) {
					for (size_t q = i + 1; q <= last; q++)
						L[q].keep = false;
					flags |= QUOTE_SIGNATURE;
				}
				break;
			}
			if (last - i > 12)
				break; /* a closing is near the end or it is not the closing */
		}
	}

	/* 4. write what is kept: no leading/trailing blank lines, at most one blank line */
	size_t base = out->len;
	bool pending_blank = false;
	for (size_t i = 0; i < nl; i++) {
		if (!L[i].keep)
			continue;
		if (blank(&L[i])) {
			pending_blank = out->len > base;
			continue;
		}
		struct buf line = BUF_INIT(L[i].n + 4);
		if (out->len > base)
			buf_add(&line, pending_blank ? "\n\n" : "\n", pending_blank ? 2 : 1);
		pending_blank = false;
		buf_add(&line, L[i].p, L[i].n);
		size_t room = max > out->len - base ? max - (out->len - base) : 0;
		if (line.len > room) {
			size_t k = room;
			while (k > 0 && ((unsigned char)line.data[k] & 0xc0) == 0x80)
				k--;
			buf_add(out, line.data, k);
			buf_release(&line);
			flags |= QUOTE_TRUNCATED;
			break;
		}
		if (buf_add(out, line.data, line.len) < 0) {
			buf_release(&line);
			flags |= QUOTE_TRUNCATED;
			break;
		}
		buf_release(&line);
	}
	free(L);
	return flags;
}
