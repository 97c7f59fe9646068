/* charset: convert text in a named character set to UTF-8 (iconv), tolerant of real mail. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "util.h"

static const char *canonical(const char *cs)
{
	static const struct { const char *alias, *name; } map[] = {
		{ "us-ascii", "WINDOWS-1252" }, { "ascii", "WINDOWS-1252" },
		{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" }, { "latin-1", "WINDOWS-1252" },
		{ "l1", "WINDOWS-1252" }, { "cp1252", "WINDOWS-1252" },
		{ "x-cp1252", "WINDOWS-1252" }, { "windows-1252", "WINDOWS-1252" },
		{ "ks_c_5601-1987", "CP949" }, { "gb2312", "GB18030" }, { "gbk", "GB18030" },
		{ "x-sjis", "SHIFT_JIS" }, { "utf8", "UTF-8" }, { "x-unknown", "WINDOWS-1252" },
		{ "unknown-8bit", "WINDOWS-1252" }, { "default", "WINDOWS-1252" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcasecmp(cs, map[i].alias) == 0)
			return map[i].name;
	return cs;
}

int charset_known(const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", canonical(charset));
	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

static int add_utf8_checked(const char *in, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		int k = utf8_decode(in + i, n - i, &cp);
		if (k < 0) {
			if (buf_add(out, "\xef\xbf\xbd", 3) < 0)
				return -1;
			i++;
			continue;
		}
		if (buf_add(out, in + i, (size_t)k) < 0)
			return -1;
		i += (size_t)k;
	}
	return 0;
}

int charset_to_utf8(const char *charset, const char *in, size_t n, struct buf *out, struct err *e)
{
	const char *cs = canonical(charset && *charset ? charset : "us-ascii");
	if (strcasecmp(cs, "UTF-8") == 0) {
		if (add_utf8_checked(in, n, out) < 0)
			return err_set(e, ERR_LIMIT, 0, "decoded text too large");
		return 0;
	}
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return err_set(e, ERR_DATA, 0, "unknown character set '%s'", charset);
	char *ip = (char *)(uintptr_t)in; /* iconv's prototype is not const-correct */
	size_t ileft = n;
	char chunk[4096];
	int rc = 0;
	while (ileft > 0) {
		char *op = chunk;
		size_t oleft = sizeof chunk;
		size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
		if (buf_add(out, chunk, sizeof chunk - oleft) < 0) {
			rc = err_set(e, ERR_LIMIT, 0, "decoded text too large");
			break;
		}
		if (r == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL (truncated at the end): replace one byte, go on */
			if (buf_add(out, "\xef\xbf\xbd", 3) < 0) {
				rc = err_set(e, ERR_LIMIT, 0, "decoded text too large");
				break;
			}
			ip++, ileft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
	return rc;
}
