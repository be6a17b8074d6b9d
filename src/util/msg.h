/* msg.h - an encoded server message, shared by reference between every recipient. */
#ifndef SR_MSG_H
#define SR_MSG_H

#include <stddef.h>

/* Headroom every message keeps before its bytes, for the WebSocket frame header that the
 * network layer writes in place (equals LWS_PRE; checked at compile time in net/). */
#define SR_MSG_PRE 16

/* Fan-out encodes a message once; each recipient's queue holds a reference. */
typedef struct sr_msg {
    int refs;
    size_t len;
    char data[]; /* SR_MSG_PRE bytes of headroom, then len bytes, then a NUL */
} sr_msg;

/* Returns a new message (refs = 1) holding a copy of the len bytes at s. */
sr_msg *sr_msg_new(const char *s, size_t len);
/* Takes ownership of a malloc'd NUL-terminated string (e.g. from json_dumps) and frees it. */
sr_msg *sr_msg_take(char *s);
static inline const char *sr_msg_bytes(const sr_msg *m)
{
    return m->data + SR_MSG_PRE;
}
static inline sr_msg *sr_msg_ref(sr_msg *m)
{
    m->refs++;
    return m;
}
/* Drops one reference; frees at zero. NULL is ignored. Service thread only. */
void sr_msg_unref(sr_msg *m);

#endif
