/* runas.h — dropping privileges, and opening the sessions as the workers
 * would (sessionwrap -t / --gc, sessionctl). */
#ifndef SW_RUNAS_H
#define SW_RUNAS_H

#include "config.h"

struct keeper;

/* Become [server] user (and group) for good, when run as root and one is
 * set; nothing otherwise.  0, or -1 (logged). */
int runas_workers_user(const struct config *cfg);

/* The sessions of cfg opened as the workers would: as their user, or when
 * run as root with no [server] user as the owner of the store's files, so
 * a check tells whether that user can read the secret and the store, and
 * nothing is left behind owned by root.  *k stays NULL with sessions off.
 * test (for -t): a store that is not made yet is only probed, and errors
 * end with "FILE: configuration has errors".  0, 1 when the check was done
 * without opening (the store is made at start: said on stdout), or -1
 * (said on stderr). */
int runas_open_keeper(struct config *cfg, const char *file, int test,
    struct keeper **k);

#endif
