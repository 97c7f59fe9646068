/* Fuzz target: template files (headers, folding, Content-Type, attachments, Mustache body)
 * compiled and rendered for a contact in every escape mode. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contact.h"
#include "err.h"
#include "letter.h"
#include "mval.h"
#include "vars.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-letter.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct letter *l;
	struct err e;
	if (letter_load(path, "fuzz.md", &l, &e) == 0) {
		struct contact c;
		contact_init(&c);
		c.email = xstrdup("j.lee@hospital.example");
		for (int i = 0; i < CF_COUNT; i++)
			c.field[i] = xstrdup(i == CF_LAST_NAME ? "Lee" : "");
		contact_set_extra(&c, "note", "a <b> & \"c\" *d* [e](f)");
		struct mval *m = vars_contact(&c);
		const struct mval *stack[] = { m };
		struct rendered r;
		rendered_init(&r);
		for (int k = 0; k < 3; k++) {
			l->kind = (enum letter_kind)k;
			(void)letter_render(l, stack, 1, &r, &e);
		}
		rendered_release(&r);
		mval_free(m);
		contact_release(&c);
		letter_free(l);
	}
	unlink(path);
	return 0;
}
