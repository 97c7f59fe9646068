/* fuzz_dsn: arbitrary bytes as the delivery-status part and the human text of a bounce report. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "err.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first half goes into the text/plain part, the rest into message/delivery-status */
	size_t half = size / 2;
	struct buf b = BUF_INIT(size + 1024);
	buf_addstr(&b, "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: me@example.com\r\n"
		       "Subject: Undelivered Mail Returned to Sender\r\nReturn-Path: <>\r\n"
		       "Content-Type: multipart/report; report-type=delivery-status; boundary=\"FUZZB\"\r\n\r\n"
		       "--FUZZB\r\nContent-Type: text/plain\r\n\r\n");
	buf_add(&b, data, half);
	buf_addstr(&b, "\r\n--FUZZB\r\nContent-Type: message/delivery-status\r\n\r\n");
	buf_add(&b, data + half, size - half);
	buf_addstr(&b, "\r\n--FUZZB--\r\n");
	struct message m;
	struct err e;
	if (message_parse(b.data, b.len, NULL, &m, &e) != 0)
		abort();
	struct bounce_report r;
	bounce_detect(&m, &r);
	for (size_t i = 0; i < r.n_rcpts; i++) {
		if (!r.rcpts[i].addr || strlen(r.rcpts[i].status) >= sizeof r.rcpts[i].status)
			abort();
		if (r.rcpts[i].diagnostic && strlen(r.rcpts[i].diagnostic) > BOUNCE_DIAG_MAX)
			abort();
	}
	if (r.n_rcpts > BOUNCE_MAX_RCPTS)
		abort();
	bounce_release(&r);
	/* and the same bytes as a plain-text bounce */
	message_release(&m);
	buf_reset(&b);
	buf_addstr(&b, "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\nX-Failed-Recipients: a@example.org\n\n");
	buf_add(&b, data, size);
	if (message_parse(b.data, b.len, NULL, &m, &e) != 0)
		abort();
	bounce_detect(&m, &r);
	bounce_release(&r);
	message_release(&m);
	buf_release(&b);
	return 0;
}
