/* import.c - playlist import, stream URLs and external-service references (over REST, and
 * queue_add over the WebSocket): parse and check on the service thread, resolve entries and
 * record tracks on the task pool, queue on the service thread. */
#include "app/import_int.h"
#include "app/modules.h"
#include "source/playlist.h"
#include "source/source.h"
#include "source/stream.h"
#include "util/log.h"
#include "util/outbound.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What the barrier job answers once every entry is durable. */
typedef struct barrier {
    sr_hub *h;
    reply_fn reply;
    void *ctx;
    int status;
    json_t *body;
} barrier;

static void reply_error(reply_fn reply, void *ctx, int status, const char *code, const char *msg)
{
    reply(ctx, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg), NULL);
}

static void item_clear(item *it)
{
    free(it->location);
    free(it->title);
    free(it->artist);
    free(it->path);
    free(it->identity);
    free(it->rec_title);
}

static void task_free(imp_task *t)
{
    for (size_t i = 0; i < t->n; i++)
        item_clear(&t->items[i]);
    free(t->items);
    free(t->pl_title);
    free(t);
}

static void barrier_done(void *ctx, json_t *room)
{
    barrier *b = ctx;
    if (room)
        b->reply(b->ctx, b->status, b->body, NULL);
    else {
        json_decref(b->body);
        int http;
        json_t *err = hub_write_error_json(b->h, 0, &http);
        b->reply(b->ctx, http, err, NULL);
    }
    json_decref(room);
    free(b);
}

/* Answers once everything submitted to r so far is durable (jobs complete in order). */
static void reply_when_durable(sr_hub *h, sr_room *r, reply_fn reply, void *ctx, int status,
                               json_t *body)
{
    barrier *b = sr_xcalloc(1, sizeof *b);
    *b = (barrier){h, reply, ctx, status, body};
    job *j = hub_job_new(r);
    j->base.barrier = 1;
    j->done = barrier_done;
    j->ctx = b;
    hub_submit(h, j, NULL);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void queue_items(sr_hub *h, imp_task *t, sr_room *r);

/* What a personal playlist keeps of each resolved item: [{"location","title","artist",
 * "track":id|null,"reason":code|null}]. */
static json_t *items_json(const imp_task *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const item *it = &t->items[i];
        json_array_append_new(
            a,
            json_pack("{s:s,s:o,s:o,s:o,s:o}", "location", it->location, "title",
                      str_or_null(it->title), "artist", str_or_null(it->artist), "track",
                      it->id ? json_integer(it->id) : json_null(), "reason",
                      it->id ? json_null() : json_string(it->reason ? it->reason : "not_found")));
    }
    return a;
}

/* The answer for one recorded track (a stream or an external track, over REST or the
 * WebSocket): the track, and with a room the entry queued, once durable, or 409 with the
 * queue's refusal. */
static void answer_single(sr_hub *h, imp_task *t, sr_room *r)
{
    item *it = &t->items[0];
    if (it->refused)
        return reply_error(t->reply, t->ctx, 400, sr_outbound_code(it->refused),
                           sr_outbound_message(it->refused));
    json_t *body = json_pack("{s:o}", "track", sr_library_track_ref(h->lib, it->id));
    if (!r) {
        t->reply(t->ctx, 201, body, NULL);
        return;
    }
    const char *code = NULL;
    int64_t e = hub_queue_track(h, r, t->user, it->id, &code);
    if (!e) {
        json_object_set_new(body, "error",
                            json_pack("{s:s,s:s}", "code", code, "message",
                                      "the track was recorded but not queued"));
        t->reply(t->ctx, 409, body, NULL);
        return;
    }
    json_object_set_new(body, "entry", json_integer(e));
    reply_when_durable(h, r, t->reply, t->ctx, 201, body);
}

static void imp_done(sr_task *base)
{
    imp_task *t = (imp_task *)base;
    sr_hub *h = t->h;
    if (t->status) {
        sr_log(SR_LOG_ERROR, "import failed", "err=\"%s\"", sr_strerror(t->status));
        reply_error(t->reply, t->ctx, 500, "internal",
                    "the store could not resolve or record the tracks");
        return task_free(t);
    }
    for (size_t i = 0; i < t->n; i++) {
        item *it = &t->items[i];
        if (it->kind == IT_RECORD && it->id) {
            sr_track_row row = sr_import_item_row(it);
            sr_library_add(h->lib, &row);
        } else if (it->kind == IT_PATH && !it->id) {
            it->id = sr_import_pick_candidate(h->lib, it);
            if (!it->id) it->reason = it->ncand ? "no_match" : "not_found";
        }
    }
    sr_room *r = t->room ? hub_room_get(h, t->room) : NULL;
    if (t->single) return answer_single(h, t, r), task_free(t);
    if (t->personal) {
        t->keep(h, t->user, t->pl_title, t->format, items_json(t), t->reply, t->ctx);
        return task_free(t);
    }
    queue_items(h, t, r);
    task_free(t);
}

/* Queues every item with a track in r (in order), and answers with what was added and what
 * was not and why: the room import's answer. */
static void queue_items(sr_hub *h, imp_task *t, sr_room *r)
{
    json_t *added = json_array(), *missed = json_array();
    for (size_t i = 0; i < t->n; i++) {
        item *it = &t->items[i];
        const char *code = it->reason;
        int64_t e = 0;
        if (it->id && r) {
            e = hub_queue_track(h, r, t->user, it->id, &code);
        } else if (it->id) {
            code = "no_such_room";
        }
        if (e) {
            json_array_append_new(
                added,
                json_pack("{s:i,s:I,s:o}", "index", it->index, "entry", (json_int_t)e, "track",
                          sr_library_track_ref(h->lib, sr_library_canonical(h->lib, it->id))));
            continue;
        }
        json_t *o = json_pack("{s:i,s:s,s:o,s:o,s:s}", "index", it->index, "location", it->location,
                              "title", str_or_null(it->title), "artist", str_or_null(it->artist),
                              "reason", code ? code : "not_found");
        if (it->id) json_object_set_new(o, "track", sr_library_track_ref(h->lib, it->id));
        json_array_append_new(missed, o);
    }
    json_t *body =
        json_pack("{s:s,s:o,s:I,s:o,s:o}", "format", t->format, "title", str_or_null(t->pl_title),
                  "entries", (json_int_t)t->n, "added", added, "unresolved", missed);
    if (r && json_array_size(added))
        reply_when_durable(h, r, t->reply, t->ctx, 200, body);
    else
        t->reply(t->ctx, 200, body, NULL);
}

/* ---------- REST ---------- */

/* The room a request names, checked for uid the way joining and queue_add are: 0, or -1
 * after answering. */
static int room_checks(sr_hub *h, const sr_rest *q, int64_t room, int64_t uid, sr_room **out)
{
    sr_room *r = hub_room_get(h, room);
    if (!r || !hub_may_enter(h, r, uid, NULL))
        return reply_error(q->reply, q->ctx, 404, "no_such_room", "no room with that id"), -1;
    /* unlike joining, an import refuses any active ban, a banned moderator's too */
    if (hub_has_role(r, uid, ROLE_BANNED, sr_now_ms()))
        return reply_error(q->reply, q->ctx, 403, "banned", "this room banned you"), -1;
    sr_rule why = sr_rules_add_gate(&r->rules, hub_rank(h, r, uid));
    if (why == SR_RULE_QUEUE_LOCKED)
        return reply_error(q->reply, q->ctx, 403, "queue_locked", "a moderator locked the queue"),
               -1;
    if (why)
        return reply_error(q->reply, q->ctx, 403, "not_allowed",
                           "this room's rules do not let you add tracks"),
               -1;
    *out = r;
    return 0;
}

static imp_task *task_new(sr_hub *h, reply_fn reply, void *ctx, int64_t room, int64_t uid, size_t n)
{
    imp_task *t = sr_xcalloc(1, sizeof *t);
    t->base.run = sr_import_run;
    t->base.done = imp_done;
    t->h = h;
    t->room = room;
    t->user = uid;
    t->reply = reply;
    t->ctx = ctx;
    t->allow_private = h->cfg.allow_private_urls;
    t->items = sr_xcalloc(n ? n : 1, sizeof *t->items);
    t->n = n;
    return t;
}

/* Makes it a track to record: the title recorded (given, else a stream's host and path) and
 * its identity, so the same song from two sources is one track. */
static void record_item(item *it, const char *source)
{
    it->kind = IT_RECORD;
    it->source = source;
    it->rec_title = it->title ? sr_xstrdup(it->title) : sr_stream_default_title(it->location);
    it->identity = sr_track_identity(it->artist, it->title, it->duration_ms, NULL, NULL);
}

/* A failed check of a recorded track's fields: the protocol's code and a message. */
typedef struct why_not {
    const char *code;
    char msg[200];
} why_not;

static int refuse(why_not *w, const char *code, const char *fmt, const char *arg)
{
    w->code = code;
    snprintf(w->msg, sizeof w->msg, fmt, arg);
    return -1;
}

/* Reads the optional (or required) title or artist `name` of o into *out: 1-200 characters
 * without control characters. */
static int text_field(json_t *o, const char *name, int required, char **out, why_not *w)
{
    json_t *v = json_object_get(o, name);
    const char *why;
    if (!v || json_is_null(v))
        return required ? refuse(w, "missing_field", "field '%s' is required", name) : 0;
    if (!json_is_string(v)) return refuse(w, "bad_field", "field '%s' must be a string", name);
    if (sr_stream_text_check(json_string_value(v), json_string_length(v), &why)) {
        char m[80];
        snprintf(m, sizeof m, "field '%%s' %s", why);
        return refuse(w, strstr(why, "longer") ? "too_long" : "bad_field", m, name);
    }
    *out = sr_xstrdup(json_string_value(v));
    return 0;
}

/* {"url","title"?,"artist"?}: a stream, into *it. 0, or -1 with *w. */
static int stream_fields(json_t *o, item *it, why_not *w)
{
    json_t *url = json_object_get(o, "url");
    const char *why;
    if (!url) return refuse(w, "missing_field", "field '%s' is required", "url");
    if (!json_is_string(url)) return refuse(w, "bad_field", "field '%s' must be a string", "url");
    if (json_string_length(url) > SR_STREAM_URL_MAX)
        return refuse(w, "too_long", "field '%s' is longer than 2048 bytes", "url");
    if (sr_stream_url_check(json_string_value(url), json_string_length(url), &why))
        return refuse(w, "bad_url", "%s", why);
    if (text_field(o, "title", 0, &it->title, w) || text_field(o, "artist", 0, &it->artist, w))
        return -1;
    it->location = sr_xstrdup(json_string_value(url));
    record_item(it, "stream");
    return 0;
}

#define EXT_REF_MAX 2048          /* bytes of an external reference */
#define EXT_DURATION_MAX 86400000 /* a day, in ms */

/* {"source","ref","title","artist"?,"duration_ms"?}: a track of an external service, played
 * by a client-side adapter. The source must be one the server knows (its resolve() checks the
 * reference and may know the length); the track carries its metadata. 0, or -1 with *w. */
static int external_fields(json_t *o, item *it, why_not *w)
{
    json_t *src = json_object_get(o, "source"), *ref = json_object_get(o, "ref"),
           *dur = json_object_get(o, "duration_ms");
    if (!src) return refuse(w, "missing_field", "field '%s' is required", "source");
    if (!json_is_string(src))
        return refuse(w, "bad_field", "field '%s' must be a string", "source");
    const char *name = json_string_value(src);
    if (!strcmp(name, "local") || !strcmp(name, "stream"))
        return refuse(w, "bad_field",
                      "source '%s' is not external: queue library tracks by id and streams "
                      "with 'stream'",
                      name);
    const sr_source_ops *ops = sr_source_find(name);
    if (!ops || ops->version < 3 || !ops->resolve)
        return refuse(w, "unknown_source", "this server knows no source named '%.40s'", name);
    if (!ref) return refuse(w, "missing_field", "field '%s' is required", "ref");
    if (!json_is_string(ref)) return refuse(w, "bad_field", "field '%s' must be a string", "ref");
    const char *r = json_string_value(ref);
    size_t len = json_string_length(ref);
    if (len > EXT_REF_MAX)
        return refuse(w, "too_long", "field '%s' is longer than 2048 bytes", "ref");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
            return refuse(w, "bad_field", "field '%s' must not contain control characters", "ref");
    int64_t ms = 0;
    if (dur && !json_is_null(dur)) {
        if (!json_is_integer(dur) || json_integer_value(dur) < 0 ||
            json_integer_value(dur) > EXT_DURATION_MAX)
            return refuse(w, "bad_field", "field '%s' must be 0-86400000", "duration_ms");
        ms = json_integer_value(dur);
    }
    sr_track_meta meta = {0};
    const char *why;
    if (ops->resolve(r, len, &meta, &why)) return refuse(w, "bad_ref", "field 'ref' %s", why);
    if (meta.duration_ms > 0) ms = meta.duration_ms; /* what the source knows wins */
    sr_track_meta_clear(&meta);
    if (text_field(o, "title", 1, &it->title, w) || text_field(o, "artist", 0, &it->artist, w))
        return -1;
    it->location = sr_xstrdup(r);
    it->duration_ms = ms;
    record_item(it, ops->name);
    return 0;
}

/* POST /api/library/streams {"url","title"?,"artist"?,"room"?} and POST /api/library/external
 * {"source","ref","title","artist"?,"duration_ms"?,"room"?}: records one track and, with
 * room, queues it there. */
static void ep_record(sr_hub *h, const sr_rest *q, int64_t uid, int external)
{
    json_t *b = q->body, *room = json_object_get(b, "room");
    if (!json_is_object(b))
        return reply_error(q->reply, q->ctx, 400, "bad_json", "the body must be a JSON object");
    item it = {0};
    why_not w;
    if ((external ? external_fields : stream_fields)(b, &it, &w)) {
        item_clear(&it);
        return reply_error(q->reply, q->ctx, 400, w.code, w.msg);
    }
    if (room && !json_is_null(room) && (!json_is_integer(room) || json_integer_value(room) <= 0)) {
        item_clear(&it);
        return reply_error(q->reply, q->ctx, 400, "bad_field", "field 'room' must be a room id");
    }
    int64_t rid = room && json_is_integer(room) ? json_integer_value(room) : 0;
    sr_room *r = NULL;
    if (rid && room_checks(h, q, rid, uid, &r)) return item_clear(&it);
    imp_task *t = task_new(h, q->reply, q->ctx, rid, uid, 1);
    t->single = 1;
    t->format = it.source;
    t->items[0] = it;
    sr_pool_submit(h->pool, &t->base);
}

/* ---------- queue_add over the WebSocket ---------- */

/* Where the answer to a WebSocket queue_add goes: the session (a reference held) and the
 * message's ref. The task's REST-shaped answer becomes an ack or an error. */
typedef struct ws_ctx {
    sr_hub *h;
    sr_session *s;
    json_t *ref;
} ws_ctx;

static void ws_reply(void *ctx, int status, json_t *body, const char *set_cookie)
{
    ws_ctx *c = ctx;
    json_t *o, *err = json_object_get(body, "error");
    if (status < 300) {
        o = sr_proto_reply("ack", c->ref);
        json_object_update(o, body); /* entry, track */
    } else {
        const char *code = json_string_value(json_object_get(err, "code")),
                   *msg = json_string_value(json_object_get(err, "message"));
        o = sr_proto_error(code ? code : "internal", msg ? msg : "the track could not be queued",
                           c->ref);
        json_t *track = json_object_get(body, "track");
        if (track) json_object_set(o, "track", track);
    }
    hub_send_json(c->h, c->s, o);
    json_decref(body);
    json_decref(c->ref);
    sr_session_unref(c->s);
    free(c);
}

static void on_queue_add_record(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *r)
{
    /* recording a track in the library is what the REST endpoints reserve for accounts */
    if (hub_is_guest(h, s->user))
        return hub_send_error(h, s, "sign_in_required", "sign in to add streams or external tracks",
                              m->ref);
    item it = {0};
    why_not w;
    if (m->external ? external_fields(m->external, &it, &w) : stream_fields(m->stream, &it, &w)) {
        item_clear(&it);
        return hub_send_error(h, s, w.code, w.msg, m->ref);
    }
    ws_ctx *c = sr_xcalloc(1, sizeof *c);
    *c = (ws_ctx){h, s, m->ref ? json_incref(m->ref) : NULL};
    s->refs++;
    imp_task *t = task_new(h, ws_reply, c, r->id, s->user, 1);
    t->single = 1;
    t->format = it.source;
    t->items[0] = it;
    sr_pool_submit(h->pool, &t->base);
}

static const char *const pl_kind[] = {"ok", "not_playlist", "syntax", "binary", "limit"};

/* Parses an import body {"playlist","format"?,"name"?} into a task for uid (room rid, or 0),
 * each entry classified: a path to resolve, a stream to record, or one no source plays.
 * NULL after answering q when the body or the playlist is bad. */
static imp_task *parse_import(sr_hub *h, const sr_rest *q, int64_t rid, int64_t uid)
{
    json_t *b = q->body;
    if (!json_is_object(b))
        return reply_error(q->reply, q->ctx, 400, "bad_json", "the body must be a JSON object"),
               NULL;
    json_t *pl = json_object_get(b, "playlist"), *fmt = json_object_get(b, "format"),
           *name = json_object_get(b, "name");
    if (!pl)
        return reply_error(q->reply, q->ctx, 400, "missing_field", "field 'playlist' is required"),
               NULL;
    if (!json_is_string(pl))
        return reply_error(q->reply, q->ctx, 400, "bad_field", "field 'playlist' must be a string"),
               NULL;
    if (name && !json_is_string(name))
        return reply_error(q->reply, q->ctx, 400, "bad_field", "field 'name' must be a string"),
               NULL;
    sr_pl_format f = SR_PL_AUTO;
    if (fmt && !json_is_null(fmt)) {
        f = json_is_string(fmt) ? sr_playlist_format_parse(json_string_value(fmt)) : SR_PL_AUTO;
        if (f == SR_PL_AUTO)
            return reply_error(q->reply, q->ctx, 400, "bad_field",
                               "field 'format' must be m3u, m3u8, pls or xspf"),
                   NULL;
    }
    const char *text = json_string_value(pl);
    size_t len = json_string_length(pl);
    if (f == SR_PL_AUTO) f = sr_playlist_detect(text, len, name ? json_string_value(name) : NULL);
    sr_playlist list = {0};
    sr_pl_err err;
    if (sr_playlist_parse(f, text, len, &list, &err)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: %s at byte %zu", sr_playlist_format_name(f), err.msg,
                 err.pos);
        q->reply(q->ctx, 400,
                 json_pack("{s:{s:s,s:s,s:s,s:I}}", "error", "code", "bad_playlist", "message", msg,
                           "kind", pl_kind[err.code], "pos", (json_int_t)err.pos),
                 NULL);
        return NULL;
    }
    if (!list.n) {
        sr_playlist_clear(&list);
        return reply_error(q->reply, q->ctx, 400, "empty_playlist", "the playlist names no tracks"),
               NULL;
    }
    imp_task *t = task_new(h, q->reply, q->ctx, rid, uid, list.n);
    t->format = sr_playlist_format_name(f);
    t->pl_title = list.title;
    list.title = NULL;
    for (size_t i = 0; i < list.n; i++) {
        sr_pl_entry *e = &list.v[i];
        item *it = &t->items[i];
        it->index = (int)i;
        it->location = e->location;
        it->title = e->title;
        it->artist = e->artist;
        it->duration_ms = e->duration_ms;
        e->location = e->title = e->artist = NULL;
        const char *why;
        if (!strncasecmp(it->location, "http://", 7) || !strncasecmp(it->location, "https://", 8)) {
            if (sr_stream_url_check(it->location, strlen(it->location), &why)) {
                it->kind = IT_BAD;
                it->reason = "bad_url";
            } else {
                record_item(it, "stream");
            }
        } else if (strstr(it->location, "://") && strncasecmp(it->location, "file://", 7)) {
            it->kind = IT_BAD; /* rtsp://, spotify://, ...: no source plays these */
            it->reason = "unsupported";
        } else {
            it->kind = IT_PATH;
            it->path = sr_import_normalise_path(it->location, f == SR_PL_XSPF, &it->absolute);
        }
    }
    sr_playlist_clear(&list);
    return t;
}

/* POST /api/rooms/:id/import {"playlist","format"?,"name"?} */
static void ep_import(sr_hub *h, const sr_rest *q, int64_t rid, int64_t uid)
{
    sr_room *r;
    if (room_checks(h, q, rid, uid, &r)) return;
    imp_task *t = parse_import(h, q, rid, uid);
    if (t) sr_pool_submit(h->pool, &t->base);
}

void sr_import_personal(sr_hub *h, const sr_rest *q, int64_t uid, sr_import_keep keep)
{
    json_t *title = json_is_object(q->body) ? json_object_get(q->body, "title") : NULL;
    why_not w;
    char *name = NULL;
    if (title && text_field(q->body, "title", 0, &name, &w))
        return reply_error(q->reply, q->ctx, 400, w.code, w.msg);
    imp_task *t = parse_import(h, q, 0, uid);
    if (!t) return free(name);
    t->personal = 1;
    t->keep = keep;
    /* its name: the one given, else the list's own title, else the file's name */
    json_t *file = json_object_get(q->body, "name");
    const char *why;
    if (!name) name = t->pl_title ? sr_xstrdup(t->pl_title) : NULL;
    if (!name && json_is_string(file) && json_string_length(file) &&
        !sr_stream_text_check(json_string_value(file), json_string_length(file), &why))
        name = sr_xstrdup(json_string_value(file));
    free(t->pl_title);
    t->pl_title = name ? name : sr_xstrdup("Imported playlist");
    sr_pool_submit(h->pool, &t->base);
}

/* The reasons a stored entry may carry, as static strings for the answer. */
static const char *stored_reason(json_t *v)
{
    static const char *const known[] = {"not_found",   "no_match",        "bad_url",
                                        "unsupported", "no_such_track",   "private_address",
                                        "unknown_host"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (json_is_string(v) && !strcmp(json_string_value(v), known[i])) return known[i];
    return "not_found";
}

void sr_import_queue_entries(sr_hub *h, const sr_rest *q, int64_t rid, int64_t uid,
                             const char *format, const char *name, json_t *entries)
{
    sr_room *r;
    if (room_checks(h, q, rid, uid, &r)) return;
    size_t n = json_array_size(entries);
    imp_task *t = task_new(h, q->reply, q->ctx, rid, uid, n);
    t->format = format;
    t->pl_title = sr_xstrdup(name);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(entries, i), *tr = json_object_get(e, "track");
        const char *loc = json_string_value(json_object_get(e, "location"));
        const char *ti = json_string_value(json_object_get(e, "title"));
        const char *ar = json_string_value(json_object_get(e, "artist"));
        item *it = &t->items[i];
        it->index = (int)i;
        it->kind = IT_BAD; /* resolved when imported: nothing to look up again */
        it->location = sr_xstrdup(loc ? loc : "");
        it->title = ti ? sr_xstrdup(ti) : NULL;
        it->artist = ar ? sr_xstrdup(ar) : NULL;
        it->id = json_is_integer(tr) ? json_integer_value(tr) : 0;
        it->reason = it->id ? NULL : stored_reason(json_object_get(e, "reason"));
    }
    queue_items(h, t, r);
    task_free(t);
}

/* ---------- routes ---------- */

/* POST /api/rooms/:id/import: the room's 404 comes before the 401, as for every room route. */
static void r_import(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    sr_room *r = hub_room_get(h, a->id[0]);
    if (!r || !hub_may_enter(h, r, a->me, NULL))
        return reply_error(q->reply, q->ctx, 404, "no_such_room", "no room with that id");
    if (!a->me) return reply_error(q->reply, q->ctx, 401, "unauthenticated", "sign in first");
    ep_import(h, q, a->id[0], a->me);
}

static void r_streams(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_record(app, q, a->me, 0);
}

static void r_external(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_record(app, q, a->me, 1);
}

static const sr_route routes[] = {
    {"POST", "/api/rooms/:id/import", SR_WHO_ANYONE, r_import, 0},
    {"POST", "/api/library/streams", SR_WHO_ACCOUNT, r_streams, 0},
    {"POST", "/api/library/external", SR_WHO_ACCOUNT, r_external, 0},
};

static const sr_msg_hook messages[] = {
    {SR_C_QUEUE_ADD_RECORD, 1, on_queue_add_record},
};

const sr_module sr_module_import = {
    .version = SR_MODULE_VERSION,
    .name = "import",
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .messages = messages,
    .nmessages = SR_COUNT(messages),
};
