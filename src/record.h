/* record.h — one version of a session record as every store backend
 * keeps it: the clear header of codec.h, then the payload sealed with
 * AEAD under a key derived from the secret and the session id (the header
 * is the associated data), and what such a version means at a given time
 * (struct stored).  No I/O: a backend decides where the bytes live. */
#ifndef SW_RECORD_H
#define SW_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "codec.h"
#include "crypto.h"
#include "store.h"

/* Bytes of the version record_seal writes for sess (NULL: a tombstone). */
size_t record_version_len(const struct session *sess);

/* Seal version seq of id's record under k, holding sess (NULL: a
 * tombstone), into out: record_version_len(sess) bytes.  0, or -1 when
 * memory runs out. */
int record_seal(uint8_t *out, const struct keys *k, const uint8_t *id,
    const struct session *sess, uint64_t seq);

/* Open the version at the start of buf (len bytes; more may follow it)
 * under key (record_key of the id): 1 with its header in *h and its
 * payload decrypted into *plain (malloc'd, h->plen bytes: release it with
 * record_plain_free), -1 when buf does not start with a whole version
 * sealed under key (foreign, tampered, half-written, another secret's). */
int record_open(const uint8_t *buf, size_t len,
    const uint8_t key[AEAD_KEY_LEN], struct record_header *h,
    uint8_t **plain);
void record_plain_free(uint8_t *plain, size_t plen);

/* The tombstone an index entry holds for id's record (store.h): sealed
 * in advance under k with the highest seq, so that written over the
 * record it beats every version there; it reveals nothing, and lets
 * nobody in.  INDEX_ENTRY_LEN bytes. */
#define REVOKE_SEQ UINT64_MAX
#define INDEX_ENTRY_LEN (RECORD_HEADER_LEN + RECORD_TAG_LEN)
int record_revoke_tombstone(uint8_t out[INDEX_ENTRY_LEN], const struct keys *k,
    const uint8_t *id);

/* What an opened version (h, plain) last seen at last_seen means at now,
 * into out: a live session, a tombstone within its grace period, or
 * STORED_ABSENT once either has expired.  0, or -1 with *why when the
 * payload does not decode (out is then ABSENT). */
int record_to_stored(const struct config *cfg, const struct record_header *h,
    const uint8_t *plain, time_t last_seen, time_t now, struct stored *out,
    const char **why);

#endif
