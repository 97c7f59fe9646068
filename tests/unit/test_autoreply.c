/* Unit tests for autoreply: the auto-reply corpus, header semantics and return-date extraction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "buf.h"
#include "classify.h"
#include "corpus.h"
#include "err.h"
#include "message.h"
#include "rules.h"
#include "util.h"

#define CORPUS "tests/spec/mail/autoreply/"

static void parse_str(const char *s, struct message *m)
{
	struct err e;
	assert_int_equal(message_parse(s, strlen(s), NULL, m, &e), 0);
}

/* Every file of the corpus, through the whole classifier: the class decides which labels
 * are right. "ambiguous-not-human" (a non-standard mailbox-full notice) may be a soft
 * bounce or an auto-reply, never a human label. */
static void test_corpus(void **state)
{
	(void)state;
	struct tsv t;
	tsv_load(CORPUS "expected.tsv", &t);
	struct rules *r = rules_default();
	int ok = 0;
	for (size_t i = 0; i < t.n; i++) {
		const char *file = t.rows[i].f[0], *cls = t.rows[i].f[1];
		char path[512];
		snprintf(path, sizeof path, CORPUS "%s", file);
		struct buf raw;
		corpus_read(path, &raw);
		struct message m;
		struct err e;
		assert_int_equal(message_parse(raw.data, raw.len, NULL, &m, &e), 0);
		struct verdict v;
		assert_int_equal(classify_message(&m, r, &v, &e), 0);
		struct autoreply_info ai;
		autoreply_detect(&m, &ai);
		bool good = false;
		if (strcmp(cls, "bounce") == 0)
			good = v.label == VERDICT_BOUNCE;
		else if (strcmp(cls, "auto-reply") == 0)
			good = v.label == VERDICT_AUTO_REPLY && ai.kind == AUTOREPLY_REPLY;
		else if (strcmp(cls, "challenge-response") == 0)
			good = v.label == VERDICT_AUTO_REPLY && (v.flags & VERDICT_CHALLENGE);
		else if (strcmp(cls, "auto-generated") == 0)
			good = (v.label == VERDICT_AUTO_REPLY || v.label == VERDICT_OTHER) && ai.kind != AUTOREPLY_NONE;
		else if (strcmp(cls, "ambiguous-not-human") == 0)
			good = (v.label == VERDICT_BOUNCE && !v.bounce.rcpts[0].hard) || v.label == VERDICT_AUTO_REPLY;
		else
			fail_msg("unknown class %s", cls);
		if (good)
			ok++;
		else
			printf("MISS %s (%s): %s; autoreply %s (%s)\n", file, cls, v.reason, autoreply_kind_name(ai.kind), ai.signal);
		verdict_release(&v);
		message_release(&m);
		buf_release(&raw);
	}
	printf("autoreply corpus: %d/%zu\n", ok, t.n);
	assert_int_equal(ok, (int)t.n);
	rules_free(r);
	tsv_free(&t);
}

static void test_headers(void **state)
{
	(void)state;
	static const struct { const char *msg; enum autoreply_kind kind; } t[] = {
		{ "Auto-Submitted: auto-replied\n\nx", AUTOREPLY_REPLY },
		{ "Auto-Submitted: auto-replied; owner-email=\"a@b.example\"\n\nx", AUTOREPLY_REPLY },
		{ "Auto-Submitted: Auto-Generated (failure)\n\nx", AUTOREPLY_GENERATED },
		{ "Auto-Submitted: auto-notified\n\nx", AUTOREPLY_GENERATED },
		{ "Auto-Submitted: no\n\nx", AUTOREPLY_NONE },
		{ "Auto-Submitted: No (person)\n\nx", AUTOREPLY_NONE },
		{ "X-Autoreply: yes\n\nx", AUTOREPLY_REPLY },
		{ "X-Autorespond: vacation\n\nx", AUTOREPLY_REPLY },
		{ "Precedence: auto_reply\n\nx", AUTOREPLY_REPLY },
		{ "Precedence: bulk\n\nx", AUTOREPLY_GENERATED },
		{ "Precedence: junk\n\nx", AUTOREPLY_GENERATED },
		{ "Precedence: bulk\nSubject: Out of Office\n\nx", AUTOREPLY_REPLY },
		/* a mailing list is not an auto-reply */
		{ "Precedence: list\n\nx", AUTOREPLY_LIST },
		{ "List-Id: <l.example.org>\n\nx", AUTOREPLY_LIST },
		/* Outlook sets this on plenty of ordinary mail */
		{ "X-Auto-Response-Suppress: All\nSubject: Re: Observership\n\nx", AUTOREPLY_NONE },
		{ "X-Auto-Response-Suppress: All\nSubject: Automatic reply: Observership\n\nx", AUTOREPLY_REPLY },
		{ "Return-Path: <>\n\nx", AUTOREPLY_GENERATED },
		{ "Subject: Automatic reply: Observership request\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Out of Office: Observership\n\nx", AUTOREPLY_REPLY },
		{ "Subject: =?UTF-8?Q?Respuesta_autom=C3=A1tica:_Solicitud?=\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Fuera de la oficina\n\nx", AUTOREPLY_REPLY },
		{ "Subject: =?UTF-8?Q?R=C3=A9ponse_automatique?=\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Abwesenheitsnotiz: Anfrage\n\nx", AUTOREPLY_REPLY },
		{ "Subject: =?UTF-8?Q?Resposta_autom=C3=A1tica?=\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Risposta automatica: richiesta\n\nx", AUTOREPLY_REPLY },
		{ "Subject: =?ISO-8859-2?Q?[Automatyczna_odpowied=BC]?=\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Autosvar: Observership\n\nx", AUTOREPLY_REPLY },
		{ "Subject: Thank you for your email\n\nx", AUTOREPLY_REPLY },
		{ "Subject: [AUTO GENERATED] report\n\nx", AUTOREPLY_GENERATED },
		{ "Subject: Re: Thank you for your email\n\nx", AUTOREPLY_NONE },
		{ "X-Boxbe-Notice: waitlisted\n\nx", AUTOREPLY_CHALLENGE },
		{ "Subject: Re: hi\n\nPlease click the link below to be added to my guest list.", AUTOREPLY_CHALLENGE },
		{ "Subject: Re: Observership request\nFrom: a@example.org\n\nSure, come Monday.", AUTOREPLY_NONE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct message m;
		parse_str(t[i].msg, &m);
		struct autoreply_info ai;
		enum autoreply_kind k = autoreply_detect(&m, &ai);
		if (k != t[i].kind)
			fail_msg("row %zu [%s]: got %s, want %s", i, t[i].msg, autoreply_kind_name(k), autoreply_kind_name(t[i].kind));
		if (k != AUTOREPLY_NONE)
			assert_true(ai.signal[0] != '\0');
		message_release(&m);
	}
}

/* Message of Tuesday 2026-11-24 09:00 in New York (-0500) unless said otherwise. */
#define NOV24 1795528800L /* 2026-11-24T14:00:00Z */
#define DEC20 1797789600L /* 2026-12-20T18:00:00Z */

static void test_return_dates(void **state)
{
	(void)state;
	static const struct { const char *text; long date; int tz; const char *want; } t[] = {
		{ "I will be back on Monday, December 1.", NOV24, -300, "2026-12-01" },
		{ "I am returning 12/01/2026 and will reply then.", NOV24, -300, "2026-12-01" },
		{ "I am out of the office until 1 December 2026.", NOV24, -300, "2026-12-01" },
		{ "Back on Dec. 1st.", NOV24, -300, "2026-12-01" },
		{ "I am out of the office from Nov 24 to Dec 1 attending a conference.", NOV24, -300, "2026-12-01" },
		{ "Estoy de vacaciones hasta el 5 de enero.", DEC20, -300, "2027-01-05" },
		{ "De regreso el lunes 7 de diciembre.", NOV24, -300, "2026-12-07" },
		{ "Ich bin zurück am 3. Dezember.", NOV24, 60, "2026-12-03" },
		{ "Ich bin bis einschließlich 2. Dezember nicht im Büro und ab dem 3. Dezember wieder erreichbar.", NOV24, 60,
		  "2026-12-03" },
		{ "I will return on January 5.", DEC20, -300, "2027-01-05" },              /* year rollover */
		{ "Out until 13/01/2027.", DEC20, -300, "2027-01-13" },                    /* day first: unambiguous */
		{ "Returning 01/12.", DEC20, -300, "2027-01-12" },                         /* US M/D by default */
		{ "Estaré fuera hasta el 05/01.", DEC20, -300, "2027-01-05" },             /* Spanish: D/M */
		{ "Back 2026-12-02.", NOV24, -300, "2026-12-02" },                         /* ISO */
		{ "I am away until Friday.", NOV24, -300, "2026-11-27" },                  /* weekday: next one */
		{ "Back on Tuesday.", NOV24, -300, "2026-12-01" },                         /* same weekday: next week */
		{ "I'm out of the office through December 5th, 2026.", NOV24, -300, "2026-12-05" },
		{ "Je serai de retour le 2 décembre.", NOV24, 60, "2026-12-02" },
		{ "Estarei de volta em 3 de dezembro.", NOV24, -180, "2026-12-03" },
		{ "Rientro il 4 dicembre.", NOV24, 60, "2026-12-04" },
		{ "Away from Dec 20 - Jan 2, back in the office Jan 5.", DEC20, -300, "2027-01-05" },
		{ "I am on leave until the 1st of December.", NOV24, -300, "2026-12-01" },
		{ "Out of office till 30.11.2026.", NOV24, 60, "2026-11-30" },
		{ "Del 24 de noviembre al 1 de diciembre estaré fuera.", NOV24, -300, "2026-12-01" },
		{ "I am out of the office till the 15th.", NOV24, -300, "2026-12-15" },   /* day only: next month's */
		{ "Back on the 28th.", NOV24, -300, "2026-11-28" },                       /* day only: this month's */
		{ "I will be back on Monday the 30th.", NOV24, -300, "2026-11-30" },
		{ "Away until the 31st.", NOV24, -300, "2026-12-31" },                    /* November has no 31st */
		{ "Away from the 3rd to the 9th of December.", NOV24, -300, "2026-12-09" },
		{ "I will be away until after Thanksgiving.", NOV24, -300, "2026-11-27" }, /* fourth Thursday + 1 */
		{ "Out of the office until Thanksgiving.", DEC20, -300, "2027-11-25" },    /* this year's is past */
		{ "Back after Christmas.", DEC20, -300, "2026-12-26" },
		{ "I'll be back after New Year's.", DEC20, -300, "2027-01-02" },
		{ "Back on the 2nd floor of the clinic, room 5.", NOV24, -300, NULL },     /* a rank, not a day */
		{ "I'll be back the 3rd week of December.", NOV24, -300, NULL },
		{ "My office is on the 3rd floor.", NOV24, -300, NULL },                  /* no trigger */
		{ "Back at 5 on the dot.", NOV24, -300, NULL },
		{ "Merry Christmas and a happy new year!", DEC20, -300, NULL },            /* no trigger */
		{ "Back after Christmas, on January 5.", DEC20, -300, "2027-01-05" },     /* a written date wins */
		{ "I return after New Year, January 8.", DEC20, -300, "2027-01-08" },
		{ "I will be back after the holidays. Merry Christmas!", DEC20, -300, NULL }, /* a wish */
		{ "Out until Jan. Happy New Year to you!", DEC20, -300, NULL },
		{ "I will be back Monday after Thanksgiving.", NOV24, -300, "2026-11-30" },
		{ "Out until Christmas Eve.", NOV24, -300, "2026-12-24" },
		{ "Back after New Year's Eve.", DEC20, -300, "2027-01-01" },
		{ "I will return your message within the 24 hours.", NOV24, -300, NULL }, /* a count */
		{ "Back after the 2 weeks of leave.", NOV24, -300, NULL },
		{ "I am back in the 2nd half of December.", NOV24, -300, NULL },
		{ "I will be back on the 15.", NOV24, -300, "2026-12-15" },
		{ "Back on the 30th.", 1801407600L, -300, "2027-03-30" },                 /* Jan 31: no Feb 30 */
		{ "I will be back on 31 November.", NOV24, -300, NULL },                   /* no such date */
		{ "I was away until November 20, 2026.", NOV24, -300, NULL },              /* in the past */
		{ "Back in 2031 on March 3, 2031.", NOV24, -300, NULL },                   /* too far */
		{ "Thank you for your message, I will respond soon.", NOV24, -300, NULL },
		{ "Call 555-1234 until 5.", NOV24, -300, NULL },
		{ "Our clinic moved on 12/01/2025.", NOV24, -300, NULL },                  /* no trigger */
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char out[11] = "";
		int rc = autoreply_return_date(t[i].text, strlen(t[i].text), (time_t)t[i].date, t[i].tz, true, out);
		if (t[i].want == NULL) {
			if (rc == 0)
				fail_msg("row %zu [%s]: found %s, want none", i, t[i].text, out);
			continue;
		}
		if (rc != 0 || strcmp(out, t[i].want) != 0)
			fail_msg("row %zu [%s]: got %s (rc %d), want %s", i, t[i].text, rc == 0 ? out : "none", rc, t[i].want);
	}
	/* without a message date only dates with a year count */
	char out[11];
	assert_int_equal(autoreply_return_date("back on December 1", 18, 0, 0, false, out), -1);
	assert_int_equal(autoreply_return_date("back on December 1, 2026", 25, 0, 0, false, out), 0);
	assert_string_equal(out, "2026-12-01");
	assert_int_equal(autoreply_return_date(NULL, 0, 0, 0, false, out), -1);
}

static void test_challenge(void **state)
{
	(void)state;
	assert_true(autoreply_challenge("This account is protected by Mail Guard.", 40));
	assert_true(autoreply_challenge("Sender not pre-approved", 23));
	assert_false(autoreply_challenge("Please add me to your guest", 27));
	assert_false(autoreply_challenge(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_return_dates),
		cmocka_unit_test(test_challenge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
