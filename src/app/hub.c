/* hub.c - rooms, people and sessions on the service thread.
 *
 * The life of a change: a request is validated and applied to memory at once (so the next
 * request sees it), given the room's next seq, and its delta is encoded once, recorded in the
 * room's history and fanned out there and then, in seq order. The writes go to the write worker
 * with the requester's ack, which is sent only when the worker reports them durable: nothing is
 * acknowledged before it is on disk, but the room does not wait for the disk to hear of it. */
#include "app/hub.h"
#include "app/hub_internal.h"
#include "bus/bus.h"
#include "app/import.h"
#include "app/playlists.h"
#include "library/library.h"
#include "core/history.h"
#include "core/playback.h"
#include "core/queue.h"
#include "proto/proto.h"
#include "source/source.h"
#include "store/worker.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void presence_flush(sr_hub *h, sr_room *r, double now);

/* ---------- small helpers ---------- */

static uint64_t rnd(sr_hub *h)
{
    /* xorshift64*: fallback choice needs spread, not secrecy */
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 2685821657736338717ULL;
}

void hub_send_json(sr_hub *h, sr_session *s, json_t *o)
{
    if (!s->wsi) {
        json_decref(o);
        return;
    }
    sr_msg *m = sr_msg_take(sr_proto_dump(o));
    h->net.send(s, m);
    sr_msg_unref(m);
}

void hub_send_error(sr_hub *h, sr_session *s, const char *code, const char *message, json_t *ref)
{
    hub_send_json(h, s, sr_proto_error(code, message, ref));
}

user *hub_user_get(sr_hub *h, int64_t id)
{
    return id > 0 && id < h->nusers ? h->users[id] : NULL;
}

json_t *hub_user_json(sr_hub *h, int64_t id)
{
    user *u = hub_user_get(h, id);
    if (!u) return json_null();
    return json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", u->name);
}

sr_room *hub_room_get(sr_hub *h, int64_t id)
{
    for (int i = 0; i < h->nrooms; i++)
        if (h->rooms[i]->id == id) return h->rooms[i];
    return NULL;
}

void hub_room_detach(sr_hub *h, sr_room *r)
{
    for (int i = 0; i < h->nrooms; i++)
        if (h->rooms[i] == r) {
            memmove(h->rooms + i, h->rooms + i + 1, (size_t)(h->nrooms - i - 1) * sizeof *h->rooms);
            h->nrooms--;
            break;
        }
    h->closed = sr_xrealloc(h->closed, (size_t)(h->nclosed + 1) * sizeof *h->closed);
    h->closed[h->nclosed++] = r;
    h->lobby_gone =
        sr_xrealloc(h->lobby_gone, (size_t)(h->nlobby_gone + 1) * sizeof *h->lobby_gone);
    h->lobby_gone[h->nlobby_gone++] = r->id;
}

static size_t tok_slot(sr_hub *h, const char *hash)
{
    /* The hash is uniform, but as hex text: its digits' bytes take 16 values each, so the
     * slot comes from the value of the first 16 digits, not from their bytes. */
    char digits[17];
    memcpy(digits, hash, 16);
    digits[16] = 0;
    size_t i = (size_t)strtoull(digits, NULL, 16) & (h->tokcap - 1);
    for (;;) {
        int64_t id = h->tokmap[i];
        if (!id || !strcmp(h->users[id]->token_hash, hash)) return i;
        i = (i + 1) & (h->tokcap - 1);
    }
}

static void tok_put(sr_hub *h, int64_t id)
{
    if ((h->tokn + 1) * 2 > h->tokcap) {
        int64_t *old = h->tokmap;
        size_t oldcap = h->tokcap;
        h->tokcap = oldcap ? oldcap * 2 : 1024;
        h->tokmap = sr_xcalloc(h->tokcap, sizeof *h->tokmap);
        h->tokn = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i]) h->tokmap[tok_slot(h, h->users[old[i]]->token_hash)] = old[i], h->tokn++;
        free(old);
    }
    h->tokmap[tok_slot(h, h->users[id]->token_hash)] = id;
    h->tokn++;
}

void hub_token_hash(const char *token, char out[65])
{
    unsigned char d[32];
    crypto_generichash(d, sizeof d, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, d, sizeof d);
}

user *hub_user_set(sr_hub *h, int64_t id, const char *name, const char *hash)
{
    if (id >= h->capusers) {
        int64_t cap = h->capusers ? h->capusers : 256;
        while (cap <= id)
            cap *= 2;
        h->users = sr_xrealloc(h->users, (size_t)cap * sizeof *h->users);
        memset(h->users + h->capusers, 0, (size_t)(cap - h->capusers) * sizeof *h->users);
        h->capusers = cap;
    }
    if (id >= h->nusers) h->nusers = id + 1;
    user *u = h->users[id];
    if (!u) {
        u = h->users[id] = sr_xcalloc(1, sizeof *u);
        u->chat_tokens = h->cfg.chat_rate;
        u->chat_at = sr_mono_us();
    }
    if (!u->name || strcmp(u->name, name)) u->shown++;
    free(u->name);
    u->name = sr_xstrdup(name);
    if (hash && !u->token_hash[0]) {
        snprintf(u->token_hash, sizeof u->token_hash, "%s", hash);
        tok_put(h, id);
    }
    return u;
}

static sr_room *room_new(sr_hub *h, int64_t id, const char *name, const char *desc, json_t *tags,
                         double created)
{
    sr_room *r = sr_xcalloc(1, sizeof *r);
    r->id = id;
    r->name = sr_xstrdup(name);
    r->description = sr_xstrdup(desc ? desc : "");
    r->tags = tags ? tags : json_array();
    r->created = created;
    sr_history_init(&r->history, HISTORY);
    /* A fresh epoch each time the room is loaded: history before it is gone, and clients that
     * resume across it must get a snapshot. */
    unsigned char b[8];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(r->epoch, sizeof r->epoch, b, sizeof b);
    if (h->nrooms == h->caprooms) {
        h->caprooms = h->caprooms ? h->caprooms * 2 : 16;
        h->rooms = sr_xrealloc(h->rooms, (size_t)h->caprooms * sizeof *h->rooms);
    }
    h->rooms[h->nrooms++] = r;
    if (id > h->max_room) h->max_room = id;
    return r;
}

static json_t *entry_json(sr_hub *h, const sr_entry *e)
{
    return json_pack("{s:I,s:o,s:o,s:f,s:i,s:i,s:i,s:b}", "id", (json_int_t)e->id, "track",
                     sr_library_track_ref(h->lib, e->track), "added_by", hub_user_json(h, e->user),
                     "added_at", e->added_at, "score", sr_entry_score(e), "up", e->up, "down",
                     e->down, "pinned", e->pin > 0);
}

static json_t *np_json(sr_hub *h, sr_room *r)
{
    if (!r->np_track) return json_null();
    return json_pack("{s:o,s:f,s:o,s:o,s:s,s:i}", "track",
                     sr_library_track_ref(h->lib, r->np_track), "started_at", r->np_started_at,
                     "entry", r->np_entry ? json_integer(r->np_entry) : json_null(), "added_by",
                     r->np_user ? hub_user_json(h, r->np_user) : json_null(), "from",
                     r->np_from ? "fallback" : "queue", "likes", hub_room_likes(h, r, r->np_track));
}

double hub_skip_ratio(sr_hub *h, sr_room *r)
{
    return r->skip_ratio > 0 ? r->skip_ratio : h->cfg.skip_ratio;
}

static json_t *skip_json(sr_room *r, double ratio)
{
    return json_pack("{s:i,s:i}", "votes", r->nskips, "needed",
                     sr_skip_needed(r->nlisteners, ratio));
}

json_t *hub_room_info_json(sr_room *r)
{
    return json_pack("{s:I,s:s,s:s,s:O}", "id", (json_int_t)r->id, "name", r->name, "description",
                     r->description, "tags", r->tags);
}

/* ---------- the write pipeline ---------- */

job *hub_job_new(sr_room *r)
{
    job *j = sr_xcalloc(1, sizeof *j);
    j->room = r;
    return j;
}

sr_write *hub_job_write(job *j, sr_write_kind kind)
{
    sr_write *w = &j->base.w[j->base.nw++];
    w->kind = kind;
    return w;
}

static void publish(sr_hub *h, sr_room *r, uint64_t seq, sr_msg *m);

/* Gives the delta o (taking the reference) the room's next seq and submits the job. o may be
 * NULL for a write without a delta. */
void hub_submit(sr_hub *h, job *j, json_t *o)
{
    if (o && j->room) {
        sr_room *r = j->room;
        uint64_t seq = ++r->seq;
        json_object_set_new(o, "room", json_integer(r->id));
        json_object_set_new(o, "epoch", json_string(r->epoch));
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        /* Out to the room now, in seq order; only the requester's ack waits for the disk. */
        sr_msg *m = sr_msg_take(sr_proto_dump(o));
        publish(h, r, seq, m);
        sr_msg_unref(m);
    } else if (o) {
        json_decref(o);
    }
    if (!j->base.nw && !j->s && !j->done) {
        free(j); /* nothing to write and no one to answer (presence, a skip tally) */
        return;
    }
    /* an answer without a write still queues behind the writes before it, so a client's
     * answers come in the order of its requests */
    if (!j->base.nw) hub_job_write(j, SR_W_NONE);
    sr_worker_submit(h->wk, &j->base);
}

json_t *hub_delta(const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    return o;
}

static void publish(sr_hub *h, sr_room *r, uint64_t seq, sr_msg *m)
{
    sr_history_push(&r->history, seq, m);
    r->published = seq;
    h->bus->ops->publish(h->bus, r->id, m);
}

/* The bus hands every room delta back (from this node or, with a shared bus, another):
 * the same bytes go to each listener here. */
static void bus_deliver(void *ud, int64_t room, sr_msg *m)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    for (int i = 0; r && i < r->nmembers; i++)
        h->net.send(r->members[i], m);
}

static void finish(sr_hub *h, job *j)
{
    if (j->s) {
        if (j->base.status)
            hub_send_error(h, j->s, "internal", "the store could not record this",
                           json_object_get(j->ack, "ref"));
        else if (j->ack)
            hub_send_json(h, j->s, json_incref(j->ack));
    }
    if (j->done)
        j->done(j->ctx, j->base.status ? NULL
                        : j->room      ? hub_room_info_json(j->room)
                                       : json_true());
    json_decref(j->ack);
    if (j->s) sr_session_unref(j->s);
    for (int i = 0; i < j->base.nw; i++)
        sr_write_clear(&j->base.w[i]);
    free(j);
}

void sr_hub_poll(sr_hub *h)
{
    sr_library_poll(h->lib);
    sr_pool_poll(h->pool);
    sr_pool_poll(h->stats_pool);
    if (!h->wk) return;
    sr_job *list = sr_worker_take_done(h->wk);
    while (list) {
        sr_job *next = list->next;
        finish(h, (job *)list);
        list = next;
    }
}

int sr_hub_pending(sr_hub *h)
{
    return (h->wk ? sr_worker_pending(h->wk) : 0) + (h->pool ? sr_pool_pending(h->pool) : 0) +
           (h->stats_pool ? sr_pool_pending(h->stats_pool) : 0) + sr_library_pending(h->lib);
}

/* Ack for s once durable: {"type":"ack","ref":…} plus extra fields (may be NULL). */
void hub_job_ack(job *j, sr_session *s, json_t *ref, json_t *extra)
{
    s->refs++;
    j->s = s;
    j->ack = sr_proto_reply("ack", ref);
    if (extra) {
        json_object_update(j->ack, extra);
        json_decref(extra);
    }
}

void hub_room_write(job *j, sr_room *r)
{
    sr_write *w = hub_job_write(j, SR_W_ROOM);
    w->a = r->id;
    w->s1 = sr_xstrdup(r->name);
    w->s2 = sr_xstrdup(r->description);
    w->s3 = sr_proto_dump(json_incref(r->tags));
    w->t = r->created;
}

/* ---------- REST helpers ---------- */

void hub_rest_error(const sr_rest *q, int status, const char *code, const char *message)
{
    q->reply(q->ctx, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message),
             NULL);
}

int64_t hub_path_id(const char *p, const char **rest)
{
    int64_t v = 0;
    const char *s = p;
    while (*p >= '0' && *p <= '9' && v < 1000000000000LL)
        v = v * 10 + (*p++ - '0');
    if (p == s) return 0;
    *rest = p;
    return v;
}

typedef struct reply_ctx {
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
    int status;
    json_t *body;
    char cookie[200];
    void (*settle)(void *arg, int ok);
    void *arg;
} reply_ctx;

static void reply_durable(void *ctx, json_t *durable)
{
    reply_ctx *c = ctx;
    if (c->settle) c->settle(c->arg, durable != NULL);
    if (durable) {
        c->reply(c->ctx, c->status, c->body, c->cookie[0] ? c->cookie : NULL);
    } else {
        json_decref(c->body);
        c->reply(c->ctx, 500,
                 json_pack("{s:{s:s,s:s}}", "error", "code", "internal", "message",
                           "the store could not record this"),
                 NULL);
    }
    json_decref(durable);
    free(c);
}

void hub_submit_reply(sr_hub *h, job *j, json_t *delta,
                      void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                      void *ctx, int status, json_t *body, const char *set_cookie)
{
    hub_submit_settle(h, j, delta, reply, ctx, status, body, set_cookie, NULL, NULL);
}

void hub_submit_settle(sr_hub *h, job *j, json_t *delta,
                       void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                       void *ctx, int status, json_t *body, const char *set_cookie,
                       void (*settle)(void *arg, int ok), void *arg)
{
    reply_ctx *c = sr_xcalloc(1, sizeof *c);
    c->settle = settle;
    c->arg = arg;
    c->reply = reply;
    c->ctx = ctx;
    c->status = status;
    c->body = body;
    if (set_cookie) snprintf(c->cookie, sizeof c->cookie, "%s", set_cookie);
    j->done = reply_durable;
    j->ctx = c;
    hub_submit(h, j, delta);
}

/* ---------- playback ---------- */

static void rank_played(sr_room *r, int64_t tid)
{
    int i;
    for (i = 0; i < r->nrank && r->rank[i].track != tid; i++) {
    }
    if (i == r->nrank) {
        if (r->nrank == RANKED) return;
        r->rank[r->nrank++] = (ranked){tid, 0};
    }
    r->rank[i].plays++;
    while (i > 0 && r->rank[i].plays > r->rank[i - 1].plays) {
        ranked t = r->rank[i];
        r->rank[i] = r->rank[i - 1];
        r->rank[--i] = t;
    }
}

static void recent_push(sr_room *r, int64_t tid)
{
    memmove(r->recent + 1, r->recent, (RECENT - 1) * sizeof *r->recent);
    r->recent[0] = tid;
    if (r->nrecent < RECENT) r->nrecent++;
}

static int64_t fallback(sr_hub *h, sr_room *r)
{
    int64_t ids[RANKED];
    int n = 0;
    for (int i = 0; i < r->nrank; i++) {
        const sr_track *t = sr_library_get(h->lib, r->rank[i].track);
        if (t && t->available) ids[n++] = t->id;
    }
    int nlib;
    const int64_t *lib = sr_library_playable(h->lib, &nlib);
    if (r->mode_top && n) /* "top tracks" mode: only the room's top 50 */
        return sr_fallback_pick(ids, n, ids, n, r->recent, r->nrecent, rnd(h));
    if (r->artist) {
        /* an artist room falls back to that artist's tracks, then to the whole library */
        int64_t *mine = sr_xmalloc(((size_t)nlib + 1) * sizeof *mine);
        int nm = 0;
        for (int i = 0; i < nlib; i++) {
            const sr_track *t = sr_library_get(h->lib, lib[i]);
            if (t && t->artist && !strcasecmp(t->artist, r->artist)) mine[nm++] = lib[i];
        }
        int64_t pick = nm ? sr_fallback_pick(NULL, 0, mine, nm, r->recent, r->nrecent, rnd(h)) : 0;
        free(mine);
        if (pick) return pick;
    }
    return sr_fallback_pick(ids, n, lib, nlib, r->recent, r->nrecent, rnd(h));
}

/* A `notice` delta in room r about track tid: {"type":"notice","code":code,"text":…,
 * "track":{…}}. */
static void track_notice(sr_hub *h, sr_room *r, int64_t tid, const char *code, const char *what)
{
    const sr_track *t = sr_library_get(h->lib, tid);
    char text[400];
    snprintf(text, sizeof text, "\"%s\" %s", t && t->title[0] ? t->title : "a track", what);
    json_t *o = hub_delta("notice");
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "text", json_string(text));
    json_object_set_new(o, "track", sr_library_track_ref(h->lib, tid));
    hub_submit(h, hub_job_new(r), o);
}

/* The queue's top entry that can be played now. Entries that cannot (file gone, source
 * offline) leave the queue with entry_removed (reason "unplayable") and a notice, so a dead
 * track never blocks the queue. */
static sr_entry *pop_playable(sr_hub *h, sr_room *r)
{
    sr_entry *e;
    while ((e = sr_queue_pop(&r->queue)) && !sr_library_can_play(h->lib, e->track)) {
        track_notice(h, r, e->track, "track_unavailable", "could not be played and was skipped");
        job *j = hub_job_new(r);
        sr_write *w = hub_job_write(j, SR_W_ENTRY_STATE);
        w->a = e->id;
        w->s1 = sr_xstrdup("unplayable");
        json_t *o = hub_delta("entry_removed");
        json_object_set_new(o, "id", json_integer(e->id));
        json_object_set_new(o, "reason", json_string("unplayable"));
        hub_submit(h, j, o);
        sr_entry_free(e);
    }
    return e;
}

/* Starts the next track: the queue's top entry, else a fallback. */
void hub_advance(sr_hub *h, sr_room *r, double now, int skipped)
{
    const sr_track *cur = sr_library_get(h->lib, r->np_track);
    double start = now;
    if (cur && !cur->available && !skipped) {
        track_notice(h, r, cur->id, "track_unavailable", "stopped: it cannot be played any more");
        skipped = 1; /* counts as a skip: it did not play to its end */
    }
    /* a track ranks when it played to its end, as the store counts it (skipped = 0) */
    if (!skipped && cur) rank_played(r, cur->id);
    if (!skipped && cur) {
        double end = r->np_started_at + (double)sr_library_play_ms(cur);
        /* Continue seamlessly from the scheduled end unless we are far past it (a restart). */
        if (now >= end && now - end < 2000) start = end;
    }
    job *j = hub_job_new(r);
    if (skipped && r->np_play) hub_job_write(j, SR_W_PLAY_SKIPPED)->a = r->np_play;
    sr_entry *e = r->mode_top && r->nrank ? NULL : pop_playable(h, r);
    int64_t tid = e ? e->track : fallback(h, r);
    if (!tid) {
        r->np_track = r->np_entry = r->np_user = r->np_play = 0;
        free(j);
        return;
    }
    r->np_track = tid;
    r->np_entry = e ? e->id : 0;
    r->np_user = e ? e->user : 0;
    r->np_play = ++h->max_play;
    r->np_started_at = start;
    r->np_from = e ? 0 : 1;
    r->nskips = 0;
    sr_write *w = hub_job_write(j, SR_W_PLAY);
    w->a = r->np_play;
    w->b = r->id;
    w->c = tid;
    w->d = r->np_entry;
    w->e = r->np_user;
    w->t = start;
    w->v = r->np_from;
    if (e) {
        w = hub_job_write(j, SR_W_ENTRY_STATE);
        w->a = e->id;
        w->s1 = sr_xstrdup("played");
    }
    sr_entry_free(e);
    recent_push(r, tid);
    json_t *o = np_json(h, r);
    json_object_set_new(o, "type", json_string("now_playing"));
    json_object_set_new(o, "skipped", json_boolean(skipped));
    json_object_set_new(o, "skip", skip_json(r, hub_skip_ratio(h, r)));
    r->lobby_dirty = 1;
    hub_submit(h, j, o);
}

double sr_hub_tick(sr_hub *h, double now)
{
    double next_end = now + 3600e3;
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        presence_flush(h, r, now);
        const sr_track *t = sr_library_get(h->lib, r->np_track);
        int nlib;
        sr_library_playable(h->lib, &nlib);
        if (t ? sr_play_ended(now, r->np_started_at, sr_library_play_ms(t)) || !t->available
              : (r->queue.n || nlib)) {
            hub_advance(h, r, now, 0);
            t = sr_library_get(h->lib, r->np_track);
        }
        if (t && t->available) {
            double end = r->np_started_at + (double)sr_library_play_ms(t);
            if (end < next_end) next_end = end;
        }
    }
    hub_lobby_tick(h, now);
    return next_end;
}

/* Skip passes once enough present listeners voted. */
static void check_skip(sr_hub *h, sr_room *r)
{
    if (r->np_track && r->nskips >= sr_skip_needed(r->nlisteners, hub_skip_ratio(h, r)) &&
        r->nlisteners > 0)
        hub_advance(h, r, sr_now_ms(), 1);
}

static int skip_index(sr_room *r, int64_t uid)
{
    for (int i = 0; i < r->nskips; i++)
        if (r->skips[i] == uid) return i;
    return -1;
}

/* ---------- presence ---------- */

static void pend_push(int64_t **a, int *n, int *cap, int64_t uid)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *a = sr_xrealloc(*a, (size_t)*cap * sizeof **a);
    }
    (*a)[(*n)++] = uid;
}

/* Removes uid from a pending list; returns 1 if it was there (a join and a leave within one
 * tick cancel out). */
static int pend_drop(int64_t *a, int *n, int64_t uid)
{
    for (int i = 0; i < *n; i++)
        if (a[i] == uid) {
            a[i] = a[--*n];
            return 1;
        }
    return 0;
}

static json_t *users_json(sr_hub *h, const int64_t *ids, int n,
                          json_t *(*one)(sr_hub *h, int64_t id))
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, one(h, ids[i]));
    return a;
}

/* One presence delta per room per tick for everyone who came or went. */
static void presence_flush(sr_hub *h, sr_room *r, double now)
{
    if (!r->npend_join && !r->npend_left) return;
    /* A big room hears about its count once a second, and one of thousands every n ms (at
     * most every 10 s): each presence delta goes to every listener, so its cost grows with the
     * room, and a join storm would otherwise cost listeners x ticks messages. */
    double every = r->nlisteners < 1000 ? 1000 : r->nlisteners < 10000 ? r->nlisteners : 10000;
    if (r->nlisteners > PRESENCE_DETAIL_MAX && now - r->presence_sent < every) return;
    r->presence_sent = now;
    json_t *o = hub_delta("presence");
    if (r->nlisteners <= PRESENCE_DETAIL_MAX) {
        /* newcomers are shown with their picture; who left only needs naming */
        json_object_set_new(o, "joined",
                            users_json(h, r->pend_join, r->npend_join, hub_listener_json));
        json_object_set_new(o, "left", users_json(h, r->pend_left, r->npend_left, hub_user_json));
    }
    json_object_set_new(o, "count", json_integer(r->nlisteners));
    json_object_set_new(o, "skip", skip_json(r, hub_skip_ratio(h, r)));
    r->npend_join = r->npend_left = 0;
    hub_submit(h, hub_job_new(r), o);
}

static void member_add(sr_hub *h, sr_room *r, sr_session *s)
{
    if (r->nmembers == r->capmembers) {
        r->capmembers = r->capmembers ? r->capmembers * 2 : 8;
        r->members = sr_xrealloc(r->members, (size_t)r->capmembers * sizeof *r->members);
    }
    s->member_idx = r->nmembers;
    r->members[r->nmembers++] = s;
    s->room = r;
    user *u = hub_user_get(h, s->user);
    if (u && u->room != r) {
        u->room = r;
        hub_friends_notify(h, s->user);
    }
    for (int i = 0; i < r->nlisteners; i++)
        if (r->listeners[i].user == s->user) {
            r->listeners[i].conns++;
            return;
        }
    if (r->nlisteners == r->caplisteners) {
        r->caplisteners = r->caplisteners ? r->caplisteners * 2 : 8;
        r->listeners = sr_xrealloc(r->listeners, (size_t)r->caplisteners * sizeof *r->listeners);
    }
    r->listeners[r->nlisteners] = (listener){s->user, 1, 0, 0};
    hub_presence_log(h, r, &r->listeners[r->nlisteners++], 1);
    hub_room_likes_presence(h, r, s->user, 1);
    if (!pend_drop(r->pend_left, &r->npend_left, s->user))
        pend_push(&r->pend_join, &r->npend_join, &r->cappend_join, s->user);
}

void hub_member_remove(sr_hub *h, sr_session *s)
{
    sr_room *r = s->room;
    if (!r) return;
    int i = s->member_idx;
    r->members[i] = r->members[--r->nmembers];
    r->members[i]->member_idx = i;
    s->room = NULL;
    for (int k = 0; k < r->nlisteners; k++) {
        if (r->listeners[k].user != s->user) continue;
        if (--r->listeners[k].conns) return;
        hub_presence_log(h, r, &r->listeners[k], 0);
        hub_room_likes_presence(h, r, s->user, 0);
        r->listeners[k] = r->listeners[--r->nlisteners];
        int sk = skip_index(r, s->user);
        if (sk >= 0) r->skips[sk] = r->skips[--r->nskips];
        if (!pend_drop(r->pend_join, &r->npend_join, s->user))
            pend_push(&r->pend_left, &r->npend_left, &r->cappend_left, s->user);
        user *u = hub_user_get(h, s->user);
        if (u && u->room == r) {
            u->room = NULL;
            hub_friends_notify(h, s->user);
        }
        check_skip(h, r);
        return;
    }
}

/* ---------- sessions ---------- */

sr_session *sr_hub_session_open(sr_hub *h, void *wsi)
{
    sr_session *s = sr_xcalloc(1, sizeof *s);
    s->refs = 1;
    s->wsi = wsi;
    s->hub = h;
    s->tokens = h->cfg.msg_rate * 2;
    s->tokens_at = sr_mono_us();
    return s;
}

void sr_session_unref(sr_session *s)
{
    if (!s || --s->refs) return;
    for (int i = 0; i < s->out_n; i++)
        sr_msg_unref(s->out[(s->out_head + i) % s->out_cap]);
    free(s->out);
    free(s->rx);
    free(s);
}

void sr_hub_session_closed(sr_hub *h, sr_session *s)
{
    hub_member_remove(h, s);
    s->wsi = NULL;
    sr_session_unref(s);
}

/* The snapshot's "listeners": the first SNAPSHOT_LISTENERS listeners, encoded once and reused
 * while they are the same people with the same names and pictures. */
static const char *listeners_json(sr_hub *h, sr_room *r, size_t *len)
{
    int n = r->nlisteners < SNAPSHOT_LISTENERS ? r->nlisteners : SNAPSHOT_LISTENERS;
    int ok = r->ls_json && r->ls_n == n;
    for (int i = 0; ok && i < n; i++) {
        const user *u = hub_user_get(h, r->listeners[i].user);
        ok = r->ls_refs[i].uid == r->listeners[i].user && (!u || r->ls_refs[i].shown == u->shown);
    }
    if (!ok) {
        free(r->ls_json);
        if (!r->ls_refs) r->ls_refs = sr_xmalloc(SNAPSHOT_LISTENERS * sizeof *r->ls_refs);
        json_t *ls = json_array();
        for (int i = 0; i < n; i++) {
            int64_t uid = r->listeners[i].user;
            const user *u = hub_user_get(h, uid);
            json_array_append_new(ls, hub_listener_json(h, uid));
            r->ls_refs[i] = (shown_ref){uid, u ? u->shown : 0};
        }
        r->ls_json = sr_proto_dump(ls);
        r->ls_len = strlen(r->ls_json);
        r->ls_n = n;
    }
    *len = r->ls_len;
    return r->ls_json;
}

/* Sends a snapshot with its "listeners" added as the last member, from the cache. */
static void send_snapshot(sr_hub *h, sr_session *s, sr_room *r, json_t *snap)
{
    if (!s->wsi) {
        json_decref(snap);
        return;
    }
    size_t ls_len;
    const char *ls = listeners_json(h, r, &ls_len);
    char *body = sr_proto_dump(snap); /* "{...}"; "{}" only if encoding failed */
    size_t n = strlen(body);
    const char *key = n > 2 ? ",\"listeners\":" : "\"listeners\":";
    size_t klen = strlen(key);
    char *full = sr_xmalloc(n - 1 + klen + ls_len + 2);
    char *p = full;
    memcpy(p, body, n - 1); /* without the closing brace */
    p += n - 1;
    memcpy(p, key, klen);
    p += klen;
    memcpy(p, ls, ls_len);
    p += ls_len;
    *p++ = '}';
    *p = 0;
    free(body);
    sr_msg *m = sr_msg_take(full);
    h->net.send(s, m);
    sr_msg_unref(m);
}

static json_t *snapshot(sr_hub *h, sr_room *r, json_t *ref, int resume, int64_t viewer)
{
    json_t *o = sr_proto_reply("snapshot", ref);
    json_object_set_new(o, "room", json_integer(r->id));
    json_object_set_new(o, "epoch", json_string(r->epoch));
    json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
    if (resume) json_object_set_new(o, "recovered", json_false());
    json_object_set_new(o, "server_time", json_real(sr_now_ms()));
    json_object_set_new(o, "info", hub_room_info_json(r));
    json_object_set_new(o, "settings", hub_room_settings_json(r));
    json_object_set_new(o, "now_playing", np_json(h, r));
    json_t *q = json_array();
    for (int i = 0; i < r->queue.n; i++) {
        json_t *e = entry_json(h, r->queue.items[i]);
        int mine = sr_entry_vote_of(r->queue.items[i], viewer);
        if (mine) json_object_set_new(e, "my_vote", json_integer(mine)); /* the viewer's own vote */
        json_array_append_new(q, e);
    }
    json_object_set_new(o, "queue", q);
    json_object_set_new(o, "listener_count", json_integer(r->nlisteners));
    json_t *c = json_array();
    for (int i = 0; i < r->chat_n; i++)
        json_array_append(c, r->chat[(r->chat_head + i) % CHAT_KEEP]);
    json_object_set_new(o, "chat", c);
    json_object_set_new(o, "skip", skip_json(r, hub_skip_ratio(h, r)));
    return o;
}

void hub_forget_chat_of(sr_hub *h, int64_t uid)
{
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        json_t *keep[CHAT_KEEP];
        int n = 0;
        for (int k = 0; k < r->chat_n; k++) {
            json_t *c = r->chat[(r->chat_head + k) % CHAT_KEEP];
            if (json_integer_value(json_object_get(json_object_get(c, "user"), "id")) == uid)
                json_decref(c);
            else
                keep[n++] = c;
        }
        memcpy(r->chat, keep, (size_t)n * sizeof *keep);
        r->chat_head = 0;
        r->chat_n = n;
    }
}

static void chat_keep(sr_room *r, json_t *msg)
{
    if (r->chat_n == CHAT_KEEP) {
        json_decref(r->chat[r->chat_head]);
        r->chat[r->chat_head] = msg;
        r->chat_head = (r->chat_head + 1) % CHAT_KEEP;
    } else {
        r->chat[(r->chat_head + r->chat_n++) % CHAT_KEEP] = msg;
    }
}

/* Token bucket refill; returns 1 when a token was taken. */
static int bucket_take(double *tokens, int64_t *at, double rate_per_s, double burst)
{
    int64_t now = sr_mono_us();
    *tokens += (double)(now - *at) / 1e6 * rate_per_s;
    if (*tokens > burst) *tokens = burst;
    *at = now;
    if (*tokens < 1.0) return 0;
    *tokens -= 1.0;
    return 1;
}

static void on_hello(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    char name[4 * SR_MAX_NAME + 1];
    snprintf(name, sizeof name, "%.*s", (int)m->name_len, m->name);
    int64_t uid = 0;
    char token[33] = "";
    if (!s->user && m->session) {
        /* SDK clients sign in with a bearer session token here instead of a cookie. */
        sr_hub_session_auth(h, s, m->session);
        if (!s->auth_user)
            return hub_send_error(h, s, "unauthenticated",
                                  "the session is not valid (signed out or expired)", m->ref);
    }
    if (s->auth_user && (!s->user || s->user == s->auth_user)) {
        /* An account: its own name, no guest token; the connection's identity is fixed. */
        s->user = s->auth_user;
        job *j = hub_job_new(NULL);
        json_t *extra =
            json_pack("{s:i,s:o,s:f,s:b}", "v", SR_PROTO_VERSION, "user", hub_user_json(h, s->user),
                      "server_time", sr_now_ms(), "account", 1);
        hub_job_ack(j, s, m->ref, extra);
        json_object_set_new(j->ack, "type", json_string("welcome"));
        hub_submit(h, j, NULL);
        return;
    }
    if (!m->name_len)
        return hub_send_error(h, s, "missing_field", "field 'name' is required", m->ref);
    if (s->user) {
        uid = s->user; /* a second hello renames */
    } else if (m->token) {
        char hash[65];
        hub_token_hash(m->token, hash);
        if (h->tokcap) uid = h->tokmap[tok_slot(h, hash)];
        if (uid) snprintf(token, sizeof token, "%s", m->token);
    }
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_USER);
    if (!uid) {
        unsigned char b[16];
        char hash[65];
        randombytes_buf(b, sizeof b);
        sodium_bin2hex(token, sizeof token, b, sizeof b);
        hub_token_hash(token, hash);
        uid = h->nusers ? h->nusers : 1;
        hub_user_set(h, uid, name, hash);
        w->s2 = sr_xstrdup(hash);
    } else {
        hub_user_set(h, uid, name, NULL);
    }
    w->a = uid;
    w->s1 = sr_xstrdup(name);
    w->t = sr_now_ms();
    s->user = uid;
    json_t *extra = json_pack("{s:i,s:o,s:f}", "v", SR_PROTO_VERSION, "user", hub_user_json(h, uid),
                              "server_time", sr_now_ms());
    if (token[0]) json_object_set_new(extra, "token", json_string(token));
    hub_job_ack(j, s, m->ref, extra);
    json_object_set_new(j->ack, "type", json_string("welcome"));
    hub_submit(h, j, NULL);
}

static void on_join(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    sr_room *r = hub_room_get(h, m->room);
    if (!r || !hub_may_enter(h, r, s->user, m->invite)) {
        /* a private room is not there for those who may not enter it */
        if (r && r->visibility == 2)
            return hub_send_error(h, s, "not_allowed", "this room is private: you need an invite",
                                  m->ref);
        return hub_send_error(h, s, "no_such_room", "no room with that id", m->ref);
    }
    if (hub_has_role(r, s->user, ROLE_BANNED, sr_now_ms()) && hub_rank(h, r, s->user) < RANK_MOD)
        return hub_send_error(h, s, "banned", "you are banned from this room", m->ref);
    if (s->room != r) {
        hub_member_remove(h, s);
        member_add(h, r, s);
    }
    if (m->resume && !strcmp(m->epoch, r->epoch) && m->seq <= r->seq) {
        int first = 0, n = 0;
        if (m->seq < r->published) n = sr_history_since(&r->history, m->seq, &first);
        if (n >= 0) {
            json_t *o = sr_proto_reply("resumed", m->ref);
            json_object_set_new(o, "room", json_integer(r->id));
            json_object_set_new(o, "epoch", json_string(r->epoch));
            json_object_set_new(o, "seq", json_integer((json_int_t)m->seq));
            json_object_set_new(o, "recovered", json_true());
            hub_send_json(h, s, o);
            for (int i = 0; i < n; i++)
                h->net.send(s, sr_history_at(&r->history, first + i));
            return;
        }
    }
    static const char *const ranks[] = {"listener", "member", "moderator", "owner", "admin"};
    json_t *snap = snapshot(h, r, m->ref, m->resume, s->user);
    json_object_set_new(snap, "your_role", json_string(ranks[hub_rank(h, r, s->user)]));
    send_snapshot(h, s, r, snap);
}

/* The room a room action names, which must be the one this session is in. */
static sr_room *acting_room(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    if (s->room && s->room->id == m->room) return s->room;
    if (!hub_room_get(h, m->room))
        hub_send_error(h, s, "no_such_room", "no room with that id", m->ref);
    else
        hub_send_error(h, s, "not_in_room", "join the room first", m->ref);
    return NULL;
}

/* Guests (no account) may do what the operator allows; others are asked to sign in. */
static int guest_refused(sr_hub *h, sr_session *s, int allowed, json_t *ref)
{
    if (allowed || !hub_is_guest(h, s->user)) return 0;
    hub_send_error(h, s, "sign_in_required", "sign in to do this on this server", ref);
    return 1;
}

/* Queues track tid for uid in r under the room's rules; the one path for queue_add, playlist
 * imports and streams added over REST (app/import.c). Returns the entry id, or 0 with *code set
 * (the protocol's error code). With s, s gets the ack once the entry is durable. */
static int64_t queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code,
                           sr_session *s, json_t *ref)
{
    int rank = hub_rank(h, r, uid);
    if (r->locked && rank < RANK_MOD) return *code = "queue_locked", 0;
    if (rank < (r->who_add == WHO_MODS      ? RANK_MOD
                : r->who_add == WHO_MEMBERS ? RANK_MEMBER
                                            : RANK_NONE))
        return *code = "not_allowed", 0;
    if (r->max_per_person && rank < RANK_MOD &&
        sr_queue_count_by(&r->queue, uid) >= r->max_per_person)
        return *code = "limit_reached", 0;
    /* the same song from another source or file is one track: votes and plays count on it */
    const sr_track *t = sr_library_get(h->lib, sr_library_canonical(h->lib, tid));
    if (!t || !t->available) return *code = "no_such_track", 0;
    if (r->queue.n >= h->cfg.max_queue) return *code = "queue_full", 0;
    sr_entry *e = sr_entry_new(++h->max_entry, t->id, uid, sr_now_ms());
    sr_queue_insert(&r->queue, e);
    job *j = hub_job_new(r);
    sr_write *w = hub_job_write(j, SR_W_ENTRY_ADD);
    w->a = e->id;
    w->b = r->id;
    w->c = t->id;
    w->d = uid;
    w->t = e->added_at;
    if (s) hub_job_ack(j, s, ref, json_pack("{s:I}", "entry", (json_int_t)e->id));
    hub_activity(h, r, SR_TREND_ADD);
    json_t *o = hub_delta("entry_added");
    json_object_set_new(o, "entry", entry_json(h, e));
    hub_submit(h, j, o);
    return e->id;
}

int64_t hub_queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code)
{
    return queue_track(h, r, uid, tid, code, NULL, NULL);
}

static void on_queue_add(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    static const struct {
        const char *code, *message;
    } why[] = {
        {"queue_locked", "a moderator locked the queue"},
        {"not_allowed", "this room's rules do not let you add tracks"},
        {"limit_reached", "you have as many tracks queued as this room allows"},
        {"no_such_track", "no playable track with that id"},
        {"queue_full", "the queue is full"},
    };
    if (guest_refused(h, s, h->cfg.guest_add, m->ref)) return;
    if (m->stream || m->external) return sr_import_queue_add(h, s, m, r);
    const char *code = NULL;
    if (queue_track(h, r, s->user, m->track, &code, s, m->ref)) return;
    for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
        if (!strcmp(why[i].code, code)) return hub_send_error(h, s, code, why[i].message, m->ref);
    hub_send_error(h, s, code, "the track could not be queued", m->ref);
}

static void on_vote(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (guest_refused(h, s, h->cfg.guest_vote, m->ref)) return;
    int rank = hub_rank(h, r, s->user);
    if (rank < (r->who_vote == WHO_MODS      ? RANK_MOD
                : r->who_vote == WHO_MEMBERS ? RANK_MEMBER
                                             : RANK_NONE))
        return hub_send_error(h, s, "not_allowed", "this room's rules do not let you vote", m->ref);
    int rc = sr_queue_vote(&r->queue, m->entry, s->user, m->value);
    if (rc == SR_ENOENT)
        return hub_send_error(h, s, "no_such_entry", "no queued entry with that id", m->ref);
    job *j = hub_job_new(r);
    hub_job_ack(j, s, m->ref, json_pack("{s:i}", "my_vote", m->value));
    json_t *o = NULL;
    if (rc == 1) {
        sr_entry *e = sr_queue_find(&r->queue, m->entry);
        sr_write *w = hub_job_write(j, SR_W_VOTE);
        w->a = m->entry;
        w->b = s->user;
        w->v = m->value;
        hub_activity(h, r, SR_TREND_VOTE);
        o = hub_delta("entry_voted");
        json_object_set_new(o, "entry",
                            json_pack("{s:I,s:i,s:i,s:i}", "id", (json_int_t)e->id, "score",
                                      sr_entry_score(e), "up", e->up, "down", e->down));
    }
    hub_submit(h, j, o);
}

static void on_queue_remove(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    sr_entry *e = sr_queue_find(&r->queue, m->entry);
    if (!e) return hub_send_error(h, s, "no_such_entry", "no queued entry with that id", m->ref);
    if (e->user != s->user)
        return hub_send_error(h, s, "not_allowed", "you can only remove your own entries", m->ref);
    sr_entry_free(sr_queue_remove(&r->queue, m->entry));
    job *j = hub_job_new(r);
    sr_write *w = hub_job_write(j, SR_W_ENTRY_STATE);
    w->a = m->entry;
    w->s1 = sr_xstrdup("removed");
    hub_job_ack(j, s, m->ref, NULL);
    json_t *o = hub_delta("entry_removed");
    json_object_set_new(o, "id", json_integer(m->entry));
    json_object_set_new(o, "reason", json_string("removed"));
    hub_submit(h, j, o);
}

static void on_skip(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (m->track && m->track != r->np_track) {
        /* a vote meant for a track that already ended must not skip the next one */
        job *j = hub_job_new(r);
        hub_job_ack(j, s, m->ref, json_pack("{s:b}", "stale", 1));
        hub_submit(h, j, NULL);
        return;
    }
    int i = skip_index(r, s->user);
    int changed = 0;
    if (m->value && i < 0 && r->np_track) {
        if (r->nskips == r->capskips) {
            r->capskips = r->capskips ? r->capskips * 2 : 8;
            r->skips = sr_xrealloc(r->skips, (size_t)r->capskips * sizeof *r->skips);
        }
        r->skips[r->nskips++] = s->user;
        changed = 1;
    } else if (!m->value && i >= 0) {
        r->skips[i] = r->skips[--r->nskips];
        changed = 1;
    }
    job *j = hub_job_new(r);
    hub_job_ack(j, s, m->ref, NULL);
    json_t *o = NULL;
    if (changed) {
        o = skip_json(r, hub_skip_ratio(h, r));
        json_object_set_new(o, "type", json_string("skip"));
    }
    hub_submit(h, j, o);
    check_skip(h, r);
}

static void on_chat(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (guest_refused(h, s, h->cfg.guest_chat, m->ref)) return;
    double now = sr_now_ms();
    if (hub_has_role(r, s->user, ROLE_MUTED, now))
        return hub_send_error(h, s, "muted", "a moderator muted you in this room", m->ref);
    listener *me = NULL;
    for (int i = 0; i < r->nlisteners; i++)
        if (r->listeners[i].user == s->user) me = &r->listeners[i];
    if (r->slow_mode_s && me && hub_rank(h, r, s->user) < RANK_MOD &&
        now - me->last_chat < r->slow_mode_s * 1000.0)
        return hub_send_error(h, s, "slow_mode", "slow mode: wait a little between messages",
                              m->ref);
    if (me) me->last_chat = now;
    user *u = hub_user_get(h, s->user);
    if (!bucket_take(&u->chat_tokens, &u->chat_at, h->cfg.chat_rate / h->cfg.chat_window_s,
                     h->cfg.chat_rate))
        return hub_send_error(h, s, "rate_limited", "you are sending chat too fast; wait a moment",
                              m->ref);
    int64_t id = ++h->max_chat;
    double ts = sr_now_ms();
    json_t *msg = json_pack("{s:I,s:o,s:s%,s:f}", "id", (json_int_t)id, "user",
                            hub_user_json(h, s->user), "text", m->text, m->text_len, "ts", ts);
    chat_keep(r, json_incref(msg));
    job *j = hub_job_new(r);
    sr_write *w = hub_job_write(j, SR_W_CHAT);
    w->a = id;
    w->b = r->id;
    w->c = s->user;
    w->s1 = sr_xstrndup(m->text, m->text_len);
    w->t = ts;
    hub_job_ack(j, s, m->ref, json_pack("{s:I}", "id", (json_int_t)id));
    hub_activity(h, r, SR_TREND_CHAT);
    json_t *o = hub_delta("chat");
    json_object_set_new(o, "msg", msg);
    hub_submit(h, j, o);
}

void sr_hub_message(sr_hub *h, sr_session *s, const char *data, size_t len)
{
    double t1 = sr_now_ms();
    if (!bucket_take(&s->tokens, &s->tokens_at, h->cfg.msg_rate, h->cfg.msg_rate * 2)) {
        if (++s->dropped > 200) {
            h->net.close(s, 1008, "rate limit");
            return;
        }
        /* still echo the message's ref, so the client knows which request was dropped */
        json_t *root = json_loadb(data, len, JSON_DECODE_ANY, NULL),
               *ref = json_object_get(root, "ref");
        hub_send_error(h, s, "rate_limited", "too many messages; slow down",
                       json_is_integer(ref) || json_is_string(ref) ? ref : NULL);
        json_decref(root);
        return;
    }
    s->dropped = 0;
    sr_cmsg m;
    sr_perr err;
    if (sr_proto_decode(data, len, &m, &err)) {
        hub_send_error(h, s, err.code, err.message, m.ref);
        sr_cmsg_free(&m);
        return;
    }
    if (!s->user && m.type != SR_C_HELLO && m.type != SR_C_PING) {
        hub_send_error(h, s, "hello_required", "send hello first", m.ref);
        sr_cmsg_free(&m);
        return;
    }
    sr_room *r;
    switch (m.type) {
    case SR_C_HELLO:
        on_hello(h, s, &m);
        break;
    case SR_C_PING: {
        json_t *o = sr_proto_reply("pong", m.ref);
        json_object_set_new(o, "t0", json_real(m.t0));
        json_object_set_new(o, "t1", json_real(t1));
        json_object_set_new(o, "t2", json_real(sr_now_ms()));
        hub_send_json(h, s, o);
        break;
    }
    case SR_C_JOIN:
        on_join(h, s, &m);
        break;
    case SR_C_LEAVE:
        if ((r = acting_room(h, s, &m))) {
            hub_member_remove(h, s);
            json_t *o = sr_proto_reply("left", m.ref);
            json_object_set_new(o, "room", json_integer(m.room));
            hub_send_json(h, s, o);
        }
        break;
    case SR_C_SEARCH: {
        json_t *o = sr_proto_reply("results", m.ref);
        json_t *res = sr_hub_tracks_json(h, m.q, (int)m.limit);
        json_object_set(o, "tracks", json_object_get(res, "tracks"));
        json_decref(res);
        hub_send_json(h, s, o);
        break;
    }
    case SR_C_QUEUE_ADD:
        if ((r = acting_room(h, s, &m))) on_queue_add(h, s, &m, r);
        break;
    case SR_C_VOTE:
        if ((r = acting_room(h, s, &m))) on_vote(h, s, &m, r);
        break;
    case SR_C_QUEUE_REMOVE:
        if ((r = acting_room(h, s, &m))) on_queue_remove(h, s, &m, r);
        break;
    case SR_C_SKIP:
        if ((r = acting_room(h, s, &m))) on_skip(h, s, &m, r);
        break;
    case SR_C_CHAT:
        if ((r = acting_room(h, s, &m))) on_chat(h, s, &m, r);
        break;
    case SR_C_MOD:
        if ((r = acting_room(h, s, &m))) hub_on_mod(h, s, &m, r);
        break;
    case SR_C_LOBBY:
        hub_on_lobby(h, s, &m);
        break;
    case SR_C_LIKE:
        hub_on_like(h, s, &m);
        break;
    }
    sr_cmsg_free(&m);
}

/* ---------- REST views ---------- */

/* 1 when every word of the lower-cased query q occurs in the room's searchable text. */
static int room_matches(sr_hub *h, sr_room *r, const char *q)
{
    if (!q || !*q) return 1;
    const sr_track *t = sr_library_get(h->lib, r->np_track);
    char *tags = sr_proto_dump(json_incref(r->tags));
    size_t n = strlen(r->name) + strlen(r->description) + strlen(tags) + 16 +
               (t ? strlen(t->title) + strlen(t->artist) : 0);
    char *hay = sr_xmalloc(n);
    snprintf(hay, n, "%s\n%s\n%s\n%s\n%s", r->name, r->description, tags, t ? t->title : "",
             t ? t->artist : "");
    free(tags);
    for (char *p = hay; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *lq = sr_xstrdup(q), *save = NULL;
    for (char *p = lq; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int ok = 1;
    for (char *w = strtok_r(lq, " \t", &save); w && ok; w = strtok_r(NULL, " \t", &save))
        ok = strstr(hay, w) != NULL;
    free(lq);
    free(hay);
    return ok;
}

json_t *sr_hub_rooms_json(sr_hub *h, const char *q)
{
    json_t *a = json_array();
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
        if (r->visibility != 0) continue; /* unlisted and private rooms are not in the lobby */
        if (!room_matches(h, r, q)) continue;
        json_t *o = hub_room_info_json(r);
        json_object_set_new(o, "listeners", json_integer(r->nlisteners));
        json_object_set_new(o, "now_playing", sr_library_track_ref(h->lib, r->np_track));
        json_array_append_new(a, o);
    }
    return json_pack("{s:o}", "rooms", a);
}

json_t *sr_hub_room_json(sr_hub *h, int64_t id, int64_t viewer)
{
    sr_room *r = hub_room_get(h, id);
    if (!r || !hub_may_enter(h, r, viewer, NULL)) return NULL;
    json_t *o = hub_room_info_json(r);
    json_object_set_new(o, "listeners", json_integer(r->nlisteners));
    json_object_set_new(o, "now_playing", np_json(h, r));
    json_object_set_new(o, "queue_length", json_integer(r->queue.n));
    json_object_set_new(o, "settings", hub_room_settings_json(r));
    return json_pack("{s:o}", "room", o);
}

json_t *sr_hub_tracks_json(sr_hub *h, const char *q, int limit)
{
    return sr_library_search(h->lib, q, limit);
}

json_t *sr_hub_track_json(sr_hub *h, int64_t id)
{
    const sr_track *t = sr_library_get(h->lib, id);
    return t ? json_pack("{s:O}", "track", t->json) : NULL;
}

const char *sr_hub_track_path(sr_hub *h, int64_t id, int *has_cover)
{
    const sr_track *t = sr_library_get(h->lib, id);
    if (!t || !t->available) return NULL;
    if (has_cover) *has_cover = t->has_cover;
    return t->path;
}

int hub_room_fields_check(json_t *body, int creating, const char **code, char *message,
                          size_t msgsize)
{
#define FAIL(c, ...) return (*code = (c), snprintf(message, msgsize, __VA_ARGS__), -1)
    if (!json_is_object(body)) FAIL("bad_message", "the body must be a JSON object");
    json_t *name = json_object_get(body, "name"), *desc = json_object_get(body, "description"),
           *tags = json_object_get(body, "tags");
    if (!name && creating) FAIL("missing_field", "field 'name' is required");
    if (name) {
        if (!json_is_string(name) || !json_string_length(name))
            FAIL("bad_field", "field 'name' must be a non-empty string");
        const char *n = json_string_value(name);
        if (!n[strspn(n, " \t")]) FAIL("bad_field", "field 'name' must not be blank");
        if (sr_utf8_len(n, json_string_length(name)) > 80)
            FAIL("too_long", "field 'name' is over 80 characters");
        for (size_t k = 0; k < json_string_length(name); k++)
            if ((unsigned char)n[k] < 0x20)
                FAIL("bad_field", "field 'name' must not contain control characters");
    }
    if (desc && !json_is_string(desc)) FAIL("bad_field", "field 'description' must be a string");
    if (desc && sr_utf8_len(json_string_value(desc), json_string_length(desc)) > 500)
        FAIL("too_long", "field 'description' is over 500 characters");
    if (tags && !json_is_array(tags)) FAIL("bad_field", "field 'tags' must be an array of strings");
    if (tags && json_array_size(tags) > 10) FAIL("too_long", "at most 10 tags");
    size_t i;
    json_t *tg;
    json_array_foreach(tags, i, tg)
    {
        if (!json_is_string(tg) || !json_string_length(tg))
            FAIL("bad_field", "each tag must be a non-empty string");
        if (sr_utf8_len(json_string_value(tg), json_string_length(tg)) > 30)
            FAIL("too_long", "a tag is over 30 characters");
    }
#undef FAIL
    return 0;
}

sr_room *hub_create_room_now(sr_hub *h, int64_t owner, json_t *body, const char **code,
                             char *message, size_t msgsize)
{
    if (hub_room_fields_check(body, 1, code, message, msgsize)) return NULL;
    json_t *name = json_object_get(body, "name"), *desc = json_object_get(body, "description"),
           *tags = json_object_get(body, "tags");
    sr_room *r =
        room_new(h, h->max_room + 1, json_string_value(name), desc ? json_string_value(desc) : "",
                 tags ? json_deep_copy(tags) : NULL, sr_now_ms());
    r->owner = owner;
    job *j = hub_job_new(r);
    hub_room_write(j, r);
    hub_room_write_settings(j, r);
    hub_submit(h, j, NULL);
    return r;
}

int sr_hub_create_room(sr_hub *h, int64_t owner, json_t *body,
                       void (*done)(void *ctx, json_t *room), void *ctx, const char **code,
                       char *message, size_t msgsize)
{
    sr_room *r = hub_create_room_now(h, owner, body, code, message, msgsize);
    if (!r) return -1;
    hub_advance(h, r, sr_now_ms(), 0); /* a room plays from its first moment */
    /* replies once the room's writes (submitted just before) are durable: jobs finish in order */
    job *j = hub_job_new(r);
    j->done = done;
    j->ctx = ctx;
    hub_submit(h, j, NULL);
    return 0;
}

/* ---------- start-up ---------- */

int sr_hub_scan_library(sr_hub *h, const char *dir)
{
    /* serving (a wake hook): scanner and reader threads; offline (`soundroom scan`): blocking */
    return h->net.wake ? sr_library_start(h->lib, h->st, dir, 3000, h->net.wake, h->net.ud)
                       : sr_library_scan(h->st, dir);
}

sr_library *sr_hub_library(sr_hub *h)
{
    return h->lib;
}

static void ld_user(void *ud, int64_t id, const char *name, const char *hash)
{
    hub_user_set(ud, id, name, hash);
}

static void ld_track(void *ud, const sr_track_row *t)
{
    sr_library_add(((sr_hub *)ud)->lib, t);
}

static void ld_room(void *ud, const sr_room_row *rr)
{
    sr_hub *h = ud;
    json_t *tags = json_loads(rr->tags ? rr->tags : "[]", 0, NULL);
    if (!json_is_array(tags)) json_decref(tags), tags = NULL;
    sr_room *r = room_new(h, rr->id, rr->name, rr->description, tags, rr->created);
    r->np_track = rr->np_track;
    r->np_entry = rr->np_entry;
    r->np_user = rr->np_user;
    r->np_play = rr->np_play;
    r->np_started_at = rr->np_started_at;
    r->np_from = rr->np_from;
}

static void ld_entry(void *ud, int64_t id, int64_t room, int64_t tr, int64_t usr, double at)
{
    sr_room *r = hub_room_get(ud, room);
    if (r) sr_queue_insert(&r->queue, sr_entry_new(id, tr, usr, at));
}

static void ld_vote(void *ud, int64_t entry, int64_t usr, int value)
{
    sr_hub *h = ud;
    for (int i = 0; i < h->nrooms; i++)
        if (sr_queue_vote(&h->rooms[i]->queue, entry, usr, value) != SR_ENOENT) return;
}

static void ld_chat(void *ud, int64_t id, int64_t room, int64_t usr, const char *text, double ts)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    if (r)
        chat_keep(r, json_pack("{s:I,s:o,s:s,s:f}", "id", (json_int_t)id, "user",
                               hub_user_json(h, usr), "text", text, "ts", ts));
}

static void ld_ranked(void *ud, int64_t room, int64_t tr, int64_t plays)
{
    sr_room *r = hub_room_get(ud, room);
    if (r && r->nrank < RANKED) r->rank[r->nrank++] = (ranked){tr, plays};
}

static void ld_recent(void *ud, int64_t room, int64_t tr)
{
    sr_room *r = hub_room_get(ud, room);
    if (r && r->nrecent < RECENT) r->recent[r->nrecent++] = tr;
}

static void ld_max(void *ud, int64_t u, int64_t room, int64_t entry, int64_t chat, int64_t play)
{
    sr_hub *h = ud;
    (void)u;
    if (room > h->max_room) h->max_room = room;
    h->max_entry = entry;
    h->max_chat = chat;
    h->max_play = play;
}

int sr_hub_start(sr_hub *h)
{
    sr_load_sink sink = {
        .ud = h,
        .user = ld_user,
        .room = ld_room,
        .track = ld_track,
        .entry = ld_entry,
        .vote = ld_vote,
        .chat = ld_chat,
        .ranked = ld_ranked,
        .recent = ld_recent,
        .max_ids = ld_max,
        .chat_limit = CHAT_KEEP,
        .account = hub_ld_account,
        .session = hub_ld_session,
        .follow = hub_ld_follow,
        .room_settings = hub_ld_room_settings,
        .role = hub_ld_role,
        .max_audit = hub_ld_max_audit,
        .favorite = hub_ld_favorite,
        .like = hub_ld_like,
        .visits = hub_ld_visits,
        .max_presence = hub_ld_max_presence,
        .avatar = hub_ld_avatar,
        .playlist = hub_ld_playlist,
    };
    hub_lobby_start(h);
    hub_accounts_start(h);
    if (h->st->ops->load(h->st, &sink)) return SR_EIO;
    if (!h->max_room) { /* never a room yet (closed ones count: their ids stay taken) */
        sr_room *r =
            room_new(h, 1, "Demo room", "Everyone hears the same track. Add songs, vote, chat.",
                     json_pack("[s,s]", "demo", "welcome"), sr_now_ms());
        sr_write w = {.kind = SR_W_ROOM, .a = r->id, .t = r->created};
        w.s1 = sr_xstrdup(r->name);
        w.s2 = sr_xstrdup(r->description);
        w.s3 = sr_proto_dump(json_incref(r->tags));
        int rc =
            h->st->ops->begin(h->st) || h->st->ops->write(h->st, &w) || h->st->ops->commit(h->st);
        sr_write_clear(&w);
        if (rc) return SR_EIO;
        sr_log(SR_LOG_INFO, "created the demo room", "room=1");
    }
    h->wk = sr_worker_start(h->st, h->net.wake, h->net.ud);
    if (!h->wk) return SR_ENOMEM;
    int nlib;
    sr_library_playable(h->lib, &nlib);
    sr_log(SR_LOG_INFO, "state loaded", "rooms=%d tracks=%d users=%lld", h->nrooms, nlib,
           (long long)(h->nusers ? h->nusers - 1 : 0));
    return 0;
}

sr_hub *sr_hub_new(const sr_hub_config *cfg, sr_store *st, const sr_hub_net *net)
{
    sr_hub *h = sr_xcalloc(1, sizeof *h);
    h->cfg = *cfg;
    h->st = st;
    h->net = *net;
    h->lib = sr_library_new();
    if (sr_bus_open(cfg->bus_url, bus_deliver, h, &h->bus))
        sr_bus_open("local", bus_deliver, h, &h->bus);
    randombytes_buf(&h->rng, sizeof h->rng);
    h->rng |= 1;
    return h;
}

static void room_free(sr_room *r)
{
    sr_queue_clear(&r->queue);
    sr_history_free(&r->history);
    for (int k = 0; k < r->chat_n; k++)
        json_decref(r->chat[(r->chat_head + k) % CHAT_KEEP]);
    json_decref(r->tags);
    free(r->name);
    free(r->description);
    free(r->skips);
    free(r->listeners);
    free(r->ls_json);
    free(r->ls_refs);
    free(r->members);
    hub_room_free_moderation(r);
    hub_room_free_lobby(r);
    free(r->pend_join);
    free(r->pend_left);
    free(r);
}

void sr_hub_free(sr_hub *h)
{
    if (!h) return;
    hub_accounts_free(h); /* finishes password tasks, which may still queue writes */
    hub_lobby_free(h);
    hub_playlists_free(h);
    if (h->wk) {
        while (sr_worker_pending(h->wk)) {
            sr_hub_poll(h);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        sr_worker_stop(h->wk);
    }
    h->wk = NULL;
    for (int i = 0; i < h->nrooms; i++)
        room_free(h->rooms[i]);
    for (int i = 0; i < h->nclosed; i++)
        room_free(h->closed[i]);
    free(h->closed);
    free(h->lobby_gone);
    free(h->rooms);
    sr_library_free(h->lib);
    if (h->bus) h->bus->ops->close(h->bus);
    for (int64_t i = 0; i < h->nusers; i++)
        if (h->users[i]) {
            user *u = h->users[i];
            free(u->name);
            free(u->username);
            free(u->pw_hash);
            free(u->bio);
            free(u->following);
            free(u->followers);
            hub_user_free_lobby(u);
            hub_avatar_forget(u);
            free(u);
        }
    free(h->users);
    free(h->tokmap);
    free(h);
}
