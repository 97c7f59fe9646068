/* Fuzz rfc2047: decode arbitrary bytes (unstructured and phrase); encode the valid UTF-8 and decode it back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "rfc2047.h"
#include "util.h"

static void check_field(const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0)
			abort();
		if (s[i] == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				abort();
			i++;
			col = 0;
			continue;
		}
		if (s[i] == '\n' || ++col > RFC2047_LINE_HARD)
			abort();
	}
}

static void roundtrip(const char *s, size_t n, int phrase)
{
	struct buf enc = BUF_INIT(1 << 20), dec = BUF_INIT(1 << 20);
	struct rfc2047_line l;
	struct err e;
	if (rfc2047_begin(&l, &enc, phrase ? "From" : "Subject", &e) < 0)
		abort();
	int rc = phrase ? rfc2047_add_phrase(&l, s, n, &e) : rfc2047_add_text(&l, s, n, &e);
	if (rc == 0 && rfc2047_end(&l, &e) < 0)
		abort();
	if (rc == 0) {
		check_field(enc.data, enc.len);
		size_t skip = phrase ? 5 : 8;
		int d = phrase ? rfc2047_decode_phrase(enc.data + skip, enc.len - skip, &dec, &e)
		               : rfc2047_decode(enc.data + skip, enc.len - skip, &dec, &e);
		if (d < 0 || dec.len != n || memcmp(buf_str(&dec), s, n) != 0)
			abort();
	} else if (e.cls != ERR_DATA && e.cls != ERR_LIMIT) {
		abort();
	}
	buf_release(&enc);
	buf_release(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf out = BUF_INIT(1 << 20);
	struct err e;
	if (rfc2047_decode(s, size, &out, &e) == 0 && !utf8_valid(buf_str(&out), out.len))
		abort();
	buf_reset(&out);
	if (rfc2047_decode_phrase(s, size, &out, &e) == 0 && !utf8_valid(buf_str(&out), out.len))
		abort();
	buf_release(&out);
	/* printable ASCII written as it is: folded only, lines within limits */
	struct buf asc = BUF_INIT(1 << 20);
	struct rfc2047_line al;
	if (rfc2047_begin(&al, &asc, "List-Unsubscribe", &e) < 0)
		abort();
	if (rfc2047_add_ascii(&al, s, size, &e) == 0) {
		if (rfc2047_end(&al, &e) < 0)
			abort();
		check_field(asc.data, asc.len);
	}
	buf_release(&asc);
	/* valid UTF-8 without CR, LF or NUL must survive encode + decode exactly */
	if (utf8_valid(s, size) && !mem_has_crlf_nul(s, size)) {
		roundtrip(s, size, 0);
		roundtrip(s, size, 1);
	}
	return 0;
}
