/* helpers.c — shared by the unit tests (helpers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

void
set(struct session *s, const char *k, const char *v)
{
	assert_int_equal(session_set(s, k, strlen(k), v, strlen(v)), 0);
}

void
assert_value(const struct session *s, const char *k, const char *v)
{
	const struct sess_item *it = session_get(s, k, strlen(k));

	if (v == NULL) {
		assert_null(it);
		return;
	}
	assert_non_null(it);
	assert_int_equal(it->vlen, strlen(v));
	assert_memory_equal(it->value, v, it->vlen);
}

void
log_set(struct changelog *l, const char *k, const char *v)
{
	assert_int_equal(changelog_add(l, CHANGE_SET, k, strlen(k), v, strlen(v),
	    0), 0);
}

void
log_op(struct changelog *l, enum change_kind kind, const char *k, uint64_t n)
{
	assert_int_equal(changelog_add(l, kind, k, k ? strlen(k) : 0,
	    kind == CHANGE_FLASH ? "msg" : NULL, kind == CHANGE_FLASH ? 3 : 0, n),
	    0);
}
