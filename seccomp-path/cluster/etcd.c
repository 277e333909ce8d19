// SPDX-License-Identifier: GPL-2.0-or-later
/* etcd.c - a small etcd v3 client over etcd's JSON gRPC gateway
 *
 * Theory of operation: etcd (3.4 as Debian ships it) answers the v3 API as
 * JSON over HTTP(S) on its client port: a request is a POST of the gRPC
 * message as JSON to /v3/<service>/<method>; keys and values are base64;
 * 64-bit numbers come back as strings and fields equal to their default
 * (0, false, "", the enum's first value such as a watch event's PUT) are
 * left out. An error is an HTTP status with {"error","message","code"},
 * code being the gRPC status (5 NOT_FOUND for an unknown lease, 11
 * OUT_OF_RANGE for a compacted revision). Streamed methods (watch, lease
 * keepalive) answer one {"result": ...} object per line.
 *
 * Unary calls use one curl easy handle per client, reused so the
 * connection stays open between calls, and block for at most the timeout
 * per endpoint. With several endpoints a call that fails because of the
 * endpoint (no connection, timeout, TLS, HTTP 5xx) is tried on the next;
 * the one that answered is used first from then on, and a watch opens on
 * it. A watch is a curl multi handle of its own: etcd_watch_poll() waits
 * on its sockets plus one fd of the caller's and splits the stream into
 * lines, each a JSON message handed to the caller decoded.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etcd.h"

#define ETCD_BODY_MAX (64u << 20)	/* largest answer accepted */
#define ETCD_TIMEOUT_MS 5000

/* gRPC status codes the gateway reports in "code" */
enum {
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_NOT_FOUND = 5,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNAVAILABLE = 14,
	GRPC_UNAUTHENTICATED = 16,
};

/**
 * struct etcd - a client
 * @urls:	endpoints, without a trailing '/'
 * @n_urls:	entries in @urls
 * @cur:	index of the endpoint tried first
 * @cacert:	CA file or NULL
 * @cert:	client certificate or NULL
 * @key:	client key or NULL
 * @timeout_ms:	per request and endpoint
 * @h:		easy handle of the unary calls
 * @hdr:	request headers
 * @errbuf:	curl's detailed message of the last failure
 */
struct etcd {
	char **urls;
	int n_urls;
	int cur;
	char *cacert;
	char *cert;
	char *key;
	int timeout_ms;
	CURL *h;
	struct curl_slist *hdr;
	char errbuf[CURL_ERROR_SIZE];
};

/**
 * struct buf - a growing byte buffer
 * @p:		bytes, NUL-terminated when @len > 0
 * @len:	bytes used
 * @cap:	bytes allocated
 * @oom:	an append failed or would pass ETCD_BODY_MAX
 */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

/**
 * struct etcd_watch - one watch stream
 * @e:		client
 * @m:		its own multi handle
 * @h:		the stream's easy handle
 * @body:	the create request
 * @url:	endpoint's URL (for messages)
 * @line:	bytes received and not yet a whole line
 * @fn:		callback
 * @arg:	its argument
 * @ended:	the stream is over
 * @status:	0, or why the stream ended (negative errno)
 * @err:	message for @status
 * @errbuf:	curl's detailed message
 */
struct etcd_watch {
	struct etcd *e;
	CURLM *m;
	CURL *h;
	char *body;
	char url[256];
	struct buf line;
	etcd_watch_fn fn;
	void *arg;
	bool ended;
	int status;
	struct b4_error err;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_init() - curl_global_init() once per process (never undone: other
 * threads may still be using curl when one client goes) */
static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- base64 (etcd's keys and values) ------------------------------------ */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_encode() - standard base64 with padding, malloc'd, or NULL */
static char *b64_encode(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc((n + 2) / 3 * 4 + 1);

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 |
			     u[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)u[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

/* b64_value() - value of a base64 digit, -1 if it is none */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* b64_decode() - decode @s into a malloc'd C string; -EBADMSG if it is not
 * base64 or holds a NUL byte, -ENOMEM */
static int b64_decode(const char *s, char **out)
{
	size_t n = strlen(s), o = 0;
	uint32_t acc = 0;
	int bits = 0;
	char *r = malloc(n / 4 * 3 + 4);

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		v = b64_value(s[i]);
		if (v < 0) {
			free(r);
			return -EBADMSG;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			r[o] = (char)(acc >> bits & 0xff);
			if (r[o] == '\0') {
				free(r);
				return -EBADMSG;
			}
			o++;
		}
	}
	r[o] = '\0';
	*out = r;
	return 0;
}

/* ---- buffers and JSON fields ---------------------------------------------- */

/* buf_add() - append @n bytes (kept NUL-terminated) */
static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *q;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > ETCD_BODY_MAX) {
			b->oom = true;
			return;
		}
		q = realloc(b->p, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* body_write() - CURLOPT_WRITEFUNCTION into a struct buf */
static size_t body_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, p, size * n);
	return b->oom ? 0 : size * n;
}

/* json_i64() - int64 field @name of @o (etcd sends them as strings);
 * @def if it is missing or not a number */
static int64_t json_i64(struct json_object *o, const char *name, int64_t def)
{
	struct json_object *v;
	const char *s;
	char *end;
	long long r;

	if (!json_object_object_get_ex(o, name, &v))
		return def;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_string))
		return def;
	s = json_object_get_string(v);
	errno = 0;
	r = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return def;
	return r;
}

/* json_str() - string field @name of @o, or NULL */
static const char *json_str(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* json_flag() - boolean field @name of @o, false if missing */
static bool json_flag(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) &&
	       json_object_get_boolean(v);
}

/* add_b64() - add field @name = base64(@s); -ENOMEM */
static int add_b64(struct json_object *o, const char *name, const char *s)
{
	char *b = b64_encode(s);
	struct json_object *v = b ? json_object_new_string(b) : NULL;

	free(b);
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, name, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* add_i64() - add field @name = "@n" (int64 as a string, as etcd does) */
static int add_i64(struct json_object *o, const char *name, int64_t n)
{
	char s[24];
	struct json_object *v;

	snprintf(s, sizeof(s), "%" PRId64, n);
	if (!(v = json_object_new_string(s)))
		return -ENOMEM;
	if (json_object_object_add(o, name, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* add_obj() - add field @name = @v, taking @v; -ENOMEM */
static int add_obj(struct json_object *o, const char *name,
		   struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, name, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* decode_kv() - an etcd KeyValue object into @kv; the strings go to
 * @key/@value (malloc'd); -EBADMSG if it is not one */
static int decode_kv(struct json_object *o, struct etcd_kv *kv, char **key,
		     char **value)
{
	const char *k = json_str(o, "key"), *v = json_str(o, "value");
	int r;

	*key = *value = NULL;
	if (!k)
		return -EBADMSG;
	r = b64_decode(k, key);
	if (r < 0)
		return r;
	r = b64_decode(v ? v : "", value);
	if (r < 0) {
		free(*key);
		*key = NULL;
		return r;
	}
	kv->key = *key;
	kv->value = *value;
	kv->lease = json_i64(o, "lease", 0);
	kv->mod_revision = json_i64(o, "mod_revision", 0);
	return 0;
}

/* ---- client ----------------------------------------------------------------- */

/* check_url() - is @u "http(s)://HOST:PORT" (a trailing "/" allowed)? */
static int check_url(const char *u, struct b4_error *err)
{
	CURLU *cu = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *user = NULL;
	int r = 0;

	if (!cu)
		return -ENOMEM;
	if (curl_url_set(cu, CURLUPART_URL, u, 0) != CURLUE_OK) {
		r = b4_error_set(err, -EINVAL,
				 "etcd endpoint \"%s\": not a URL (want http://HOST:PORT or https://HOST:PORT)",
				 u);
		goto out;
	}
	curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(cu, CURLUPART_HOST, &host, 0);
	curl_url_get(cu, CURLUPART_PORT, &port, 0);
	curl_url_get(cu, CURLUPART_PATH, &path, 0);
	curl_url_get(cu, CURLUPART_QUERY, &query, 0);
	curl_url_get(cu, CURLUPART_USER, &user, 0);
	if (!scheme || (strcmp(scheme, "http") != 0 &&
			 strcmp(scheme, "https") != 0))
		r = b4_error_set(err, -EINVAL,
				 "etcd endpoint \"%s\": scheme must be http or https",
				 u);
	else if (!host || !*host)
		r = b4_error_set(err, -EINVAL, "etcd endpoint \"%s\": no host",
				 u);
	else if (!port)
		r = b4_error_set(err, -EINVAL,
				 "etcd endpoint \"%s\": no port (etcd's client port, e.g. :2379)",
				 u);
	else if ((path && strcmp(path, "/") != 0) || query || user)
		r = b4_error_set(err, -EINVAL,
				 "etcd endpoint \"%s\": only http(s)://HOST:PORT, no path, query or user",
				 u);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(cu);
	return r;
}

/* check_file() - is file @path (setting @what) readable? */
static int check_file(const char *path, const char *what,
		      struct b4_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return b4_error_set(err, -errno, "etcd %s \"%s\": %s", what,
				    path, strerror(errno));
	close(fd);
	return 0;
}

/* dup_opt() - strdup of an optional setting ("" and NULL: NULL) */
static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int etcd_new(const struct etcd_opts *o, struct etcd **out,
	     struct b4_error *err)
{
	struct etcd *e;
	int r;

	*out = NULL;
	if (o->n_urls < 1)
		return b4_error_set(err, -EINVAL, "etcd: no endpoint given");
	for (int i = 0; i < o->n_urls; i++) {
		r = check_url(o->urls[i], err);
		if (r < 0)
			return r;
	}
	if (o->key && *o->key && !(o->cert && *o->cert))
		return b4_error_set(err, -EINVAL,
				    "etcd key \"%s\" given without a client certificate",
				    o->key);
	if (o->cacert && *o->cacert &&
	    (r = check_file(o->cacert, "CA file", err)) < 0)
		return r;
	if (o->cert && *o->cert &&
	    (r = check_file(o->cert, "client certificate", err)) < 0)
		return r;
	if (o->key && *o->key && (r = check_file(o->key, "client key", err)) < 0)
		return r;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return b4_error_set(err, -EIO, "etcd: libcurl: %s",
				    curl_easy_strerror(curl_init_rc));

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ETCD_TIMEOUT_MS;
	e->urls = calloc((size_t)o->n_urls, sizeof(*e->urls));
	if (!e->urls)
		goto oom;
	for (int i = 0; i < o->n_urls; i++) {
		size_t n = strlen(o->urls[i]);

		e->urls[i] = strdup(o->urls[i]);
		if (!e->urls[i])
			goto oom;
		e->n_urls++;
		if (n > 0 && e->urls[i][n - 1] == '/')
			e->urls[i][n - 1] = '\0';
	}
	if (dup_opt(o->cacert, &e->cacert) || dup_opt(o->cert, &e->cert) ||
	    dup_opt(o->key, &e->key))
		goto oom;
	e->hdr = curl_slist_append(NULL, "Content-Type: application/json");
	e->h = curl_easy_init();
	if (!e->hdr || !e->h)
		goto oom;
	*out = e;
	return 0;
oom:
	etcd_free(e);
	return -ENOMEM;
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	if (e->h)
		curl_easy_cleanup(e->h);
	curl_slist_free_all(e->hdr);
	for (int i = 0; i < e->n_urls; i++)
		free(e->urls[i]);
	free(e->urls);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e);
}

const char *etcd_endpoint(const struct etcd *e)
{
	return e->urls[e->cur];
}

/* setup() - prepare @h for a POST of @body to @base@path */
static int setup(struct etcd *e, CURL *h, const char *base, const char *path,
		 const char *body, char *errbuf)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_reset(h);
	if (curl_easy_setopt(h, CURLOPT_URL, url) ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, e->hdr) ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			     (long)e->timeout_ms) ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) ||
	    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L) ||
	    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 2L))
		return -EIO;
	if (e->cacert && curl_easy_setopt(h, CURLOPT_CAINFO, e->cacert))
		return -EIO;
	if (e->cert && curl_easy_setopt(h, CURLOPT_SSLCERT, e->cert))
		return -EIO;
	if (e->key && curl_easy_setopt(h, CURLOPT_SSLKEY, e->key))
		return -EIO;
	errbuf[0] = '\0';
	return 0;
}

/* transport_error() - a failed transfer as -errno and a message naming
 * @url (and @e's CA file when the server's certificate did not verify);
 * *@next: the next endpoint is worth trying */
static int transport_error(const struct etcd *e, CURL *h, CURLcode c,
			   const char *url, const char *errbuf, int timeout_ms,
			   struct b4_error *err, bool *next)
{
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(c);
	long os_errno = 0, status = 0;

	*next = true;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno > 0)
			return b4_error_set(err, -(int)os_errno,
					    "etcd %s: %s (%s)", url,
					    strerror((int)os_errno), detail);
		return b4_error_set(err, -ECONNREFUSED, "etcd %s: %s", url,
				    detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return b4_error_set(err, -EHOSTUNREACH, "etcd %s: %s", url,
				    detail);
	case CURLE_OPERATION_TIMEDOUT:
		return b4_error_set(err, -ETIMEDOUT,
				    "etcd %s: no answer within %d ms (%s)", url,
				    timeout_ms, detail);
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		*next = false;
		return b4_error_set(err, -EINVAL,
				    "etcd %s: TLS settings: %s", url, detail);
	case CURLE_PEER_FAILED_VERIFICATION:
		return b4_error_set(err, -EPROTO,
				    "etcd %s: TLS: the server's certificate failed verification against %s%s: %s",
				    url, e->cacert ? "the CA file " : "the system's CAs",
				    e->cacert ? e->cacert : "", detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return b4_error_set(err, -EPROTO,
				    "etcd %s: TLS: %s", url, detail);
	default:
		break;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (!status && !strncmp(url, "https:", 6) &&
	    (c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	     c == CURLE_GOT_NOTHING))
		/* TLS 1.3: a refused client certificate is an alert read
		 * after the handshake, or just the connection closed */
		return b4_error_set(err, -EACCES,
				    "etcd %s: TLS: the server closed the connection without an answer (refused our client certificate, or none was given?): %s",
				    url, detail);
	switch (c) {
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		return b4_error_set(err, -EPIPE,
				    "etcd %s: the server closed the connection (%s)%s",
				    url, detail,
				    c == CURLE_GOT_NOTHING && !strncmp(url, "http:", 5) ?
					    "; is it an https:// endpoint?" :
					    "");
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return b4_error_set(err, -EIO, "etcd %s: connection lost: %s",
				    url, detail);
	case CURLE_OUT_OF_MEMORY:
		*next = false;
		return -ENOMEM;
	default:
		return b4_error_set(err, -EIO, "etcd %s: %s", url, detail);
	}
}

/* http_error() - an HTTP status other than 200 as -errno and a message:
 * the gateway's {"error","message","code"} when it sent one */
static int http_error(long status, const char *body, const char *url,
		      struct b4_error *err, bool *next)
{
	struct json_object *o = body ? json_tokener_parse(body) : NULL;
	const char *msg = NULL;
	int code = -1, r;

	if (o && json_object_is_type(o, json_type_object)) {
		msg = json_str(o, "message");
		if (!msg)
			msg = json_str(o, "error");
		code = (int)json_i64(o, "code", -1);
	}
	switch (code) {
	case GRPC_NOT_FOUND:
		r = -ENOENT;
		break;
	case GRPC_OUT_OF_RANGE:
		r = -ERANGE;
		break;
	case GRPC_INVALID_ARGUMENT:
	case GRPC_FAILED_PRECONDITION:
		r = -EINVAL;
		break;
	case GRPC_PERMISSION_DENIED:
	case GRPC_UNAUTHENTICATED:
		r = -EACCES;
		break;
	case GRPC_UNAVAILABLE:
		r = -EAGAIN;
		break;
	default:
		r = status >= 500 ? -EAGAIN : -EIO;
	}
	*next = r == -EAGAIN;
	if (msg)
		b4_error_set(err, r, "etcd %s: HTTP %ld: %s", url, status, msg);
	else
		b4_error_set(err, r, "etcd %s: HTTP %ld%s%.80s", url, status,
			     body && *body ? ": " : "", body ? body : "");
	json_object_put(o);
	return r;
}

/* call() - POST @req to @path, trying the endpoints from the current one;
 * *@resp: the answer's JSON object. Return: 0 or negative errno */
static int call(struct etcd *e, const char *path, struct json_object *req,
		struct json_object **resp, struct b4_error *err)
{
	const char *body = json_object_to_json_string_ext(req,
							  JSON_C_TO_STRING_PLAIN);
	int r = -EIO;

	*resp = NULL;
	if (!body)
		return -ENOMEM;
	for (int i = 0; i < e->n_urls; i++) {
		int ep = (e->cur + i) % e->n_urls;
		const char *url = e->urls[ep];
		struct buf b = { 0 };
		long status = 0;
		bool next = false;
		CURLcode c;

		if (setup(e, e->h, url, path, body, e->errbuf) ||
		    curl_easy_setopt(e->h, CURLOPT_TIMEOUT_MS,
				     (long)e->timeout_ms) ||
		    curl_easy_setopt(e->h, CURLOPT_WRITEFUNCTION, body_write) ||
		    curl_easy_setopt(e->h, CURLOPT_WRITEDATA, &b))
			return b4_error_set(err, -EIO,
					    "etcd %s: cannot set up a request",
					    url);
		c = curl_easy_perform(e->h);
		if (c == CURLE_WRITE_ERROR && b.oom) {
			free(b.p);
			return b4_error_set(err, -ENOMEM,
					    "etcd %s%s: answer too large or out of memory",
					    url, path);
		}
		if (c != CURLE_OK) {
			free(b.p);
			r = transport_error(e, e->h, c, url, e->errbuf,
					    e->timeout_ms, err, &next);
			if (!next)
				return r;
			continue;
		}
		curl_easy_getinfo(e->h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			r = http_error(status, b.p, url, err, &next);
			free(b.p);
			if (!next)
				return r;
			continue;
		}
		*resp = b.p ? json_tokener_parse(b.p) : NULL;
		if (!*resp || !json_object_is_type(*resp, json_type_object)) {
			r = b4_error_set(err, -EBADMSG,
					 "etcd %s%s: bad JSON in the answer: %.80s",
					 url, path, b.p ? b.p : "(empty)");
			json_object_put(*resp);
			*resp = NULL;
			free(b.p);
			return r;
		}
		free(b.p);
		e->cur = ep;
		return 0;
	}
	return r;
}

/* call_free() - call() for its status only */
static int call_free(struct etcd *e, const char *path, struct json_object *req,
		     struct json_object **resp, struct b4_error *err)
{
	int r = call(e, path, req, resp, err);

	json_object_put(req);
	return r;
}

/* header_rev() - revision of a response's header */
static int64_t header_rev(struct json_object *o)
{
	struct json_object *h;

	if (!json_object_object_get_ex(o, "header", &h))
		return 0;
	return json_i64(h, "revision", 0);
}

int etcd_put(struct etcd *e, const char *key, const char *value,
	     int64_t lease, struct b4_error *err)
{
	struct json_object *req = json_object_new_object(), *resp;
	int r;

	if (!req || add_b64(req, "key", key) || add_b64(req, "value", value) ||
	    (lease && add_i64(req, "lease", lease))) {
		json_object_put(req);
		return -ENOMEM;
	}
	r = call_free(e, "/v3/kv/put", req, &resp, err);
	json_object_put(resp);
	return r;
}

int etcd_delete(struct etcd *e, const char *key, int64_t lease,
		struct b4_error *err)
{
	_cleanup_free_ char *k = b64_encode(key);
	struct json_object *req, *resp = NULL, *v;
	char *body = NULL;
	int r;

	if (!k)
		return -ENOMEM;
	if (!lease) {
		req = json_object_new_object();
		if (!req || add_b64(req, "key", key)) {
			json_object_put(req);
			return -ENOMEM;
		}
		r = call_free(e, "/v3/kv/deleterange", req, &resp, err);
		if (r == 0)
			r = (int)json_i64(resp, "deleted", 0);
		json_object_put(resp);
		return r;
	}
	/* only while the key is on @lease: a transaction (base64 and
	 * numbers need no JSON escaping) */
	if (asprintf(&body,
		     "{\"compare\":[{\"key\":\"%s\",\"target\":\"LEASE\","
		     "\"result\":\"EQUAL\",\"lease\":\"%" PRId64 "\"}],"
		     "\"success\":[{\"request_delete_range\":{\"key\":\"%s\"}}]}",
		     k, lease, k) < 0)
		return -ENOMEM;
	req = json_tokener_parse(body);
	free(body);
	if (!req)
		return -ENOMEM;
	r = call_free(e, "/v3/kv/txn", req, &resp, err);
	if (r < 0)
		return r;
	r = 0;
	if (json_flag(resp, "succeeded") &&
	    json_object_object_get_ex(resp, "responses", &v) &&
	    (v = json_object_array_get_idx(v, 0)) &&
	    json_object_object_get_ex(v, "response_delete_range", &v))
		r = (int)json_i64(v, "deleted", 0);
	json_object_put(resp);
	return r;
}

int etcd_range(struct etcd *e, const char *key, const char *range_end,
	       etcd_kv_fn fn, void *arg, int64_t *revision,
	       struct b4_error *err)
{
	struct json_object *req = json_object_new_object(), *resp, *kvs;
	int r, n = 0;

	if (!req || add_b64(req, "key", key) ||
	    (range_end && add_b64(req, "range_end", range_end))) {
		json_object_put(req);
		return -ENOMEM;
	}
	r = call_free(e, "/v3/kv/range", req, &resp, err);
	if (r < 0)
		return r;
	if (revision)
		*revision = header_rev(resp);
	if (json_object_object_get_ex(resp, "kvs", &kvs)) {
		size_t len = json_object_array_length(kvs);

		for (size_t i = 0; i < len; i++) {
			struct etcd_kv kv;
			char *k, *v;

			if (decode_kv(json_object_array_get_idx(kvs, i), &kv,
				      &k, &v) < 0)
				continue; /* not text: not ours */
			fn(arg, &kv);
			free(k);
			free(v);
			n++;
		}
	}
	json_object_put(resp);
	return n;
}

/* call_i64() - POST {"@key": @v} to @path, the answer dropped. Return: 0
 * or negative errno */
static int call_i64(struct etcd *e, const char *path, const char *key,
		    int64_t v, struct b4_error *err)
{
	struct json_object *req = json_object_new_object(), *resp;
	int r;

	if (!req || add_i64(req, key, v)) {
		json_object_put(req);
		return -ENOMEM;
	}
	r = call_free(e, path, req, &resp, err);
	json_object_put(resp);
	return r;
}

int etcd_compact(struct etcd *e, int64_t revision, struct b4_error *err)
{
	return call_i64(e, "/v3/kv/compaction", "revision", revision, err);
}

int etcd_lease_grant(struct etcd *e, int ttl, int64_t *id,
		     struct b4_error *err)
{
	struct json_object *req = json_object_new_object(), *resp;
	int r;

	if (!req || add_i64(req, "TTL", ttl)) {
		json_object_put(req);
		return -ENOMEM;
	}
	r = call_free(e, "/v3/lease/grant", req, &resp, err);
	if (r < 0)
		return r;
	*id = json_i64(resp, "ID", 0);
	r = (int)json_i64(resp, "TTL", 0);
	if (!*id || r <= 0)
		r = b4_error_set(err, -EBADMSG,
				 "etcd %s: lease grant answered without an ID or TTL%s%.80s",
				 etcd_endpoint(e), json_str(resp, "error") ? ": " : "",
				 json_str(resp, "error") ?: "");
	json_object_put(resp);
	return r;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, struct b4_error *err)
{
	struct json_object *req = json_object_new_object(), *resp, *res;
	int r;

	if (!req || add_i64(req, "ID", id)) {
		json_object_put(req);
		return -ENOMEM;
	}
	/* a stream: one {"result": LeaseKeepAliveResponse} per request; an
	 * expired lease comes back with no TTL */
	r = call_free(e, "/v3/lease/keepalive", req, &resp, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(resp, "result", &res)) {
		r = b4_error_set(err, -EBADMSG,
				 "etcd %s: lease keepalive answered without a result",
				 etcd_endpoint(e));
	} else {
		r = (int)json_i64(res, "TTL", 0);
		if (r <= 0)
			r = b4_error_set(err, -ENOENT,
					 "etcd %s: lease %" PRIx64 " expired",
					 etcd_endpoint(e), (uint64_t)id);
	}
	json_object_put(resp);
	return r;
}

int etcd_lease_revoke(struct etcd *e, int64_t id, struct b4_error *err)
{
	return call_i64(e, "/v3/lease/revoke", "ID", id, err);
}

char *etcd_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	if (!end)
		return NULL;
	while (n > 0) {
		unsigned char c = (unsigned char)end[n - 1];

		if (c < 0xff) {
			end[n - 1] = (char)(c + 1);
			end[n] = '\0';
			return end;
		}
		n--;
	}
	free(end);
	return NULL;
}

/* ---- watch ------------------------------------------------------------------- */

/* watch_end() - the stream is over because of @status (first reason wins) */
static void watch_end(struct etcd_watch *w, int status)
{
	if (!w->ended) {
		w->ended = true;
		w->status = status;
	}
}

/* watch_message() - handle one line of the stream */
static void watch_message(struct etcd_watch *w, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *res, *evs, *h;
	struct etcd_watch_msg m = { 0 };
	struct etcd_kv *kvs = NULL;
	bool *del = NULL;
	char **strs = NULL;
	size_t n = 0;

	if (!o || !json_object_is_type(o, json_type_object)) {
		b4_error_set(&w->err, -EBADMSG,
			     "etcd %s: watch: bad JSON: %.80s", w->url, line);
		watch_end(w, -EBADMSG);
		goto out;
	}
	if (!json_object_object_get_ex(o, "result", &res)) {
		/* {"error":{"grpc_code":..,"http_code":..,"message":..}} */
		struct json_object *eo;
		const char *msg = NULL;

		if (json_object_object_get_ex(o, "error", &eo))
			msg = json_object_is_type(eo, json_type_object) ?
				      json_str(eo, "message") :
				      json_object_get_string(eo);
		b4_error_set(&w->err, -EIO, "etcd %s: watch: %s", w->url,
			     msg ? msg : line);
		watch_end(w, -EIO);
		goto out;
	}
	if (json_object_object_get_ex(res, "header", &h))
		m.revision = json_i64(h, "revision", 0);
	m.created = json_flag(res, "created");
	m.canceled = json_flag(res, "canceled");
	m.compact_revision = json_i64(res, "compact_revision", 0);
	m.reason = json_str(res, "cancel_reason") ?: "";
	if (json_object_object_get_ex(res, "events", &evs) &&
	    (n = json_object_array_length(evs)) > 0) {
		kvs = calloc(n, sizeof(*kvs));
		del = calloc(n, sizeof(*del));
		strs = calloc(2 * n, sizeof(*strs));
		if (!kvs || !del || !strs) {
			b4_error_set(&w->err, -ENOMEM, "etcd: out of memory");
			watch_end(w, -ENOMEM);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct json_object *ev = json_object_array_get_idx(evs, i);
			struct json_object *kv;
			const char *type = json_str(ev, "type");

			if (!json_object_object_get_ex(ev, "kv", &kv) ||
			    decode_kv(kv, &kvs[m.n_events], &strs[2 * i],
				      &strs[2 * i + 1]) < 0)
				continue; /* not text: not ours */
			del[m.n_events] = type && !strcmp(type, "DELETE");
			m.n_events++;
		}
	}
	m.events = kvs;
	m.deleted = del;
	w->fn(w->arg, &m);
	if (m.canceled) {
		b4_error_set(&w->err, -ECANCELED,
			     "etcd %s: watch canceled%s%s%s", w->url,
			     m.compact_revision ? " (revision compacted)" : "",
			     *m.reason ? ": " : "", m.reason);
		watch_end(w, -ECANCELED);
	}
out:
	for (size_t i = 0; strs && i < 2 * n; i++)
		free(strs[i]);
	free(strs);
	free(kvs);
	free(del);
	json_object_put(o);
}

/* watch_write() - CURLOPT_WRITEFUNCTION of a watch: whole lines are
 * messages; returning short ends the transfer */
static size_t watch_write(char *p, size_t size, size_t n, void *arg)
{
	struct etcd_watch *w = arg;
	size_t len = size * n, start = 0;
	long status = 0;

	if (w->ended)
		return 0;
	buf_add(&w->line, p, len);
	if (w->line.oom) {
		b4_error_set(&w->err, -ENOMEM,
			     "etcd %s: watch: message too large", w->url);
		watch_end(w, -ENOMEM);
		return 0;
	}
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return len; /* an error body: read whole at the end */
	for (size_t i = 0; i < w->line.len && !w->ended; i++) {
		if (w->line.p[i] != '\n')
			continue;
		w->line.p[i] = '\0';
		if (i > start)
			watch_message(w, w->line.p + start);
		start = i + 1;
	}
	if (w->ended)
		return 0;
	memmove(w->line.p, w->line.p + start, w->line.len - start);
	w->line.len -= start;
	w->line.p[w->line.len] = '\0';
	return len;
}

int etcd_watch_start(struct etcd *e, const char *key, const char *range_end,
		     int64_t start_rev, etcd_watch_fn fn, void *arg,
		     struct etcd_watch **out, struct b4_error *err)
{
	struct json_object *req = json_object_new_object();
	struct json_object *cr = json_object_new_object();
	struct etcd_watch *w;
	const char *s;

	*out = NULL;
	if (!req || !cr || add_b64(cr, "key", key) ||
	    (range_end && add_b64(cr, "range_end", range_end)) ||
	    (start_rev && add_i64(cr, "start_revision", start_rev))) {
		json_object_put(cr);
		json_object_put(req);
		return -ENOMEM;
	}
	if (add_obj(req, "create_request", cr)) {
		json_object_put(req);
		return -ENOMEM;
	}
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	w = calloc(1, sizeof(*w));
	if (!w || !s || !(w->body = strdup(s))) {
		json_object_put(req);
		free(w);
		return -ENOMEM;
	}
	json_object_put(req);
	w->e = e;
	w->fn = fn;
	w->arg = arg;
	snprintf(w->url, sizeof(w->url), "%s", etcd_endpoint(e));
	w->m = curl_multi_init();
	w->h = curl_easy_init();
	if (!w->m || !w->h) {
		etcd_watch_free(w);
		return -ENOMEM;
	}
	if (setup(e, w->h, w->url, "/v3/watch", w->body, w->errbuf) ||
	    curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, watch_write) ||
	    curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w) ||
	    curl_multi_add_handle(w->m, w->h)) {
		etcd_watch_free(w);
		return b4_error_set(err, -EIO, "etcd %s: cannot set up a watch",
				    etcd_endpoint(e));
	}
	*out = w;
	return 0;
}

/* watch_done() - the transfer finished with @c: why */
static void watch_done(struct etcd_watch *w, CURLcode c)
{
	long status = 0;
	bool next;

	if (w->ended)
		return; /* the write callback ended it, with its reason */
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (c != CURLE_OK) {
		watch_end(w, transport_error(w->e, w->h, c, w->url, w->errbuf, 0,
					     &w->err, &next));
	} else if (status != 200) {
		watch_end(w, http_error(status, w->line.p, w->url, &w->err,
					&next));
	} else {
		b4_error_set(&w->err, -EPIPE, "etcd %s: watch stream closed",
			     w->url);
		watch_end(w, -EPIPE);
	}
}

/* watch_perform() - run the transfer; note its end */
static void watch_perform(struct etcd_watch *w)
{
	struct CURLMsg *msg;
	int running, left;

	curl_multi_perform(w->m, &running);
	while ((msg = curl_multi_info_read(w->m, &left))) {
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == w->h)
			watch_done(w, msg->data.result);
	}
}

int etcd_watch_poll(struct etcd_watch *w, int wake_fd, int timeout_ms,
		    struct b4_error *err)
{
	struct curl_waitfd wfd = { .fd = wake_fd, .events = CURL_WAIT_POLLIN };

	if (!w->ended)
		watch_perform(w);
	if (!w->ended) {
		curl_multi_poll(w->m, wake_fd >= 0 ? &wfd : NULL,
				wake_fd >= 0 ? 1 : 0, timeout_ms, NULL);
		watch_perform(w);
	}
	if (!w->ended)
		return 0;
	if (err)
		*err = w->err;
	return w->status;
}

void etcd_watch_free(struct etcd_watch *w)
{
	if (!w)
		return;
	if (w->m && w->h)
		curl_multi_remove_handle(w->m, w->h);
	if (w->h)
		curl_easy_cleanup(w->h);
	if (w->m)
		curl_multi_cleanup(w->m);
	free(w->line.p);
	free(w->body);
	free(w);
}
