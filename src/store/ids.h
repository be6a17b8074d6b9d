/* ids.h - ids that stay unique when several processes write one store: blocks of ids reserved
 * from the store ahead of need by a thread of its own, handed out without touching the disk. */
#ifndef SR_IDS_H
#define SR_IDS_H

#include "store/store.h"

#include <stdint.h>

/* An allocator: for each sr_id_kind, the block being handed out and the next one, reserved in
 * the background (sr_store_reserve_ids on a twin connection of its own) once the current block
 * is half used. Ids of one allocator only increase; ids of different allocators (other
 * processes, other nodes) never collide. Ids left in the blocks when it is freed are lost:
 * sequences have gaps, at most one block (or two) per kind per start. */
typedef struct sr_ids sr_ids;

/* The block size of sr_ids_new. */
#define SR_IDS_BLOCK 256

/* Opens an allocator on st (borrowed; must outlive it, and support store ops version 2):
 * opens a writable twin of st for its thread, reserves the first block of every kind before it
 * returns (so a new server fails at start-up, not at its first chat line, when the store cannot
 * reserve), then starts the refill thread. Returns NULL on failure (logged). Free it with
 * sr_ids_free. */
sr_ids *sr_ids_new(sr_store *st);
/* sr_ids_new with blocks of `block` ids (>= 2), for tests and for kinds that are rare. */
sr_ids *sr_ids_new_block(sr_store *st, int block);
/* The next id of kind (> 0). Never waits for the disk while the block has ids, which is always
 * unless ids are taken faster than a reservation completes; then it waits for the refill, and
 * returns a negative SR_E* if that reservation failed (the next call tries again). Safe from
 * any thread; meant for one (the service thread) beside the allocator's own. */
int64_t sr_ids_next(sr_ids *ids, sr_id_kind kind);
/* Stops the refill thread, closes the twin and frees ids (NULL is fine). Ids not handed out
 * are never reused. */
void sr_ids_free(sr_ids *ids);

#endif
