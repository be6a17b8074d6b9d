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
                          sr_library_track_ref(h->lib, r->np_track), "started_at", r->np_started_at,
                          "entry", r->np_entry ? json_integer(r->np_entry) : json_null(),
                          "added_by", r->np_user ? hub_user_json(h, r->np_user) : json_null(),
                          "from", r->np_from ? "fallback" : "queue");
    hub_room_json_hooks(h, r, SR_VIEW_NOW_PLAYING, 0, o);
    return o;
}

double hub_skip_ratio(sr_hub *h, sr_room *r)
{
    return sr_skip_ratio(r->rules.skip_ratio, h->cfg.skip_ratio);
}

json_t *hub_skip_json(sr_room *r, double ratio)
{
    return json_pack("{s:i,s:i}", "votes", sr_skip_count(&r->skips), "needed",
                     sr_skip_needed(r->nlisteners, ratio));
}

/* ---------- the write pipeline ---------- */

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

static int adv_playable(void *ctx, int64_t track)
{
    return sr_library_can_play(((sr_hub *)ctx)->lib, track);
}

static const char *adv_artist(void *ctx, int64_t track)
{
    const sr_track *t = sr_library_get(((sr_hub *)ctx)->lib, track);
    return t ? t->artist : NULL;
}

static uint64_t adv_random(void *ctx)
{
    return hub_rnd(ctx);
}

/* An entry that could not be played leaves the queue with entry_removed (reason "unplayable")
 * and a notice, so a dead track never blocks the queue. */
static void drop_unplayable(sr_hub *h, sr_room *r, const sr_entry *e)
{
    track_notice(h, r, e->track, "track_unavailable", "could not be played and was skipped");
    job *j = hub_job_new(r);
    sr_write_entry_state(hub_job_add(j), e->id, "unplayable");
    json_t *o = hub_delta("entry_removed");
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "reason", json_string("unplayable"));
    hub_submit(h, j, o);
}

/* Applies core/advance's decision: the end of the current track (ranked when it played to its
 * end, a notice when it stopped), the entries dropped on the way, then the next track. */
void hub_advance(sr_hub *h, sr_room *r, double now, int skipped)
{
    const sr_track *cur = sr_library_get(h->lib, r->np_track);
    sr_ending end = sr_advance_ending(cur != NULL, cur && cur->available, r->np_started_at,
                                      cur ? sr_library_play_ms(cur) : 0, now, skipped);
    if (end.stopped)
        track_notice(h, r, cur->id, "track_unavailable", "stopped: it cannot be played any more");
    if (end.ranks) sr_advance_count_play(r->rank, &r->nrank, RANKED, cur->id);
    if (end.skipped && cur) {
        sr_event ev = {.type = SR_EV_SKIPPED, .room = r, .track = cur->id, .now = now};
        hub_emit(h, &ev);
    }
    job *j = hub_job_new(r);
    if (end.skipped && r->np_play) sr_write_play_skipped(hub_job_add(j), r->np_play);
    int nlib;
    const int64_t *lib = sr_library_playable(h->lib, &nlib);
    sr_advance_lib al = {lib, nlib, h, adv_playable, adv_artist, adv_random};
    sr_advance_room ar = {r->mode_top, r->artist,  r->rank, r->nrank,
                          r->recent,   r->nrecent, NULL,    NULL};
    sr_advance_plan p;
    sr_advance_next(&r->queue, &ar, &al, &p);
    for (int i = 0; i < p.ndropped; i++)
        drop_unplayable(h, r, p.dropped[i].entry);
    const sr_entry *e = p.entry;
    int64_t tid = p.track;
    if (!tid) {
        r->np_track = r->np_entry = r->np_user = r->np_play = 0;
        sr_advance_plan_free(&p);
        free(j);
        return;
    }
    r->np_track = tid;
    r->np_entry = e ? e->id : 0;
    r->np_user = e ? e->user : 0;
    r->np_play = hub_id_new(h, SR_ID_PLAY); /* 0 (logged) when none could be reserved */
    if (r->np_play > h->max_play) h->max_play = r->np_play;
    r->np_started_at = end.start;
    r->np_from = p.from_fallback;
    sr_skip_reset(&r->skips);
    sr_write_play(hub_job_add(j), r->np_play, r->id, tid, r->np_entry, r->np_user, end.start,
                  r->np_from);
    if (e) sr_write_entry_state(hub_job_add(j), e->id, "played");
    sr_advance_plan_free(&p);
    sr_advance_recent_push(r->recent, &r->nrecent, RECENT, tid);
    json_t *o = hub_np_json(h, r);
    json_object_set_new(o, "type", json_string("now_playing"));
    json_object_set_new(o, "skipped", json_boolean(end.skipped));
    json_object_set_new(o, "skip", hub_skip_json(r, hub_skip_ratio(h, r)));
    hub_submit(h, j, o);
    sr_event ev = {.type = SR_EV_PLAYED,
                   .room = r,
                   .track = tid,
                   .entry = r->np_entry,
                   .target = r->np_user,
                   .value = r->np_from,
                   .now = end.start};
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
        if (sr_advance_due(t != NULL, t && t->available, r->np_started_at,
                           t ? sr_library_play_ms(t) : 0, now, r->queue.n, nlib)) {
            hub_advance(h, r, now, 0);
            t = sr_library_get(h->lib, r->np_track);
        }
        if (t && t->available) {
            double end = r->np_started_at + (double)sr_library_play_ms(t);
            if (end < next_end) next_end = end;
        }
    }
    hub_notices_poll(h, now);
    hub_store_probe(h, now);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->tick) h->mods[i].m->tick(h, h->mods[i].self, now);
    return next_end;
}

/* Skip passes once enough present listeners voted. */
void hub_check_skip(sr_hub *h, sr_room *r)
{
    if (sr_skip_passes(&r->skips, r->nlisteners, hub_skip_ratio(h, r), r->np_track != 0))
        hub_advance(h, r, sr_now_ms(), 1);
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
    /* a join storm's lists go once told: an idle room does not keep a slot per listener */
    if (r->cappend_join > 64) free(r->pend_join), r->pend_join = NULL, r->cappend_join = 0;
    if (r->cappend_left > 64) free(r->pend_left), r->pend_left = NULL, r->cappend_left = 0;
    hub_submit(h, hub_job_new(r), o);
}

listener *hub_listener_of(sr_room *r, int64_t uid)
{
    int64_t at = sr_imap_get(&r->listener_at, uid);
    return at ? &r->listeners[at - 1] : NULL;
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
    listener *l = hub_listener_of(r, s->user);
    if (l) {
        l->conns++;
        return;
    }
    if (r->nlisteners == r->caplisteners) {
        r->caplisteners = r->caplisteners ? r->caplisteners * 2 : 8;
        r->listeners = sr_xrealloc(r->listeners, (size_t)r->caplisteners * sizeof *r->listeners);
    }
    r->listeners[r->nlisteners] = (listener){s->user, 1, 0};
    r->nlisteners++;
    sr_imap_put(&r->listener_at, s->user, r->nlisteners);
    sr_event ev = {
        .type = SR_EV_JOINED, .room = r, .user = s->user, .session = s, .now = sr_now_ms()};
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
    listener *l = hub_listener_of(r, s->user);
    if (l) {
        if (--l->conns) return;
        sr_event ev = {
            .type = SR_EV_LEFT, .room = r, .user = s->user, .session = s, .now = sr_now_ms()};
        hub_emit(h, &ev);
        int k = (int)(l - r->listeners);
        sr_imap_del(&r->listener_at, s->user);
        r->listeners[k] = r->listeners[--r->nlisteners];
        if (k < r->nlisteners) sr_imap_put(&r->listener_at, r->listeners[k].user, k + 1);
        sr_skip_leave(&r->skips, s->user);
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

/* ---- chat lines ---- */

void hub_chat_line(sr_hub *h, int64_t id, int64_t uid, const char *text, size_t len, double ts,
                   sr_jtext *t)
{
    sr_jtext_lit(t, "{\"id\":");
    sr_jtext_int(t, id);
    sr_jtext_lit(t, ",\"user\":");
    hub_user_jtext(h, uid, t);
    sr_jtext_lit(t, ",\"text\":");
    sr_jtext_str(t, text, len);
    sr_jtext_lit(t, ",\"ts\":");
    sr_jtext_real(t, ts);
    sr_jtext_lit(t, "}");
}

void hub_chat_keep(sr_room *r, int64_t id, int64_t uid, const sr_jtext *line)
{
    chat_line *c = sr_xmalloc(sizeof *c + line->n + 1);
    c->json = NULL;
    c->len = line->n;
    memcpy(c->text, line->b, line->n + 1);
    sr_chatring_push(&r->chat, id, uid, c);
}

/* Borrowed: the ring keeps it. */
static json_t *chat_json(chat_line *c)
{
    if (!c->json) c->json = json_loadb(c->text, c->len, 0, NULL);
    return c->json ? c->json : json_null(); /* our own text: it always parses */
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
    for (int i = 0; i < sr_chatring_count(&r->chat); i++)
        json_array_append(c, chat_json(sr_chatring_at(&r->chat, i)->data));
    json_object_set_new(o, "chat", c);
    json_object_set_new(o, "skip", hub_skip_json(r, hub_skip_ratio(h, r)));
    hub_room_json_hooks(h, r, SR_VIEW_SNAPSHOT, viewer, o);
    return o;
}

void hub_forget_chat_of(sr_hub *h, int64_t uid)
{
    for (int i = 0; i < h->nrooms; i++)
        sr_chatring_remove_user(&h->rooms[i]->chat, uid);
}
