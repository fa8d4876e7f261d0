/* login.c — sessionwrap's own answers (login.h): the login form, its
 * POST, logout, and the refusals of the [access] rules.  The decisions
 * are access.c's and pwfile.c's (pure); this file reads the request body
 * and the files, changes the session through visit.h, and answers
 * through response.h.  The password is never kept: it lives in one
 * buffer for the time of the check, is wiped, and is never logged. */
#include "login.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "form.h"
#include "log.h"
#include "privfile.h"
#include "pwfile.h"

/* The messages of the form: fixed, so that two failures for different
 * reasons give the same page. */
#define MSG_FAILED  "Wrong user name or password."
#define MSG_EXPIRED "The form had expired. Please try again."
#define MSG_LOCKED  "Too many failed logins. Please try again later."

static int
parse_rules(struct login *l, const struct config *cfg,
    config_report_fn *report, void *ctx)
{
	int bad = 0;

	l->nrules = 0;
	for (int n = 1; n <= MAX_ACCESS_RULES; n++) {
		const char *text = cfg->access_rules[n];
		char err[300], key[16];

		if (!text)
			continue;
		if (access_rule_parse(text, strlen(text), &l->rules[l->nrules],
		        err, sizeof(err)) < 0) {
			snprintf(key, sizeof(key), "rule%d", n);
			if (report)
				report(ctx, "access", key, err);
			bad++;
			continue;
		}
		l->nrules++;
	}
	return bad;
}

/* A path key (login_path, logout_path) must be a plain path: what a
 * request's canonical path is compared with. */
static int
plain_path(const char *p)
{
	char clean[MAX_ACCESS_PATH];
	long n = p ? access_path_clean(p, strlen(p), clean, sizeof(clean)) : -1;

	return n > 0 && strcmp(clean, p) == 0;
}

static long
read_small(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == cap)
			break;
	}
	close(fd);
	if (len == cap) {
		snprintf(err, errlen, "%s: longer than %zu bytes", path, cap - 1);
		return -1;
	}
	return (long)len;
}

void
login_config_check(const struct config *cfg, config_report_fn *report,
    void *ctx)
{
	struct login *l = malloc(sizeof(*l));
	char err[600];

	if (!l) {
		report(ctx, "access", NULL, "out of memory");
		return;
	}
	parse_rules(l, cfg, report, ctx);
	if (!plain_path(cfg->login_path))
		report(ctx, "access", "login_path", "must be a plain path like "
		    "/login (no '//', '.', '..', trailing '/')");
	if (!plain_path(cfg->logout_path))
		report(ctx, "access", "logout_path", "must be a plain path like "
		    "/logout (no '//', '.', '..', trailing '/')");
	if (cfg->login_path && cfg->logout_path &&
	    strcmp(cfg->login_path, cfg->logout_path) == 0)
		report(ctx, "access", "logout_path", "is the login_path");
	if (cfg->lockout < 1)
		report(ctx, "access", "lockout", "must be at least 1s");
	if (cfg->password_file && cfg->secret_file && !keeper_can_count(cfg))
		report(ctx, "access", "password_file", "the login form counts "
		    "failed logins in the session store, and this store keeps "
		    "nothing on a server (store = cookie): use store = file or "
		    "redis");
	if ((l->nrules > 0 || cfg->password_file) && !cfg->secret_file)
		report(ctx, "access", NULL, "rules and the login form need "
		    "sessions: set [session] secret_file");
	if (cfg->password_file) {
		char *buf = malloc(MAX_PASSWORD_FILE + 1), *tmpl = NULL, *page = NULL;
		struct pw_entry e;
		long n;

		if (!cfg->login_key)
			report(ctx, "session", "login_key", "the login form needs one");
		if (cfg->password_file[0] != '/')
			report(ctx, "access", "password_file", "must be an absolute path");
		else if (!buf)
			report(ctx, "access", "password_file", "out of memory");
		else if ((n = privfile_read("password file", cfg->password_file, buf,
	    MAX_PASSWORD_FILE, err, sizeof(err))) < 0)
			report(ctx, "access", "password_file", err);
		else if (pwfile_find(buf, (size_t)n, "", 0, &e, err + 300,
		        sizeof(err) - 300) < 0) {
			char msg[700];

			snprintf(msg, sizeof(msg), "%s: %s", cfg->password_file,
			    err + 300);
			report(ctx, "access", "password_file", msg);
		}
		tmpl = malloc(MAX_LOGIN_TEMPLATE + 1);
		page = malloc(MAX_LOGIN_PAGE);
		if (!tmpl || !page) {
			report(ctx, "access", "login_template", "out of memory");
		} else if ((n = read_small(cfg->login_template, tmpl,
		        MAX_LOGIN_TEMPLATE + 1, err, sizeof(err))) < 0) {
			report(ctx, "access", "login_template", err);
		} else {
			struct login_page pg = { "", "", "", "" };
			char why[300];

			if (login_render(tmpl, (size_t)n, &pg, page, MAX_LOGIN_PAGE,
			        why, sizeof(why)) < 0) {
				snprintf(err, sizeof(err), "%s: %s", cfg->login_template,
				    why);
				report(ctx, "access", "login_template", err);
			}
		}
		free(buf);
		free(tmpl);
		free(page);
	}
	free(l);
}

int
login_init(struct login *l, const struct config *cfg, char *err,
    size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	if (parse_rules(l, cfg, NULL, NULL) > 0) {
		snprintf(err, errlen, "[access] rules do not parse (sessionwrap -t "
		    "says why)");
		return -1;
	}
	return 0;
}

/* --- the page --------------------------------------------------------- */

static size_t
html_escape(char *out, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		const char *rep = NULL;
		char one[2] = { *s, '\0' };
		size_t rl;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = one; break;
		}
		rl = strlen(rep);
		if (o + rl > cap)
			return (size_t)-1;
		memcpy(out + o, rep, rl);
		o += rl;
	}
	return o;
}

long
login_render(const char *tmpl, size_t tlen, const struct login_page *pg,
    char *out, size_t cap, char *err, size_t errlen)
{
	static const char *const names[] = { "action", "token", "next",
	    "message" };
	const char *vals[] = { pg->action, pg->token, pg->next, pg->message };
	size_t i = 0, o = 0;

	while (i < tlen) {
		const char *open = i + 1 < tlen && tmpl[i] == '{' &&
		    tmpl[i + 1] == '{' ? tmpl + i : NULL;
		const char *close = open ? memchr(open, '}', tlen - i) : NULL;
		size_t k, nl;

		if (!open) {
			if (o == cap)
				goto full;
			out[o++] = tmpl[i++];
			continue;
		}
		if (!close || close + 1 >= tmpl + tlen || close[1] != '}') {
			snprintf(err, errlen, "a '{{' without '}}'");
			return -1;
		}
		nl = (size_t)(close - open - 2);
		for (k = 0; k < 4; k++)
			if (strlen(names[k]) == nl && memcmp(open + 2, names[k], nl) == 0)
				break;
		if (k == 4) {
			snprintf(err, errlen, "unknown placeholder '{{%.*s}}' (known: "
			    "{{action}}, {{token}}, {{next}}, {{message}})",
			    (int)(nl > 40 ? 40 : nl), open + 2);
			return -1;
		}
		nl = html_escape(out + o, cap - o, vals[k]);
		if (nl == (size_t)-1)
			goto full;
		o += nl;
		i = (size_t)(close + 2 - tmpl);
	}
	return (long)o;
full:
	snprintf(err, errlen, "the page would be over %zu bytes", cap);
	return -1;
}

/* --- the request ------------------------------------------------------ */

/* Whether p has a "." or ".." segment. */
static int
dot_segment(const char *p)
{
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* SCRIPT_NAME + PATH_INFO, canonical, into buf.  Its length or -1.  A
 * PATH_INFO with a dot segment is refused: made canonical it would climb
 * out of the script the server chose (/admin/x.cgi + /../../pub matched
 * as /pub while /admin/x.cgi runs); a server that normalised the URL
 * sends none. */
static long
request_path(const struct request *req, char *buf, size_t cap)
{
	char raw[MAX_ACCESS_PATH + 1];
	const char *sn = req->script_name ? req->script_name : "";
	const char *pi = req->path_info ? req->path_info : "";
	size_t sl = strlen(sn), pl = strlen(pi);

	if (sl + pl > MAX_ACCESS_PATH || dot_segment(pi))
		return -1;
	memcpy(raw, sn, sl);
	memcpy(raw + sl, pi, pl);
	return access_path_clean(raw, sl + pl, buf, cap);
}

/* The value of field name in the form text buf[0..len), decoded into out
 * (cap bytes, NUL-terminated): its length, -1 absent, -2 malformed or
 * too long. */
static long
form_field(const char *buf, size_t len, const char *name, char *out,
    size_t cap)
{
	struct form_field f;
	size_t pos = 0;

	while (form_next(buf, len, &pos, &f)) {
		char *tmp;
		long n;

		if (f.klen != strlen(name) || memcmp(f.key, name, f.klen) != 0)
			continue;
		/* Decoded, it may be shorter than cap even if its text is not. */
		if ((tmp = malloc(f.vlen + 1)) == NULL)
			return -2;
		n = form_decode(tmp, f.value, f.vlen);
		if (n >= 0 && (size_t)n < cap) {
			memcpy(out, tmp, (size_t)n);
			out[n] = '\0';
		}
		wipe(tmp, f.vlen + 1);
		free(tmp);
		return n >= 0 && (size_t)n < cap ? n : -2;
	}
	return -1;
}

/* Where to go after the login: the "next" of the form or query, when it
 * is a path of this site (access_next_ok); else "/". */
static void
pick_next(const char *buf, size_t len, char *next, size_t cap,
    const char *script)
{
	long n = buf ? form_field(buf, len, "next", next, cap) : -1;

	if (n == -1 || (n >= 0 && access_next_ok(next, (size_t)n)))
		;
	else
		log_warn("%s: a 'next' that is no path of this site was "
		    "refused: the form sends the user to /", script);
	if (n < 0 || !access_next_ok(next, (size_t)n))
		snprintf(next, cap, "/");
}

static const char *
client(const struct request *req)
{
	return req->remote_addr ? req->remote_addr : "?";
}

/* Commit the session's changes: 0, or -1 answered (500/503). */
static int
commit(struct visit *visit, struct response *r, struct visit_headers *sh)
{
	char err[300];
	int rc = visit_commit(visit, time(NULL), sh, err, sizeof(err));

	if (rc < 0) {
		response_error(r, rc == -2 ? 503 : 500);
		return -1;
	}
	return 0;
}

/* The form, with message, status and an extra header (or NULL). */
static void
show_form_extra(struct login *l, struct visit *visit, struct response *r,
    int status, const char *next, const char *message, const char *extra)
{
	const struct config *cfg = l->cfg;
	struct visit_headers sh;
	char token[VISIT_TOKEN_LEN + 1], err[300], *tmpl = NULL, *page = NULL;
	struct login_page pg;
	long n;

	/* A first visit has no session yet, and its token would be of an
	 * id that is never stored: keep the session. */
	if (!visit_loaded(visit) && visit_keep(visit) < 0) {
		response_error(r, 500);
		return;
	}
	if (commit(visit, r, &sh) < 0)
		return;
	visit_csrf(visit, token, sizeof(token));
	tmpl = malloc(MAX_LOGIN_TEMPLATE + 1);
	page = malloc(MAX_LOGIN_PAGE);
	if (!tmpl || !page) {
		log_error("%s: out of memory", cfg->login_path);
		response_error(r, 500);
		goto out;
	}
	pg = (struct login_page){ cfg->login_path, token, next, message };
	if ((n = read_small(cfg->login_template, tmpl, MAX_LOGIN_TEMPLATE + 1,
	        err, sizeof(err))) < 0 ||
	    (n = login_render(tmpl, (size_t)n, &pg, page, MAX_LOGIN_PAGE, err,
	        sizeof(err))) < 0) {
		log_error("%s: [access] login_template: %s", cfg->login_path, err);
		response_error(r, 500);
		goto out;
	}
	response_own(r, status, NULL, extra, &sh, "text/html; charset=utf-8",
	    page, (size_t)n);
out:
	wipe(token, sizeof(token));
	free(tmpl);
	free(page);
}

static void
show_form(struct login *l, struct visit *visit, struct response *r,
    int status, const char *next, const char *message)
{
	show_form_extra(l, visit, r, status, next, message, NULL);
}

/* The whole form body into buf (cap > MAX_LOGIN_BODY): its length, or
 * -1 answered (413, 400). */
static long
read_body(struct transport *t, struct response *r, const char *what,
    char *buf)
{
	long long want = t->req.content_length;
	size_t got = 0;

	if (want < 0 || want > MAX_LOGIN_BODY) {
		log_warn("%s: a form body of %lld bytes (the limit is %d) from %s: "
		    "refused", what, want, MAX_LOGIN_BODY, client(&t->req));
		response_error(r, want < 0 ? 400 : 413);
		return -1;
	}
	transport_body_begin(t);
	while (got < (size_t)want) {
		long n = transport_body_read(t, buf + got, (size_t)want - got);

		if (n <= 0) {
			log_warn("%s: the form body ended early", what);
			response_error(r, 400);
			return -1;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (long)got;
}

/* Whether user's password is pw: always one verification, against
 * user's hash or, for a name the file does not have, another's, so that
 * both failures take the same time. */
static int
password_ok(struct login *l, const char *user, size_t ulen, const char *pw,
    size_t pwlen)
{
	char err[600], *buf = malloc(MAX_PASSWORD_FILE + 1);
	struct pw_entry e;
	long n;
	int found, ok = 0;

	if (!buf) {
		log_error("%s: out of memory", l->cfg->login_path);
		return 0;
	}
	n = privfile_read("password file", l->cfg->password_file, buf,
	    MAX_PASSWORD_FILE, err,
	    sizeof(err));
	if (n < 0) {
		log_error("%s: [access] password_file: %s", l->cfg->login_path, err);
		found = 0;
		e.hash = NULL;
	} else if ((found = pwfile_find(buf, (size_t)n, user, ulen, &e, err,
	        sizeof(err))) < 0) {
		log_error("%s: [access] password_file %s: %s", l->cfg->login_path,
		    l->cfg->password_file, err);
		found = 0;
		e.hash = NULL;
	}
	if (!pwfile_name_ok(user, ulen))
		found = 0;
	if (!e.hash) {
		e.hash = password_dummy_hash;
		e.hlen = strlen(password_dummy_hash);
	}
	ok = password_verify(e.hash, e.hlen, pw, pwlen) && found == 1;
	free(buf);
	return ok;
}

long
login_wait(long count, time_t last, time_t now, long limit, long lockout)
{
	long wait, past = count - limit / 2;

	if (past <= 0)
		return 0;
	if (count >= limit || past > 30)
		wait = lockout;
	else
		wait = 2L << (past - 1);   /* 2 s at least: times are in seconds */
	if (wait > lockout)
		wait = lockout;
	return (long long)last + wait > (long long)now ?
	    (long)((long long)last + wait - (long long)now) : 0;
}

/* The store's names of the two counts: "u:" + user name, "a:" +
 * client address. */
static size_t
count_key(char *out, size_t cap, char kind, const char *v, size_t len)
{
	int n = snprintf(out, cap, "%c:%.*s", kind, (int)len, v);

	/* (What was written: an address longer than the room is cut.) */
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Count a failure (how 1) of user's name, or forget them (how -1, a
 * login that succeeded); *n: the name's count.  0, or -1 when the store
 * failed (logged). */
static int
count_name(struct login *l, struct keeper *k, const char *user,
    size_t ulen, int how, long *n)
{
	char key[MAX_LOGIN_NAME + 80];
	time_t last;
	size_t kl = count_key(key, sizeof(key), 'u', user, ulen);

	return keeper_fail_count(k, key, kl, how, time(NULL), l->cfg->lockout,
	    n, &last);
}

/* A failed login: count it against the client's address too, and log
 * it with both counts (nu: the name's).  0, or -1 (logged). */
static int
count_address(struct login *l, struct keeper *k, struct transport *t,
    const char *user, long nu)
{
	const struct config *cfg = l->cfg;
	const char *addr = client(&t->req);
	char key[MAX_LOGIN_NAME + 80];
	time_t last;
	long na;
	size_t kl = count_key(key, sizeof(key), 'a', addr, strlen(addr));

	if (keeper_fail_count(k, key, kl, 1, time(NULL), cfg->lockout, &na,
	        &last) < 0)
		return -1;
	log_warn("%s: failed login for user '%s' from %s (failure %ld of the "
	    "name, %ld of the address)", cfg->login_path, user, addr, nu, na);
	return 0;
}

/* Whether this try must wait: seconds (> 0, logged), 0 not, -1 when the
 * store failed (answered 503). */
static long
throttled(struct login *l, struct keeper *k, struct transport *t,
    struct response *r, const char *user, size_t ulen)
{
	const struct config *cfg = l->cfg;
	const char *addr = client(&t->req);
	char key[MAX_LOGIN_NAME + 80];
	long nu, na, wu, wa;
	time_t lu, la, now = time(NULL);
	size_t kl;

	kl = count_key(key, sizeof(key), 'u', user, ulen);
	if (keeper_fail_count(k, key, kl, 0, now, cfg->lockout, &nu, &lu) < 0)
		goto fail;
	kl = count_key(key, sizeof(key), 'a', addr, strlen(addr));
	if (keeper_fail_count(k, key, kl, 0, now, cfg->lockout, &na, &la) < 0)
		goto fail;
	wu = login_wait(nu, lu, now, cfg->max_failures, cfg->lockout);
	wa = login_wait(na, la, now, 10L * cfg->max_failures, cfg->lockout);
	if (wu == 0 && wa == 0)
		return 0;
	log_warn("%s: login for user '%s' from %s refused for %lds: %ld failed "
	    "logins of the name, %ld of the address", cfg->login_path, user,
	    addr, wu > wa ? wu : wa, nu, na);
	return wu > wa ? wu : wa;
fail:
	log_error("%s: failed logins cannot be counted: the store failed",
	    cfg->login_path);
	response_error(r, 503);
	return -1;
}

/* The answer to a try that must wait: the form, 429, Retry-After. */
static void
locked_form(struct login *l, struct visit *visit, struct response *r,
    const char *next, long wait)
{
	char retry[40];

	snprintf(retry, sizeof(retry), "Retry-After: %ld", wait);
	show_form_extra(l, visit, r, 429, next, MSG_LOCKED, retry);
}

static void
login_post(struct login *l, struct keeper *k, struct visit *visit,
    struct transport *t, struct response *r)
{
	const struct config *cfg = l->cfg;
	char *body = malloc(MAX_LOGIN_BODY + 1);
	char tok[VISIT_TOKEN_LEN + 2], user[MAX_LOGIN_NAME + 2];
	char pw[MAX_PASSWORD + 1], next[MAX_NEXT_PATH + 1];
	struct visit_headers sh;
	long blen, tl, ul, pl, wait, nu = 0;

	if (!body) {
		response_error(r, 500);
		return;
	}
	if ((blen = read_body(t, r, cfg->login_path, body)) < 0)
		goto out;
	pick_next(body, (size_t)blen, next, sizeof(next), cfg->login_path);
	tl = form_field(body, (size_t)blen, "csrf_token", tok, sizeof(tok));
	if (tl < 0 || visit_csrf_check(visit, tok, (size_t)tl) != 1) {
		log_warn("%s: login form from %s without its session's token "
		    "(expired, or another site's): refused", cfg->login_path,
		    client(&t->req));
		show_form(l, visit, r, 403, next, MSG_EXPIRED);
		goto out;
	}
	ul = form_field(body, (size_t)blen, "user", user, sizeof(user));
	pl = form_field(body, (size_t)blen, "password", pw, sizeof(pw));
	if (ul < 0 || ul > MAX_LOGIN_NAME)
		ul = 0, user[0] = '\0';
	if (pl < 0)
		pl = 0, pw[0] = '\0';
	if ((wait = throttled(l, k, t, r, user, (size_t)ul)) != 0) {
		if (wait > 0)
			locked_form(l, visit, r, next, wait);
		goto out;
	}
	/* The name's failure is counted before the (slow) check, and
	 * forgotten if it succeeds: tries sent at once are each counted
	 * before any is answered, so a burst gets no more guesses than
	 * max_failures allows. */
	if (count_name(l, k, user, (size_t)ul, 1, &nu) < 0) {
		response_error(r, 503);
		goto out;
	}
	if (password_ok(l, user, (size_t)ul, pw, (size_t)pl)) {
		wipe(pw, sizeof(pw));
		count_name(l, k, user, (size_t)ul, -1, &nu);
		if (visit_login(visit, user, (size_t)ul) < 0) {
			response_error(r, 500);
			goto out;
		}
		if (commit(visit, r, &sh) < 0)
			goto out;
		log_info("%s: user '%s' logged in from %s", cfg->login_path, user,
		    client(&t->req));
		response_own(r, 303, next, NULL, &sh, "text/plain; charset=utf-8",
		    "See Other\n", 10);
		goto out;
	}
	wipe(pw, sizeof(pw));
	if (count_address(l, k, t, user, nu) < 0) {
		response_error(r, 503);
		goto out;
	}
	show_form(l, visit, r, 200, next, MSG_FAILED);
out:
	wipe(pw, sizeof(pw));
	if (body)
		wipe(body, MAX_LOGIN_BODY + 1);
	free(body);
}

static void
logout_post(struct login *l, struct visit *visit, struct transport *t,
    struct response *r)
{
	const struct config *cfg = l->cfg;
	char body[MAX_LOGIN_BODY + 1], tok[VISIT_TOKEN_LEN + 2], *loc;
	struct visit_headers sh;
	size_t user_len = 0;
	const char *user;
	long blen, tl;

	if ((blen = read_body(t, r, cfg->logout_path, body)) < 0)
		return;
	tl = form_field(body, (size_t)blen, "csrf_token", tok, sizeof(tok));
	if (tl < 0 || visit_csrf_check(visit, tok, (size_t)tl) != 1) {
		log_warn("%s: logout from %s without its session's token: "
		    "refused", cfg->logout_path, client(&t->req));
		visit_headers_nocommit(visit, &sh);
		response_own(r, 403, NULL, NULL, &sh, "text/plain; charset=utf-8",
		    "403 Forbidden\n", 14);
		return;
	}
	user = visit_user(visit, &user_len);
	if (visit_logout(visit) < 0 || commit(visit, r, &sh) < 0) {
		response_error(r, 500);
		return;
	}
	log_info("%s: user '%.*s' logged out from %s", cfg->logout_path,
	    (int)user_len, user ? user : "", client(&t->req));
	loc = cfg->login_path;
	response_own(r, 303, loc, NULL, &sh, "text/plain; charset=utf-8",
	    "See Other\n", 10);
}

int
login_serve(struct login *l, struct keeper *k, struct transport *t,
    struct response *r)
{
	const struct config *cfg = l->cfg;
	const struct request *req = &t->req;
	const char *method = req->method ? req->method : "";
	char path[MAX_ACCESS_PATH + 1], next[MAX_NEXT_PATH + 1];
	struct visit *visit;
	int is_login, status;
	const char *q = req->query_string ? req->query_string : "";

	if (!cfg->password_file || !k || request_path(req, path,
	        sizeof(path)) < 0)
		return 0;
	is_login = strcmp(path, cfg->login_path) == 0;
	if (!is_login && strcmp(path, cfg->logout_path) != 0)
		return 0;
	r->script = is_login ? cfg->login_path : cfg->logout_path;
	visit = visit_begin(k, req->cookie, req->https, r->script, time(NULL),
	    &status);
	if (!visit) {
		response_error(r, status);
		return 1;
	}
	if (is_login && (strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0)) {
		pick_next(q, strlen(q), next, sizeof(next), r->script);
		show_form(l, visit, r, 200, next, "");
	} else if (strcmp(method, "POST") == 0) {
		if (is_login)
			login_post(l, k, visit, t, r);
		else
			logout_post(l, visit, t, r);
	} else {
		struct visit_headers sh;

		visit_headers_nocommit(visit, &sh);
		response_own(r, 405, NULL, is_login ? "Allow: GET, HEAD, POST" :
		    "Allow: POST", &sh, "text/plain; charset=utf-8",
		    "405 Method Not Allowed\n", 23);
	}
	visit_end(visit);
	return 1;
}

static const char *
who_get(void *ctx, const char *key, size_t klen, size_t *vlen)
{
	return visit_get(ctx, key, klen, vlen);
}

int
login_gate(struct login *l, struct visit *visit, struct transport *t,
    struct response *r)
{
	const struct config *cfg = l->cfg;
	const struct request *req = &t->req;
	const struct access_rule *rule;
	struct access_who who = { .get = who_get, .ctx = visit };
	struct visit_headers sh;
	char path[MAX_ACCESS_PATH + 1];
	long plen;

	if (l->nrules == 0)
		return 0;
	visit_headers_nocommit(visit, &sh);
	if ((plen = request_path(req, path, sizeof(path))) < 0) {
		log_warn("script %s: a path the [access] rules cannot be matched "
		    "against (over %d bytes, a control byte, '..' above /, a "
		    "dot segment in PATH_INFO): "
		    "refused", r->script, MAX_ACCESS_PATH);
		response_own(r, 400, NULL, NULL, &sh, "text/plain; charset=utf-8",
		    "400 Bad Request\n", 16);
		return 1;
	}
	rule = access_match(l->rules, l->nrules, path, (size_t)plen);
	who.user = visit_user(visit, &who.ulen);
	switch (access_decide(rule, &who)) {
	case ACCESS_ALLOW:
		return 0;
	case ACCESS_NEED_LOGIN: {
		/* Back to what was asked for, query and all, when that is a
		 * plain path of this site; else to its canonical path. */
		const char *back = req->request_uri &&
		    access_next_ok(req->request_uri, strlen(req->request_uri)) ?
		    req->request_uri : path;
		size_t blen = strlen(back), llen = strlen(cfg->login_path);
		char *loc = malloc(llen + 6 + form_encoded_len(back, blen) + 1);

		if (!loc) {
			response_error(r, 500);
			return 1;
		}
		memcpy(loc, cfg->login_path, llen);
		memcpy(loc + llen, "?next=", 6);
		loc[llen + 6 + form_encode(loc + llen + 6, back, blen)] = '\0';
		log_info("script %s: %s needs a login: sent to %s", r->script, path,
		    cfg->login_path);
		response_own(r, 303, loc, NULL, &sh, "text/plain; charset=utf-8",
		    "See Other\n", 10);
		free(loc);
		return 1;
	}
	case ACCESS_FORBIDDEN:
		log_warn("script %s: user '%.*s' is not allowed %s by [access] "
		    "rule '%.*s': 403", r->script, (int)who.ulen, who.user, path,
		    (int)rule->path.len, rule->path.p);
		response_own(r, 403, NULL, NULL, &sh, "text/plain; charset=utf-8",
		    "403 Forbidden\n", 14);
		return 1;
	}
	return 0;
}
