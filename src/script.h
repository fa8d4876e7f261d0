/* script.h — which program a request runs. */
#ifndef SW_SCRIPT_H
#define SW_SCRIPT_H

#include <stddef.h>

#include "config.h"

/* Resolve the script of a request: [handler] program if set, else
 * SCRIPT_FILENAME, else DOCUMENT_ROOT + SCRIPT_NAME.  The realpath must lie
 * under a configured root and be a regular, executable file, neither setuid
 * nor setgid; with [handler] strict_permissions, neither it nor a directory
 * from its root down to it may be writable by group or others.  Returns 0
 * and a malloc'd path, or an HTTP status (404 missing, 403 refused) with the
 * reason, naming the file or directory at fault, written to why. */
int script_resolve(const struct config *cfg, const char *script_filename,
    const char *document_root, const char *script_name, char **path,
    char *why, size_t whylen);

#endif
