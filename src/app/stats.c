/* stats.c - the statistics module: a room's top tracks and top fans, its play history, and a
 * person's listening history. These need history on disk, so they are answered by one thread
 * with its own read-only store connection, with indexes that keep them off full scans: the
 * service thread never waits on the disk. The module also records every listening interval
 * (joins and leaves) that top fans are counted from. */
#include "app/kernel.h"
#include "app/modules.h"
#include "util/log.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The module's state. */
typedef struct stats {
    sr_pool *pool; /* one thread with its own read-only store connection */
    sr_store *st;  /* that connection: opened by, and only used on, the pool's thread */
    int64_t max_presence;
    int rslot; /* a room's open listening intervals: an sr_imap, user -> interval id */
} stats;

static stats *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_stats);
}

typedef struct stats_task {
    sr_task base;
    sr_hub *h;
    stats *S;
    char kind[16];
    json_t *params;
    json_t *out;
    int rc;
    sr_rest q; /* reply and ctx only */
} stats_task;

static void stats_run(sr_task *base)
{
    stats_task *t = (stats_task *)base;
    sr_hub *h = t->h;
    stats *S = t->S;
    /* The twin is opened by, and only ever used on, this single thread. */
    if (!S->st && (!h->st->ops->open_twin || h->st->ops->open_twin(h->st, 1, &S->st))) {
        t->rc = SR_EIO;
        return;
    }
    t->rc = S->st->ops->stats(S->st, t->kind, t->params, &t->out);
}

typedef struct fan {
    int64_t user, ms, played, votes;
    double score;
} fan;

static int fan_cmp(const void *pa, const void *pb)
{
    const fan *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->user < b->user ? -1 : a->user > b->user;
}

static void stats_done(sr_task *base)
{
    stats_task *t = (stats_task *)base;
    sr_hub *h = t->h;
    if (t->rc) {
        hub_rest_error(&t->q, 500, "internal", "the statistics could not be read");
        goto out;
    }
    json_t *rows = json_object_get(t->out, "rows"), *row, *list = json_array();
    size_t i;
    const char *key = "tracks";
    if (!strcmp(t->kind, "top_tracks")) {
        json_array_foreach(rows, i, row)
        {
            json_array_append_new(
                list, json_pack("{s:o,s:I,s:I}", "track",
                                hub_track_or_id(h, json_integer_value(json_array_get(row, 0))),
                                "plays", json_integer_value(json_array_get(row, 1)), "upvotes",
                                json_integer_value(json_array_get(row, 2))));
        }
    } else if (!strcmp(t->kind, "top_fans")) {
        key = "fans";
        size_t n = json_array_size(rows);
        fan *f = sr_xcalloc(n + 1, sizeof *f);
        json_array_foreach(rows, i, row)
        {
            f[i].user = json_integer_value(json_array_get(row, 0));
            f[i].ms = (int64_t)json_number_value(json_array_get(row, 1));
            f[i].played = json_integer_value(json_array_get(row, 2));
            f[i].votes = json_integer_value(json_array_get(row, 3));
            f[i].score =
                floor((double)f[i].ms / 60000.0) + 10.0 * (double)f[i].played + (double)f[i].votes;
        }
        if (n > 1) qsort(f, n, sizeof *f, fan_cmp);
        int64_t limit = json_integer_value(json_object_get(t->params, "limit"));
        for (size_t k = 0; k < n && (int64_t)k < limit; k++)
            json_array_append_new(list, json_pack("{s:o,s:I,s:I,s:I,s:f}", "user",
                                                  hub_user_json(h, f[k].user), "listening_ms",
                                                  (json_int_t)f[k].ms, "tracks_played",
                                                  (json_int_t)f[k].played, "votes",
                                                  (json_int_t)f[k].votes, "score", f[k].score));
        free(f);
    } else if (!strcmp(t->kind, "history")) {
        key = "plays";
        json_array_foreach(rows, i, row)
        {
            int64_t by = json_integer_value(json_array_get(row, 2));
            json_array_append_new(
                list, json_pack("{s:o,s:f,s:o,s:i,s:i,s:b,s:s}", "track",
                                hub_track_or_id(h, json_integer_value(json_array_get(row, 0))),
                                "started_at", json_number_value(json_array_get(row, 1)), "added_by",
                                by ? hub_user_json(h, by) : json_null(), "up",
                                (int)json_integer_value(json_array_get(row, 5)), "down",
                                (int)json_integer_value(json_array_get(row, 6)), "skipped",
                                (int)json_integer_value(json_array_get(row, 3)), "from",
                                json_integer_value(json_array_get(row, 4)) ? "queue" : "fallback"));
        }
    } else { /* user_history */
        key = "plays";
        json_array_foreach(rows, i, row)
        {
            sr_room *r = hub_room_get(h, json_integer_value(json_array_get(row, 1)));
            json_array_append_new(
                list,
                json_pack("{s:o,s:o,s:f}", "track",
                          hub_track_or_id(h, json_integer_value(json_array_get(row, 0))), "room",
                          r ? json_pack("{s:I,s:s}", "id", (json_int_t)r->id, "name", r->name)
                            : json_null(),
                          "started_at", json_number_value(json_array_get(row, 2))));
        }
    }
    t->q.reply(t->q.ctx, 200, json_pack("{s:o}", key, list), NULL);
out:
    json_decref(t->params);
    json_decref(t->out);
    free(t);
}

static void stats_submit(sr_hub *h, const sr_rest *q, const char *kind, json_t *params)
{
    stats_task *t = sr_xcalloc(1, sizeof *t);
    t->base.run = stats_run;
    t->base.done = stats_done;
    t->h = h;
    t->S = self_of(h);
    snprintf(t->kind, sizeof t->kind, "%s", kind);
    t->params = params;
    t->q = *q;
    sr_pool_submit(t->S->pool, &t->base);
}

static double since_arg(const sr_rest *q, int *bad)
{
    char b[16];
    const char *v = sr_rest_arg(q, "period", b, sizeof b);
    *bad = 0;
    if (!v || !strcmp(v, "all")) return 0;
    if (!strcmp(v, "7d")) return sr_now_ms() - 7 * 86400e3;
    *bad = 1;
    return 0;
}

static void ep_room_stats(sr_hub *h, const sr_rest *q, sr_room *r, const char *what)
{
    int limit = sr_rest_limit(q, 50, 200), bad = 0;
    if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 200");
    double since = since_arg(q, &bad);
    if (bad) return hub_rest_error(q, 400, "bad_field", "period must be all or 7d");
    if (!strcmp(what, "/top-tracks")) {
        char b[16];
        const char *by = sr_rest_arg(q, "by", b, sizeof b);
        if (by && strcmp(by, "plays") && strcmp(by, "votes"))
            return hub_rest_error(q, 400, "bad_field", "by must be plays or votes");
        stats_submit(h, q, "top_tracks",
                     json_pack("{s:I,s:f,s:i,s:i}", "room", (json_int_t)r->id, "since", since,
                               "limit", limit, "by", by && !strcmp(by, "votes")));
    } else if (!strcmp(what, "/top-fans")) {
        stats_submit(h, q, "top_fans",
                     json_pack("{s:I,s:f,s:f,s:i}", "room", (json_int_t)r->id, "since", since,
                               "now", sr_now_ms(), "limit", limit));
    } else {
        stats_submit(h, q, "history",
                     json_pack("{s:I,s:i}", "room", (json_int_t)r->id, "limit", limit));
    }
}

/* ---------- listening intervals ---------- */

/* The room's open intervals, made on first use: kept by room, they need no key of their own
 * per listener. */
static sr_imap *open_of(stats *S, sr_room *r)
{
    if (!r->slot[S->rslot]) r->slot[S->rslot] = sr_xcalloc(1, sizeof(sr_imap));
    return r->slot[S->rslot];
}

static void on_joined(sr_hub *h, void *self, const sr_event *ev)
{
    stats *S = self;
    int64_t id = hub_id_new(h, SR_ID_PRESENCE);
    if (!id) return;
    sr_imap_put(open_of(S, ev->room), ev->user, id);
    job *j = hub_job_new(NULL);
    sr_write_presence_open(hub_job_add(j), id, ev->user, ev->room->id, ev->now);
    hub_submit(h, j, NULL);
}

static void on_left(sr_hub *h, void *self, const sr_event *ev)
{
    stats *S = self;
    int64_t id = sr_imap_del(open_of(S, ev->room), ev->user);
    if (!id) return;
    job *j = hub_job_new(NULL);
    sr_write_presence_close(hub_job_add(j), id, ev->now);
    hub_submit(h, j, NULL);
}

/* ---------- routes ---------- */

static void r_room(void *app, const sr_rest *q, const sr_route_args *a, const char *what)
{
    sr_room *r = hub_room_get(app, a->id[0]);
    if (!r || !hub_may_enter(app, r, a->me, NULL))
        return hub_rest_error(q, 404, "no_such_room", "no room with that id");
    ep_room_stats(app, q, r, what);
}

static void r_top_tracks(void *app, const sr_rest *q, const sr_route_args *a)
{
    r_room(app, q, a, "/top-tracks");
}

static void r_top_fans(void *app, const sr_rest *q, const sr_route_args *a)
{
    r_room(app, q, a, "/top-fans");
}

static void r_history(void *app, const sr_rest *q, const sr_route_args *a)
{
    r_room(app, q, a, "/history");
}

static void r_my_history(void *app, const sr_rest *q, const sr_route_args *a)
{
    int limit = sr_rest_limit(q, 50, 500);
    if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 500");
    stats_submit(
        app, q, "user_history",
        json_pack("{s:I,s:f,s:i}", "user", (json_int_t)a->me, "now", sr_now_ms(), "limit", limit));
}

static const sr_route routes[] = {
    {"GET", "/api/rooms/:id/top-tracks", SR_WHO_ANYONE, r_top_tracks, 0},
    {"GET", "/api/rooms/:id/top-fans", SR_WHO_ANYONE, r_top_fans, 0},
    {"GET", "/api/rooms/:id/history", SR_WHO_ANYONE, r_history, 0},
    {"GET", "/api/me/history", SR_WHO_ACCOUNT, r_my_history, 0},
};

static void on_room_freed(sr_hub *h, void *self, const sr_event *ev)
{
    stats *S = self;
    sr_imap *open = ev->room->slot[S->rslot];
    if (open) sr_imap_free(open);
    free(open);
    ev->room->slot[S->rslot] = NULL;
}

static const sr_event_hook events[] = {
    {SR_EV_JOINED, on_joined},
    {SR_EV_LEFT, on_left},
    {SR_EV_ROOM_FREED, on_room_freed},
};

/* ---------- the module ---------- */

static void ld_max_presence(void *ud, int64_t id)
{
    self_of(ud)->max_presence = id;
}

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->max_presence = ld_max_presence;
}

static void wake(void *ud)
{
    sr_hub *h = ud;
    if (h->net.wake) h->net.wake(h->net.ud);
}

static int start(sr_hub *h, void *self)
{
    stats *S = self;
    S->pool = sr_pool_start(1, wake, h);
    return S->pool ? 0 : SR_ENOMEM;
}

static void poll(sr_hub *h, void *self)
{
    sr_pool_poll(((stats *)self)->pool);
}

static int pending(sr_hub *h, void *self)
{
    stats *S = self;
    return S->pool ? sr_pool_pending(S->pool) : 0;
}

static void *create(sr_hub *h)
{
    stats *S = sr_xcalloc(1, sizeof *S);
    S->rslot = hub_slot_new(h, 1);
    return S;
}

static void stop(sr_hub *h, void *self)
{
    stats *S = self;
    sr_pool_stop(S->pool); /* joins the thread: the twin is ours again */
    if (S->st) S->st->ops->close(S->st);
    free(S);
}

const sr_module sr_module_stats = {
    .version = SR_MODULE_VERSION,
    .name = "stats",
    .create = create,
    .load = load,
    .start = start,
    .poll = poll,
    .pending = pending,
    .stop = stop,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .events = events,
    .nevents = SR_COUNT(events),
};
