/* cookie.c — Cookie header parsing, removal of our cookie from it, and
 * Set-Cookie formatting.  Browsers send what they send: many cookies,
 * repeated names (different paths or domains), quoted values and garbage
 * all occur, so the parser skips what it cannot read instead of failing. */
#include "cookie.h"

#include <stdio.h>
#include <string.h>

#include "bounds.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* The next ';'-separated segment of hdr at *pos, trimmed; 0 at the end. */
static int
next_segment(const char *hdr, size_t len, size_t *pos, const char **seg,
    size_t *slen)
{
	size_t i = *pos;

	if (i >= len)
		return 0;
	size_t start = i;
	while (i < len && hdr[i] != ';')
		i++;
	*seg = hdr + start;
	*slen = i - start;
	trim(seg, slen);
	*pos = i < len ? i + 1 : len;
	return 1;
}

/* Split a segment into name and value; 0 if it is not a cookie. */
static int
split_pair(const char *seg, size_t slen, struct cookie_pair *p)
{
	const char *eq = memchr(seg, '=', slen);

	if (eq == NULL)
		return 0;
	p->name = seg;
	p->nlen = (size_t)(eq - seg);
	trim(&p->name, &p->nlen);
	if (p->nlen == 0)
		return 0;
	p->value = eq + 1;
	p->vlen = (size_t)(seg + slen - p->value);
	trim(&p->value, &p->vlen);
	if (p->vlen >= 2 && p->value[0] == '"' && p->value[p->vlen - 1] == '"') {
		p->value++;
		p->vlen -= 2;
	}
	return 1;
}

/* Whether p is named name, namelen bytes (any name when name is NULL). */
static int
is_named(const struct cookie_pair *p, const char *name, size_t namelen)
{
	return name == NULL ||
	    (p->nlen == namelen && memcmp(p->name, name, namelen) == 0);
}

int
cookie_find(const char *hdr, size_t len, const char *name,
    struct cookie_pair *out, int max)
{
	size_t pos = 0, slen, namelen = name ? strlen(name) : 0;
	const char *seg;
	int n = 0;

	if (len > MAX_COOKIE_HEADER)
		return -1;
	while (n < max && next_segment(hdr, len, &pos, &seg, &slen))
		if (split_pair(seg, slen, &out[n]) &&
		    is_named(&out[n], name, namelen))
			n++;
	return n;
}

int
cookie_sets_name(const char *value, size_t vlen, const char *name)
{
	size_t pos = 0, slen;
	const char *seg;
	struct cookie_pair p;

	return next_segment(value, vlen, &pos, &seg, &slen) &&
	    split_pair(seg, slen, &p) && is_named(&p, name, strlen(name));
}

/* Cut each cookie named name out of the header as sent: its segment and
 * the ';' after it go, every other byte stays.  The result is never longer
 * than the input. */
size_t
cookie_strip(const char *hdr, size_t len, const char *name, char *dst)
{
	size_t pos = 0, out = 0, start = 0, namelen = strlen(name);
	const char *seg;
	size_t slen;
	struct cookie_pair p;

	while (next_segment(hdr, len, &pos, &seg, &slen)) {
		if (split_pair(seg, slen, &p) && is_named(&p, name, namelen)) {
			start = pos;
			continue;
		}
		memcpy(dst + out, hdr + start, pos - start);
		out += pos - start;
		start = pos;
	}
	/* Blanks and separators left at either end by a cut. */
	size_t lead = 0;
	while (lead < out && (is_blank(dst[lead]) || dst[lead] == ';'))
		lead++;
	while (out > lead && (is_blank(dst[out - 1]) || dst[out - 1] == ';'))
		out--;
	memmove(dst, dst + lead, out - lead);
	out -= lead;
	dst[out] = '\0';
	return out;
}

/* Two decimal digits of v (0..99) at p. */
static char *
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

int
http_date(char *dst, time_t t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	char *p = dst;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 ||
	    tm.tm_year + 1900 > 9999)
		return -1;
	/* Built by hand: strftime's names follow the locale. */
	memcpy(p, days[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put2(p, tm.tm_mday);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = put2(p, (tm.tm_year + 1900) / 100);
	p = put2(p, (tm.tm_year + 1900) % 100);
	*p++ = ' ';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	memcpy(p, " GMT", 5);
	return 0;
}

int
cookie_format(char *dst, size_t cap, const struct set_cookie *sc)
{
	static const char *const samesite_names[] = { "Lax", "Strict", "None" };
	char date[HTTP_DATE_LEN + 1] = "";
	char maxage[64] = "";
	int n;

	if (sc->max_age >= 0) {
		if (http_date(date, sc->expires) < 0)
			return -1;
		snprintf(maxage, sizeof(maxage), "Max-Age=%ld; Expires=",
		    sc->max_age);
	}
	n = snprintf(dst, cap, "%s=%s; Path=%s; %s%s%s%s%s%s%s%sSameSite=%s%s",
	    sc->name, sc->value, sc->path,
	    sc->domain ? "Domain=" : "", sc->domain ? sc->domain : "",
	    sc->domain ? "; " : "",
	    maxage, date, sc->max_age >= 0 ? "; " : "",
	    sc->secure ? "Secure; " : "",
	    sc->httponly ? "HttpOnly; " : "",
	    samesite_names[sc->samesite],
	    sc->partitioned ? "; Partitioned" : "");
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}
