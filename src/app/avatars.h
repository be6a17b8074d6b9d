/* avatars.h - until the network layer serves GET /api/users/:id/avatar through the route
 * table (reply_cached), it reads the picture bytes here. */
#ifndef SR_AVATARS_H
#define SR_AVATARS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_hub sr_hub;

/* uid's picture (a JPEG, borrowed until the next change) and its entity tag (16 hex digits),
 * or NULL when there is none. */
const unsigned char *sr_hub_avatar(sr_hub *h, int64_t uid, size_t *len, const char **tag);

#endif
