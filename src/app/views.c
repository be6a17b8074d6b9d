/* views.c - the kernel's REST views of rooms and tracks, and creating a room. */
#include "app/kernel_int.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (r->visibility != 0) continue; /* unlisted and private rooms are not listed */
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
    json_object_set_new(o, "now_playing", hub_np_json(h, r));
    json_object_set_new(o, "queue_length", json_integer(r->queue.n));
    json_object_set_new(o, "settings", hub_room_settings_json(r));
    hub_room_json_hooks(h, r, SR_VIEW_ROOM, viewer, o);
    return json_pack("{s:o}", "room", o);
}

json_t *sr_hub_tracks_json(sr_hub *h, const char *q, int limit)
{
    return sr_library_search(h->lib, q, limit);
}

json_t *hub_track_or_id(sr_hub *h, int64_t id)
{
    json_t *t = sr_library_track_ref(h->lib, id);
    if (json_is_null(t)) {
        json_decref(t);
        return json_pack("{s:I}", "id", (json_int_t)id);
    }
    return t;
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
    int64_t id = hub_id_new(h, SR_ID_ROOM);
    if (!id) return *code = "internal", snprintf(message, msgsize, "no room id"), NULL;
    sr_room *r = hub_room_new(h, id, json_string_value(name), desc ? json_string_value(desc) : "",
                              tags ? json_deep_copy(tags) : NULL, sr_now_ms());
    r->owner = owner;
    job *j = hub_job_new(r);
    hub_room_write(j, r);
    hub_room_write_settings(j, r);
    hub_submit(h, j, NULL);
    sr_event ev = {.type = SR_EV_ROOM_CREATED, .room = r, .user = owner, .now = r->created};
    hub_emit(h, &ev);
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
