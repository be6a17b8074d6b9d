/* http.c - HTTP transactions: headers, credentials and client address, bodies within their
 * limits, answers (JSON, bytes, cached bytes, 405 with Allow), and routing: /api/ to the
 * application in one call, /media/ to media.c, everything else to static.c. */
#include "net/net_int.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_BODY 65536

/* The CSP allows only our own origin (no inline script or style anywhere), except for media:
 * stream tracks (internet radio) are played by the listener's <audio> from their own http(s)
 * URL, and media cannot run script. */
static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' http: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

static void req_reset(net_req *r)
{
    free(r->post);
    free(r->body);
    if (r->fd >= 0) close(r->fd);
    free(r->rbuf);
    struct lws *wsi = r->wsi;
    int refs = r->refs;
    unsigned rgen = r->rgen + 1;
    memset(r, 0, sizeof *r);
    r->wsi = wsi;
    r->refs = refs;
    r->rgen = rgen;
    r->fd = -1;
}

/* ---------- answers ---------- */

/* The application's answers (sr_rest's reply hooks); each drops the reference the
 * application held. */
static void rest_reply(void *ctx, int status, json_t *body, const char *set_cookie)
{
    net_req *r = ctx;
    if (set_cookie) snprintf(r->set_cookie, sizeof r->set_cookie, "%s", set_cookie);
    net_respond_json(r, status, body);
    net_req_unref(r);
}

static void rest_reply_raw(void *ctx, int status, const char *ctype, char *body, size_t len)
{
    net_req *r = ctx;
    net_respond(r, status, ctype, body, len);
    net_req_unref(r);
}

static void rest_reply_405(void *ctx, const char *allow)
{
    net_req *r = ctx;
    net_respond_405(r, allow);
    net_req_unref(r);
}

static void rest_reply_cached(void *ctx, int status, const char *ctype, char *body, size_t len,
                              const char *etag, const char *cache_control)
{
    net_req *r = ctx;
    if (etag) snprintf(r->etag, sizeof r->etag, "%s", etag);
    if (cache_control) {
        snprintf(r->cache_buf, sizeof r->cache_buf, "%s", cache_control);
        r->cache = r->cache_buf;
    }
    net_respond(r, status, ctype, body, len);
    net_req_unref(r);
}

/* ---------- requests ---------- */

/* Who is asking: the client address (a trusted proxy's X-Forwarded-For resolved) and whether
 * the request is from this machine, decided by net/reach.c. */
static void read_client(sr_server *srv, struct lws *wsi, net_req *r)
{
    char peer[64], xff[1024];
    const char *fwd = NULL;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0)
        /* a header too long to copy is no address: it gives the peer's own */
        fwd = lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) > 0 ? xff : "?";
    sr_reach_client_addr(srv->cfg.reach, peer, fwd, r->addr, sizeof r->addr);
    r->loopback = sr_reach_loopback(srv->cfg.reach, peer, fwd);
    char host[200] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0)
        lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST);
    r->https = net_read_https(srv, wsi);
    if (!sr_reach_public_url(srv->cfg.reach, host[0] ? host : NULL, r->https, r->base_url,
                             sizeof r->base_url))
        r->base_url[0] = 0;
}

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-._~", c);
}

/* Appends s percent-encoded (every byte but the unreserved ones) to out at *n. -1 when it does
 * not fit. */
static int encode(const char *s, size_t len, char *out, size_t cap, size_t *n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (*n + 4 > cap) return -1;
        if (unreserved(c)) {
            out[(*n)++] = (char)c;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[c >> 4];
            out[(*n)++] = hex[c & 15];
        }
    }
    return 0;
}

/* The query string, as the application reads it (sr_rest_arg decodes it): lws keeps each
 * "name=value" as its own fragment, already decoded, so each is encoded again and joined with
 * '&'; a value holding '&', '=', '+' or '%' then reads back as it was sent. "" when none. */
static void read_query(struct lws *wsi, char *out, size_t cap)
{
    char frag[512];
    size_t n = 0;
    out[0] = 0;
    for (int f = 0;; f++) {
        int k = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, f);
        if (k <= 0) break;
        const char *eq = memchr(frag, '=', (size_t)k);
        size_t save = n, nl = eq ? (size_t)(eq - frag) : (size_t)k;
        int ok = 1;
        if (n) {
            if (n + 1 < cap)
                out[n++] = '&';
            else
                ok = 0;
        }
        if (ok) ok = !encode(frag, nl, out, cap, &n);
        if (ok && eq) {
            if (n + 1 < cap)
                out[n++] = '=';
            else
                ok = 0;
        }
        if (ok && eq) ok = !encode(eq + 1, (size_t)k - nl - 1, out, cap, &n);
        if (!ok) {
            n = save; /* an argument that does not fit is left out, with those after it */
            break;
        }
    }
    out[n] = 0;
}

/* Every /api/ request goes to the application in one call; it answers through rq's hooks. The
 * body limit was chosen from the route when the headers came (net_http_callback). */
static void route_api(sr_server *srv, struct lws *wsi, net_req *r)
{
    if (r->bad_origin) {
        char o[128] = "";
        lws_hdr_copy(wsi, o, sizeof o, WSI_TOKEN_ORIGIN);
        sr_log(SR_LOG_WARN, "refused a change from a foreign page", "origin=\"%s\" uri=\"%s\"", o,
               r->uri);
        return net_respond_error(r, 403, "bad_origin",
                                 "this change must come from a page of this server");
    }
    size_t raw_max = sr_hub_raw_body(srv->hub, (char)r->method, r->uri);
    if (r->too_large && raw_max && !sr_hub_token_user(srv->hub, r->token))
        return net_respond_error(r, 401, "unauthenticated", "sign in first");
    if (r->too_large)
        return net_respond_error(r, 413, "too_large",
                                 raw_max ? "the image is over 2 MiB" : "the body is over 64 KiB");
    json_t *body = NULL;
    if (r->post_len && !raw_max) {
        json_error_t je;
        body = json_loadb(r->post, r->post_len, 0, &je);
        if (!body) return net_respond_error(r, 400, "bad_json", "the body is not valid JSON");
    }
    char query[1024];
    read_query(wsi, query, sizeof query);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH) <= 0 ||
        lws_hdr_copy(wsi, r->if_none_match, sizeof r->if_none_match,
                     WSI_TOKEN_HTTP_IF_NONE_MATCH) <= 0)
        r->if_none_match[0] = 0;
    sr_rest rq = {.method = (char)r->method,
                  .path = r->uri,
                  .body = body,
                  .token = r->token[0] ? r->token : NULL,
                  .addr = r->addr,
                  .reply = rest_reply,
                  .reply_raw = rest_reply_raw,
                  .ctx = r,
                  .query = query[0] ? query : NULL,
                  .raw = raw_max ? (const unsigned char *)r->post : NULL,
                  .raw_len = raw_max ? r->post_len : 0,
                  .reply_405 = rest_reply_405,
                  .loopback = r->loopback,
                  .https = r->https,
                  .base_url = r->base_url[0] ? r->base_url : NULL,
                  .if_none_match = r->if_none_match[0] ? r->if_none_match : NULL,
                  .reply_cached = rest_reply_cached};
    r->refs++; /* the application's, until it answers */
    if (!sr_hub_rest(srv->hub, &rq)) {
        r->refs--;
        net_respond_error(r, 404, "not_found", "no such endpoint");
    }
    json_decref(body);
}

static void route(sr_server *srv, struct lws *wsi, net_req *r)
{
    if (r->routed) return;
    r->routed = 1;
    if (!strncmp(r->uri, "/api/", 5)) return route_api(srv, wsi, r);
    if (!strncmp(r->uri, "/media/", 7)) return net_media_serve(srv, wsi, r, r->uri + 7);
    net_static_serve(srv, r, r->uri);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int write_headers(struct lws *wsi, net_req *r)
{
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (lws_add_http_header_status(wsi, (unsigned)r->status, &p, end) ||
        add_header(wsi, "content-type:", r->ctype, &p, end) ||
        lws_add_http_header_content_length(wsi, r->body_len, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end))
        return -1;
    if (r->csp && (add_header(wsi, "content-security-policy:", CSP, &p, end) ||
                   add_header(wsi, "x-frame-options:", "DENY", &p, end)))
        return -1;
    if (add_header(wsi, "cache-control:", r->cache ? r->cache : "no-store", &p, end)) return -1;
    if ((r->fd >= 0 || !strncmp(r->uri, "/media/", 7)) &&
        add_header(wsi, "accept-ranges:", "bytes", &p, end))
        return -1;
    if (r->etag[0] && add_header(wsi, "etag:", r->etag, &p, end)) return -1;
    if (r->encoding && add_header(wsi, "content-encoding:", r->encoding, &p, end)) return -1;
    if (r->vary_encoding && add_header(wsi, "vary:", "Accept-Encoding", &p, end)) return -1;
    if (r->last_modified[0] && add_header(wsi, "last-modified:", r->last_modified, &p, end))
        return -1;
    if (r->content_range[0] && add_header(wsi, "content-range:", r->content_range, &p, end))
        return -1;
    if (r->set_cookie[0] && add_header(wsi, "set-cookie:", r->set_cookie, &p, end)) return -1;
    if (r->allow[0] && add_header(wsi, "allow:", r->allow, &p, end)) return -1;
    if (r->close_after && add_header(wsi, "connection:", "close", &p, end)) return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

static int http_writable(sr_server *srv, struct lws *wsi, net_req *r)
{
    if (!r || !r->ready) return 0;
    if (!r->headers_sent) {
        if (write_headers(wsi, r)) return -1;
        r->headers_sent = 1;
        if (r->method == 'H' || !r->body_len) goto done;
        if (r->fd >= 0) return net_media_write(srv, wsi, r) < 0 ? -1 : 0;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (r->fd >= 0) {
        int rc = net_media_write(srv, wsi, r);
        if (rc <= 0) return rc;
        goto done;
    }
    {
        const char *body = r->body ? r->body : r->static_body;
        size_t left = r->body_len - r->sent, want = left < NET_FILE_CHUNK ? left : NET_FILE_CHUNK;
        unsigned char *out = sr_xmalloc(LWS_PRE + want);
        memcpy(out + LWS_PRE, body + r->sent, want);
        int last = r->sent + want == r->body_len;
        int n = lws_write(wsi, out + LWS_PRE, want, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
        free(out);
        if (n != (int)want) return -1;
        r->sent += want;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
done:;
    int last = r->close_after;
    req_reset(r);
    if (last) return -1; /* lws sends what it still holds, then closes */
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_begin(sr_server *srv, struct lws *wsi, net_pss *ps, const char *uri)
{
    if (!ps->req) {
        ps->req = sr_xcalloc(1, sizeof *ps->req);
        ps->req->refs = 1;
        ps->req->fd = -1;
        ps->req->wsi = wsi;
    } else {
        req_reset(ps->req);
    }
    net_req *r = ps->req;
    snprintf(r->uri, sizeof r->uri, "%s", uri);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        r->method = 'G';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
        r->method = 'H';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
        r->method = 'P';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) > 0)
        r->method = 'U';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI) > 0)
        r->method = 'A';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI) > 0)
        r->method = 'D';
    else
        r->method = '?';
    int cred = net_read_credentials(wsi, r->token, sizeof r->token);
    read_client(srv, wsi, r);
    /* A browser sends the cookie whatever page makes the request: a change made with it must
     * come from a page of ours (cross-site request forgery). A Bearer token is only sent by
     * code that holds it, and a GET changes nothing. */
    r->bad_origin = cred == NET_CRED_COOKIE && strchr("PUAD", r->method) &&
                    !strncmp(r->uri, "/api/", 5) && !net_origin_ok(srv, wsi, r->https);
    /* uploads of bytes (avatars) may be bigger, but only for someone signed in */
    size_t raw_max = sr_hub_raw_body(srv->hub, (char)r->method, r->uri);
    r->body_max = raw_max && sr_hub_token_user(srv->hub, r->token) ? raw_max : MAX_BODY;
    char cl[24] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        /* lws 4.1.6 does not read a chunked request body: it would take the chunks for the next
         * request (and with a Content-Length too, the two framings disagree on where this
         * request ends, which is how requests are smuggled past a proxy). Refused, and the
         * connection ends with the answer, so nothing after these headers is read as a
         * request. */
        r->routed = r->close_after = 1;
        if (cl[0])
            net_respond_error(r, 400, "bad_request",
                              "Content-Length and Transfer-Encoding together");
        else
            net_respond_error(r, 411, "length_required",
                              "send the body with a Content-Length (chunked bodies are not read)");
        return 0;
    }
    if (strchr("PUAD", r->method) && atol(cl) > 0) return 0; /* answered at BODY_COMPLETION */
    route(srv, wsi, r);
    return 0;
}

int net_http_callback(sr_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                      net_pss *ps, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return http_begin(srv, wsi, ps, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (ps->req && !ps->req->too_large) {
            net_req *r = ps->req;
            if (r->post_len + len > r->body_max) {
                r->too_large = 1;
            } else {
                r->post = sr_xrealloc(r->post, r->post_len + len + 1);
                if (len)
                    memcpy(r->post + r->post_len, in, len); /* lws may report 0 bytes, in NULL */
                r->post_len += len;
            }
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (ps->req) route(srv, wsi, ps->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writable(srv, wsi, ps->req);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (ps && ps->req) {
            ps->req->wsi = NULL;
            net_req_unref(ps->req);
            ps->req = NULL;
        }
        return 0;
    default:
        return 0;
    }
}
