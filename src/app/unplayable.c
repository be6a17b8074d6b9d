/* unplayable.c - the unplayable module: a track the server thinks is fine (a stream whose host
 * is down, a file a browser cannot decode) but that the listeners' players cannot play would
 * keep the room silent until its slot ends, 15 minutes for a live stream. Listeners' clients
 * report it ({"type":"cannot_play","room","track"}); the room moves on with a
 * track_unavailable notice when every present listener reported, or, REPORT_WAIT_MS after the
 * first report, when at least half of them and as many as a skip needs did
 * (docs/protocol.md, "Tracks nobody can play"). */
#include "app/kernel.h"
#include "app/modules.h"
#include "core/playback.h"
#include "util/util.h"
#include "util/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_WAIT_MS 10000.0 /* how long a partial count waits for the rest to report */

/* The reports about one room's current play (r->slot[slot]); listed in M->rooms. */
typedef struct room_reports {
    int64_t track; /* the play they are about: track and start */
    double started_at;
    double first_at; /* when the first came */
    int64_t *users;  /* present listeners who reported, each once */
    int n;
    size_t cap;
} room_reports;

typedef struct unplayable {
    int slot;
    sr_room **rooms; /* rooms holding reports: what tick looks at */
    int nrooms;
    size_t caprooms;
} unplayable;

static room_reports *of_room(unplayable *M, sr_room *r, int make)
{
    if (!r->slot[M->slot] && make) {
        r->slot[M->slot] = sr_xcalloc(1, sizeof(room_reports));
        SR_XGROW(M->rooms, M->caprooms, (size_t)M->nrooms + 1);
        M->rooms[M->nrooms++] = r;
    }
    return r->slot[M->slot];
}

static void drop_room(unplayable *M, sr_room *r)
{
    room_reports *rr = r->slot[M->slot];
    if (!rr) return;
    free(rr->users);
    free(rr);
    r->slot[M->slot] = NULL;
    for (int i = 0; i < M->nrooms; i++)
        if (M->rooms[i] == r) {
            M->rooms[i] = M->rooms[--M->nrooms];
            break;
        }
}

/* 1 when the reports move r on now: every present listener reported, or REPORT_WAIT_MS have
 * passed and at least half of them, and as many as a skip needs, did. */
static int settled(sr_hub *h, sr_room *r, const room_reports *rr, double now)
{
    if (!rr->n || !r->nlisteners) return 0;
    if (rr->n >= r->nlisteners) return 1;
    return now - rr->first_at >= REPORT_WAIT_MS && 2 * rr->n >= r->nlisteners &&
           rr->n >= sr_skip_needed(r->nlisteners, hub_skip_ratio(h, r));
}

/* Says why in the room, as the kernel does for a track that became unavailable, and moves on
 * (the play is recorded as skipped). The next play's event drops the reports. */
static void move_on(sr_hub *h, sr_room *r, double now)
{
    const sr_track *t = sr_library_get(h->lib, r->np_track);
    char text[400];
    snprintf(text, sizeof text, "\"%s\" could not be played by the listeners here and was skipped",
             t && t->title[0] ? t->title : "a track");
    json_t *o = hub_delta("notice");
    json_object_set_new(o, "code", json_string("track_unavailable"));
    json_object_set_new(o, "text", json_string(text));
    json_object_set_new(o, "track", sr_library_track_ref(h->lib, r->np_track));
    hub_submit(h, hub_job_new(r), o);
    hub_advance(h, r, now, 1);
}

/* ---------- the message ---------- */

static void on_cannot_play(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *r)
{
    unplayable *M = self;
    /* a report that crossed a track change (or names another track) is about nothing playing */
    int counted = r->np_track && m->track == r->np_track;
    if (m->ref) {
        json_t *ack = sr_proto_reply("ack", m->ref);
        json_object_set_new(ack, "counted", json_boolean(counted));
        hub_send_json(h, s, ack);
    }
    if (!counted) return;
    double now = sr_now_ms();
    room_reports *rr = of_room(M, r, 1);
    if (rr->track != r->np_track || rr->started_at != r->np_started_at) {
        *rr = (room_reports){.track = r->np_track,
                             .started_at = r->np_started_at,
                             .users = rr->users,
                             .cap = rr->cap};
    }
    int i;
    for (i = 0; i < rr->n && rr->users[i] != s->user; i++)
        ;
    if (i == rr->n) {
        SR_XGROW(rr->users, rr->cap, (size_t)rr->n + 1);
        rr->users[rr->n++] = s->user;
        if (rr->n == 1) rr->first_at = now;
    }
    if (settled(h, r, rr, now)) move_on(h, r, now);
}

static const sr_msg_hook messages[] = {
    {SR_C_CANNOT_PLAY, 1, on_cannot_play},
};

/* ---------- events ---------- */

/* Only present listeners count: one who left takes their report along. */
static void on_left(sr_hub *h, void *self, const sr_event *ev)
{
    room_reports *rr = of_room(self, ev->room, 0);
    for (int i = 0; rr && i < rr->n; i++)
        if (rr->users[i] == ev->user) {
            rr->users[i] = rr->users[--rr->n];
            return;
        }
}

static void on_room_gone(sr_hub *h, void *self, const sr_event *ev)
{
    drop_room(self, ev->room);
}

static const sr_event_hook events[] = {
    {SR_EV_LEFT, on_left},
    {SR_EV_PLAYED, on_room_gone}, /* a new play: the reports were about the last one */
    {SR_EV_ROOM_CLOSED, on_room_gone},
    {SR_EV_ROOM_FREED, on_room_gone},
};

/* ---------- the module ---------- */

/* Moves on the rooms whose wait ran out, or whose last listener who had not reported left. */
static void tick(sr_hub *h, void *self, double now)
{
    unplayable *M = self;
    for (int k = M->nrooms - 1; k >= 0; k--) {
        sr_room *r = M->rooms[k];
        room_reports *rr = r->slot[M->slot];
        if (rr->track != r->np_track || rr->started_at != r->np_started_at || !rr->n)
            drop_room(M, r);
        else if (settled(h, r, rr, now))
            move_on(h, r, now); /* its played event drops r from the list */
    }
}

static void *create(sr_hub *h)
{
    unplayable *M = sr_xcalloc(1, sizeof *M);
    M->slot = hub_slot_new(h, 1);
    return M;
}

static void stop(sr_hub *h, void *self)
{
    unplayable *M = self;
    free(M->rooms);
    free(M);
}

const sr_module sr_module_unplayable = {
    .version = SR_MODULE_VERSION,
    .name = "unplayable",
    .create = create,
    .tick = tick,
    .stop = stop,
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
