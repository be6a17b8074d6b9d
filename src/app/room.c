/* room.c - a room's life in the kernel: what plays (advance, fallback, the skip tally), who is
 * here (members, listeners, presence deltas), and the snapshot a joining client gets. */
#include "app/kernel_int.h"
#include "bus/bus.h"
#include "core/playback.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void presence_flush(sr_hub *h, sr_room *r, double now);

json_t *hub_entry_json(sr_hub *h, const sr_entry *e)
{
    return json_pack("{s:I,s:o,s:o,s:f,s:i,s:i,s:i,s:b}", "id", (json_int_t)e->id, "track",
                     sr_library_track_ref(h->lib, e->track), "added_by", hub_user_json(h, e->user),
                     "added_at", e->added_at, "score", sr_entry_score(e), "up", e->up, "down",
                     e->down, "pinned", e->pin > 0);
}

json_t *hub_np_json(sr_hub *h, sr_room *r)
{
    if (!r->np_track) return json_null();
    json_t *o = json_pack("{s:o,s:f,s:o,s:o,s:s}", "track",
                          sr_library_track_ref(h->lib, r->np_track), "started_at",
                          r->np_started_at, "entry",
                          r->np_entry ? json_integer(r->np_entry) : json_null(), "added_by",
                          r->np_user ? hub_user_json(h, r->np_user) : json_null(), "from",
                          r->np_from ? "fallback" : "queue");
    hub_room_json_hooks(h, r, SR_VIEW_NOW_PLAYING, 0, o);
    return o;
}

double hub_skip_ratio(sr_hub *h, sr_room *r)
{
    return r->skip_ratio > 0 ? r->skip_ratio : h->cfg.skip_ratio;
}

json_t *hub_skip_json(sr_room *r, double ratio)
{
    return json_pack("{s:i,s:i}", "votes", r->nskips, "needed",
                     sr_skip_needed(r->nlisteners, ratio));
}


/* ---------- the write pipeline ---------- */

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
        return sr_fallback_pick(ids, n, ids, n, r->recent, r->nrecent, hub_rnd(h));
    if (r->artist) {
        /* an artist room falls back to that artist's tracks, then to the whole library */
        int64_t *mine = sr_xmalloc(((size_t)nlib + 1) * sizeof *mine);
        int nm = 0;
        for (int i = 0; i < nlib; i++) {
            const sr_track *t = sr_library_get(h->lib, lib[i]);
            if (t && t->artist && !strcasecmp(t->artist, r->artist)) mine[nm++] = lib[i];
        }
        int64_t pick = nm ? sr_fallback_pick(NULL, 0, mine, nm, r->recent, r->nrecent, hub_rnd(h)) : 0;
        free(mine);
        if (pick) return pick;
    }
    return sr_fallback_pick(ids, n, lib, nlib, r->recent, r->nrecent, hub_rnd(h));
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
    if (skipped && cur) {
        sr_event ev = {.type = SR_EV_SKIPPED, .room = r, .track = cur->id, .now = now};
        hub_emit(h, &ev);
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
    r->np_play = hub_id_new(h, SR_ID_PLAY); /* 0 (logged) when none could be reserved */
    if (r->np_play > h->max_play) h->max_play = r->np_play;
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
    json_t *o = hub_np_json(h, r);
    json_object_set_new(o, "type", json_string("now_playing"));
    json_object_set_new(o, "skipped", json_boolean(skipped));
    json_object_set_new(o, "skip", hub_skip_json(r, hub_skip_ratio(h, r)));
    hub_submit(h, j, o);
    sr_event ev = {.type = SR_EV_PLAYED, .room = r, .track = tid, .entry = r->np_entry,
                   .target = r->np_user, .value = r->np_from, .now = start};
    hub_emit(h, &ev);
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
    hub_notices_poll(h, now);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->tick) h->mods[i].m->tick(h, h->mods[i].self, now);
    return next_end;
}

/* Skip passes once enough present listeners voted. */
void hub_check_skip(sr_hub *h, sr_room *r)
{
    if (r->np_track && r->nskips >= sr_skip_needed(r->nlisteners, hub_skip_ratio(h, r)) &&
        r->nlisteners > 0)
        hub_advance(h, r, sr_now_ms(), 1);
}

int hub_skip_index(sr_room *r, int64_t uid)
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
    json_object_set_new(o, "skip", hub_skip_json(r, hub_skip_ratio(h, r)));
    r->npend_join = r->npend_left = 0;
    hub_submit(h, hub_job_new(r), o);
}

void hub_member_add(sr_hub *h, sr_room *r, sr_session *s)
{
    if (r->nmembers == r->capmembers) {
        r->capmembers = r->capmembers ? r->capmembers * 2 : 8;
        r->members = sr_xrealloc(r->members, (size_t)r->capmembers * sizeof *r->members);
    }
    s->member_idx = r->nmembers;
    r->members[r->nmembers++] = s;
    /* this node hears the room's deltas (from any node) while someone here listens */
    if (r->nmembers == 1) h->bus->ops->subscribe(h->bus, r->id);
    s->room = r;
    user *u = hub_user_get(h, s->user);
    if (u && u->room != r) {
        u->room = r;
        sr_event ev = {.type = SR_EV_MOVED, .user = s->user, .room = r, .session = s};
        hub_emit(h, &ev);
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
    r->listeners[r->nlisteners] = (listener){s->user, 1, 0};
    r->nlisteners++;
    sr_event ev = {.type = SR_EV_JOINED, .room = r, .user = s->user, .session = s,
                   .now = sr_now_ms()};
    hub_emit(h, &ev);
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
    if (!r->nmembers) h->bus->ops->unsubscribe(h->bus, r->id);
    s->room = NULL;
    for (int k = 0; k < r->nlisteners; k++) {
        if (r->listeners[k].user != s->user) continue;
        if (--r->listeners[k].conns) return;
        sr_event ev = {.type = SR_EV_LEFT, .room = r, .user = s->user, .session = s,
                       .now = sr_now_ms()};
        hub_emit(h, &ev);
        r->listeners[k] = r->listeners[--r->nlisteners];
        int sk = hub_skip_index(r, s->user);
        if (sk >= 0) r->skips[sk] = r->skips[--r->nskips];
        if (!pend_drop(r->pend_join, &r->npend_join, s->user))
            pend_push(&r->pend_left, &r->npend_left, &r->cappend_left, s->user);
        user *u = hub_user_get(h, s->user);
        if (u && u->room == r) {
            u->room = NULL;
            sr_event mv = {.type = SR_EV_MOVED, .user = s->user, .session = s};
            hub_emit(h, &mv);
        }
        hub_check_skip(h, r);
        return;
    }
}

/* ---------- the snapshot ---------- */

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
void hub_send_snapshot(sr_hub *h, sr_session *s, sr_room *r, json_t *snap)
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

json_t *hub_snapshot(sr_hub *h, sr_room *r, json_t *ref, int resume, int64_t viewer)
{
    json_t *o = sr_proto_reply("snapshot", ref);
    json_object_set_new(o, "room", json_integer(r->id));
    json_object_set_new(o, "epoch", json_string(r->epoch));
    json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
    if (resume) json_object_set_new(o, "recovered", json_false());
    json_object_set_new(o, "server_time", json_real(sr_now_ms()));
    json_object_set_new(o, "info", hub_room_info_json(r));
    json_object_set_new(o, "settings", hub_room_settings_json(r));
    json_object_set_new(o, "now_playing", hub_np_json(h, r));
    json_t *q = json_array();
    for (int i = 0; i < r->queue.n; i++) {
        json_t *e = hub_entry_json(h, r->queue.items[i]);
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
    json_object_set_new(o, "skip", hub_skip_json(r, hub_skip_ratio(h, r)));
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

void hub_chat_keep(sr_room *r, json_t *msg)
{
    if (r->chat_n == CHAT_KEEP) {
        json_decref(r->chat[r->chat_head]);
        r->chat[r->chat_head] = msg;
        r->chat_head = (r->chat_head + 1) % CHAT_KEEP;
    } else {
        r->chat[(r->chat_head + r->chat_n++) % CHAT_KEEP] = msg;
    }
}

