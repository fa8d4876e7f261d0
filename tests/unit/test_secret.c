/* test_secret.c — the secret files: read strictly (sizes, forms,
 * modes, owners), keys pinned for a known secret, errors naming the
 * config's file, section and key, and a new secret (--keygen). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "secret.h"

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(crypto_setup(), 0);
	return 0;
}

/* A temp dir for the secret file tests. */
static char tmpdir[64];

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_secret_read(void **state)
{
	uint8_t buf[SECRET_MAX_LEN], bin[32];
	char path[128], link[128], err[256];
	char big[SECRET_MAX_LEN + 1];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sw-secret-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/key", tmpdir);

	/* What --keygen writes: 64 hex digits and a newline, keyed on as the
	 * 64 characters (the keys of every earlier version). */
	write_file(path, HEX64 "\n", 65, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 64);
	assert_memory_equal(buf, HEX64, 64);
	write_file(path, HEX64 "\r\n", 66, 0400);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 64);
	write_file(path, HEX64, 64, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 64);

	/* 32 or 63 hex digits carry 16 or 31 random bytes: too few. */
	write_file(path, "0123456789abcdef0123456789abcdef\n", 33, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "32 hex digits (16 random bytes), at least 64 needed"));
	write_file(path, HEX64 + 1, 63, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "63 hex digits (31 random bytes)"));

	/* Binary: every byte counts, a final 0x0a or "\r\n" too. */
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(0x80 + i);
	bin[31] = '\n';
	write_file(path, (const char *)bin, 32, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 32);
	assert_memory_equal(buf, bin, 32);
	bin[30] = '\r';
	write_file(path, (const char *)bin, 32, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 32);
	write_file(path, (const char *)bin, 31, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "31 bytes of binary data, at least 32 needed"));

	/* Other text (base64 here): characters counted, the newline not
	 * part of the secret, as before. */
	write_file(path, "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n", 45, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), 44);
	write_file(path, "q83vEjRWeJCrze8SNFZ4kKvN7xI0Vni\n", 32, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "31 characters of text"));

	/* Empty. */
	write_file(path, "", 0, 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	/* Group or others may read it: refused. */
	write_file(path, HEX64, 64, 0640);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "group or others"));
	write_file(path, HEX64, 64, 0604);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);

	/* Too long. */
	memset(big, 'x', sizeof(big));
	write_file(path, big, sizeof(big), 0600);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));

	/* A symlink, a directory, a missing file. */
	write_file(path, HEX64, 64, 0600);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(secret_read(link, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, link));
	assert_int_equal(secret_read(tmpdir, buf, err, sizeof(err)), -1);
	unlink(link);
	unlink(path);
	assert_int_equal(secret_read(path, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

/* A secret file as --keygen writes it keeps deriving the keys it did
 * (pinned: a change here would lose every stored session). */
static void
test_keygen_secret_keys_pinned(void **state)
{
	uint8_t buf[SECRET_MAX_LEN], id[SESSION_ID_LEN];
	char path[128], err[256], name[RECORD_NAME_LEN + 1];
	struct keys k;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/kg", tmpdir);
	write_file(path, HEX64 "\n", 65, 0600);
	len = secret_read(path, buf, err, sizeof(err));
	assert_int_equal(len, 64);
	assert_int_equal(keys_derive(&k, buf, (size_t)len), 0);
	memset(id, 7, sizeof(id));
	record_name(&k, id, name);
	assert_string_equal(name,
	    "846ecf329aa39bcd143a46b449661475f537705fae5ebeac82a965d9ec09868a");
	unlink(path);
}

/* Errors name the config file, section and key the secret came from. */
static void
test_secret_load_names_key(void **state)
{
	uint8_t buf[SECRET_MAX_LEN];
	char good[128], bad[128], err[512];
	struct config cfg;

	(void)state;
	snprintf(good, sizeof(good), "%s/good", tmpdir);
	snprintf(bad, sizeof(bad), "%s/bad", tmpdir);
	write_file(good, HEX64 "\n", 65, 0600);
	write_file(bad, HEX64 "\n", 65, 0640);
	config_defaults(&cfg);
	cfg.path = strdup("/etc/sw.ini");
	cfg.secret_file = strdup(good);
	cfg.secret_fallbacks[0] = strdup(good);
	cfg.secret_fallbacks[1] = strdup(bad);
	cfg.nsecret_fallbacks = 2;
	assert_int_equal(secret_load(&cfg, "secret_file", good, buf, err,
	    sizeof(err)), 64);
	assert_int_equal(secrets_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/etc/sw.ini: [session] secret_fallbacks: secret file "));
	assert_non_null(strstr(err, bad));
	assert_non_null(strstr(err, "group or others"));
	free(cfg.secret_file);
	cfg.secret_file = strdup(bad);
	assert_int_equal(secrets_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/etc/sw.ini: [session] secret_file: secret file "));
	cfg.nsecret_fallbacks = 1;
	free(cfg.secret_fallbacks[1]);
	free(cfg.secret_file);
	cfg.secret_file = strdup(good);
	assert_int_equal(secrets_check(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);
	unlink(good);
	unlink(bad);
}

static void
test_secret_generate(void **state)
{
	uint8_t buf[SECRET_MAX_LEN], buf2[SECRET_MAX_LEN];
	char path[128], path2[128], err[256];
	struct stat st;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/gen", tmpdir);
	snprintf(path2, sizeof(path2), "%s/gen2", tmpdir);
	umask(0);
	assert_int_equal(secret_generate(path, err, sizeof(err)), 0);
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	len = secret_read(path, buf, err, sizeof(err));
	assert_true(len >= SECRET_MIN_LEN);
	/* Never overwrites. */
	assert_int_equal(secret_generate(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	/* Two secrets differ. */
	assert_int_equal(secret_generate(path2, err, sizeof(err)), 0);
	assert_int_equal(secret_read(path2, buf2, err, sizeof(err)), len);
	assert_memory_not_equal(buf, buf2, (size_t)len);
	unlink(path);
	unlink(path2);
	rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_keygen_secret_keys_pinned),
		cmocka_unit_test(test_secret_load_names_key),
		cmocka_unit_test(test_secret_generate),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
