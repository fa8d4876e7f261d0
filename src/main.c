/* main.c — sessionwrap: command line, config, logging, the socket, the
 * privilege drop, then the master (or, run as a CGI program, one request).
 *
 * Read top to bottom, this is the security design: parse the command line,
 * load and check the config, bind (as root if need be), drop privileges,
 * open the session store as the unprivileged user, serve. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "listen.h"
#include "log.h"
#include "prefork.h"
#include "secret.h"
#include "sessions.h"
#include "transport.h"
#include "worker.h"

extern char **environ;

#define DEFAULT_CONFIG "/etc/sessionwrap/sessionwrap.ini"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sessionwrap [-f FILE] [-s unix:/path|tcp:host:port] [-c N] [-d]\n"
	    "       sessionwrap -t -f FILE      check a configuration and exit\n"
	    "       sessionwrap --gc -f FILE    remove expired sessions and exit\n"
	    "       sessionwrap --keygen FILE   write a new secret file (mode 0600)\n"
	    "\n"
	    "Without -s or [server] listen, serves a listening socket inherited on\n"
	    "fd 0 (web server spawner) or fd 3 (systemd), or, started as a CGI\n"
	    "program, the one request in its environment.\n");
}

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

static int
drop_privileges(const struct config *cfg)
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

/* Still root after drop_privileges (no [server] user: a service manager
 * chose the user): -t and --gc become the owner of the store's files, so
 * what they make in it stays usable by the workers.  *owner says who. */
static int
become_store_owner(const struct config *cfg, const char **owner)
{
	uid_t uid;
	gid_t gid;

	*owner = NULL;
	if (geteuid() != 0 || sessions_store_owner(cfg, &uid, &gid, owner) < 0)
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

/* Run as a CGI program: serve the request in our environment, then exit. */
static int
serve_cgi(const struct config *cfg)
{
	struct sessions *sessions = NULL;
	struct worker_ctx w;
	struct transport t;
	char err[512];

	if (cfg->secret_file && sessions_open(&sessions, cfg, err, sizeof(err)) < 0) {
		log_error("%s", err);
		printf("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
		    "500 Internal Server Error\n");
		return 1;
	}
	if (worker_init(&w, cfg, sessions) < 0)
		return 1;
	transport_cgi(&t, environ);
	worker_handle(&w, &t);
	worker_free(&w);
	if (sessions)
		sessions_close(sessions);
	return 0;
}

/* sessionwrap --keygen FILE */
static int
run_keygen(const char *path)
{
	char err[512];

	if (secret_generate(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "sessionwrap: %s\n", err);
		return 1;
	}
	printf("wrote a new secret to %s\n", path);
	return 0;
}

/* The sessions of cfg opened as the workers would open them, for -t and
 * --gc: as their user, so a check tells whether that user can read the
 * secret and the store, and nothing (store directory, shard lock files)
 * is left behind owned by root.  *s stays NULL with sessions off.  0, 1
 * when the check is done without opening (the store directory is not
 * made yet: -t leaves nothing behind), or -1 (said on stderr). */
static int
open_as_workers(struct config *cfg, const char *file, int test,
    struct sessions **s)
{
	int was_root = geteuid() == 0, p;
	const char *owner;
	char err[512], perr[512], note[512];

	*s = NULL;
	if (drop_privileges(cfg) < 0 || become_store_owner(cfg, &owner) < 0)
		return -1;
	if (test && cfg->secret_file &&
	    (p = sessions_store_probe(cfg, note, sizeof(note), perr,
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
	if (cfg->secret_file && sessions_open(s, cfg, err, sizeof(err)) < 0) {
		check_failed(cfg, was_root, owner, err, test ? file : NULL);
		return -1;
	}
	return 0;
}

/* sessionwrap -t */
static int
run_check(struct config *cfg, const char *file)
{
	struct sessions *s;

	if (open_as_workers(cfg, file, 1, &s) < 0)
		return 1;
	if (s)
		sessions_close(s);
	printf("%s: configuration ok\n", file);
	return 0;
}

/* sessionwrap --gc */
static int
run_gc(struct config *cfg, const char *file)
{
	struct sessions *s;
	long n;

	if (open_as_workers(cfg, file, 0, &s) < 0)
		return 1;
	if (!s) {
		fprintf(stderr, "%s: sessions are off (no [session] secret_file)\n",
		    file);
		return 1;
	}
	if (strcmp(cfg->store, "redis") == 0) {
		/* Every record carries its TTL. */
		sessions_close(s);
		printf("store = redis: Redis expires records and tombstones "
		    "itself; nothing to remove\n");
		return 0;
	}
	n = sessions_gc(s, time(NULL));
	sessions_close(s);
	if (n < 0)
		return 1;
	printf("removed %ld expired records and tombstones\n", n);
	return 0;
}

/* The listening socket: -s, [server] listen, or one the web server or
 * systemd handed us (kept off fd 0).  -1 when there is none (*cgi set
 * when we were run as a CGI program), or -2 after an error (said). */
static int
open_socket(const struct config *cfg, const char *sock, int *cgi)
{
	char err[512];
	int fd;

	*cgi = 0;
	if (sock) {
		fd = listen_open(sock, cfg->socket_mode, err, sizeof(err));
		if (fd < 0) {
			fprintf(stderr, "sessionwrap: cannot listen on %s\n", err);
			return -2;
		}
		return fd;
	}
	if ((fd = listen_inherited()) < 0) {
		if (getenv("GATEWAY_INTERFACE")) {
			*cgi = 1;
			return -1;
		}
		fprintf(stderr, "sessionwrap: nothing to serve: give -s unix:/path or "
		    "tcp:host:port, set [server] listen, or run under a web server\n");
		return -2;
	}
	if (fd == 0) {
		/* Keep the socket off fd 0: stdin is not where requests come from. */
		int moved = fcntl(0, F_DUPFD_CLOEXEC, 3), nul = open("/dev/null", O_RDONLY);
		if (moved < 0 || nul < 0 || dup2(nul, 0) < 0) {
			fprintf(stderr, "sessionwrap: cannot move the inherited socket\n");
			return -2;
		}
		close(nul);
		fd = moved;
	}
	return fd;
}

/* Serve: bind or inherit the socket, drop privileges, load the keys once,
 * run the master and its workers (or one CGI request). */
static int
serve(struct config *cfg, const char *sock_arg, const struct overrides *ov)
{
	struct keyset *keys = NULL;
	char *sock = NULL, err[512];
	int fd, cgi, rc = 1;

	/* (A copy: cfg may be replaced on reload.) */
	if (sock_arg)
		sock = strdup(sock_arg);
	else if (cfg->listen)
		sock = strdup(cfg->listen);
	if ((fd = open_socket(cfg, sock, &cgi)) < 0) {
		if (cgi)
			rc = serve_cgi(cfg);
		goto out;
	}
	if (drop_privileges(cfg) < 0)
		goto out;
	if (geteuid() == 0)
		log_warn("running as root, and so will the CGI programs: set "
		    "[server] user in %s", cfg->path);
	if (cfg->secret_file) {
		/* The keys, read once as the user the workers run as: every
		 * worker uses these (until a reload), never the files as they are
		 * when it starts.  The store too is opened once here, so a bad
		 * secret or store directory stops us now, not in a respawn loop. */
		struct sessions *s;
		if ((keys = secrets_load(cfg, err, sizeof(err))) == NULL ||
		    sessions_open_keys(&s, cfg, keys, err, sizeof(err)) < 0) {
			fprintf(stderr, "sessionwrap: %s\n", err);
			goto out;
		}
		sessions_close(s);
	}
	rc = prefork_run(cfg, fd, ov, &keys);
	if (sock && strncmp(sock, "unix:", 5) == 0)
		unlink(sock + 5);
out:
	keyset_free(keys);
	free(sock);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "gc", no_argument, NULL, 'G' },
		{ "keygen", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct overrides ov;
	const char *file = getenv("SESSIONWRAP_CONFIG");
	char *sock = NULL, *keygen = NULL;
	char errs[8192];
	int opt, test = 0, gc = 0, debug = 0, workers = 0, rc = 1;

	if (!file)
		file = DEFAULT_CONFIG;
	while ((opt = getopt_long(argc, argv, "f:ts:c:dhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 't': test = 1; break;
		case 's': sock = optarg; break;
		case 'c': {
			char *end;
			long v = strtol(optarg, &end, 10);
			workers = *end == '\0' && v >= 1 && v <= MAX_WORKERS ? (int)v : 0;
			if (workers == 0) {
				fprintf(stderr, "sessionwrap: -c wants 1 to %d workers\n",
				    MAX_WORKERS);
				return 1;
			}
			break;
		}
		case 'd': debug = 1; break;
		case 'G': gc = 1; break;
		case 'K': keygen = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sessionwrap %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (keygen) {
		if (optind < argc) {
			fprintf(stderr, "sessionwrap: --keygen writes one file: "
			    "unexpected operand '%s'\n", argv[optind]);
			usage(stderr);
			return 1;
		}
		return run_keygen(keygen);
	}
	/* Run by mod_cgi, we get the script as an argument: ignore it, the
	 * request's SCRIPT_FILENAME names it. */

	config_defaults(&cfg);
	if (config_load(&cfg, file, sessions_config_check, errs, sizeof(errs)) != 0) {
		fputs(errs, stderr);
		if (test)
			fprintf(stderr, "%s: configuration has errors\n", file);
		goto out;
	}
	ov.workers = workers;
	ov.debug = debug;
	overrides_apply(&ov, &cfg);
	if (test)
		rc = run_check(&cfg, file);
	else if (gc)
		rc = run_gc(&cfg, file);
	else
		rc = serve(&cfg, sock, &ov);
out:
	config_free(&cfg);
	return rc;
}
