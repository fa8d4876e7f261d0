/* spool.h — a first-in first-out store of bytes that starts in memory and
 * overflows into an unlinked temporary file: the answer the transport
 * holds back (transport.h says why). */
#ifndef SW_SPOOL_H
#define SW_SPOOL_H

#include <stddef.h>

/* The first allocation; it doubles as bytes come, up to mem_max. */
#define SPOOL_FIRST_ALLOC  (16 * 1024)

struct spool {
	const char *dir;         /* where the overflow file is made */
	size_t mem_max;          /* memory used before the file */
	char *mem;               /* the oldest bytes: mem[start..start+len) */
	size_t cap;              /* bytes allocated at mem (grows) */
	size_t start, len;
	int fd;                  /* the newer bytes: file [rpos..wpos) */
	long long rpos, wpos;
};

void spool_init(struct spool *s, const char *dir, size_t mem_max);

/* Where overflow files go: TMPDIR, else /tmp (looked up once: the
 * environment does not change while we serve). */
const char *spool_tmpdir(void);

/* Bytes held. */
long long spool_len(const struct spool *s);

/* Append n bytes.  0, or -1 with err filled (nothing appended). */
int spool_put(struct spool *s, const char *buf, size_t n, char *err,
    size_t errlen);

/* Put n bytes ahead of every byte held (a header block that is known
 * only after the body it heads was held).  They stay in memory, which may
 * pass mem_max by n.  0, or -1 out of memory (nothing changed). */
int spool_prepend(struct spool *s, const char *buf, size_t n, char *err,
    size_t errlen);

/* The oldest bytes held, in one piece (*n > 0 unless empty): 0, or -1
 * with err filled when the file cannot be read. */
int spool_front(struct spool *s, const char **p, size_t *n, char *err,
    size_t errlen);

/* Forget the first n bytes of what spool_front gave. */
void spool_drop(struct spool *s, size_t n);

/* Release the memory and the file; the spool is empty again. */
void spool_free(struct spool *s);

/* Empty it, and close its file, but keep its memory for the next use:
 * one held back on every request need not be allocated every time. */
void spool_clear(struct spool *s);

#endif
