/* script.c — resolves and checks the program a request runs. */
#include "script.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROXY_PREFIX "proxy:fcgi://"

static int
under_root(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return 1;
	return strncmp(path, root, n) == 0 && path[n] == '/';
}

int
script_resolve(const struct config *cfg, const char *script_filename,
    const char *document_root, const char *script_name, char **path,
    char *why, size_t whylen)
{
	char joined[PATH_MAX], *real;
	const char *asked;
	struct stat st;
	int i;

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
		snprintf(why, whylen, "%s: %s", asked, strerror(err));
		return (err == ENOENT || err == ENOTDIR) ? 404 : 403;
	}
	if (!cfg->program) {
		for (i = 0; i < cfg->nroots; i++)
			if (under_root(real, cfg->roots[i]))
				break;
		if (i == cfg->nroots) {
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
		snprintf(why, whylen, "%s is not executable", real);
		goto refuse;
	}
	*path = real;
	return 0;
refuse:
	free(real);
	return 403;
}
