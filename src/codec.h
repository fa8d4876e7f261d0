/* codec.h — the versioned binary form of a session record (pure: no I/O,
 * no crypto).  A record is a clear header, then the AEAD-sealed payload
 * (empty in a tombstone); the header is the AEAD's associated data.
 *
 *   header, RECORD_HEADER_LEN bytes, integers big-endian:
 *     0  "SWR2"  magic
 *     4  u8      version (RECORD_VERSION)
 *     5  u8      kind: RECORD_LIVE or RECORD_TOMBSTONE
 *     6  u16     flags: RECORD_FLAG_PERMANENT
 *     8  u64     created, unix seconds
 *    16  u64     seq: versions of one record count up
 *    24  u32     payload length (plain; the sealed form adds AEAD_TAG_LEN)
 *    28  u32     zero
 *    32  24 B    AEAD nonce
 *   payload (sealed):
 *     u32 nitems, then per item: u32 klen, key, u32 vlen, value
 *     u64 next_flash_seq
 *     u32 nflashes, then per flash: u64 seq, u32 clen, category,
 *                                   u32 mlen, message
 *
 * The header alone says whether a record is a tombstone, permanent, and
 * how old: expiry and GC never need the key.
 *
 * Sealing and opening a version is record.c's job; where versions are
 * kept is each store backend's (the file store's slots: slots.h). */
#ifndef SW_CODEC_H
#define SW_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "session.h"

#define RECORD_MAGIC        "SWR2"
#define RECORD_VERSION      2
#define RECORD_HEADER_LEN   56
#define RECORD_NONCE_LEN    24
#define RECORD_TAG_LEN      16      /* the AEAD's, checked in record.c */

enum record_kind { RECORD_LIVE = 1, RECORD_TOMBSTONE = 2 };
#define RECORD_FLAG_PERMANENT 0x0001

/* Framing of the largest payload a commit can write: its data is at most
 * MAX_SESSION_SIZE_LIMIT bytes (max_size counts it encoded, which is never
 * shorter), plus 8 bytes per key, 16 per flash and 16 fixed. */
#define RECORD_MAX_PAYLOAD  (MAX_SESSION_SIZE_LIMIT + 8 * MAX_KEYS + \
                             16 * MAX_FLASHES + 16)
/* The longest version a commit can write. */
#define RECORD_MAX_LEN      (RECORD_HEADER_LEN + RECORD_MAX_PAYLOAD + \
                             RECORD_TAG_LEN)

struct record_header {
	enum record_kind kind;
	int permanent;
	uint64_t created;
	uint64_t seq;
	uint32_t plen;                  /* payload length, plain */
	uint8_t nonce[RECORD_NONCE_LEN];
};

void record_header_encode(const struct record_header *h,
    uint8_t out[RECORD_HEADER_LEN]);

/* Decode the header at the start of buf.  0, or -1 with *why set: short,
 * bad magic, unknown version, unknown kind or flags, a payload length
 * over RECORD_MAX_PAYLOAD (or not zero in a tombstone). */
int record_header_decode(const uint8_t *buf, size_t len,
    struct record_header *h, const char **why);

/* Bytes of a version whose header says h: header, sealed payload. */
size_t record_len(const struct record_header *h);

/* Bytes of s's payload, and its encoding into out (that many bytes). */
size_t payload_len(const struct session *s);
void payload_encode(const struct session *s, uint8_t *out);

/* Decode a payload into s (initialised, empty).  Refuses trailing bytes,
 * truncation, more than MAX_KEYS keys or MAX_FLASHES flashes, a key empty
 * or over MAX_KEY_LEN, a value over MAX_SESSION_SIZE_LIMIT, a NUL, keys
 * out of order, flash seqs out of order.  0, or -1 with *why set (s is
 * then freed). */
int payload_decode(const uint8_t *buf, size_t len, struct session *s,
    const char **why);

#endif
