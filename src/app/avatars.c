/* avatars.c - the avatars module, people's pictures: PUT /api/me/avatar takes image bytes, the
 * module's own thread decodes them (by content, never by declared type) and re-encodes a square
 * JPEG thumbnail, which is the only thing stored and served. Re-encoding keeps nothing of the
 * upload but its pixels, so a file that is also HTML, a script or a polyglot cannot reach
 * another person's browser.
 *
 * Thumbnails are small (a 256 x 256 JPEG, typically 5-20 KiB) and kept in memory with the
 * accounts, like every other profile field, so serving one never touches the disk. */
#include "app/kernel.h"
#include "app/modules.h"
#include "source/thumb.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVATAR_SIZE 256 /* pixels per side */
#define AVATAR_JOBS 4   /* uploads in flight at once (queued or decoding); more answer rate_limited */
#define AVATAR_THREADS 1 /* decoders: one decode (at most 64 MiB, thumb.h) at a time */

/* The module's state: its decoding thread, the uploads in flight, and where each person's
 * picture is kept. Decoding runs on a pool of its own, never on the kernel's (h->pool), which
 * hashes passwords: a queue of slow pictures must not hold sign-ins back. */
typedef struct avatars {
    sr_pool *pool; /* from start to stop */
    int jobs;
    int slot; /* per-person slot: a picture */
} avatars;

/* A person's picture: a square JPEG; its tag (a hash of the bytes) names this version, so the
 * URL changes exactly when the picture does and may be cached for good. */
typedef struct picture {
    unsigned char *jpeg;
    size_t len;
    char tag[17];
} picture;

static avatars *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_avatars);
}

static picture *picture_of(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    return u ? u->slot[self_of(h)->slot] : NULL;
}

/* Replaces uid's picture with jpeg (taken; NULL removes it). */
static void picture_set(sr_hub *h, int64_t uid, unsigned char *jpeg, size_t len)
{
    user *u = hub_user_get(h, uid);
    if (!u) return free(jpeg);
    int slot = self_of(h)->slot;
    picture *p = u->slot[slot];
    if (p) free(p->jpeg), free(p);
    u->slot[slot] = NULL;
    hub_user_touch(u);
    if (!jpeg) return;
    p = sr_xcalloc(1, sizeof *p);
    unsigned char d[8];
    crypto_generichash(d, sizeof d, jpeg, len, NULL, 0);
    sodium_bin2hex(p->tag, sizeof p->tag, d, sizeof d);
    p->jpeg = jpeg;
    p->len = len;
    u->slot[slot] = p;
}

/* "/api/users/ID/avatar?v=TAG" when uid has a picture, else JSON null. New reference. */
static json_t *avatar_url(sr_hub *h, int64_t uid)
{
    picture *p = picture_of(h, uid);
    if (!p) return json_null();
    char url[96];
    snprintf(url, sizeof url, "/api/users/%lld/avatar?v=%s", (long long)uid, p->tag);
    return json_string(url);
}

typedef struct avatar_task {
    sr_task base;
    sr_hub *h;
    int64_t uid;
    unsigned char *in, *out;
    size_t in_len, out_len;
    int rc;
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
} avatar_task;

/* Runs on the module's thread: touches only the task. */
static void avatar_run(sr_task *base)
{
    avatar_task *t = (avatar_task *)base;
    t->rc = sr_thumb_square_jpeg(t->in, t->in_len, AVATAR_SIZE, &t->out, &t->out_len);
}

static json_t *error_json(const char *code, const char *message)
{
    return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}

static void avatar_done(sr_task *base)
{
    avatar_task *t = (avatar_task *)base;
    sr_hub *h = t->h;
    self_of(h)->jobs--;
    user *u = hub_user_get(h, t->uid);
    if (!u || !u->username) { /* the account was deleted while we decoded */
        t->reply(t->ctx, 401, error_json("unauthenticated", "sign in first"), NULL);
    } else if (t->rc == SR_ENOMEM) {
        t->reply(t->ctx, 500, error_json("internal", "the image could not be processed"), NULL);
    } else if (t->rc) {
        t->reply(t->ctx, 400,
                 error_json("bad_image", "not a PNG, JPEG or WebP image of at most 4096 x 4096 "
                                         "pixels"),
                 NULL);
    } else {
        job *j = hub_job_new(NULL);
        sr_write_avatar(hub_job_add(j), t->uid, t->out, t->out_len, sr_now_ms());
        size_t len = t->out_len;
        picture_set(h, t->uid, t->out, t->out_len);
        t->out = NULL; /* the person holds it now */
        sr_log(SR_LOG_INFO, "avatar set", "user=%lld bytes=%zu", (long long)t->uid, len);
        hub_submit_reply(h, j, NULL, t->reply, t->ctx, 200,
                         json_pack("{s:o}", "avatar", avatar_url(h, t->uid)), NULL);
    }
    free(t->in);
    free(t->out);
    free(t);
}

static void ep_put_avatar(sr_hub *h, const sr_rest *q, int64_t uid)
{
    avatars *A = hub_module_self(h, &sr_module_avatars);
    if (!q->raw || !q->raw_len)
        return hub_rest_error(q, 400, "missing_field", "send the image bytes as the body");
    if (A->jobs >= AVATAR_JOBS)
        return hub_rest_error(q, 429, "rate_limited", "too many uploads in progress; retry");
    avatar_task *t = sr_xcalloc(1, sizeof *t);
    t->base.run = avatar_run;
    t->base.done = avatar_done;
    t->h = h;
    t->uid = uid;
    t->in = sr_xmalloc(q->raw_len);
    memcpy(t->in, q->raw, q->raw_len);
    t->in_len = q->raw_len;
    t->reply = q->reply;
    t->ctx = q->ctx;
    A->jobs++;
    sr_pool_submit(A->pool, &t->base);
}

static void ep_delete_avatar(sr_hub *h, const sr_rest *q, int64_t uid)
{
    picture_set(h, uid, NULL, 0);
    job *j = hub_job_new(NULL);
    sr_write_avatar(hub_job_add(j), uid, NULL, 0, sr_now_ms());
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:n}", "avatar"), NULL);
}

/* GET /api/users/:id/avatar: the picture, cached for good when ?v= names this version. */
static void r_get(void *app, const sr_rest *q, const sr_route_args *a)
{
    picture *p = picture_of(app, a->id[0]);
    if (!p) return hub_rest_error(q, 404, "no_avatar", "this person has no avatar");
    char etag[40], v[40];
    snprintf(etag, sizeof etag, "\"avatar-%s\"", p->tag);
    const char *want = sr_rest_arg(q, "v", v, sizeof v);
    const char *cache =
        want && !strcmp(want, p->tag) ? "public, max-age=31536000, immutable" : "no-cache";
    if (q->if_none_match && !strcmp(q->if_none_match, etag))
        return q->reply_cached(q->ctx, 304, "image/jpeg", NULL, 0, etag, cache);
    char *body = sr_xmalloc(p->len); /* a copy: the person may change it while this is sent */
    memcpy(body, p->jpeg, p->len);
    q->reply_cached(q->ctx, 200, "image/jpeg", body, p->len, etag, cache);
}

static void r_put(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_put_avatar(app, q, a->me);
}

static void r_delete(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_delete_avatar(app, q, a->me);
}

static const sr_route routes[] = {
    {"PUT", "/api/me/avatar", SR_WHO_ACCOUNT, r_put, 1},
    {"DELETE", "/api/me/avatar", SR_WHO_ACCOUNT, r_delete, 0},
    {"GET", "/api/users/:id/avatar", SR_WHO_ANYONE, r_get, 0},
};

/* ---------- the module ---------- */

static void person_json(sr_hub *h, void *self, int64_t uid, json_t *o)
{
    json_object_set_new(o, "avatar", avatar_url(h, uid));
}

static void ld_avatar(void *ud, int64_t uid, const unsigned char *jpeg, size_t len)
{
    user *u = hub_user_get(ud, uid);
    if (!u || !u->username) return;
    unsigned char *copy = sr_xmalloc(len);
    memcpy(copy, jpeg, len);
    picture_set(ud, uid, copy, len);
}

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->avatar = ld_avatar;
}

/* An account's picture goes with it (the store row goes with the account's deletion write);
 * at shutdown every picture is freed. */
static void on_gone(sr_hub *h, void *self, const sr_event *ev)
{
    avatars *A = self;
    user *u = hub_user_get(h, ev->user);
    if (!u || !u->slot[A->slot]) return;
    if (ev->type == SR_EV_ACCOUNT_DELETED) return picture_set(h, ev->user, NULL, 0);
    picture *p = u->slot[A->slot];
    free(p->jpeg);
    free(p);
    u->slot[A->slot] = NULL;
}

static const sr_event_hook events[] = {
    {SR_EV_ACCOUNT_DELETED, on_gone},
    {SR_EV_USER_FREED, on_gone},
};

static void *create(sr_hub *h)
{
    avatars *A = sr_xcalloc(1, sizeof *A);
    A->slot = hub_slot_new(h, 0);
    return A;
}

static void wake(void *ud)
{
    sr_hub *h = ud;
    if (h->net.wake) h->net.wake(h->net.ud);
}

static int start(sr_hub *h, void *self)
{
    avatars *A = self;
    A->pool = sr_pool_start(AVATAR_THREADS, wake, h);
    return A->pool ? 0 : SR_ENOMEM;
}

static void poll(sr_hub *h, void *self)
{
    sr_pool_poll(((avatars *)self)->pool);
}

static int pending(sr_hub *h, void *self)
{
    avatars *A = self;
    return A->pool ? sr_pool_pending(A->pool) : 0;
}

/* Shutdown has waited for pending() to reach 0: no decode is left to answer. */
static void stop(sr_hub *h, void *self)
{
    avatars *A = self;
    sr_pool_stop(A->pool);
    free(A);
}

const sr_module sr_module_avatars = {
    .version = SR_MODULE_VERSION,
    .name = "avatars",
    .create = create,
    .load = load,
    .start = start,
    .poll = poll,
    .pending = pending,
    .stop = stop,
    .person_json = person_json,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .events = events,
    .nevents = SR_COUNT(events),
};
