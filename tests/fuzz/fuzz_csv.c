/* Fuzz target: the CSV reader import uses (encodings, delimiters, quotes, limits) and the
 * whole import of the result into a fresh database. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvio.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-csv.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	/* small caps so the limits are exercised too */
	struct csvio_opts o = { .max_field = 512, .max_fields = 16 };
	struct csvio *r;
	struct err e;
	if (csvio_open(path, &o, &r, &e) == 0) {
		for (int i = 0; i < 10000; i++) {
			struct csvio_row *row;
			int k = csvio_next(r, &row, &e);
			if (k == 0 || (k < 0 && e.cls != ERR_DATA))
				break;
			if (k > 0)
				for (size_t f = 0; f < row->n; f++)
					if (strlen(row->field[f]) > row->len[f])
						abort(); /* NUL-termination invariant */
			size_t rawn;
			(void)csvio_raw(r, &rawn);
		}
		csvio_close(r);
	}
	unlink(path);
	return 0;
}
