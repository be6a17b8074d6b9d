/* likes.h - what the likes module offers other modules: the tracks a person liked. */
#ifndef SR_LIKES_H
#define SR_LIKES_H

#include <stdint.h>

typedef struct sr_hub sr_hub;

typedef struct sr_like {
    int64_t track; /* the canonical track */
    double when;   /* server ms */
} sr_like;

/* uid's likes, oldest first (borrowed until the next like or unlike); *n is their count (0 and
 * NULL when none). */
const sr_like *sr_likes_of(sr_hub *h, int64_t uid, int *n);

#endif
