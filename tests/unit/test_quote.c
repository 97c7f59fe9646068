/* Unit tests for quote: history, signature and disclaimer stripping in the formats real clients write. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "quote.h"
#include "util.h"

struct qcase {
	const char *name;
	const char *in;
	const char *out;
	unsigned flags; /* bits that must be set */
};

static const struct qcase cases[] = {
	{ "gmail top-posted",
	  "Sure, come Monday.\n\nOn Mon, Nov 10, 2026 at 9:02 AM Priya Raman <priya@example.com> wrote:\n\n> Dear Dr. Okafor,\n> May I observe?\n",
	  "Sure, come Monday.", QUOTE_QUOTED },
	{ "gmail attribution wrapped over two lines",
	  "Yes.\n\nOn Mon, Nov 10, 2026 at 9:02 AM Priya Raman <priya.raman@example.com>\nwrote:\n\n> text\n",
	  "Yes.", QUOTE_QUOTED },
	{ "bottom-posted",
	  "On Mon, Nov 10, 2026 at 9:02 AM, Priya wrote:\n> Dear Dr. X,\n> may I come?\n\nOf course, come on Monday.\n",
	  "Of course, come on Monday.", QUOTE_QUOTED },
	{ "interleaved",
	  "On Mon, Priya wrote:\n> Would March work?\nYes, March works.\n> Anything to bring?\nYour ID.\n",
	  "Yes, March works.\nYour ID.", QUOTE_QUOTED },
	{ "outlook desktop, underscores and header block",
	  "We can host you.\n\n________________________________\nFrom: Priya Raman <priya@example.com>\nSent: Monday, November 10, 2026 9:02 AM\nTo: Dr. X\nSubject: Observership\n\nDear Dr. X, unfortunately nobody answered.\n",
	  "We can host you.", QUOTE_QUOTED },
	{ "outlook header block without ruler, bold markers",
	  "Thanks, see you Tuesday.\n\n*From:* Priya Raman <priya@example.com>\n*Sent:* Monday, November 10, 2026 9:02 AM\n*To:* X\n*Subject:* Observership\n\nold text\n",
	  "Thanks, see you Tuesday.", QUOTE_QUOTED },
	{ "original message ruler",
	  "No, sorry.\n\n-----Original Message-----\nFrom: Priya\nSent: today\n\nhistory\n", "No, sorry.", QUOTE_QUOTED },
	{ "outlook web marker from html",
	  "Happy to help.\n-----Original Message-----\n> From: Priya\n> history\n", "Happy to help.", QUOTE_QUOTED },
	{ "apple mail forward",
	  "See below.\n\nBegin forwarded message:\n\nFrom: A\nSubject: B\n\nbody\n", "See below.", QUOTE_QUOTED },
	{ "forwarded message ruler",
	  "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@example.org>\nDate: Mon\n\nbody\n", "FYI", QUOTE_QUOTED },
	{ "spanish attribution",
	  "Con gusto.\n\nEl lun, 10 nov 2026 a las 9:02, Priya Raman (<priya@example.com>) escribió:\n> Estimado doctor\n",
	  "Con gusto.", QUOTE_QUOTED },
	{ "spanish attribution wrapped, unquoted history",
	  "Lamentablemente no.\n\nEl lun, 10 nov 2026 a las 9:02, Priya Raman (<priya@example.com>)\nescribió:\n\nEstimado doctor, historia sin prefijo\n",
	  "Lamentablemente no.", QUOTE_QUOTED },
	{ "spanish outlook header",
	  "Por favor escriba a la coordinadora.\n\nDe: Priya Raman <priya@example.com>\nEnviado: lunes, 10 de noviembre de 2026 9:02\nPara: Tomás\nAsunto: Solicitud\n\nhistoria\n",
	  "Por favor escriba a la coordinadora.", QUOTE_QUOTED },
	{ "spanish original ruler",
	  "No es posible.\n\n-----Mensaje original-----\nDe: Priya\n", "No es posible.", QUOTE_QUOTED },
	{ "french attribution",
	  "Avec plaisir.\n\nLe lun. 10 nov. 2026 à 09:02, Priya Raman <priya@example.com> a écrit :\n> Bonjour\n",
	  "Avec plaisir.", QUOTE_QUOTED },
	{ "german attribution with name after the verb",
	  "Gerne.\n\nAm Mo., 10. Nov. 2026 um 09:02 Uhr schrieb Priya Raman <priya@example.com>:\n> Hallo\n", "Gerne.",
	  QUOTE_QUOTED },
	{ "german outlook header",
	  "Leider nicht.\n\nVon: Priya Raman <priya@example.com>\nGesendet: Montag, 10. November 2026 09:02\nAn: X\nBetreff: Hospitation\n\nalt\n",
	  "Leider nicht.", QUOTE_QUOTED },
	{ "portuguese attribution",
	  "Infelizmente não.\n\nEm seg., 10 de nov. de 2026 às 11:02, Priya Raman <priya@example.com> escreveu:\n> Prezada\n",
	  "Infelizmente não.", QUOTE_QUOTED },
	{ "bare name wrote",
	  "Fine by me.\n\nPriya Raman <priya@example.com> wrote:\n> old\n", "Fine by me.", QUOTE_QUOTED },
	{ "signature delimiter",
	  "Come Monday.\n\n-- \nDr. X\nCardiology\n", "Come Monday.", QUOTE_SIGNATURE },
	{ "sent from my iphone",
	  "Sure thing.\n\nSent from my iPhone\n", "Sure thing.", QUOTE_SIGNATURE },
	{ "get outlook for ios then quote",
	  "Yes\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\nFrom: Priya\nSent: Monday\nTo: X\nSubject: Y\n\nold\n",
	  "Yes", QUOTE_SIGNATURE | QUOTE_QUOTED },
	{ "spanish mobile signature",
	  "Claro que sí.\n\nEnviado desde mi iPhone\n", "Claro que sí.", QUOTE_SIGNATURE },
	{ "closing block with name, title, hospital",
	  "We would be happy to host you in February.\n\nBest regards,\nKofi Mensah, MD\nDirector, International Visiting Physicians Program\nDepartment of Medicine\nExample University Medical Center\nTel. 555-0100\n",
	  "We would be happy to host you in February.\n\nBest regards,", QUOTE_SIGNATURE },
	{ "closing followed by a real sentence is kept",
	  "Thanks,\nCome on Monday at 8am to the 3rd floor and ask for the charge nurse at the desk.\nJohn\n",
	  "Thanks,\nCome on Monday at 8am to the 3rd floor and ask for the charge nurse at the desk.\nJohn", 0 },
	{ "closing in spanish",
	  "Lamentablemente no ofrecemos rotaciones.\n\nSaludos cordiales,\nDra. Lucía Fernández\nJefa de Docencia\nHospital Ejemplo\n",
	  "Lamentablemente no ofrecemos rotaciones.\n\nSaludos cordiales,", QUOTE_SIGNATURE },
	{ "confidentiality notice",
	  "We can offer you two weeks.\n\nCONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use of the\nintended recipient(s) and may contain confidential and privileged information. Unfortunately we cannot\naccept liability.\n",
	  "We can offer you two weeks.", QUOTE_DISCLAIMER },
	{ "external sender banner at the top",
	  "CAUTION: This email originated from outside of the organization. Do not click links or open\nattachments unless you recognize the sender.\n\nHappy to have you.\n",
	  "Happy to have you.", QUOTE_DISCLAIMER },
	{ "[EXTERNAL] tag banner",
	  "[EXTERNAL] This message is from an external sender. Do not click links you do not trust.\n\nYes.\n", "Yes.",
	  QUOTE_DISCLAIMER },
	{ "a sentence starting like a disclaimer is kept",
	  "This email is to confirm your observership from March 2 to March 27.\n",
	  "This email is to confirm your observership from March 2 to March 27.", 0 },
	{ "spanish disclaimer",
	  "Con gusto le recibimos.\n\nAVISO DE CONFIDENCIALIDAD: Este mensaje es confidencial y para uso exclusivo del destinatario.\n",
	  "Con gusto le recibimos.", QUOTE_DISCLAIMER },
	{ "exchange: text, signature, disclaimer, original",
	  "I'd love to help but we cannot host observers.\n\nHelen Brooks, MD\nProgram Director\n\nCONFIDENTIALITY NOTICE: This e-mail is confidential.\n\n-----Original Message-----\nFrom: Priya\n",
	  "I'd love to help but we cannot host observers.\n\nHelen Brooks, MD\nProgram Director", QUOTE_DISCLAIMER | QUOTE_QUOTED },
	{ "crlf input", "Yes.\r\n\r\nOn Mon, X wrote:\r\n> q\r\n", "Yes.", QUOTE_QUOTED },
	{ "only history", "> all quoted\n> nothing new\n", "", QUOTE_QUOTED },
	{ "nothing to strip", "Plain reply.\nSecond line.", "Plain reply.\nSecond line.", 0 },
	{ "blank lines collapsed", "\n\n\nA\n\n\n\nB\n\n", "A\n\nB", 0 },
	{ "a line of dashes that is not a ruler", "Dates:\n---\nMarch\n", "Dates:\n---\nMarch", 0 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT(1 << 16);
		unsigned f = quote_extract(cases[i].in, strlen(cases[i].in), 1 << 16, &b);
		if (strcmp(buf_str(&b), cases[i].out) != 0)
			fail_msg("%s: got\n[%s]\nwant\n[%s]", cases[i].name, buf_str(&b), cases[i].out);
		if ((f & cases[i].flags) != cases[i].flags)
			fail_msg("%s: flags %#x lack %#x", cases[i].name, f, cases[i].flags);
		buf_release(&b);
	}
}

static void test_bound(void **state)
{
	(void)state;
	struct buf in = BUF_INIT(1 << 20);
	for (int i = 0; i < 5000; i++)
		buf_addstr(&in, "caf\xc3\xa9 line of new text\n");
	struct buf out = BUF_INIT(1 << 20);
	unsigned f = quote_extract(in.data, in.len, 1001, &out);
	assert_true(f & QUOTE_TRUNCATED);
	assert_true(out.len <= 1001);
	assert_true(utf8_valid(out.data, out.len));
	buf_release(&out);
	/* appending to a buffer that already holds text: max counts only the new part */
	buf_init(&out, 1 << 20);
	buf_addstr(&out, "prefix:");
	quote_extract("abc\n", 4, 2, &out);
	assert_string_equal(buf_str(&out), "prefix:ab");
	buf_release(&out);
	buf_release(&in);
}

static void test_hostile(void **state)
{
	(void)state;
	/* many attribution-like and header-like lines, no newline at the end, NULs */
	struct buf in = BUF_INIT(1 << 22);
	for (int i = 0; i < 30000; i++)
		buf_addstr(&in, i % 3 ? "From: x\n" : "On x\n");
	buf_add(&in, "tail\0with nul", 13);
	struct buf out = BUF_INIT(1 << 20);
	quote_extract(in.data, in.len, 8192, &out);
	assert_true(out.len <= 8192);
	buf_release(&out);
	buf_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
