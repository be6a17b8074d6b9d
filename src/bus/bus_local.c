/* bus_local.c - the in-process bus: one node, so publishing is delivering, to the rooms this
 * node subscribed to. */
#include "bus/bus.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Subscriptions: room -> count, open addressing with linear probing (room ids are > 0; 0 marks
 * an empty slot; a count of 0 is a slot left by an unsubscribed room, kept so probes go on). */
typedef struct sub {
    int64_t room;
    int count;
} sub;

typedef struct local_bus {
    sr_bus base;
    sr_bus_deliver deliver;
    void *ud;
    sub *subs;
    size_t cap, used; /* used: slots with a room, counted or not */
} local_bus;

static sub *sub_slot(local_bus *b, int64_t room)
{
    size_t i = (size_t)((uint64_t)room * 0x9E3779B97F4A7C15ull) & (b->cap - 1);
    while (b->subs[i].room && b->subs[i].room != room)
        i = (i + 1) & (b->cap - 1);
    return &b->subs[i];
}

static void subs_grow(local_bus *b)
{
    sub *old = b->subs;
    size_t oldcap = b->cap;
    b->cap = oldcap ? oldcap * 2 : 64;
    b->subs = sr_xcalloc(b->cap, sizeof *b->subs);
    b->used = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].count) {
            *sub_slot(b, old[i].room) = old[i];
            b->used++;
        }
    free(old);
}

static int local_open(const char *url, const sr_bus_config *cfg, sr_bus **out)
{
    (void)url;
    local_bus *b = sr_xcalloc(1, sizeof *b);
    b->base.ops = &sr_bus_local;
    b->deliver = cfg->deliver;
    b->ud = cfg->ud;
    subs_grow(b);
    *out = &b->base;
    return 0;
}

static void local_close(sr_bus *bus)
{
    local_bus *b = (local_bus *)bus;
    if (!b) return;
    free(b->subs);
    free(b);
}

static int local_publish(sr_bus *bus, int64_t room, const char *epoch, uint64_t seq, sr_msg *m)
{
    local_bus *b = (local_bus *)bus;
    if (sub_slot(b, room)->count) b->deliver(b->ud, room, epoch, seq, m);
    return 0;
}

static int local_subscribe(sr_bus *bus, int64_t room)
{
    local_bus *b = (local_bus *)bus;
    if (room <= 0) return SR_EINVAL;
    if (2 * (b->used + 1) > b->cap) subs_grow(b);
    sub *s = sub_slot(b, room);
    if (!s->room) {
        s->room = room;
        b->used++;
    }
    s->count++;
    return 0;
}

static int local_unsubscribe(sr_bus *bus, int64_t room)
{
    local_bus *b = (local_bus *)bus;
    sub *s = room > 0 ? sub_slot(b, room) : NULL;
    if (!s || !s->count) return SR_EINVAL;
    s->count--;
    return 0;
}

static void local_on_fd(sr_bus *bus, int fd, int revents)
{
    (void)bus, (void)fd, (void)revents; /* no socket */
}

static void local_on_timer(sr_bus *bus)
{
    (void)bus;
}

const sr_bus_ops sr_bus_local = {
    .version = 2,
    .name = "local",
    .open = local_open,
    .close = local_close,
    .publish = local_publish,
    .subscribe = local_subscribe,
    .unsubscribe = local_unsubscribe,
    .on_fd = local_on_fd,
    .on_timer = local_on_timer,
};
