/* chatring.c - see chatring.h. */
#include "core/chatring.h"
#include "util/util.h"

#include <stdlib.h>

void sr_chatring_init(sr_chatring *c, int cap, void (*free_data)(void *data))
{
    c->lines = NULL;
    c->cap = cap > 0 ? cap : 0;
    c->head = c->n = 0;
    c->free_data = free_data;
}

static void release(sr_chatring *c, sr_chat_line *l)
{
    if (c->free_data && l->data) c->free_data(l->data);
    l->data = NULL;
}

static sr_chat_line *slot(const sr_chatring *c, int i)
{
    return &c->lines[(c->head + i) % c->cap];
}

void sr_chatring_push(sr_chatring *c, int64_t id, int64_t user, void *data)
{
    sr_chat_line l = {id, user, data};
    if (!c->cap) {
        release(c, &l);
        return;
    }
    if (!c->lines) c->lines = sr_xcalloc((size_t)c->cap, sizeof *c->lines);
    if (c->n == c->cap) {
        release(c, slot(c, 0));
        *slot(c, 0) = l;
        c->head = (c->head + 1) % c->cap;
    } else {
        *slot(c, c->n++) = l;
    }
}

const sr_chat_line *sr_chatring_at(const sr_chatring *c, int i)
{
    return i >= 0 && i < c->n ? slot(c, i) : NULL;
}

/* Releases up to max lines drop() picks; the rest close up in order. Returns how many went. */
static int filter(sr_chatring *c, int64_t key, int (*drop)(const sr_chat_line *l, int64_t key),
                  int max)
{
    int kept = 0, gone = 0;
    for (int i = 0; i < c->n; i++) {
        sr_chat_line *l = slot(c, i);
        if (gone < max && drop(l, key)) {
            release(c, l);
            gone++;
            continue;
        }
        if (kept != i) *slot(c, kept) = *l;
        kept++;
    }
    c->n = kept;
    return gone;
}

static int by_user(const sr_chat_line *l, int64_t user)
{
    return l->user == user;
}

static int by_id(const sr_chat_line *l, int64_t id)
{
    return l->id == id;
}

int sr_chatring_remove_user(sr_chatring *c, int64_t user)
{
    return filter(c, user, by_user, c->n);
}

int sr_chatring_remove_id(sr_chatring *c, int64_t id)
{
    return filter(c, id, by_id, 1);
}

void sr_chatring_free(sr_chatring *c)
{
    for (int i = 0; i < c->n; i++)
        release(c, slot(c, i));
    free(c->lines);
    c->lines = NULL;
    c->head = c->n = 0;
}
