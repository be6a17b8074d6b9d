/* replay.c - a person's recent write ids and their first answers (see replay.h). */
#include "core/replay.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

sr_replay *sr_replay_new(void)
{
    return sr_xcalloc(1, sizeof(sr_replay));
}

static void slot_clear(sr_replay_slot *s)
{
    free(s->cid);
    free(s->answer);
    s->cid = s->answer = NULL;
}

void sr_replay_free(sr_replay *r)
{
    if (!r) return;
    for (int i = 0; i < SR_REPLAY_KEEP; i++)
        slot_clear(&r->slot[i]);
    free(r);
}

static sr_replay_slot *find(const sr_replay *r, const char *cid)
{
    for (int i = 0; i < SR_REPLAY_KEEP; i++)
        if (r->slot[i].cid && !strcmp(r->slot[i].cid, cid)) return (sr_replay_slot *)&r->slot[i];
    return NULL;
}

const char *sr_replay_find(const sr_replay *r, const char *cid)
{
    const sr_replay_slot *s = find(r, cid);
    return s ? s->answer : NULL;
}

void sr_replay_set(sr_replay *r, int slot, const char *cid, const char *answer)
{
    if (slot < 0 || slot >= SR_REPLAY_KEEP) return;
    sr_replay_slot *s = &r->slot[slot];
    slot_clear(s);
    s->cid = sr_xstrdup(cid);
    s->answer = sr_xstrdup(answer);
    r->next = (slot + 1) % SR_REPLAY_KEEP;
}

int sr_replay_put(sr_replay *r, const char *cid, const char *answer)
{
    int slot = r->next;
    sr_replay_set(r, slot, cid, answer);
    return slot;
}

void sr_replay_forget(sr_replay *r, const char *cid)
{
    sr_replay_slot *s = find(r, cid);
    if (s) slot_clear(s);
}
