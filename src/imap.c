/* imap: read the user's mailbox through libetpan — owns the mailimap session, verifies the
 * server certificate with GnuTLS before any credential is sent, and only ever reads
 * (EXAMINE, BODY.PEEK), except for APPEND of the user's own sent messages. */
#include "imap.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

#define CHAIN_MAX 16
#define IDLE_LITERAL_MAX (1024 * 1024) /* an unsolicited response read while idling */

struct imap {
	mailimap *s;
	char *host;
	int trace;
	bool redacting;   /* sent data is credentials until the server answers */
	bool idling;
	bool broken;      /* the stream failed, timed out or is untrusted: close it without a word */
	char *examined;   /* the folder the last EXAMINE opened, while it is open */
};

/* ------------------------------------------------------------------ tracing */

static void logger(mailimap *s, int type, const char *str, size_t size, void *ctx)
{
	struct imap *m = ctx;
	(void)s;
	if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED) {
		m->redacting = false;
		if (m->trace >= 2)
			fprintf(stderr, "imap < %.*s%s", (int)size, str, size && str[size - 1] == '\n' ? "" : "\n");
		return;
	}
	if (type != MAILSTREAM_LOG_TYPE_DATA_SENT && type != MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
		return;
	/* libetpan's logger shows LOGIN passwords and XOAUTH2 tokens verbatim (notes §2.9) */
	const char *sp = memchr(str, ' ', size);
	bool secret_cmd = sp && ((size_t)(str + size - sp) > 6) &&
			  (!strncasecmp(sp + 1, "LOGIN ", 6) || !strncasecmp(sp + 1, "AUTHENTICATE ", 13));
	if (m->trace < 2) {
		if (secret_cmd)
			m->redacting = true;
		return;
	}
	if (type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE || m->redacting) {
		fprintf(stderr, "imap > <redacted>\n");
	} else if (secret_cmd) {
		/* "a1 LOGIN user pass": keep the tag and verb only */
		const char *verb_end = memchr(sp + 1, ' ', (size_t)(str + size - sp - 1));
		fprintf(stderr, "imap > %.*s <redacted>\n", (int)(verb_end ? verb_end - str : (long)size), str);
		m->redacting = true;
	} else {
		fprintf(stderr, "imap > %.*s%s", (int)size, str, size && str[size - 1] == '\n' ? "" : "\n");
	}
}

/* ------------------------------------------------------------------ TLS */

static void tls_cb(struct mailstream_ssl_context *ctx, void *data)
{
	/* SNI: libetpan does not send it unless asked (notes §2.1) */
	mailstream_ssl_set_server_name(ctx, data);
}

/* Verify the peer's chain and host name after the handshake, before LOGIN (notes §2.2:
 * libetpan's GnuTLS build verifies nothing). */
static int verify_peer(struct imap *m, const char *cafile, struct err *e)
{
	carray *chain = mailstream_get_certificate_chain(m->s->imap_stream);
	if (!chain || carray_count(chain) == 0) {
		if (chain)
			mailstream_certificate_chain_free(chain);
		return err_set(e, ERR_SESSION, 0, "TLS: the IMAP server sent no certificate");
	}
	gnutls_x509_crt_t crt[CHAIN_MAX];
	unsigned nc = 0;
	for (unsigned i = 0; i < carray_count(chain) && nc < CHAIN_MAX; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };
		if (gnutls_x509_crt_init(&crt[nc]) < 0)
			break;
		if (gnutls_x509_crt_import(crt[nc], &d, GNUTLS_X509_FMT_DER) < 0)
			gnutls_x509_crt_deinit(crt[nc]);
		else
			nc++;
	}
	mailstream_certificate_chain_free(chain);
	gnutls_x509_trust_list_t tl;
	gnutls_x509_trust_list_init(&tl, 0);
	gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	int rc = 0;
	if (cafile && gnutls_x509_trust_list_add_trust_file(tl, cafile, NULL, GNUTLS_X509_FMT_PEM, 0, 0) <= 0)
		rc = err_set(e, ERR_CONFIG, 0, "cafile '%s' holds no usable certificate", cafile);
	unsigned status = 0;
	if (!rc) {
		gnutls_typed_vdata_st vd = { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)m->host, 0 };
		int v = nc ? gnutls_x509_trust_list_verify_crt2(tl, crt, nc, &vd, 1, 0, &status, NULL) : -1;
		if (v < 0 || status != 0) {
			gnutls_datum_t out = { NULL, 0 };
			if (v >= 0)
				gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
			rc = err_set(e, ERR_SESSION, 0,
				     "TLS: the IMAP server's certificate for '%s' is not trusted (%s); nothing was sent to it. "
				     "If it uses a private CA, set cafile in outreach.conf",
				     m->host, out.data ? (const char *)out.data : "verification failed");
			gnutls_free(out.data);
		}
	}
	gnutls_x509_trust_list_deinit(tl, 1);
	for (unsigned i = 0; i < nc; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return rc;
}

/* ------------------------------------------------------------------ connect */

static int response_err(struct imap *m, int r, enum err_class cls, const char *what, struct err *e)
{
	const char *said = m->s && m->s->imap_response ? m->s->imap_response : "";
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_CONNECTION_REFUSED) {
		m->broken = true;
		return err_set(e, ERR_TEMP, r, "IMAP %s: the connection failed or timed out", what);
	}
	return err_set(e, cls, r, "IMAP %s failed%s%s", what, *said ? ": " : "", said);
}

static int parse_url(const char *url, char **host, uint16_t *port, bool *ssl, struct err *e)
{
	if (!strncasecmp(url, "imaps://", 8))
		*ssl = true, *port = 993;
	else if (!strncasecmp(url, "imap://", 7))
		*ssl = false, *port = 143;
	else
		return err_set(e, ERR_CONFIG, 0, "imap_url must start with imaps:// or imap://, not '%s'", url);
	const char *h = strstr(url, "://") + 3, *end;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return err_set(e, ERR_CONFIG, 0, "imap_url '%s': unclosed '['", url);
		*host = xstrndup(h + 1, (size_t)(end - h - 1));
		end++;
	} else {
		end = h + strcspn(h, ":/");
		*host = xstrndup(h, (size_t)(end - h));
	}
	if (*end == ':') {
		long p;
		char *num = xstrndup(end + 1, strcspn(end + 1, "/"));
		int bad = parse_long(num, 1, 65535, &p);
		free(num);
		if (bad) {
			free(*host);
			return err_set(e, ERR_CONFIG, 0, "imap_url '%s': bad port", url);
		}
		*port = (uint16_t)p;
	}
	return 0;
}

int imap_connect(const struct imap_opts *o, struct imap **out, struct err *e)
{
	char *host = NULL;
	uint16_t port = 0;
	bool ssl = true;
	if (parse_url(o->url, &host, &port, &ssl, e) < 0)
		return -1;
	struct imap *m = xcalloc(1, sizeof *m);
	m->host = host;
	m->trace = o->trace;
	m->s = mailimap_new(0, NULL);
	if (!m->s) {
		imap_close(m);
		return err_set(e, ERR_INTERNAL, 0, "cannot create an IMAP session");
	}
	/* always: the default is libetpan's process-wide 300 s (notes §2.8) */
	mailimap_set_timeout(m->s, o->timeout > 0 ? o->timeout : 60);
	mailimap_set_logger(m->s, logger, m);
	int r;
	if (ssl)
		r = mailimap_ssl_connect_with_callback(m->s, host, port, tls_cb, host);
	else
		r = mailimap_socket_connect(m->s, host, port);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (r == MAILIMAP_ERROR_SSL)
			err_set(e, ERR_SESSION, r, "IMAP: TLS handshake with %s:%u failed", host, port);
		else
			err_set(e, ERR_TEMP, r, "IMAP: cannot connect to %s:%u", host, port);
		imap_close(m);
		return -1;
	}
	if (!ssl && !o->allow_plaintext) {
		struct mailimap_capability_data *cap = NULL;
		if (mailimap_capability(m->s, &cap) == MAILIMAP_NO_ERROR)
			mailimap_capability_data_free(cap);
		if (!mailimap_has_extension(m->s, "STARTTLS")) {
			err_set(e, ERR_SESSION, 0,
				"the IMAP server does not offer STARTTLS, and outreach never sends a password in clear text; "
				"use imaps:// (port 993)");
			imap_close(m);
			return -1;
		}
		r = mailimap_socket_starttls_with_callback(m->s, tls_cb, host);
		if (r != MAILIMAP_NO_ERROR) {
			err_set(e, ERR_SESSION, r, "IMAP STARTTLS with %s failed", host);
			imap_close(m);
			return -1;
		}
	}
	if ((ssl || !o->allow_plaintext) && !o->insecure && verify_peer(m, o->cafile, e) < 0) {
		m->broken = true; /* not even a LOGOUT to a server we do not trust */
		imap_close(m);
		return -1;
	}
	/* capabilities may change after STARTTLS; read them before choosing how to log in */
	struct mailimap_capability_data *cap = NULL;
	if (mailimap_capability(m->s, &cap) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(cap);
	if (o->oauth2_token)
		r = mailimap_oauth2_authenticate(m->s, o->user, o->oauth2_token);
	else
		r = mailimap_login(m->s, o->user, o->password ? o->password : "");
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_STREAM) {
			m->broken = true;
			err_set(e, ERR_TEMP, r, "IMAP: the connection to %s was lost while logging in", host);
		} else {
			err_set(e, ERR_SESSION, r, "IMAP login as '%s' refused%s%s; %s", o->user,
				m->s->imap_response ? ": " : "", m->s->imap_response ? m->s->imap_response : "",
				o->oauth2_token ? "the OAuth2 token was refused: get a fresh one from oauth2_token_command, "
						  "and check 'user'"
						: "check 'user' and the password");
		}
		imap_close(m);
		return -1;
	}
	cap = NULL;
	if (mailimap_capability(m->s, &cap) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(cap);
	*out = m;
	return 0;
}

void imap_close(struct imap *m)
{
	if (!m)
		return;
	if (m->s) {
		/* after a failed read or write, DONE or LOGOUT would only wait for another
		 * timeout on a connection that is already gone */
		if (m->idling && !m->broken)
			mailimap_idle_done(m->s);
		if (m->s->imap_stream && m->broken) {
			/* mailimap_free() would send LOGOUT itself */
			mailstream_close(m->s->imap_stream);
			m->s->imap_stream = NULL;
		}
		if (m->s->imap_stream)
			mailimap_logout(m->s);
		mailimap_free(m->s);
	}
	free(m->examined);
	free(m->host);
	free(m);
}

bool imap_has_idle(struct imap *m)
{
	return mailimap_has_idle(m->s) != 0;
}

int imap_examine(struct imap *m, const char *folder, struct imap_folder *info, struct err *e)
{
	xfree(&m->examined);
	int r = mailimap_examine(m->s, folder);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_DATA, "EXAMINE", e);
	m->examined = xstrdup(folder);
	struct mailimap_selection_info *si = m->s->imap_selection_info;
	memset(info, 0, sizeof *info);
	if (si) {
		info->uidvalidity = si->sel_uidvalidity;
		info->uidnext = si->sel_uidnext;
		info->exists = si->sel_exists;
	}
	return 0;
}

bool imap_is_examined(const struct imap *m, const char *folder)
{
	return m->examined && !strcmp(m->examined, folder);
}

/* ------------------------------------------------------------------ fetch */

static void walk_att(struct mailimap_msg_att *ma, uint32_t *uid, uint32_t *size, const char **data, size_t *len)
{
	for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
		struct mailimap_msg_att_item *item = clist_content(j);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue; /* extension items (MODSEQ...) */
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			*size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && st->att_data.att_body_section) {
			*data = st->att_data.att_body_section->sec_body_part;
			*len = st->att_data.att_body_section->sec_length;
		}
	}
}

/* UIDs are fetched in bounded batches so one poll of a huge folder never holds every
 * header in memory at once. */
#define FETCH_BATCH 500

int imap_fetch_headers(struct imap *m, uint32_t after, int (*fn)(void *ud, const struct imap_header *h), void *ud,
		       struct err *e)
{
	uint32_t from = after + 1;
	/* UIDNEXT from EXAMINE bounds the batches; UIDs may have gaps (expunged mail), so an
	 * empty batch does not mean the end. Without UIDNEXT, one fetch up to '*'. */
	uint32_t uidnext = m->s->imap_selection_info ? m->s->imap_selection_info->sel_uidnext : 0;
	for (;;) {
		if (uidnext && from >= uidnext)
			return 0;
		uint32_t to = 0; /* '*' */
		if (uidnext) {
			to = from + FETCH_BATCH - 1;
			if (to < from || to >= uidnext)
				to = uidnext - 1;
		}
		struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
			mailimap_fetch_att_new_body_peek_section(mailimap_section_new_header()));
		struct mailimap_set *set = mailimap_set_new_interval(from, to);
		clist *res = NULL;
		int r = mailimap_uid_fetch(m->s, set, ft, &res);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		if (r != MAILIMAP_NO_ERROR)
			return response_err(m, r, ERR_TEMP, "UID FETCH", e);
		uint32_t max_uid = 0;
		size_t n = 0;
		int stop = 0;
		/* the server may answer in any order; callers want UID order */
		struct item { uint32_t uid, size; const char *data; size_t len; } *items = NULL;
		size_t cap = 0;
		for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
			uint32_t uid = 0, size = 0;
			const char *data = NULL;
			size_t len = 0;
			walk_att(clist_content(it), &uid, &size, &data, &len);
			if (uid <= after || uid < from || (to && uid > to))
				continue; /* "UID n:*" also returns the last message when n is past it */
			items = xgrow(items, &cap, n + 1, sizeof *items);
			items[n++] = (struct item){ uid, size, data ? data : "", len };
			if (uid > max_uid)
				max_uid = uid;
		}
		for (size_t i = 1; i < n; i++)
			for (size_t k = i; k > 0 && items[k - 1].uid > items[k].uid; k--) {
				struct item t = items[k];
				items[k] = items[k - 1];
				items[k - 1] = t;
			}
		for (size_t i = 0; i < n && !stop; i++) {
			struct imap_header h = { items[i].uid, items[i].size, items[i].data, items[i].len };
			stop = fn(ud, &h);
		}
		free(items);
		mailimap_fetch_list_free(res);
		if (stop)
			return stop < 0 ? -1 : 0;
		if (!to)
			return 0;
		from = to + 1;
	}
}

int imap_fetch_message(struct imap *m, uint32_t uid, size_t max, struct buf *out, bool *truncated, struct err *e)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	/* one byte more than we keep, to know whether the message was cut */
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_body_peek_section_partial(mailimap_section_new(NULL), 0, (uint32_t)max + 1));
	struct mailimap_set *set = mailimap_set_new_single(uid);
	clist *res = NULL;
	int r = mailimap_uid_fetch(m->s, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "UID FETCH", e);
	int rc = err_set(e, ERR_DATA, 0, "IMAP: message UID %u is gone", uid);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t u = 0, size = 0;
		const char *data = NULL;
		size_t len = 0;
		walk_att(clist_content(it), &u, &size, &data, &len);
		if (u != uid || !data)
			continue;
		*truncated = len > max || size > max;
		if (len > max)
			len = max;
		buf_reset(out);
		rc = buf_add(out, data, len) < 0 ? err_set(e, ERR_LIMIT, 0, "message UID %u too large", uid) : 0;
		break;
	}
	mailimap_fetch_list_free(res);
	if (rc == 0)
		err_clear(e);
	return rc;
}

/* ------------------------------------------------------------------ IDLE */

/* Reads one whole untagged response that arrived during IDLE — a line, and the literals it
 * announces ("{N}" at a line's end is followed by N octets and the rest of the response) — so
 * that what libetpan parses after DONE starts at a response boundary. Returns 1 when the
 * response says the mailbox may have changed, 0 for a status line ("* OK Still here", Dovecot's
 * keepalive, or an ALERT), -1 when the stream failed or the server said BYE. A line that
 * comes in pieces is waited for (the stream's timeout bounds the wait). */
static int idle_read_response(struct imap *m)
{
	char *line = mailimap_read_line(m->s);
	/* at the end of the stream libetpan returns what it has (often ""), not NULL: a line
	 * without its line end is a connection that is gone */
	if (!line || !*line || line[strlen(line) - 1] != '\n')
		return -1;
	/* "* BYE": the server is closing the connection; DONE would be written to nobody */
	if (!strncasecmp(line, "* BYE", 5))
		return -1;
	bool status = !strncasecmp(line, "* OK", 4) || !strncasecmp(line, "* NO", 4) || !strncasecmp(line, "* BAD", 5);
	for (;;) {
		size_t n = strlen(line);
		if (!n || line[n - 1] != '\n')
			return -1;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (!n || line[n - 1] != '}')
			break;
		size_t open = n - 1;
		while (open && line[open - 1] != '{')
			open--;
		if (!open)
			break;
		unsigned long long lit = strtoull(line + open, NULL, 10);
		if (lit > IDLE_LITERAL_MAX)
			return -1; /* nothing unsolicited is that large: the session is dropped, then resumed */
		char chunk[4096];
		while (lit > 0) {
			size_t want = lit < sizeof chunk ? (size_t)lit : sizeof chunk;
			ssize_t got = mailstream_read(m->s->imap_stream, chunk, want);
			if (got <= 0)
				return -1;
			lit -= (size_t)got;
		}
		if (!(line = mailimap_read_line(m->s)))
			return -1;
	}
	return status ? 0 : 1;
}

static bool idle_buffered(struct imap *m)
{
	return m->s->imap_stream && m->s->imap_stream->read_buffer_len > 0;
}

/* Reads what the server has sent while idling: 1 when something in the mailbox may have
 * changed, 0 when it was keepalives only, -1 when the stream failed (the caller's DONE then
 * reports it). */
static int idle_read(struct imap *m)
{
	int news = 0;
	do {
		int r = idle_read_response(m);
		if (r < 0)
			return -1;
		news |= r;
	} while (!news && idle_buffered(m));
	return news;
}

int imap_idle(struct imap *m, int seconds, volatile int *stop, struct err *e)
{
	int r = mailimap_idle(m->s);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "IDLE", e);
	m->idling = true;
	int fd = mailimap_idle_get_fd(m->s);
	double until = clock_mono() + seconds;
	int news = 0;
	/* libetpan may already hold buffered data (the server's EXISTS came with "+ idling") */
	if (idle_buffered(m))
		news = idle_read(m);
	if (!news && clock_is_fake()) {
		/* a test's fake clock: what the server has now is reported, else the whole wait
		 * passes at once (as clock_sleep does), so loops on the fake clock move forward */
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 0) > 0)
			news = idle_read(m);
		if (!news)
			clock_sleep(seconds, stop);
	}
	/* a keepalive ("* OK Still here", which Dovecot sends at a moment of its choosing) is
	 * read and idling goes on: only a change in the mailbox, a failure, the end of the
	 * interval or a stop request ends the wait */
	while (!news && !(stop && *stop)) {
		double left = until - clock_mono();
		if (left <= 0 || clock_is_fake())
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		int ms = left > 0.5 ? 500 : (int)(left * 1000) + 1;
		int k = poll(&p, 1, ms);
		if (k < 0 && errno != EINTR)
			break;
		if (k > 0)
			news = idle_read(m);
	}
	m->idling = false;
	if (news < 0) {
		/* the stream failed, or a response could not be read whole: where the next one
		 * starts is unknown, so the session ends here (the caller reconnects) */
		m->broken = true;
		return err_set(e, ERR_TEMP, 0, "IMAP IDLE: the connection failed, or the server sent what cannot be read");
	}
	r = mailimap_idle_done(m->s);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "IDLE DONE", e);
	return news != 0;
}

/* ------------------------------------------------------------------ folders */

static bool has_use(struct mailimap_mailbox_list *mb, const char *use)
{
	if (!mb->mb_flag || !mb->mb_flag->mbf_oflags)
		return false;
	for (clistiter *it = clist_begin(mb->mb_flag->mbf_oflags); it; it = clist_next(it)) {
		struct mailimap_mbx_list_oflag *of = clist_content(it);
		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT && of->of_flag_ext &&
		    !strcasecmp(of->of_flag_ext, use + 1))
			return true;
	}
	return false;
}

int imap_special_folder(struct imap *m, const char *use, char **name, struct err *e)
{
	clist *res = NULL;
	int r = mailimap_list(m->s, "", "*", &res);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "LIST", e);
	static const char *const sent_names[] = { "Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail",
						   "INBOX.Sent", "Enviados", NULL };
	static const char *const draft_names[] = { "Drafts", "[Gmail]/Drafts", "INBOX.Drafts", "Borradores", NULL };
	const char *const *names = !strcasecmp(use, "\\Drafts") ? draft_names : sent_names;
	*name = NULL;
	char *fallback = NULL;
	int rank = 1000;
	for (clistiter *it = clist_begin(res); it && !*name; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (!mb->mb_name)
			continue;
		if (has_use(mb, use)) {
			*name = xstrdup(mb->mb_name);
			break;
		}
		for (int i = 0; names[i] && i < rank; i++)
			if (!strcasecmp(mb->mb_name, names[i])) {
				free(fallback);
				fallback = xstrdup(mb->mb_name);
				rank = i;
			}
	}
	mailimap_list_result_free(res);
	if (!*name)
		*name = fallback;
	else
		free(fallback);
	return 0;
}

int imap_append(struct imap *m, const char *folder, const char *data, size_t len, const char *flag, time_t date,
		struct err *e)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	if (flag && !strcasecmp(flag, "\\Seen"))
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	else if (flag && !strcasecmp(flag, "\\Draft"))
		mailimap_flag_list_add(fl, mailimap_flag_new_draft());
	struct tm tm;
	gmtime_r(&date, &tm);
	struct mailimap_date_time *dt = mailimap_date_time_new(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
							       tm.tm_min, tm.tm_sec, 0);
	int r = mailimap_append(m->s, folder, fl, dt, data, len);
	mailimap_flag_list_free(fl);
	mailimap_date_time_free(dt);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "APPEND", e);
	return 0;
}

int imap_has_message_id(struct imap *m, const char *folder, const char *message_id, bool *found, struct err *e)
{
	struct imap_folder info;
	if (imap_examine(m, folder, &info, e) < 0)
		return -1;
	char *value = xasprintf("<%s>", message_id);
	struct mailimap_search_key *key = mailimap_search_key_new_header(xstrdup("Message-ID"), value);
	clist *res = NULL;
	int r = mailimap_uid_search(m->s, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return response_err(m, r, ERR_TEMP, "UID SEARCH", e);
	*found = res && clist_count(res) > 0;
	mailimap_search_result_free(res);
	return 0;
}
