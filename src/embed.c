/* embed: the sample workspace (config, templates, contacts, CV) compiled into the binary,
 * so 'outreach init' works from an installed binary with no repository around. */
#include "embed.h"

#include <stdint.h>

/*
 * .incbin includes the files from the repository at build time (paths are relative to the
 * top of the tree, where make runs; the Makefile lists them as prerequisites of embed.o).
 * Each blob is followed by a NUL so text files can be used as C strings.
 */
#define EMBED(sym, file)                                                       \
	__asm__(".section .rodata\n"                                           \
		".balign 16\n"                                                 \
		".global " #sym "\n" #sym ":\n"                                \
		".incbin \"" file "\"\n"                                       \
		".global " #sym "_end\n" #sym "_end:\n"                        \
		".byte 0\n"                                                    \
		".previous\n");                                                \
	extern const char sym[], sym##_end[]

EMBED(embed_conf, "templates/outreach.conf");
EMBED(embed_observership, "templates/observership.md");
EMBED(embed_followup1, "templates/followup-1.md");
EMBED(embed_followup2, "templates/followup-2.md");
EMBED(embed_signature, "templates/signature.md");
EMBED(embed_contacts, "contacts/attendings.csv");
EMBED(embed_cv, "templates/attachments/Amina-Rahman-CV.pdf");

const struct embedded_file embedded_files[] = {
	{ "outreach.conf", embed_conf, embed_conf_end, 0600 },
	{ "templates/observership.md", embed_observership, embed_observership_end, 0600 },
	{ "templates/followup-1.md", embed_followup1, embed_followup1_end, 0600 },
	{ "templates/followup-2.md", embed_followup2, embed_followup2_end, 0600 },
	{ "templates/signature.md", embed_signature, embed_signature_end, 0600 },
	{ "contacts/attendings.csv", embed_contacts, embed_contacts_end, 0600 },
	{ "attachments/Amina-Rahman-CV.pdf", embed_cv, embed_cv_end, 0600 },
};
const size_t embedded_count = sizeof embedded_files / sizeof embedded_files[0];

size_t embedded_len(const struct embedded_file *f)
{
	return (size_t)((uintptr_t)f->end - (uintptr_t)f->data);
}
