/* child.c — spawns the CGI program, moves its bytes, and kills what it
 * leaves behind.  No parsing here: output goes to the caller's callbacks
 * as it arrives. */
#include "child.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"

#define PUMP_CHUNK (64 * 1024)
#define PUSH_AFTER_MS 2      /* quiet child: send what is buffered */

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int
child_spawn(struct child *c, const char *path, char *const envp[],
    const char *cwd, char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[2] = { (char *)path, NULL };
	int rc;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->pidfd = c->in_fd = c->out_fd = c->err_fd = -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(er, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* posix_spawn (vfork-like, fast) with the glibc extensions that give
	 * the child its own session, its directory, and nothing but 0, 1, 2:
	 * every other descriptor we hold is O_CLOEXEC, and closefrom is the
	 * belt to those braces. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, er[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* A subreaper: whatever the program leaves (a process that called
	 * setsid(), a double fork) comes to us when its parent dies, not to
	 * init, and child_cleanup() can find it.  Cheap, and idempotent.
	 * (Failing, on a kernel older than 3.4, orphans go to init.) */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	rc = posix_spawn(&c->pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		c->pid = -1;
		snprintf(err, errlen, "cannot execute: %s", strerror(rc));
		goto fail;
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	close(in[0]);
	close(out[1]);
	close(er[1]);
	c->in_fd = in[1];
	c->out_fd = out[0];
	c->err_fd = er[0];
	fcntl(c->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&er[i]);
	}
	return -1;
}

void
child_kill(struct child *c)
{
	if (c->pid > 0 && !c->reaped)
		kill(-c->pid, SIGKILL);
}

/* Has the web server closed the connection or sent more than the body
 * (an abort)?  Only asked once the body is complete. */
static int
peer_gave_up(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0)
		return 1;
	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTSOCK;
	return 1;
}

/* Body bytes still due. */
static long long
due(struct pump_io *io)
{
	return io->body_due(io->body_ctx);
}

/* Read the next piece of the request body (no more than CONTENT_LENGTH)
 * into buf; *blen is what is to be written to the child (nothing when the
 * child closed its stdin: the body is drained to nowhere). */
static int
take_body(struct pump_io *io, char *buf, size_t size, int discard, size_t *blen)
{
	long long left = due(io);
	long got;

	if ((long long)size > left)
		size = (size_t)left;
	got = io->body_read(io->body_ctx, buf, size);
	if (got <= 0)
		return -1;
	*blen = discard ? 0 : (size_t)got;
	return 0;
}

/* The pump's state between two turns of its loop. */
struct pump {
	struct child *c;
	struct pump_io *io;
	enum pump_result res;           /* how it ends */
	char body[PUMP_CHUNK];          /* body bytes on their way in */
	size_t bstart, blen;
	int discard;    /* the child closed stdin: drain the body to nowhere */
	int body_eof;   /* the transport reported the end of the body */
	struct pollfd pfd[4];
	int n, i_body, i_in, i_out, i_err;
};

/* What is due before waiting: the end, body bytes the transport holds
 * already.  0 to wait, 1 to turn again, -1 to end (p->res says how).
 * The body keeps flowing, to nowhere once the child is gone: a web server
 * may send all of it before it reads a byte of the answer (Apache
 * mod_fcgid and mod_cgi do). */
static int
pump_before_wait(struct pump *p, long long now, long long deadline_ms)
{
	struct pump_io *io = p->io;
	struct child *c = p->c;

	if (c->out_fd < 0 && c->err_fd < 0 && due(io) <= 0)
		return -1;
	if (now >= deadline_ms) {
		/* The child is done; only the body's rest did not come in
		 * time: that is no fault of the child. */
		if (c->out_fd >= 0 || c->err_fd >= 0)
			p->res = PUMP_TIMEOUT;
		return -1;
	}
	/* Body bytes buffered by the transport first: poll cannot see them. */
	if (due(io) > 0 && p->blen == 0 &&
	    io->body_buffered(io->body_ctx) > 0) {
		if (take_body(io, p->body, sizeof(p->body), p->discard,
		        &p->blen) < 0) {
			p->res = PUMP_ERROR;
			return -1;
		}
		p->bstart = 0;
		return 1;
	}
	return 0;
}

/* Which fds this turn waits on: the body (once it is in: the end of the
 * stream, an abort), the child's stdin while body bytes wait for it, its
 * stdout while the answer has room, its stderr. */
static void
pump_fds(struct pump *p)
{
	struct pump_io *io = p->io;
	struct child *c = p->c;

	p->n = 0;
	p->i_body = p->i_in = p->i_out = p->i_err = -1;
	if (due(io) > 0 && p->blen == 0 && io->body_fd >= 0) {
		p->i_body = p->n;
		p->pfd[p->n++] = (struct pollfd){ io->body_fd, POLLIN, 0 };
	} else if (due(io) <= 0 && io->watch_abort && io->body_fd >= 0) {
		p->i_body = p->n;
		p->pfd[p->n++] = (struct pollfd){ io->body_fd,
		    POLLIN | POLLRDHUP, 0 };
	}
	if (p->blen > 0 && c->in_fd >= 0) {
		p->i_in = p->n;
		p->pfd[p->n++] = (struct pollfd){ c->in_fd, POLLOUT, 0 };
	}
	if (c->out_fd >= 0 && io->room(io->body_ctx)) {
		p->i_out = p->n;
		p->pfd[p->n++] = (struct pollfd){ c->out_fd, POLLIN, 0 };
	}
	if (c->err_fd >= 0) {
		p->i_err = p->n;
		p->pfd[p->n++] = (struct pollfd){ c->err_fd, POLLIN, 0 };
	}
}

/* Wait for the fds, at most wait ms.  Answer bytes waiting to go out
 * are pushed when the child has been quiet for PUSH_AFTER_MS: a program
 * that writes a line at a time is streamed, one that is about to end
 * sends all in one go.  poll's result (errno set on -1; 0 after a push:
 * the next turn asks again what to wait on, as sending may have made
 * room for the child's output), or -2 when the web server is gone. */
static int
pump_wait(struct pump *p, long long wait)
{
	struct pump_io *io = p->io;
	int rc;

	if (io->unflushed != NULL && io->unflushed(io->body_ctx)) {
		rc = poll(p->pfd, (nfds_t)p->n, wait < PUSH_AFTER_MS ? (int)wait :
		    PUSH_AFTER_MS);
		if (rc != 0)
			return rc;
		return io->push(io->body_ctx) < 0 ? -2 : 0;
	}
	return poll(p->pfd, (nfds_t)p->n, wait > 60000 ? 60000 : (int)wait);
}

/* The body's fd is readable: body bytes, or after the body the end of
 * the stream or an abort.  0, or -1 to end (p->res says how). */
static int
pump_body_in(struct pump *p)
{
	struct pump_io *io = p->io;
	long got;

	if (due(io) > 0) {
		if (take_body(io, p->body, sizeof(p->body), p->discard,
		        &p->blen) < 0) {
			p->res = PUMP_ERROR;
			return -1;
		}
		p->bstart = 0;
	} else if (!p->body_eof) {
		/* Whatever follows the body: normally the end marker of the
		 * stream (FastCGI's empty stdin record); bytes past
		 * CONTENT_LENGTH are dropped. */
		if ((got = io->body_read(io->body_ctx, p->body, 1)) < 0) {
			p->res = PUMP_ABORTED;
			return -1;
		}
		p->body_eof = got == 0;
	} else if (peer_gave_up(io->body_fd)) {
		p->res = PUMP_ABORTED;
		return -1;
	}
	return 0;
}

/* The child's stdin takes bytes. */
static void
pump_child_in(struct pump *p)
{
	ssize_t w = write(p->c->in_fd, p->body + p->bstart, p->blen);

	if (w > 0) {
		p->bstart += (size_t)w;
		p->blen -= (size_t)w;
	} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
		/* EPIPE: the child wants no more input.  That is its right;
		 * keep reading what it says. */
		close_fd(&p->c->in_fd);
		p->discard = 1;
		p->blen = 0;
	}
}

/* The child's stdout (or, with err, its stderr) has bytes or ended.  0,
 * or -1 when the answer cannot go on (p->res set). */
static int
pump_child_out(struct pump *p, int err)
{
	char buf[PUMP_CHUNK];
	int *fd = err ? &p->c->err_fd : &p->c->out_fd;
	ssize_t r = read(*fd, buf, sizeof(buf));

	if (r > 0) {
		if (err) {
			p->io->on_stderr(p->io->ctx, buf, (size_t)r);
		} else if (p->io->on_stdout(p->io->ctx, buf, (size_t)r) < 0) {
			p->res = PUMP_STOPPED;
			return -1;
		}
	} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
		close_fd(fd);
	}
	return 0;
}

/* What poll found ready, in order: body in, child's stdin, its stdout,
 * its stderr.  0, or -1 to end (p->res says how). */
static int
pump_ready(struct pump *p)
{
	struct child *c = p->c;

	if (p->i_body >= 0 && p->pfd[p->i_body].revents && pump_body_in(p) < 0)
		return -1;
	if (p->i_in >= 0 && p->pfd[p->i_in].revents)
		pump_child_in(p);
	if (c->in_fd >= 0 && due(p->io) <= 0 && p->blen == 0)
		close_fd(&c->in_fd);
	if (p->i_out >= 0 && p->pfd[p->i_out].revents && pump_child_out(p, 0) < 0)
		return -1;
	if (p->i_err >= 0 && p->pfd[p->i_err].revents)
		pump_child_out(p, 1);
	return 0;
}

enum pump_result
child_pump(struct child *c, struct pump_io *io, long long deadline_ms)
{
	struct pump p = { .c = c, .io = io, .res = PUMP_DONE };

	if (due(io) <= 0)
		close_fd(&c->in_fd);
	for (;;) {
		long long now = monotonic_ms();
		int rc = pump_before_wait(&p, now, deadline_ms);

		if (rc < 0)
			break;
		if (rc > 0)
			continue;
		pump_fds(&p);
		if ((rc = pump_wait(&p, deadline_ms - now)) == -2) {
			p.res = PUMP_STOPPED;      /* the web server is gone */
			break;
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			p.res = PUMP_ERROR;
			break;
		}
		if (pump_ready(&p) < 0)
			break;
	}
	close_fd(&c->in_fd);
	if (p.res != PUMP_DONE)
		child_kill(c);
	return p.res;
}

int
child_reap(struct child *c, long long deadline_ms)
{
	int killed = 0;

	if (c->pid <= 0 || c->reaped)
		return 0;
	if (c->pidfd >= 0) {
		struct pollfd p = { c->pidfd, POLLIN, 0 };
		long long left;
		/* At least one look, even with the deadline passed: a child
		 * that exited long ago must not be called killed. */
		do {
			left = deadline_ms - monotonic_ms();
			if (left < 0)
				left = 0;
			int rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
			if (rc > 0 || (rc < 0 && errno != EINTR))
				break;
		} while (left > 0);
		if (!(p.revents & POLLIN)) {
			child_kill(c);
			killed = 1;
		}
	}
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->reaped = 1;
	return killed ? -1 : 0;
}

/* Is process pid a leftover of a program: our child (the program's
 * orphans come to us, a subreaper) outside our session?  A program runs
 * in a session of its own, and none of its descendants can ever join ours
 * (a session is joined only by being born in it), while a process the
 * caller forked itself stays in ours. */
static int
is_leftover(long pid, pid_t self, pid_t own_session)
{
	char path[64], buf[512], *p;
	long ppid, session;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp session ...": comm may hold anything,
	 * ')' too; the fields after it are numbers. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %ld %*d %ld", &ppid, &session) != 2)
		return 0;
	return ppid == self && session != own_session;
}

/* Kill and reap every leftover of the programs run, generation by
 * generation: one killed hands its own children to us, found later in
 * the same pass or in the next one.  Fast when there is none: without
 * any child (the worker's case after its program is reaped) /proc is not
 * read.  A process in the middle of fork() when it gets SIGKILL never
 * completes it, so the rounds end unless the descendants keep being born
 * faster than a pass kills them: MAX_KILL_ROUNDS passes, and what is left
 * then is killed after the next request. */
static void
kill_leftovers(void)
{
	pid_t self = getpid(), own_session = getsid(0);

	for (int round = 0; round < MAX_KILL_ROUNDS; round++) {
		siginfo_t si;
		struct dirent *e;
		DIR *d;
		int found = 0;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
		    errno != EINTR)
			return;             /* ECHILD: no child at all */
		if ((d = opendir("/proc")) == NULL)
			return;
		while ((e = readdir(d)) != NULL) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (!isdigit((unsigned char)e->d_name[0]) || *end ||
			    !is_leftover(pid, self, own_session))
				continue;
			/* Ours until we reap it: the pid cannot be reused.  One
			 * we may not signal (run by a setuid helper) is only
			 * reaped once it has ended, never waited for. */
			if (kill((pid_t)pid, SIGKILL) < 0) {
				waitpid((pid_t)pid, NULL, WNOHANG);
				continue;
			}
			while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
				;
			found++;
		}
		closedir(d);
		if (found == 0)
			return;
	}
}

void
child_cleanup(struct child *c)
{
	close_fd(&c->in_fd);
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	if (c->pid > 0 && !c->reaped) {
		child_kill(c);
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->reaped = 1;
	}
	close_fd(&c->pidfd);
	kill_leftovers();
}
