/* embed: the sample workspace (config, templates, contacts, CV) compiled into the binary,
 * so 'outreach init' works from an installed binary with no repository around. */
#ifndef OUTREACH_EMBED_H
#define OUTREACH_EMBED_H
#include <stddef.h>

struct embedded_file {
	const char *path;      /* where 'outreach init' writes it, relative to the workspace */
	const char *data;
	const char *end;       /* one past the last byte (a NUL follows the data) */
	unsigned mode;
};

/* Length of an embedded file. */
size_t embedded_len(const struct embedded_file *f);

extern const struct embedded_file embedded_files[];
extern const size_t embedded_count;

#endif
