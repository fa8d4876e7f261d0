/* prefork.h — the master and its workers. */
#ifndef SW_PREFORK_H
#define SW_PREFORK_H

#include "config.h"

/* What the command line says over the config file, also after a reload. */
struct overrides {
	int workers;             /* -c N, 0 = the file's */
	int debug;               /* -d: log level debug */
};

/* Run the master: fork cfg->workers workers on listen_fd, respawn the ones
 * that die, reload the config on SIGHUP, stop gracefully on SIGTERM or
 * SIGINT, and run the session GC every gc_interval.  *cfg may be replaced
 * on reload, and so may *keys (the keys of cfg's secret files, NULL
 * without sessions: the workers use these, never the files); the caller
 * frees what *keys holds at the end.  Returns the process exit status. */
struct keyset;
int prefork_run(struct config *cfg, int listen_fd,
    const struct overrides *ov, struct keyset **keys);

/* Apply the overrides to a freshly loaded config (and set up logging). */
void overrides_apply(const struct overrides *ov, struct config *cfg);

#endif
