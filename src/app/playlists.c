/* playlists.c - the playlists module, a person's own playlists: M3U/PLS/XSPF files imported into a
 * named list kept per account (resolved by the room import's code in import.c), listed, shown,
 * deleted, and queued into a room. Lists are kept in memory like everything the hub reads while
 * serving, and written through the write worker: an answer that changes one comes once it is
 * durable. */
#include "app/import.h"
#include "app/kernel.h"
#include "app/modules.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct plist {
    int64_t id, user;
    char *name, *format;
    double created;
    json_t *entries; /* [{"location","title","artist","track":id|null,"reason":code|null}] */
    int deleting;    /* a DELETE is on its way to the disk: already gone for its owner */
} plist;

#define SR_PLAYLISTS_MAX 100 /* lists per account: they live in memory */

/* The module's state. */
typedef struct sr_playlists {
    plist **v; /* by id order */
    int n, cap;
    int64_t max_id;
} sr_playlists;

static sr_playlists *lists(sr_hub *h)
{
    return hub_module_self(h, &sr_module_playlists);
}

static void plist_free(plist *p)
{
    free(p->name);
    free(p->format);
    json_decref(p->entries);
    free(p);
}

static plist *plist_add(sr_hub *h, int64_t id, int64_t owner, const char *name, const char *format,
                        json_t *entries, double created)
{
    sr_playlists *L = lists(h);
    if (L->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 16;
        L->v = sr_xrealloc(L->v, (size_t)L->cap * sizeof *L->v);
    }
    plist *p = sr_xcalloc(1, sizeof *p);
    *p = (plist){id, owner, sr_xstrdup(name), sr_xstrdup(format), created, entries, 0};
    L->v[L->n++] = p;
    if (id > L->max_id) L->max_id = id;
    return p;
}

static void ld_playlist(void *ud, int64_t id, int64_t owner, const char *name, const char *format,
                        const char *entries, double created)
{
    json_t *e = json_loads(entries ? entries : "[]", 0, NULL);
    if (!json_is_array(e)) {
        json_decref(e);
        e = json_array(); /* a damaged row still lists (empty) and can be deleted */
    }
    plist_add(ud, id, owner, name ? name : "", format ? format : "", e, created);
}

static void stop(sr_hub *h, void *self)
{
    sr_playlists *L = self;
    for (int i = 0; i < L->n; i++)
        plist_free(L->v[i]);
    free(L->v);
    free(L);
}

/* The list with this id, deleting or not, and its index; NULL when none. */
static plist *find_any(sr_hub *h, int64_t id, int *at)
{
    sr_playlists *L = lists(h);
    for (int i = 0; i < L->n; i++)
        if (L->v[i]->id == id) return *at = i, L->v[i];
    return NULL;
}

/* uid's list with this id, or NULL (someone else's is NULL too: 404, never 403, so ids do not
 * reveal that others' lists exist). */
static plist *find(sr_hub *h, int64_t uid, int64_t id)
{
    int at;
    plist *p = find_any(h, id, &at);
    return p && p->user == uid && !p->deleting ? p : NULL;
}

static void remove_at(sr_hub *h, int at)
{
    sr_playlists *L = lists(h);
    plist_free(L->v[at]);
    memmove(L->v + at, L->v + at + 1, (size_t)(L->n - at - 1) * sizeof *L->v);
    L->n--;
}

static int count_of(sr_hub *h, int64_t uid)
{
    sr_playlists *L = lists(h);
    int n = 0;
    for (int i = 0; i < L->n; i++)
        n += L->v[i]->user == uid && !L->v[i]->deleting;
    return n;
}

/* A create or delete on its way to the disk. Memory changed at once (so the next request sees
 * it); if the store fails, the change is undone and the answer is 500: nothing was changed. */
typedef struct pending {
    sr_hub *h;
    int64_t id;
    int deleting;
} pending;

static void settle(void *arg, int ok)
{
    pending *c = arg;
    int at;
    plist *p = find_any(c->h, c->id, &at);
    if (p && c->deleting && ok) remove_at(c->h, at);
    if (p && c->deleting && !ok) p->deleting = 0;
    if (p && !c->deleting && !ok) remove_at(c->h, at);
    free(c);
}

static void submit(sr_hub *h, job *j, int64_t id, int deleting,
                   void (*reply)(void *, int, json_t *, const char *), void *ctx, int status,
                   json_t *body)
{
    pending *c = sr_xcalloc(1, sizeof *c);
    *c = (pending){h, id, deleting};
    hub_submit_settle(h, j, NULL, reply, ctx, status, body, NULL, settle, c);
}

static int forget_user(sr_hub *h, int64_t uid)
{
    /* a pending create or delete of one of these finds it gone and only answers (settle()) */
    sr_playlists *L = lists(h);
    int n = 0;
    for (int i = L->n - 1; i >= 0; i--)
        if (L->v[i]->user == uid) remove_at(h, i), n++;
    return n;
}

static int full(sr_hub *h, int64_t uid)
{
    return count_of(h, uid) >= SR_PLAYLISTS_MAX;
}

/* {"id","name","format","created_at","entries","resolved","unresolved"} */
static json_t *summary(const plist *p)
{
    size_t i, resolved = 0;
    json_t *e;
    json_array_foreach(p->entries, i, e) resolved += json_is_integer(json_object_get(e, "track"));
    size_t n = json_array_size(p->entries);
    return json_pack("{s:I,s:s,s:s,s:f,s:I,s:I,s:I}", "id", (json_int_t)p->id, "name", p->name,
                     "format", p->format, "created_at", p->created, "entries", (json_int_t)n,
                     "resolved", (json_int_t)resolved, "unresolved", (json_int_t)(n - resolved));
}

/* {"playlist":summary,"resolved":[{"index","track"}],"unresolved":[{"index","location","title",
 * "artist","reason"}]}: the shape of the room import's answer. */
static json_t *detail(sr_hub *h, const plist *p)
{
    json_t *ok = json_array(), *missed = json_array(), *e;
    size_t i;
    json_array_foreach(p->entries, i, e)
    {
        json_t *tr = json_object_get(e, "track");
        if (json_is_integer(tr)) {
            int64_t id = sr_library_canonical(h->lib, json_integer_value(tr));
            json_array_append_new(ok, json_pack("{s:I,s:o}", "index", (json_int_t)i, "track",
                                                sr_library_track_ref(h->lib, id)));
        } else {
            json_t *o = json_pack("{s:I}", "index", (json_int_t)i);
            const char *keys[] = {"location", "title", "artist", "reason"};
            for (int k = 0; k < 4; k++) {
                json_t *v = json_object_get(e, keys[k]);
                json_object_set(o, keys[k], v ? v : json_null());
            }
            json_array_append_new(missed, o);
        }
    }
    return json_pack("{s:o,s:o,s:o}", "playlist", summary(p), "resolved", ok, "unresolved", missed);
}

static void create_list(sr_hub *h, int64_t uid, const char *name, const char *format,
                        json_t *entries, void (*reply)(void *, int, json_t *, const char *),
                        void *ctx)
{
    /* The import was resolved on the pool: the account may have been deleted meanwhile, and
     * its list would then be written after the account's lists were deleted. */
    user *u = hub_user_get(h, uid);
    if (!u || !u->username) {
        json_decref(entries);
        return reply(ctx, 401,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "unauthenticated", "message",
                               "the account was deleted"),
                     NULL);
    }
    /* checked before parsing too; checked again because imports of one person may overlap */
    if (full(h, uid)) {
        json_decref(entries);
        return reply(ctx, 409,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "limit_reached", "message",
                               "you have as many playlists as this server allows"),
                     NULL);
    }
    int64_t id = hub_id_new(h, SR_ID_PLAYLIST);
    if (!id) {
        json_decref(entries);
        return reply(ctx, 500,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "internal", "message",
                               "the store could not record this"),
                     NULL);
    }
    plist *p = plist_add(h, id, uid, name, format, entries, sr_now_ms());
    job *j = hub_job_new(NULL);
    char *text = sr_proto_dump(json_incref(p->entries));
    sr_write_playlist(hub_job_add(j), p->id, uid, p->name, p->format, text, p->created);
    free(text);
    submit(h, j, p->id, 0, reply, ctx, 201, detail(h, p));
}

/* GET /api/me/playlists */
static void ep_list(sr_hub *h, const sr_rest *q, int64_t uid)
{
    sr_playlists *L = lists(h);
    json_t *a = json_array();
    for (int i = L->n - 1; i >= 0; i--) /* newest first */
        if (L->v[i]->user == uid && !L->v[i]->deleting) json_array_append_new(a, summary(L->v[i]));
    q->reply(q->ctx, 200, json_pack("{s:o}", "playlists", a), NULL);
}

/* DELETE /api/me/playlists/:id: gone for its owner at once, freed once durable. */
static void ep_delete(sr_hub *h, const sr_rest *q, plist *p)
{
    p->deleting = 1;
    job *j = hub_job_new(NULL);
    sr_write_playlist_delete(hub_job_add(j), p->id);
    submit(h, j, p->id, 1, q->reply, q->ctx, 200, json_pack("{s:b}", "deleted", 1));
}

/* POST /api/me/playlists/:id/queue {"room"} */
static void ep_queue(sr_hub *h, const sr_rest *q, int64_t uid, plist *p)
{
    json_t *room = json_object_get(q->body, "room");
    if (!json_is_object(q->body))
        return hub_rest_error(q, 400, "bad_json", "the body must be a JSON object");
    if (!room) return hub_rest_error(q, 400, "missing_field", "field 'room' is required");
    if (!json_is_integer(room) || json_integer_value(room) <= 0)
        return hub_rest_error(q, 400, "bad_field", "field 'room' must be a room id");
    sr_import_queue_entries(h, q, json_integer_value(room), uid, p->format, p->name, p->entries);
}

/* ---------- routes ---------- */

static void r_list(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_list(app, q, a->me);
}

static void r_import(void *app, const sr_rest *q, const sr_route_args *a)
{
    if (full(app, a->me))
        return hub_rest_error(q, 409, "limit_reached",
                              "you have as many playlists as this server allows");
    sr_import_personal(app, q, a->me, create_list);
}

static plist *mine(sr_hub *h, const sr_rest *q, const sr_route_args *a)
{
    plist *pl = a->id[0] ? find(h, a->me, a->id[0]) : NULL;
    if (!pl) hub_rest_error(q, 404, "no_such_playlist", "you have no playlist with that id");
    return pl;
}

static void r_get(void *app, const sr_rest *q, const sr_route_args *a)
{
    plist *pl = mine(app, q, a);
    if (pl) q->reply(q->ctx, 200, detail(app, pl), NULL);
}

static void r_delete(void *app, const sr_rest *q, const sr_route_args *a)
{
    plist *pl = mine(app, q, a);
    if (pl) ep_delete(app, q, pl);
}

static void r_queue(void *app, const sr_rest *q, const sr_route_args *a)
{
    plist *pl = mine(app, q, a);
    if (pl) ep_queue(app, q, a->me, pl);
}

static const sr_route routes[] = {
    {"GET", "/api/me/playlists", SR_WHO_ACCOUNT, r_list, 0},
    {"POST", "/api/me/playlists", SR_WHO_ACCOUNT, r_import, 0},
    {"GET", "/api/me/playlists/:id", SR_WHO_ACCOUNT, r_get, 0},
    {"DELETE", "/api/me/playlists/:id", SR_WHO_ACCOUNT, r_delete, 0},
    {"POST", "/api/me/playlists/:id/queue", SR_WHO_ACCOUNT, r_queue, 0},
};

/* ---------- the module ---------- */

static void on_account_deleted(sr_hub *h, void *self, const sr_event *ev)
{
    /* the store deletes the rows in the same job (SR_W_USER_DELETE) */
    int n = forget_user(h, ev->user);
    sr_log(SR_LOG_INFO, "playlists of a deleted account", "user=%lld playlists=%d",
           (long long)ev->user, n);
}

static const sr_event_hook events[] = {
    {SR_EV_ACCOUNT_DELETED, on_account_deleted},
};

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->playlist = ld_playlist;
}

static void *create(sr_hub *h)
{
    return sr_xcalloc(1, sizeof(sr_playlists));
}

const sr_module sr_module_playlists = {
    .version = SR_MODULE_VERSION,
    .name = "playlists",
    .create = create,
    .load = load,
    .stop = stop,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .events = events,
    .nevents = SR_COUNT(events),
};
