/* module.h - what a feature module is: a const table of hooks (routes, message handlers, event
 * listeners, load and tick) that the kernel runs without ever naming the feature. */
#ifndef SR_MODULE_H
#define SR_MODULE_H

#include <jansson.h>

#include "api/route.h"
#include "app/events.h"
#include "proto/proto.h"
#include "store/store.h"

typedef struct sr_hub sr_hub;
typedef struct sr_room sr_room;
struct sr_session;

/* A WebSocket message type a module handles. The kernel has checked hello and, when in_room is
 * set, that the sender is in the room the message names (r is then that room, else NULL). m is
 * borrowed for the call. */
typedef struct sr_msg_hook {
    sr_ctype type;
    int in_room;
    void (*fn)(sr_hub *h, void *self, struct sr_session *s, sr_cmsg *m, sr_room *r);
} sr_msg_hook;

/* An event a module listens to; ev is borrowed for the call (see app/events.h). */
typedef struct sr_event_hook {
    sr_event_type type;
    void (*fn)(sr_hub *h, void *self, const sr_event *ev);
} sr_event_hook;

/* What a room's JSON is being built for: modules add their members to it. */
typedef enum sr_view {
    SR_VIEW_SNAPSHOT = 1,    /* the join snapshot (viewer: the joining user) */
    SR_VIEW_ROOM = 2,        /* GET /api/rooms/:id and room summaries */
    SR_VIEW_NOW_PLAYING = 3, /* the now-playing object (snapshots, now_playing deltas) */
} sr_view;

/* A feature module. Version 1; fields are only ever appended (bump version when one is). Every
 * hook may be NULL. self is what create returned (the module's own state; may be NULL). */
typedef struct sr_module {
    int version;
    const char *name;
    /* Makes the module's state, before the store is loaded. */
    void *(*create)(sr_hub *h);
    /* Sets the callbacks of sink it owns (the sink's ud is the hub: find self with
     * hub_module_self). */
    void (*load)(sr_hub *h, void *self, sr_load_sink *sink);
    /* After loading, before serving: threads, caches. Returns 0 or SR_E*. */
    int (*start)(sr_hub *h, void *self);
    /* Every kernel tick (service thread), with the server time. */
    void (*tick)(sr_hub *h, void *self, double now);
    /* When worker threads signalled (service thread): take finished tasks. */
    void (*poll)(sr_hub *h, void *self);
    /* Tasks of this module not yet finished (shutdown waits for 0). */
    int (*pending)(sr_hub *h, void *self);
    /* Stops threads and frees self (after every room and user is gone). */
    void (*stop)(sr_hub *h, void *self);
    /* Adds this module's members to a room's JSON o (borrowed) for viewer (0: nobody). */
    void (*room_json)(sr_hub *h, void *self, sr_room *r, sr_view view, int64_t viewer, json_t *o);
    /* Adds this module's members to a person's JSON o (borrowed) as rooms and profiles show
     * them ({"id","name"} plus what modules add, e.g. "avatar"). */
    void (*person_json)(sr_hub *h, void *self, int64_t uid, json_t *o);
    const sr_route *routes;
    int nroutes;
    const sr_msg_hook *messages;
    int nmessages;
    const sr_event_hook *events;
    int nevents;
} sr_module;

#define SR_MODULE_VERSION 1
#define SR_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
