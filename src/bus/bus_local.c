/* bus_local.c - the in-process bus: one node, so publishing is delivering. */
#include "bus/bus.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct local_bus {
    sr_bus base;
    sr_bus_deliver deliver;
    void *ud;
} local_bus;

static int local_open(const char *url, sr_bus_deliver deliver, void *ud, sr_bus **out)
{
    (void)url;
    local_bus *b = sr_xcalloc(1, sizeof *b);
    b->base.ops = &sr_bus_local;
    b->deliver = deliver;
    b->ud = ud;
    *out = &b->base;
    return 0;
}

static void local_close(sr_bus *bus)
{
    free(bus);
}

static int local_publish(sr_bus *bus, int64_t room, sr_msg *m)
{
    local_bus *b = (local_bus *)bus;
    b->deliver(b->ud, room, m);
    return 0;
}

const sr_bus_ops sr_bus_local = {
    .version = 1,
    .name = "local",
    .open = local_open,
    .close = local_close,
    .publish = local_publish,
};

int sr_bus_open(const char *url, sr_bus_deliver deliver, void *ud, sr_bus **out)
{
    *out = NULL;
    if (!url || !*url || !strcmp(url, "local")) return sr_bus_local.open(url, deliver, ud, out);
    sr_log(SR_LOG_ERROR, "unknown bus", "url=\"%s\" known=\"local\"", url);
    return SR_EINVAL;
}
