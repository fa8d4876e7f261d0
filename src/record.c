/* record.c — sealing and opening one version of a session record, and
 * reading it as a struct stored: shared by every store backend. */
#include "record.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(RECORD_NONCE_LEN == AEAD_NONCE_LEN, "record nonce size");
_Static_assert(RECORD_TAG_LEN == AEAD_TAG_LEN, "record tag size");

/* The header of version seq of a record holding sess (NULL: a
 * tombstone); the nonce comes with the seal. */
static void
version_header(struct record_header *h, const struct session *sess,
    uint64_t seq)
{
	memset(h, 0, sizeof(*h));
	h->kind = RECORD_TOMBSTONE;
	h->seq = seq;
	if (sess != NULL) {
		h->kind = RECORD_LIVE;
		h->permanent = sess->permanent;
		h->created = sess->created;
		h->plen = (uint32_t)payload_len(sess);
	}
}

size_t
record_version_len(const struct session *sess)
{
	struct record_header h;

	version_header(&h, sess, 0);
	return record_len(&h);
}

int
record_seal(uint8_t *out, const struct keys *k, const uint8_t *id,
    const struct session *sess, uint64_t seq)
{
	struct record_header h;
	uint8_t key[AEAD_KEY_LEN], *plain;

	version_header(&h, sess, seq);
	if ((plain = malloc((size_t)h.plen + 1)) == NULL)
		return -1;
	if (sess != NULL)
		payload_encode(sess, plain);
	random_fill(h.nonce, sizeof(h.nonce));
	record_header_encode(&h, out);
	record_key(k, id, key);
	aead_seal(out + RECORD_HEADER_LEN, plain, h.plen, out,
	    RECORD_HEADER_LEN, h.nonce, key);
	wipe(key, sizeof(key));
	record_plain_free(plain, h.plen);
	return 0;
}

int
record_revoke_tombstone(uint8_t out[INDEX_ENTRY_LEN], const struct keys *k,
    const uint8_t *id)
{
	return record_seal(out, k, id, NULL, REVOKE_SEQ);
}

int
record_open(const uint8_t *buf, size_t len, const uint8_t key[AEAD_KEY_LEN],
    struct record_header *h, uint8_t **plain)
{
	const char *why;

	*plain = NULL;
	if (record_header_decode(buf, len, h, &why) < 0 || record_len(h) > len)
		return -1;
	if ((*plain = malloc(h->plen + 1)) == NULL)
		return -1;
	if (aead_open(*plain, buf + RECORD_HEADER_LEN, h->plen + AEAD_TAG_LEN,
	        buf, RECORD_HEADER_LEN, h->nonce, key) < 0) {
		record_plain_free(*plain, h->plen);
		*plain = NULL;
		return -1;
	}
	return 1;
}

void
record_plain_free(uint8_t *plain, size_t plen)
{
	if (plain == NULL)
		return;
	wipe(plain, plen);
	free(plain);
}

int
record_to_stored(const struct config *cfg, const struct record_header *h,
    const uint8_t *plain, time_t last_seen, time_t now, struct stored *out,
    const char **why)
{
	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
	out->last_seen = last_seen;
	if (h->kind == RECORD_TOMBSTONE) {
		out->deadline = last_seen + tombstone_grace(cfg);
		if (now < out->deadline)
			out->state = STORED_TOMBSTONE;
		return 0;
	}
	out->created = h->created;
	out->permanent = h->permanent;
	out->deadline = record_deadline(cfg, h->permanent, h->created,
	    last_seen);
	if (now >= out->deadline)
		return 0;
	if (payload_decode(plain, h->plen, &out->sess, why) < 0)
		return -1;
	out->sess.permanent = h->permanent;
	out->sess.created = h->created;
	out->state = STORED_LIVE;
	return 0;
}
