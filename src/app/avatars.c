/* avatars.c - people's pictures: PUT /api/me/avatar takes image bytes, a pool thread decodes
 * them (by content, never by declared type) and re-encodes a square JPEG thumbnail, which is
 * the only thing stored and served. Re-encoding keeps nothing of the upload but its pixels, so
 * a file that is also HTML, a script or a polyglot cannot reach another person's browser.
 *
 * Thumbnails are small (a 256 x 256 JPEG, typically 5-20 KiB) and kept in memory with the
 * accounts, like every other profile field, so serving one never touches the disk. */
#include "app/hub_internal.h"
#include "source/thumb.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVATAR_SIZE 256 /* pixels per side */
#define AVATAR_JOBS 4   /* decodes in flight at once; more answer rate_limited */

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

size_t sr_hub_raw_body(char method, const char *path)
{
    return method == 'U' && !strcmp(path, "/api/me/avatar") ? SR_AVATAR_MAX_BYTES : 0;
}

const unsigned char *sr_hub_avatar(sr_hub *h, int64_t uid, size_t *len, const char **tag)
{
    user *u = hub_user_get(h, uid);
    if (!u || !u->avatar) return NULL;
    *len = u->avatar_len;
    *tag = u->avatar_tag;
    return u->avatar;
}

json_t *hub_avatar_url(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    if (!u || !u->avatar) return json_null();
    char url[96];
    snprintf(url, sizeof url, "/api/users/%lld/avatar?v=%s", (long long)uid, u->avatar_tag);
    return json_string(url);
}

json_t *hub_listener_json(sr_hub *h, int64_t uid)
{
    json_t *o = hub_user_json(h, uid);
    if (json_is_object(o)) json_object_set_new(o, "avatar", hub_avatar_url(h, uid));
    return o;
}

void hub_avatar_forget(user *u)
{
    free(u->avatar);
    u->avatar = NULL;
    u->avatar_len = 0;
    u->avatar_tag[0] = 0;
    u->shown++;
}

/* Takes jpeg (malloc'd) as uid's avatar; the tag is a hash of the bytes, so the URL changes
 * exactly when the picture does and may be cached for good. */
static void avatar_set(user *u, unsigned char *jpeg, size_t len)
{
    hub_avatar_forget(u);
    unsigned char d[8];
    crypto_generichash(d, sizeof d, jpeg, len, NULL, 0);
    sodium_bin2hex(u->avatar_tag, sizeof u->avatar_tag, d, sizeof d);
    u->avatar = jpeg;
    u->avatar_len = len;
}

void hub_ld_avatar(void *ud, int64_t uid, const unsigned char *jpeg, size_t len)
{
    user *u = hub_user_get(ud, uid);
    if (!u || !u->username) return;
    unsigned char *copy = sr_xmalloc(len);
    memcpy(copy, jpeg, len);
    avatar_set(u, copy, len);
}

/* Runs on a pool thread: touches only the task. */
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
    h->avatar_jobs--;
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
        sr_write *w = hub_job_write(j, SR_W_AVATAR);
        w->a = t->uid;
        w->blob = sr_xmalloc(t->out_len);
        memcpy(w->blob, t->out, t->out_len);
        w->blob_len = t->out_len;
        w->t = sr_now_ms();
        avatar_set(u, t->out, t->out_len);
        t->out = NULL; /* the user holds it now */
        sr_log(SR_LOG_INFO, "avatar set", "user=%lld bytes=%zu", (long long)t->uid, u->avatar_len);
        hub_submit_reply(h, j, NULL, t->reply, t->ctx, 200,
                         json_pack("{s:o}", "avatar", hub_avatar_url(h, t->uid)), NULL);
    }
    free(t->in);
    free(t->out);
    free(t);
}

static void ep_put_avatar(sr_hub *h, const sr_rest *q, int64_t uid)
{
    if (!q->raw || !q->raw_len)
        return hub_rest_error(q, 400, "missing_field", "send the image bytes as the body");
    if (h->avatar_jobs >= AVATAR_JOBS)
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
    h->avatar_jobs++;
    sr_pool_submit(h->pool, &t->base);
}

static void ep_delete_avatar(sr_hub *h, const sr_rest *q, int64_t uid)
{
    hub_avatar_forget(hub_user_get(h, uid));
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_AVATAR);
    w->a = uid;
    w->t = sr_now_ms();
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:n}", "avatar"), NULL);
}

int hub_avatars_rest(sr_hub *h, const sr_rest *q)
{
    if (strcmp(q->path, "/api/me/avatar")) return 0;
    int64_t me = sr_hub_token_user(h, q->token);
    if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
    if (q->method == 'U') return ep_put_avatar(h, q, me), 1;
    if (q->method == 'D') return ep_delete_avatar(h, q, me), 1;
    return hub_rest_error(q, 405, "method_not_allowed", "use PUT or DELETE"), 1;
}
