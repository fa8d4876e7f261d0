/* fcgi_conn.h — one FastCGI connection: its head (BEGIN_REQUEST and
 * params) read under a deadline and within limits, handed to libfcgi for
 * the body and the answer, cut at the request's deadline, closed in
 * bounded time. */
#ifndef SW_FCGI_CONN_H
#define SW_FCGI_CONN_H

#include <fcgiapp.h>
#include <signal.h>
#include <stddef.h>

#include "fcgi_params.h"

/* Buffers for one head at a time, allocated once per worker. */
struct fcgi_head {
	unsigned char *buf;          /* the PARAMS stream */
	struct fcgi_param *params;
	char *strings;               /* "NAME=value" strings of envp */
	char **envp;                 /* the request's params, NULL-terminated */
	unsigned id;                 /* its request id */
};

int fcgi_head_init(struct fcgi_head *h);
void fcgi_head_free(struct fcgi_head *h);

enum fcgi_head_result {
	HEAD_OK,
	HEAD_GONE,                   /* the peer closed or aborted: nothing to say */
	HEAD_TIMEOUT,                /* not all in by the deadline */
	HEAD_REFUSED,                /* over a limit: answer with 431 */
	HEAD_BAD,                    /* not FastCGI as we speak it */
	HEAD_STOP,                   /* *stop was set (SIGTERM) */
};

/* Read the head from fd, never a byte past the params' end record (the
 * body follows), within secs seconds, waiting with
 * waitmask as the signal mask; *stop set by a signal ends the wait.
 * Otherwise than HEAD_OK, err says why (naming the peer if it has an
 * address). */
enum fcgi_head_result fcgi_head_read(struct fcgi_head *h, int fd,
    int secs, const sigset_t *waitmask,
    volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Answer request h->id with an HTTP error status; never blocks. */
void fcgi_head_refuse(const struct fcgi_head *h, int fd, int status);

/* Have libfcgi take over fd, whose head has been read, as request h->id:
 * *req as FCGX_Accept_r leaves it (its envp is not ours: use h->envp).
 * 0, or -1 (fd is closed then). */
int fcgi_conn_start(FCGX_Request *req, int fd, const struct fcgi_head *h);

/* End the request: libfcgi's last records, then the close. */
void fcgi_conn_finish(FCGX_Request *req);

/* Close a connection: our side's end first, then what the peer still
 * sends is read and dropped, for DRAIN_TIME seconds and DRAIN_MAX bytes
 * at most. */
void fcgi_conn_close(int fd);

/* The deadline guard of the connection in hand.  Past deadline_ms, a
 * read or write of the connection that blocks (between busy(1) and
 * busy(0)) is cut at once: the connection is shut down, every further
 * read ends and every write fails.  One that starts later is cut
 * CUT_GRACE seconds after the deadline. */
void fcgi_guard_arm(int fd, long long deadline_ms);
void fcgi_guard_busy(int busy);
int fcgi_guard_cut(void);
void fcgi_guard_disarm(void);

#endif
