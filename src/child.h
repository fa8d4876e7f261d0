/* child.h — run the CGI program: spawn, pump, timeout, kill, reap, and
 * kill whatever it leaves behind.  One program at a time per process. */
#ifndef SW_CHILD_H
#define SW_CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct child {
	pid_t pid;               /* also its process group id */
	int pidfd;               /* readable when the child has exited */
	int in_fd, out_fd, err_fd;
	int status;              /* wait status, once reaped */
	int reaped;
};

/* Start path with the given environment in a session and process group of
 * its own, working directory cwd, and exactly fds 0, 1, 2 (pipes to us).
 * Makes the caller a child subreaper (PR_SET_CHILD_SUBREAPER), so that the
 * program's orphans become its children.  0 or -1 (err). */
int child_spawn(struct child *c, const char *path, char *const envp[],
    const char *cwd, char *err, size_t errlen);

/* Where the request body comes from (callbacks get body_ctx) and where
 * the output goes (callbacks get ctx). */
struct pump_io {
	void *ctx, *body_ctx;
	/* Request body: poll body_fd for POLLIN; body_buffered() bytes can be
	 * read without blocking.  body_read() returns 1..n bytes, 0 at the
	 * end, -1 on error; when body_fd is readable it blocks at most for
	 * one fill of the transport's buffer. */
	int body_fd;
	size_t (*body_buffered)(void *ctx);
	long (*body_read)(void *ctx, char *buf, size_t n);
	/* Body bytes still due (of CONTENT_LENGTH): the transport counts
	 * them as body_read() gives them. */
	long long (*body_due)(void *ctx);
	/* After the body, body_fd becoming readable means the web server
	 * gave up on the request (connection closed or abort): the child is
	 * killed.  Set watch_abort to 0 where that does not hold (plain CGI). */
	int watch_abort;
	/* Child output.  on_stdout returns -1 to stop (client gone, or the
	 * response is already decided): the child is then killed. */
	int (*on_stdout)(void *ctx, const char *buf, size_t n);
	void (*on_stderr)(void *ctx, const char *buf, size_t n);
	/* Whether the answer can take more output now (body_ctx): while it
	 * cannot (the transport holds its limit), the child's output waits.
	 * When held bytes go out is the transport's business. */
	int (*room)(void *ctx);
	/* Answer bytes waiting to go out (body_ctx): when unflushed() says
	 * some do and the child has written nothing for a moment
	 * (2 ms), push() sends them, so a program that writes a line at a
	 * time streams, and one that writes fast or is about to end still
	 * goes out in big records.  NULL: nothing is buffered. */
	int (*unflushed)(void *ctx);
	int (*push)(void *ctx);
};

enum pump_result {
	PUMP_DONE,               /* stdout and stderr closed */
	PUMP_TIMEOUT,            /* deadline passed: child killed */
	PUMP_STOPPED,            /* on_stdout asked to stop: child killed */
	PUMP_ABORTED,            /* web server gave up: child killed */
	PUMP_ERROR,              /* body read error or poll failure: killed */
};

/* Move bytes both ways until the child closes stdout and stderr and the
 * whole body is in (the rest of it is read to nowhere), in one poll loop,
 * never blocking on one direction while the other waits.
 * deadline_ms is CLOCK_MONOTONIC milliseconds; when it passes with the
 * child done and only the body's rest missing, the result is PUMP_DONE. */
enum pump_result child_pump(struct child *c, struct pump_io *io,
    long long deadline_ms);

/* Wait for the child to exit until deadline_ms; then kill its group.
 * Fills c->status.  Returns 0 if it exited by itself, -1 if killed. */
int child_reap(struct child *c, long long deadline_ms);

/* Kill the child's whole process group (SIGKILL). */
void child_kill(struct child *c);

/* Close whatever pipes are open and reap a killed child.  Then kill and
 * reap every process the program left behind, even one that left its
 * process group and session (setsid, a double fork), a daemon started on
 * purpose too: every child of the caller outside the caller's session,
 * which no descendant of the program can join.  The caller's own children
 * (in its session) are left alone.  Safe to call twice. */
void child_cleanup(struct child *c);

#endif
