/* bus.h - fan-out between nodes: an ops table with one backend per transport (local now;
 * Redis pub/sub when several nodes share rooms). The hub publishes each encoded delta once; the
 * bus delivers it to the hub of every node, which hands it to that node's listeners. */
#ifndef SR_BUS_H
#define SR_BUS_H

#include <stdint.h>

#include "util/msg.h"

typedef struct sr_bus {
    const struct sr_bus_ops *ops;
} sr_bus;

/* Called on the service thread with a delta for room; m is borrowed for the call. */
typedef void (*sr_bus_deliver)(void *ud, int64_t room, sr_msg *m);

typedef struct sr_bus_ops {
    int version;      /* 1 */
    const char *name; /* "local" */
    /* Opens the bus at url ("local"). deliver(ud, …) receives every published message,
     * including this node's own. Returns 0 or SR_E*; *out is the bus. */
    int (*open)(const char *url, sr_bus_deliver deliver, void *ud, sr_bus **out);
    void (*close)(sr_bus *bus);
    /* Publishes m (borrowed; a backend that keeps it takes a reference) for room. */
    int (*publish)(sr_bus *bus, int64_t room, sr_msg *m);
} sr_bus_ops;

/* The in-process bus: publish delivers at once, on the calling (service) thread. */
extern const sr_bus_ops sr_bus_local;

/* Opens a bus by URL: "local" (the default). Returns 0 or SR_EINVAL for an unknown scheme. */
int sr_bus_open(const char *url, sr_bus_deliver deliver, void *ud, sr_bus **out);

#endif
