/* log.c — levels, stderr or syslog.  The level is set once at startup
 * (before workers fork) and only read afterwards. */

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

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[2048];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (to_syslog)
		syslog(prio[level], "%s", line);
	else
		/* One write per line so lines of several workers never mix. */
		dprintf(STDERR_FILENO, "sessionwrap[%ld]: %s: %s\n",
		    (long)getpid(), level_names[level], line);
}
