/* tests/bench/curl_send.c: the floor under 'outreach send' — libcurl alone sending the same
 * message N times over one SMTP connection, as outreach's smtp.c drives it (one easy handle
 * reused, MAIL FROM, RCPT TO, DATA per message), with no state, no composing, no checks.
 *
 *   curl_send URL N FILE
 *
 * FILE is the message with CRLF line ends. Exit 1 on the first failure. What it shows:
 * how much of the gap between outreach and smtp-source is libcurl's SMTP (one round trip per
 * command, no PIPELINING) and how much is outreach's own work per message.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct src {
	const char *p;
	size_t left;
};

static size_t feed(char *out, size_t size, size_t n, void *ud)
{
	struct src *s = ud;
	size_t k = size * n < s->left ? size * n : s->left;
	memcpy(out, s->p, k);
	s->p += k;
	s->left -= k;
	return k;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: curl_send URL N FILE\n");
		return 2;
	}
	char *end;
	long n = strtol(argv[2], &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "curl_send: N must be a number of messages, not '%s'\n", argv[2]);
		return 2;
	}
	FILE *f = fopen(argv[3], "rb");
	if (!f) {
		perror(argv[3]);
		return 1;
	}
	static char msg[1 << 20];
	size_t len = fread(msg, 1, sizeof msg, f);
	fclose(f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	struct curl_slist *rcpt = curl_slist_append(NULL, "<dr.lee@hospital.example.org>");
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, "<amina@example.test>");
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
	int rc = 0;
	for (long i = 0; i < n; i++) {
		struct src s = { msg, len };
		curl_easy_setopt(c, CURLOPT_READDATA, &s);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
		CURLcode r = curl_easy_perform(c);
		if (r != CURLE_OK) {
			fprintf(stderr, "curl_send: message %ld: %s\n", i + 1, curl_easy_strerror(r));
			rc = 1;
			break;
		}
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}
