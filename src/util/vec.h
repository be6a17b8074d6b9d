/* vec.h - the one growth helper: an array and its capacity, grown by doubling. */
#ifndef SR_VEC_H
#define SR_VEC_H

#include <stddef.h>

/* Makes room for need elements of elem bytes in the array whose pointer is at pp (a T **,
 * the block the caller's, NULL when empty) and whose capacity, in elements, is *cap. When need
 * exceeds *cap the block is resized to max(need, 2 * *cap, 8) elements (the new elements are
 * not zeroed) and *pp, *cap updated. Returns 0, or SR_ENOMEM (out of memory or a size that
 * does not fit in size_t) with *pp and *cap unchanged: the caller still owns the old block. */
int sr_grow(void *pp, size_t *cap, size_t need, size_t elem);
/* sr_grow() under the sr_x* policy: aborts when out of memory. */
void sr_xgrow(void *pp, size_t *cap, size_t need, size_t elem);

/* SR_GROW(p, cap, need): sr_grow() for the array p (any T *) of capacity cap (a size_t), e.g.
 * `if (SR_GROW(v, cap, n + 1)) return SR_ENOMEM; v[n++] = x;`. SR_XGROW aborts instead. */
#define SR_GROW(p, cap, need) sr_grow(&(p), &(cap), (need), sizeof *(p))
#define SR_XGROW(p, cap, need) sr_xgrow(&(p), &(cap), (need), sizeof *(p))

#endif
