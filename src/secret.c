/* secret.c — secret files: read them strictly, write new ones.
 * A secret is the root of every key, so a file that anyone but its owner
 * may read or change is refused rather than trusted. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "sessions.h"

long
secret_read(const char *path, uint8_t buf[SECRET_MAX_LEN], char *err,
    size_t errlen)
{
	struct stat st;
	size_t len = 0;
	long rc = -1;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (symlinks are refused)" : "");
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "secret file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "secret file %s: group or others may access it "
		    "(mode %04o); chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < SECRET_MAX_LEN) {
		ssize_t n = read(fd, buf + len, SECRET_MAX_LEN - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "secret file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == SECRET_MAX_LEN) {
		uint8_t extra;
		if (read(fd, &extra, 1) != 0) {
			snprintf(err, errlen, "secret file %s: longer than %d bytes",
			    path, SECRET_MAX_LEN);
			goto out;
		}
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < SECRET_MIN_LEN) {
		snprintf(err, errlen, "secret file %s: %zu bytes, at least %d needed "
		    "(make one with sessionwrap --keygen)", path, len, SECRET_MIN_LEN);
		goto out;
	}
	rc = (long)len;
out:
	if (rc < 0)
		wipe(buf, SECRET_MAX_LEN);
	close(fd);
	return rc;
}

int
secret_generate(const char *path, char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[32];
	char text[2 * sizeof(raw) + 1];
	size_t off = 0;
	int fd, rc = -1;

	if (crypto_setup() < 0) {
		snprintf(err, errlen, "secret file %s: libsodium cannot start", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (an existing secret is never overwritten)" : "");
		return -1;
	}
	random_fill(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++) {
		text[2 * i] = hex[raw[i] >> 4];
		text[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	text[sizeof(text) - 1] = '\n';
	if (fchmod(fd, 0600) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	while (off < sizeof(text)) {
		ssize_t n = write(fd, text + off, sizeof(text) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "secret file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	wipe(raw, sizeof(raw));
	wipe(text, sizeof(text));
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(path);
	return rc;
}
