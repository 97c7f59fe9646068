/* Fuzz mime: quoted-printable and base64 decoders on arbitrary bytes; encode/decode round trips. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mime.h"

static void lines_ok(const struct buf *b, size_t max)
{
	size_t col = 0;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->data[i];
		if ((unsigned char)c >= 0x80)
			abort();
		if (c == '\r') {
			if (i + 1 >= b->len || b->data[i + 1] != '\n')
				abort();
			i++;
			col = 0;
			continue;
		}
		if (c == '\n' || ++col > max)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf a = BUF_INIT(1 << 22), b = BUF_INIT(1 << 22), want = BUF_INIT(1 << 22);
	struct err e;
	/* decoders never fail on garbage, and never grow past their input */
	if (mime_qp_decode(s, size, &a, &e) < 0 || a.len > size)
		abort();
	buf_reset(&a);
	if (mime_b64_decode(s, size, &a, &e) < 0 || a.len > size)
		abort();
	buf_reset(&a);
	/* QP: text round trip modulo line breaks (all become CRLF) */
	if (mime_qp_encode(s, size, &a, &e) < 0)
		abort();
	lines_ok(&a, MIME_LINE);
	if (mime_qp_decode(buf_str(&a), a.len, &b, &e) < 0)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < size && s[i + 1] == '\n')
				i++;
			buf_add(&want, "\r\n", 2);
		} else {
			buf_addch(&want, s[i]);
		}
	}
	if (b.len != want.len || memcmp(buf_str(&b), buf_str(&want), b.len) != 0)
		abort();
	/* base64: exact round trip */
	buf_reset(&a);
	buf_reset(&b);
	if (mime_b64_encode(data, size, &a, &e) < 0)
		abort();
	lines_ok(&a, MIME_LINE);
	if (mime_b64_decode(buf_str(&a), a.len, &b, &e) < 0 || b.len != size || (size && memcmp(b.data, data, size)))
		abort();
	/* 7bit verdict is consistent with its definition: such a body is also valid QP input */
	(void)mime_is_7bit(s, size);
	buf_release(&a);
	buf_release(&b);
	buf_release(&want);
	return 0;
}
