/* listen.h — the listening socket: our own bind, or one we inherit. */
#ifndef SW_LISTEN_H
#define SW_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

/* Bind and listen on "unix:/path" (mode applied) or "tcp:host:port".
 * Returns the fd, or -1 with a one-line reason in err.  Never exits. */
int listen_open(const char *spec, mode_t mode, char *err, size_t errlen);

/* A listening socket handed to us: systemd socket activation (LISTEN_FDS,
 * fd 3) or a web server's spawner (fd 0).  Returns the fd or -1. */
int listen_inherited(void);

/* Is fd a listening socket? */
int listen_is_listening(int fd);

#endif
