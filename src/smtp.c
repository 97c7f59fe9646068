/* smtp: send one message at a time through the user's own server with libcurl — owns the
 * CURL handle, keeps one connection across messages, and classifies every outcome. */
#include "smtp.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

/* The option was misspelt until curl 8.2.0 (notes §1.7); we send one recipient per
 * transaction and never set it, but keep the portable name in one place. */

struct src {
	const char *data;
	size_t len, pos;
};

struct smtp {
	CURL *h;
	char *url;
	char *secret;          /* password or token, zeroed on close */
	bool oauth;
	bool has_cafile;
	int trace;
	struct src src;
	char errbuf[CURL_ERROR_SIZE];

	/* per transaction */
	enum smtp_phase phase;
	int code;              /* last complete reply's code */
	enum smtp_phase code_phase; /* the phase when that reply arrived */
	struct buf reply;      /* last complete reply's text (multi-line joined) */
	struct buf partial;    /* lines of a multi-line reply so far */
	bool redact;           /* client lines are credentials until the AUTH exchange ends */
	bool quitting;         /* QUIT was sent: its "221 Bye" is not the verdict */
	long connects;
};

const char *smtp_phase_name(enum smtp_phase p)
{
	static const char *const names[] = {
		[SMTP_CONNECT] = "connect", [SMTP_GREETING] = "greeting", [SMTP_TLS] = "STARTTLS/TLS",
		[SMTP_AUTH] = "AUTH", [SMTP_MAIL] = "MAIL FROM", [SMTP_RCPT] = "RCPT TO", [SMTP_DATA] = "DATA",
		[SMTP_BODY] = "end of data", [SMTP_DONE] = "done",
	};
	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}

static size_t read_cb(char *buf, size_t sz, size_t n, void *ud)
{
	struct src *s = ud;
	size_t room = sz * n, left = s->len - s->pos;
	size_t k = left < room ? left : room;
	memcpy(buf, s->data + s->pos, k);
	s->pos += k;
	return k;
}

/* Every server reply line arrives here (curl 7.88 passes SMTP responses to the header
 * callback, notes §1.6). */
static size_t header_cb(char *b, size_t sz, size_t n, void *ud)
{
	struct smtp *s = ud;
	size_t len = sz * n, l = len;
	while (l && (b[l - 1] == '\n' || b[l - 1] == '\r'))
		l--;
	if (l >= 3 && isdigit((unsigned char)b[0]) && isdigit((unsigned char)b[1]) && isdigit((unsigned char)b[2])) {
		if (s->partial.len)
			buf_addch(&s->partial, ' ');
		buf_add(&s->partial, l > 4 ? b + 4 : "", l > 4 ? l - 4 : 0);
		if (s->quitting) {
			/* the reply to curl's own QUIT after a failure: keep the failure's reply */
			buf_reset(&s->partial);
		} else if (l == 3 || b[3] == ' ') {
			s->code = (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
			s->code_phase = s->phase;
			buf_reset(&s->reply);
			buf_printf(&s->reply, "%d %s", s->code, buf_str(&s->partial));
			buf_reset(&s->partial);
			if (s->redact && s->code != 334)
				s->redact = false;
		}
	}
	if (s->trace >= 2)
		fprintf(stderr, "smtp < %.*s\n", (int)l, b);
	return len;
}

static void set_phase_from_command(struct smtp *s, const char *d, size_t n)
{
	if (n >= 4 && (!strncasecmp(d, "EHLO", 4) || !strncasecmp(d, "HELO", 4)))
		s->phase = s->phase < SMTP_GREETING ? SMTP_GREETING : s->phase;
	else if (n >= 8 && !strncasecmp(d, "STARTTLS", 8))
		s->phase = SMTP_TLS;
	else if (n >= 4 && !strncasecmp(d, "AUTH", 4)) {
		s->phase = SMTP_AUTH;
		s->redact = true;
	} else if (n >= 9 && !strncasecmp(d, "MAIL FROM", 9))
		s->phase = SMTP_MAIL;
	else if (n >= 7 && !strncasecmp(d, "RCPT TO", 7))
		s->phase = SMTP_RCPT;
	else if (n >= 4 && !strncasecmp(d, "DATA", 4))
		s->phase = SMTP_DATA;
	else if (n >= 4 && !strncasecmp(d, "QUIT", 4))
		s->quitting = true;
}

static int debug_cb(CURL *h, curl_infotype type, char *d, size_t n, void *ud)
{
	struct smtp *s = ud;
	(void)h;
	switch (type) {
	case CURLINFO_HEADER_OUT: {
		bool was_redacting = s->redact;
		set_phase_from_command(s, d, n);
		if (s->trace >= 2) {
			size_t l = n;
			while (l && (d[l - 1] == '\n' || d[l - 1] == '\r'))
				l--;
			if (n >= 4 && !strncasecmp(d, "AUTH", 4)) {
				/* "AUTH PLAIN <base64 credentials>": keep the mechanism only */
				const char *sp = memchr(d + 5, ' ', l > 5 ? l - 5 : 0);
				fprintf(stderr, "smtp > %.*s%s\n", (int)(sp ? (size_t)(sp - d) : l), d, sp ? " <redacted>" : "");
			} else if (was_redacting) {
				fprintf(stderr, "smtp > <redacted>\n");
			} else {
				fprintf(stderr, "smtp > %.*s\n", (int)l, d);
			}
		}
		break;
	}
	case CURLINFO_DATA_OUT:
		if (s->phase == SMTP_DATA || s->phase == SMTP_RCPT)
			s->phase = SMTP_BODY;
		break;
	case CURLINFO_TEXT:
		if (s->trace >= 3)
			fprintf(stderr, "curl: %.*s", (int)n, d);
		break;
	default:
		break;
	}
	return 0;
}

static void global_init(void)
{
	static bool done;
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = true;
	}
}

/* "smtps://host:465/anything" -> "smtps://host:465/EHLO-NAME" (curl takes the EHLO name
 * from the URL path, notes §1.1). */
static char *build_url(const char *url, const char *ehlo)
{
	const char *host = strstr(url, "://") + 3;
	const char *slash = strchr(host, '/');
	size_t base = slash ? (size_t)(slash - url) : strlen(url);
	return xasprintf("%.*s/%s", (int)base, url, ehlo && *ehlo ? ehlo : "localhost");
}

int smtp_open(const struct smtp_opts *o, struct smtp **out, struct err *e)
{
	bool smtps = !strncasecmp(o->url, "smtps://", 8);
	if (!smtps && strncasecmp(o->url, "smtp://", 7) != 0)
		return err_set(e, ERR_CONFIG, 0, "smtp_url must start with smtp:// or smtps://, not '%s'", o->url);
	global_init();
	struct smtp *s = xcalloc(1, sizeof *s);
	buf_init(&s->reply, 4096);
	buf_init(&s->partial, 4096);
	s->trace = o->trace;
	s->h = curl_easy_init();
	if (!s->h) {
		smtp_close(s);
		return err_set(e, ERR_INTERNAL, 0, "cannot initialise libcurl");
	}
	s->url = build_url(o->url, o->ehlo);
	long timeout = o->timeout > 0 ? o->timeout : 60;
	CURL *h = s->h;
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &s->src);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds debug_cb: phases and the redacted trace */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout * 10); /* a whole message, attachments included */
	curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
	/* one connection at a time: when a new one is opened (FRESH_CONNECT below), the old
	 * one is closed instead of lingering in the cache to be picked up again */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
	if (!smtps) {
		/* STARTTLS is mandatory: CURLUSESSL_TRY silently sends in clear text (notes §1.2) */
		curl_easy_setopt(h, CURLOPT_USE_SSL, o->allow_plaintext ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	}
	if (o->cafile) {
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile);
		s->has_cafile = true;
	}
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->user)
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
	if (o->oauth2_token) {
		/* XOAUTH2 needs the user name too, or curl skips AUTH silently (notes §1.4) */
		s->oauth = true;
		s->secret = xstrdup(o->oauth2_token);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, s->secret);
	} else if (o->password) {
		s->secret = xstrdup(o->password);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret);
	}
	*out = s;
	return 0;
}

void smtp_queue_id(const char *text, char *out, size_t n)
{
	out[0] = '\0';
	const char *p = mem_icase_find(text, strlen(text), "queued as ");
	if (p)
		p += 10;
	else if ((p = mem_icase_find(text, strlen(text), " id=")))
		p += 4;
	if (!p)
		return;
	size_t k = 0;
	while (p[k] && !isspace((unsigned char)p[k]) && p[k] != ')' && k + 1 < n)
		k++;
	memcpy(out, p, k);
	out[k] = '\0';
}

static bool tls_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_CRL_BADFILE;
}

static const char *enhanced(const char *text)
{
	/* "550 5.1.1 <x>: Recipient address rejected" -> "5.1.1 ..." */
	const char *p = text + 4;
	if (strlen(text) > 4 && (p[0] == '2' || p[0] == '4' || p[0] == '5') && p[1] == '.')
		return p;
	return "";
}

/* Decide what an outcome means for this message and for the batch (notes §1.6). */
static int classify(struct smtp *s, CURLcode rc, struct smtp_reply *r, struct err *e)
{
	const char *said = r->text[0] ? r->text : "no reply";
	int code = r->code;
	const char *enh = enhanced(r->text);
	const char *where = smtp_phase_name(r->phase);

	if (rc == CURLE_LOGIN_DENIED && code >= 400 && code < 500) {
		/* "454 4.7.0 Temporary authentication failure" (RFC 4954 §6): nothing for the
		 * user to fix, and no reason to doubt the password */
		r->stop = true;
		return err_set(e, ERR_TEMP, code, "the server could not check the login just now (%s); try again later",
			       said);
	}
	if (rc == CURLE_LOGIN_DENIED || code == 530 || code == 534 || code == 535 || code == 538) {
		r->stop = true;
		/* XOAUTH2 ends in a 334 with an error document, OAUTHBEARER in a 535 after it */
		if (s->oauth && (rc == CURLE_LOGIN_DENIED || code == 535 || code == 334))
			return err_set(e, ERR_SESSION, code,
				       "the server refused the OAuth2 token (%s); get a fresh one from oauth2_token_command, "
				       "and check 'user'", said);
		return err_set(e, ERR_SESSION, code,
			       "the server refused the login (%s); check 'user' and the password — Gmail and Outlook need an "
			       "app password or OAuth2", said);
	}
	if (tls_error(rc)) {
		r->stop = true;
		return err_set(e, ERR_SESSION, rc,
			       "TLS failed: %s; %s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc),
			       s->has_cafile ? "check the server's certificate (host name, expiry) and the cafile setting"
					     : "if the server uses a private CA, set cafile in outreach.conf");
	}
	if (rc == CURLE_USE_SSL_FAILED) {
		r->stop = true;
		return err_set(e, ERR_SESSION, rc,
			       "the server does not offer STARTTLS, and outreach never sends a password in clear text; "
			       "use smtps:// (port 465) or the provider's submission port 587");
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
		r->stop = true;
		return err_set(e, ERR_CONFIG, rc, "smtp_url: %s", curl_easy_strerror(rc));
	}
	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT) {
		r->stop = true;
		return err_set(e, ERR_TEMP, rc, "cannot reach the mail server: %s",
			       s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
	}
	if (code == 421) {
		r->stop = true;
		return err_set(e, ERR_TEMP, code, "the server is closing the connection (%s); try again later", said);
	}
	/* a reply to the end of the data: an explicit verdict on this message */
	if (r->phase == SMTP_BODY && s->code_phase == SMTP_BODY && code >= 400) {
		if (code >= 500)
			return err_set(e, ERR_PERM, code, "rejected after the message was sent: %s", said);
		return err_set(e, ERR_TEMP, code, "deferred after the message was sent: %s", said);
	}
	/* the body went out and no verdict came back: it may have been delivered */
	if (r->phase == SMTP_BODY)
		return err_set(e, ERR_UNKNOWN, rc, "the connection failed after the message was handed over (%s); "
			       "it may have been delivered, so it will not be resent automatically",
			       s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
	if (code >= 500 && r->phase <= SMTP_MAIL) {
		/* greeting, EHLO or MAIL FROM refused: every message would fail the same way */
		r->stop = true;
		return err_set(e, ERR_SESSION, code, "the server refused the session at %s: %s", where, said);
	}
	if (code >= 400 && code < 500 && r->phase <= SMTP_MAIL) {
		r->stop = true;
		return err_set(e, ERR_TEMP, code, "the server deferred the session at %s: %s", where, said);
	}
	if (code >= 500) {
		(void)enh;
		return err_set(e, ERR_PERM, code, "%s: %s", where, said);
	}
	if (code >= 400)
		return err_set(e, ERR_TEMP, code, "%s: %s", where, said);
	/* a network failure or timeout before the body: nothing was delivered */
	r->stop = true;
	return err_set(e, ERR_TEMP, rc, "%s: %s", where, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
}

static CURLcode perform(struct smtp *s, const char *data, size_t len, struct smtp_reply *r)
{
	s->src = (struct src){ data, len, 0 };
	s->errbuf[0] = '\0';
	s->phase = SMTP_CONNECT;
	s->code = 0;
	s->code_phase = SMTP_CONNECT;
	s->redact = false;
	s->quitting = false;
	buf_reset(&s->reply);
	buf_reset(&s->partial);
	CURLcode rc = curl_easy_perform(s->h);
	long nc = 0;
	curl_easy_getinfo(s->h, CURLINFO_NUM_CONNECTS, &nc);
	s->connects += nc;
	/* a reused connection skips the greeting: it is past it */
	if (nc == 0 && s->phase == SMTP_CONNECT)
		s->phase = SMTP_MAIL;
	memset(r, 0, sizeof *r);
	r->code = s->code;
	snprintf(r->text, sizeof r->text, "%s", buf_str(&s->reply));
	r->phase = rc == CURLE_OK ? SMTP_DONE : s->phase;
	return rc;
}

int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *data, size_t len,
	      struct smtp_reply *reply, struct err *e)
{
	if (mem_has_crlf_nul(from, strlen(from)) || mem_has_crlf_nul(rcpt, strlen(rcpt)))
		return err_set(e, ERR_PERM, 0, "an envelope address contains a line break");
	char *mfrom = xasprintf("<%s>", from), *to = xasprintf("<%s>", rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, to);
	curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, rcpts);
	long before = s->connects;
	CURLcode rc = perform(s, data, len, reply);
	/* A reused connection the server had dropped fails at once with no reply (notes §1.5):
	 * nothing was accepted, so one immediate retry on a fresh connection is safe. */
	if ((rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING) && reply->code == 0 &&
	    s->connects == before && reply->phase < SMTP_BODY)
		rc = perform(s, data, len, reply);
	curl_easy_setopt(s->h, CURLOPT_FRESH_CONNECT, 0L);
	int result = 0;
	if (rc == CURLE_OK) {
		smtp_queue_id(reply->text, reply->queue_id, sizeof reply->queue_id);
	} else {
		result = classify(s, rc, reply, e);
		/* curl keeps the connection after the end of data was refused (notes §1.5), but
		 * Postfix does not end the transaction when smtpd_end_of_data_restrictions reject:
		 * the next MAIL FROM got "503 5.5.1 Error: nested MAIL command" and stopped the
		 * run. Start the next message on a new connection. */
		if (reply->phase == SMTP_BODY)
			curl_easy_setopt(s->h, CURLOPT_FRESH_CONNECT, 1L);
	}
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	free(mfrom), free(to);
	return result;
}

void smtp_close(struct smtp *s)
{
	if (!s)
		return;
	if (s->h)
		curl_easy_cleanup(s->h); /* sends QUIT on a live connection */
	if (s->secret) {
		xzero(s->secret, strlen(s->secret));
		free(s->secret);
	}
	free(s->url);
	buf_release(&s->reply);
	buf_release(&s->partial);
	free(s);
}
