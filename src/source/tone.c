/* tone.c - the "tone" source: tracks synthesised by the listener's client (the SDK's tone
 * adapter) from their reference, "<hz>[+<hz>...][/<wave>][@<ms>]". It is the example of an
 * external service the server knows by name: nothing to scan, probe or fetch, only references
 * to check. The grammar is the SDK's parseToneRef (sdk/adapters.js); the two must agree, or the
 * server would record tracks no client can play. */
#include "source/source.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define TONE_REF_MAX 200
#define TONE_FREQS_MAX 8
#define TONE_MS_MAX 600000

/* One frequency "440" or "554.37" in [20, 20000] Hz: digits with at most one '.'. Advances
 * *p past it. */
static int tone_freq(const char **p, const char *end)
{
    const char *s = *p;
    double v = 0, scale = 0;
    int digits = 0;
    for (; s < end && *s != '+' && *s != '/' && *s != '@'; s++) {
        if (*s == '.' && !scale) {
            scale = 1;
        } else if (*s >= '0' && *s <= '9') {
            if (scale)
                v += (*s - '0') * (scale /= 10);
            else
                v = v * 10 + (*s - '0');
            if (++digits > 12) return -1;
        } else {
            return -1;
        }
    }
    *p = s;
    return digits && v >= 20 && v <= 20000 ? 0 : -1;
}

static int tone_resolve(const char *ref, size_t len, sr_track_meta *out, const char **why)
{
    static const char *const waves[] = {"sine", "square", "sawtooth", "triangle"};
    *why = "is not a tone reference (<hz>[+<hz>...][/<wave>][@<ms>])";
    if (!ref || !len || len > TONE_REF_MAX) return SR_EINVAL;
    const char *p = ref, *end = ref + len;
    int n = 0;
    for (;;) {
        if (tone_freq(&p, end)) return SR_EINVAL;
        n++;
        if (p == end || *p != '+') break;
        p++;
    }
    if (n > TONE_FREQS_MAX) return (*why = "names more than 8 frequencies", SR_EINVAL);
    if (p < end && *p == '/') {
        const char *w = ++p;
        while (p < end && *p != '@')
            p++;
        size_t k = 0, wl = (size_t)(p - w);
        for (; k < sizeof waves / sizeof waves[0]; k++)
            if (strlen(waves[k]) == wl && !memcmp(waves[k], w, wl)) break;
        if (k == sizeof waves / sizeof waves[0])
            return (*why = "has a wave other than sine, square, sawtooth or triangle", SR_EINVAL);
    }
    int64_t ms = 0;
    if (p < end && *p == '@') {
        if (++p == end) return SR_EINVAL;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || ms > TONE_MS_MAX) return SR_EINVAL;
            ms = ms * 10 + (*p - '0');
        }
        if (ms < 1 || ms > TONE_MS_MAX)
            return (*why = "has a length outside 1-600000 ms", SR_EINVAL);
    }
    if (p != end) return SR_EINVAL;
    /* the reference's own length is the track's; without one the client's duration stands */
    if (out) out->duration_ms = ms;
    return 0;
}

const sr_source_ops sr_source_tone = {
    .version = 3,
    .name = "tone",
    .resolve = tone_resolve,
};
