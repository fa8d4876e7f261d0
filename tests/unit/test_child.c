/* test_child.c — the pump with a real child and a body arriving late
 * through a pipe: the answer held back while the body comes in stays
 * under its limit (the child's output waits), the pump sends nothing of
 * it while the body is due, and the body keeps flowing after the child
 * is gone.  And what a
 * program leaves behind outside its process group is killed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "clock.h"

/* A stand-in for the transport: output counts as held while body bytes
 * are due, and what is held goes out with the next write or push after
 * that, as in transport.c. */
struct fake {
	long long body_left;     /* the transport's view */
	int body_fd;
	int hold_nothing;        /* output is never held (a GET) */
	long long max_held;      /* room() says no from here */
	long long held, max_seen, out_total, sent_held;
	long long pump_ms;       /* how long child_pump took */
	int sent_with_body_due;
	int track_push;          /* count pushes of buffered output */
	int unflushed, pushes;
	long long out_at_first_push;
	char tail[64];
	size_t taillen;
};

static long
fake_read(void *ctx, char *buf, size_t n)
{
	struct fake *f = ctx;
	ssize_t r = read(f->body_fd, buf, n);

	if (r > 0)
		f->body_left -= r;
	return r;
}

static long long
fake_due(void *ctx)
{
	return ((struct fake *)ctx)->body_left;
}

static size_t
fake_buffered(void *ctx)
{
	(void)ctx;
	return 0;
}

/* What is held goes out (only once the body is in, or it is a fault). */
static void
send_held(struct fake *f)
{
	if (f->held > 0 && f->body_left > 0)
		f->sent_with_body_due = 1;
	f->sent_held += f->held;
	f->held = 0;
}

static int
fake_stdout(void *ctx, const char *buf, size_t n)
{
	struct fake *f = ctx;

	f->out_total += (long long)n;
	f->unflushed = 1;
	if (f->body_left > 0 && !f->hold_nothing) {
		f->held += (long long)n;
		if (f->held > f->max_seen)
			f->max_seen = f->held;
	} else {
		send_held(f);
	}
	/* keep the last bytes: the child's last words */
	for (size_t i = 0; i < n; i++) {
		if (f->taillen == sizeof(f->tail) - 1) {
			memmove(f->tail, f->tail + 1, f->taillen - 1);
			f->taillen--;
		}
		f->tail[f->taillen++] = buf[i];
	}
	f->tail[f->taillen] = '\0';
	return 0;
}

static void
fake_stderr(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
}

static int
fake_room(void *ctx)
{
	struct fake *f = ctx;

	return f->held < f->max_held;
}

static int
fake_unflushed(void *ctx)
{
	struct fake *f = ctx;

	return (f->track_push && f->unflushed) ||
	    (f->body_left <= 0 && f->held > 0);
}

static int
fake_push(void *ctx)
{
	struct fake *f = ctx;

	if (f->pushes++ == 0)
		f->out_at_first_push = f->out_total;
	f->unflushed = 0;
	if (f->body_left <= 0)
		send_held(f);
	return 0;
}

static char script[64];

static void
write_script(const char *text)
{
	int fd;

	snprintf(script, sizeof(script), "/tmp/test_child.XXXXXX");
	fd = mkstemp(script);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, 0700);
	close(fd);
}

/* A writer process: the body, len bytes, after delay_ms. */
static pid_t
late_body(int *rfd, size_t len, int delay_ms)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		close(p[0]);
		memset(buf, 'b', sizeof(buf));
		usleep((useconds_t)delay_ms * 1000);
		while (len > 0) {
			size_t n = len < sizeof(buf) ? len : sizeof(buf);
			if (write(p[1], buf, n) != (ssize_t)n)
				_exit(1);
			len -= n;
		}
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static enum pump_result
run_until(struct fake *f, long long body, long long max_held, pid_t writer,
    int *writer_status, int timeout_ms)
{
	static char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct child c;
	char err[200];
	enum pump_result pr;
	struct pump_io io = {
		.ctx = f, .body_ctx = f,
		.body_fd = f->body_fd,
		.body_buffered = fake_buffered,
		.body_read = fake_read,
		.body_due = fake_due,
		.watch_abort = 0,
		.on_stdout = fake_stdout,
		.on_stderr = fake_stderr,
		.room = fake_room,
		.unflushed = fake_unflushed,
		.push = fake_push,
	};

	f->body_left = body;
	f->max_held = max_held;
	assert_int_equal(child_spawn(&c, script, envp, "/", err, sizeof(err)), 0);
	f->pump_ms = monotonic_ms();
	pr = child_pump(&c, &io, f->pump_ms + timeout_ms);
	f->pump_ms = monotonic_ms() - f->pump_ms;
	child_reap(&c, monotonic_ms() + 5000);
	child_cleanup(&c);
	close(f->body_fd);        /* a writer still blocked fails now */
	waitpid(writer, writer_status, 0);
	unlink(script);
	return pr;
}

static enum pump_result
run(struct fake *f, long long body, long long max_held, pid_t writer,
    int *writer_status)
{
	return run_until(f, body, max_held, writer, writer_status, 20000);
}

/* The child writes 1 MiB before it reads a body that comes 300 ms late:
 * held output stops at the limit (plus one read), and all of it and the
 * child's answer come out once the body is in.  (The body fits in the
 * child's stdin pipe: one that did not could never be all passed on
 * while the child, blocked on its output, reads none of it -- with the
 * limit at 128 KiB here; in use it is MAX_HELD.) */
static void
test_held_output_waits_at_its_limit(void **state)
{
	struct fake f;
	int ws;
	pid_t w;

	(void)state;
	memset(&f, 0, sizeof(f));
	write_script("#!/bin/sh\nhead -c 1048576 /dev/zero\nprintf 'read=%s' $(wc -c)\n");
	w = late_body(&f.body_fd, 60000, 300);
	assert_int_equal(run(&f, 60000, 128 * 1024, w, &ws), PUMP_DONE);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_true(f.max_seen >= 128 * 1024);
	assert_true(f.max_seen <= 128 * 1024 + 64 * 1024);
	assert_int_equal(f.sent_with_body_due, 0);
	assert_int_equal(f.out_total, 1048576 + 10);
	assert_string_equal(f.tail + f.taillen - 10, "read=60000");
}

/* The child answers and exits without reading; the body comes 300 ms
 * later and is bigger than a pipe holds: the pump drains it all, sending
 * nothing while it comes, and ends with the answer still held for the
 * transport to send (transport_flush).  With hold_nothing no output is
 * held, and still the whole body is read first. */
static void
drain_after_exit(int hold_nothing)
{
	struct fake f;
	int ws;
	pid_t w;

	memset(&f, 0, sizeof(f));
	f.hold_nothing = hold_nothing;
	write_script("#!/bin/sh\nprintf 'Status: 200\\r\\n\\r\\nbye'\n");
	w = late_body(&f.body_fd, 500000, 300);
	assert_int_equal(run(&f, 500000, 1 << 30, w, &ws), PUMP_DONE);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_int_equal(f.body_left, 0);
	assert_int_equal(f.out_total, 18);
	assert_int_equal(f.held, hold_nothing ? 0 : 18);
	assert_int_equal(f.sent_held, 0);
	assert_int_equal(f.sent_with_body_due, 0);
}

static void
test_body_drained_after_the_child_is_gone(void **state)
{
	(void)state;
	drain_after_exit(0);
}

static void
test_body_drained_when_nothing_is_held(void **state)
{
	(void)state;
	drain_after_exit(1);
}

/* The child answers and exits; the body's rest never comes: at the
 * deadline the pump returns PUMP_DONE (the child did nothing wrong), and
 * the held answer is left for the caller to send. */
static void
test_body_missing_at_the_deadline(void **state)
{
	struct fake f;
	int ws;
	int p[2];
	pid_t w;

	(void)state;
	memset(&f, 0, sizeof(f));
	write_script("#!/bin/sh\nprintf 'Status: 200\\r\\n\\r\\nbye'\n");
	assert_int_equal(pipe(p), 0);
	w = fork();
	assert_true(w >= 0);
	if (w == 0) {              /* 1,000 bytes of 100,000, then nothing */
		char buf[1000] = { 0 };
		close(p[0]);
		if (write(p[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(1);
		sleep(3);
		_exit(0);
	}
	close(p[1]);
	f.body_fd = p[0];
	assert_int_equal(run_until(&f, 100000, 1 << 30, w, &ws, 1000), PUMP_DONE);
	/* not before the deadline; not at the writer's end either (EOF there
	 * would be PUMP_ERROR) */
	assert_true(f.pump_ms >= 1000);
	assert_int_equal(f.body_left, 99000);
	assert_int_equal(f.held, 18);
	assert_int_equal(f.sent_held, 0);
}

/* A program that writes a line, then nothing for a while: what it wrote
 * is pushed to the web server while it is quiet, not at its end. */
static void
test_quiet_child_output_pushed(void **state)
{
	struct fake f;
	int ws, p[2];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.track_push = 1;
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	f.body_fd = p[0];
	write_script("#!/bin/sh\nprintf 'first\\n'\nsleep 0.3\nprintf 'second\\n'\n");
	assert_int_equal(run(&f, 0, 1 << 20, 0, &ws), PUMP_DONE);
	assert_string_equal(f.tail, "first\nsecond\n");
	assert_true(f.pushes >= 1);
	assert_int_equal(f.out_at_first_push, 6);     /* "first\n" alone */
}

/* Read a pid a script wrote to dir/name. */
static pid_t
pid_in(const char *dir, const char *name)
{
	char path[128];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* Gone for good: no such process (not even a zombie). */
static int
gone(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* A program that leaves a process in a session of its own (setsid), which
 * has a child of its own, and then either ends at once or sleeps past the
 * deadline: after child_cleanup both are gone, not left to init.  A child
 * the caller forked itself (in its session) is left alone. */
static void
leftovers_killed(int outlive_deadline)
{
	static char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	char dir[] = "/tmp/test_child_dir.XXXXXX", text[1024], err[200];
	struct fake f;
	struct child c;
	enum pump_result pr;
	pid_t own, escaped, grandchild;
	int p[2], st;

	memset(&f, 0, sizeof(f));
	assert_non_null(mkdtemp(dir));
	snprintf(text, sizeof(text), "#!/bin/sh\n"
	    "setsid sh -c 'sleep 1000 & echo $! >%s/gc; echo $$ >%s/e.tmp; "
	    "mv %s/e.tmp %s/e; wait' </dev/null >/dev/null 2>&1 &\n"
	    "while [ ! -s %s/e ]; do sleep 0.02; done\n"
	    "echo started\n%s", dir, dir, dir, dir, dir,
	    outlive_deadline ? "sleep 30\n" : "");
	write_script(text);
	own = fork();
	assert_true(own >= 0);
	if (own == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	f.body_fd = p[0];
	struct pump_io io = {
		.ctx = &f, .body_ctx = &f, .body_fd = f.body_fd,
		.body_buffered = fake_buffered, .body_read = fake_read,
		.body_due = fake_due, .on_stdout = fake_stdout,
		.on_stderr = fake_stderr, .room = fake_room,
	};
	f.max_held = 1 << 20;
	assert_int_equal(child_spawn(&c, script, envp, "/", err, sizeof(err)), 0);
	pr = child_pump(&c, &io, monotonic_ms() + (outlive_deadline ? 2000 : 20000));
	child_reap(&c, monotonic_ms() + 5000);
	child_cleanup(&c);
	close(f.body_fd);
	unlink(script);
	escaped = pid_in(dir, "e");
	grandchild = pid_in(dir, "gc");
	int escaped_gone = gone(escaped), grandchild_gone = gone(grandchild);
	int own_alive = kill(own, 0) == 0;
	/* Whatever the outcome, leave nothing running. */
	if (escaped > 0 && !escaped_gone)
		kill(escaped, SIGKILL);
	if (grandchild > 0 && !grandchild_gone)
		kill(grandchild, SIGKILL);
	kill(own, SIGKILL);
	waitpid(own, &st, 0);
	snprintf(text, sizeof(text), "rm -rf %s", dir);
	assert_int_equal(system(text), 0);

	assert_int_equal(pr, outlive_deadline ? PUMP_TIMEOUT : PUMP_DONE);
	assert_string_equal(f.tail, "started\n");
	assert_true(escaped > 0 && grandchild > 0);
	assert_true(escaped_gone);
	assert_true(grandchild_gone);
	assert_true(own_alive);
}

static void
test_leftovers_of_a_finished_program_killed(void **state)
{
	(void)state;
	leftovers_killed(0);
}

static void
test_leftovers_of_a_timed_out_program_killed(void **state)
{
	(void)state;
	leftovers_killed(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_output_waits_at_its_limit),
		cmocka_unit_test(test_body_drained_after_the_child_is_gone),
		cmocka_unit_test(test_body_drained_when_nothing_is_held),
		cmocka_unit_test(test_body_missing_at_the_deadline),
		cmocka_unit_test(test_quiet_child_output_pushed),
		cmocka_unit_test(test_leftovers_of_a_finished_program_killed),
		cmocka_unit_test(test_leftovers_of_a_timed_out_program_killed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
