/* sync.c - the sync module: how far each listener's playback is from the room's schedule, as
 * their client measured it ({"type":"sync","room","error_ms"} every few seconds), kept per room
 * and shown to the room as "sync" on the snapshot and GET /api/rooms/:id, and in a coalesced
 * "sync" delta at most every SYNC_EVERY_MS (docs/protocol.md, "Playback sync reports"). */
#include "app/kernel.h"
#include "app/modules.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_EVERY_MS 2000.0  /* at most one "sync" delta per room this often */
#define SYNC_STALE_MS 15000.0 /* a report older than this no longer counts (the client stopped) */
#define SYNC_SHOWN 100        /* listeners named in the room's figures, at most */

typedef struct report {
    int64_t user;
    double error_ms, at;
} report;

/* One room's reports (r->slot[slot]); listed in syncmod.rooms while it has any. */
typedef struct room_sync {
    report *v;
    int n, cap;
    int dirty;   /* changed since the last delta */
    double sent; /* when the last delta went out */
} room_sync;

typedef struct syncmod {
    int slot;
    sr_room **rooms; /* rooms holding reports: what tick looks at */
    int nrooms, caprooms;
} syncmod;

static room_sync *of_room(syncmod *M, sr_room *r, int make)
{
    if (!r->slot[M->slot] && make) {
        r->slot[M->slot] = sr_xcalloc(1, sizeof(room_sync));
        if (M->nrooms == M->caprooms) {
            M->caprooms = M->caprooms ? 2 * M->caprooms : 8;
            M->rooms = sr_xrealloc(M->rooms, (size_t)M->caprooms * sizeof *M->rooms);
        }
        M->rooms[M->nrooms++] = r;
    }
    return r->slot[M->slot];
}

static void drop_room(syncmod *M, sr_room *r)
{
    room_sync *rs = r->slot[M->slot];
    if (!rs) return;
    free(rs->v);
    free(rs);
    r->slot[M->slot] = NULL;
    for (int i = 0; i < M->nrooms; i++)
        if (M->rooms[i] == r) {
            M->rooms[i] = M->rooms[--M->nrooms];
            break;
        }
}

static void drop_report(room_sync *rs, int i)
{
    rs->v[i] = rs->v[--rs->n];
    rs->dirty = 1;
}

/* A number shown to 0.1 ms. */
static json_t *ms_json(double ms)
{
    return json_real(round(ms * 10) / 10);
}

/* {"error_ms": the largest fresh report or null, "reporting": how many, "listeners":
 * [{"user","error_ms"}] (the first SYNC_SHOWN)}. New reference. */
static json_t *sync_json(room_sync *rs)
{
    json_t *a = json_array();
    double worst = -1;
    for (int i = 0; rs && i < rs->n; i++) {
        if (rs->v[i].error_ms > worst) worst = rs->v[i].error_ms;
        if (i < SYNC_SHOWN)
            json_array_append_new(a, json_pack("{s:I,s:o}", "user", (json_int_t)rs->v[i].user,
                                               "error_ms", ms_json(rs->v[i].error_ms)));
    }
    return json_pack("{s:o,s:i,s:o}", "error_ms", worst < 0 ? json_null() : ms_json(worst),
                     "reporting", rs ? rs->n : 0, "listeners", a);
}

/* ---------- the message ---------- */

static void on_sync(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *r)
{
    room_sync *rs = of_room(self, r, 1);
    int i;
    for (i = 0; i < rs->n && rs->v[i].user != s->user; i++)
        ;
    if (i == rs->n) {
        if (rs->n == rs->cap) {
            rs->cap = rs->cap ? 2 * rs->cap : 8;
            rs->v = sr_xrealloc(rs->v, (size_t)rs->cap * sizeof *rs->v);
        }
        rs->n++;
        rs->v[i].user = s->user;
        rs->dirty = 1;
    }
    /* the figure shown moves by 0.1 ms steps: an unchanged one sends no delta */
    if (round(rs->v[i].error_ms * 10) != round(m->sync_ms * 10)) rs->dirty = 1;
    rs->v[i].error_ms = m->sync_ms;
    rs->v[i].at = sr_now_ms();
    if (m->ref) hub_send_json(h, s, sr_proto_reply("ack", m->ref));
}

static const sr_msg_hook messages[] = {
    {SR_C_SYNC, 1, on_sync},
};

/* ---------- events ---------- */

static void on_left(sr_hub *h, void *self, const sr_event *ev)
{
    room_sync *rs = of_room(self, ev->room, 0);
    for (int i = 0; rs && i < rs->n; i++)
        if (rs->v[i].user == ev->user) return drop_report(rs, i);
}

static void on_room_gone(sr_hub *h, void *self, const sr_event *ev)
{
    drop_room(self, ev->room);
}

static const sr_event_hook events[] = {
    {SR_EV_LEFT, on_left},
    {SR_EV_ROOM_CLOSED, on_room_gone},
    {SR_EV_ROOM_FREED, on_room_gone},
};

/* ---------- the module ---------- */

/* Forgets stale reports and sends each changed room's figures, at most every SYNC_EVERY_MS. */
static void tick(sr_hub *h, void *self, double now)
{
    syncmod *M = self;
    for (int k = 0; k < M->nrooms; k++) {
        sr_room *r = M->rooms[k];
        room_sync *rs = r->slot[M->slot];
        for (int i = rs->n - 1; i >= 0; i--)
            if (now - rs->v[i].at > SYNC_STALE_MS) drop_report(rs, i);
        if (!rs->dirty || now - rs->sent < SYNC_EVERY_MS) continue;
        rs->dirty = 0;
        rs->sent = now;
        json_t *o = hub_delta("sync");
        json_object_update_new(o, sync_json(rs));
        hub_submit(h, hub_job_new(r), o);
        if (!rs->n) drop_room(M, r), k--; /* nobody reports: the delta said so, forget it */
    }
}

static void room_json(sr_hub *h, void *self, sr_room *r, sr_view view, int64_t viewer, json_t *o)
{
    if (view == SR_VIEW_SNAPSHOT || view == SR_VIEW_ROOM)
        json_object_set_new(o, "sync", sync_json(of_room(self, r, 0)));
}

static void *create(sr_hub *h)
{
    syncmod *M = sr_xcalloc(1, sizeof *M);
    M->slot = hub_slot_new(h, 1);
    return M;
}

static void stop(sr_hub *h, void *self)
{
    syncmod *M = self;
    free(M->rooms);
    free(M);
}

const sr_module sr_module_sync = {
    .version = SR_MODULE_VERSION,
    .name = "sync",
    .create = create,
    .tick = tick,
    .stop = stop,
    .room_json = room_json,
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
