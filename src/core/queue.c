/* queue.c - vote-ordered queue. Queues are small (hundreds), so a sorted array with insertion
 * moves beats any tree in both code and cache behaviour. */
#include "core/queue.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int sr_entry_cmp(const sr_entry *a, const sr_entry *b)
{
    if (a->pin || b->pin) {
        if (!a->pin) return 1;
        if (!b->pin) return -1;
        if (a->pin != b->pin) return a->pin < b->pin ? -1 : 1;
    }
    int sa = sr_entry_score(a), sb = sr_entry_score(b);
    if (sa != sb) return sa > sb ? -1 : 1;
    if (a->added_at != b->added_at) return a->added_at < b->added_at ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return 0;
}

sr_entry *sr_entry_new(int64_t id, int64_t track, int64_t user, double added_at)
{
    sr_entry *e = sr_xcalloc(1, sizeof *e);
    e->id = id;
    e->track = track;
    e->user = user;
    e->added_at = added_at;
    return e;
}

void sr_entry_free(sr_entry *e)
{
    if (!e) return;
    free(e->votes);
    free(e);
}

static int index_of(const sr_queue *q, int64_t id)
{
    for (int i = 0; i < q->n; i++)
        if (q->items[i]->id == id) return i;
    return -1;
}

/* Moves the entry at i to its ordered place after its score changed. */
static void resettle(sr_queue *q, int i)
{
    sr_entry *e = q->items[i];
    while (i > 0 && sr_entry_cmp(e, q->items[i - 1]) < 0) {
        q->items[i] = q->items[i - 1];
        i--;
    }
    while (i < q->n - 1 && sr_entry_cmp(e, q->items[i + 1]) > 0) {
        q->items[i] = q->items[i + 1];
        i++;
    }
    q->items[i] = e;
}

void sr_queue_insert(sr_queue *q, sr_entry *e)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 8;
        q->items = sr_xrealloc(q->items, (size_t)q->cap * sizeof *q->items);
    }
    q->items[q->n++] = e;
    resettle(q, q->n - 1);
}

sr_entry *sr_queue_find(const sr_queue *q, int64_t id)
{
    int i = index_of(q, id);
    return i < 0 ? NULL : q->items[i];
}

int sr_entry_vote_of(const sr_entry *e, int64_t user)
{
    for (int i = 0; i < e->nvotes; i++)
        if (e->votes[i].user == user) return e->votes[i].value;
    return 0;
}

int sr_queue_vote(sr_queue *q, int64_t id, int64_t user, int value)
{
    if (value < -1 || value > 1) return SR_EINVAL;
    int i = index_of(q, id);
    if (i < 0) return SR_ENOENT;
    sr_entry *e = q->items[i];
    int v = -1;
    for (int k = 0; k < e->nvotes; k++)
        if (e->votes[k].user == user) v = k;
    int old = v >= 0 ? e->votes[v].value : 0;
    if (old == value) return 0;
    if (old > 0) e->up--;
    if (old < 0) e->down--;
    if (value > 0) e->up++;
    if (value < 0) e->down++;
    if (value == 0) {
        e->votes[v] = e->votes[--e->nvotes];
    } else if (v >= 0) {
        e->votes[v].value = value;
    } else {
        if (e->nvotes == e->capvotes) {
            e->capvotes = e->capvotes ? e->capvotes * 2 : 4;
            e->votes = sr_xrealloc(e->votes, (size_t)e->capvotes * sizeof *e->votes);
        }
        e->votes[e->nvotes++] = (sr_vote){user, value};
    }
    resettle(q, i);
    return 1;
}

sr_entry *sr_queue_remove(sr_queue *q, int64_t id)
{
    int i = index_of(q, id);
    if (i < 0) return NULL;
    sr_entry *e = q->items[i];
    memmove(q->items + i, q->items + i + 1, (size_t)(q->n - i - 1) * sizeof *q->items);
    q->n--;
    return e;
}

sr_entry *sr_queue_pop(sr_queue *q)
{
    return q->n ? sr_queue_remove(q, q->items[0]->id) : NULL;
}

int sr_queue_count_by(const sr_queue *q, int64_t user)
{
    int c = 0;
    for (int i = 0; i < q->n; i++)
        c += q->items[i]->user == user;
    return c;
}

void sr_queue_clear(sr_queue *q)
{
    for (int i = 0; i < q->n; i++)
        sr_entry_free(q->items[i]);
    free(q->items);
    memset(q, 0, sizeof *q);
}
