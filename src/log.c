/* log.c — levels, stderr or syslog, and the escaping that keeps every log
 * line one line.  The level is set once at startup (before workers fork)
 * and only read afterwards. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_LVL_INFO;
static int to_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_setup(enum log_level level, int use_syslog)
{
	max_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("sessionwrap", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

/* The length of the UTF-8 character at p (at most n bytes there), 2 to
 * 4; 0 if none starts there (a stray or cut byte, an overlong form, a
 * surrogate, past U+10FFFF) or it is a C1 control (U+0080-U+009F). */
static size_t
utf8_char(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xc2)
		lo = 0xa0;              /* C1 controls below */
	else if (p[0] == 0xe0)
		lo = 0xa0;              /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;              /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;              /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;              /* past U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

size_t
log_escape(char *dst, size_t cap, const char *src, size_t len,
    enum log_esc how)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		int esc = c < 0x20 || c == 0x7f;
		size_t u = 0;

		if (how == LOG_ESC_ALL)
			esc = esc || c == '\\';
		else if (c == '\t')
			esc = 0;
		/* Not UTF-8 (or a C1 control): escaped byte by byte, so that a
		 * log reader that wants UTF-8 (journalctl shows such a line as
		 * "[blob data]") gets the line. */
		if (c >= 0x80 && (u = utf8_char((const unsigned char *)src + i,
		    len - i)) == 0)
			esc = 1;
		if (o + (esc ? 4 : u ? u : 1) >= cap)
			break;
		if (esc) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else if (u) {
			memcpy(dst + o, src + i, u);
			o += u;
			i += u - 1;
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return o;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[2048], out[64 + sizeof(line) * 4];
	size_t len = 0;
	va_list ap;
	ssize_t w;
	int n;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;         /* cut: still one line */
	/* A message that ends in a newline (a multi-line config error) ends
	 * there; every other control byte is escaped, ours or not. */
	while (n > 0 && line[n - 1] == '\n')
		n--;
	if (!to_syslog)
		len = (size_t)snprintf(out, 64, "sessionwrap[%ld]: %s: ",
		    (long)getpid(), level_names[level]);
	len += log_escape(out + len, sizeof(out) - len - 1, line, (size_t)n,
	    LOG_ESC_ALL);
	if (to_syslog) {
		syslog(prio[level], "%s", out);
		return;
	}
	/* One write per line so lines of several workers never mix. */
	out[len++] = '\n';
	w = write(STDERR_FILENO, out, len);
	(void)w;
}
