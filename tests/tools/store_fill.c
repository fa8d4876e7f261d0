/* store_fill.c — fill a file store quickly with sealed records of a
 * known age, for bench/gc.sh and the GC tests.
 *
 * usage: store_fill SECRET_FILE DIR COUNT EXPIRED_COUNT AGE
 *
 * Writes COUNT records of fresh random ids into the file store DIR (made
 * if missing), each a one-key session sealed under SECRET_FILE's keys
 * and laid out as the store writes a new record (slots.h: the version in
 * the first slot, zeros in the second); EXPIRED_COUNT of them, spread
 * among the others, get a last access AGE seconds back (more than the
 * idle timeout: GC removes them), the rest now.  Straight to files, no
 * locks and no fsync: for a store no server is using yet, or one that
 * only reads these records as strangers (no cookie names them). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "record.h"
#include "secret.h"
#include "session.h"
#include "slots.h"

static void
die(const char *what)
{
	fprintf(stderr, "store_fill: %s: %s\n", what, strerror(errno));
	exit(1);
}

int
main(int argc, char **argv)
{
	uint8_t secret[SECRET_MAX_LEN], id[SESSION_ID_LEN], *file;
	char err[512], name[RECORD_NAME_LEN + 1], path[4096];
	struct session sess;
	struct keys keys;
	size_t flen;
	long slen, count, expired, age;
	time_t now = time(NULL);

	if (argc != 6) {
		fprintf(stderr, "usage: store_fill SECRET_FILE DIR COUNT "
		    "EXPIRED_COUNT AGE\n");
		return 2;
	}
	count = atol(argv[3]);
	expired = atol(argv[4]);
	age = atol(argv[5]);
	if (crypto_setup() < 0 ||
	    (slen = secret_read(argv[1], secret, err, sizeof(err))) < 0 ||
	    keys_derive(&keys, secret, (size_t)slen) < 0) {
		fprintf(stderr, "store_fill: %s\n", err);
		return 1;
	}
	session_init(&sess);
	if (session_set(&sess, "filled", 6, "1", 1) < 0)
		die("session");
	flen = RECORD_SLOTS * record_slot_size(record_version_len(&sess));
	if ((file = calloc(1, flen)) == NULL)
		die("calloc");
	if (mkdir(argv[2], 0700) < 0 && errno != EEXIST)
		die(argv[2]);
	for (long i = 0; i < count; i++) {
		/* Every count/expired-th record is an old one. */
		int old = expired > 0 && i * expired / count !=
		    (i + 1) * expired / count;
		time_t t = old ? now - age : now;
		struct timespec times[2] = { { t, 0 }, { t, 0 } };
		int fd;

		sess.created = (uint64_t)t;
		random_fill(id, sizeof(id));
		record_name(&keys, id, name);
		if (record_seal(file, &keys, id, &sess, 1) < 0)
			die("seal");
		snprintf(path, sizeof(path), "%s/%.2s", argv[2], name);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			die(path);
		snprintf(path, sizeof(path), "%s/%.2s/%s", argv[2], name, name);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
		    write(fd, file, flen) != (ssize_t)flen ||
		    futimens(fd, times) < 0 || close(fd) < 0)
			die(path);
	}
	session_free(&sess);
	free(file);
	return 0;
}
