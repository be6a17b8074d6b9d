/* routes_shim.c - TEMPORARY, branch net only (delete on merge, see routes_shim.h): the route
 * tables of sr_module_rooms and sr_module_library, with the hub's old dispatch and the
 * importer's in between, in the order net/server.c asked them before the route table. */
#define SR_ROUTES_SHIM_IMPL
#include "app/routes_shim.h"
#include "app/hub_internal.h"
#include "app/import.h"
#include "app/modules.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* GET /api/users/:id/avatar, which net/server.c served itself before the hub was asked. The
 * avatars module should take this route over when the shim goes: the person's square JPEG,
 * whose URL carries the picture's tag (?v=), so a request naming the current tag may be cached
 * for good and any other revalidates. */
static void ep_avatar(void *app, const sr_rest *q, const sr_route_args *a)
{
    size_t len = 0;
    const char *tag = NULL;
    const unsigned char *img = a->id[0] ? sr_hub_avatar(app, a->id[0], &len, &tag) : NULL;
    if (!img) return sr_rest_error(q, 404, "no_avatar", "this person has no avatar");
    char vb[40], etag[48];
    const char *v = sr_rest_arg(q, "v", vb, sizeof vb);
    const char *cache = v && !strcmp(v, tag) ? "public, max-age=31536000, immutable" : "no-cache";
    snprintf(etag, sizeof etag, "\"avatar-%s\"", tag);
    if (q->if_none_match && !strcmp(q->if_none_match, etag))
        return q->reply_cached(q->ctx, 304, "image/jpeg", NULL, 0, etag, cache);
    char *b = sr_xmalloc(len); /* a copy: the person may change it while this is written */
    memcpy(b, img, len);
    q->reply_cached(q->ctx, 200, "image/jpeg", b, len, etag, cache);
}

static const sr_route avatar_routes[] = {
    {"GET", "/api/users/:id/avatar", SR_WHO_ANYONE, ep_avatar, 0},
};

static int64_t user_of(void *app, const char *token, char hash_out[65])
{
    hash_out[0] = 0;
    return sr_hub_token_user(app, token);
}

static int is_admin(void *app, int64_t uid)
{
    user *u = hub_user_get(app, uid);
    return u && u->admin;
}

static const sr_route_auth auth = {user_of, is_admin};

int sr_routes_shim_rest(sr_hub *h, const sr_rest *q)
{
    static sr_routes first, last;
    if (!first.n) {
        sr_routes_add(&first, avatar_routes, SR_COUNT(avatar_routes));
        sr_routes_add(&last, sr_module_rooms.routes, sr_module_rooms.nroutes);
        sr_routes_add(&last, sr_module_library.routes, sr_module_library.nroutes);
    }
    sr_route_args a;
    int status = 404;
    char allow[64];
    if (sr_routes_match(&first, q->method, q->path, &a, &status, allow, sizeof allow) ||
        status == 405)
        return sr_routes_dispatch(&first, h, &auth, q), 1;
    if (sr_routes_match(&last, q->method, q->path, &a, &status, allow, sizeof allow))
        return sr_routes_dispatch(&last, h, &auth, q), 1;
    if (sr_hub_rest(h, q) || sr_import_rest(h, q)) return 1;
    sr_routes_dispatch(&last, h, &auth, q); /* 405 with Allow, or 404 */
    return 1;
}
