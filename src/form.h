/* form.h — application/x-www-form-urlencoded, both ways (pure: no I/O,
 * no allocation; the caller owns every buffer). */
#ifndef SW_FORM_H
#define SW_FORM_H

#include <stddef.h>

/* Bytes src takes once encoded: A-Za-z0-9-._~ as is, space as '+', every
 * other byte as %XX (upper case). */
size_t form_encoded_len(const char *src, size_t len);

/* Encode src into dst, which has room for form_encoded_len(src, len)
 * bytes.  No NUL is written.  Returns the bytes written. */
size_t form_encode(char *dst, const char *src, size_t len);

/* Decode src into dst, which has room for len bytes (dst may be src: the
 * result is never longer).  '+' is a space, %XX takes hex digits of either
 * case.  Returns the decoded length, or when src is malformed: -1 for a
 * '%' not followed by two hex digits, -2 for a NUL (raw or %00). */
long form_decode(char *dst, const char *src, size_t len);

/* One "key=value" (or bare "key") segment of a form string: slices into
 * the caller's buffer, still encoded. */
struct form_field {
	const char *key;
	size_t klen;
	const char *value;      /* points after '=', or at the end of key */
	size_t vlen;
	int has_value;          /* the segment held a '=' */
};

/* Fill *f with the next non-empty '&'-separated segment of buf at or
 * after *pos and move *pos past it.  Returns 1, or 0 when none is left. */
int form_next(const char *buf, size_t len, size_t *pos, struct form_field *f);

#endif
