/* helpers.h — what several unit tests share: setting and checking
 * session values, and adding changes to a change log, each asserting
 * that it worked (cmocka); a file store, and a keeper, in a fresh
 * temporary directory. */
#ifndef SW_TEST_HELPERS_H
#define SW_TEST_HELPERS_H

#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "keeper.h"
#include "session.h"
#include "store.h"

/* k=v in s. */
void set(struct session *s, const char *k, const char *v);
/* s holds k=v (v NULL: k is absent). */
void assert_value(const struct session *s, const char *k, const char *v);
/* A CHANGE_SET of k=v in l. */
void log_set(struct changelog *l, const char *k, const char *v);
/* A change of kind with key k (or NULL) and number n in l; a
 * CHANGE_FLASH carries the message "msg". */
void log_op(struct changelog *l, enum change_kind kind, const char *k,
    uint64_t n);

/* A file store in a fresh temporary directory, with test lifetimes
 * (idle 30 min, lifetime 31 days, touch 60 s, grace 180 s, no fsync)
 * and two key sets (keys, old_keys): cmocka setup and teardown. */
struct file_fixture {
	struct config cfg;
	char dir[64];
	struct store *st;
	struct keys keys, old_keys;
};
/* Remove dir and all below it. */
void remove_tree(const char *dir);

int file_fixture_setup(void **state);
int file_fixture_teardown(void **state);

/* A keeper (keeper_open) of a file store in a fresh temporary directory,
 * sealing with the secret file secret_a; secret_b is a second one, for
 * rotation (both 0600): cmocka setup and teardown. */
struct keeper_fixture {
	struct config cfg;
	char dir[64];
	char secret_a[128], secret_b[128];
	struct keeper *k;
};

int keeper_fixture_setup(void **state);
int keeper_fixture_teardown(void **state);

#endif
