/* respond.c - the answer side of an HTTP transaction (status, type, body; 405 with Allow),
 * a request's last reference, and what a request says about its sender (session token, https,
 * Origin): what http.c, media.c, static.c and ws.c share. */
#include "net/net_int.h"
#include "proto/proto.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void net_req_unref(net_req *r)
{
    if (!r || --r->refs) return;
    free(r->post);
    free(r->body);
    free(r->rbuf);
    if (r->fd >= 0) close(r->fd);
    free(r);
}

void net_respond(net_req *r, int status, const char *ctype, char *body, size_t len)
{
    r->status = status;
    r->ctype = ctype;
    r->body = body;
    r->body_len = len;
    r->ready = 1;
    if (r->wsi) lws_callback_on_writable(r->wsi);
}

void net_respond_json(net_req *r, int status, json_t *o)
{
    char *s = sr_proto_dump(o);
    net_respond(r, status, "application/json", s, strlen(s));
}

void net_respond_error(net_req *r, int status, const char *code, const char *message)
{
    net_respond_json(r, status,
                     json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

void net_respond_405(net_req *r, const char *allow)
{
    char msg[96];
    snprintf(r->allow, sizeof r->allow, "%s", allow);
    snprintf(msg, sizeof msg, "use %s", allow);
    net_respond_json(
        r, 405, json_pack("{s:{s:s,s:s}}", "error", "code", "method_not_allowed", "message", msg));
}

int net_credentials_parse(const char *authorization, const char *cookie, char *out, size_t n)
{
    out[0] = 0;
    if (authorization && !strncasecmp(authorization, "Bearer ", 7)) {
        snprintf(out, n, "%.*s", (int)(n - 1), authorization + 7);
        return NET_CRED_BEARER;
    }
    if (!cookie) return NET_CRED_NONE;
    for (const char *p = cookie; (p = strstr(p, "sr_session=")); p++) {
        if (p != cookie && p[-1] != ' ' && p[-1] != ';') continue;
        p += 11;
        size_t k = strcspn(p, "; ");
        if (k >= n) k = n - 1;
        snprintf(out, n, "%.*s", (int)k, p);
        return NET_CRED_COOKIE;
    }
    return NET_CRED_NONE;
}

int net_read_credentials(struct lws *wsi, char *out, size_t n)
{
    char authz[1024], cookie[1024];
    int ha = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
             lws_hdr_copy(wsi, authz, sizeof authz, WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
    int hc = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) > 0 &&
             lws_hdr_copy(wsi, cookie, sizeof cookie, WSI_TOKEN_HTTP_COOKIE) > 0;
    return net_credentials_parse(ha ? authz : NULL, hc ? cookie : NULL, out, n);
}

int net_read_https(sr_server *srv, struct lws *wsi)
{
    char peer[64], xfp[32] = "";
    if (srv->tls && lws_is_ssl(wsi)) return 1;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    /* lws 4.1.6 knows no X-Forwarded-Proto token: it keeps it as a custom header */
    if (lws_hdr_custom_length(wsi, "x-forwarded-proto:", 18) > 0 &&
        lws_hdr_custom_copy(wsi, xfp, sizeof xfp, "x-forwarded-proto:", 18) <= 0)
        xfp[0] = 0;
    return sr_reach_is_https(srv->cfg.reach, peer, xfp[0] ? xfp : NULL);
}

int net_origin_decide(sr_server *srv, const char *origin, const char *host, const char *site,
                      int https)
{
    if (origin) return sr_reach_origin_ok(srv->cfg.reach, origin, host ? host : "", https);
    /* browsers that leave Origin out still say whether the page was ours */
    if (site) return !strcasecmp(site, "same-origin") || !strcasecmp(site, "none");
    return 1; /* not a browser (curl, the SDK in node) */
}

int net_origin_ok(sr_server *srv, struct lws *wsi, int https)
{
    char origin[256], host[256], site[32];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0) {
        if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0) return 0;
        if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0) host[0] = 0;
        return net_origin_decide(srv, origin, host, NULL, https);
    }
    if (lws_hdr_custom_length(wsi, "sec-fetch-site:", 15) > 0) {
        if (lws_hdr_custom_copy(wsi, site, sizeof site, "sec-fetch-site:", 15) <= 0) return 0;
        return net_origin_decide(srv, NULL, NULL, site, https);
    }
    return net_origin_decide(srv, NULL, NULL, NULL, https);
}
