/* config.c — INI file to struct config, strictly.
 *
 * Every value is read as a string (iniparser's getint/getboolean crash on
 * section names, CVE-2023-33461) and parsed here; unknown sections and keys
 * are errors, so a typo never silently falls back to a default. */
#include "config.h"


#include <ctype.h>
#include <errno.h>
#include <iniparser/iniparser.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csrf.h"

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socket_mode = 0660;
	cfg->workers = 4;
	cfg->log_level = LOG_LVL_INFO;
	cfg->gc_interval = 600;
	cfg->timeout = 60;
	cfg->max_body = 0;
	cfg->path_env = strdup("/usr/local/bin:/usr/bin:/bin");
	cfg->strict_permissions = 1;
	cfg->store = strdup("file");
	cfg->idle_timeout = 30 * 60;
	cfg->lifetime = 31L * 86400;
	cfg->absolute_timeout = 0;
	cfg->touch_interval = 60;
	cfg->tombstone_grace = 0;            /* 0 = derived: 2 x timeout + 60s */
	cfg->refresh_each_request = 1;
	cfg->max_size = DEFAULT_SESSION_SIZE;
	cfg->cookie_max = MAX_COOKIE_STORE_VALUE;
	cfg->login_key = strdup("user");
	cfg->fsync = 1;
	cfg->csrf = CSRF_MODE_ORIGIN;
	cfg->redis_prefix = strdup("sessionwrap:");
	cfg->redis_connect_timeout = 2;
	cfg->redis_timeout = 2;
	cfg->cookie_name = strdup("session");
	cfg->cookie_path = strdup("/");
	cfg->cookie_secure = TRI_AUTO;
	cfg->cookie_httponly = 1;
	cfg->cookie_samesite = SAMESITE_LAX;
	cfg->login_path = strdup("/login");
	cfg->logout_path = strdup("/logout");
	cfg->login_template = strdup(SW_PKGDATADIR "/login.html");
	cfg->max_failures = 5;
	cfg->lockout = 15 * 60;
}

int
config_max_workers(const struct config *cfg)
{
	int max = cfg->max_workers;

	if (max == 0)
		max = cfg->workers > MAX_WORKERS / 4 ? MAX_WORKERS : 4 * cfg->workers;
	return max < cfg->workers ? cfg->workers : max;
}

int
parse_duration(const char *s, long *out)
{
	char *end;
	long long v, mult = 1;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	/* Ten years is more than any timeout means; beyond is a typo. */
	if (v > 10LL * 366 * 86400 / mult)
		return -1;
	*out = (long)(v * mult);
	return 0;
}

int
parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1024; break;
		case 'm': case 'M': mult = 1024 * 1024; break;
		case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (v > LLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) { *out = 1; return 0; }
		if (strcmp(s, no[i]) == 0) { *out = 0; return 0; }
	}
	return -1;
}

/* Error collection: each problem becomes one line of errs. */
struct errbuf {
	char *buf;
	size_t len, cap;
	int count;
	const char *file;
};

static void
problem(struct errbuf *e, const char *sec, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->count++;
	if (e->cap == 0 || e->len >= e->cap - 1)
		return;
	if (key && sec)
		n = snprintf(e->buf + e->len, e->cap - e->len, "%s: [%s] %s: %s\n",
		    e->file, sec, key, msg);
	else if (key)
		n = snprintf(e->buf + e->len, e->cap - e->len, "%s: %s: %s\n",
		    e->file, key, msg);
	else if (sec)
		n = snprintf(e->buf + e->len, e->cap - e->len, "%s: [%s]: %s\n",
		    e->file, sec, msg);
	else
		n = snprintf(e->buf + e->len, e->cap - e->len, "%s: %s\n",
		    e->file, msg);
	if (n > 0)
		e->len += (size_t)n < e->cap - e->len ? (size_t)n : e->cap - e->len - 1;
}

enum kind { K_STR, K_LIST, K_DURATION, K_SIZE, K_BOOL, K_INT, K_MODE,
	K_LEVEL, K_TRISTATE, K_SAMESITE, K_COUNT, K_CSRF };

struct keydef {
	const char *section, *key;
	enum kind kind;
	size_t off;          /* offset into struct config */
	size_t countoff;     /* K_LIST: offset of the int count */
	int max;             /* K_LIST: capacity; K_INT, K_COUNT: upper bound */
};

#define F(x) offsetof(struct config, x)
static const struct keydef keys[] = {
	{ "server", "listen", K_STR, F(listen), 0, 0 },
	{ "server", "socket_mode", K_MODE, F(socket_mode), 0, 0 },
	{ "server", "workers", K_INT, F(workers), 0, MAX_WORKERS },
	{ "server", "max_workers", K_INT, F(max_workers), 0, MAX_WORKERS },
	{ "server", "user", K_STR, F(user), 0, 0 },
	{ "server", "group", K_STR, F(group), 0, 0 },
	{ "server", "log_level", K_LEVEL, F(log_level), 0, 0 },
	{ "server", "gc_interval", K_DURATION, F(gc_interval), 0, 0 },
	{ "handler", "root", K_LIST, F(roots), F(nroots), MAX_ROOTS },
	{ "handler", "program", K_STR, F(program), 0, 0 },
	{ "handler", "timeout", K_DURATION, F(timeout), 0, 0 },
	{ "handler", "max_body", K_SIZE, F(max_body), 0, 0 },
	{ "handler", "path", K_STR, F(path_env), 0, 0 },
	{ "handler", "pass_env", K_LIST, F(pass_env), F(npass_env), MAX_PASS_ENV },
	{ "handler", "strict_permissions", K_BOOL, F(strict_permissions), 0, 0 },
	{ "session", "secret_file", K_STR, F(secret_file), 0, 0 },
	{ "session", "secret_fallbacks", K_LIST, F(secret_fallbacks),
	  F(nsecret_fallbacks), 8 },
	{ "session", "store", K_STR, F(store), 0, 0 },
	{ "session", "dir", K_STR, F(dir), 0, 0 },
	{ "session", "idle_timeout", K_DURATION, F(idle_timeout), 0, 0 },
	{ "session", "lifetime", K_DURATION, F(lifetime), 0, 0 },
	{ "session", "absolute_timeout", K_DURATION, F(absolute_timeout), 0, 0 },
	{ "session", "touch_interval", K_DURATION, F(touch_interval), 0, 0 },
	{ "session", "tombstone_grace", K_DURATION, F(tombstone_grace), 0, 0 },
	{ "session", "refresh_each_request", K_BOOL, F(refresh_each_request), 0, 0 },
	{ "session", "max_size", K_SIZE, F(max_size), 0, 0 },
	{ "session", "cookie_max", K_INT, F(cookie_max), 0,
	    MAX_COOKIE_STORE_VALUE },
	{ "session", "login_key", K_STR, F(login_key), 0, 0 },
	{ "session", "compat_mod_session", K_BOOL, F(compat_mod_session), 0, 0 },
	{ "session", "fsync", K_BOOL, F(fsync), 0, 0 },
	{ "session", "csrf", K_CSRF, F(csrf), 0, 0 },
	{ "session", "trusted_origins", K_LIST, F(trusted_origins),
	  F(ntrusted_origins), MAX_TRUSTED_ORIGINS },
	{ "redis", "address", K_STR, F(redis_address), 0, 0 },
	{ "redis", "username", K_STR, F(redis_username), 0, 0 },
	{ "redis", "password_file", K_STR, F(redis_password_file), 0, 0 },
	{ "redis", "db", K_COUNT, F(redis_db), 0, MAX_REDIS_DB },
	{ "redis", "prefix", K_STR, F(redis_prefix), 0, 0 },
	{ "redis", "connect_timeout", K_DURATION, F(redis_connect_timeout), 0, 0 },
	{ "redis", "timeout", K_DURATION, F(redis_timeout), 0, 0 },
	{ "redis", "sentinels", K_LIST, F(redis_sentinels), F(nredis_sentinels),
	  MAX_REDIS_SENTINELS },
	{ "redis", "master_name", K_STR, F(redis_master_name), 0, 0 },
	{ "redis", "wait_replicas", K_COUNT, F(redis_wait_replicas), 0,
	  MAX_REDIS_REPLICAS },
	{ "cookie", "name", K_STR, F(cookie_name), 0, 0 },
	{ "cookie", "path", K_STR, F(cookie_path), 0, 0 },
	{ "cookie", "domain", K_STR, F(cookie_domain), 0, 0 },
	{ "cookie", "secure", K_TRISTATE, F(cookie_secure), 0, 0 },
	{ "cookie", "httponly", K_BOOL, F(cookie_httponly), 0, 0 },
	{ "cookie", "samesite", K_SAMESITE, F(cookie_samesite), 0, 0 },
	{ "cookie", "partitioned", K_BOOL, F(cookie_partitioned), 0, 0 },
	{ "access", "login_path", K_STR, F(login_path), 0, 0 },
	{ "access", "logout_path", K_STR, F(logout_path), 0, 0 },
	{ "access", "password_file", K_STR, F(password_file), 0, 0 },
	{ "access", "login_template", K_STR, F(login_template), 0, 0 },
	{ "access", "max_failures", K_INT, F(max_failures), 0, MAX_LOGIN_FAILURES },
	{ "access", "lockout", K_DURATION, F(lockout), 0, 0 },
};
#undef F

static int
known_section(const char *s)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, s) == 0)
			return 1;
	return 0;
}

/* The length of the section a "section:key" entry belongs to: the longest
 * section entry (one without a value) followed by ':'.  0 if none. */
static size_t
section_of(const dictionary *d, const char *name)
{
	size_t best = 0;

	for (int i = 0; i < d->size; i++) {
		size_t n;
		if (!d->key[i] || d->val[i])
			continue;
		n = strlen(d->key[i]);
		if (n > best && strncmp(name, d->key[i], n) == 0 && name[n] == ':')
			best = n;
	}
	return best;
}

/* [access] ruleN, N from 1 to MAX_ACCESS_RULES written without a
 * leading zero (so that each rule has one name only): N, else 0.  The
 * text is kept as it is; access.c parses it (access_config_check). */
static int
rule_number(const char *sec, const char *key)
{
	long n = 0;

	if (strcmp(sec, "access") != 0 || strncmp(key, "rule", 4) != 0 ||
	    key[4] < '1' || key[4] > '9')
		return 0;
	for (key += 4; *key; key++) {
		if (!isdigit((unsigned char)*key) || n > MAX_ACCESS_RULES)
			return 0;
		n = n * 10 + (*key - '0');
	}
	return n <= MAX_ACCESS_RULES ? (int)n : 0;
}

static const struct keydef *
find_key(const char *sec, const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, sec) == 0 && strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static int
split_list(struct errbuf *e, const struct keydef *k, const char *val,
    char **arr, int *count)
{
	char *copy = strdup(val), *save = NULL, *tok;

	for (int i = 0; i < *count; i++) {
		free(arr[i]);
		arr[i] = NULL;
	}
	*count = 0;
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (*count >= k->max) {
			problem(e, k->section, k->key, "more than %d entries", k->max);
			break;
		}
		arr[(*count)++] = strdup(tok);
	}
	free(copy);
	return 0;
}

static void
set_value(struct config *cfg, struct errbuf *e, const struct keydef *k,
    const char *val)
{
	char *field = (char *)cfg + k->off;
	long d;
	long long sz;
	int b;

	switch (k->kind) {
	case K_STR: {
		char **p = (char **)field;
		free(*p);
		*p = *val ? strdup(val) : NULL;
		break;
	}
	case K_LIST:
		split_list(e, k, val, (char **)field, (int *)((char *)cfg + k->countoff));
		break;
	case K_DURATION:
		if (parse_duration(val, &d) < 0)
			problem(e, k->section, k->key,
			    "'%s' is not a duration (e.g. 30s, 15m, 2h, 31d)", val);
		else
			*(long *)field = d;
		break;
	case K_SIZE:
		if (parse_size(val, &sz) < 0)
			problem(e, k->section, k->key,
			    "'%s' is not a size (e.g. 4096, 64k, 10m)", val);
		else
			*(long long *)field = sz;
		break;
	case K_BOOL:
		if (parse_bool(val, &b) < 0)
			problem(e, k->section, k->key, "'%s' is not on or off", val);
		else
			*(int *)field = b;
		break;
	case K_INT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 10);
		if (!isdigit((unsigned char)*val) || *end || errno || v < 1 || v > k->max)
			problem(e, k->section, k->key,
			    "'%s' is not a whole number from 1 to %d", val, k->max);
		else
			*(int *)field = (int)v;
		break;
	}
	case K_COUNT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 10);
		if (!isdigit((unsigned char)*val) || *end || errno || v > k->max)
			problem(e, k->section, k->key,
			    "'%s' is not a whole number from 0 to %d", val, k->max);
		else
			*(int *)field = (int)v;
		break;
	}
	case K_MODE: {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 8);
		if (val[0] != '0' || *end || errno || v < 0 || v > 0777)
			problem(e, k->section, k->key,
			    "'%s' is not an octal mode like 0660", val);
		else
			*(mode_t *)field = (mode_t)v;
		break;
	}
	case K_LEVEL: {
		enum log_level lv;
		if (log_level_parse(val, &lv) < 0)
			problem(e, k->section, k->key,
			    "'%s' is not one of error, warn, info, debug", val);
		else
			*(enum log_level *)field = lv;
		break;
	}
	case K_TRISTATE:
		if (strcmp(val, "auto") == 0)
			*(enum tristate *)field = TRI_AUTO;
		else if (parse_bool(val, &b) == 0)
			*(enum tristate *)field = b ? TRI_ON : TRI_OFF;
		else
			problem(e, k->section, k->key, "'%s' is not auto, on or off", val);
		break;
	case K_SAMESITE:
		if (strcasecmp(val, "lax") == 0)
			*(enum samesite *)field = SAMESITE_LAX;
		else if (strcasecmp(val, "strict") == 0)
			*(enum samesite *)field = SAMESITE_STRICT;
		else if (strcasecmp(val, "none") == 0)
			*(enum samesite *)field = SAMESITE_NONE;
		else
			problem(e, k->section, k->key, "'%s' is not Lax, Strict or None", val);
		break;
	case K_CSRF:
		if (strcmp(val, "origin") == 0)
			*(enum csrf_mode *)field = CSRF_MODE_ORIGIN;
		else if (strcmp(val, "token") == 0)
			*(enum csrf_mode *)field = CSRF_MODE_TOKEN;
		else if (strcmp(val, "off") == 0)
			*(enum csrf_mode *)field = CSRF_MODE_OFF;
		else
			problem(e, k->section, k->key, "'%s' is not origin, token or off",
			    val);
		break;
	}
}

/* The first control character (0x00-0x1f, 0x7f) in s, or NULL.  A browser
 * drops a whole Set-Cookie that holds one. */
static const char *
find_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return s;
	return NULL;
}

static void
check_cookie_path(struct errbuf *e, const char *path)
{
	const char *c;

	if (!path || path[0] != '/')
		problem(e, "cookie", "path", "must start with /");
	else if ((c = find_ctl(path)) != NULL)
		problem(e, "cookie", "path", "holds the control character 0x%02x",
		    (unsigned char)*c);
	else if (strchr(path, ';'))
		problem(e, "cookie", "path", "must not hold ';'");
}

/* A host name: labels of letters, digits and '-', joined by '.', with an
 * optional leading '.' (which browsers ignore). */
static void
check_cookie_domain(struct errbuf *e, const char *domain)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-.";
	const char *d = domain[0] == '.' ? domain + 1 : domain, *c;
	size_t bad = strspn(d, ok);

	if ((c = find_ctl(domain)) != NULL)
		problem(e, "cookie", "domain", "holds the control character 0x%02x",
		    (unsigned char)*c);
	else if (d[bad] != '\0')
		problem(e, "cookie", "domain", "holds the byte 0x%02x ('%c'): a "
		    "host name has only letters, digits, '-' and '.'",
		    (unsigned char)d[bad], (unsigned char)d[bad] < 0x7f ? d[bad] : '?');
	else if (d[0] == '\0' || d[0] == '.' || strstr(d, "..") ||
	    d[strlen(d) - 1] == '.')
		problem(e, "cookie", "domain", "'%s' has an empty label: not a "
		    "host name", domain);
}

/* Checks that involve more than one key, or the file system. */
static void
check_whole(struct config *cfg, struct errbuf *e)
{
	for (int i = 0; i < cfg->nroots; i++) {
		char *real = realpath(cfg->roots[i], NULL);
		if (!real) {
			problem(e, "handler", "root", "%s: %s", cfg->roots[i], strerror(errno));
			continue;
		}
		free(cfg->roots[i]);
		cfg->roots[i] = real;
	}
	if (cfg->program && cfg->program[0] != '/')
		problem(e, "handler", "program", "'%s' must be an absolute path", cfg->program);
	/* The server, --gc from cron and -t may each start in another
	 * directory: a relative path would name another secret. */
	if (cfg->secret_file && cfg->secret_file[0] != '/')
		problem(e, "session", "secret_file", "'%s' must be an absolute path",
		    cfg->secret_file);
	for (int i = 0; i < cfg->nsecret_fallbacks; i++)
		if (cfg->secret_fallbacks[i][0] != '/')
			problem(e, "session", "secret_fallbacks",
			    "'%s' must be an absolute path", cfg->secret_fallbacks[i]);
	if (cfg->max_workers && cfg->max_workers < cfg->workers)
		problem(e, "server", "max_workers", "%d is fewer than workers (%d)",
		    cfg->max_workers, cfg->workers);
	if (cfg->nroots == 0 && !cfg->program)
		problem(e, "handler", NULL, "set root (CGI directories) or program");
	if (cfg->timeout < 1)
		problem(e, "handler", "timeout", "must be at least 1s");
	if (cfg->listen && strncmp(cfg->listen, "unix:", 5) != 0 &&
	    strncmp(cfg->listen, "tcp:", 4) != 0)
		problem(e, "server", "listen", "'%s' is not unix:/path or tcp:host:port",
		    cfg->listen);
	if (cfg->max_size < 1024 || cfg->max_size > MAX_SESSION_SIZE_LIMIT)
		problem(e, "session", "max_size", "must be between 1k and %dk",
		    MAX_SESSION_SIZE_LIMIT / 1024);
	if (cfg->idle_timeout < 1)
		problem(e, "session", "idle_timeout", "must be at least 1s");
	if (cfg->lifetime < 1)
		problem(e, "session", "lifetime", "must be at least 1s");
	if (cfg->tombstone_grace == 0)
		cfg->tombstone_grace = 2 * cfg->timeout + 60;
	else if (cfg->tombstone_grace <= cfg->timeout)
		problem(e, "session", "tombstone_grace",
		    "must be longer than [handler] timeout, or in-flight requests could resurrect a session");
	for (int i = 0; i < cfg->ntrusted_origins; i++) {
		struct csrf_origin o;
		const char *t = cfg->trusted_origins[i];
		if (csrf_origin_parse(t, strlen(t), &o) < 0)
			problem(e, "session", "trusted_origins", "'%s' is not an "
			    "origin: http:// or https://, a host, an optional :port, "
			    "and no path (not even /)", t);
	}
	/* The token is the session's: without sessions there is none. */
	if (cfg->csrf == CSRF_MODE_TOKEN && !cfg->secret_file)
		problem(e, "session", "csrf", "token needs sessions (secret_file)");
	if (cfg->login_key && strlen(cfg->login_key) > MAX_KEY_LEN)
		problem(e, "session", "login_key", "longer than %d bytes", MAX_KEY_LEN);
	if (!cfg->cookie_name || strlen(cfg->cookie_name) > 64 ||
	    strspn(cfg->cookie_name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789!#$%&'*+-.^_`|~") != strlen(cfg->cookie_name))
		problem(e, "cookie", "name", "not a valid cookie name (RFC 6265 token, at most 64)");
	check_cookie_path(e, cfg->cookie_path);
	if (cfg->cookie_domain)
		check_cookie_domain(e, cfg->cookie_domain);
	/* Browsers match the prefixes case-insensitively (RFC 6265bis): a
	 * "__host-" cookie without Secure is refused just the same. */
	if (cfg->cookie_name && strncasecmp(cfg->cookie_name, "__Host-", 7) == 0) {
		if (cfg->cookie_secure != TRI_ON)
			problem(e, "cookie", "secure", "a __Host- cookie needs secure = on");
		if (cfg->cookie_domain)
			problem(e, "cookie", "domain", "a __Host- cookie must not set a domain");
		if (!cfg->cookie_path || strcmp(cfg->cookie_path, "/") != 0)
			problem(e, "cookie", "path", "a __Host- cookie needs path = /");
	}
	if (cfg->cookie_name && strncasecmp(cfg->cookie_name, "__Secure-", 9) == 0 &&
	    cfg->cookie_secure != TRI_ON)
		problem(e, "cookie", "secure", "a __Secure- cookie needs secure = on");
	if (cfg->cookie_samesite == SAMESITE_NONE && cfg->cookie_secure != TRI_ON)
		problem(e, "cookie", "samesite", "SameSite=None needs secure = on (browsers refuse it otherwise)");
	if (cfg->cookie_partitioned && cfg->cookie_secure != TRI_ON)
		problem(e, "cookie", "partitioned", "a Partitioned cookie needs secure = on");
}

static void
report_problem(void *ctx, const char *section, const char *key,
    const char *msg)
{
	problem(ctx, section, key, "%s", msg);
}

int
config_load(struct config *cfg, const char *file, config_check_fn *more,
    char *errs, size_t errlen)
{
	struct errbuf e = { errs, 0, errlen, 0, file };
	dictionary *d;
	FILE *f;

	if (errlen)
		errs[0] = '\0';
	/* iniparser prints to stderr and returns NULL; check first so the
	 * message names the file and the reason. */
	f = fopen(file, "r");
	if (!f) {
		problem(&e, NULL, NULL, "cannot open: %s", strerror(errno));
		return e.count;
	}
	fclose(f);
	d = iniparser_load(file);
	if (!d) {
		problem(&e, NULL, NULL, "not a valid INI file");
		return e.count;
	}
	free(cfg->path);
	cfg->path = strdup(file);

	/* Walk every entry: a section (no value), or "section:key" with a
	 * value.  A section name may itself hold ':' ("[session:sub]"), so
	 * a key belongs to the longest section that prefixes it. */
	cfg->absolute_timeout = -1;          /* not given: the store's default */
	for (int i = 0; i < d->size; i++) {
		const char *name = d->key[i];
		const struct keydef *k;
		char sec[64];
		size_t slen;

		if (!name)
			continue;
		if (!d->val[i]) {
			if (!known_section(name))
				problem(&e, name, NULL, "unknown section");
			continue;
		}
		slen = section_of(d, name);
		if (slen == 0) {
			problem(&e, NULL, name[0] == ':' ? name + 1 : name,
			    "key outside any section");
			continue;
		}
		if (slen >= sizeof(sec))
			continue;            /* no known section is that long */
		memcpy(sec, name, slen);
		sec[slen] = '\0';
		if (!known_section(sec))
			continue;            /* reported once, with the section */
		k = find_key(sec, name + slen + 1);
		if (!k && rule_number(sec, name + slen + 1) > 0) {
			int n = rule_number(sec, name + slen + 1);

			free(cfg->access_rules[n]);
			cfg->access_rules[n] = strdup(d->val[i]);
			continue;
		}
		if (!k && strcmp(sec, "access") == 0 &&
		    strncmp(name + slen + 1, "rule", 4) == 0) {
			problem(&e, sec, name + slen + 1, "not a rule number from "
			    "1 to %d", MAX_ACCESS_RULES);
			continue;
		}
		if (!k) {
			problem(&e, sec, name + slen + 1, "unknown key");
			continue;
		}
		set_value(cfg, &e, k, d->val[i]);
	}
	iniparser_freedict(d);
	check_whole(cfg, &e);
	if (more)
		more(cfg, report_problem, &e);
	/* Not given, and no store gave its default (an unknown store). */
	if (cfg->absolute_timeout < 0)
		cfg->absolute_timeout = 0;
	return e.count;
}

const char *
config_file_name(const struct config *cfg)
{
	return cfg->path ? cfg->path : "configuration";
}

void
config_free(struct config *cfg)
{
	free(cfg->path);
	free(cfg->listen);
	free(cfg->user);
	free(cfg->group);
	for (int i = 0; i < cfg->nroots; i++)
		free(cfg->roots[i]);
	free(cfg->program);
	free(cfg->path_env);
	for (int i = 0; i < cfg->npass_env; i++)
		free(cfg->pass_env[i]);
	free(cfg->secret_file);
	for (int i = 0; i < cfg->nsecret_fallbacks; i++)
		free(cfg->secret_fallbacks[i]);
	free(cfg->store);
	free(cfg->dir);
	free(cfg->login_key);
	for (int i = 0; i < cfg->ntrusted_origins; i++)
		free(cfg->trusted_origins[i]);
	free(cfg->redis_address);
	free(cfg->redis_username);
	free(cfg->redis_password_file);
	free(cfg->redis_prefix);
	for (int i = 0; i < cfg->nredis_sentinels; i++)
		free(cfg->redis_sentinels[i]);
	free(cfg->redis_master_name);
	free(cfg->cookie_name);
	free(cfg->cookie_path);
	free(cfg->cookie_domain);
	for (int i = 0; i <= MAX_ACCESS_RULES; i++)
		free(cfg->access_rules[i]);
	free(cfg->login_path);
	free(cfg->logout_path);
	free(cfg->password_file);
	free(cfg->login_template);
	memset(cfg, 0, sizeof(*cfg));
}
