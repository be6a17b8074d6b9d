/* skip.c - see skip.h. */
#include "core/skip.h"
#include "core/playback.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

double sr_skip_ratio(double room_ratio, double server_ratio)
{
    return room_ratio > 0 ? room_ratio : server_ratio;
}

int sr_skip_is_stale(int64_t about, int64_t playing)
{
    return about && about != playing;
}

static int index_of(const sr_skip_tally *t, int64_t user)
{
    for (int i = 0; i < t->n; i++)
        if (t->voters[i] == user) return i;
    return -1;
}

int sr_skip_has(const sr_skip_tally *t, int64_t user)
{
    return index_of(t, user) >= 0;
}

int sr_skip_vote(sr_skip_tally *t, int64_t user, int want, int playing)
{
    int i = index_of(t, user);
    if (want && i < 0 && playing) {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 8;
            t->voters = sr_xrealloc(t->voters, (size_t)t->cap * sizeof *t->voters);
        }
        t->voters[t->n++] = user;
        return 1;
    }
    if (!want && i >= 0) {
        t->voters[i] = t->voters[--t->n];
        return 1;
    }
    return 0;
}

int sr_skip_leave(sr_skip_tally *t, int64_t user)
{
    return sr_skip_vote(t, user, 0, 0);
}

int sr_skip_passes(const sr_skip_tally *t, int listeners, double ratio, int playing)
{
    return playing && t->n >= sr_skip_needed(listeners, ratio) && listeners > 0;
}

void sr_skip_reset(sr_skip_tally *t)
{
    t->n = 0;
}

void sr_skip_free(sr_skip_tally *t)
{
    free(t->voters);
    memset(t, 0, sizeof *t);
}
