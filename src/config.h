/* config.h — the parsed INI configuration. */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "bounds.h"
#include "log.h"

enum tristate { TRI_OFF = 0, TRI_ON = 1, TRI_AUTO = 2 };
enum samesite { SAMESITE_LAX, SAMESITE_STRICT, SAMESITE_NONE };
/* [session] csrf: the origin check (csrf.h), it and the session's token,
 * or nothing. */
enum csrf_mode { CSRF_MODE_ORIGIN, CSRF_MODE_TOKEN, CSRF_MODE_OFF };

struct config {
	char *path;                 /* the file it came from */

	/* [server] */
	char *listen;               /* unix:/path, tcp:host:port, or NULL */
	mode_t socket_mode;
	int workers;                /* always running */
	int max_workers;            /* 0: config_max_workers() derives it */
	char *user, *group;
	enum log_level log_level;
	long gc_interval;           /* seconds, 0 = master runs no GC */

	/* [handler] */
	char *roots[MAX_ROOTS];     /* realpath'd at load */
	int nroots;
	char *program;              /* single-script mode */
	long timeout;               /* seconds */
	long long max_body;         /* bytes, 0 = no limit */
	char *path_env;             /* PATH given to the child */
	char *pass_env[MAX_PASS_ENV];
	int npass_env;
	int strict_permissions;     /* refuse programs others could change */

	/* [session] — sessions are on when secret_file is set */
	char *secret_file;
	char *secret_fallbacks[8];
	int nsecret_fallbacks;
	char *store;                /* "file" */
	char *dir;
	long idle_timeout, lifetime, absolute_timeout, touch_interval;
	long tombstone_grace;
	int refresh_each_request;
	int cookie_max;             /* cookie store: longest cookie value */
	long long max_size;         /* bytes, validated 1k..MAX_SESSION_SIZE_LIMIT */
	char *login_key;
	int compat_mod_session;
	int fsync;
	enum csrf_mode csrf;        /* cross-site request protection */
	char *trusted_origins[MAX_TRUSTED_ORIGINS];   /* scheme://host[:port] */
	int ntrusted_origins;

	/* [redis] — read by store_redis.c, checked by its ops->check */
	char *redis_address;        /* unix:/path or tcp:host:port */
	char *redis_username, *redis_password_file;
	int redis_db;
	char *redis_prefix;
	long redis_connect_timeout, redis_timeout;
	char *redis_sentinels[MAX_REDIS_SENTINELS];
	int nredis_sentinels;
	char *redis_master_name;
	int redis_wait_replicas;

	/* [cookie] */
	char *cookie_name, *cookie_path, *cookie_domain;
	enum tristate cookie_secure;
	int cookie_httponly;
	enum samesite cookie_samesite;
	int cookie_partitioned;

	/* [access] — rules and the built-in login (access.h, login.h) */
	char *access_rules[MAX_ACCESS_RULES + 1];  /* ruleN's text at [N] */
	char *login_path, *logout_path;
	char *password_file;        /* form login is on when set */
	char *login_template;       /* the form's HTML */
	int max_failures;           /* of one name; 10 x of one address */
	long lockout;               /* seconds */
};

/* Fill *cfg with every default. */
void config_defaults(struct config *cfg);

/* A check of what config.c does not know itself (a store backend's own
 * keys: store.h's store_config_check), run after config.c's own checks
 * on the whole configuration: each problem is handed to report.  It also
 * settles what depends on those layers: a key the file left unset for
 * the store to decide (absolute_timeout < 0) gets the store's default. */
typedef void config_report_fn(void *ctx, const char *section,
    const char *key, const char *msg);
typedef void config_check_fn(struct config *cfg, config_report_fn *report,
    void *ctx);

/* Load FILE over the defaults, then run more (if not NULL).  Every
 * problem found is written to errs (one line each, "FILE: [section] key:
 * problem"), and the count of problems is returned: 0 means *cfg is
 * usable. */
int config_load(struct config *cfg, const char *file, config_check_fn *more,
    char *errs, size_t errlen);

void config_free(struct config *cfg);
/* The file cfg came from, for messages ("configuration" for a config
 * built in memory, as unit tests do). */
const char *config_file_name(const struct config *cfg);

/* Strict value parsers, exposed for unit tests.  0 on success, -1 if the
 * text is not exactly a value of that kind. */
int parse_duration(const char *s, long *out);
int parse_size(const char *s, long long *out);
int parse_bool(const char *s, int *out);

/* How many workers the master may run when all are busy: max_workers,
 * else 4 x workers up to MAX_WORKERS; never fewer than workers (-c may
 * have raised those past the file's max_workers). */
int config_max_workers(const struct config *cfg);

#endif
