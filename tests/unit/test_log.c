/* Unit tests of log.c: every log line is one line, whatever bytes from a
 * request or a program a message holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* What log_msg writes to standard error for one message, with its
 * newline, into out (a char array). */
static int capture_fd[2], saved_fd;

static void
capture_start(void)
{
	assert_int_equal(pipe(capture_fd), 0);
	saved_fd = dup(STDERR_FILENO);
	dup2(capture_fd[1], STDERR_FILENO);
}

static void
capture_end(char *out, size_t cap)
{
	ssize_t n;

	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	close(capture_fd[1]);
	n = read(capture_fd[0], out, cap - 1);
	close(capture_fd[0]);
	assert_true(n > 0);
	out[n] = '\0';
}

#define LOGGED(out, ...) do { \
	capture_start(); \
	log_msg(LOG_LVL_ERROR, __VA_ARGS__); \
	capture_end(out, sizeof(out)); \
} while (0)

static void
test_escape_all(void **state)
{
	static const char in[] = "a\nb\rc\td\\e\x01\x7f\xc3\xa9\0z";
	char out[100];

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), in, sizeof(in) - 1,
	    LOG_ESC_ALL), 36);
	assert_string_equal(out, "a\\x0ab\\x0dc\\x09d\\x5ce\\x01\\x7f\xc3\xa9\\x00z");
}

/* A program's own text: tab and backslash as written. */
static void
test_escape_ctrl(void **state)
{
	static const char in[] = "C:\\dir\tx\ry\x1b[31m";
	char out[100];

	(void)state;
	log_escape(out, sizeof(out), in, sizeof(in) - 1, LOG_ESC_CTRL);
	assert_string_equal(out, "C:\\dir\tx\\x0dy\\x1b[31m");
}

/* Bytes that are not UTF-8 (a stray byte, an overlong form, a surrogate,
 * a cut character) and the C1 controls are escaped one byte at a time: a
 * line with them would show as "[blob data]" in journalctl, or a 0x9b
 * start a terminal sequence.  Valid UTF-8 is copied, in either mode. */
static void
test_escape_not_utf8(void **state)
{
	static const char in[] = "\xff|\xc3(|\xc2\x9b|\xc2\xa0|\xc0\xaf|\xed\xa0\x80|"
	    "\xf0\x9f\x98\x80|\xf4\x90\x80\x80|\xe2\x82";
	char out[200];

	(void)state;
	log_escape(out, sizeof(out), in, sizeof(in) - 1, LOG_ESC_ALL);
	assert_string_equal(out, "\\xff|\\xc3(|\\xc2\\x9b|\xc2\xa0|\\xc0\\xaf|"
	    "\\xed\\xa0\\x80|\xf0\x9f\x98\x80|\\xf4\\x90\\x80\\x80|\\xe2\\x82");
	log_escape(out, sizeof(out), "a\x80\xe2\x82\xac", 5, LOG_ESC_CTRL);
	assert_string_equal(out, "a\\x80\xe2\x82\xac");
	/* A character that does not fit whole is not begun. */
	assert_int_equal(log_escape(out, 4, "ab\xe2\x82\xac", 5, LOG_ESC_ALL), 2);
	assert_string_equal(out, "ab");
}

/* Cut before an escape that does not fit, never inside it. */
static void
test_escape_cut(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), "ab\ncd", 5, LOG_ESC_ALL), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(log_escape(out, sizeof(out), "abcdefgh", 8, LOG_ESC_ALL), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(log_escape(out, 0, "x", 1, LOG_ESC_ALL), 0);
}

/* A forged line in a script name stays inside the one line it is in. */
static void
test_message_is_one_line(void **state)
{
	char out[4096];
	const char *text;

	(void)state;
	LOGGED(out, "script %s: refused (404)",
	    "/x.cgi\nsessionwrap[1]: info: all is well\r");
	text = strstr(out, ": error: ");
	assert_non_null(text);
	assert_string_equal(text, ": error: script /x.cgi\\x0asessionwrap[1]: "
	    "info: all is well\\x0d: refused (404)\n");
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

/* A message that ends in a newline (a multi-line config error) ends
 * there; one over the line's room is cut, still one line. */
static void
test_message_ends(void **state)
{
	char out[16384], big[5000];
	const char *text;

	(void)state;
	LOGGED(out, "bad config:\n%s", "f.ini: a\nf.ini: b\n");
	assert_string_equal(strstr(out, ": error: "),
	    ": error: bad config:\\x0af.ini: a\\x0af.ini: b\n");
	memset(big, 1, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	LOGGED(out, "%s", big);
	text = strstr(out, ": error: ");
	assert_non_null(text);
	/* 2047 bytes kept, each as \x01, and the newline. */
	assert_int_equal(strlen(text), strlen(": error: ") + 2047 * 4 + 1);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_all),
		cmocka_unit_test(test_escape_ctrl),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_escape_not_utf8),
		cmocka_unit_test(test_message_is_one_line),
		cmocka_unit_test(test_message_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
