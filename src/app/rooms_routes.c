/* rooms_routes.c - the rooms module's REST routes: health, server time, the room list, creating
 * a room and reading one. The rooms themselves live in the hub; these only ask it. */
#include "app/hub.h"
#include "app/kernel.h"
#include "app/modules.h"
#include "util/util.h"

#include <stdlib.h>

/* GET /api/health */
static void ep_health(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, json_pack("{s:b,s:s}", "ok", 1, "version", SR_VERSION), NULL);
}

/* GET /api/time: the clock every client syncs to */
static void ep_time(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, json_pack("{s:f}", "server_time", sr_now_ms()), NULL);
}

/* GET /api/rooms[?q=words] */
static void ep_rooms(void *app, const sr_rest *q, const sr_route_args *a)
{
    char qb[256];
    q->reply(q->ctx, 200, sr_hub_rooms_json(app, sr_rest_arg(q, "q", qb, sizeof qb)), NULL);
}

/* Where a room being created answers once it is durable. */
typedef struct created {
    sr_hub *h;
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
} created;

static void room_created(void *ctx, json_t *room)
{
    created *c = ctx;
    if (room)
        c->reply(c->ctx, 201, json_pack("{s:o}", "room", room), NULL);
    else {
        int http;
        json_t *err = hub_write_error_json(c->h, 0, &http);
        c->reply(c->ctx, http, err, NULL);
    }
    free(c);
}

/* POST /api/rooms {name, description?, tags?, ...}: 201 {room} once durable */
static void ep_create(void *app, const sr_rest *q, const sr_route_args *a)
{
    if (!q->body) return sr_rest_error(q, 400, "bad_json", "the body is not valid JSON");
    const char *code = NULL;
    char msg[160];
    created *c = sr_xmalloc(sizeof *c);
    *c = (created){app, q->reply, q->ctx};
    if (sr_hub_create_room(app, a->me, q->body, room_created, c, &code, msg, sizeof msg)) {
        free(c);
        sr_rest_error(q, 400, code, msg);
    }
}

/* GET /api/rooms/:id (a private room is unknown to those who may not enter it) */
static void ep_room(void *app, const sr_rest *q, const sr_route_args *a)
{
    json_t *o = a->id[0] ? sr_hub_room_json(app, a->id[0], a->me) : NULL;
    if (!o) return sr_rest_error(q, 404, "no_such_room", "no room with that id");
    q->reply(q->ctx, 200, o, NULL);
}

static const sr_route routes[] = {
    {"GET", "/api/health", SR_WHO_ANYONE, ep_health, 0},
    {"GET", "/api/time", SR_WHO_ANYONE, ep_time, 0},
    {"GET", "/api/rooms", SR_WHO_ANYONE, ep_rooms, 0},
    {"POST", "/api/rooms", SR_WHO_ACCOUNT, ep_create, 0},
    {"GET", "/api/rooms/:id", SR_WHO_ANYONE, ep_room, 0},
};

const sr_module sr_module_rooms = {
    .version = SR_MODULE_VERSION,
    .name = "rooms",
    .routes = routes,
    .nroutes = SR_COUNT(routes),
};
