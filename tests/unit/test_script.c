/* Unit tests of script resolution: roots, symlinks, modes, the
 * SCRIPT_FILENAME forms web servers send.  Uses a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "script.h"

static char dir[64], root[128], path[256];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	strcpy(dir, "/tmp/swscriptXXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/cgi", dir);
	mkdir(root, 0755);
	snprintf(path, sizeof(path), "%s/ok.cgi", root);
	f = fopen(path, "w");
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/noexec.cgi", root);
	fclose(fopen(path, "w"));
	chmod(path, 0644);
	snprintf(path, sizeof(path), "%s/outside.cgi", dir);
	fclose(fopen(path, "w"));
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/link.cgi", root);
	char target[256];
	snprintf(target, sizeof(target), "%s/outside.cgi", dir);
	if (symlink(target, path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/inlink.cgi", root);
	if (symlink("ok.cgi", path) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int
resolve(const char *filename, const char *docroot, const char *name, char **out)
{
	struct config cfg;
	char why[600];
	int rc;

	config_defaults(&cfg);
	cfg.roots[0] = strdup(root);
	cfg.nroots = 1;
	*out = NULL;
	rc = script_resolve(&cfg, filename, docroot, name, out, why, sizeof(why));
	config_free(&cfg);
	return rc;
}

static void
test_forms(void **state)
{
	char f[300], *out;

	(void)state;
	snprintf(f, sizeof(f), "%s/ok.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 0);
	assert_string_equal(out, f);
	free(out);
	assert_int_equal(resolve(NULL, root, "/ok.cgi", &out), 0);
	free(out);
	snprintf(f, sizeof(f), "proxy:fcgi://localhost/%s/ok.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 0);
	free(out);
	assert_int_equal(resolve("proxy:fcgi://localhost", NULL, NULL, &out), 404);
	snprintf(f, sizeof(f), "%s/inlink.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 0);
	free(out);
	assert_int_equal(resolve(NULL, NULL, NULL, &out), 404);
}

static void
test_refusals(void **state)
{
	char f[300], *out;

	(void)state;
	snprintf(f, sizeof(f), "%s/missing.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 404);
	snprintf(f, sizeof(f), "%s/noexec.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 403);
	snprintf(f, sizeof(f), "%s/link.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 403);
	snprintf(f, sizeof(f), "%s/outside.cgi", dir);
	assert_int_equal(resolve(f, NULL, NULL, &out), 403);
	snprintf(f, sizeof(f), "%s/../outside.cgi", root);
	assert_int_equal(resolve(f, NULL, NULL, &out), 403);
	assert_int_equal(resolve(root, NULL, NULL, &out), 403);
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
