/* secret.c — secret files: read them strictly, write new ones.
 * A secret is the root of every key, so a file that anyone but its owner
 * may read or change is refused rather than trusted. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "privfile.h"

/* Not isxdigit(): that one follows the locale. */
static int
is_hex_digit(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

long
secret_measure(const uint8_t *buf, size_t len, enum secret_kind *kind,
    char *why, size_t whylen)
{
	size_t body = len, i;
	int hex = 1, printable = 1;

	if (len > 0 && buf[len - 1] == '\n') {
		body = len - 1;
		if (body > 0 && buf[body - 1] == '\r')
			body--;
	}
	for (i = 0; i < body; i++) {
		uint8_t c = buf[i];
		if (!is_hex_digit(c))
			hex = 0;
		if (c < 0x20 || c > 0x7e)
			printable = 0;
	}
	if (len == 0) {
		*kind = SECRET_BINARY;
		snprintf(why, whylen, "empty, at least %d random bytes needed",
		    SECRET_MIN_LEN);
		return -1;
	}
	if (hex && body > 0) {
		*kind = SECRET_HEX;
		if (body < 2 * SECRET_MIN_LEN) {
			snprintf(why, whylen, "%zu hex digits (%zu random bytes), "
			    "at least %d needed", body, body / 2, 2 * SECRET_MIN_LEN);
			return -1;
		}
		return (long)body;
	}
	if (printable) {
		/* Text of some other encoding (base64, ...): its characters are
		 * counted, as what they encode cannot be known. */
		*kind = SECRET_TEXT;
		if (body < SECRET_MIN_LEN) {
			snprintf(why, whylen, "%zu characters of text (a final "
			    "newline not counted), at least %d needed", body,
			    SECRET_MIN_LEN);
			return -1;
		}
		return (long)body;
	}
	*kind = SECRET_BINARY;
	if (len < SECRET_MIN_LEN) {
		snprintf(why, whylen, "%zu bytes of binary data, at least %d needed",
		    len, SECRET_MIN_LEN);
		return -1;
	}
	return (long)len;
}

long
secret_read(const char *path, uint8_t buf[SECRET_MAX_LEN], char *err,
    size_t errlen)
{
	enum secret_kind kind;
	char why[128];
	long rc;

	rc = privfile_read("secret file", path, (char *)buf, SECRET_MAX_LEN, err,
	    errlen);
	if (rc >= 0 && (rc = secret_measure(buf, (size_t)rc, &kind, why,
	    sizeof(why))) < 0)
		snprintf(err, errlen, "secret file %s: %s (make one with "
		    "sessionwrap --keygen)", path, why);
	if (rc < 0) {
		wipe(buf, SECRET_MAX_LEN);
		return -1;
	}
	return rc;
}

long
secret_load(const struct config *cfg, const char *key, const char *path,
    uint8_t buf[SECRET_MAX_LEN], char *err, size_t errlen)
{
	char why[512];
	long len = secret_read(path, buf, why, sizeof(why));

	if (len < 0)
		snprintf(err, errlen, "%s: [session] %s: %s",
		    config_file_name(cfg), key, why);
	return len;
}

/* Read one secret file (of [session] key) and derive its keys. */
static int
keys_from_file(struct keys *k, const struct config *cfg, const char *key,
    const char *path, char *err, size_t errlen)
{
	uint8_t secret[SECRET_MAX_LEN];
	long len = secret_load(cfg, key, path, secret, err, errlen);
	int rc = -1;

	if (len < 0)
		return -1;
	if (keys_derive(k, secret, (size_t)len) < 0)
		snprintf(err, errlen, "secret file %s: key derivation failed", path);
	else
		rc = 0;
	wipe(secret, sizeof(secret));
	return rc;
}

struct keyset *
secrets_load(const struct config *cfg, char *err, size_t errlen)
{
	struct keyset *ks;

	if (cfg->secret_file == NULL) {
		snprintf(err, errlen, "[session] secret_file is not set");
		return NULL;
	}
	if (crypto_setup() < 0) {
		snprintf(err, errlen, "libsodium cannot be initialised");
		return NULL;
	}
	if ((ks = keyset_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (keys_from_file(&ks->primary, cfg, "secret_file", cfg->secret_file,
	        err, errlen) < 0)
		goto fail;
	for (int i = 0; i < cfg->nsecret_fallbacks; i++) {
		if (i >= MAX_FALLBACK_KEYS) {
			snprintf(err, errlen, "[session] secret_fallbacks: more than "
			    "%d files", MAX_FALLBACK_KEYS);
			goto fail;
		}
		if (keys_from_file(&ks->fallback[i], cfg, "secret_fallbacks",
		        cfg->secret_fallbacks[i], err, errlen) < 0)
			goto fail;
		ks->nfallback++;
	}
	return ks;
fail:
	keyset_free(ks);
	return NULL;
}

int
secrets_check(const struct config *cfg, char *err, size_t errlen)
{
	struct keyset *ks;

	if (cfg->secret_file == NULL)
		return 0;                 /* sessions are off */
	if ((ks = secrets_load(cfg, err, errlen)) == NULL)
		return -1;
	keyset_free(ks);
	return 0;
}

int
secret_generate(const char *path, char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[32];
	char text[2 * sizeof(raw) + 1];
	size_t off = 0;
	int fd, rc = -1;

	if (crypto_setup() < 0) {
		snprintf(err, errlen, "secret file %s: libsodium cannot start", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (an existing secret is never overwritten)" : "");
		return -1;
	}
	random_fill(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++) {
		text[2 * i] = hex[raw[i] >> 4];
		text[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	text[sizeof(text) - 1] = '\n';
	if (fchmod(fd, 0600) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	while (off < sizeof(text)) {
		ssize_t n = write(fd, text + off, sizeof(text) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "secret file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	wipe(raw, sizeof(raw));
	wipe(text, sizeof(text));
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(path);
	return rc;
}
