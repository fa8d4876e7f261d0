/* sessionctl.c — the admin program: sessionctl [-f FILE] COMMAND [ARGS].
 *
 * Reads the same configuration as the server, with the same checks and
 * messages, and works on the store as the workers' user would: a user who
 * could not read the secret cannot use it either.  The commands are
 * entries of one table, each defined in a file of its own (ctl_*.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "config.h"
#include "ctl.h"
#include "keeper.h"
#include "runas.h"

#define DEFAULT_CONFIG "/etc/sessionwrap/sessionwrap.ini"

static const struct ctl_cmd *const commands[] = {
	&ctl_gc_cmd,
	&ctl_passwd_cmd,
	&ctl_stats_cmd,
	&ctl_revoke_cmd,
	&ctl_list_cmd,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sessionctl [-f FILE] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i]->name,
		    *commands[i]->usage ? " " : "", commands[i]->usage,
		    commands[i]->summary);
	fprintf(f, "\nFILE is the server's configuration (default $SESSIONWRAP_CONFIG,\n"
	    "else %s).  Exit status: 0 done, 1 error, 2 usage.\n", DEFAULT_CONFIG);
}

static const struct ctl_cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Load what cmd needs into c, then run it. */
static int
run(const struct ctl_cmd *cmd, struct ctl *c, int argc, char **argv)
{
	struct config cfg;
	char errs[8192];
	int rc;

	if (cmd->needs == CTL_NO_CONFIG)
		return cmd->run(c, argc, argv);
	config_defaults(&cfg);
	if (config_load(&cfg, c->file, server_config_check, errs,
	    sizeof(errs)) != 0) {
		fputs(errs, stderr);
		config_free(&cfg);
		return CTL_ERROR;
	}
	c->cfg = &cfg;
	rc = CTL_ERROR;
	if (cmd->needs == CTL_STORE) {
		if (runas_open_keeper(&cfg, c->file, 0, &c->keeper) < 0)
			goto out;
		if (!c->keeper) {
			fprintf(stderr, "%s: sessions are off (no [session] "
			    "secret_file)\n", c->file);
			goto out;
		}
	}
	rc = cmd->run(c, argc, argv);
out:
	if (c->keeper)
		keeper_close(c->keeper);
	config_free(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { NULL, NULL, NULL };
	const struct ctl_cmd *cmd;
	int opt;

	c.file = getenv("SESSIONWRAP_CONFIG");
	if (!c.file)
		c.file = DEFAULT_CONFIG;
	/* "+": options end at the command; its own follow it. */
	while ((opt = getopt_long(argc, argv, "+f:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': c.file = optarg; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("sessionctl %s\n", PACKAGE_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sessionctl: no command given\n");
		usage(stderr);
		return CTL_USAGE;
	}
	if ((cmd = find_command(argv[optind])) == NULL) {
		fprintf(stderr, "sessionctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return CTL_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 1;
	return run(cmd, &c, argc, argv);
}
