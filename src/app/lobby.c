/* lobby.c - the lobby module: the live room list, trending (activity that fades with a
 * half-life), rooms recommended to each person, favourite rooms, and artist rooms made on
 * demand. It follows the rooms through the kernel's events (joins, queue adds, votes, chat,
 * likes, tracks starting) and pushes coalesced updates to lobby subscribers. */
#include "app/kernel.h"
#include "app/likes.h"
#include "app/modules.h"
#include "core/ranking.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOBBY_EVERY_MS 500
#define TRENDING_EVERY_MS 10000
#define LIST_MAX 50
#define LOBBY_ROOMS 200

typedef struct visit {
    int64_t room, count;
} visit;

/* The module's state, a room's (its slot) and a person's (their slot). */
typedef struct lobby {
    int rslot, uslot;
    unsigned topic; /* sessions subscribed to lobby updates */
    double lobby_sent, trending_sent;
    int64_t *gone; /* rooms closed since the last update */
    int ngone;
} lobby;

typedef struct lobby_room {
    sr_activity activity;
    int dirty; /* changed since the last lobby update */
} lobby_room;

/* One block with the visits inline: a guest who joined one room holds 40 bytes here. */
typedef struct lobby_user {
    int64_t *favorites;
    int nfavorites, capfavorites;
    int nvisits, capvisits;
    visit visits[];
} lobby_user;

static lobby *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_lobby);
}

static lobby_room *LR(sr_hub *h, sr_room *r)
{
    lobby *M = self_of(h);
    if (!r->slot[M->rslot]) r->slot[M->rslot] = sr_xcalloc(1, sizeof(lobby_room));
    return r->slot[M->rslot];
}

/* A person's lobby state, made on first use; NULL for an unknown id. */
static lobby_user *LU(sr_hub *h, int64_t uid)
{
    lobby *M = self_of(h);
    user *u = hub_user_get(h, uid);
    if (!u) return NULL;
    if (!u->slot[M->uslot]) {
        lobby_user *lu = sr_xcalloc(1, sizeof *lu + sizeof(visit));
        lu->capvisits = 1;
        u->slot[M->uslot] = lu;
    }
    return u->slot[M->uslot];
}

static void activity(sr_hub *h, sr_room *r, double weight)
{
    lobby_room *lr = LR(h, r);
    sr_activity_add(&lr->activity, sr_now_ms(), weight, SR_TRENDING_HALF_LIFE_MS);
    lr->dirty = 1;
}

static visit *visit_of(lobby_user *u, int64_t room)
{
    for (int i = 0; i < u->nvisits; i++)
        if (u->visits[i].room == room) return &u->visits[i];
    return NULL;
}

/* uid's visits to room, counted from 0 when new (NULL for an unknown person). The block
 * grows in place of the old one: earlier lobby_user pointers of uid are stale after. */
static visit *visit_add(sr_hub *h, int64_t uid, int64_t room)
{
    lobby_user *u = LU(h, uid);
    if (!u) return NULL;
    visit *v = visit_of(u, room);
    if (v) return v;
    if (u->nvisits == u->capvisits) {
        u->capvisits *= 2;
        u = sr_xrealloc(u, sizeof *u + (size_t)u->capvisits * sizeof(visit));
        hub_user_get(h, uid)->slot[self_of(h)->uslot] = u;
    }
    u->visits[u->nvisits] = (visit){room, 0};
    return &u->visits[u->nvisits++];
}

static json_t *summary_json(sr_hub *h, sr_room *r, double now)
{
    json_t *o = hub_room_info_json(r);
    json_object_set_new(o, "listeners", json_integer(r->nlisteners));
    json_object_set_new(o, "now_playing", sr_library_track_ref(h->lib, r->np_track));
    json_object_set_new(o, "artist", r->artist ? json_string(r->artist) : json_null());
    json_object_set_new(
        o, "trending",
        json_real(sr_activity_value(&LR(h, r)->activity, now, SR_TRENDING_HALF_LIFE_MS)));
    return o;
}

static json_t *trending_ids(sr_hub *h, double now)
{
    int nrooms;
    sr_room **rooms = hub_rooms(h, &nrooms);
    sr_ranked_room *rr = sr_xcalloc((size_t)nrooms + 1, sizeof *rr);
    int n = 0;
    for (int i = 0; i < nrooms; i++) {
        sr_room *r = rooms[i];
        if (r->visibility) continue;
        rr[n++] = (sr_ranked_room){
            r->id, sr_activity_value(&LR(h, r)->activity, now, SR_TRENDING_HALF_LIFE_MS),
            r->nlisteners};
    }
    sr_rank_rooms(rr, n);
    json_t *a = json_array();
    for (int i = 0; i < n && i < LIST_MAX; i++)
        json_array_append_new(a, json_integer(rr[i].id));
    free(rr);
    return a;
}

static int has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && !strcasecmp(json_string_value(v), s)) return 1;
    return 0;
}

/* The features of room r for user uid (see ranking.h). */
static sr_rec_features features(sr_hub *h, lobby_user *u, int64_t uid, sr_room *r)
{
    sr_rec_features f = {.listeners = r->nlisteners};
    for (int i = 0; i < r->nlisteners; i++)
        if (r->listeners[i].user != uid && !hub_user_get(h, r->listeners[i].user)->hide_activity &&
            hub_follows(h, uid, r->listeners[i].user) && hub_follows(h, r->listeners[i].user, uid))
            f.friends_present++;
    /* tags shared with the favourite rooms (each distinct tag once) */
    size_t ti;
    json_t *tag;
    json_array_foreach(r->tags, ti, tag)
    {
        for (int k = 0; k < u->nfavorites; k++) {
            sr_room *fr = hub_room_get(h, u->favorites[k]);
            if (fr && fr != r && has_string(fr->tags, json_string_value(tag))) {
                f.shared_tags++;
                break;
            }
        }
    }
    /* artists the room plays that the person liked tracks of */
    int nlikes;
    const sr_like *likes = sr_likes_of(h, uid, &nlikes);
    int64_t played[RANKED + 1];
    int np = 0;
    if (r->np_track) played[np++] = r->np_track;
    for (int i = 0; i < r->nrank; i++)
        played[np++] = r->rank[i].track;
    const char *seen[RANKED + 1];
    int nseen = 0;
    for (int i = 0; i < np; i++) {
        const sr_track *t = sr_library_get(h->lib, played[i]);
        if (!t || !t->artist || !*t->artist) continue;
        int dup = 0;
        for (int k = 0; k < nseen; k++)
            dup |= !strcasecmp(seen[k], t->artist);
        if (dup) continue;
        for (int k = 0; k < nlikes; k++) {
            const sr_track *lt = sr_library_get(h->lib, likes[k].track);
            if (lt && lt->artist && !strcasecmp(lt->artist, t->artist)) {
                f.liked_artists++;
                seen[nseen++] = t->artist;
                break;
            }
        }
    }
    visit *v = visit_of(u, r->id);
    f.visits = v ? (int)v->count : 0;
    return f;
}

static json_t *recommended_ids(sr_hub *h, int64_t uid)
{
    json_t *a = json_array();
    if (hub_is_guest(h, uid)) return a;
    lobby_user *u = LU(h, uid);
    int nrooms;
    sr_room **rooms = hub_rooms(h, &nrooms);
    sr_ranked_room *rr = sr_xcalloc((size_t)nrooms + 1, sizeof *rr);
    int n = 0;
    for (int i = 0; i < nrooms; i++) {
        sr_room *r = rooms[i];
        if (r->visibility) continue;
        sr_rec_features f = features(h, u, uid, r);
        if (!sr_recommend_relevant(&f)) continue;
        rr[n++] = (sr_ranked_room){r->id, sr_recommend_score(&f), r->nlisteners};
    }
    sr_rank_rooms(rr, n);
    for (int i = 0; i < n && i < LIST_MAX; i++)
        json_array_append_new(a, json_integer(rr[i].id));
    free(rr);
    return a;
}

static json_t *favorite_ids(sr_hub *h, int64_t uid)
{
    lobby_user *u = LU(h, uid);
    json_t *a = json_array();
    for (int i = 0; u && i < u->nfavorites; i++)
        json_array_append_new(a, json_integer(u->favorites[i]));
    return a;
}

static void add_unique(int64_t *ids, int *n, int64_t id)
{
    for (int i = 0; i < *n; i++)
        if (ids[i] == id) return;
    ids[(*n)++] = id;
}

static void on_lobby(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *unused)
{
    lobby *M = self;
    s->topics = m->value ? s->topics | M->topic : s->topics & ~M->topic;
    if (!m->value) return hub_send_json(h, s, sr_proto_reply("ack", m->ref));
    double now = sr_now_ms();
    json_t *o = sr_proto_reply("lobby", m->ref);
    json_t *trending = trending_ids(h, now), *recommended = recommended_ids(h, s->user),
           *favorites = favorite_ids(h, s->user);
    /* The rooms the lists name, then the fullest others, up to LOBBY_ROOMS: a lobby of ten
     * thousand rooms must not cost every subscriber megabytes. Search finds the rest. */
    int nrooms;
    sr_room **all = hub_rooms(h, &nrooms);
    int64_t *ids = sr_xmalloc(((size_t)nrooms + 1) * sizeof *ids);
    int n = 0;
    json_t *lists[] = {trending, recommended, favorites}, *v;
    size_t k;
    for (int l = 0; l < 3; l++)
        json_array_foreach(lists[l], k, v) add_unique(ids, &n, json_integer_value(v));
    sr_ranked_room *full = sr_xcalloc((size_t)nrooms + 1, sizeof *full);
    int nf = 0;
    for (int i = 0; i < nrooms; i++)
        if (!all[i]->visibility)
            full[nf++] = (sr_ranked_room){all[i]->id, all[i]->nlisteners, all[i]->nlisteners};
    sr_rank_rooms(full, nf);
    for (int i = 0; i < nf && n < LOBBY_ROOMS; i++)
        add_unique(ids, &n, full[i].id);
    free(full);
    json_t *rooms = json_array();
    for (int i = 0; i < n; i++) {
        sr_room *r = hub_room_get(h, ids[i]);
        if (r && !r->visibility) json_array_append_new(rooms, summary_json(h, r, now));
    }
    free(ids);
    json_object_set_new(o, "rooms", rooms);
    json_object_set_new(o, "trending", trending);
    json_object_set_new(o, "recommended", recommended);
    json_object_set_new(o, "favorites", favorites);
    hub_send_json(h, s, o);
}

typedef struct push_ctx {
    sr_hub *h;
    sr_msg *m;
    json_t *o;      /* the shared update, for per-person copies */
    int personal;   /* the 10 s round: accounts also get their recommendations */
    unsigned topic; /* the lobby's bit in sr_session.topics */
} push_ctx;

static void push_one(sr_session *s, void *ud)
{
    push_ctx *c = ud;
    if (!(s->topics & c->topic) || !s->wsi) return;
    if (c->personal && !hub_is_guest(c->h, s->user)) {
        json_t *mine = json_copy(c->o);
        json_object_set_new(mine, "recommended", recommended_ids(c->h, s->user));
        hub_send_json(c->h, s, mine);
        return;
    }
    c->h->net.send(s, c->m); /* the same bytes for everyone else */
}

static void tick(sr_hub *h, void *self, double now)
{
    lobby *M = self;
    if (!h->net.each_session) return;
    int trending = now - M->trending_sent >= TRENDING_EVERY_MS;
    if (!trending && now - M->lobby_sent < LOBBY_EVERY_MS) return;
    json_t *rooms = json_array(), *removed = json_array();
    for (int i = 0; i < M->ngone; i++) /* closed rooms */
        json_array_append_new(removed, json_integer(M->gone[i]));
    M->ngone = 0;
    int nrooms;
    sr_room **all = hub_rooms(h, &nrooms);
    for (int i = 0; i < nrooms; i++) {
        sr_room *r = all[i];
        lobby_room *lr = LR(h, r);
        if (!lr->dirty) continue;
        lr->dirty = 0;
        if (!r->visibility)
            json_array_append_new(rooms, summary_json(h, r, now));
        else /* made unlisted or private: gone from the lobby */
            json_array_append_new(removed, json_integer(r->id));
    }
    if (!json_array_size(rooms) && !json_array_size(removed) && !trending) {
        json_decref(rooms);
        json_decref(removed);
        return;
    }
    M->lobby_sent = now;
    json_t *o = json_pack("{s:s,s:o}", "type", "lobby_update", "rooms", rooms);
    if (json_array_size(removed))
        json_object_set_new(o, "removed", removed);
    else
        json_decref(removed);
    if (trending) {
        M->trending_sent = now;
        json_object_set_new(o, "trending", trending_ids(h, now));
    }
    /* encoded once for every subscriber (accounts get a copy with their recommendations on
     * the 10 s round) */
    push_ctx c = {h, sr_msg_take(sr_proto_dump(json_incref(o))), o, trending, M->topic};
    h->net.each_session(push_one, &c);
    sr_msg_unref(c.m);
    json_decref(o);
}

static void set_favorite(lobby_user *u, int64_t room, int on)
{
    for (int i = 0; i < u->nfavorites; i++)
        if (u->favorites[i] == room) {
            if (!on) u->favorites[i] = u->favorites[--u->nfavorites];
            return;
        }
    if (!on) return;
    if (u->nfavorites == u->capfavorites) {
        u->capfavorites = u->capfavorites ? u->capfavorites * 2 : 8;
        u->favorites = sr_xrealloc(u->favorites, (size_t)u->capfavorites * sizeof *u->favorites);
    }
    u->favorites[u->nfavorites++] = room;
}

/* The room of an artist: found, or made when the library has the artist's tracks. */
static void ep_artist_room(sr_hub *h, const sr_rest *q, const char *name)
{
    if (!*name || strlen(name) > 200)
        return hub_rest_error(q, 404, "no_such_artist", "no such artist");
    int nrooms;
    sr_room **all = hub_rooms(h, &nrooms);
    for (int i = 0; i < nrooms; i++)
        if (all[i]->artist && !strcasecmp(all[i]->artist, name))
            return q->reply(q->ctx, 200,
                            json_pack("{s:o}", "room", summary_json(h, all[i], sr_now_ms())), NULL);
    int nlib;
    const int64_t *lib = sr_library_playable(h->lib, &nlib);
    const char *canon = NULL;
    for (int i = 0; i < nlib && !canon; i++) {
        const sr_track *t = sr_library_get(h->lib, lib[i]);
        if (t && t->artist && !strcasecmp(t->artist, name)) canon = t->artist;
    }
    if (!canon)
        return hub_rest_error(q, 404, "no_such_artist", "the library has no tracks by that artist");
    json_t *body = json_pack("{s:s,s:s,s:[s]}", "name", canon, "description", "", "tags", "artist");
    const char *code;
    char msg[160];
    sr_room *r = hub_create_room_now(h, 0, body, &code, msg, sizeof msg);
    json_decref(body);
    if (!r) return hub_rest_error(q, 400, code, msg);
    r->artist = sr_xstrdup(canon);
    hub_advance(h, r, sr_now_ms(), 0); /* plays the artist from its first moment */
    job *j = hub_job_new(r);
    hub_room_write_settings(j, r);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 201 /* made now */,
                     json_pack("{s:o}", "room", summary_json(h, r, sr_now_ms())), NULL);
    sr_log(SR_LOG_INFO, "artist room created", "room=%lld", (long long)r->id);
}

/* ---------- routes ---------- */

static void r_artist_room(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_artist_room(app, q, a->str[0]);
}

static void r_favorites(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    lobby_user *u = LU(h, a->me);
    json_t *arr = json_array();
    double now = sr_now_ms();
    for (int i = 0; i < u->nfavorites; i++) {
        sr_room *r = hub_room_get(h, u->favorites[i]);
        if (r && hub_may_enter(h, r, a->me, NULL))
            json_array_append_new(arr, summary_json(h, r, now));
    }
    q->reply(q->ctx, 200, json_pack("{s:o}", "rooms", arr), NULL);
}

static void r_favorite(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    int64_t id = a->id[0];
    sr_room *r = hub_room_get(h, id);
    if (!r || !hub_may_enter(h, r, a->me, NULL))
        return hub_rest_error(q, 404, "no_such_room", "no room with that id");
    int on = q->method == 'U';
    set_favorite(LU(h, a->me), id, on);
    job *j = hub_job_new(NULL);
    sr_write_favorite(hub_job_add(j), a->me, id, on, sr_now_ms());
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:b}", "favorite", on), NULL);
}

static const sr_route routes[] = {
    {"GET", "/api/artists/:name/room", SR_WHO_ANYONE, r_artist_room, 0},
    {"GET", "/api/me/favorites", SR_WHO_ACCOUNT, r_favorites, 0},
    {"PUT", "/api/me/favorites/:id", SR_WHO_ACCOUNT, r_favorite, 0},
    {"DELETE", "/api/me/favorites/:id", SR_WHO_ACCOUNT, r_favorite, 0},
};

static const sr_msg_hook messages[] = {
    {SR_C_LOBBY, 0, on_lobby},
};

/* ---------- events: what makes a room trend or change in the lobby ---------- */

static void on_event(sr_hub *h, void *self, const sr_event *ev)
{
    lobby *M = self;
    switch (ev->type) {
    case SR_EV_QUEUED:
        activity(h, ev->room, SR_TREND_ADD);
        break;
    case SR_EV_VOTED:
        activity(h, ev->room, SR_TREND_VOTE);
        break;
    case SR_EV_CHATTED:
        activity(h, ev->room, SR_TREND_CHAT);
        break;
    case SR_EV_LIKED:
        if (ev->room && ev->value) activity(h, ev->room, SR_TREND_LIKE);
        break;
    case SR_EV_JOINED: {
        visit *v = visit_add(h, ev->user, ev->room->id);
        if (v) v->count++;
        activity(h, ev->room, SR_TREND_JOIN);
        break;
    }
    case SR_EV_LEFT:
        activity(h, ev->room, SR_TREND_LEAVE);
        break;
    case SR_EV_PLAYED:
    case SR_EV_ROOM_CHANGED:
        LR(h, ev->room)->dirty = 1;
        break;
    case SR_EV_ROOM_CLOSED:
        M->gone = sr_xrealloc(M->gone, (size_t)(M->ngone + 1) * sizeof *M->gone);
        M->gone[M->ngone++] = ev->room->id;
        break;
    case SR_EV_ROOM_FREED:
        free(ev->room->slot[M->rslot]);
        ev->room->slot[M->rslot] = NULL;
        break;
    case SR_EV_USER_FREED: {
        user *u = hub_user_get(h, ev->user);
        lobby_user *lu = u ? u->slot[M->uslot] : NULL;
        if (!lu) break;
        free(lu->favorites);
        free(lu);
        u->slot[M->uslot] = NULL;
        break;
    }
    default:
        break;
    }
}

static const sr_event_hook events[] = {
    {SR_EV_QUEUED, on_event},     {SR_EV_VOTED, on_event},        {SR_EV_CHATTED, on_event},
    {SR_EV_LIKED, on_event},      {SR_EV_JOINED, on_event},       {SR_EV_LEFT, on_event},
    {SR_EV_PLAYED, on_event},     {SR_EV_ROOM_CHANGED, on_event}, {SR_EV_ROOM_CLOSED, on_event},
    {SR_EV_ROOM_FREED, on_event}, {SR_EV_USER_FREED, on_event},
};

/* ---------- the module ---------- */

static void ld_favorite(void *ud, int64_t uid, int64_t room)
{
    lobby_user *u = LU(ud, uid);
    if (u) set_favorite(u, room, 1);
}

static void ld_visits(void *ud, int64_t uid, int64_t room, int64_t count)
{
    visit *v = visit_add(ud, uid, room);
    if (v) v->count = count;
}

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->favorite = ld_favorite;
    sink->visits = ld_visits;
}

static void *create(sr_hub *h)
{
    lobby *M = sr_xcalloc(1, sizeof *M);
    M->rslot = hub_slot_new(h, 1);
    M->uslot = hub_slot_new(h, 0);
    M->topic = hub_topic_new(h);
    return M;
}

static void stop(sr_hub *h, void *self)
{
    lobby *M = self;
    free(M->gone);
    free(M);
}

const sr_module sr_module_lobby = {
    .version = SR_MODULE_VERSION,
    .name = "lobby",
    .create = create,
    .load = load,
    .tick = tick,
    .stop = stop,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
