/* party.c - the party module: a room switched to party mode by its owner, a short join code
 * (rotating with each party, guesses rate-limited per address) and its QR code, one device that
 * plays the sound (the speaker) while every other phone is a remote, and a scheduled start the
 * big screen counts down to. The state is kept in the room's settings (hub_room_ext), so a
 * party survives a restart. */
#include "app/kernel.h"
#include "app/modules.h"
#include "util/log.h"
#include "util/qrsvg.h"
#include "util/util.h"
#include "util/vec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No 0/O, 1/I/L: a code read off a TV across the room is typed without doubt. */
static const char ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define CODE_LEN 6
/* Wrong guesses an address may make: a burst of GUESS_BURST, then GUESS_PER_MIN a minute. */
#define GUESS_BURST 5.0
#define GUESS_PER_MIN 5.0
/* Addresses remembered before the table starts again (a flood of addresses cannot grow it). */
#define GUESS_ADDRS_MAX 65536
#define DEVICE_MAX 64

/* A room's party (its slot), NULL when the room is not in party mode. */
typedef struct party_room {
    char code[CODE_LEN + 1];
    double starts_at;       /* server ms of the scheduled start, 0 for none */
    int64_t speaker;        /* the person whose device plays the sound, 0 for nobody */
    char device[DEVICE_MAX + 1]; /* that device's id; "" until one of their devices claims it */
} party_room;

typedef struct party {
    int slot;
    sr_map codes;   /* join code -> room id */
    sr_map addrs;   /* address (IPv6: its /64) -> index + 1 into guesses */
    sr_bucket *guesses;
    int nguesses;
    size_t capguesses;
} party;

static party *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_party);
}

static party_room *party_of(sr_hub *h, sr_room *r)
{
    return r->slot[self_of(h)->slot];
}

/* ---------- JSON and persistence ---------- */

/* The room's party as clients see it (new reference): {"code","starts_at","speaker"}, or null;
 * with_code 0 leaves the code and the speaker's device out. */
static json_t *party_json(sr_hub *h, sr_room *r, int with_code)
{
    party_room *p = party_of(h, r);
    if (!p) return json_null();
    json_t *o = json_object();
    if (with_code) json_object_set_new(o, "code", json_string(p->code));
    json_object_set_new(o, "starts_at", p->starts_at ? json_real(p->starts_at) : json_null());
    json_t *sp = json_null();
    if (p->speaker) {
        sp = json_pack("{s:o}", "user", hub_user_json(h, p->speaker));
        if (with_code)
            json_object_set_new(sp, "device", p->device[0] ? json_string(p->device) : json_null());
    }
    json_object_set_new(o, "speaker", sp);
    return o;
}

/* Keeps the party in the room's settings and adds the settings row to j. */
static void persist(sr_hub *h, job *j, sr_room *r)
{
    party_room *p = party_of(h, r);
    if (p)
        hub_room_ext_set(r, "party",
                         json_pack("{s:s,s:f,s:I,s:s}", "code", p->code, "starts_at", p->starts_at,
                                   "speaker", (json_int_t)p->speaker, "device", p->device));
    else
        hub_room_ext_set(r, "party", NULL);
    hub_room_write_settings(j, r);
}

/* The room's "party" delta (new reference). */
static json_t *party_delta(sr_hub *h, sr_room *r)
{
    json_t *o = hub_delta("party");
    json_object_set_new(o, "party", party_json(h, r, 1));
    return o;
}

/* ---------- join codes ---------- */

static void code_new(party *P, party_room *p, int64_t room)
{
    if (p->code[0]) sr_map_del(&P->codes, p->code);
    do {
        for (int i = 0; i < CODE_LEN; i++)
            p->code[i] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
        p->code[CODE_LEN] = 0;
    } while (sr_map_get(&P->codes, p->code));
    sr_map_put(&P->codes, p->code, room);
}

static void party_end(sr_hub *h, sr_room *r)
{
    party *P = self_of(h);
    party_room *p = r->slot[P->slot];
    if (!p) return;
    sr_map_del(&P->codes, p->code);
    free(p);
    r->slot[P->slot] = NULL;
}

/* The key an address's guesses count under: an IPv6 address by its /64 (one subscriber's
 * network), anything else as it is. */
static void addr_key(const char *addr, char *out, size_t n)
{
    unsigned char a6[16];
    if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, a6) == 1) {
        memset(a6 + 8, 0, 8);
        if (!inet_ntop(AF_INET6, a6, out, (socklen_t)n)) snprintf(out, n, "%s", addr);
        return;
    }
    snprintf(out, n, "%s", addr ? addr : "?");
}

static sr_bucket *guesses_of(party *P, const char *addr)
{
    char key[INET6_ADDRSTRLEN + 8];
    addr_key(addr, key, sizeof key);
    int64_t i = sr_map_get(&P->addrs, key);
    if (i) return &P->guesses[i - 1];
    if (P->nguesses >= GUESS_ADDRS_MAX) { /* start again rather than grow without end */
        sr_map_free(&P->addrs);
        P->nguesses = 0;
    }
    SR_XGROW(P->guesses, P->capguesses, P->nguesses + 1);
    sr_bucket_init(&P->guesses[P->nguesses], GUESS_BURST, sr_mono_us());
    sr_map_put(&P->addrs, key, P->nguesses + 1);
    return &P->guesses[P->nguesses++];
}

/* GET /api/join/:code: the room a join code names (and a private room's invite). Only wrong
 * guesses count against the address: a party behind one router joins freely. */
static void r_join(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    party *P = self_of(h);
    sr_bucket *b = guesses_of(P, q->addr);
    double rate = GUESS_PER_MIN / 60.0;
    if (!sr_bucket_take(b, sr_mono_us(), rate, GUESS_BURST)) {
        int wait = (int)ceil((1.0 - b->tokens) / rate);
        q->reply(q->ctx, 429,
                 json_pack("{s:{s:s,s:s,s:i}}", "error", "code", "throttled", "message",
                           "too many wrong join codes; try again later", "retry_after",
                           wait < 1 ? 1 : wait),
                 NULL);
        return;
    }
    char code[CODE_LEN + 1];
    const char *in = a->str[0];
    size_t n = 0;
    for (; *in && n <= CODE_LEN; in++) {
        if (*in == '-' || *in == ' ') continue;
        code[n < CODE_LEN ? n : CODE_LEN - 1] = (char)toupper((unsigned char)*in);
        n++;
    }
    sr_room *r = NULL;
    if (n == CODE_LEN && !*in) {
        code[CODE_LEN] = 0;
        r = hub_room_get(h, sr_map_get(&P->codes, code));
    }
    if (!r || !party_of(h, r))
        return hub_rest_error(q, 404, "no_such_code", "no party has that code");
    b->tokens += 1.0; /* a right code is not a guess */
    if (b->tokens > GUESS_BURST) b->tokens = GUESS_BURST;
    json_t *o = json_pack("{s:I,s:s}", "room", (json_int_t)r->id, "name", r->name);
    if (r->visibility == SR_VIS_PRIVATE) {
        if (!r->invite[0]) { /* the code admits to the room: through an invite, as links do */
            unsigned char b16[16];
            randombytes_buf(b16, sizeof b16);
            sodium_bin2hex(r->invite, sizeof r->invite, b16, sizeof b16);
            job *j = hub_job_new(r);
            hub_room_write_settings(j, r);
            hub_submit(h, j, NULL);
        }
        json_object_set_new(o, "invite", json_string(r->invite));
    }
    q->reply(q->ctx, 200, o, NULL);
}

/* ---------- REST: party mode, the code, the QR ---------- */

/* The room a route names when the caller may see it (with the query's invite or the current
 * join code) and holds at least need (RANK_*; 0: anyone who may enter); else answers and NULL. */
static sr_room *room_for(sr_hub *h, const sr_rest *q, const sr_route_args *a, int need)
{
    sr_room *r = hub_room_get(h, a->id[0]);
    char inv[40], code[16];
    const char *invite = q->query ? sr_rest_arg(q, "invite", inv, sizeof inv) : NULL;
    const char *c = q->query ? sr_rest_arg(q, "code", code, sizeof code) : NULL;
    party_room *p = r ? party_of(h, r) : NULL;
    int by_code = p && c && !strcmp(c, p->code);
    if (!r || (!by_code && !hub_may_enter(h, r, a->me, invite)))
        return hub_rest_error(q, 404, "no_such_room", "no room with that id"), NULL;
    if (!need) return r;
    if (!a->me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), NULL;
    if (hub_rank(h, r, a->me) < need)
        return hub_rest_error(q, 403, "not_allowed", "only the room's owner may do that"), NULL;
    return r;
}

static void r_party_get(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, 0);
    if (r) q->reply(q->ctx, 200, json_pack("{s:o}", "party", party_json(app, r, 1)), NULL);
}

/* PUT /api/rooms/:id/party {"starts_at"?: ms | null}: party mode on (a new code), or a new
 * schedule for the party on now. */
static void r_party_put(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    sr_room *r = room_for(h, q, a, RANK_OWNER);
    if (!r) return;
    json_t *b = q->body, *v = json_is_object(b) ? json_object_get(b, "starts_at") : NULL;
    if (b && !json_is_object(b))
        return hub_rest_error(q, 400, "bad_json", "the body must be a JSON object");
    if (v && !json_is_null(v) &&
        (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1e15))
        return hub_rest_error(q, 400, "bad_field", "starts_at must be server ms or null");
    party *P = self_of(h);
    party_room *p = r->slot[P->slot];
    if (!p) {
        p = r->slot[P->slot] = sr_xcalloc(1, sizeof *p);
        code_new(P, p, r->id);
        sr_log(SR_LOG_INFO, "party", "room=%lld on by=%lld", (long long)r->id, (long long)a->me);
    }
    if (v) p->starts_at = json_is_null(v) ? 0 : json_number_value(v);
    job *j = hub_job_new(r);
    persist(h, j, r);
    hub_submit_reply(h, j, party_delta(h, r), q->reply, q->ctx, 200,
                     json_pack("{s:o}", "party", party_json(h, r, 1)), NULL);
}

static void r_party_delete(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    sr_room *r = room_for(h, q, a, RANK_OWNER);
    if (!r) return;
    party_end(h, r);
    job *j = hub_job_new(r);
    persist(h, j, r);
    hub_submit_reply(h, j, party_delta(h, r), q->reply, q->ctx, 200,
                     json_pack("{s:n}", "party"), NULL);
}

/* POST /api/rooms/:id/party/code: a new join code; the old one stops working at once. */
static void r_party_code(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    sr_room *r = room_for(h, q, a, RANK_OWNER);
    if (!r) return;
    party_room *p = party_of(h, r);
    if (!p) return hub_rest_error(q, 409, "no_party", "the room is not in party mode");
    code_new(self_of(h), p, r->id);
    job *j = hub_job_new(r);
    persist(h, j, r);
    hub_submit_reply(h, j, party_delta(h, r), q->reply, q->ctx, 200,
                     json_pack("{s:o}", "party", party_json(h, r, 1)), NULL);
}

/* GET /api/rooms/:id/qr.svg: the QR code of the party's join link (<public URL>/#/join/<code>),
 * or of the room's own link when it is not in party mode. */
static void r_qr(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_hub *h = app;
    sr_room *r = room_for(h, q, a, 0);
    if (!r) return;
    if (!q->base_url)
        return hub_rest_error(q, 400, "no_public_url",
                              "the server does not know its public URL (--public-url)");
    party_room *p = party_of(h, r);
    char url[1200];
    if (p)
        snprintf(url, sizeof url, "%s/#/join/%s", q->base_url, p->code);
    else
        snprintf(url, sizeof url, "%s/#/room/%lld", q->base_url, (long long)r->id);
    size_t len;
    char *svg = sr_qr_svg(url, 8, &len);
    if (!svg) return hub_rest_error(q, 500, "internal", "could not make the QR code");
    q->reply_raw(q->ctx, 200, "image/svg+xml", svg, len);
}

static const sr_route routes[] = {
    {"GET", "/api/join/:code", SR_WHO_ANYONE, r_join, 0},
    {"GET", "/api/rooms/:id/party", SR_WHO_ANYONE, r_party_get, 0},
    {"PUT", "/api/rooms/:id/party", SR_WHO_ANYONE, r_party_put, 0},
    {"DELETE", "/api/rooms/:id/party", SR_WHO_ANYONE, r_party_delete, 0},
    {"POST", "/api/rooms/:id/party/code", SR_WHO_ANYONE, r_party_code, 0},
    {"GET", "/api/rooms/:id/qr.svg", SR_WHO_ANYONE, r_qr, 0},
};

/* ---------- the speaker (WebSocket "party") ---------- */

static void on_party(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *r)
{
    party_room *p = party_of(h, r);
    if (!p) return hub_send_error(h, s, "no_party", "the room is not in party mode", m->ref);
    int host = hub_rank(h, r, s->user) >= RANK_MOD;
    if (!strcmp(m->action, "claim")) {
        /* the host's own devices, or a device of the person the host handed the speaker to */
        if (!host && s->user != p->speaker)
            return hub_send_error(h, s, "not_allowed", "only the host may choose the speaker",
                                  m->ref);
        p->speaker = s->user;
        snprintf(p->device, sizeof p->device, "%s", m->device);
    } else if (!strcmp(m->action, "give")) {
        if (!host)
            return hub_send_error(h, s, "not_allowed", "only the host may move the speaker",
                                  m->ref);
        if (!hub_user_get(h, m->target_user))
            return hub_send_error(h, s, "no_such_user", "no user with that id", m->ref);
        p->speaker = m->target_user;
        p->device[0] = 0;
    } else { /* release */
        if (!host && s->user != p->speaker)
            return hub_send_error(h, s, "not_allowed", "only the host or the speaker may do that",
                                  m->ref);
        p->speaker = 0;
        p->device[0] = 0;
    }
    job *j = hub_job_new(r);
    persist(h, j, r);
    hub_job_ack(j, s, m->ref, NULL);
    hub_submit(h, j, party_delta(h, r));
}

static const sr_msg_hook messages[] = {
    {SR_C_PARTY, 1, on_party},
};

/* ---------- the module ---------- */

static void room_json(sr_hub *h, void *self, sr_room *r, sr_view view, int64_t viewer, json_t *o)
{
    /* the snapshot goes to those in the room: they see the code the TV shows */
    if (view == SR_VIEW_SNAPSHOT || view == SR_VIEW_ROOM)
        json_object_set_new(o, "party", party_json(h, r, view == SR_VIEW_SNAPSHOT));
}

/* Parties that were on when the server stopped (kept in the rooms' settings). */
static int start(sr_hub *h, void *self)
{
    party *P = self;
    int n;
    sr_room **rooms = hub_rooms(h, &n);
    for (int i = 0; i < n; i++) {
        json_t *o = hub_room_ext(rooms[i], "party");
        const char *code = json_string_value(json_object_get(o, "code"));
        if (!code || strlen(code) != CODE_LEN || sr_map_get(&P->codes, code)) continue;
        party_room *p = rooms[i]->slot[P->slot] = sr_xcalloc(1, sizeof *p);
        memcpy(p->code, code, CODE_LEN + 1);
        sr_map_put(&P->codes, p->code, rooms[i]->id);
        p->starts_at = json_number_value(json_object_get(o, "starts_at"));
        p->speaker = json_integer_value(json_object_get(o, "speaker"));
        snprintf(p->device, sizeof p->device, "%s",
                 json_string_value(json_object_get(o, "device")) ?: "");
    }
    return 0;
}

static void on_room_gone(sr_hub *h, void *self, const sr_event *ev)
{
    party_end(h, ev->room);
}

static const sr_event_hook events[] = {
    {SR_EV_ROOM_CLOSED, on_room_gone},
    {SR_EV_ROOM_FREED, on_room_gone},
};

static void *create(sr_hub *h)
{
    party *P = sr_xcalloc(1, sizeof *P);
    P->slot = hub_slot_new(h, 1);
    return P;
}

static void stop(sr_hub *h, void *self)
{
    party *P = self;
    sr_map_free(&P->codes);
    sr_map_free(&P->addrs);
    free(P->guesses);
    free(P);
}

const sr_module sr_module_party = {
    .version = SR_MODULE_VERSION,
    .name = "party",
    .create = create,
    .start = start,
    .stop = stop,
    .room_json = room_json,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
