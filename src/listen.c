/* listen.c — binds our own socket (libfcgi's FCGX_OpenSocket exits on
 * failure, which a daemon must not do) or finds the one we inherit. */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 1024

int
listen_is_listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

static int
open_unix(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "unix:%s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto syserr;
	/* A socket file left by a dead instance is removed; a live one, or
	 * any other kind of file, is not ours to take. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "unix:%s: exists and is not a socket", path);
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			snprintf(err, errlen, "unix:%s: another process is listening there", path);
			close(fd);
			return -1;
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, mode) < 0 || listen(fd, BACKLOG) < 0)
		goto syserr;
	return fd;
syserr:
	snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
open_tcp(const char *hostport, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints, *res = NULL;
	size_t hlen;
	int fd = -1, on = 1, rc;

	if (!colon || colon == hostport || !colon[1]) {
		snprintf(err, errlen, "tcp:%s: expected tcp:host:port", hostport);
		return -1;
	}
	hlen = (size_t)(colon - hostport);
	if (hostport[0] == '[' && colon[-1] == ']') {
		hostport++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "tcp:%s: host too long", hostport);
		return -1;
	}
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "tcp:%s:%s: %s", host, colon + 1, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, BACKLOG) < 0) {
		snprintf(err, errlen, "tcp:%s:%s: %s", host, colon + 1, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_open(const char *spec, mode_t mode, char *err, size_t errlen)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return open_unix(spec + 5, mode, err, errlen);
	if (strncmp(spec, "tcp:", 4) == 0)
		return open_tcp(spec + 4, err, errlen);
	snprintf(err, errlen, "%s: expected unix:/path or tcp:host:port", spec);
	return -1;
}

int
listen_inherited(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid && fds && atol(pid) == (long)getpid() && atoi(fds) >= 1 &&
	    listen_is_listening(3)) {
		/* Ours now: children must not think they were activated. */
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		fcntl(3, F_SETFD, FD_CLOEXEC);
		return 3;
	}
	if (listen_is_listening(0))
		return 0;
	return -1;
}
