/* ranking.c - see ranking.h. */
#include "core/ranking.h"

#include <math.h>
#include <stdlib.h>

double sr_activity_value(const sr_activity *a, double now, double half_life_ms)
{
    if (a->score <= 0) return 0;
    double dt = now - a->at;
    if (dt <= 0) return a->score;
    return a->score * exp2(-dt / half_life_ms);
}

void sr_activity_add(sr_activity *a, double now, double weight, double half_life_ms)
{
    double v = sr_activity_value(a, now, half_life_ms) + weight;
    a->score = v > 0 ? v : 0;
    a->at = now;
}

double sr_recommend_score(const sr_rec_features *f)
{
    int visits = f->visits < 5 ? f->visits : 5;
    return 5.0 * f->friends_present + 3.0 * f->shared_tags + 2.0 * f->liked_artists + visits +
           log2(1.0 + (f->listeners > 0 ? f->listeners : 0));
}

int sr_recommend_relevant(const sr_rec_features *f)
{
    return f->friends_present > 0 || f->shared_tags > 0 || f->liked_artists > 0 || f->visits > 0;
}

static int cmp(const void *pa, const void *pb)
{
    const sr_ranked_room *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->listeners != b->listeners) return a->listeners > b->listeners ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

void sr_rank_rooms(sr_ranked_room *rooms, int n)
{
    if (n > 1) qsort(rooms, (size_t)n, sizeof *rooms, cmp);
}
