/* playback.c - see playback.h. */
#include "core/playback.h"

#include <math.h>

double sr_clock_offset(double t0, double t1, double t2, double t3)
{
    return ((t1 - t0) + (t2 - t3)) / 2.0;
}

double sr_clock_rtt(double t0, double t1, double t2, double t3)
{
    return (t3 - t0) - (t2 - t1);
}

double sr_play_position(double now, double started_at, int64_t duration_ms)
{
    double p = now - started_at;
    if (p < 0) return 0;
    if (p > (double)duration_ms) return (double)duration_ms;
    return p;
}

int sr_play_ended(double now, double started_at, int64_t duration_ms)
{
    return now >= started_at + (double)duration_ms;
}

int sr_skip_needed(int listeners, double ratio)
{
    int n = (int)ceil((double)listeners * ratio - 1e-9);
    return n < 1 ? 1 : n;
}

static int recent_index(const int64_t *recent, int nrecent, int64_t id)
{
    for (int i = 0; i < nrecent; i++)
        if (recent[i] == id) return i;
    return -1;
}

int64_t sr_fallback_pick(const int64_t *ranked, int nranked, const int64_t *library, int nlibrary,
                         const int64_t *recent, int nrecent, uint64_t seed)
{
    for (int i = 0; i < nranked; i++)
        if (recent_index(recent, nrecent, ranked[i]) < 0) return ranked[i];
    if (nlibrary <= 0) return 0;
    int fresh = 0;
    for (int i = 0; i < nlibrary; i++)
        fresh += recent_index(recent, nrecent, library[i]) < 0;
    if (fresh) {
        int k = (int)(seed % (uint64_t)fresh);
        for (int i = 0; i < nlibrary; i++)
            if (recent_index(recent, nrecent, library[i]) < 0 && k-- == 0) return library[i];
    }
    int64_t best = library[0];
    int best_age = -1;
    for (int i = 0; i < nlibrary; i++) {
        int age = recent_index(recent, nrecent, library[i]);
        if (age > best_age) best_age = age, best = library[i];
    }
    return best;
}
