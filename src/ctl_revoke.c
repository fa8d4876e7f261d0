/* ctl_revoke.c — sessionctl revoke --user NAME | --all: end every session
 * of a user, or every session, at once, while the server runs.  They
 * become tombstones: a request in flight commits nothing into them. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "keeper.h"

static int
revoke_run(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL;
	int all = 0, opt;
	long n;

	while ((opt = getopt_long(argc, argv, "u:a", longopts, NULL)) != -1) {
		switch (opt) {
		case 'u': user = optarg; break;
		case 'a': all = 1; break;
		default: return CTL_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sessionctl revoke: unexpected argument '%s'\n",
		    argv[optind]);
		return CTL_USAGE;
	}
	if ((user == NULL) == !all) {
		fprintf(stderr, "sessionctl revoke: give --user NAME or --all\n");
		return CTL_USAGE;
	}
	if (user != NULL && user[0] == '\0') {
		fprintf(stderr, "sessionctl revoke: --user: an empty name\n");
		return CTL_USAGE;
	}
	if (!keeper_can_revoke(c->keeper)) {
		fprintf(stderr, "sessionctl revoke: %s: store = %s keeps the "
		    "sessions in the cookies themselves: it cannot revoke them "
		    "(a new secret_file, without the old one in secret_fallbacks, "
		    "ends them all)\n", c->file, c->cfg->store);
		return CTL_ERROR;
	}
	n = user ? keeper_revoke_user(c->keeper, user, strlen(user),
	    time(NULL)) : keeper_revoke_all(c->keeper, time(NULL));
	if (n < 0) {
		fprintf(stderr, "sessionctl revoke: the store failed (see the "
		    "messages above)\n");
		return CTL_ERROR;
	}
	if (user)
		printf("revoked %ld session%s of user %s\n", n, n == 1 ? "" : "s",
		    user);
	else
		printf("revoked %ld session%s\n", n, n == 1 ? "" : "s");
	return CTL_OK;
}

const struct ctl_cmd ctl_revoke_cmd = {
	"revoke", "--user NAME | --all",
	"end every session of a user, or every session (as a logout)",
	CTL_STORE, revoke_run,
};
