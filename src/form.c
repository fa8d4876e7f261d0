/* form.c — application/x-www-form-urlencoded encode, decode and split.
 * Used for the SESSION and SESSIONWRAP_FLASH variables and for the values
 * of the X-Session-* directives.  Pure: (buf, len) in, no allocation. */
#include "form.h"

static const char hex_digits[] = "0123456789ABCDEF";

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
form_encoded_len(const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		n += (is_unreserved(c) || c == ' ') ? 1 : 3;
	}
	return n;
}

size_t
form_encode(char *dst, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (is_unreserved(c))
			dst[n++] = (char)c;
		else if (c == ' ')
			dst[n++] = '+';
		else {
			dst[n++] = '%';
			dst[n++] = hex_digits[c >> 4];
			dst[n++] = hex_digits[c & 0x0f];
		}
	}
	return n;
}

long
form_decode(char *dst, const char *src, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		unsigned char c = (unsigned char)src[in];
		if (c == '%') {
			int hi, lo;
			if (len - in < 3)
				return -1;
			hi = hex_value((unsigned char)src[in + 1]);
			lo = hex_value((unsigned char)src[in + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			in += 3;
		} else {
			if (c == '+')
				c = ' ';
			in++;
		}
		if (c == '\0')
			return -2;
		dst[out++] = (char)c;
	}
	return (long)out;
}

int
form_next(const char *buf, size_t len, size_t *pos, struct form_field *f)
{
	size_t i = *pos;

	while (i < len && buf[i] == '&')
		i++;
	if (i >= len) {
		*pos = len;
		return 0;
	}
	size_t start = i;
	while (i < len && buf[i] != '&')
		i++;
	size_t end = i;
	size_t eq = start;
	while (eq < end && buf[eq] != '=')
		eq++;
	f->key = buf + start;
	f->klen = eq - start;
	f->has_value = eq < end;
	f->value = f->has_value ? buf + eq + 1 : buf + eq;
	f->vlen = f->has_value ? end - eq - 1 : 0;
	*pos = end;
	return 1;
}
