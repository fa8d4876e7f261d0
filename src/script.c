/* script.c — resolves and checks the program a request runs. */
#include "script.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define PROXY_PREFIX "proxy:fcgi://"

/* The length of root's part of path when path lies under root (0 for the
 * root "/"), else -1. */
static long
under_root(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return 0;
	return strncmp(path, root, n) == 0 && path[n] == '/' ? (long)n : -1;
}

/* Who besides its owner may write to a file of mode m, or NULL. */
static const char *
other_writers(mode_t m)
{
	if ((m & S_IWGRP) && (m & S_IWOTH))
		return "group and others";
	if (m & S_IWGRP)
		return "group";
	if (m & S_IWOTH)
		return "others";
	return NULL;
}

/* realpath(asked) failed with EACCES: name the directory that may not be
 * searched (the first one on the way), and as whom. */
static void
explain_eacces(const char *asked, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	size_t len = strlen(asked);

	if (asked[0] == '/' && len < sizeof(dir)) {
		for (size_t p = 0; p < len; p++) {
			if (asked[p] != '/')
				continue;
			memcpy(dir, asked, p ? p : 1);
			dir[p ? p : 1] = '\0';
			if (faccessat(AT_FDCWD, dir, X_OK, AT_EACCESS) < 0 &&
			    errno == EACCES) {
				snprintf(why, whylen, "cannot reach %s: %s (EACCES on "
				    "%s, searched as uid %ld)", asked, strerror(EACCES),
				    dir, (long)geteuid());
				return;
			}
		}
	}
	snprintf(why, whylen, "cannot reach %s: %s (as uid %ld)", asked,
	    strerror(EACCES), (long)geteuid());
}

/* With [handler] strict_permissions, as suexec does: refuse a program
 * that someone but its owner could change.  That is, the file itself, or
 * any directory from its root (with [handler] program: its own directory)
 * down to it, writable by group or others; a sticky bit does not help
 * (anyone could still add a program).  Directories above the root are not
 * looked at: choosing the root is the administrator's part.  real is a
 * realpath, its first rootlen bytes the root. */
static int
check_writers(const char *real, mode_t mode, size_t rootlen, char *why,
    size_t whylen)
{
	char dir[PATH_MAX];
	size_t last = (size_t)(strrchr(real, '/') - real);
	struct stat st;
	const char *who;

	if ((who = other_writers(mode)) != NULL) {
		snprintf(why, whylen, "%s is writable by %s (mode %04o; "
		    "[handler] strict_permissions)", real, who, mode & 07777);
		return -1;
	}
	for (size_t p = rootlen; p <= last; p++) {
		if (real[p] != '/')
			continue;
		memcpy(dir, real, p ? p : 1);
		dir[p ? p : 1] = '\0';
		if (stat(dir, &st) < 0) {
			snprintf(why, whylen, "%s: cannot stat its directory %s: %s",
			    real, dir, strerror(errno));
			return -1;
		}
		if ((who = other_writers(st.st_mode)) != NULL) {
			snprintf(why, whylen, "%s: its directory %s is writable by %s "
			    "(mode %04o; [handler] strict_permissions)", real, dir,
			    who, (unsigned)(st.st_mode & 07777));
			return -1;
		}
	}
	return 0;
}

int
script_resolve(const struct config *cfg, const char *script_filename,
    const char *document_root, const char *script_name, char **path,
    char *why, size_t whylen)
{
	char joined[PATH_MAX], *real;
	const char *asked;
	struct stat st;
	long rootlen = -1;

	if (cfg->program) {
		asked = cfg->program;
	} else if (script_filename && *script_filename) {
		asked = script_filename;
		/* Apache mod_proxy_fcgi sends "proxy:fcgi://host/<path>". */
		if (strncmp(asked, PROXY_PREFIX, strlen(PROXY_PREFIX)) == 0) {
			asked = strchr(asked + strlen(PROXY_PREFIX), '/');
			if (!asked) {
				snprintf(why, whylen, "%s: no path", script_filename);
				return 404;
			}
		}
	} else if (document_root && script_name) {
		if (snprintf(joined, sizeof(joined), "%s%s", document_root,
		    script_name) >= (int)sizeof(joined)) {
			snprintf(why, whylen, "script path too long");
			return 404;
		}
		asked = joined;
	} else {
		snprintf(why, whylen, "no SCRIPT_FILENAME nor DOCUMENT_ROOT+SCRIPT_NAME");
		return 404;
	}
	real = realpath(asked, NULL);
	if (!real) {
		int err = errno;
		if (err == EACCES)
			explain_eacces(asked, why, whylen);
		else
			snprintf(why, whylen, "%s: %s", asked, strerror(err));
		return (err == ENOENT || err == ENOTDIR) ? 404 : 403;
	}
	if (cfg->program) {
		rootlen = strrchr(real, '/') - real;
	} else {
		for (int i = 0; i < cfg->nroots && rootlen < 0; i++)
			rootlen = under_root(real, cfg->roots[i]);
		if (rootlen < 0) {
			snprintf(why, whylen, "%s (really %s) is outside every root",
			    asked, real);
			goto refuse;
		}
	}
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", real);
		goto refuse;
	}
	if (access(real, X_OK) < 0) {
		snprintf(why, whylen, "%s is not executable (mode %04o, as uid %ld)",
		    real, (unsigned)(st.st_mode & 07777), (long)geteuid());
		goto refuse;
	}
	/* Whoever can put a file in a root would run it with its owner's
	 * rights: never, whatever strict_permissions says (as suexec). */
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		snprintf(why, whylen, "%s is set%s (mode %04o): never run", real,
		    (st.st_mode & S_ISUID) ? "uid" : "gid",
		    (unsigned)(st.st_mode & 07777));
		goto refuse;
	}
	/* File capabilities raise a program's rights as setuid does (a
	 * cap_setuid program becomes root): never either. */
	if (getxattr(real, "security.capability", NULL, 0) > 0) {
		snprintf(why, whylen, "%s has file capabilities "
		    "(security.capability): never run", real);
		goto refuse;
	}
	if (cfg->strict_permissions &&
	    check_writers(real, st.st_mode, (size_t)rootlen, why, whylen) < 0)
		goto refuse;
	*path = real;
	return 0;
refuse:
	free(real);
	return 403;
}
