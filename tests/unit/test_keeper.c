/* test_keeper.c — the keeper (keeper.h): opened from the secret files
 * or refused naming the file or the [cookie] keys at fault, and the
 * garbage collection of its store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "bounds.h"
#include "config.h"
#include "keeper.h"
#include "visit.h"
#include "helpers.h"

#define T0 ((time_t)1700000000)

/* One request that sets kv ("k=v") and commits: the commit's result (or
 * the directive's error). */
static int
store_one(struct keeper_fixture *f, const char *kv, time_t now)
{
	struct visit_headers h;
	struct visit *v;
	char err[256];
	int rc, status;

	v = visit_begin(f->k, NULL, 0, "/cgi/test.sh", now, &status);
	assert_non_null(v);
	rc = visit_directive(v, "X-Session-Set", 13, kv, strlen(kv), err,
	    sizeof(err));
	if (rc >= 0)
		rc = visit_commit(v, now, &h, err, sizeof(err));
	visit_end(v);
	return rc;
}

static void
test_open_errors_and_gc(void **state)
{
	struct keeper_fixture *f = *state;
	struct keeper *k;
	char err[256], *saved = f->cfg.secret_file;

	f->cfg.secret_file = f->dir;
	assert_int_equal(keeper_open(&k, &f->cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->dir));
	chmod(f->secret_b, 0640);
	f->cfg.secret_file = f->secret_b;
	assert_int_equal(keeper_open(&k, &f->cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->secret_b));
	chmod(f->secret_b, 0600);
	f->cfg.secret_file = saved;

	/* Our Set-Cookie is the store's longest value plus at most
	 * MAX_SET_COOKIE_ATTRS bytes: a cookie path that makes it longer is
	 * refused at open, naming the [cookie] keys; one just within works. */
	{
		char *path_saved = f->cfg.cookie_path;
		size_t room = MAX_SET_COOKIE_ATTRS - strlen("session=; Path=; "
		    "Max-Age=999999999; Expires=Sun, 09 Sep 2001 01:46:39 GMT; "
		    "Secure; HttpOnly; SameSite=Lax");
		char *path = malloc(room + 2);

		memset(path, 'p', room + 1);
		path[0] = '/';
		path[room + 1] = '\0';
		f->cfg.cookie_path = path;
		assert_int_equal(keeper_open(&k, &f->cfg, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "[cookie] name, path and domain"));
		path[room] = '\0';
		assert_int_equal(keeper_open(&k, &f->cfg, err, sizeof(err)), 0);
		keeper_close(k);
		f->cfg.cookie_path = path_saved;
		free(path);
	}

	assert_int_equal(store_one(f, "k=v", T0), 0);
	assert_int_equal(keeper_gc(f->k, T0 + 1), 0);
	assert_int_equal(keeper_gc(f->k, T0 + f->cfg.idle_timeout), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_errors_and_gc, keeper_fixture_setup, keeper_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
