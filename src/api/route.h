/* route.h - the REST route table: {method, pattern, who may call, handler}, and the one place
 * that answers 404, 405 (with Allow), 401 and 403 for every endpoint. */
#ifndef SR_ROUTE_H
#define SR_ROUTE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A REST request handed to the application by net/. The application answers by calling reply
 * (or reply_raw) exactly once, now or later (after a durable write or a password hash). All
 * pointers are borrowed until that answer; body is parsed JSON or NULL. */
typedef struct sr_rest {
    char method;       /* 'G' GET, 'H' HEAD, 'P' POST, 'U' PUT, 'A' PATCH, 'D' DELETE */
    const char *path;  /* e.g. "/api/auth/login": no query string, already percent-decoded */
    json_t *body;      /* parsed JSON body or NULL (borrowed) */
    const char *token; /* session token from the cookie or bearer header, or NULL */
    const char *addr;  /* the client's address (a trusted proxy's X-Forwarded-For resolved) */
    /* a JSON answer: takes body (may be NULL); set_cookie is copied (may be NULL) */
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    /* a non-JSON answer: takes the malloc'd body */
    void (*reply_raw)(void *ctx, int status, const char *ctype, char *body, size_t len);
    void *ctx;
    const char *query; /* the URL's query string ("a=1&b=2"), or NULL */
    /* the body as sent, for the routes that take bytes rather than JSON (SR_ROUTE_RAW) */
    const unsigned char *raw;
    size_t raw_len;
    /* ---- appended with the route table ---- */
    /* answers 405 with an Allow header naming the methods the path takes ("GET, POST") */
    void (*reply_405)(void *ctx, const char *allow);
    int loopback;              /* the peer is this machine and no proxy stood between */
    const char *if_none_match; /* the If-None-Match header, or NULL */
    /* a binary answer with caching headers: etag and cache_control may be NULL; takes body */
    void (*reply_cached)(void *ctx, int status, const char *ctype, char *body, size_t len,
                         const char *etag, const char *cache_control);
    /* the client reached the server by https (directly or through a trusted proxy) */
    int https;
    /* where absolute links point ("https://host[:port][/path]", no trailing slash): the
     * --public-url, else the request's own scheme and Host; NULL when neither is known */
    const char *base_url;
} sr_rest;

/* Who may call a route. The dispatcher answers 401 unauthenticated / 403 not_allowed itself. */
typedef enum sr_who {
    SR_WHO_ANYONE = 0,   /* no sign-in needed (the handler may still look at the caller) */
    SR_WHO_ACCOUNT = 1,  /* a signed-in account (401 otherwise) */
    SR_WHO_ADMIN = 2,    /* a server admin (401, then 403) */
    SR_WHO_LOOPBACK = 3, /* a request from this machine, not through a proxy (403 forbidden) */
} sr_who;

#define SR_ROUTE_MAX_ARGS 4

/* What a matched route hands its handler: ":id" segments as numbers, every ":" segment as
 * text (as the network layer decoded the path; borrowed for the call), and the caller. */
typedef struct sr_route_args {
    int64_t id[SR_ROUTE_MAX_ARGS];      /* ":..." numeric segments in order (0 for string ones) */
    const char *str[SR_ROUTE_MAX_ARGS]; /* every ":..." segment as text, in order */
    int n;
    int64_t me;       /* the signed-in account, or 0 */
    char me_hash[65]; /* the hash of the caller's session token, "" when none */
    char buf[1024];   /* where str[] point: the request's own copy of its segments */
} sr_route_args;

typedef void (*sr_route_fn)(void *app, const sr_rest *q, const sr_route_args *a);

/* One endpoint. pattern is a path of literal segments, ":id" (any non-empty segment; its id
 * is 0 unless it is a positive decimal number, so the handler answers its own 404 as for an
 * unknown id) and ":name" (any non-empty segment). */
typedef struct sr_route {
    const char *method; /* "GET" (also answers HEAD), "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;
    sr_who who;
    sr_route_fn handler;
    int raw; /* 1: the body is bytes (q->raw), not JSON, up to raw_max */
} sr_route;

/* What the dispatcher asks the application about a caller. */
typedef struct sr_route_auth {
    /* the account a session token belongs to (0: none) and that token's hash (may be NULL) */
    int64_t (*user_of)(void *app, const char *token, char hash_out[65]);
    /* 1 when uid is a server admin */
    int (*is_admin)(void *app, int64_t uid);
} sr_route_auth;

/* A growing list of route tables (each borrowed: const tables that outlive the list). */
typedef struct sr_routes {
    const sr_route **tables;
    int *counts;
    int n, cap;
} sr_routes;

/* Adds a table of n routes (borrowed). */
void sr_routes_add(sr_routes *rs, const sr_route *table, int n);
/* Frees the list (not the tables, which are borrowed) and empties it. */
void sr_routes_free(sr_routes *rs);

/* Finds the route for q->method and q->path. Returns it (borrowed) and fills *a, or NULL with
 * *status 404 (no pattern matches) or 405 and allow filled ("GET, POST"). */
const sr_route *sr_routes_match(const sr_routes *rs, char method, const char *path,
                                sr_route_args *a, int *status, char *allow, size_t allow_size);

/* The route a request to path with method will take, for the network layer's body limits:
 * 1 when that route takes a raw body. */
int sr_routes_raw(const sr_routes *rs, char method, const char *path);

/* Matches q, checks who may call, and calls the handler; or answers 404 not_found, 405
 * method_not_allowed (with Allow), 401 unauthenticated or 403 not_allowed / forbidden. Every
 * request is answered (or handed to a handler that answers it). */
void sr_routes_dispatch(const sr_routes *rs, void *app, const sr_route_auth *auth,
                        const sr_rest *q);

/* Answers q with {"error":{code,message}} and status. */
void sr_rest_error(const sr_rest *q, int status, const char *code, const char *message);

/* The value of name in q's query string, percent-decoded into buf (n bytes), or NULL when
 * absent. */
const char *sr_rest_arg(const sr_rest *q, const char *name, char *buf, size_t n);

/* The ?limit= of q: def when absent, max when above it, -1 when below 1 (a 400 for the caller). */
int sr_rest_limit(const sr_rest *q, int def, int max);

#endif
