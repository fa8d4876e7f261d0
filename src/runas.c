/* runas.c — who a process of ours runs as: the drop to [server] user, and
 * the store opened as the workers would open it (for -t, --gc and
 * sessionctl), so a check says what the workers can do and leaves nothing
 * behind owned by root. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keeper.h"
#include "log.h"
#include "runas.h"
#include "secret.h"

/* Become uid:gid for good (with name's supplementary groups, if named). */
static int
become(uid_t uid, gid_t gid, const char *name, const char *who)
{
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
	    (name && initgroups(name, gid) < 0) || setuid(uid) < 0) {
		log_error("dropping privileges to %s: %s", who, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("dropping privileges to %s did not stick", who);
		return -1;
	}
	return 0;
}

int
runas_workers_user(const struct config *cfg)
{
	struct passwd *pw;
	struct group *gr = NULL;
	gid_t gid;

	if (!cfg->user || geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user);
	if (!pw) {
		log_error("%s: [server] user: no such user '%s'", cfg->path, cfg->user);
		return -1;
	}
	gid = pw->pw_gid;
	if (cfg->group) {
		gr = getgrnam(cfg->group);
		if (!gr) {
			log_error("%s: [server] group: no such group '%s'", cfg->path,
			    cfg->group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	return become(pw->pw_uid, gid, pw->pw_name, cfg->user);
}

/* Still root after runas_workers_user (no [server] user: a service manager
 * chose the user): -t and --gc become the owner of the store's files, so
 * what they make in it stays usable by the workers.  *owner says who. */
static int
become_store_owner(const struct config *cfg, const char **owner)
{
	uid_t uid;
	gid_t gid;

	*owner = NULL;
	if (geteuid() != 0 || keeper_store_owner(cfg, &uid, &gid, owner) < 0)
		return 0;
	return become(uid, gid, NULL, *owner);
}

/* A -t or --gc check failed: say so, and as whom it was made; for -t
 * (test_file set) end as a config error does. */
static void
check_failed(const struct config *cfg, int was_root, const char *owner,
    const char *err, const char *test_file)
{
	if (!was_root || geteuid() == 0)
		fprintf(stderr, "%s\n", err);
	else if (cfg->user)
		fprintf(stderr, "%s (as [server] user %s)\n", err, cfg->user);
	else
		fprintf(stderr, "%s (as the owner of %s)\n", err, owner);
	if (test_file)
		fprintf(stderr, "%s: configuration has errors\n", test_file);
}

int
runas_open_keeper(struct config *cfg, const char *file, int test,
    struct keeper **k)
{
	int was_root = geteuid() == 0, p;
	const char *owner;
	char err[512], perr[512], note[512];

	*k = NULL;
	if (runas_workers_user(cfg) < 0 || become_store_owner(cfg, &owner) < 0)
		return -1;
	if (test && cfg->secret_file &&
	    (p = keeper_store_probe(cfg, note, sizeof(note), perr,
	    sizeof(perr))) != 0) {
		/* (The secret first, as a start would read it first.) */
		int bad_secret = secrets_check(cfg, err, sizeof(err)) < 0;

		if (bad_secret || p < 0) {
			check_failed(cfg, was_root, owner, bad_secret ? err : perr,
			    file);
			return -1;
		}
		printf("%s: %s\n", file, note);
		return 1;
	}
	if (cfg->secret_file && keeper_open(k, cfg, err, sizeof(err)) < 0) {
		check_failed(cfg, was_root, owner, err, test ? file : NULL);
		return -1;
	}
	return 0;
}
