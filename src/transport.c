/* transport.c — the two ways a request arrives.  FastCGI goes through
 * libfcgi's streams; plain CGI uses the process environment and fds 0-2. */
#include "transport.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void
transport_fcgi(struct transport *t, FCGX_Request *req)
{
	memset(t, 0, sizeof(*t));
	t->fcgi = req;
	t->envp = req->envp;
	/* libfcgi keeps the connection in a field it calls private; it is
	 * the only way to poll the request body. */
	t->body_fd = req->ipcFd;
	t->watch_abort = 1;
}

void
transport_cgi(struct transport *t, char **environ_)
{
	memset(t, 0, sizeof(*t));
	t->envp = environ_;
	t->body_fd = STDIN_FILENO;
	t->watch_abort = 0;
}

const char *
transport_param(const struct transport *t, const char *name)
{
	size_t n = strlen(name);

	for (char **p = t->envp; p && *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

/* libfcgi reads the socket in 8 KiB gulps and shows the caller one
 * record's content at a time (rdNext..stop); the rest of the gulp waits in
 * its private stream data, where poll() cannot see it.  This mirrors the
 * head of that private struct (fcgiapp.c, the same layout since libfcgi
 * 2.4.0) to ask how much is there.  A pointer back to our own request
 * guards the mirror: if it does not match, we fall back to the public
 * fields and the pump then waits on the socket instead. */
struct fcgx_stream_data_mirror {
	unsigned char *buff;
	int bufflen;
	unsigned char *mBuff;
	unsigned char *buffStop;
	int type, eorStop, skip, contentLen, paddingLen, isAnythingWritten,
	    rawWrite;
	FCGX_Request *reqDataPtr;
};

size_t
transport_body_buffered(void *tp)
{
	struct transport *t = tp;
	const struct fcgx_stream_data_mirror *d;
	FCGX_Stream *in;
	size_t n = 0;

	if (!t->fcgi)
		return 0;
	in = t->fcgi->in;
	if (in->isClosed)
		return 0;
	if (in->stop > in->rdNext)
		n = (size_t)(in->stop - in->rdNext);
	d = in->data;
	if (d && d->reqDataPtr == t->fcgi && d->buffStop > in->stop &&
	    d->buffStop <= d->buff + d->bufflen)
		n += (size_t)(d->buffStop - in->stop);
	return n;
}

long
transport_body_read(void *tp, char *buf, size_t n)
{
	struct transport *t = tp;
	FCGX_Stream *in;
	size_t visible;
	int got;

	if (!t->fcgi) {
		ssize_t r;
		while ((r = read(STDIN_FILENO, buf, n)) < 0 && errno == EINTR)
			;
		return r;
	}
	/* FCGX_GetStr blocks until it has all it was asked for: ask for the
	 * visible bytes of the current record, or for one byte, which costs
	 * at most one fill of its buffer, then for what that made visible. */
	in = t->fcgi->in;
	visible = in->stop > in->rdNext ? (size_t)(in->stop - in->rdNext) : 0;
	got = FCGX_GetStr(buf, (int)(visible ? (visible < n ? visible : n) : 1), in);
	if (got == 0)
		return FCGX_GetError(in) != 0 ? -1 : 0;
	if (visible == 0 && n > 1 && in->stop > in->rdNext) {
		visible = (size_t)(in->stop - in->rdNext);
		if (visible > n - 1)
			visible = n - 1;
		got += FCGX_GetStr(buf + 1, (int)visible, in);
	}
	return got;
}

int
transport_write(struct transport *t, const char *buf, size_t n)
{
	if (t->failed)
		return -1;
	if (t->fcgi) {
		while (n > 0) {
			int chunk = n > (1 << 30) ? (1 << 30) : (int)n;
			if (FCGX_PutStr(buf, chunk, t->fcgi->out) != chunk) {
				t->failed = 1;
				return -1;
			}
			buf += chunk;
			n -= (size_t)chunk;
		}
		return 0;
	}
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			t->failed = 1;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

void
transport_log(struct transport *t, const char *buf, size_t n)
{
	if (t->fcgi) {
		FCGX_PutStr(buf, (int)n, t->fcgi->err);
		FCGX_FFlush(t->fcgi->err);
	} else {
		ssize_t w = write(STDERR_FILENO, buf, n);
		(void)w;
	}
}

void
transport_flush(struct transport *t)
{
	if (t->fcgi && !t->failed && FCGX_FFlush(t->fcgi->out) < 0)
		t->failed = 1;
}
