/* Fuzz target: outreach.conf parsing and validation (inih through our line-counting
 * reader, typed keys, spec grammars, mailbox syntax). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-conf.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	fchmod(fd, 0600);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct config *c = NULL;
	struct err e;
	if (config_load(path, &c, &e) == 0) {
		struct err e2;
		(void)config_campaign(c, NULL, &e2);
		char *pw = config_literal_password(c, &e2);
		free(pw);
		config_free(c);
	} else if (e.cls != ERR_CONFIG) {
		abort(); /* every failure of a config file is a config error */
	}
	unlink(path);
	return 0;
}
