/* bus.h - fan-out between nodes: an ops table with one backend per transport (local now;
 * Redis pub/sub when several nodes share rooms), chosen by the scheme of a URL through the
 * registry in bus.c. The hub publishes each encoded delta once, with its room's epoch and seq;
 * the bus delivers it to every node that subscribed to the room, which hands the same bytes
 * to its listeners there. */
#ifndef SR_BUS_H
#define SR_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "util/msg.h"

/* An open bus. Backends embed this first in their own struct (like sqlite3_file). */
typedef struct sr_bus {
    const struct sr_bus_ops *ops;
} sr_bus;

/* Events on a file descriptor, for sr_bus_loop.add_fd and ops->on_fd. */
enum { SR_BUS_READ = 1, SR_BUS_WRITE = 2 };

/* The caller's event loop as a backend sees it: the bus never runs a loop of its own, its
 * sockets join the caller's (as hiredis's adapters attach a connection to libuv or libevent).
 * Everything here happens on the caller's loop thread (the service thread). A backend with no
 * socket (local) never calls these.
 *
 *   add_fd(ud, fd, events)  watch fd for events (SR_BUS_READ | SR_BUS_WRITE); calling it again
 *                           for the same fd replaces its events. When fd is ready the loop calls
 *                           bus->ops->on_fd(bus, fd, revents). Returns 0 or SR_E*.
 *   del_fd(ud, fd)          stop watching fd; the backend calls it before it closes fd.
 *   timer(ud, ms)           call bus->ops->on_timer(bus) once, ms milliseconds from now,
 *                           replacing the one pending; ms < 0 cancels it. For reconnects and
 *                           keep-alives.
 *
 * The loop struct and ud are borrowed: they must outlive the bus. */
typedef struct sr_bus_loop {
    void *ud;
    int (*add_fd)(void *ud, int fd, int events);
    void (*del_fd)(void *ud, int fd);
    void (*timer)(void *ud, int ms);
} sr_bus_loop;

/* Receives a delta for room on the service thread: epoch (NUL-terminated) and m are borrowed
 * for the call (take a reference to keep m). seq is the room's seq of this delta in epoch. */
typedef void (*sr_bus_deliver)(void *ud, int64_t room, const char *epoch, uint64_t seq, sr_msg *m);

/* What a bus is opened with. */
typedef struct sr_bus_config {
    sr_bus_deliver deliver;  /* required */
    void *ud;                /* passed to deliver */
    const sr_bus_loop *loop; /* NULL: none; a backend with sockets then refuses to open */
} sr_bus_config;

/* A bus backend: a const table chosen by name (the URL's scheme) at start-up.
 *
 * Versions. Version 2 replaced version 1 (whose publish and deliver had no epoch or seq and
 * which had no subscriptions or loop hooks). From 2 on, fields are only appended: whoever
 * appends one bumps the version and lists it here, and callers reach an appended field through
 * a helper in bus.c that knows the version, never by testing it for NULL. Every field of
 * version 2 is set by every backend (a backend with no socket has on_fd and on_timer that do
 * nothing).
 *   2  open, close, publish, subscribe, unsubscribe, on_fd, on_timer
 *
 * Delivery contract. deliver is called, on the service thread, once for each message published
 * for a room while this node is subscribed to it, by any node, this one included. Messages of
 * one room published by one node arrive in the order they were published. A node that is not
 * subscribed to a room hears nothing of it. A backend that loses its connection says so in the
 * log and resubscribes when it reconnects; what was published meanwhile is not replayed (the
 * client's resume, by epoch and seq, is the recovery). */
typedef struct sr_bus_ops {
    int version;      /* 2 */
    const char *name; /* the URL scheme: "local" */
    /* Opens the bus at url (the whole URL, e.g. "local" or "redis://host:6379"); url and cfg are
     * borrowed, cfg->loop must outlive the bus. On success *out is the bus (close it with
     * close); on failure *out is NULL and the reason is logged. Returns 0 or SR_E*. */
    int (*open)(const char *url, const sr_bus_config *cfg, sr_bus **out);
    /* Unsubscribes from everything, removes its fds from the loop, and frees bus (NULL is
     * fine). Never call it from inside deliver. */
    void (*close)(sr_bus *bus);
    /* Publishes m for room with its epoch (borrowed) and seq. m is borrowed: a backend that
     * keeps it past the call takes a reference. Local delivers before it returns. Returns 0,
     * or SR_E* when the message could not be sent (it is then not delivered anywhere). */
    int (*publish)(sr_bus *bus, int64_t room, const char *epoch, uint64_t seq, sr_msg *m);
    /* Starts (subscribe) or stops (unsubscribe) hearing room on this node. Calls nest: a room
     * subscribed twice is heard until it is unsubscribed twice. The hub subscribes when a room
     * gets its first listener here and unsubscribes when the last one leaves. unsubscribe of a
     * room not subscribed returns SR_EINVAL. Returns 0 or SR_E*. */
    int (*subscribe)(sr_bus *bus, int64_t room);
    int (*unsubscribe)(sr_bus *bus, int64_t room);
    /* The loop calls this when an fd the bus added is ready (revents: SR_BUS_READ|WRITE). */
    void (*on_fd)(sr_bus *bus, int fd, int revents);
    /* The loop calls this when the timer the bus set is due. */
    void (*on_timer)(sr_bus *bus);
} sr_bus_ops;

/* ---- the registry (bus.c) ---- */

/* The backend named name ("local"), or NULL. The table is static. */
const sr_bus_ops *sr_bus_find(const char *name);
/* The backend for url: its scheme (the text before ':', or the whole of a url with none;
 * NULL or "" mean "local"), or NULL when this build has none. */
const sr_bus_ops *sr_bus_for_url(const char *url);
/* Writes the names of every backend of this build, comma-separated, into buf (n bytes, always
 * NUL-terminated when n > 0). Returns buf. */
char *sr_bus_known(char *buf, size_t n);
/* Opens a bus by URL through the backend of its scheme. An unknown scheme is logged with the
 * known ones and returns SR_EINVAL; there is no fallback. Returns 0 or SR_E*; on failure *out
 * is NULL. */
int sr_bus_open(const char *url, const sr_bus_config *cfg, sr_bus **out);

/* The in-process bus: one node, so publishing is delivering, at once, on the calling (service)
 * thread, for the rooms subscribed. It needs no loop. */
extern const sr_bus_ops sr_bus_local;

#endif
