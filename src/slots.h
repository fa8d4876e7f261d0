/* slots.h — the layout of a file store record file (pure: no I/O).
 *
 * A record file holds RECORD_SLOTS slots of one size, each a multiple of
 * RECORD_SLOT_ALIGN; a slot is all zero (never written) or holds one
 * version of the record (record.h), followed by unused bytes.  A new
 * version goes into the slot that does not hold the current one, so the
 * current one is never overwritten (store_file.c). */
#ifndef SW_SLOTS_H
#define SW_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

#define RECORD_SLOTS        2
#define RECORD_SLOT_ALIGN   512     /* a disk sector: slots share none */

/* One slot of slot_size bytes: 1 when it starts with a header whose
 * version fits in the slot (*h; the seal is for the caller to check), 0
 * when it is all zero (never written), -1 with *why otherwise (a write
 * cut short, or not a record). */
int record_slot_parse(const uint8_t *slot, size_t slot_size,
    struct record_header *h, const char **why);

/* The slot size for a version of len bytes (room to grow by a quarter),
 * and the slot size of a record file of file_size bytes: 0 when no
 * record file has that size. */
size_t record_slot_size(size_t len);
size_t record_file_slot_size(uint64_t file_size);

#endif
