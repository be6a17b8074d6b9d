/* likes.c - the likes module: people like tracks and keep them (a list, an M3U export), and a
 * room shows how many of its listeners like what plays now. The room's count is kept up to
 * date on every join, leave and like, so a snapshot never has to look at every listener. */
#include "app/kernel.h"
#include "app/likes.h"
#include "app/modules.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The module's state, a person's likes (their slot) and a room's count (its slot). */
typedef struct likes {
    sr_map set; /* "user:track" -> 1 */
    int uslot, rslot;
} likes;

typedef struct user_likes {
    sr_like *v; /* oldest first */
    int n, cap;
} user_likes;

/* how many present listeners like track (canonical; 0: not counted yet) */
typedef struct room_likes {
    int64_t track;
    int n;
} room_likes;

static likes *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_likes);
}

static user_likes *of_user(sr_hub *h, int64_t uid, int create)
{
    likes *M = self_of(h);
    user *u = hub_user_get(h, uid);
    if (!u) return NULL;
    if (!u->slot[M->uslot] && create) u->slot[M->uslot] = sr_xcalloc(1, sizeof(user_likes));
    return u->slot[M->uslot];
}

static room_likes *of_room(sr_hub *h, sr_room *r)
{
    likes *M = self_of(h);
    if (!r->slot[M->rslot]) r->slot[M->rslot] = sr_xcalloc(1, sizeof(room_likes));
    return r->slot[M->rslot];
}

const sr_like *sr_likes_of(sr_hub *h, int64_t uid, int *n)
{
    user_likes *ul = of_user(h, uid, 0);
    *n = ul ? ul->n : 0;
    return ul ? ul->v : NULL;
}

static void like_key(char *buf, size_t n, int64_t uid, int64_t track)
{
    snprintf(buf, n, "%lld:%lld", (long long)uid, (long long)track);
}

static int has_like(sr_hub *h, int64_t uid, int64_t track)
{
    char k[48];
    like_key(k, sizeof k, uid, track);
    return sr_map_get(&self_of(h)->set, k) != 0;
}

static int64_t canonical(sr_hub *h, int64_t track)
{
    int64_t c = sr_library_canonical(h->lib, track);
    return c ? c : track;
}

static int count_room(sr_hub *h, sr_room *r, int64_t track)
{
    if (!track) return 0;
    int64_t c = canonical(h, track);
    room_likes *rl = of_room(h, r);
    if (c == rl->track) return rl->n;
    int n = 0;
    for (int i = 0; i < r->nlisteners; i++)
        n += has_like(h, r->listeners[i].user, c);
    if (track == r->np_track) {
        rl->track = c;
        rl->n = n;
    }
    return n;
}

/* A listener came (joined) or went: the room's count for its cached track follows. */
static void on_presence(sr_hub *h, void *self, const sr_event *ev)
{
    room_likes *rl = of_room(h, ev->room);
    if (rl->track && has_like(h, ev->user, rl->track)) rl->n += ev->type == SR_EV_JOINED ? 1 : -1;
}

/* uid's like of track changed: every room counting that track with uid present follows. */
static void room_likes_changed(sr_hub *h, int64_t uid, int64_t track, int on)
{
    int nrooms;
    sr_room **rooms = hub_rooms(h, &nrooms);
    for (int i = 0; i < nrooms; i++) {
        sr_room *r = rooms[i];
        room_likes *rl = of_room(h, r);
        if (rl->track != track) continue;
        if (hub_listener_of(r, uid)) rl->n += on ? 1 : -1;
    }
}

static void set_like(sr_hub *h, int64_t uid, int64_t track, int on)
{
    user_likes *u = of_user(h, uid, 1);
    sr_map *set = &self_of(h)->set;
    char k[48];
    like_key(k, sizeof k, uid, track);
    if (on && !sr_map_get(set, k)) {
        sr_map_put(set, k, 1);
        if (u->n == u->cap) {
            u->cap = u->cap ? u->cap * 2 : 8;
            u->v = sr_xrealloc(u->v, (size_t)u->cap * sizeof *u->v);
        }
        u->v[u->n++] = (sr_like){track, sr_now_ms()};
    } else if (!on && sr_map_del(set, k)) {
        for (int i = 0; i < u->n; i++)
            if (u->v[i].track == track) {
                memmove(u->v + i, u->v + i + 1, (size_t)(u->n - i - 1) * sizeof *u->v);
                u->n--;
                break;
            }
    }
}

static job *like_job(sr_hub *h, int64_t uid, int64_t track, int on)
{
    int was = has_like(h, uid, track);
    set_like(h, uid, track, on);
    if (was != on) room_likes_changed(h, uid, track, on);
    user *u = hub_user_get(h, uid);
    sr_room *r = u ? u->room : NULL;
    job *j = hub_job_new(NULL);
    double when = sr_now_ms();
    sr_write_like(hub_job_add(j), uid, track, on, when);
    int here = r && was != on && canonical(h, r->np_track) == track;
    sr_event ev = {.type = SR_EV_LIKED,
                   .user = uid,
                   .track = track,
                   .value = on,
                   .room = here ? r : NULL,
                   .now = when};
    if (was != on) hub_emit(h, &ev);
    if (here) j->room = r; /* the caller adds the likes delta */
    return j;
}

static json_t *likes_delta(sr_hub *h, sr_room *r)
{
    json_t *o = hub_delta("likes");
    json_object_set_new(o, "track", json_integer(r->np_track));
    json_object_set_new(o, "count", json_integer(count_room(h, r, r->np_track)));
    return o;
}

static void on_like(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *unused)
{
    if (hub_is_guest(h, s->user))
        return hub_send_error(h, s, "sign_in_required", "sign in to like tracks", m->ref);
    if (!sr_library_get(h->lib, m->track))
        return hub_send_error(h, s, "no_such_track", "no track with that id", m->ref);
    int64_t track = canonical(h, m->track);
    job *j = like_job(h, s->user, track, m->value);
    hub_job_ack(j, s, m->ref, json_pack("{s:b}", "liked", m->value));
    hub_submit(h, j, j->room ? likes_delta(h, j->room) : NULL);
}

static void raw_m3u(sr_hub *h, const sr_rest *q, user_likes *u)
{
    size_t cap = 256 + (size_t)(u ? u->n : 0) * 800, n = 0;
    char *out = sr_xmalloc(cap);
    n += (size_t)snprintf(out + n, cap - n, "#EXTM3U\n");
    for (int i = u ? u->n - 1 : -1; i >= 0; i--) {
        const sr_track *t = sr_library_get(h->lib, u->v[i].track);
        if (!t) continue;
        /* an M3U line ends at a newline: names must not break out of theirs */
        char artist[200], title[200];
        snprintf(artist, sizeof artist, "%s", t->artist ? t->artist : "");
        snprintf(title, sizeof title, "%s", t->title ? t->title : "");
        for (char *p = artist; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        for (char *p = title; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        /* absolute URLs: a player outside the browser opens the file from them */
        n += (size_t)snprintf(out + n, cap - n, "#EXTINF:%lld,%s - %s\n%s/media/%lld\n",
                              (long long)(t->duration_ms / 1000), artist, title,
                              q->base_url ? q->base_url : "", (long long)t->id);
        if (n >= cap) n = cap - 1;
    }
    q->reply_raw(q->ctx, 200, "audio/x-mpegurl; charset=utf-8", out, n);
}

/* A page of u's likes, newest first: {"tracks":[{track, liked_at}], "total", "offset"}. */
static json_t *likes_json(sr_hub *h, user_likes *u, int offset, int limit)
{
    json_t *a = json_array();
    int total = u ? u->n : 0;
    for (int i = total - 1 - offset, n = 0; i >= 0 && n < limit; i--, n++)
        json_array_append_new(a, json_pack("{s:o,s:f}", "track", hub_track_or_id(h, u->v[i].track),
                                           "liked_at", u->v[i].when));
    return json_pack("{s:o,s:i,s:i}", "tracks", a, "total", total, "offset", offset);
}

/* GET /api/users/:id/likes?offset=&limit=: a person's likes are as public as their activity;
 * someone who hides it (hide_activity) shows them to themselves only, and others are told so
 * (403) rather than shown an empty list that would read as "likes nothing". */
static void ep_user_likes(sr_hub *h, const sr_rest *q, int64_t uid, int64_t viewer)
{
    user *u = hub_user_get(h, uid);
    if (!u || !u->username) return hub_rest_error(q, 404, "no_such_user", "no user with that id");
    if (u->hide_activity && viewer != uid)
        return hub_rest_error(q, 403, "not_allowed", "this person keeps their likes private");
    char b[16];
    const char *off = sr_rest_arg(q, "offset", b, sizeof b);
    long offset = 0;
    if (off) {
        char *end;
        offset = strtol(off, &end, 10);
        if (!*off || *end || offset < 0 || offset > 1000000000L)
            return hub_rest_error(q, 400, "bad_field", "offset must be 0 or more");
    }
    int limit = sr_rest_limit(q, 50, 100);
    if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 100");
    q->reply(q->ctx, 200, likes_json(h, of_user(h, uid, 0), (int)offset, limit), NULL);
}

/* ---------- routes ---------- */

static void r_user_likes(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_user_likes(app, q, a->id[0], a->me);
}

static void r_my_likes(void *app, const sr_rest *q, const sr_route_args *a)
{
    user_likes *u = of_user(app, a->me, 0);
    q->reply(q->ctx, 200, likes_json(app, u, 0, u ? u->n : 0), NULL);
}

static void r_m3u(void *app, const sr_rest *q, const sr_route_args *a)
{
    raw_m3u(app, q, of_user(app, a->me, 0));
}

static void r_like(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    if (!a->id[0] || !sr_library_get(h->lib, a->id[0]))
        return hub_rest_error(q, 404, "no_such_track", "no track with that id");
    int on = q->method == 'U';
    int64_t track = canonical(h, a->id[0]);
    job *j = like_job(h, a->me, track, on);
    sr_room *r = j->room;
    hub_submit_reply(h, j, r ? likes_delta(h, r) : NULL, q->reply, q->ctx, 200,
                     json_pack("{s:b}", "liked", on), NULL);
}

static const sr_route routes[] = {
    {"GET", "/api/users/:id/likes", SR_WHO_ANYONE, r_user_likes, 0},
    {"GET", "/api/me/likes", SR_WHO_ACCOUNT, r_my_likes, 0},
    {"GET", "/api/me/likes.m3u", SR_WHO_ACCOUNT, r_m3u, 0},
    {"PUT", "/api/me/likes/:id", SR_WHO_ACCOUNT, r_like, 0},
    {"DELETE", "/api/me/likes/:id", SR_WHO_ACCOUNT, r_like, 0},
};

static const sr_msg_hook messages[] = {
    {SR_C_LIKE, 0, on_like},
};

/* ---------- the module ---------- */

static void room_json(sr_hub *h, void *self, sr_room *r, sr_view view, int64_t viewer, json_t *o)
{
    if (view == SR_VIEW_NOW_PLAYING)
        json_object_set_new(o, "likes", json_integer(count_room(h, r, r->np_track)));
}

static void ld_like(void *ud, int64_t uid, int64_t track, double when)
{
    sr_hub *h = ud;
    if (!hub_user_get(h, uid)) return;
    set_like(h, uid, track, 1);
    user_likes *u = of_user(h, uid, 0);
    u->v[u->n - 1].when = when;
}

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->like = ld_like;
}

static void on_user_freed(sr_hub *h, void *self, const sr_event *ev)
{
    likes *M = self;
    user *u = hub_user_get(h, ev->user);
    user_likes *ul = u ? u->slot[M->uslot] : NULL;
    if (!ul) return;
    free(ul->v);
    free(ul);
    u->slot[M->uslot] = NULL;
}

static void on_room_freed(sr_hub *h, void *self, const sr_event *ev)
{
    likes *M = self;
    free(ev->room->slot[M->rslot]);
    ev->room->slot[M->rslot] = NULL;
}

static const sr_event_hook events[] = {
    {SR_EV_JOINED, on_presence},
    {SR_EV_LEFT, on_presence},
    {SR_EV_USER_FREED, on_user_freed},
    {SR_EV_ROOM_FREED, on_room_freed},
};

static void *create(sr_hub *h)
{
    likes *M = sr_xcalloc(1, sizeof *M);
    M->uslot = hub_slot_new(h, 0);
    M->rslot = hub_slot_new(h, 1);
    return M;
}

static void stop(sr_hub *h, void *self)
{
    likes *M = self;
    sr_map_free(&M->set);
    free(M);
}

const sr_module sr_module_likes = {
    .version = SR_MODULE_VERSION,
    .name = "likes",
    .create = create,
    .load = load,
    .stop = stop,
    .room_json = room_json,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
