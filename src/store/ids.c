/* ids.c - the id allocator of ids.h: per kind a current block and a spare, the spare reserved
 * on a thread of its own so the service thread never waits for a transaction. */
#include "store/ids.h"
#include "util/log.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct span {
    int64_t next, end; /* ids next .. end - 1; empty when next == end */
} span;

typedef struct kind_state {
    span cur, spare;
    int want;   /* the refill thread should reserve a spare */
    int failed; /* the last reservation failed; the waiting caller gets an error */
} kind_state;

struct sr_ids {
    sr_store *twin; /* the refill thread's connection (and, before it starts, ours) */
    int64_t block;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* refill thread: a kind wants a spare, or stop */
    pthread_cond_t ready; /* callers: a spare arrived, or a reservation failed */
    kind_state k[SR_ID_KINDS];
    int stopping;
};

static void *refill_main(void *arg)
{
    sr_ids *ids = arg;
    pthread_mutex_lock(&ids->mu);
    for (;;) {
        int kind = -1;
        for (int i = 0; i < SR_ID_KINDS && kind < 0; i++)
            if (ids->k[i].want) kind = i;
        if (ids->stopping) break;
        if (kind < 0) {
            pthread_cond_wait(&ids->work, &ids->mu);
            continue;
        }
        pthread_mutex_unlock(&ids->mu); /* the disk, without the lock */
        int64_t first = 0;
        int rc = sr_store_reserve_ids(ids->twin, (sr_id_kind)kind, ids->block, &first);
        pthread_mutex_lock(&ids->mu);
        kind_state *k = &ids->k[kind];
        k->want = 0;
        if (rc) {
            k->failed = 1;
            sr_log(SR_LOG_ERROR, "cannot reserve ids", "kind=%s err=\"%s\"",
                   sr_id_kind_name((sr_id_kind)kind), sr_strerror(rc));
        } else {
            k->spare = (span){first, first + ids->block};
        }
        pthread_cond_broadcast(&ids->ready);
    }
    pthread_mutex_unlock(&ids->mu);
    return NULL;
}

sr_ids *sr_ids_new_block(sr_store *st, int block)
{
    if (block < 2) return NULL;
    sr_ids *ids = sr_xcalloc(1, sizeof *ids);
    ids->block = block;
    int rc = st->ops->open_twin(st, 0, &ids->twin);
    for (int i = 0; i < SR_ID_KINDS && !rc; i++) {
        int64_t first = 0;
        rc = sr_store_reserve_ids(ids->twin, (sr_id_kind)i, ids->block, &first);
        ids->k[i].cur = (span){first, first + ids->block};
    }
    if (rc) {
        sr_log(SR_LOG_ERROR, "cannot reserve the first ids", "err=\"%s\"", sr_strerror(rc));
        if (ids->twin) ids->twin->ops->close(ids->twin);
        free(ids);
        return NULL;
    }
    pthread_mutex_init(&ids->mu, NULL);
    pthread_cond_init(&ids->work, NULL);
    pthread_cond_init(&ids->ready, NULL);
    if (pthread_create(&ids->thread, NULL, refill_main, ids)) {
        pthread_mutex_destroy(&ids->mu);
        pthread_cond_destroy(&ids->work);
        pthread_cond_destroy(&ids->ready);
        ids->twin->ops->close(ids->twin);
        free(ids);
        return NULL;
    }
    pthread_setname_np(ids->thread, "sr-ids");
    return ids;
}

sr_ids *sr_ids_new(sr_store *st)
{
    return sr_ids_new_block(st, SR_IDS_BLOCK);
}

int64_t sr_ids_next(sr_ids *ids, sr_id_kind kind)
{
    if ((unsigned)kind >= SR_ID_KINDS) return SR_EINVAL;
    kind_state *k = &ids->k[kind];
    int64_t id;
    pthread_mutex_lock(&ids->mu);
    for (;;) {
        if (k->cur.next < k->cur.end) {
            id = k->cur.next++;
            break;
        }
        if (k->spare.next < k->spare.end) {
            k->cur = k->spare;
            k->spare = (span){0, 0};
            continue;
        }
        if (k->failed) { /* reported once; the next call asks again */
            k->failed = 0;
            pthread_mutex_unlock(&ids->mu);
            return SR_EIO;
        }
        /* ids taken faster than a reservation lands: the one case that waits */
        if (!k->want) {
            k->want = 1;
            pthread_cond_signal(&ids->work);
        }
        pthread_cond_wait(&ids->ready, &ids->mu);
    }
    /* half the block used and no spare on its way: ask for one now, ahead of need */
    if (!k->want && k->spare.next == k->spare.end && k->cur.end - k->cur.next <= ids->block / 2) {
        k->want = 1;
        k->failed = 0; /* a new attempt: an old failure is not this one's */
        pthread_cond_signal(&ids->work);
    }
    pthread_mutex_unlock(&ids->mu);
    return id;
}

void sr_ids_free(sr_ids *ids)
{
    if (!ids) return;
    pthread_mutex_lock(&ids->mu);
    ids->stopping = 1;
    pthread_cond_signal(&ids->work);
    pthread_mutex_unlock(&ids->mu);
    pthread_join(ids->thread, NULL);
    pthread_mutex_destroy(&ids->mu);
    pthread_cond_destroy(&ids->work);
    pthread_cond_destroy(&ids->ready);
    ids->twin->ops->close(ids->twin);
    free(ids);
}
