/* log.h — levels and the one place messages leave the program. */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_setup(enum log_level level, int use_syslog);
int log_level_parse(const char *s, enum log_level *out);

/* One log line.  The formatted message is escaped as a whole before it
 * is written (log_escape, LOG_ESC_ALL): script names, paths and header
 * names from a request or a program go into messages as they are, and
 * none of their bytes can end the line or start a forged one. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* src[0..len) into dst (cap bytes, NUL-terminated when cap > 0) with bytes
 * shown as \xNN (two lower-case hex digits):
 *   LOG_ESC_ALL   every control byte (0x00-0x1f, tab included), DEL and
 *                 the backslash itself, so that every \x in the result is
 *                 an escape;
 *   LOG_ESC_CTRL  control bytes other than tab, and DEL: a program's own
 *                 text (its standard error), backslashes left as written.
 * In both, a byte that is not part of a UTF-8 character, and the C1
 * controls (U+0080-U+009F), are escaped too; other bytes, UTF-8
 * characters whole, are copied.  Stops before a byte or character whose
 * form does not fit.  Returns the length written (at most cap - 1). */
enum log_esc { LOG_ESC_ALL, LOG_ESC_CTRL };
size_t log_escape(char *dst, size_t cap, const char *src, size_t len,
    enum log_esc how);

#endif
