/* worker.c — one request end to end: resolve the script, load the session,
 * build the environment, run the child, pass its stderr on, and say what
 * became of it.  Glue only: the params are read in request.c, the answer
 * is made in response.c, the environment in cgi_env.c and the session
 * layer, the bytes move in child.c and transport.c. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "bounds.h"
#include "cgi_env.h"
#include "child.h"
#include "clock.h"
#include "crypto.h"
#include "csrf.h"
#include "log.h"
#include "login.h"
#include "response.h"
#include "script.h"
#include "visit.h"

/* One request's run: the answer, and the child's stderr passed on to the
 * web server's log a line at a time. */
struct job {
	struct worker_ctx *w;
	struct response r;
	int said_timeout;            /* the log has it already */
	long long body_len, body_got;   /* CONTENT_LENGTH, bytes passed on */
	char errline[MAX_STDERR_LINE];
	size_t errlen;
};

int
worker_init(struct worker_ctx *w, const struct config *cfg,
    struct keeper *keeper)
{
	char why[300];

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->keeper = keeper;
	w->head = malloc(MAX_HEADER_BLOCK);
	if ((w->login = malloc(sizeof(*w->login))) == NULL ||
	    login_init(w->login, cfg, why, sizeof(why)) < 0) {
		log_error("%s", w->login ? why : "out of memory");
		return -1;
	}
	return w->head ? 0 : -1;
}

void
worker_free(struct worker_ctx *w)
{
	free(w->head);
	free(w->login);
}

/* One complete line, prefixed with the script, in one write: the web
 * server logs each FastCGI stderr record as a line of its own.  Control
 * bytes other than tab (a CR, a terminal escape) are shown as \xNN so that
 * the line stays one line in any log viewer; the rest is the program's
 * own text, backslashes included (log.h, LOG_ESC_CTRL). */
static void
stderr_line(struct job *j)
{
	char line[4 * (MAX_STDERR_PATH + MAX_STDERR_LINE) + 8];
	size_t n, slen = strlen(j->r.script);

	n = log_escape(line, 4 * MAX_STDERR_PATH + 1, j->r.script,
	    slen < MAX_STDERR_PATH ? slen : MAX_STDERR_PATH, LOG_ESC_CTRL);
	memcpy(line + n, ": ", 2);
	n += 2;
	n += log_escape(line + n, sizeof(line) - n - 1, j->errline, j->errlen,
	    LOG_ESC_CTRL);
	line[n++] = '\n';
	transport_log(j->r.t, line, n);
	j->errlen = 0;
}

static void
on_stderr(void *ctx, const char *buf, size_t n)
{
	struct job *j = ctx;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			stderr_line(j);
			continue;
		}
		j->errline[j->errlen++] = buf[i];
		if (j->errlen == MAX_STDERR_LINE)
			stderr_line(j);
	}
}

static int
on_stdout(void *ctx, const char *buf, size_t n)
{
	return response_write(&((struct job *)ctx)->r, buf, n);
}

static int
build_env(struct worker_ctx *w, struct transport *t, struct visit *visit,
    struct envbuf *env)
{
	struct env_policy pol = { visit != NULL };

	if (env_add_params(env, t->envp, &pol) < 0)
		return -1;
	if (env_add(env, "PATH", w->cfg->path_env, strlen(w->cfg->path_env)) < 0)
		return -1;
	for (int i = 0; i < w->cfg->npass_env; i++) {
		const char *v = getenv(w->cfg->pass_env[i]);
		if (v && env_add(env, w->cfg->pass_env[i], v, strlen(v)) < 0)
			return -1;
	}
	if (visit && visit_env(visit, env_add_cb, env) != 0)
		return -1;
	return 0;
}

/* The cross-site check (csrf.c) of csrf = origin and token: 0, or 403
 * after a log line naming the script, the method and the header. */
static int
cross_site(const struct config *cfg, const struct request *req,
    const char *script)
{
	struct csrf_request rq = { req->method, req->sec_fetch_site, req->origin,
	    req->host, req->https };
	char why[600];

	if (cfg->csrf == CSRF_MODE_OFF || csrf_origin_check(&rq,
	        cfg->trusted_origins, cfg->ntrusted_origins, why, sizeof(why)) == 0)
		return 0;
	log_warn("script %s: %.32s refused (403), a cross-site request: %s",
	    script, req->method ? req->method : "(no method)", why);
	return 403;
}

/* csrf = token: a state-changing request carries its session's token in
 * X-CSRF-Token or as the csrf_token field of a form body's start (which
 * transport_body_peek keeps for the child).  0, or the status to answer
 * after a log line naming the script, the method and the fault. */
static int
token_check(struct transport *t, struct visit *visit, const char *script)
{
	const struct request *req = &t->req;
	const char *given = req->csrf_token, *body;
	char value[3 * CSRF_TOKEN_LEN], fault[300] = "";
	size_t len = 0;
	long n;

	if (csrf_method_safe(req->method))
		return 0;
	if (!visit) {
		snprintf(fault, sizeof(fault), "sessions are off: no token");
	} else if (!visit_loaded(visit)) {
		snprintf(fault, sizeof(fault), "no session (no session cookie, or "
		    "one of a session that ended): no token to compare");
	} else if (given) {
		if (visit_csrf_check(visit, given, strlen(given)) != 1)
			snprintf(fault, sizeof(fault), "the X-CSRF-Token header is "
			    "not the session's token");
	} else if (!csrf_form_type(req->content_type)) {
		snprintf(fault, sizeof(fault), "no X-CSRF-Token header, and the "
		    "body (Content-Type '%.64s') is not a form "
		    "(application/x-www-form-urlencoded) to carry csrf_token",
		    req->content_type ? req->content_type : "");
	} else if ((n = transport_body_peek(t, CSRF_BODY_PREFIX, &body)) < 0) {
		if (transport_timed_out(t))
			log_error("script %s: timed out reading the request body's "
			    "start for its CSRF token", script);
		else
			log_error("script %s: %s reading the request body's start "
			    "for its CSRF token", script, t->body_ended ?
			    "the body ended before CONTENT_LENGTH" : "failed");
		return t->body_ended ? 400 : 502;
	} else {
		switch (csrf_form_token(body, (size_t)n, n == req->content_length,
		    value, sizeof(value), &len)) {
		case CSRF_FOUND:
			if (visit_csrf_check(visit, value, len) != 1)
				snprintf(fault, sizeof(fault), "the form field csrf_token "
				    "is not the session's token");
			break;
		case CSRF_ABSENT:
			snprintf(fault, sizeof(fault), "no X-CSRF-Token header, and no "
			    "csrf_token field in the form body");
			break;
		case CSRF_BEYOND:
			snprintf(fault, sizeof(fault), "no X-CSRF-Token header, and no "
			    "csrf_token field in the first %d bytes of the form body "
			    "(CSRF_BODY_PREFIX): put the field first", CSRF_BODY_PREFIX);
			break;
		case CSRF_BAD:
			snprintf(fault, sizeof(fault), "the form field csrf_token is "
			    "malformed or too long");
			break;
		}
	}
	if (!fault[0])
		return 0;
	log_warn("script %s: %.32s refused (403) by csrf = token: %s", script,
	    req->method ? req->method : "(no method)", fault);
	return 403;
}

static void
finish(struct job *j, struct child *c, enum pump_result pr,
    long long deadline)
{
	struct response *r = &j->r;
	int exited;

	if (j->errlen)
		stderr_line(j);
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
			response_error(r, 502);
		} else if (r->state == R_HOLD) {
			if (r->t->failed) {
				/* Its stderr could not be passed on: the web
				 * server is gone, or the deadline cut it. */
				log_error("script %s: %s; session not saved", r->script,
				    transport_timed_out(r->t) ? "timed out: the web "
				    "server did not read" : "client went away");
				j->said_timeout = transport_timed_out(r->t);
			} else if (WIFSIGNALED(c->status) || !exited) {
				log_error("script %s: killed by signal %d; session not saved",
				    r->script, WIFSIGNALED(c->status) ?
				    WTERMSIG(c->status) : 9);
				response_error(r, 502);
			} else {
				response_release(r);    /* the commit point */
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
			    r->script, WEXITSTATUS(c->status), j->w->cfg->timeout);
		else
			log_error("script %s: timed out after %lds%s; process group "
			    "killed", r->script, j->w->cfg->timeout,
			    transport_timed_out(r->t) ? " (the web server did not "
			    "take its output)" : "");
		j->said_timeout = 1;
		if (r->state != R_STREAM)
			response_error(r, 504);
		break;
	case PUMP_STOPPED:
		if (r->fail_status) {
			response_error(r, r->fail_status);
		} else if (transport_timed_out(r->t)) {
			log_error("script %s: timed out after %lds: the web server "
			    "did not take the answer; process group killed",
			    r->script, j->w->cfg->timeout);
			j->said_timeout = 1;
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
			    j->w->cfg->timeout);
			j->said_timeout = 1;
			break;
		}
		if (r->t->body_ended) {
			/* The web server's stream said the body was over: the
			 * request itself is broken, not our reading of it. */
			log_error("script %s: the request body ended after %lld of "
			    "%lld bytes (CONTENT_LENGTH); killed", r->script,
			    j->body_got, j->body_len);
			/* What the program said is still held (the body was
			 * due): it answered a request it did not get whole. */
			if (transport_drop_held(r->t) == 0)
				r->sent_headers = 0;
			response_error(r, 400);
			break;
		}
		log_error("script %s: reading the request body failed; killed",
		    r->script);
		response_error(r, 502);
		break;
	}
	child_cleanup(c);
	if (j->w->child_group)
		*j->w->child_group = 0;
}

/* The request's session (visit.h visit_begin) into r->visit: 0, or -1
 * after answering the status it failed with. */
static int
begin_visit(struct worker_ctx *w, const struct request *req,
    struct response *r)
{
	int status;

	r->visit = visit_begin(w->keeper, req->cookie, req->https, r->script,
	    time(NULL), &status);
	if (!r->visit) {
		response_error(r, status);
		return -1;
	}
	return 0;
}

void
worker_handle(struct worker_ctx *w, struct transport *t)
{
	const struct request *req = &t->req;
	struct job job, *j = &job;
	struct response *r = &job.r;
	struct envbuf env;
	struct child c;
	struct pump_io io;
	char *path = NULL, *cwd = NULL, why[600], *slash;
	long long deadline;
	enum pump_result pr;
	int st;

	memset(j, 0, sizeof(*j));
	j->w = w;
	response_init(r, w->cfg, t, w->head, &w->warned_ignored_directive);
	r->script = req->script_name ? req->script_name : "(no SCRIPT_NAME)";
	env_init(&env);
	deadline = monotonic_ms() + w->cfg->timeout * 1000;
	/* The timeout bounds the whole request: reading the body and writing
	 * the answer too, not only the program. */
	transport_deadline(t, deadline);

	/* Before the session is loaded: a forged request costs no store
	 * read, and runs nothing (the login form's POSTs included). */
	if ((st = cross_site(w->cfg, req, r->script)) != 0) {
		response_error(r, st);
		goto out;
	}
	/* The login form and logout are ours: no script. */
	if (login_serve(w->login, w->keeper, t, r))
		goto out;
	/* [access]: the child runs only for whom the rules allow, and
	 * before a file is looked for, so that whether a protected script
	 * exists is not told to someone who may not run it. */
	if (w->keeper && w->login->nrules > 0) {
		if (begin_visit(w, req, r) < 0 ||
		    login_gate(w->login, r->visit, t, r))
			goto out;
	}
	st = script_resolve(w->cfg, req->script_filename, req->document_root,
	    req->script_name, &path, why, sizeof(why));
	if (st != 0) {
		log_error("script %s: refused (%d): %s", r->script, st, why);
		response_error(r, st);
		goto out;
	}
	r->script = path;
	if (req->content_length < 0) {
		log_error("script %s: bad CONTENT_LENGTH", r->script);
		response_error(r, 400);
		goto out;
	}
	if (w->cfg->max_body > 0 && req->content_length > w->cfg->max_body) {
		log_error("script %s: request body of %lld bytes is over max_body %lld",
		    r->script, req->content_length, w->cfg->max_body);
		response_error(r, 413);
		goto out;
	}
	if (w->keeper && !r->visit && begin_visit(w, req, r) < 0)
		goto out;
	if (w->cfg->csrf == CSRF_MODE_TOKEN &&
	    (st = token_check(t, r->visit, r->script)) != 0) {
		response_error(r, st);
		goto out;
	}
	if (build_env(w, t, r->visit, &env) < 0) {
		log_error("script %s: cannot build its environment: %s", r->script,
		    env.err);
		response_error(r, 500);
		goto out;
	}
	/* The child runs in its script's directory. */
	slash = strrchr(path, '/');
	cwd = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!cwd || child_spawn(&c, path, env.vec, cwd, why, sizeof(why)) < 0) {
		log_error("script %s: %s", r->script, cwd ? why : "out of memory");
		response_error(r, 502);
		goto out;
	}
	if (w->child_group)
		*w->child_group = c.pid;
	t->script = r->script;
	io = (struct pump_io){
		.ctx = j,
		.body_ctx = t,
		.body_fd = t->body_fd,
		.body_buffered = transport_body_buffered,
		.body_read = transport_body_read,
		.body_due = transport_body_due,
		.watch_abort = t->watch_abort,
		.on_stdout = on_stdout,
		.on_stderr = on_stderr,
		.room = transport_room,
		.unflushed = transport_unflushed,
		.push = transport_push,
	};
	j->body_len = transport_body_begin(t);
	pr = child_pump(&c, &io, deadline);
	j->body_got = t->body_got;
	if (pr == PUMP_DONE)          /* the body is in, or given up on */
		transport_release(t, HOLD_BODY);
	finish(j, &c, pr, deadline);
out:
	transport_flush(t);          /* may log, naming the script */
	if (transport_timed_out(t) && !j->said_timeout)
		log_error("script %s: timed out after %lds: the web server did not "
		    "take the answer; cut short", r->script, w->cfg->timeout);
	env_free(&env);
	if (r->visit)
		visit_end(r->visit);
	free(path);
	free(cwd);
}
