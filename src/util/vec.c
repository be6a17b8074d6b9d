/* vec.c - doubling growth for the arrays of every module. */
#include "util/vec.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The capacity that holds need: max(need, 2 * cap, 8); 0 when its size overflows. */
static size_t grown(size_t cap, size_t need, size_t elem)
{
    size_t n = cap < SIZE_MAX / 2 ? 2 * cap : SIZE_MAX;
    if (n < 8) n = 8;
    if (n < need) n = need;
    return elem && n > SIZE_MAX / elem ? 0 : n;
}

int sr_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = grown(*cap, need, elem);
    if (!n) return SR_ENOMEM;
    void *p;
    memcpy(&p, pp, sizeof p); /* *pp is a T *: copied, not read through a void ** */
    void *q = sr_realloc(p, n * elem);
    if (!q) return SR_ENOMEM;
    memcpy(pp, &q, sizeof q);
    *cap = n;
    return 0;
}

void sr_xgrow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (sr_grow(pp, cap, need, elem)) {
        sr_log(SR_LOG_ERROR, "out of memory", "elements=%zu size=%zu", need, elem);
        abort();
    }
}
