/* test_transport.c — the one place an answer waits: a plain CGI transport
 * whose standard input is the request body and whose standard output is a
 * file.  The answer is held while any reason holds it (the body is due,
 * the commit is not done), goes out once none is left, with what was
 * written ahead first; an answer never released from its commit hold
 * never goes out; one held for a body that never came goes out only if
 * it is small. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounds.h"
#include "transport.h"

struct io {
	FILE *out, *in;
	int saved_out, saved_in;
	struct transport t;
};

/* A transport reading body (CONTENT_LENGTH is length, which may be more
 * than body holds) and writing to a file. */
static void
io_open(struct io *io, const char *body, long length)
{
	static char cl[40];
	static char *env[] = { cl, NULL };

	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%ld", length);
	io->out = tmpfile();
	io->in = tmpfile();
	assert_non_null(io->out);
	assert_non_null(io->in);
	assert_int_equal(fwrite(body, 1, strlen(body), io->in), strlen(body));
	fflush(io->in);
	rewind(io->in);
	io->saved_out = dup(STDOUT_FILENO);
	io->saved_in = dup(STDIN_FILENO);
	assert_int_equal(dup2(fileno(io->out), STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(dup2(fileno(io->in), STDIN_FILENO), STDIN_FILENO);
	transport_cgi(&io->t, env);
}

/* What went out so far (into got, NUL-terminated); read without moving
 * the offset that standard output shares. */
static void
io_sent(struct io *io, char *got, size_t cap)
{
	struct stat st;
	ssize_t r;

	assert_int_equal(fstat(fileno(io->out), &st), 0);
	assert_true((size_t)st.st_size < cap);
	r = pread(fileno(io->out), got, (size_t)st.st_size, 0);
	assert_int_equal(r, st.st_size);
	got[r] = '\0';
}

static void
io_close(struct io *io, char *got, size_t cap)
{
	transport_flush(&io->t);
	io_sent(io, got, cap);
	dup2(io->saved_out, STDOUT_FILENO);
	dup2(io->saved_in, STDIN_FILENO);
	close(io->saved_out);
	close(io->saved_in);
	fclose(io->out);
	fclose(io->in);
}

/* Written while the body is due: held; out once the body is read. */
static void
test_held_until_the_body_is_in(void **state)
{
	struct io io;
	char got[256], buf[16];

	(void)state;
	io_open(&io, "hello", 5);
	assert_int_equal(transport_body_begin(&io.t), 5);
	assert_int_equal(transport_write(&io.t, "answer", 6), 0);
	assert_int_equal(transport_push(&io.t), 0);
	io_sent(&io, got, sizeof(got));
	assert_string_equal(got, "");
	assert_int_equal(transport_unflushed(&io.t), 0);
	assert_int_equal(transport_body_read(&io.t, buf, 3), 3);
	assert_int_equal(transport_push(&io.t), 0);
	io_sent(&io, got, sizeof(got));
	assert_string_equal(got, "");                /* 2 bytes still due */
	assert_int_equal(transport_body_read(&io.t, buf, sizeof(buf)), 2);
	assert_int_equal(io.t.body_got, 5);
	assert_int_equal(transport_body_due(&io.t), 0);
	assert_int_equal(transport_unflushed(&io.t), 1);
	assert_int_equal(transport_push(&io.t), 0);
	io_sent(&io, got, sizeof(got));
	assert_string_equal(got, "answer");
	assert_int_equal(transport_write(&io.t, "+more", 5), 0);
	io_close(&io, got, sizeof(got));
	assert_string_equal(got, "answer+more");
}

/* Held for the commit and for the body: the head written ahead at the
 * commit goes first; nothing leaves before both reasons are gone, in
 * either order. */
static void
both_reasons(int commit_first)
{
	struct io io;
	char got[256], buf[16];

	io_open(&io, "abc", 3);
	transport_body_begin(&io.t);
	transport_hold(&io.t, HOLD_COMMIT);
	assert_int_equal(transport_write(&io.t, "body", 4), 0);
	if (!commit_first)
		assert_int_equal(transport_body_read(&io.t, buf, sizeof(buf)), 3);
	assert_int_equal(transport_ahead(&io.t, 1), 0);
	assert_int_equal(transport_write(&io.t, "Status: 200 OK\r\n", 16), 0);
	assert_int_equal(transport_write(&io.t, "\r\n", 2), 0);
	assert_int_equal(transport_ahead(&io.t, 0), 0);
	assert_int_equal(transport_write(&io.t, "+tail", 5), 0);
	assert_int_equal(transport_push(&io.t), 0);
	io_sent(&io, got, sizeof(got));
	assert_string_equal(got, "");
	transport_release(&io.t, HOLD_COMMIT);
	if (commit_first) {
		assert_int_equal(transport_push(&io.t), 0);
		io_sent(&io, got, sizeof(got));
		assert_string_equal(got, "");         /* the body is still due */
		assert_int_equal(transport_body_read(&io.t, buf, sizeof(buf)), 3);
	}
	assert_int_equal(transport_push(&io.t), 0);
	io_sent(&io, got, sizeof(got));
	assert_string_equal(got, "Status: 200 OK\r\n\r\nbody+tail");
	io_close(&io, got, sizeof(got));
	assert_string_equal(got, "Status: 200 OK\r\n\r\nbody+tail");
}

static void
test_head_goes_ahead_commit_first(void **state)
{
	(void)state;
	both_reasons(1);
}

static void
test_head_goes_ahead_body_first(void **state)
{
	(void)state;
	both_reasons(0);
}

/* Never released from its commit hold (the program crashed, the client
 * left): nothing of it goes out, not even at the end. */
static void
test_uncommitted_answer_never_sent(void **state)
{
	struct io io;
	char got[256];

	(void)state;
	io_open(&io, "", 0);
	transport_hold(&io.t, HOLD_COMMIT);
	assert_int_equal(transport_write(&io.t, "secret body", 11), 0);
	io_close(&io, got, sizeof(got));
	assert_string_equal(got, "");
}

/* Dropped: an error answer replaces what was held. */
static void
test_drop_held(void **state)
{
	struct io io;
	char got[256];

	(void)state;
	io_open(&io, "", 0);
	transport_hold(&io.t, HOLD_COMMIT);
	assert_int_equal(transport_write(&io.t, "first", 5), 0);
	assert_int_equal(transport_drop_held(&io.t), 0);
	transport_release(&io.t, HOLD_COMMIT);
	assert_int_equal(transport_write(&io.t, "second", 6), 0);
	io_close(&io, got, sizeof(got));
	assert_string_equal(got, "second");
}

/* The body never came in whole: at the end an answer of up to
 * HELD_SENT_ANYWAY bytes goes out (an error answer fits), a longer one
 * is dropped. */
static void
body_never_whole(size_t len, int sent)
{
	struct io io;
	char *got = malloc(HELD_SENT_ANYWAY * 2 + 2), *answer = malloc(len);

	assert_non_null(got);
	assert_non_null(answer);
	memset(answer, 'x', len);
	io_open(&io, "ab", 10);
	transport_body_begin(&io.t);
	assert_int_equal(transport_write(&io.t, answer, len), 0);
	io_close(&io, got, HELD_SENT_ANYWAY * 2 + 2);
	assert_int_equal(strlen(got), sent ? len : 0);
	free(got);
	free(answer);
}

static void
test_short_body_small_answer_sent(void **state)
{
	(void)state;
	body_never_whole(HELD_SENT_ANYWAY, 1);
}

static void
test_short_body_big_answer_dropped(void **state)
{
	(void)state;
	body_never_whole(HELD_SENT_ANYWAY + 1, 0);
}

/* A body that ends early: what came is counted, the end is known, and
 * nothing is due any more (what the worker logs and answers 400 on). */
static void
test_short_body_counted(void **state)
{
	struct io io;
	char got[16], buf[16];

	(void)state;
	io_open(&io, "ab", 10);
	assert_int_equal(transport_body_begin(&io.t), 10);
	assert_int_equal(transport_body_read(&io.t, buf, sizeof(buf)), 2);
	assert_int_equal(transport_body_due(&io.t), 8);
	assert_int_equal(transport_body_read(&io.t, buf, sizeof(buf)), 0);
	assert_int_equal(io.t.body_got, 2);
	assert_int_equal(io.t.body_ended, 1);
	assert_int_equal(transport_body_due(&io.t), 0);
	io_close(&io, got, sizeof(got));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_until_the_body_is_in),
		cmocka_unit_test(test_head_goes_ahead_commit_first),
		cmocka_unit_test(test_head_goes_ahead_body_first),
		cmocka_unit_test(test_uncommitted_answer_never_sent),
		cmocka_unit_test(test_drop_held),
		cmocka_unit_test(test_short_body_small_answer_sent),
		cmocka_unit_test(test_short_body_big_answer_dropped),
		cmocka_unit_test(test_short_body_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
