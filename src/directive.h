/* directive.h — the X-Session-* response headers of a child, turned into
 * changes of the request's change log (pure: no I/O). */
#ifndef SW_DIRECTIVE_H
#define SW_DIRECTIVE_H

#include <stddef.h>

#include "session.h"

/* Changes one request may make in all (a 64 KiB header block could
 * otherwise hold tens of thousands of tiny unsets). */
#define MAX_CHANGES 4096

/* Offer one response header.  Returns 0 when it is not a session
 * directive (X-Replace-Session is one only under compat), 1 when it was
 * one and its changes were appended to log, -1 when it is a malformed one:
 * err then reads "header X-Session-Set: key longer than 256 bytes" and
 * log is as it was before the call.  -1 also for an unknown X-Session-*
 * name (a typo must not be forwarded to the client nor ignored) and for
 * out of memory. */
int directive_parse(struct changelog *log, const char *name, size_t nlen,
    const char *value, size_t vlen, int compat, char *err, size_t errlen);

/* Whether a header name is a session directive's: X-Session-* (known or
 * not), or mod_session's X-Replace-Session (compat or not).  Such a
 * header never reaches the client, whether sessions are on or not. */
int directive_is_session_header(const char *name, size_t nlen);

#endif
