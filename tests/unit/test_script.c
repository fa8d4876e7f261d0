/* Unit tests of script resolution: roots, symlinks, modes, the
 * SCRIPT_FILENAME forms web servers send, and the refusal of programs
 * others could change ([handler] strict_permissions) or that are setuid.
 * Uses a temporary directory. */
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

static char dir[64], root[128], path[256], why[600];
static int strict = 1;          /* [handler] strict_permissions */
static const char *program;     /* [handler] program */

/* A script "#!/bin/sh" at root/name (directories made 0755), then
 * chmod'ed to mode. */
static void
make_script(const char *name, mode_t mode)
{
	char p[300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, name);
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		chmod(p, 0755);
		*s = '/';
	}
	f = fopen(p, "w");
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(p, mode);
}

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
	int rc;

	config_defaults(&cfg);
	cfg.roots[0] = strdup(root);
	cfg.nroots = 1;
	cfg.strict_permissions = strict;
	if (program)
		cfg.program = strdup(program);
	*out = NULL;
	why[0] = '\0';
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

/* resolve_name(name): resolve root/name; free the path. */
static int
resolve_name(const char *name)
{
	char f[300], *out;
	int rc;

	snprintf(f, sizeof(f), "%s/%s", root, name);
	rc = resolve(f, NULL, NULL, &out);
	free(out);
	return rc;
}

/* The reason names the file (or directory) and the fault. */
static void
assert_why(const char *name, const char *fault)
{
	char f[300];

	snprintf(f, sizeof(f), "%s/%s", root, name);
	if (!strstr(why, f) || !strstr(why, fault))
		fail_msg("reason '%s' does not name '%s' and '%s'", why, f, fault);
}

/* setuid and setgid programs are never run, strict_permissions or not. */
static void
test_setid_refused(void **state)
{
	(void)state;
	make_script("suid.cgi", 04755);
	make_script("sgid.cgi", 02755);
	for (strict = 1; strict >= 0; strict--) {
		assert_int_equal(resolve_name("suid.cgi"), 403);
		assert_why("suid.cgi", "is setuid (mode 4755): never run");
		assert_int_equal(resolve_name("sgid.cgi"), 403);
		assert_why("sgid.cgi", "is setgid (mode 2755): never run");
	}
	strict = 1;
}

/* strict_permissions: a program, or a directory from the root down to
 * it, writable by group or others is refused; off, it runs. */
static void
test_writable_refused(void **state)
{
	(void)state;
	make_script("gw.cgi", 0775);
	make_script("ow.cgi", 0757);
	make_script("open/ok.cgi", 0755);
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/open", root);
	chmod(path, 0777);
	make_script("sticky/ok.cgi", 0755);
	snprintf(path, sizeof(path), "%s/sticky", root);
	chmod(path, 01777);
	make_script("a/b/c/ok.cgi", 0755);
	snprintf(path, sizeof(path), "%s/a/b", root);
	chmod(path, 0775);

	assert_int_equal(resolve_name("ok.cgi"), 0);
	assert_int_equal(resolve_name("gw.cgi"), 403);
	assert_why("gw.cgi", "is writable by group (mode 0775; [handler] strict_permissions)");
	assert_int_equal(resolve_name("ow.cgi"), 403);
	assert_why("ow.cgi", "is writable by others (mode 0757;");
	assert_int_equal(resolve_name("open/ok.cgi"), 403);
	assert_why("open", "its directory");
	assert_why("open", "open is writable by group and others (mode 0777;");
	assert_int_equal(resolve_name("sticky/ok.cgi"), 403);
	assert_why("sticky", "sticky is writable by group and others (mode 1777;");
	assert_int_equal(resolve_name("a/b/c/ok.cgi"), 403);
	assert_why("a/b", "a/b is writable by group (mode 0775;");
	/* The root itself; what is above it is not looked at (dir is 0777
	 * now). */
	chmod(dir, 0777);
	assert_int_equal(resolve_name("ok.cgi"), 0);
	chmod(root, 0775);
	assert_int_equal(resolve_name("ok.cgi"), 403);
	if (!strstr(why, "its directory") || !strstr(why, "is writable by group (mode 0775;"))
		fail_msg("reason: %s", why);

	strict = 0;
	assert_int_equal(resolve_name("ok.cgi"), 0);
	assert_int_equal(resolve_name("gw.cgi"), 0);
	assert_int_equal(resolve_name("ow.cgi"), 0);
	assert_int_equal(resolve_name("open/ok.cgi"), 0);
	assert_int_equal(resolve_name("sticky/ok.cgi"), 0);
	assert_int_equal(resolve_name("a/b/c/ok.cgi"), 0);
	strict = 1;
	chmod(root, 0755);
	chmod(dir, 0700);
}

/* [handler] program: the program and its own directory are looked at. */
static void
test_program_checked(void **state)
{
	char p[300];

	(void)state;
	make_script("suid.cgi", 04755);
	snprintf(p, sizeof(p), "%s/ok.cgi", root);
	program = p;
	assert_int_equal(resolve_name("anything"), 0);
	chmod(root, 0770);
	assert_int_equal(resolve_name("anything"), 403);
	assert_why("ok.cgi", "is writable by group (mode 0770;");
	chmod(root, 0755);
	snprintf(p, sizeof(p), "%s/suid.cgi", root);
	assert_int_equal(resolve_name("anything"), 403);
	assert_why("suid.cgi", "setuid");
	program = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_setid_refused),
		cmocka_unit_test(test_writable_refused),
		cmocka_unit_test(test_program_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
