/* codec.c — encode and decode session records (see codec.h for the
 * layout).  Decoding trusts nothing: every length is checked against what
 * is left before it is used, and against the limits of bounds.h. */
#include "codec.h"

#include <string.h>

static void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
get_uint(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

void
record_header_encode(const struct record_header *h,
    uint8_t out[RECORD_HEADER_LEN])
{
	memcpy(out, RECORD_MAGIC, 4);
	out[4] = RECORD_VERSION;
	out[5] = (uint8_t)h->kind;
	put_u16(out + 6, h->permanent ? RECORD_FLAG_PERMANENT : 0);
	put_u64(out + 8, h->created);
	put_u64(out + 16, h->seq);
	put_u32(out + 24, h->plen);
	put_u32(out + 28, 0);
	memcpy(out + 32, h->nonce, RECORD_NONCE_LEN);
}

int
record_header_decode(const uint8_t *buf, size_t len, struct record_header *h,
    const char **why)
{
	uint16_t flags;

	if (len < RECORD_HEADER_LEN) {
		*why = "shorter than a record header";
		return -1;
	}
	if (memcmp(buf, RECORD_MAGIC, 4) != 0) {
		*why = "not a session record (bad magic)";
		return -1;
	}
	if (buf[4] != RECORD_VERSION) {
		*why = "unknown record version";
		return -1;
	}
	if (buf[5] != RECORD_LIVE && buf[5] != RECORD_TOMBSTONE) {
		*why = "unknown record kind";
		return -1;
	}
	flags = (uint16_t)get_uint(buf + 6, 2);
	if (flags & ~RECORD_FLAG_PERMANENT) {
		*why = "unknown record flags";
		return -1;
	}
	if (get_uint(buf + 28, 4) != 0) {
		*why = "reserved header bytes not zero";
		return -1;
	}
	h->plen = (uint32_t)get_uint(buf + 24, 4);
	if (h->plen > RECORD_MAX_PAYLOAD ||
	    (buf[5] == RECORD_TOMBSTONE && h->plen != 0)) {
		*why = "payload length out of range";
		return -1;
	}
	h->kind = (enum record_kind)buf[5];
	h->permanent = (flags & RECORD_FLAG_PERMANENT) != 0;
	h->created = get_uint(buf + 8, 8);
	h->seq = get_uint(buf + 16, 8);
	memcpy(h->nonce, buf + 32, RECORD_NONCE_LEN);
	return 0;
}

size_t
record_len(const struct record_header *h)
{
	return RECORD_HEADER_LEN + (size_t)h->plen + RECORD_TAG_LEN;
}

size_t
payload_len(const struct session *s)
{
	size_t n = 4 + 8 + 4;

	for (size_t i = 0; i < s->nitems; i++)
		n += 8 + s->items[i].klen + s->items[i].vlen;
	for (size_t i = 0; i < s->nflashes; i++)
		n += 16 + s->flashes[i].clen + s->flashes[i].mlen;
	return n;
}

static uint8_t *
put_bytes(uint8_t *p, const char *b, size_t len)
{
	put_u32(p, (uint32_t)len);
	if (len > 0)
		memcpy(p + 4, b, len);
	return p + 4 + len;
}

void
payload_encode(const struct session *s, uint8_t *out)
{
	uint8_t *p = out;

	put_u32(p, (uint32_t)s->nitems);
	p += 4;
	for (size_t i = 0; i < s->nitems; i++) {
		p = put_bytes(p, s->items[i].key, s->items[i].klen);
		p = put_bytes(p, s->items[i].value, s->items[i].vlen);
	}
	put_u64(p, s->next_flash_seq);
	p += 8;
	put_u32(p, (uint32_t)s->nflashes);
	p += 4;
	for (size_t i = 0; i < s->nflashes; i++) {
		put_u64(p, s->flashes[i].seq);
		p += 8;
		p = put_bytes(p, s->flashes[i].category, s->flashes[i].clen);
		p = put_bytes(p, s->flashes[i].message, s->flashes[i].mlen);
	}
}

/* A cursor over the payload being decoded. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static int
read_uint(struct reader *r, int bytes, uint64_t *v)
{
	if (r->left < (size_t)bytes)
		return -1;
	*v = get_uint(r->p, bytes);
	r->p += bytes;
	r->left -= (size_t)bytes;
	return 0;
}

/* A length-prefixed string of at most max bytes, without NUL. */
static int
read_bytes(struct reader *r, size_t max, const char **b, size_t *len,
    const char **why)
{
	uint64_t n;

	if (read_uint(r, 4, &n) < 0 || n > r->left) {
		*why = "truncated payload";
		return -1;
	}
	if (n > max) {
		*why = "string over its limit";
		return -1;
	}
	if (memchr(r->p, '\0', (size_t)n) != NULL) {
		*why = "NUL in a string";
		return -1;
	}
	*b = (const char *)r->p;
	*len = (size_t)n;
	r->p += n;
	r->left -= (size_t)n;
	return 0;
}

int
payload_decode(const uint8_t *buf, size_t len, struct session *s,
    const char **why)
{
	const char *fault = "truncated payload";
	struct reader r = { buf, len };
	uint64_t nitems, nflashes, next_seq, seq;
	const char *k = NULL, *v, *prev = NULL;
	size_t kl = 0, vl, prevlen = 0;

	if (len > RECORD_MAX_PAYLOAD) {
		fault = "payload over its limit";
		goto fail;
	}
	if (read_uint(&r, 4, &nitems) < 0)
		goto fail;
	if (nitems > MAX_KEYS) {
		fault = "more keys than MAX_KEYS";
		goto fail;
	}
	for (uint64_t i = 0; i < nitems; i++) {
		if (read_bytes(&r, MAX_KEY_LEN, &k, &kl, &fault) < 0 ||
		    read_bytes(&r, MAX_SESSION_SIZE_LIMIT, &v, &vl, &fault) < 0)
			goto fail;
		if (kl == 0) {
			fault = "empty key";
			goto fail;
		}
		if (prev != NULL) {
			int c = memcmp(prev, k, prevlen < kl ? prevlen : kl);
			if (c > 0 || (c == 0 && prevlen >= kl)) {
				fault = "keys out of order";
				goto fail;
			}
		}
		if (session_set(s, k, kl, v, vl) < 0) {
			fault = "out of memory";
			goto fail;
		}
		prev = k;
		prevlen = kl;
	}
	if (read_uint(&r, 8, &next_seq) < 0 || read_uint(&r, 4, &nflashes) < 0)
		goto fail;
	if (nflashes > MAX_FLASHES) {
		fault = "more flashes than MAX_FLASHES";
		goto fail;
	}
	for (uint64_t i = 0; i < nflashes; i++) {
		if (read_uint(&r, 8, &seq) < 0 ||
		    read_bytes(&r, MAX_KEY_LEN, &k, &kl, &fault) < 0 ||
		    read_bytes(&r, MAX_SESSION_SIZE_LIMIT, &v, &vl, &fault) < 0)
			goto fail;
		if (seq >= next_seq ||
		    (s->nflashes > 0 && seq <= s->flashes[s->nflashes - 1].seq)) {
			fault = "flash sequence out of order";
			goto fail;
		}
		if (session_flash_append(s, seq, k, kl, v, vl) < 0) {
			fault = "out of memory";
			goto fail;
		}
	}
	if (r.left != 0) {
		fault = "trailing bytes after the payload";
		goto fail;
	}
	s->next_flash_seq = next_seq;
	return 0;
fail:
	*why = fault;
	session_free(s);
	return -1;
}
