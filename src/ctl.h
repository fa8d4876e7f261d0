/* ctl.h — the commands of sessionctl: each is one file (src/ctl_*.c) that
 * defines a struct ctl_cmd, listed in the table of sessionctl.c. */
#ifndef SW_CTL_H
#define SW_CTL_H

#include "config.h"

struct keeper;

/* What a command is given, according to what it needs. */
struct ctl {
	const char *file;               /* -f: the configuration file */
	struct config *cfg;             /* CTL_CONFIG and up, else NULL */
	struct keeper *keeper;          /* CTL_STORE, else NULL */
};

#define CTL_NO_CONFIG 0         /* needs no configuration (passwd) */
#define CTL_CONFIG 1            /* the configuration, loaded and checked */
#define CTL_STORE 2             /* ... and the keeper (keeper.h), opened
                                   as the workers would (their user) */

/* Exit codes of sessionctl, and what run returns. */
#define CTL_OK 0
#define CTL_ERROR 1
#define CTL_USAGE 2

struct ctl_cmd {
	const char *name;
	const char *usage;              /* its arguments, for the usage text */
	const char *summary;            /* one line: what it does */
	int needs;                      /* CTL_NO_CONFIG, CTL_CONFIG, CTL_STORE */
	/* argv[0] is the command's name; options are parsed with getopt
	 * from there (optind is reset to 1).  CTL_OK, CTL_ERROR or
	 * CTL_USAGE, after saying why on stderr. */
	int (*run)(struct ctl *c, int argc, char **argv);
};

extern const struct ctl_cmd ctl_gc_cmd;
extern const struct ctl_cmd ctl_passwd_cmd;
extern const struct ctl_cmd ctl_stats_cmd;
extern const struct ctl_cmd ctl_revoke_cmd;
extern const struct ctl_cmd ctl_list_cmd;

#endif
