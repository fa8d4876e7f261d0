/* spool.c — bytes held in order: the oldest in memory, the overflow in an
 * unlinked file that nobody else can open (O_TMPFILE, mode 0600). */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
spool_init(struct spool *s, const char *dir, size_t mem_max)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->mem_max = mem_max;
	s->fd = -1;
}

const char *
spool_tmpdir(void)
{
	static const char *dir;

	if (!dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	return dir;
}

long long
spool_len(const struct spool *s)
{
	return (long long)s->len + (s->wpos - s->rpos);
}

static int
open_overflow(struct spool *s, char *err, size_t errlen)
{
	s->fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* A file system without O_TMPFILE: a private name, gone at once. */
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/sessionwrap-spool-XXXXXX",
		    s->dir);
		if (n > 0 && (size_t)n < sizeof(path) &&
		    (s->fd = mkostemp(path, O_CLOEXEC)) >= 0)
			unlink(path);
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot make a temporary file in %s: %s",
		    s->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Room for need bytes from mem[0]: the memory grows as it is used (most
 * answers held are small), doubling, up to mem_max unless more is needed
 * (spool_prepend).  0, or -1 out of memory (nothing changed). */
static int
grow(struct spool *s, size_t need, char *err, size_t errlen)
{
	size_t cap = s->cap ? s->cap : SPOOL_FIRST_ALLOC;
	char *mem;

	if (need <= s->cap)
		return 0;
	while (cap < need && cap < s->mem_max)
		cap *= 2;
	if (cap > s->mem_max)
		cap = s->mem_max;
	if (cap < need)
		cap = need;
	if (!(mem = realloc(s->mem, cap))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->mem = mem;
	s->cap = cap;
	return 0;
}

int
spool_put(struct spool *s, const char *buf, size_t n, char *err, size_t errlen)
{
	size_t done = 0;

	if (s->rpos == s->wpos && s->len + n <= s->mem_max) {
		if (s->start + s->len + n > s->cap) {
			if (s->len)
				memmove(s->mem, s->mem + s->start, s->len);
			s->start = 0;
			if (grow(s, s->len + n, err, errlen) < 0)
				return -1;
		}
		if (n)
			memcpy(s->mem + s->start + s->len, buf, n);
		s->len += n;
		return 0;
	}
	if (s->fd < 0 && open_overflow(s, err, errlen) < 0)
		return -1;
	while (done < n) {
		ssize_t w = pwrite(s->fd, buf + done, n - done, s->wpos + (long long)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write a temporary file in %s: %s",
			    s->dir, w < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		done += (size_t)w;
	}
	s->wpos += (long long)n;
	return 0;
}

int
spool_front(struct spool *s, const char **p, size_t *n, char *err,
    size_t errlen)
{
	if (s->len == 0 && s->rpos < s->wpos) {
		long long want = s->wpos - s->rpos;
		ssize_t r;

		if (want > (long long)s->mem_max)
			want = (long long)s->mem_max;
		if (grow(s, (size_t)want, err, errlen) < 0)
			return -1;
		while ((r = pread(s->fd, s->mem, (size_t)want, s->rpos)) < 0 &&
		    errno == EINTR)
			;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read a temporary file in %s: %s",
			    s->dir, r < 0 ? strerror(errno) : "it is shorter than written");
			return -1;
		}
		s->start = 0;
		s->len = (size_t)r;
		s->rpos += r;
		if (s->rpos == s->wpos)
			s->rpos = s->wpos = 0;   /* the file is empty: start over */
	}
	*p = s->mem + s->start;
	*n = s->len;
	return 0;
}

int
spool_prepend(struct spool *s, const char *buf, size_t n, char *err,
    size_t errlen)
{
	if (n <= s->start) {
		s->start -= n;
	} else {
		if (grow(s, s->len + n, err, errlen) < 0)
			return -1;
		if (s->len)
			memmove(s->mem + n, s->mem + s->start, s->len);
		s->start = 0;
	}
	if (n)
		memcpy(s->mem + s->start, buf, n);
	s->len += n;
	return 0;
}

void
spool_drop(struct spool *s, size_t n)
{
	if (n > s->len)
		n = s->len;
	s->start += n;
	s->len -= n;
	if (s->len == 0)
		s->start = 0;
}

void
spool_clear(struct spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->rpos = s->wpos = 0;
	s->start = s->len = 0;
}

void
spool_free(struct spool *s)
{
	free(s->mem);
	if (s->fd >= 0)
		close(s->fd);
	spool_init(s, s->dir, s->mem_max);
}
