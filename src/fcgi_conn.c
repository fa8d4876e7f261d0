/* fcgi_conn.c — one FastCGI connection around libfcgi.  We read the head
 * ourselves (libfcgi reads it with no deadline and no limit), then hand
 * libfcgi the connection for the body and the answer: it has no other
 * way in than FCGX_Accept_r, so that reads a copy of the head, reduced to
 * BEGIN_REQUEST and an empty PARAMS record, from a pipe, and the real
 * connection takes the pipe's place.  At the request's deadline a
 * blocked read or write is cut (SIGALRM: libfcgi's reads and writes are
 * plain blocking calls out of our reach), and the close is bounded (that
 * of libfcgi waits for the peer to close, with no limit). */
#include "fcgi_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"

int
fcgi_head_init(struct fcgi_head *h)
{
	memset(h, 0, sizeof(*h));
	/* The stream may pass the limit by one record's content before
	 * the parser sees it. */
	h->buf = malloc(MAX_PARAMS_TOTAL + 65536);
	h->params = malloc(sizeof(*h->params) * MAX_PARAMS);
	/* Each pair has two length bytes at least: its "NAME=value\0" fits
	 * in the size of the pair. */
	h->strings = malloc(MAX_PARAMS_TOTAL);
	h->envp = malloc(sizeof(*h->envp) * (MAX_PARAMS + 1));
	return h->buf && h->params && h->strings && h->envp ? 0 : -1;
}

void
fcgi_head_free(struct fcgi_head *h)
{
	free(h->buf);
	free(h->params);
	free(h->strings);
	free(h->envp);
}

/* " from 127.0.0.1:4242", " from pid 42": who is at the other end. */
static void
peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
			snprintf(buf, len, " from %s:%u", a, ntohs(in->sin_port));
			return;
		}
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
			snprintf(buf, len, " from [%s]:%u", a, ntohs(in6->sin6_port));
			return;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 &&
	    cred.pid > 0)
		snprintf(buf, len, " from pid %ld", (long)cred.pid);
}

/* Exactly n bytes into buf (NULL: dropped), waiting until deadline_ms. */
static enum fcgi_head_result
get(int fd, unsigned char *buf, size_t n, long long deadline_ms,
    const sigset_t *waitmask, volatile sig_atomic_t *stop)
{
	unsigned char trash[1024];

	while (n > 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline_ms - monotonic_ms();
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
		size_t want = buf || n < sizeof(trash) ? n : sizeof(trash);
		ssize_t r;
		int rc;

		if (*stop)
			return HEAD_STOP;
		if (left <= 0)
			return HEAD_TIMEOUT;
		rc = ppoll(&p, 1, &ts, waitmask);
		if (*stop)
			return HEAD_STOP;
		if (rc < 0 && errno != EINTR)
			return HEAD_GONE;
		if (rc <= 0)
			continue;
		/* Never more than asked for: what follows the head is the
		 * body, for libfcgi to read. */
		r = read(fd, buf ? buf : trash, want);
		if (r == 0)
			return HEAD_GONE;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return HEAD_GONE;
		}
		if (buf)
			buf += r;
		n -= (size_t)r;
	}
	return HEAD_OK;
}

/* The envp of the parsed pairs. */
static void
build_envp(struct fcgi_head *h, size_t n)
{
	char *s = h->strings;

	for (size_t i = 0; i < n; i++) {
		const struct fcgi_param *p = &h->params[i];
		h->envp[i] = s;
		memcpy(s, p->name, p->nlen);
		s[p->nlen] = '=';
		memcpy(s + p->nlen + 1, p->value, p->vlen);
		s[p->nlen + 1 + p->vlen] = '\0';
		s += p->nlen + p->vlen + 2;
	}
	h->envp[n] = NULL;
}

enum fcgi_head_result
fcgi_head_read(struct fcgi_head *h, int fd, int secs,
    const sigset_t *waitmask, volatile sig_atomic_t *stop, char *err,
    size_t errlen)
{
	long long deadline_ms = monotonic_ms() + secs * 1000LL;
	unsigned char hdr[FCGI_HEADER_LEN], body[8];
	struct fcgi_params_error pe;
	size_t have = 0, pos = 0, n = 0;
	int begun = 0;
	enum fcgi_head_result res;
	char peer[80], text[300];

	for (;;) {
		struct fcgi_record r;

		if ((res = get(fd, hdr, sizeof(hdr), deadline_ms, waitmask,
		    stop)) != HEAD_OK)
			break;
		if (fcgi_record_decode(hdr, &r) < 0) {
			snprintf(text, sizeof(text), "not FastCGI (version %u)", hdr[0]);
			res = HEAD_BAD;
			break;
		}
		if (!begun && r.type == FCGI_BEGIN_REQUEST && r.id != 0) {
			if (r.clen != sizeof(body)) {
				snprintf(text, sizeof(text), "BEGIN_REQUEST of %zu bytes",
				    r.clen);
				res = HEAD_BAD;
				break;
			}
			if ((res = get(fd, body, sizeof(body), deadline_ms, waitmask,
			    stop)) != HEAD_OK ||
			    (res = get(fd, NULL, r.plen, deadline_ms, waitmask,
			    stop)) != HEAD_OK)
				break;
			if (fcgi_begin_role(body, sizeof(body)) != FCGI_RESPONDER) {
				snprintf(text, sizeof(text), "role %d, not responder",
				    fcgi_begin_role(body, sizeof(body)));
				res = HEAD_BAD;
				break;
			}
			h->id = r.id;
			begun = 1;
			continue;
		}
		if (begun && r.id == h->id && r.type == FCGI_ABORT_REQUEST) {
			res = HEAD_GONE;
			break;
		}
		/* Management records (request id 0) and other requests' (we
		 * take one request per connection): skipped, as libfcgi does
		 * with the latter. */
		if (!(begun && r.id == h->id && r.type == FCGI_PARAMS)) {
			if (r.id != 0 && (!begun || r.id == h->id)) {
				snprintf(text, sizeof(text), "record type %u %s", r.type,
				    begun ? "among the params" : "before BEGIN_REQUEST");
				res = HEAD_BAD;
				break;
			}
			if ((res = get(fd, NULL, r.clen + r.plen, deadline_ms,
			    waitmask, stop)) != HEAD_OK)
				break;
			continue;
		}
		if ((res = get(fd, h->buf + have, r.clen, deadline_ms, waitmask,
		    stop)) != HEAD_OK ||
		    (res = get(fd, NULL, r.plen, deadline_ms, waitmask,
		    stop)) != HEAD_OK)
			break;
		have += r.clen;
		if (fcgi_params_parse(h->buf, have, &pos, r.clen == 0, h->params,
		    &n, &pe) < 0) {
			fcgi_params_error_text(&pe, text, sizeof(text));
			res = pe.fault == FCGI_PARAMS_CUT ? HEAD_BAD : HEAD_REFUSED;
			break;
		}
		if (r.clen == 0) {
			build_envp(h, n);
			return HEAD_OK;
		}
	}
	peer_name(fd, peer, sizeof(peer));
	switch (res) {
	case HEAD_TIMEOUT:
		snprintf(err, errlen, "FastCGI connection%s: the request's params "
		    "did not come in within %ds (%s, %zu bytes of params); closed",
		    peer, secs, begun ? "begun" : "no BEGIN_REQUEST", have);
		break;
	case HEAD_REFUSED:
		snprintf(err, errlen, "FastCGI request%s refused (431): %s", peer,
		    text);
		break;
	case HEAD_BAD:
		snprintf(err, errlen, "FastCGI connection%s: %s; closed", peer, text);
		break;
	default:
		snprintf(err, errlen, "FastCGI connection%s: closed by the peer "
		    "before its params were in", peer);
		break;
	}
	return res;
}

void
fcgi_head_refuse(const struct fcgi_head *h, int fd, int status)
{
	unsigned char rec[512];
	const char *reason = status == 431 ? "Request Header Fields Too Large" :
	    "Bad Request";
	int n = snprintf((char *)rec + FCGI_HEADER_LEN, 256,
	    "Status: %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n%d %s\n", status, reason, status,
	    reason);
	size_t len = FCGI_HEADER_LEN + (size_t)n;

	fcgi_record_encode(rec, FCGI_STDOUT, h->id, (size_t)n, 0);
	fcgi_record_encode(rec + len, FCGI_STDOUT, h->id, 0, 0);
	len += FCGI_HEADER_LEN;
	fcgi_record_encode(rec + len, FCGI_END_REQUEST, h->id, 8, 0);
	len += FCGI_HEADER_LEN;
	memset(rec + len, 0, 8);       /* app status 0, request complete */
	len += 8;
	/* A peer that reads nothing cannot hold us: an empty socket buffer
	 * takes this, or it is dropped. */
	(void)send(fd, rec, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int
fcgi_conn_start(FCGX_Request *req, int fd, const struct fcgi_head *h)
{
	unsigned char rec[3 * FCGI_HEADER_LEN];
	int p[2];

	fcgi_record_encode(rec, FCGI_BEGIN_REQUEST, h->id, 8, 0);
	memset(rec + FCGI_HEADER_LEN, 0, 8);
	rec[FCGI_HEADER_LEN + 1] = FCGI_RESPONDER;   /* flags 0: we close */
	fcgi_record_encode(rec + 2 * FCGI_HEADER_LEN, FCGI_PARAMS, h->id, 0, 0);
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	if (write(p[1], rec, sizeof(rec)) != (ssize_t)sizeof(rec)) {
		close(p[0]);
		close(p[1]);
		close(fd);
		return -1;
	}
	close(p[1]);
	req->ipcFd = p[0];
	req->keepConnection = 1;   /* so Accept_r does not close it first */
	/* It reads the 24 bytes in one go, so its buffer is empty after: its
	 * next read, of the body, is the connection's. */
	if (FCGX_Accept_r(req) != 0 || req->ipcFd != p[0] ||
	    dup3(fd, p[0], O_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* --- the deadline guard --- */

static volatile sig_atomic_t guard_fd = -1, guard_busy, guard_late, guard_cut;

static void
set_timer(long long ms)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	if (ms > 0) {
		it.it_value.tv_sec = ms / 1000;
		it.it_value.tv_usec = (ms % 1000) * 1000;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

/* At the deadline: cut a blocked read or write now; otherwise give what
 * is still to be written (the 504, the last records) CUT_GRACE seconds.  The
 * shutdown ends every read and write on the connection, those in
 * progress too (SA_RESTART: a restarted write fails, a read ends). */
static void
on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (guard_fd >= 0 && !guard_cut) {
		if (guard_busy || guard_late) {
			shutdown(guard_fd, SHUT_RDWR);
			guard_cut = 1;
		} else {
			guard_late = 1;
			set_timer(CUT_GRACE * 1000LL);
		}
	}
	errno = saved;
}

void
fcgi_guard_arm(int fd, long long deadline_ms)
{
	static int installed;
	long long left = deadline_ms - monotonic_ms();

	if (!installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		installed = 1;
	}
	guard_busy = guard_late = guard_cut = 0;
	guard_fd = fd;
	set_timer(left > 0 ? left : 1);
}

void
fcgi_guard_busy(int busy)
{
	guard_busy = busy;
}

int
fcgi_guard_cut(void)
{
	return guard_cut;
}

void
fcgi_guard_disarm(void)
{
	set_timer(0);
	guard_fd = -1;
}

/* --- the close --- */

void
fcgi_conn_close(int fd)
{
	long long end = monotonic_ms() + DRAIN_TIME * 1000LL;
	size_t got = 0;
	char trash[4096];

	/* Reading what still comes keeps our answer from being lost: a
	 * socket closed with unread input resets the connection. */
	if (shutdown(fd, SHUT_WR) == 0) {
		while (got < DRAIN_MAX) {
			struct pollfd p = { fd, POLLIN, 0 };
			long long left = end - monotonic_ms();
			ssize_t r;

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			if ((r = read(fd, trash, sizeof(trash))) <= 0)
				break;
			got += (size_t)r;
		}
	}
	close(fd);
}

void
fcgi_conn_finish(FCGX_Request *req)
{
	int keep = req->ipcFd >= 0 ? fcntl(req->ipcFd, F_DUPFD_CLOEXEC, 3) : -1;

	/* The guard follows the connection to the copy; libfcgi closes its
	 * own descriptor plainly (detached), we close the copy. */
	if (guard_fd >= 0 && keep >= 0)
		guard_fd = keep;
	req->keepConnection = 0;
	req->detached = 1;
	FCGX_Finish_r(req);
	fcgi_guard_disarm();
	if (keep >= 0)
		fcgi_conn_close(keep);
}
