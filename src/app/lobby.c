/* lobby.c - the lobby (live room list, trending, recommended, favourites, artist rooms) and the
 * life of a room (likes, top tracks, top fans, play and listening history).
 *
 * Counters that change often (listeners, activity, likes of the playing track) live in memory
 * and cost O(1) per event. Listings that need history (top tracks, top fans, histories) are
 * answered by one statistics thread over its own read-only store connection, with indexes that
 * keep them off full scans, so the service thread never waits on the disk. */
#include "app/hub_internal.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOBBY_EVERY_MS 500
#define TRENDING_EVERY_MS 10000
#define LIST_MAX 50
#define LOBBY_ROOMS 200

/* ---------- small helpers ---------- */

static void like_key(char *buf, size_t n, int64_t uid, int64_t track)
{
    snprintf(buf, n, "%lld:%lld", (long long)uid, (long long)track);
}

int hub_likes(sr_hub *h, int64_t uid, int64_t track)
{
    char k[48];
    like_key(k, sizeof k, uid, track);
    return sr_map_get(&h->likeset, k) != 0;
}

static int64_t canonical(sr_hub *h, int64_t track)
{
    int64_t c = sr_library_canonical(h->lib, track);
    return c ? c : track;
}

void hub_activity(sr_hub *h, sr_room *r, double weight)
{
    sr_activity_add(&r->activity, sr_now_ms(), weight, SR_TRENDING_HALF_LIFE_MS);
    r->lobby_dirty = 1;
    (void)h;
}

int hub_room_likes(sr_hub *h, sr_room *r, int64_t track)
{
    if (!track) return 0;
    int64_t c = canonical(h, track);
    if (c == r->likes_track) return r->likes_n;
    int n = 0;
    for (int i = 0; i < r->nlisteners; i++)
        n += hub_likes(h, r->listeners[i].user, c);
    if (track == r->np_track) {
        r->likes_track = c;
        r->likes_n = n;
    }
    return n;
}

/* A listener came (joined) or went: the room's count for its cached track follows. */
void hub_room_likes_presence(sr_hub *h, sr_room *r, int64_t uid, int joined)
{
    if (r->likes_track && hub_likes(h, uid, r->likes_track)) r->likes_n += joined ? 1 : -1;
}

/* uid's like of track changed: every room counting that track with uid present follows. */
static void room_likes_changed(sr_hub *h, int64_t uid, int64_t track, int on)
{
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        if (r->likes_track != track) continue;
        for (int k = 0; k < r->nlisteners; k++)
            if (r->listeners[k].user == uid) {
                r->likes_n += on ? 1 : -1;
                break;
            }
    }
}

static visit *visit_of(user *u, int64_t room, int create)
{
    for (int i = 0; i < u->nvisits; i++)
        if (u->visits[i].room == room) return &u->visits[i];
    if (!create) return NULL;
    if (u->nvisits == u->capvisits) {
        u->capvisits = u->capvisits ? u->capvisits * 2 : 4;
        u->visits = sr_xrealloc(u->visits, (size_t)u->capvisits * sizeof *u->visits);
    }
    u->visits[u->nvisits] = (visit){room, 0};
    return &u->visits[u->nvisits++];
}

void hub_presence_log(sr_hub *h, sr_room *r, listener *l, int joined)
{
    job *j = hub_job_new(NULL);
    sr_write *w;
    double now = sr_now_ms();
    if (joined) {
        l->presence_id = ++h->max_presence;
        w = hub_job_write(j, SR_W_PRESENCE_OPEN);
        w->a = l->presence_id;
        w->b = l->user;
        w->c = r->id;
        w->t = now;
        user *u = hub_user_get(h, l->user);
        if (u) visit_of(u, r->id, 1)->count++;
    } else {
        w = hub_job_write(j, SR_W_PRESENCE_CLOSE);
        w->a = l->presence_id;
        w->t = now;
    }
    hub_submit(h, j, NULL);
    hub_activity(h, r, joined ? SR_TREND_JOIN : SR_TREND_LEAVE);
}

static json_t *summary_json(sr_hub *h, sr_room *r, double now)
{
    json_t *o = hub_room_info_json(r);
    json_object_set_new(o, "listeners", json_integer(r->nlisteners));
    json_object_set_new(o, "now_playing", sr_library_track_ref(h->lib, r->np_track));
    json_object_set_new(o, "artist", r->artist ? json_string(r->artist) : json_null());
    json_object_set_new(o, "trending",
                        json_real(sr_activity_value(&r->activity, now, SR_TRENDING_HALF_LIFE_MS)));
    return o;
}

static json_t *trending_ids(sr_hub *h, double now)
{
    sr_ranked_room *rr = sr_xcalloc((size_t)h->nrooms + 1, sizeof *rr);
    int n = 0;
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        if (r->visibility) continue;
        rr[n++] = (sr_ranked_room){
            r->id, sr_activity_value(&r->activity, now, SR_TRENDING_HALF_LIFE_MS), r->nlisteners};
    }
    sr_rank_rooms(rr, n);
    json_t *a = json_array();
    for (int i = 0; i < n && i < LIST_MAX; i++)
        json_array_append_new(a, json_integer(rr[i].id));
    free(rr);
    return a;
}

static int is_friend(sr_hub *h, user *me, int64_t me_id, int64_t other)
{
    user *o = hub_user_get(h, other);
    int a = 0, b = 0;
    for (int i = 0; i < me->nfollowing; i++)
        a |= me->following[i] == other;
    for (int i = 0; o && i < o->nfollowing; i++)
        b |= o->following[i] == me_id;
    return a && b;
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
static sr_rec_features features(sr_hub *h, user *u, int64_t uid, sr_room *r)
{
    sr_rec_features f = {.listeners = r->nlisteners};
    for (int i = 0; i < r->nlisteners; i++)
        if (r->listeners[i].user != uid && !hub_user_get(h, r->listeners[i].user)->hide_activity &&
            is_friend(h, u, uid, r->listeners[i].user))
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
        for (int k = 0; k < u->nlikes; k++) {
            const sr_track *lt = sr_library_get(h->lib, u->likes[k].track);
            if (lt && lt->artist && !strcasecmp(lt->artist, t->artist)) {
                f.liked_artists++;
                seen[nseen++] = t->artist;
                break;
            }
        }
    }
    visit *v = visit_of(u, r->id, 0);
    f.visits = v ? (int)v->count : 0;
    return f;
}

static json_t *recommended_ids(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    json_t *a = json_array();
    if (!u || !u->username) return a;
    sr_ranked_room *rr = sr_xcalloc((size_t)h->nrooms + 1, sizeof *rr);
    int n = 0;
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
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
    user *u = hub_user_get(h, uid);
    json_t *a = json_array();
    for (int i = 0; u && i < u->nfavorites; i++)
        json_array_append_new(a, json_integer(u->favorites[i]));
    return a;
}

/* ---------- WebSocket ---------- */

static void add_unique(int64_t *ids, int *n, int64_t id)
{
    for (int i = 0; i < *n; i++)
        if (ids[i] == id) return;
    ids[(*n)++] = id;
}

void hub_on_lobby(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    s->lobby = m->value;
    if (!m->value) return hub_send_json(h, s, sr_proto_reply("ack", m->ref));
    double now = sr_now_ms();
    json_t *o = sr_proto_reply("lobby", m->ref);
    json_t *trending = trending_ids(h, now), *recommended = recommended_ids(h, s->user),
           *favorites = favorite_ids(h, s->user);
    /* The rooms the lists name, then the fullest others, up to LOBBY_ROOMS: a lobby of ten
     * thousand rooms must not cost every subscriber megabytes. Search finds the rest. */
    int64_t *ids = sr_xmalloc(((size_t)h->nrooms + 1) * sizeof *ids);
    int n = 0;
    json_t *lists[] = {trending, recommended, favorites}, *v;
    size_t k;
    for (int l = 0; l < 3; l++)
        json_array_foreach(lists[l], k, v) add_unique(ids, &n, json_integer_value(v));
    sr_ranked_room *full = sr_xcalloc((size_t)h->nrooms + 1, sizeof *full);
    int nf = 0;
    for (int i = 0; i < h->nrooms; i++)
        if (!h->rooms[i]->visibility)
            full[nf++] =
                (sr_ranked_room){h->rooms[i]->id, h->rooms[i]->nlisteners, h->rooms[i]->nlisteners};
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
    json_t *o;    /* the shared update, for per-person copies */
    int personal; /* the 10 s round: accounts also get their recommendations */
} push_ctx;

static void push_one(sr_session *s, void *ud)
{
    push_ctx *c = ud;
    if (!s->lobby || !s->wsi) return;
    if (c->personal && !hub_is_guest(c->h, s->user)) {
        json_t *mine = json_copy(c->o);
        json_object_set_new(mine, "recommended", recommended_ids(c->h, s->user));
        hub_send_json(c->h, s, mine);
        return;
    }
    c->h->net.send(s, c->m); /* the same bytes for everyone else */
}

void hub_lobby_tick(sr_hub *h, double now)
{
    if (!h->net.each_session) return;
    int trending = now - h->trending_sent >= TRENDING_EVERY_MS;
    if (!trending && now - h->lobby_sent < LOBBY_EVERY_MS) return;
    json_t *rooms = json_array(), *removed = json_array();
    for (int i = 0; i < h->nlobby_gone; i++) /* closed rooms */
        json_array_append_new(removed, json_integer(h->lobby_gone[i]));
    h->nlobby_gone = 0;
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        if (!r->lobby_dirty) continue;
        r->lobby_dirty = 0;
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
    h->lobby_sent = now;
    json_t *o = json_pack("{s:s,s:o}", "type", "lobby_update", "rooms", rooms);
    if (json_array_size(removed))
        json_object_set_new(o, "removed", removed);
    else
        json_decref(removed);
    if (trending) {
        h->trending_sent = now;
        json_object_set_new(o, "trending", trending_ids(h, now));
    }
    /* encoded once for every subscriber (accounts get a copy with their recommendations on
     * the 10 s round) */
    push_ctx c = {h, sr_msg_take(sr_proto_dump(json_incref(o))), o, trending};
    h->net.each_session(push_one, &c);
    sr_msg_unref(c.m);
    json_decref(o);
}

static void set_like(sr_hub *h, int64_t uid, int64_t track, int on)
{
    user *u = hub_user_get(h, uid);
    char k[48];
    like_key(k, sizeof k, uid, track);
    if (on && !sr_map_get(&h->likeset, k)) {
        sr_map_put(&h->likeset, k, 1);
        if (u->nlikes == u->caplikes) {
            u->caplikes = u->caplikes ? u->caplikes * 2 : 8;
            u->likes = sr_xrealloc(u->likes, (size_t)u->caplikes * sizeof *u->likes);
        }
        u->likes[u->nlikes++] = (like){track, sr_now_ms()};
    } else if (!on && sr_map_del(&h->likeset, k)) {
        for (int i = 0; i < u->nlikes; i++)
            if (u->likes[i].track == track) {
                memmove(u->likes + i, u->likes + i + 1,
                        (size_t)(u->nlikes - i - 1) * sizeof *u->likes);
                u->nlikes--;
                break;
            }
    }
}

/* Records a like, and tells the room when it is about what plays there. */
static job *like_job(sr_hub *h, int64_t uid, int64_t track, int on)
{
    int was = hub_likes(h, uid, track);
    set_like(h, uid, track, on);
    if (was != on) room_likes_changed(h, uid, track, on);
    user *u = hub_user_get(h, uid);
    sr_room *r = u ? u->room : NULL;
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_LIKE);
    w->a = uid;
    w->b = track;
    w->v = on;
    w->t = sr_now_ms();
    if (r && was != on && canonical(h, r->np_track) == track) {
        if (on) hub_activity(h, r, SR_TREND_LIKE);
        j->room = r;
        return j; /* the caller adds the likes delta */
    }
    return j;
}

static json_t *likes_delta(sr_hub *h, sr_room *r)
{
    json_t *o = hub_delta("likes");
    json_object_set_new(o, "track", json_integer(r->np_track));
    json_object_set_new(o, "count", json_integer(hub_room_likes(h, r, r->np_track)));
    return o;
}

void hub_on_like(sr_hub *h, sr_session *s, sr_cmsg *m)
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

/* ---------- statistics on their own thread ---------- */

typedef struct stats_task {
    sr_task base;
    sr_hub *h;
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
    /* The twin is opened by, and only ever used on, this single thread. */
    if (!h->stats_st && (!h->st->ops->open_twin || h->st->ops->open_twin(h->st, 1, &h->stats_st))) {
        t->rc = SR_EIO;
        return;
    }
    t->rc = h->stats_st->ops->stats(h->stats_st, t->kind, t->params, &t->out);
}

static json_t *track_or_id(sr_hub *h, int64_t id)
{
    json_t *t = sr_library_track_ref(h->lib, id);
    if (json_is_null(t)) {
        json_decref(t);
        return json_pack("{s:I}", "id", (json_int_t)id);
    }
    return t;
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
                                track_or_id(h, json_integer_value(json_array_get(row, 0))), "plays",
                                json_integer_value(json_array_get(row, 1)), "upvotes",
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
                                track_or_id(h, json_integer_value(json_array_get(row, 0))),
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
                list, json_pack("{s:o,s:o,s:f}", "track",
                                track_or_id(h, json_integer_value(json_array_get(row, 0))), "room",
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
    snprintf(t->kind, sizeof t->kind, "%s", kind);
    t->params = params;
    t->q = *q;
    sr_pool_submit(h->stats_pool, &t->base);
}

/* ---------- REST ---------- */

/* Reads ?name=value from the request path's query (the path given to the hub has none:
 * server.c passes the query separately in q->query). */
static const char *arg(const sr_rest *q, const char *name, char *buf, size_t n)
{
    if (!q->query) return NULL;
    size_t nl = strlen(name);
    for (const char *p = q->query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (!strncmp(p, name, nl) && p[nl] == '=') {
            size_t k = strcspn(p + nl + 1, "&");
            if (k >= n) k = n - 1;
            snprintf(buf, n, "%.*s", (int)k, p + nl + 1);
            return buf;
        }
    }
    return NULL;
}

static int limit_arg(const sr_rest *q, int def, int max)
{
    char b[16];
    const char *v = arg(q, "limit", b, sizeof b);
    int n = v ? atoi(v) : def;
    return n < 1 ? -1 : n > max ? max : n;
}

static double since_arg(const sr_rest *q, int *bad)
{
    char b[16];
    const char *v = arg(q, "period", b, sizeof b);
    *bad = 0;
    if (!v || !strcmp(v, "all")) return 0;
    if (!strcmp(v, "7d")) return sr_now_ms() - 7 * 86400e3;
    *bad = 1;
    return 0;
}

static void ep_room_stats(sr_hub *h, const sr_rest *q, sr_room *r, const char *what)
{
    if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET");
    int limit = limit_arg(q, 50, 200), bad = 0;
    if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 200");
    double since = since_arg(q, &bad);
    if (bad) return hub_rest_error(q, 400, "bad_field", "period must be all or 7d");
    if (!strcmp(what, "/top-tracks")) {
        char b[16];
        const char *by = arg(q, "by", b, sizeof b);
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

static void raw_m3u(sr_hub *h, const sr_rest *q, user *u)
{
    size_t cap = 256 + (size_t)u->nlikes * 512, n = 0;
    char *out = sr_xmalloc(cap);
    n += (size_t)snprintf(out + n, cap - n, "#EXTM3U\n");
    for (int i = u->nlikes - 1; i >= 0; i--) {
        const sr_track *t = sr_library_get(h->lib, u->likes[i].track);
        if (!t) continue;
        /* an M3U line ends at a newline: names must not break out of theirs */
        char artist[200], title[200];
        snprintf(artist, sizeof artist, "%s", t->artist ? t->artist : "");
        snprintf(title, sizeof title, "%s", t->title ? t->title : "");
        for (char *p = artist; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        for (char *p = title; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        n += (size_t)snprintf(out + n, cap - n, "#EXTINF:%lld,%s - %s\n/media/%lld\n",
                              (long long)(t->duration_ms / 1000), artist, title, (long long)t->id);
        if (n >= cap) n = cap - 1;
    }
    q->reply_raw(q->ctx, 200, "audio/x-mpegurl; charset=utf-8", out, n);
}

/* A page of u's likes, newest first: {"tracks":[{track, liked_at}], "total", "offset"}. */
static json_t *likes_json(sr_hub *h, user *u, int offset, int limit)
{
    json_t *a = json_array();
    for (int i = u->nlikes - 1 - offset, n = 0; i >= 0 && n < limit; i--, n++)
        json_array_append_new(a, json_pack("{s:o,s:f}", "track", track_or_id(h, u->likes[i].track),
                                           "liked_at", u->likes[i].when));
    return json_pack("{s:o,s:i,s:i}", "tracks", a, "total", u->nlikes, "offset", offset);
}

/* GET /api/users/:id/likes?offset=&limit=: a person's likes are as public as their activity;
 * someone who hides it (hide_activity) shows them to themselves only, and others are told so
 * (403) rather than shown an empty list that would read as "likes nothing". */
void hub_ep_user_likes(sr_hub *h, const sr_rest *q, int64_t uid, int64_t viewer)
{
    if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET");
    user *u = hub_user_get(h, uid);
    if (u->hide_activity && viewer != uid)
        return hub_rest_error(q, 403, "not_allowed", "this person keeps their likes private");
    char b[16];
    const char *off = arg(q, "offset", b, sizeof b);
    long offset = 0;
    if (off) {
        char *end;
        offset = strtol(off, &end, 10);
        if (!*off || *end || offset < 0 || offset > 1000000000L)
            return hub_rest_error(q, 400, "bad_field", "offset must be 0 or more");
    }
    int limit = limit_arg(q, 50, 100);
    if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 100");
    q->reply(q->ctx, 200, likes_json(h, u, (int)offset, limit), NULL);
}

static void set_favorite(user *u, int64_t room, int on)
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
    if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET");
    if (!*name || strlen(name) > 200)
        return hub_rest_error(q, 404, "no_such_artist", "no such artist");
    for (int i = 0; i < h->nrooms; i++)
        if (h->rooms[i]->artist && !strcasecmp(h->rooms[i]->artist, name))
            return q->reply(q->ctx, 200,
                            json_pack("{s:o}", "room", summary_json(h, h->rooms[i], sr_now_ms())),
                            NULL);
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

int hub_lobby_rest(sr_hub *h, const sr_rest *q)
{
    const char *p = q->path, *rest = "";
    int64_t me = sr_hub_token_user(h, q->token);
    if (!strncmp(p, "/api/rooms/", 11)) {
        int64_t id = hub_path_id(p + 11, &rest);
        if (!id ||
            (strcmp(rest, "/top-tracks") && strcmp(rest, "/top-fans") && strcmp(rest, "/history")))
            return 0;
        sr_room *r = hub_room_get(h, id);
        if (!r || !hub_may_enter(h, r, me, NULL))
            return hub_rest_error(q, 404, "no_such_room", "no room with that id"), 1;
        return ep_room_stats(h, q, r, rest), 1;
    }
    if (!strncmp(p, "/api/artists/", 13)) {
        const char *name = p + 13;
        size_t n = strlen(name);
        if (n < 5 || strcmp(name + n - 5, "/room")) return 0;
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(n - 5 < 255 ? n - 5 : 255), name);
        return ep_artist_room(h, q, buf), 1;
    }
    if (strncmp(p, "/api/me/likes", 13) && strncmp(p, "/api/me/history", 15) &&
        strncmp(p, "/api/me/favorites", 17))
        return 0;
    if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
    user *u = hub_user_get(h, me);
    if (!strcmp(p, "/api/me/likes")) {
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        return q->reply(q->ctx, 200, likes_json(h, u, 0, u->nlikes), NULL), 1;
    }
    if (!strcmp(p, "/api/me/likes.m3u")) {
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        return raw_m3u(h, q, u), 1;
    }
    if (!strncmp(p, "/api/me/likes/", 14)) {
        int64_t id = hub_path_id(p + 14, &rest);
        if (!id || *rest || !sr_library_get(h->lib, id))
            return hub_rest_error(q, 404, "no_such_track", "no track with that id"), 1;
        if (q->method != 'U' && q->method != 'D')
            return hub_rest_error(q, 405, "method_not_allowed", "use PUT or DELETE"), 1;
        int on = q->method == 'U';
        int64_t track = canonical(h, id);
        job *j = like_job(h, me, track, on);
        sr_room *r = j->room;
        hub_submit_reply(h, j, r ? likes_delta(h, r) : NULL, q->reply, q->ctx, 200,
                         json_pack("{s:b}", "liked", on), NULL);
        return 1;
    }
    if (!strncmp(p, "/api/me/history", 15)) {
        if (strcmp(p, "/api/me/history")) return 0;
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        int limit = limit_arg(q, 50, 500);
        if (limit < 0) return hub_rest_error(q, 400, "bad_field", "limit must be 1 to 500"), 1;
        stats_submit(
            h, q, "user_history",
            json_pack("{s:I,s:f,s:i}", "user", (json_int_t)me, "now", sr_now_ms(), "limit", limit));
        return 1;
    }
    if (!strcmp(p, "/api/me/favorites")) {
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        json_t *a = json_array();
        double now = sr_now_ms();
        for (int i = 0; i < u->nfavorites; i++) {
            sr_room *r = hub_room_get(h, u->favorites[i]);
            if (r && hub_may_enter(h, r, me, NULL))
                json_array_append_new(a, summary_json(h, r, now));
        }
        return q->reply(q->ctx, 200, json_pack("{s:o}", "rooms", a), NULL), 1;
    }
    if (!strncmp(p, "/api/me/favorites/", 18)) {
        int64_t id = hub_path_id(p + 18, &rest);
        sr_room *r = id && !*rest ? hub_room_get(h, id) : NULL;
        if (!r || !hub_may_enter(h, r, me, NULL))
            return hub_rest_error(q, 404, "no_such_room", "no room with that id"), 1;
        if (q->method != 'U' && q->method != 'D')
            return hub_rest_error(q, 405, "method_not_allowed", "use PUT or DELETE"), 1;
        int on = q->method == 'U';
        set_favorite(u, id, on);
        job *j = hub_job_new(NULL);
        sr_write *w = hub_job_write(j, SR_W_FAVORITE);
        w->a = me;
        w->b = id;
        w->v = on;
        w->t = sr_now_ms();
        hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:b}", "favorite", on),
                         NULL);
        return 1;
    }
    return 0;
}

/* ---------- start-up ---------- */

void hub_ld_favorite(void *ud, int64_t uid, int64_t room)
{
    user *u = hub_user_get(ud, uid);
    if (u) set_favorite(u, room, 1);
}

void hub_ld_like(void *ud, int64_t uid, int64_t track, double when)
{
    sr_hub *h = ud;
    user *u = hub_user_get(h, uid);
    if (!u) return;
    set_like(h, uid, track, 1);
    u->likes[u->nlikes - 1].when = when;
}

void hub_ld_visits(void *ud, int64_t uid, int64_t room, int64_t count)
{
    user *u = hub_user_get(ud, uid);
    if (u) visit_of(u, room, 1)->count = count;
}

void hub_ld_max_presence(void *ud, int64_t id)
{
    ((sr_hub *)ud)->max_presence = id;
}

static void stats_wake(void *ud)
{
    sr_hub *h = ud;
    if (h->net.wake) h->net.wake(h->net.ud);
}

void hub_lobby_start(sr_hub *h)
{
    h->stats_pool = sr_pool_start(1, stats_wake, h);
}

void hub_lobby_free(sr_hub *h)
{
    sr_pool_stop(h->stats_pool); /* joins the thread: the twin is ours again */
    h->stats_pool = NULL;
    if (h->stats_st) h->stats_st->ops->close(h->stats_st);
    h->stats_st = NULL;
    sr_map_free(&h->likeset);
}

void hub_user_free_lobby(user *u)
{
    free(u->favorites);
    free(u->likes);
    free(u->visits);
}

void hub_room_free_lobby(sr_room *r)
{
    free(r->artist);
}
