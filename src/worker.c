/* worker.c — one request end to end: resolve the script, load the session,
 * build the environment, run the child, turn its header block into our
 * answer, commit, stream.  Glue only: parsing lives in cgi_response.c,
 * cgi_env.c and the session layer, the bytes move in child.c. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include "bounds.h"
#include "cgi_env.h"
#include "cgi_response.h"
#include "child.h"
#include "clock.h"
#include "cookie.h"
#include "directive.h"
#include "log.h"
#include "script.h"

/* Response body kept back while the session commit waits for the child to
 * end: a child that crashes within this much output commits nothing.  A
 * longer body commits when this fills, and streams. */
#define HOLD_MAX (64 * 1024)

enum rstate { R_HEAD, R_HOLD, R_STREAM, R_FAILED };

struct response {
	struct worker_ctx *w;
	struct transport *t;
	const char *script;
	struct sess_request *sr;
	enum rstate state;
	size_t hlen, holdlen;
	struct cgi_header hdrs[MAX_HEADERS];
	unsigned char consumed[MAX_HEADERS];
	size_t nh;
	int status;
	const char *reason;
	size_t rlen;
	int fail_status;             /* error decided while the child ran */
	int sent_headers;
	int said_timeout;            /* the log has it already */
	char errline[MAX_STDERR_LINE];
	size_t errlen;
};

int
worker_init(struct worker_ctx *w, const struct config *cfg,
    struct sessions *sessions)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->sessions = sessions;
	w->head = malloc(MAX_HEADER_BLOCK);
	w->hold = malloc(HOLD_MAX);
	return w->head && w->hold ? 0 : -1;
}

void
worker_free(struct worker_ctx *w)
{
	free(w->head);
	free(w->hold);
}

/* One header line "name: value", of any length: written in pieces from
 * where the bytes are, never formatted into a buffer of fixed size. */
static int
put_header(struct transport *t, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	if (transport_write(t, name, nlen) < 0 ||
	    transport_write(t, ": ", 2) < 0 ||
	    transport_write(t, value, vlen) < 0 ||
	    transport_write(t, "\r\n", 2) < 0)
		return -1;
	return 0;
}

static int
put_header_str(struct transport *t, const char *name, const char *value)
{
	return put_header(t, name, strlen(name), value, strlen(value));
}

/* "404 ": a status is 200..599 (cgi_status_parse, or ours). */
static void
status_code(char code[4], int status)
{
	code[0] = (char)('0' + status / 100 % 10);
	code[1] = (char)('0' + status / 10 % 10);
	code[2] = (char)('0' + status % 10);
	code[3] = ' ';
}

/* "Status: 404 Not Found" */
static int
put_status(struct transport *t, int status, const char *reason, size_t rlen)
{
	char code[4];

	status_code(code, status);
	if (transport_write(t, "Status: ", 8) < 0 ||
	    transport_write(t, code, sizeof(code)) < 0 ||
	    transport_write(t, reason, rlen) < 0 ||
	    transport_write(t, "\r\n", 2) < 0)
		return -1;
	return 0;
}

#define STR_RETRY(x) #x
#define XSTR_RETRY(x) STR_RETRY(x)

/* A short error answer that says nothing about our insides. */
static void
send_error(struct response *r, int status)
{
	const char *reason = http_reason(status);
	char code[4];

	if (r->sent_headers)
		return;
	r->sent_headers = 1;
	status_code(code, status);
	if (put_status(r->t, status, reason, strlen(reason)) < 0 ||
	    put_header_str(r->t, "Content-Type", "text/plain; charset=utf-8") < 0 ||
	    put_header_str(r->t, "Cache-Control", "no-store") < 0 ||
	    /* 503: the session store is unavailable, for a while. */
	    (status == 503 && put_header_str(r->t, "Retry-After",
	    XSTR_RETRY(SESS_RETRY_AFTER)) < 0) ||
	    transport_write(r->t, "\r\n", 2) < 0 ||
	    transport_write(r->t, code, sizeof(code)) < 0 ||
	    transport_write(r->t, reason, strlen(reason)) < 0)
		return;
	transport_write(r->t, "\n", 1);
}

/* Whether a Set-Cookie of the child sets our cookie. */
static int
is_our_cookie(const struct response *r, const struct cgi_header *h)
{
	return r->sr && header_is(h, "Set-Cookie") &&
	    cookie_sets_name(h->value, h->vlen, r->w->cfg->cookie_name);
}

/* Cache-Control, or a field that overrides it for some caches: the
 * targeted fields of RFC 9213 (CDN-Cache-Control, Example-CDN-Cache-Control,
 * Akamai-Cache-Control: any name ending in "-Cache-Control") and the older
 * Surrogate-Control.  A response that sets our cookie keeps none of them. */
static int
is_cache_control(const struct cgi_header *h)
{
	static const char suffix[] = "-Cache-Control";
	size_t sl = sizeof(suffix) - 1;

	return header_is(h, "Cache-Control") || header_is(h, "Surrogate-Control") ||
	    (h->nlen > sl &&
	    strncasecmp(h->name + h->nlen - sl, suffix, sl) == 0);
}

/* Write the status line and headers: the child's, in order, less the
 * directives, plus ours. */
static int
emit_headers(struct response *r, const struct sess_headers *sh)
{
	int have_cc = 0;

	if (put_status(r->t, r->status, r->reason, r->rlen) < 0)
		return -1;
	for (size_t i = 0; i < r->nh; i++) {
		const struct cgi_header *h = &r->hdrs[i];

		if (r->consumed[i] || header_is(h, "Status"))
			continue;
		if (sh && sh->no_store && is_cache_control(h))
			continue;    /* ours below is stricter */
		if (header_is(h, "Cache-Control"))
			have_cc = 1;
		if (is_our_cookie(r, h)) {
			log_warn("script %s: dropped its Set-Cookie for the session cookie '%s'",
			    r->script, r->w->cfg->cookie_name);
			continue;
		}
		if (put_header(r->t, h->name, h->nlen, h->value, h->vlen) < 0)
			return -1;
	}
	if (sh) {
		if (sh->set_cookie[0] &&
		    put_header_str(r->t, "Set-Cookie", sh->set_cookie) < 0)
			return -1;
		if (sh->vary_cookie && put_header_str(r->t, "Vary", "Cookie") < 0)
			return -1;
		/* A page built from a session is never for a shared cache;
		 * one that sets our cookie is for no cache at all. */
		if (sh->no_store) {
			if (put_header_str(r->t, "Cache-Control",
			    "no-store, private") < 0)
				return -1;
		} else if (!have_cc && sh->vary_cookie) {
			if (put_header_str(r->t, "Cache-Control", "private") < 0)
				return -1;
		}
	}
	r->sent_headers = 1;
	return transport_write(r->t, "\r\n", 2);
}

/* A session directive nothing acts on: sessions are off, or it is
 * X-Replace-Session and compat_mod_session is off.  It is dropped all the
 * same, as it may carry session data.  Said once per worker process, not
 * on every page of a site that was written for sessions. */
static void
directive_ignored(struct response *r, const struct cgi_header *h)
{
	if (r->w->warned_ignored_directive)
		return;
	r->w->warned_ignored_directive = 1;
	log_warn("script %s: header %.*s dropped, not acted on: %s "
	    "(this worker says so once)", r->script, (int)h->nlen, h->name,
	    r->sr ? "compat_mod_session is off" :
	    "sessions are off (no [session] secret_file)");
}

/* Log why the header block was refused, naming the line at fault, and
 * return the status to answer.  A NUL or CR in a session directive's line
 * is a malformed directive (500, as sessionwrap.ini(5) has it for a NUL); any
 * other fault is a broken answer of the program (502). */
static int
header_block_refused(struct response *r, int rc,
    const struct cgi_header_error *e)
{
	const char *line = r->w->head + e->off;
	char text[300];

	cgi_header_error_text(e, r->w->head, text, sizeof(text));
	switch (rc) {
	case CGI_TOO_LARGE:
		log_error("script %s: header block over 64 KiB: %s", r->script, text);
		return 502;
	case CGI_TOO_MANY:
		log_error("script %s: too many response headers: %s", r->script, text);
		return 502;
	}
	if (r->sr && (e->fault == CGI_FAULT_NUL || e->fault == CGI_FAULT_CR) &&
	    directive_is_session_header(line, e->nlen)) {
		log_error("script %s: header %.*s: malformed session directive: %s",
		    r->script, (int)e->nlen, line, text);
		return 500;
	}
	log_error("script %s: malformed response header block: %s", r->script,
	    text);
	return 502;
}

/* A reason phrase over MAX_STATUS_REASON bytes is cut there (a program
 * that puts its input into it still gets its answer out), back to the
 * start of a UTF-8 character. */
static void
reason_cut(struct response *r)
{
	size_t was = r->rlen, cut = MAX_STATUS_REASON;

	for (int back = 0; back < 3 && cut > 0 &&
	    ((unsigned char)r->reason[cut] & 0xc0) == 0x80; back++)
		cut--;
	r->rlen = cut;
	log_warn("script %s: Status reason phrase of %zu bytes cut to %zu "
	    "(the limit is %d)", r->script, was, cut, MAX_STATUS_REASON);
}

/* Status, Location and session directives of a parsed header block.
 * Returns 0, or the HTTP status to fail with. */
static int
read_headers(struct response *r)
{
	char err[300];
	int have_status = 0, have_location = 0;

	r->status = 200;
	r->reason = "OK";
	r->rlen = 2;
	for (size_t i = 0; i < r->nh; i++) {
		const struct cgi_header *h = &r->hdrs[i];
		int rc;

		r->consumed[i] = 0;
		if (header_is(h, "Status")) {
			if (have_status || cgi_status_parse(h->value, h->vlen,
			    &r->status, &r->reason, &r->rlen) < 0) {
				log_error("script %s: bad Status header '%.*s'",
				    r->script, (int)(h->vlen > 80 ? 80 : h->vlen), h->value);
				return 502;
			}
			have_status = 1;
			if (r->rlen == 0) {
				r->reason = http_reason(r->status);
				r->rlen = strlen(r->reason);
			} else if (r->rlen > MAX_STATUS_REASON) {
				reason_cut(r);
			}
		} else if (header_is(h, "Location")) {
			have_location = 1;
		} else if (directive_is_session_header(h->name, h->nlen)) {
			rc = r->sr ? sess_directive(r->sr, h->name, h->nlen,
			    h->value, h->vlen, err, sizeof(err)) : 0;
			if (rc < 0) {
				log_error("script %s: %s", r->script, err);
				return 500;
			}
			if (rc == 0)
				directive_ignored(r, h);
			r->consumed[i] = 1;     /* never forwarded */
		}
	}
	if (have_location && !have_status) {
		r->status = 302;
		r->reason = "Found";
		r->rlen = 5;
	}
	return 0;
}

/* Commit the session (if this answer commits) and send the headers. */
static int
commit_and_emit(struct response *r)
{
	struct sess_headers sh;
	char err[300];

	if (!r->sr)
		return emit_headers(r, NULL);
	memset(&sh, 0, sizeof(sh));
	if (r->status < 500) {
		/* sess_commit logs its failures itself, naming the script. */
		int rc = sess_commit(r->sr, time(NULL), &sh, err, sizeof(err));
		if (rc < 0) {
			r->state = R_FAILED;
			send_error(r, rc == -2 ? 503 : 500);
			return -1;
		}
	} else {
		sess_headers_nocommit(r->sr, &sh);
	}
	return emit_headers(r, &sh);
}

static int
on_stdout(void *ctx, const char *buf, size_t n)
{
	struct response *r = ctx;

	switch (r->state) {
	case R_HEAD: {
		size_t take = MAX_HEADER_BLOCK - r->hlen;
		struct cgi_header_error perr;
		int used, st;

		if (take > n)
			take = n;
		memcpy(r->w->head + r->hlen, buf, take);
		r->hlen += take;
		/* No new line end, room left: the block cannot be complete (a
		 * script writing its headers in small pieces is parsed once). */
		if (!memchr(buf, '\n', take) && r->hlen < MAX_HEADER_BLOCK)
			return 0;
		r->nh = MAX_HEADERS;
		used = cgi_headers_parse(r->w->head, r->hlen, r->hdrs, &r->nh,
		    &perr);
		if (used == CGI_INCOMPLETE)
			return 0;
		if (used < 0) {
			r->fail_status = header_block_refused(r, used, &perr);
			return -1;
		}
		if ((st = read_headers(r)) != 0) {
			r->fail_status = st;
			return -1;
		}
		/* What came after the blank line is body: the part of this
		 * read that was not copied, plus the copied rest. */
		{
			size_t rest = r->hlen - (size_t)used;
			const char *after = buf + take;
			size_t after_n = n - take;

			/* The body is held back while a crash could still undo
			 * the session's changes; without changes it streams. */
			if (r->sr && r->status < 500 &&
			    sess_changes_pending(r->sr)) {
				r->state = R_HOLD;
				r->holdlen = 0;
				if (rest && on_stdout(r, r->w->head + used, rest) < 0)
					return -1;
				return after_n ? on_stdout(r, after, after_n) : 0;
			}
			if (commit_and_emit(r) < 0)
				return -1;
			r->state = R_STREAM;
			if (rest && transport_write(r->t, r->w->head + used, rest) < 0)
				return -1;
			return after_n ? on_stdout(r, after, after_n) : 0;
		}
	}
	case R_HOLD:
		if (r->holdlen + n <= HOLD_MAX) {
			memcpy(r->w->hold + r->holdlen, buf, n);
			r->holdlen += n;
			return 0;
		}
		if (commit_and_emit(r) < 0)
			return -1;
		r->state = R_STREAM;
		if (transport_write(r->t, r->w->hold, r->holdlen) < 0)
			return -1;
		r->holdlen = 0;
		/* fall through */
	case R_STREAM:
		return transport_write(r->t, buf, n);
	case R_FAILED:
		return -1;
	}
	return -1;
}

/* One complete line, prefixed with the script, in one write: the web
 * server logs each FastCGI stderr record as a line of its own.  Control
 * bytes other than tab (a CR, a terminal escape) are shown as \xNN so that
 * the line stays one line in any log viewer; the rest is the program's
 * own text, backslashes included (log.h, LOG_ESC_CTRL). */
static void
stderr_line(struct response *r)
{
	char line[4 * (MAX_STDERR_PATH + MAX_STDERR_LINE) + 8];
	size_t n, slen = strlen(r->script);

	n = log_escape(line, 4 * MAX_STDERR_PATH + 1, r->script,
	    slen < MAX_STDERR_PATH ? slen : MAX_STDERR_PATH, LOG_ESC_CTRL);
	memcpy(line + n, ": ", 2);
	n += 2;
	n += log_escape(line + n, sizeof(line) - n - 1, r->errline, r->errlen,
	    LOG_ESC_CTRL);
	line[n++] = '\n';
	transport_log(r->t, line, n);
	r->errlen = 0;
}

static void
on_stderr(void *ctx, const char *buf, size_t n)
{
	struct response *r = ctx;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			stderr_line(r);
			continue;
		}
		r->errline[r->errlen++] = buf[i];
		if (r->errlen == MAX_STDERR_LINE)
			stderr_line(r);
	}
}

static int
request_is_https(const struct transport *t)
{
	const char *https = transport_param(t, "HTTPS");
	const char *scheme = transport_param(t, "REQUEST_SCHEME");

	return (https && strcasecmp(https, "on") == 0) ||
	    (scheme && strcasecmp(scheme, "https") == 0);
}

static int
parse_content_length(const char *s, long long *out)
{
	long long v = 0;

	*out = 0;
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (1LL << 50))
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int
build_env(struct worker_ctx *w, struct transport *t, struct sess_request *sr,
    struct envbuf *env)
{
	struct env_policy pol = { sr != NULL };

	if (env_add_params(env, t->envp, &pol) < 0)
		return -1;
	if (env_add(env, "PATH", w->cfg->path_env, strlen(w->cfg->path_env)) < 0)
		return -1;
	for (int i = 0; i < w->cfg->npass_env; i++) {
		const char *v = getenv(w->cfg->pass_env[i]);
		if (v && env_add(env, w->cfg->pass_env[i], v, strlen(v)) < 0)
			return -1;
	}
	if (sr && sess_env(sr, env_add_cb, env) != 0)
		return -1;
	return 0;
}

static void
finish(struct response *r, struct child *c, enum pump_result pr,
    long long deadline)
{
	int exited;

	if (r->errlen)
		stderr_line(r);
	switch (pr) {
	case PUMP_DONE:
		exited = child_reap(c, deadline) == 0;
		if (!exited)
			log_error("script %s: closed its output but did not exit "
			    "within the timeout; killed", r->script);
		if (r->state == R_HEAD) {
			if (WIFSIGNALED(c->status))
				log_error("script %s: killed by signal %d before its "
				    "header block was complete", r->script,
				    WTERMSIG(c->status));
			else
				log_error("script %s: %s", r->script, r->hlen == 0 ?
				    "produced no output" :
				    "output ended inside the header block");
			send_error(r, 502);
		} else if (r->state == R_HOLD) {
			if (r->t->failed) {
				/* Its stderr could not be passed on: the web
				 * server is gone, or the deadline cut it. */
				log_error("script %s: %s; session not saved", r->script,
				    transport_timed_out(r->t) ? "timed out: the web "
				    "server did not read" : "client went away");
				r->said_timeout = transport_timed_out(r->t);
			} else if (WIFSIGNALED(c->status) || !exited) {
				log_error("script %s: killed by signal %d; session not saved",
				    r->script, WIFSIGNALED(c->status) ?
				    WTERMSIG(c->status) : 9);
				send_error(r, 502);
			} else if (commit_and_emit(r) == 0) {
				transport_write(r->t, r->w->hold, r->holdlen);
			}
		}
		if (WIFSIGNALED(c->status) && r->state == R_STREAM)
			log_error("script %s: killed by signal %d", r->script,
			    WTERMSIG(c->status));
		else if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0)
			log_info("script %s: exit status %d", r->script,
			    WEXITSTATUS(c->status));
		break;
	case PUMP_TIMEOUT:
		/* Killed with its group by now: an exit status says the program
		 * itself had ended, and something it left kept its output open. */
		child_reap(c, 0);
		if (WIFEXITED(c->status))
			log_error("script %s: exited (status %d), but its output stayed "
			    "open (a background process it left holding standard "
			    "output?): timed out after %lds; process group killed",
			    r->script, WEXITSTATUS(c->status), r->w->cfg->timeout);
		else
			log_error("script %s: timed out after %lds%s; process group "
			    "killed", r->script, r->w->cfg->timeout,
			    transport_timed_out(r->t) ? " (the web server did not "
			    "take its output)" : "");
		r->said_timeout = 1;
		if (r->state != R_STREAM)
			send_error(r, 504);
		break;
	case PUMP_STOPPED:
		if (r->fail_status) {
			send_error(r, r->fail_status);
		} else if (transport_timed_out(r->t)) {
			log_error("script %s: timed out after %lds: the web server "
			    "did not take the answer; process group killed",
			    r->script, r->w->cfg->timeout);
			r->said_timeout = 1;
		} else if (r->t->failed) {
			log_info("script %s: client went away; killed", r->script);
		}
		break;
	case PUMP_ABORTED:
		log_info("script %s: request aborted by the web server; killed",
		    r->script);
		break;
	case PUMP_ERROR:
		if (transport_timed_out(r->t)) {
			log_error("script %s: timed out after %lds waiting for the "
			    "request body; process group killed", r->script,
			    r->w->cfg->timeout);
			r->said_timeout = 1;
			break;
		}
		log_error("script %s: reading the request body failed; killed",
		    r->script);
		send_error(r, 502);
		break;
	}
	child_cleanup(c);
	if (r->w->child_group)
		*r->w->child_group = 0;
}

void
worker_handle(struct worker_ctx *w, struct transport *t)
{
	struct response r;
	struct envbuf env;
	struct child c;
	struct pump_io io;
	char *path = NULL, *cwd = NULL, why[600], *slash;
	long long body_len, deadline;
	enum pump_result pr;
	int st;

	memset(&r, 0, sizeof(r));
	r.w = w;
	r.t = t;
	r.script = transport_param(t, "SCRIPT_NAME");
	if (!r.script)
		r.script = "(no SCRIPT_NAME)";
	env_init(&env);
	deadline = monotonic_ms() + w->cfg->timeout * 1000;
	/* The timeout bounds the whole request: reading the body and writing
	 * the answer too, not only the program. */
	transport_deadline(t, deadline);

	st = script_resolve(w->cfg, transport_param(t, "SCRIPT_FILENAME"),
	    transport_param(t, "DOCUMENT_ROOT"), transport_param(t, "SCRIPT_NAME"),
	    &path, why, sizeof(why));
	if (st != 0) {
		log_error("script %s: refused (%d): %s", r.script, st, why);
		send_error(&r, st);
		goto out;
	}
	r.script = path;
	if (parse_content_length(transport_param(t, "CONTENT_LENGTH"), &body_len) < 0) {
		log_error("script %s: bad CONTENT_LENGTH", r.script);
		send_error(&r, 400);
		goto out;
	}
	if (w->cfg->max_body > 0 && body_len > w->cfg->max_body) {
		log_error("script %s: request body of %lld bytes is over max_body %lld",
		    r.script, body_len, w->cfg->max_body);
		send_error(&r, 413);
		goto out;
	}
	if (w->sessions) {
		int status;

		r.sr = sess_begin(w->sessions, transport_param(t, "HTTP_COOKIE"),
		    request_is_https(t), r.script, time(NULL), &status);
		if (!r.sr) {
			send_error(&r, status);
			goto out;
		}
	}
	if (build_env(w, t, r.sr, &env) < 0) {
		log_error("script %s: cannot build its environment: %s", r.script,
		    env.err);
		send_error(&r, 500);
		goto out;
	}
	/* The child runs in its script's directory. */
	slash = strrchr(path, '/');
	cwd = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!cwd || child_spawn(&c, path, env.vec, cwd, why, sizeof(why)) < 0) {
		log_error("script %s: %s", r.script, cwd ? why : "out of memory");
		send_error(&r, 502);
		goto out;
	}
	if (w->child_group)
		*w->child_group = c.pid;
	io = (struct pump_io){
		.ctx = &r,
		.body_ctx = t,
		.body_fd = t->body_fd,
		.body_buffered = transport_body_buffered,
		.body_read = transport_body_read,
		.body_left = body_len,
		.watch_abort = t->watch_abort,
		.on_stdout = on_stdout,
		.on_stderr = on_stderr,
		.held = transport_held,
		.send_held = transport_send_held,
		.max_held = MAX_HELD,
		.unflushed = transport_unflushed,
		.push = transport_push,
	};
	t->body_left = body_len;
	t->script = r.script;
	pr = child_pump(&c, &io, deadline);
	if (pr == PUMP_DONE)
		transport_stop_holding(t);   /* the body is in, or given up on */
	finish(&r, &c, pr, deadline);
out:
	transport_flush(t);          /* may log, naming the script */
	if (transport_timed_out(t) && !r.said_timeout)
		log_error("script %s: timed out after %lds: the web server did not "
		    "take the answer; cut short", r.script, w->cfg->timeout);
	env_free(&env);
	if (r.sr)
		sess_end(r.sr);
	free(path);
	free(cwd);
}
