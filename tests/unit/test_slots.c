/* test_slots.c — the two-slot layout of a file store record file: what
 * a slot holds (nothing, a version that fits, or something broken), and
 * which sizes are record files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "slots.h"

/* A slot holds a version that fits, nothing (all zero), or something
 * broken. */
static void
test_slot_parse(void **state)
{
	struct record_header h = { .kind = RECORD_LIVE, .seq = 7, .plen = 100 },
	    g;
	uint8_t slot[512];
	const char *why = NULL;

	(void)state;
	memset(slot, 0, sizeof(slot));
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), 0);
	slot[511] = 1;                  /* zero header, bytes after it */
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), -1);
	slot[511] = 0;
	record_header_encode(&h, slot);
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), 1);
	assert_int_equal(g.seq, 7);
	/* 56 + 440 + 16 = 512 fits exactly; one byte more does not. */
	h.plen = 440;
	record_header_encode(&h, slot);
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), 1);
	h.plen = 441;
	record_header_encode(&h, slot);
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), -1);
	assert_non_null(strstr(why, "past its slot"));
	/* A header cut short (the first bytes of a write). */
	memset(slot, 0, sizeof(slot));
	memcpy(slot, "SWR2", 4);
	assert_int_equal(record_slot_parse(slot, sizeof(slot), &g, &why), -1);
	assert_int_equal(record_slot_parse(slot, 10, &g, &why), -1);
}

/* Slots: whole sectors, room to grow, and only sizes the store writes
 * are record files. */
static void
test_slot_sizes(void **state)
{
	size_t max = record_slot_size(RECORD_MAX_LEN);

	(void)state;
	assert_int_equal(record_slot_size(72), 512);        /* a tombstone */
	assert_int_equal(record_slot_size(410), 512);       /* 410 + 102 */
	assert_int_equal(record_slot_size(411), 1024);      /* 411 + 102 > 512 */
	assert_int_equal(record_slot_size(1100), 1536);     /* a 1 KiB session */
	assert_true(max >= RECORD_MAX_LEN + RECORD_MAX_LEN / 4);
	assert_int_equal(max % RECORD_SLOT_ALIGN, 0);

	assert_int_equal(record_file_slot_size(2 * 512), 512);
	assert_int_equal(record_file_slot_size(2 * 1536), 1536);
	assert_int_equal(record_file_slot_size(2 * max), max);
	assert_int_equal(record_file_slot_size(0), 0);
	assert_int_equal(record_file_slot_size(512), 0);           /* one slot */
	assert_int_equal(record_file_slot_size(2 * 512 + 2), 0);
	assert_int_equal(record_file_slot_size(2 * 600), 0);       /* unaligned */
	assert_int_equal(record_file_slot_size(2 * (max + 512)), 0);
	assert_int_equal(record_file_slot_size(UINT64_MAX - 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_parse),
		cmocka_unit_test(test_slot_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
