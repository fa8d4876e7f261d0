/* slots.c — the two-slot layout of a file store record file (slots.h). */
#include "slots.h"

int
record_slot_parse(const uint8_t *slot, size_t slot_size,
    struct record_header *h, const char **why)
{
	if (record_header_decode(slot, slot_size, h, why) == 0) {
		if (record_len(h) <= slot_size)
			return 1;
		*why = "version runs past its slot";
		return -1;
	}
	for (size_t i = 0; i < slot_size; i++)
		if (slot[i] != 0)
			return -1;
	return 0;
}

size_t
record_slot_size(size_t len)
{
	size_t want = len + len / 4;

	return (want + RECORD_SLOT_ALIGN - 1) / RECORD_SLOT_ALIGN *
	    RECORD_SLOT_ALIGN;
}

size_t
record_file_slot_size(uint64_t file_size)
{
	uint64_t slot = file_size / RECORD_SLOTS;

	if (file_size % RECORD_SLOTS != 0 || slot == 0 ||
	    slot % RECORD_SLOT_ALIGN != 0 ||
	    slot > record_slot_size(RECORD_MAX_LEN))
		return 0;
	return (size_t)slot;
}
