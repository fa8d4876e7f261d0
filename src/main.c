/* main.c — sessionwrap: command line, config, logging, the socket, the
 * privilege drop, then the master (or, run as a CGI program, one request).
 *
 * Read top to bottom, this is the security design: parse the command line,
 * load and check the config, bind (as root if need be), drop privileges,
 * open the session store as the unprivileged user, serve. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "config.h"
#include "crypto.h"
#include "ctl.h"
#include "keeper.h"
#include "listen.h"
#include "log.h"
#include "prefork.h"
#include "runas.h"
#include "secret.h"
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

/* Run as a CGI program: serve the request in our environment, then exit. */
static int
serve_cgi(const struct config *cfg)
{
	struct keeper *keeper = NULL;
	struct worker_ctx w;
	struct transport t;
	char err[512];

	if (cfg->secret_file && keeper_open(&keeper, cfg, err, sizeof(err)) < 0) {
		log_error("%s", err);
		printf("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
		    "500 Internal Server Error\n");
		return 1;
	}
	if (worker_init(&w, cfg, keeper) < 0)
		return 1;
	transport_cgi(&t, environ);
	worker_handle(&w, &t);
	worker_free(&w);
	if (keeper)
		keeper_close(keeper);
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

/* sessionwrap -t */
static int
run_check(struct config *cfg, const char *file)
{
	struct keeper *k;

	if (runas_open_keeper(cfg, file, 1, &k) < 0)
		return 1;
	if (k)
		keeper_close(k);
	printf("%s: configuration ok\n", file);
	return 0;
}

/* sessionwrap --gc: sessionctl gc */
static int
run_gc(struct config *cfg, const char *file)
{
	struct ctl c = { file, cfg, NULL };
	char *argv[] = { "gc", NULL };
	int rc;

	if (runas_open_keeper(cfg, file, 0, &c.keeper) < 0)
		return 1;
	if (!c.keeper) {
		fprintf(stderr, "%s: sessions are off (no [session] secret_file)\n",
		    file);
		return 1;
	}
	rc = ctl_gc_cmd.run(&c, 1, argv);
	keeper_close(c.keeper);
	return rc;
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
	if (runas_workers_user(cfg) < 0)
		goto out;
	if (geteuid() == 0)
		log_warn("running as root, and so will the CGI programs: set "
		    "[server] user in %s", cfg->path);
	if (cfg->secret_file) {
		/* The keys, read once as the user the workers run as: every
		 * worker uses these (until a reload), never the files as they are
		 * when it starts.  The store too is opened once here, so a bad
		 * secret or store directory stops us now, not in a respawn loop. */
		struct keeper *k;
		if ((keys = secrets_load(cfg, err, sizeof(err))) == NULL ||
		    keeper_open_keys(&k, cfg, keys, err, sizeof(err)) < 0) {
			fprintf(stderr, "sessionwrap: %s\n", err);
			goto out;
		}
		keeper_close(k);
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
	if (config_load(&cfg, file, server_config_check, errs, sizeof(errs)) != 0) {
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
