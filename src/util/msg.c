/* msg.c - refcounted encoded messages. */
#include "util/msg.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

sr_msg *sr_msg_new(const char *s, size_t len)
{
    sr_msg *m = sr_xmalloc(sizeof *m + SR_MSG_PRE + len + 1);
    m->refs = 1;
    m->len = len;
    memcpy(m->data + SR_MSG_PRE, s, len);
    m->data[SR_MSG_PRE + len] = 0;
    return m;
}

sr_msg *sr_msg_take(char *s)
{
    sr_msg *m = sr_msg_new(s, strlen(s));
    free(s);
    return m;
}

void sr_msg_unref(sr_msg *m)
{
    if (m && --m->refs == 0) free(m);
}
