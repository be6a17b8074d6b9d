/* advance.c - see advance.h. */
#include "core/advance.h"
#include "core/playback.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

sr_ending sr_advance_ending(int has_track, int playable, double started_at, int64_t play_ms,
                            double now, int skipped)
{
    sr_ending e = {skipped ? 1 : 0, 0, 0, now};
    if (has_track && !playable && !skipped) e.stopped = e.skipped = 1;
    if (has_track && !e.skipped) {
        e.ranks = 1;
        double end = started_at + (double)play_ms;
        if (now >= end && now - end < SR_ADVANCE_SEAMLESS_MS) e.start = end;
    }
    return e;
}

int sr_advance_due(int has_track, int playable, double started_at, int64_t play_ms, double now,
                   int queued, int nlibrary)
{
    if (has_track) return sr_play_ended(now, started_at, play_ms) || !playable;
    return queued > 0 || nlibrary > 0;
}

static uint64_t draw(const sr_advance_lib *lib)
{
    return lib->random ? lib->random(lib->ctx) : 0;
}

int64_t sr_advance_fallback(const sr_advance_room *room, const sr_advance_lib *lib)
{
    int64_t *ids = sr_xmalloc(((size_t)(room->ntop > 0 ? room->ntop : 0) + 1) * sizeof *ids);
    int n = 0;
    for (int i = 0; i < room->ntop; i++)
        if (lib->playable(lib->ctx, room->top[i].track)) ids[n++] = room->top[i].track;
    int64_t pick = 0;
    if (room->mode_top && n) {
        pick = sr_fallback_pick(ids, n, ids, n, room->recent, room->nrecent, draw(lib));
        goto out;
    }
    if (room->artist && lib->artist) {
        int64_t *mine =
            sr_xmalloc(((size_t)(lib->nlibrary > 0 ? lib->nlibrary : 0) + 1) * sizeof *mine);
        int nm = 0;
        for (int i = 0; i < lib->nlibrary; i++) {
            const char *a = lib->artist(lib->ctx, lib->library[i]);
            if (a && !strcasecmp(a, room->artist)) mine[nm++] = lib->library[i];
        }
        if (nm) pick = sr_fallback_pick(NULL, 0, mine, nm, room->recent, room->nrecent, draw(lib));
        free(mine);
        if (pick) goto out;
    }
    pick = sr_fallback_pick(ids, n, lib->library, lib->nlibrary, room->recent, room->nrecent,
                            draw(lib));
out:
    free(ids);
    return pick;
}

static void drop(sr_advance_plan *p, sr_entry *e, sr_drop_reason why)
{
    p->dropped = sr_xrealloc(p->dropped, (size_t)(p->ndropped + 1) * sizeof *p->dropped);
    p->dropped[p->ndropped++] = (sr_dropped){e, why};
}

void sr_advance_next(sr_queue *q, const sr_advance_room *room, const sr_advance_lib *lib,
                     sr_advance_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (!(room->mode_top && room->ntop)) {
        sr_entry *e;
        while ((e = sr_queue_pop(q))) {
            if (!lib->playable(lib->ctx, e->track)) {
                drop(plan, e, SR_DROP_UNPLAYABLE);
            } else if (room->excluded && room->excluded(room->ctx, e)) {
                drop(plan, e, SR_DROP_EXCLUDED);
            } else {
                plan->entry = e;
                plan->track = e->track;
                return;
            }
        }
    }
    plan->track = sr_advance_fallback(room, lib);
    plan->from_fallback = plan->track != 0;
}

void sr_advance_plan_free(sr_advance_plan *plan)
{
    sr_entry_free(plan->entry);
    for (int i = 0; i < plan->ndropped; i++)
        sr_entry_free(plan->dropped[i].entry);
    free(plan->dropped);
    memset(plan, 0, sizeof *plan);
}

void sr_advance_count_play(sr_top_track *top, int *n, int cap, int64_t track)
{
    int i;
    for (i = 0; i < *n && top[i].track != track; i++) {
    }
    if (i == *n) {
        if (*n >= cap) return;
        top[(*n)++] = (sr_top_track){track, 0};
    }
    top[i].plays++;
    while (i > 0 && top[i].plays > top[i - 1].plays) {
        sr_top_track t = top[i];
        top[i] = top[i - 1];
        top[--i] = t;
    }
}

void sr_advance_recent_push(int64_t *recent, int *n, int cap, int64_t track)
{
    if (cap <= 0) return;
    int keep = *n < cap ? *n : cap - 1;
    memmove(recent + 1, recent, (size_t)keep * sizeof *recent);
    recent[0] = track;
    if (*n < cap) (*n)++;
}
