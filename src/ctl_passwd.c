/* ctl_passwd.c — sessionctl passwd [--stdin] FILE USER: set USER's
 * password in the password file of the built-in login ([access]
 * password_file), like htpasswd.  The password is read from the terminal
 * twice without echo, or as one line of standard input with --stdin; it
 * is hashed with argon2id (crypto.c) and wiped.  The file is replaced
 * whole, atomically (a temporary file of mode 0600 in its directory,
 * then rename), keeping its owner. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "crypto.h"
#include "ctl.h"
#include "privfile.h"
#include "pwfile.h"

/* One line of f into buf (cap bytes), its "\n" or "\r\n" dropped: its
 * length, or -1 (nothing, or longer than cap - 1). */
static long
read_line(FILE *f, char *buf, size_t cap)
{
	size_t n;

	if (!fgets(buf, (int)cap, f))
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return -1;               /* longer than the buffer */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

/* Prompt on the terminal and read a line without echo. */
static long
read_hidden(FILE *tty, const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	long n;
	int fd = fileno(tty);

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(fd, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	n = read_line(tty, buf, cap);
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return n;
}

/* The password: 0 and its length in *len, or CTL_ERROR (said why). */
static int
get_password(int from_stdin, char *pw, size_t cap, size_t *len)
{
	char again[MAX_PASSWORD + 2];
	long n, m;
	FILE *tty;

	if (from_stdin) {
		n = read_line(stdin, pw, cap);
	} else {
		if ((tty = fopen("/dev/tty", "r+")) == NULL) {
			fprintf(stderr, "sessionctl passwd: no terminal to read the "
			    "password from (use --stdin)\n");
			return CTL_ERROR;
		}
		n = read_hidden(tty, "New password: ", pw, cap);
		m = n >= 0 ? read_hidden(tty, "Again: ", again, sizeof(again)) : -1;
		fclose(tty);
		if (n >= 0 && (m != n || memcmp(pw, again, (size_t)n) != 0)) {
			wipe(again, sizeof(again));
			fprintf(stderr, "sessionctl passwd: the passwords differ\n");
			return CTL_ERROR;
		}
		wipe(again, sizeof(again));
	}
	if (n < 0 || n > MAX_PASSWORD) {
		fprintf(stderr, "sessionctl passwd: no password read, or one over "
		    "%d bytes\n", MAX_PASSWORD);
		return CTL_ERROR;
	}
	if (n == 0) {
		fprintf(stderr, "sessionctl passwd: the password is empty\n");
		return CTL_ERROR;
	}
	*len = (size_t)n;
	return 0;
}

/* Write buf[0..len) as path, atomically, mode 0600, owned as st says
 * (when the file was there).  0 or CTL_ERROR (said why). */
static int
replace_file(const char *path, const char *buf, size_t len,
    const struct stat *st)
{
	char *tmp = malloc(strlen(path) + 16);
	size_t off = 0;
	int fd;

	if (!tmp)
		return CTL_ERROR;
	sprintf(tmp, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "sessionctl passwd: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return CTL_ERROR;
	}
	if (fchmod(fd, 0600) < 0 ||
	    (st && geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) < 0))
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	fprintf(stderr, "sessionctl passwd: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return CTL_ERROR;
}

static int
passwd_run(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char pw[MAX_PASSWORD + 2], hash[PASSWORD_HASH_MAX + 1], err[600];
	char *old = NULL, *out = NULL;
	const char *file, *user;
	int ch, from_stdin = 0, rc = CTL_ERROR, found, existed = 1;
	struct pw_entry e;
	struct stat st;
	size_t pwlen, ulen, hlen, olen = 0, o = 0;
	long n;

	(void)c;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return CTL_USAGE;
		from_stdin = 1;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sessionctl passwd: needs FILE and USER\n");
		return CTL_USAGE;
	}
	file = argv[optind];
	user = argv[optind + 1];
	ulen = strlen(user);
	if (!pwfile_name_ok(user, ulen)) {
		fprintf(stderr, "sessionctl passwd: '%s' is no user name (1 to %d "
		    "bytes, no ':', blank or control byte)\n", user, MAX_LOGIN_NAME);
		return CTL_USAGE;
	}
	if ((old = malloc(MAX_PASSWORD_FILE + 1)) == NULL ||
	    (out = malloc(MAX_PASSWORD_FILE + MAX_PASSWORD_LINE + 2)) == NULL)
		goto out;
	/* The file as it is: checked as the server checks it, so that a
	 * file it would refuse is not made bigger first. */
	if (lstat(file, &st) < 0 && errno == ENOENT) {
		n = 0;
		existed = 0;
	} else if ((n = privfile_read("password file", file, old,
	    MAX_PASSWORD_FILE, err,
	        sizeof(err))) < 0) {
		fprintf(stderr, "sessionctl passwd: %s\n", err);
		goto out;
	}
	olen = (size_t)n;
	if ((found = pwfile_find(old, olen, user, ulen, &e, err,
	        sizeof(err))) < 0) {
		fprintf(stderr, "sessionctl passwd: %s: %s\n", file, err);
		goto out;
	}
	if ((rc = get_password(from_stdin, pw, sizeof(pw), &pwlen)) != 0)
		goto out;
	rc = CTL_ERROR;
	n = password_hash(pw, pwlen, hash);
	wipe(pw, sizeof(pw));
	if (n < 0) {
		fprintf(stderr, "sessionctl passwd: hashing failed (out of memory?)\n");
		goto out;
	}
	hlen = strlen(hash);
	/* The other lines as they were; USER's replaced, or added. */
	if (found) {
		size_t at = (size_t)(e.line - old);

		memcpy(out, old, at);
		o = at;
	} else {
		memcpy(out, old, olen);
		o = olen;
		if (o > 0 && out[o - 1] != '\n')
			out[o++] = '\n';
	}
	memcpy(out + o, user, ulen);
	o += ulen;
	out[o++] = ':';
	memcpy(out + o, hash, hlen);
	o += hlen;
	out[o++] = '\n';
	if (found) {
		memcpy(out + o, old + e.end, olen - e.end);
		o += olen - e.end;
	}
	if (o > MAX_PASSWORD_FILE) {
		fprintf(stderr, "sessionctl passwd: %s would be over %d bytes\n",
		    file, MAX_PASSWORD_FILE);
		goto out;
	}
	if (replace_file(file, out, o, existed ? &st : NULL) != 0)
		goto out;
	printf("%s password of '%s' in %s\n", found ? "changed the" : "set the",
	    user, file);
	rc = CTL_OK;
out:
	wipe(pw, sizeof(pw));
	free(old);
	free(out);
	return rc;
}

const struct ctl_cmd ctl_passwd_cmd = {
	"passwd", "[--stdin] FILE USER",
	"set USER's password in the login form's password file (argon2id)",
	CTL_NO_CONFIG, passwd_run,
};
