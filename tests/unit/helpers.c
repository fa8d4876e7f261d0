/* helpers.c — shared by the unit tests (helpers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	const struct session_item *it = session_get(s, k, strlen(k));

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


int
file_fixture_setup(void **state)
{
	struct file_fixture *f = calloc(1, sizeof(*f));
	uint8_t secret[32];
	char err[256];

	assert_int_equal(crypto_setup(), 0);
	config_defaults(&f->cfg);
	f->cfg.fsync = 0;
	f->cfg.idle_timeout = 1800;
	f->cfg.lifetime = 31 * 86400;
	f->cfg.touch_interval = 60;
	f->cfg.tombstone_grace = 180;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sw-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* The store makes its own directory below the temp one. */
	f->cfg.dir = malloc(strlen(f->dir) + 8);
	sprintf(f->cfg.dir, "%s/store", f->dir);
	memset(secret, 'n', sizeof(secret));
	keys_derive(&f->keys, secret, sizeof(secret));
	memset(secret, 'o', sizeof(secret));
	keys_derive(&f->old_keys, secret, sizeof(secret));
	assert_int_equal(store_file_ops.open(&f->st, &f->cfg, err, sizeof(err)),
	    0);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

void
remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
file_fixture_teardown(void **state)
{
	struct file_fixture *f = *state;

	f->st->ops->close(f->st);
	remove_tree(f->dir);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static void
write_secret(const char *path, char fill)
{
	char buf[64];             /* 'a' and 'b' are hex: 64 digits needed */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	memset(buf, fill, sizeof(buf));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
}

int
keeper_fixture_setup(void **state)
{
	struct keeper_fixture *f = calloc(1, sizeof(*f));
	char err[256];

	config_defaults(&f->cfg);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sw-sessions-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->secret_a, sizeof(f->secret_a), "%s/a.key", f->dir);
	snprintf(f->secret_b, sizeof(f->secret_b), "%s/b.key", f->dir);
	write_secret(f->secret_a, 'a');
	write_secret(f->secret_b, 'b');
	f->cfg.secret_file = strdup(f->secret_a);
	f->cfg.dir = malloc(strlen(f->dir) + 8);
	sprintf(f->cfg.dir, "%s/store", f->dir);
	f->cfg.fsync = 0;
	f->cfg.refresh_each_request = 0;
	if (keeper_open(&f->k, &f->cfg, err, sizeof(err)) != 0)
		fail_msg("keeper_open: %s", err);
	*state = f;
	return 0;
}

int
keeper_fixture_teardown(void **state)
{
	struct keeper_fixture *f = *state;

	keeper_close(f->k);
	remove_tree(f->dir);
	config_free(&f->cfg);
	free(f);
	return 0;
}
