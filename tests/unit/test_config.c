/* Unit tests of the config parser: value syntax, unknown names, the
 * cross-key rules, and that every error names file, section and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "config.h"
#include "keeper.h"

static char path[64];

static int
load(const char *text, struct config *cfg, char *errs, size_t errlen)
{
	FILE *f;

	strcpy(path, "/tmp/swcfgXXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	config_defaults(cfg);
	int n = config_load(cfg, path, server_config_check, errs, errlen);
	unlink(path);
	return n;
}

static void
test_durations(void **state)
{
	long v;

	(void)state;
	assert_int_equal(parse_duration("30s", &v), 0); assert_int_equal(v, 30);
	assert_int_equal(parse_duration("15m", &v), 0); assert_int_equal(v, 900);
	assert_int_equal(parse_duration("2h", &v), 0); assert_int_equal(v, 7200);
	assert_int_equal(parse_duration("31d", &v), 0); assert_int_equal(v, 2678400);
	assert_int_equal(parse_duration("45", &v), 0); assert_int_equal(v, 45);
	assert_int_equal(parse_duration("0", &v), 0); assert_int_equal(v, 0);
	assert_int_equal(parse_duration("", &v), -1);
	assert_int_equal(parse_duration("s", &v), -1);
	assert_int_equal(parse_duration("-5s", &v), -1);
	assert_int_equal(parse_duration(" 5s", &v), -1);
	assert_int_equal(parse_duration("5 s", &v), -1);
	assert_int_equal(parse_duration("5ss", &v), -1);
	assert_int_equal(parse_duration("5w", &v), -1);
	assert_int_equal(parse_duration("1.5h", &v), -1);
	assert_int_equal(parse_duration("3660d", &v), 0);
	assert_int_equal(parse_duration("3661d", &v), -1);
	assert_int_equal(parse_duration("3661000d", &v), -1);
	assert_int_equal(parse_duration("99999999999999999999s", &v), -1);
}

static void
test_sizes_and_bools(void **state)
{
	long long v;
	int b;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0); assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64k", &v), 0); assert_int_equal(v, 65536);
	assert_int_equal(parse_size("10M", &v), 0); assert_int_equal(v, 10485760);
	assert_int_equal(parse_size("1g", &v), 0); assert_int_equal(v, 1073741824);
	assert_int_equal(parse_size("64kb", &v), -1);
	assert_int_equal(parse_size("k", &v), -1);
	assert_int_equal(parse_size("-1", &v), -1);
	assert_int_equal(parse_size("9999999999999999999k", &v), -1);
	assert_int_equal(parse_bool("on", &b), 0); assert_int_equal(b, 1);
	assert_int_equal(parse_bool("off", &b), 0); assert_int_equal(b, 0);
	assert_int_equal(parse_bool("yes", &b), 0); assert_int_equal(b, 1);
	assert_int_equal(parse_bool("On", &b), -1);
	assert_int_equal(parse_bool("2", &b), -1);
}

static void
test_full_config(void **state)
{
	struct config cfg;
	char errs[2048];

	(void)state;
	assert_int_equal(load(
	    "[server]\nworkers = 3\nsocket_mode = 0600\nlog_level = debug\n"
	    "[handler]\nroot = /tmp /usr/lib\ntimeout = 30s\nmax_body = 10m\n"
	    "pass_env = TZ LANG\npath = /bin\n"
	    "[session]\nsecret_file = /x\ndir = /tmp\nidle_timeout = 15m\n"
	    "max_size = 32k\nrefresh_each_request = off\n"
	    "[cookie]\nname = sid\nsamesite = Strict\nsecure = on\n",
	    &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.socket_mode, 0600);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_int_equal(cfg.nroots, 2);
	assert_string_equal(cfg.roots[1], "/usr/lib");
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(cfg.max_body, 10485760);
	assert_int_equal(cfg.npass_env, 2);
	assert_string_equal(cfg.path_env, "/bin");
	assert_int_equal(cfg.idle_timeout, 900);
	assert_int_equal(cfg.max_size, 32768);
	assert_int_equal(cfg.refresh_each_request, 0);
	assert_int_equal(cfg.lifetime, 31 * 86400);
	assert_int_equal(cfg.tombstone_grace, 2 * 30 + 60);
	assert_string_equal(cfg.cookie_name, "sid");
	assert_int_equal(cfg.cookie_samesite, SAMESITE_STRICT);
	assert_int_equal(cfg.cookie_secure, TRI_ON);
	assert_int_equal(cfg.cookie_httponly, 1);
	config_free(&cfg);
}

static void
test_errors_name_file_section_key(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load(
	    "[server]\nworkers = many\nbogus = 1\n"
	    "[handler]\nroot = /tmp\ntimeout = 5 minutes\n"
	    "[nosuch]\nx = 1\n"
	    "[session]\nmax_size = 1g\n"
	    "[cookie]\nsamesite = sometimes\n",
	    &cfg, errs, sizeof(errs)), 6);
	assert_non_null(strstr(errs, "[server] workers: 'many' is not a whole number"));
	assert_non_null(strstr(errs, "[server] bogus: unknown key"));
	assert_non_null(strstr(errs, "[handler] timeout: '5 minutes' is not a duration"));
	assert_non_null(strstr(errs, "[nosuch]: unknown section"));
	assert_non_null(strstr(errs, "[session] max_size: must be between"));
	assert_non_null(strstr(errs, "[cookie] samesite: 'sometimes'"));
	assert_non_null(strstr(errs, path));
	config_free(&cfg);
}

/* [server] max_workers: its default follows workers, it is never below
 * workers, and MAX_WORKERS bounds both. */
static void
test_max_workers(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[server]\nworkers = 3\n[handler]\nroot = /tmp\n",
	    &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(config_max_workers(&cfg), 12);
	cfg.workers = 100;              /* as -c 100 would */
	assert_int_equal(config_max_workers(&cfg), MAX_WORKERS);
	config_free(&cfg);
	assert_int_equal(load("[server]\nworkers = 2\nmax_workers = 3\n"
	    "[handler]\nroot = /tmp\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(config_max_workers(&cfg), 3);
	cfg.workers = 5;                /* -c 5 over the file's max_workers */
	assert_int_equal(config_max_workers(&cfg), 5);
	config_free(&cfg);
	assert_int_equal(load("[server]\nworkers = 2\nmax_workers = 1\n"
	    "[handler]\nroot = /tmp\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[server] max_workers: 1 is fewer than workers (2)"));
	config_free(&cfg);
	assert_int_equal(load("[server]\nmax_workers = 257\n[handler]\nroot = /tmp\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[server] max_workers: '257' is not a whole number from 1 to 256"));
	config_free(&cfg);
	assert_int_equal(load("[server]\nworkers = 256\nmax_workers = 256\n"
	    "[handler]\nroot = /tmp\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(config_max_workers(&cfg), 256);
	config_free(&cfg);
	assert_int_equal(load("[server]\nmax_workers = 0\n[handler]\nroot = /tmp\n",
	    &cfg, errs, sizeof(errs)), 1);
	config_free(&cfg);
}

static void
test_cross_key_rules(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[server]\nworkers = 2\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "set root"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /nonexistent/dir\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[handler] root: /nonexistent/dir"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = __Host-s\n"
	    "domain = example.org\n", &cfg, errs, sizeof(errs)), 2);
	assert_non_null(strstr(errs, "__Host- cookie needs secure = on"));
	assert_non_null(strstr(errs, "__Host- cookie must not set a domain"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nsamesite = None\n",
	    &cfg, errs, sizeof(errs)), 1);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\ntimeout = 60s\n[session]\n"
	    "tombstone_grace = 30s\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "tombstone_grace"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = bad name\n",
	    &cfg, errs, sizeof(errs)), 1);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nprogram = relative/prog\n", &cfg, errs, sizeof(errs)), 1);
	config_free(&cfg);
	/* iniparser's getint would crash on a section name (CVE-2023-33461);
	 * values of every kind are read as strings here. */
	assert_int_equal(load("[handler]\nroot = /tmp\n[server]\nworkers = [server]\n",
	    &cfg, errs, sizeof(errs)), 1);
	config_free(&cfg);
}

/* Browsers match __Host- and __Secure- in any case (RFC 6265bis): a
 * "__host-" cookie without Secure would be dropped, so it is refused. */
static void
test_cookie_prefix_any_case(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = __host-s\n"
	    "secure = off\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[cookie] secure: a __Host- cookie needs secure = on"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = __HOST-s\n"
	    "secure = on\npath = /app\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[cookie] path: a __Host- cookie needs path = /"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = __secure-s\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[cookie] secure: a __Secure- cookie needs secure = on"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\nname = __sEcUrE-s\n"
	    "secure = on\n", &cfg, errs, sizeof(errs)), 0);
	config_free(&cfg);
}

/* A control character in Path or Domain makes browsers drop the whole
 * Set-Cookie; a Domain must be a host name. */
static void
test_cookie_path_and_domain(void **state)
{
	static const char *const bad_paths[] = { "/a\001b", "/a\177", "/a\tb",
	    "/a;b", "a/b" };
	static const char *const bad_domains[] = { "a,b", "a\001b", "a\177b",
	    "a_b.org", "a/b", "a..org", "example.org.", "..org", ".", "a b",
	    "\303\251t\303\251.fr" };
	static const char *const good_domains[] = { "example.org", ".example.org",
	    "Sub-1.Example.ORG", "localhost", "127.0.0.1" };
	struct config cfg;
	char text[256], errs[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		snprintf(text, sizeof(text), "[handler]\nroot = /tmp\n[cookie]\n"
		    "path = \"%s\"\n", bad_paths[i]);
		if (load(text, &cfg, errs, sizeof(errs)) != 1 ||
		    !strstr(errs, "[cookie] path: "))
			fail_msg("path %s: %s", bad_paths[i], errs);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad_domains) / sizeof(bad_domains[0]); i++) {
		snprintf(text, sizeof(text), "[handler]\nroot = /tmp\n[cookie]\n"
		    "domain = \"%s\"\n", bad_domains[i]);
		if (load(text, &cfg, errs, sizeof(errs)) != 1 ||
		    !strstr(errs, "[cookie] domain: ") || !strstr(errs, path))
			fail_msg("domain %s: %s", bad_domains[i], errs);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(good_domains) / sizeof(good_domains[0]); i++) {
		snprintf(text, sizeof(text), "[handler]\nroot = /tmp\n[cookie]\n"
		    "domain = %s\n", good_domains[i]);
		if (load(text, &cfg, errs, sizeof(errs)) != 0)
			fail_msg("domain %s: %s", good_domains[i], errs);
		assert_string_equal(cfg.cookie_domain, good_domains[i]);
		config_free(&cfg);
	}
	/* The message shows the byte, not the raw control character. */
	assert_int_equal(load("[handler]\nroot = /tmp\n[cookie]\npath = \"/\001\"\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[cookie] path: holds the control character 0x01"));
	assert_null(strchr(errs, '\001'));
	config_free(&cfg);
}

/* The server, --gc from cron and -t run from different directories: a
 * relative store or secret path would name different files for each. */
static void
test_session_paths_absolute(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = secret\nsecret_fallbacks = /old ./older\ndir = store\n",
	    &cfg, errs, sizeof(errs)), 3);
	assert_non_null(strstr(errs, "[session] dir: 'store' must be an absolute path"));
	assert_non_null(strstr(errs, "[session] secret_file: 'secret' must be an absolute path"));
	assert_non_null(strstr(errs, "[session] secret_fallbacks: './older' must be an absolute path"));
	config_free(&cfg);
}

/* The store's part is checked by the store layer (config.c knows no
 * backend): an unknown store is named with the ones there are, and the
 * file store's own keys are checked by the file store. */
static void
test_store_checked_by_backend(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = memcache\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs,
	    "[session] store: unknown store 'memcache' (known: file, redis, cookie)\n"));
	config_free(&cfg);
	/* The Redis store's keys, by the Redis store (a build without
	 * hiredis refuses the store itself, saying so). */
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = redis\n[redis]\naddress = localhost\n"
	    "db = 16\nwait_replicas = 17\n", &cfg, errs, sizeof(errs)), 3);
	assert_non_null(strstr(errs, "[redis] db: '16' is not a whole number "
	    "from 0 to 15\n"));
	assert_non_null(strstr(errs, "[redis] wait_replicas: '17' is not a "
	    "whole number from 0 to 16\n"));
	assert_true(strstr(errs, "[redis] address: 'localhost' is not") != NULL ||
	    strstr(errs, "built without Redis support") != NULL);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = file\ndir = /tmp/x\n[redis]\n"
	    "db = 15\nwait_replicas = 16\nsentinels = a:1 b:2 c:3 d:4 e:5 f:6 "
	    "g:7 h:8\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.redis_db, 15);
	assert_int_equal(cfg.redis_wait_replicas, 16);
	assert_int_equal(cfg.nredis_sentinels, MAX_REDIS_SENTINELS);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = file\ndir = /tmp/x\n[redis]\n"
	    "sentinels = a:1 b:2 c:3 d:4 e:5 f:6 g:7 h:8 i:9\n", &cfg, errs,
	    sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[redis] sentinels: more than 8 entries"));
	config_free(&cfg);
	/* An empty value is no store either (it crashed -t). */
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\ndir = /d\nstore =\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session] store: unknown store '' (known: "));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs,
	    "[session] dir: the file store needs a directory\n"));
	config_free(&cfg);
	/* Without the store check, config.c alone finds nothing wrong. */
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/dev/null", NULL, errs,
	    sizeof(errs)), 1);      /* (no [handler] root) */
	assert_null(strstr(errs, "store"));
	config_free(&cfg);
}

/* The cookie store: no directory needed, cookie_max from 256 to 4000,
 * and an absolute timeout of one day unless the file sets one (a copied
 * cookie cannot be revoked). */
static void
test_cookie_store_keys(void **state)
{
	struct config cfg;
	char errs[4096];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = cookie\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.absolute_timeout, 86400);
	assert_int_equal(cfg.cookie_max, MAX_COOKIE_STORE_VALUE);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = cookie\nabsolute_timeout = 0\n"
	    "cookie_max = 256\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.absolute_timeout, 0);
	assert_int_equal(cfg.cookie_max, 256);
	config_free(&cfg);
	/* The file store keeps its default: none. */
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\ndir = /d\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.absolute_timeout, 0);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = cookie\ncookie_max = 4001\n", &cfg, errs,
	    sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session] cookie_max: '4001' is not a "
	    "whole number from 1 to 4000"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /s\nstore = cookie\ncookie_max = 255\n", &cfg, errs,
	    sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session] cookie_max: 255 is below 256"));
	config_free(&cfg);
}

/* Names that iniparser files oddly: a key before any section, and a
 * section with ':' in its name (iniparser's own separator). */
static void
test_odd_names(void **state)
{
	struct config cfg;
	char errs[4096], want[256];

	(void)state;
	assert_int_equal(load("top = 1\n[handler]\nroot = /tmp\n", &cfg, errs,
	    sizeof(errs)), 1);
	snprintf(want, sizeof(want), "%s: top: key outside any section\n", path);
	assert_string_equal(errs, want);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session:sub]\nx = 1\n"
	    "[session]\nlogin_key = who\n", &cfg, errs, sizeof(errs)), 1);
	snprintf(want, sizeof(want), "%s: [session:sub]: unknown section\n", path);
	assert_string_equal(errs, want);
	assert_string_equal(cfg.login_key, "who");
	config_free(&cfg);
	/* [session:login_key] does not set [session] login_key. */
	assert_int_equal(load("[handler]\nroot = /tmp\n[session:login_key]\n"
	    "x = 1\n", &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session:login_key]: unknown section"));
	assert_string_equal(cfg.login_key, "user");
	config_free(&cfg);
}

static void
test_missing_file(void **state)
{
	struct config cfg;
	char errs[512];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/sw.ini", NULL, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "/nonexistent/sw.ini: cannot open"));
	config_free(&cfg);
}

/* [handler] strict_permissions: on by default, a boolean, strictly. */
static void
test_strict_permissions(void **state)
{
	struct config cfg;
	char errs[1024];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.strict_permissions, 1);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\nstrict_permissions = off\n",
	    &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.strict_permissions, 0);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\nstrict_permissions = relaxed\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[handler] strict_permissions: 'relaxed' is not on or off"));
	config_free(&cfg);
}

/* [session] csrf and trusted_origins: the values, strictly; the origins
 * as browsers send them (no path); at most MAX_TRUSTED_ORIGINS; a token
 * needs sessions. */
static void
test_csrf_keys(void **state)
{
	struct config cfg;
	char errs[4096], text[2048];

	(void)state;
	assert_int_equal(load("[handler]\nroot = /tmp\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.csrf, CSRF_MODE_ORIGIN);
	assert_int_equal(cfg.ntrusted_origins, 0);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\ncsrf = off\n",
	    &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.csrf, CSRF_MODE_OFF);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "secret_file = /etc/sw.key\ndir = /tmp\ncsrf = token\n", &cfg, errs,
	    sizeof(errs)), 0);
	assert_int_equal(cfg.csrf, CSRF_MODE_TOKEN);
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\ncsrf = token\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session] csrf: token needs sessions"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\ncsrf = Origin\n",
	    &cfg, errs, sizeof(errs)), 1);
	assert_non_null(strstr(errs, "[session] csrf: 'Origin' is not origin, "
	    "token or off"));
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "trusted_origins = https://app.example http://[::1]:8080 "
	    "HTTP://Tools.Example:8443\n", &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.ntrusted_origins, 3);
	assert_string_equal(cfg.trusted_origins[1], "http://[::1]:8080");
	config_free(&cfg);
	assert_int_equal(load("[handler]\nroot = /tmp\n[session]\n"
	    "trusted_origins = https://app.example/ app.example null "
	    "ftp://app.example https://app.example:0\n", &cfg, errs,
	    sizeof(errs)), 5);
	assert_non_null(strstr(errs, "[session] trusted_origins: "
	    "'https://app.example/' is not an origin"));
	assert_non_null(strstr(errs, "'null' is not an origin"));
	assert_non_null(strstr(errs, "'https://app.example:0' is not an origin"));
	config_free(&cfg);
	/* The limit, and one past it. */
	strcpy(text, "[handler]\nroot = /tmp\n[session]\ntrusted_origins =");
	for (int i = 0; i < MAX_TRUSTED_ORIGINS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " http://h%d.example", i);
	strcat(text, "\n");
	assert_int_equal(load(text, &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg.ntrusted_origins, MAX_TRUSTED_ORIGINS);
	config_free(&cfg);
	strcpy(text + strlen(text) - 1, " http://one.more\n");
	assert_int_equal(load(text, &cfg, errs, sizeof(errs)), 1);
	snprintf(text, sizeof(text), "[session] trusted_origins: more than %d "
	    "entries", MAX_TRUSTED_ORIGINS);
	assert_non_null(strstr(errs, text));
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes_and_bools),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_errors_name_file_section_key),
		cmocka_unit_test(test_max_workers),
		cmocka_unit_test(test_cross_key_rules),
		cmocka_unit_test(test_cookie_prefix_any_case),
		cmocka_unit_test(test_cookie_path_and_domain),
		cmocka_unit_test(test_session_paths_absolute),
		cmocka_unit_test(test_store_checked_by_backend),
		cmocka_unit_test(test_cookie_store_keys),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_strict_permissions),
		cmocka_unit_test(test_csrf_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
