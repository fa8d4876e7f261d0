/* checks.h — every check of a configuration beyond config.c's own
 * parsing: the session store's keys (keeper.h) and [access]
 * (login.h).  What -t, a start, a reload (SIGHUP) and sessionctl hand
 * to config_load. */
#ifndef SW_CHECKS_H
#define SW_CHECKS_H

#include "config.h"

/* A config_check_fn. */
void server_config_check(struct config *cfg, config_report_fn *report,
    void *ctx);

#endif
