/* tests/bench/render.c: the pure render + compose rate — what 'outreach preview' and 'send'
 * do for each message, without the database reads and the per-file fsync around it.
 *
 *   render WORKSPACE [CAMPAIGN [ROUNDS]]
 *
 * Opens the workspace, compiles the campaign's first letter once (as send does), loads
 * every enrolled contact into memory, then builds each contact's message ROUNDS times
 * (default 1): a fresh Message-ID, campaign_build (Mustache render, lint checks, RFC 2047
 * headers, quoted-printable body, CRLF). Only the loop is timed. Prints one line:
 *
 *   messages=N seconds=S bytes=B errors=E
 *
 * Exit 1 when any message could not be built (the benchmark would be measuring an error
 * path). Linked against the same objects as ./outreach (tests/bench/run builds it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "clock.h"
#include "config.h"
#include "cmd.h"
#include "contact.h"
#include "err.h"
#include "store.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct ids {
	int64_t *v;
	size_t n, cap;
};

static int collect(void *ud, const struct contact *c)
{
	struct ids *x = ud;
	x->v = xgrow(x->v, &x->cap, x->n + 1, sizeof *x->v);
	x->v[x->n++] = c->id;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s WORKSPACE [CAMPAIGN [ROUNDS]]\n", argv[0]);
		return 2;
	}
	const char *campaign = argc > 2 ? argv[2] : NULL;
	long rounds = 1;
	if (argc > 3 && parse_long(argv[3], 1, 1000, &rounds) < 0) {
		fprintf(stderr, "render: ROUNDS must be 1 to 1000\n");
		return 2;
	}
	struct cmd_ctx ctx = { argv[1], 0 };
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(&ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0) {
		fprintf(stderr, "render: %s\n", e.msg);
		return 1;
	}
	struct campaign *c;
	if (campaign_open(w->cfg, w->root, campaign, &c, &e) < 0) {
		fprintf(stderr, "render: %s\n", e.msg);
		ws_close(w);
		return 1;
	}
	struct ids ids = { 0 };
	if (store_contacts_each(w->st, c->k->name, collect, &ids, &e) < 0) {
		fprintf(stderr, "render: %s\n", e.msg);
		return 1;
	}
	struct contact *cts = xcalloc(ids.n ? ids.n : 1, sizeof *cts);
	for (size_t i = 0; i < ids.n; i++)
		if (store_contact_load(w->st, ids.v[i], NULL, &cts[i], &e) < 0) {
			fprintf(stderr, "render: %s\n", e.msg);
			return 1;
		}

	time_t now = clock_now();
	long built = 0, errors = 0;
	size_t bytes = 0;
	double t0 = clock_mono();
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < ids.n; i++) {
			struct outgoing o;
			struct diags d;
			outgoing_init(&o);
			diags_init(&d);
			char *id = campaign_message_id(w->cfg);
			int b = campaign_build(c, 0, &cts[i], NULL, id, now, &o, &d, &e);
			if (b == 0) {
				built++;
				bytes += o.bytes.len;
			} else {
				errors++;
			}
			free(id);
			diags_release(&d);
			outgoing_release(&o);
		}
	}
	double secs = clock_mono() - t0;
	printf("messages=%ld seconds=%.6f bytes=%zu errors=%ld\n", built, secs, bytes, errors);

	for (size_t i = 0; i < ids.n; i++)
		contact_release(&cts[i]);
	free(cts);
	free(ids.v);
	campaign_close(c);
	ws_close(w);
	return errors ? 1 : 0;
}
