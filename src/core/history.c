/* history.c - fixed ring of recent deltas. */
#include "core/history.h"
#include "util/util.h"

#include <stdlib.h>

void sr_history_init(sr_history *h, int cap)
{
    h->msgs = sr_xcalloc((size_t)cap, sizeof *h->msgs);
    h->cap = cap;
    h->head = h->n = 0;
    h->first_seq = 0;
}

static void clear(sr_history *h)
{
    for (int i = 0; i < h->n; i++)
        sr_msg_unref(h->msgs[(h->head + i) % h->cap]);
    h->head = h->n = 0;
}

void sr_history_push(sr_history *h, uint64_t seq, sr_msg *m)
{
    if (h->n && seq != h->first_seq + (uint64_t)h->n) clear(h);
    if (!h->n) h->first_seq = seq;
    if (h->n == h->cap) {
        sr_msg_unref(h->msgs[h->head]);
        h->head = (h->head + 1) % h->cap;
        h->n--;
        h->first_seq++;
    }
    h->msgs[(h->head + h->n) % h->cap] = sr_msg_ref(m);
    h->n++;
}

uint64_t sr_history_last(const sr_history *h)
{
    return h->n ? h->first_seq + (uint64_t)h->n - 1 : 0;
}

int sr_history_since(const sr_history *h, uint64_t after, int *first)
{
    if (!h->n) return -1;
    uint64_t last = sr_history_last(h);
    if (after >= last) {
        *first = h->n;
        return after == last ? 0 : -1;
    }
    if (after + 1 < h->first_seq) return -1;
    *first = (int)(after + 1 - h->first_seq);
    return (int)(last - after);
}

sr_msg *sr_history_at(const sr_history *h, int i)
{
    return h->msgs[(h->head + i) % h->cap];
}

void sr_history_free(sr_history *h)
{
    clear(h);
    free(h->msgs);
    h->msgs = NULL;
}
