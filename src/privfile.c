/* privfile.c — a file only its owner may read (privfile.h): opened
 * without following a symlink, checked on the open descriptor (no race
 * with a rename), read to its end or one byte past the limit. */
#include "privfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

long
privfile_read(const char *what, const char *path, char *buf, size_t max,
    char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0;
	long rc = -1;
	char extra;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s%s", what, path, strerror(errno),
		    errno == ELOOP ? " (symlinks are refused)" : "");
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s %s: group or others may access it "
		    "(mode %04o); chmod 600 it", what, path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	/* To the end, or one byte past max. */
	for (;;) {
		n = len < max ? read(fd, buf + len, max - len) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s %s: %s", what, path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (len == max) {
			snprintf(err, errlen, "%s %s: longer than %zu bytes", what,
			    path, max);
			rc = -2;
			goto out;
		}
		len += (size_t)n;
	}
	rc = (long)len;
out:
	close(fd);
	return rc;
}
