/* helpers.h — what several unit tests share: setting and checking
 * session values, and adding changes to a change log, each asserting
 * that it worked (cmocka). */
#ifndef SW_TEST_HELPERS_H
#define SW_TEST_HELPERS_H

#include <stdint.h>

#include "session.h"

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

#endif
