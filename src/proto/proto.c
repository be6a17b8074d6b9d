/* proto.c - client message decoding. Every field is checked for presence, type and range here,
 * so the rest of the server only sees well-formed requests. */
#include "proto/proto.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    sr_ctype type;
} types[] = {
    {"hello", SR_C_HELLO},
    {"ping", SR_C_PING},
    {"join", SR_C_JOIN},
    {"leave", SR_C_LEAVE},
    {"queue_add", SR_C_QUEUE_ADD},
    {"vote", SR_C_VOTE},
    {"queue_remove", SR_C_QUEUE_REMOVE},
    {"skip", SR_C_SKIP},
    {"chat", SR_C_CHAT},
    {"search", SR_C_SEARCH},
    {"mod", SR_C_MOD},
    {"lobby", SR_C_LOBBY},
    {"like", SR_C_LIKE},
    {"party", SR_C_PARTY},
    {"sync", SR_C_SYNC},
    {"cannot_play", SR_C_CANNOT_PLAY},
};

/* 1 when s holds nothing but white space: ASCII's, and Unicode's spaces and zero-width ones
 * (U+00A0, U+1680, U+2000-U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF), which
 * show as an empty chat line. s is valid UTF-8 (jansson checked it). */
static int blank(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    while (p < e) {
        unsigned c = *p;
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            p++;
            continue;
        }
        unsigned cp;
        int n;
        if (c >= 0xC0 && c < 0xE0 && e - p >= 2) {
            cp = (c & 0x1Fu) << 6 | (p[1] & 0x3Fu);
            n = 2;
        } else if (c >= 0xE0 && c < 0xF0 && e - p >= 3) {
            cp = (c & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
            n = 3;
        } else {
            return 0;
        }
        if (!(cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
              cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF))
            return 0;
        p += n;
    }
    return 1;
}

static int bad(sr_perr *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(sr_perr *err, const char *code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads a required (or optional, when *present is non-NULL) positive integer id. */
static int get_id(json_t *root, const char *key, int64_t *out, sr_perr *err)
{
    json_t *v = json_object_get(root, key);
    if (!v) return bad(err, "missing_field", "field '%s' is required", key);
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return bad(err, "bad_field", "field '%s' must be a positive integer", key);
    *out = json_integer_value(v);
    return 0;
}

static int get_str(json_t *root, const char *key, int required, const char **out, size_t *len,
                   sr_perr *err)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        *out = NULL;
        if (len) *len = 0;
        return required ? bad(err, "missing_field", "field '%s' is required", key) : 0;
    }
    if (!json_is_string(v)) return bad(err, "bad_field", "field '%s' must be a string", key);
    *out = json_string_value(v);
    if (len) *len = json_string_length(v);
    return 0;
}

/* The optional "cid" of a write the client may retry: 1 to SR_MAX_CID printable ASCII
 * characters, no spaces (a random hex string or a UUID fits). */
static int get_cid(json_t *root, sr_cmsg *m, sr_perr *err)
{
    size_t n;
    if (get_str(root, "cid", 0, &m->cid, &n, err)) return -1;
    if (!m->cid) return 0;
    int ok = n >= 1 && n <= SR_MAX_CID && strlen(m->cid) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = m->cid[i] > 0x20 && m->cid[i] < 0x7f;
    if (!ok)
        return bad(err, "bad_field",
                   "field 'cid' must be 1 to %d printable ASCII characters without spaces",
                   SR_MAX_CID);
    return 0;
}

/* ---- the chat fast path ---- */

/* A string's contents after its opening quote, up to the closing one: *end is set past it.
 * NULL for what the fast path leaves to jansson: an escape, a control character, no end. */
static const char *plain_string(const char *p, const char *e, size_t *n, const char **end)
{
    const char *s = p;
    while (p < e && *p != '"') {
        if (*p == '\\' || (unsigned char)*p < 0x20) return NULL;
        p++;
    }
    if (p == e) return NULL;
    *n = (size_t)(p - s);
    *end = p + 1;
    return s;
}

/* Plain decimal digits, no sign or leading zero, at most 18 of them (no overflow): the value,
 * or -1 for what the fast path leaves to jansson. */
static int64_t plain_int(const char *p, const char *e, const char **end)
{
    int64_t v = 0;
    const char *s = p;
    while (p < e && *p >= '0' && *p <= '9' && p - s < 18)
        v = v * 10 + (*p++ - '0');
    if (p == s || (*s == '0' && p - s > 1) || (p < e && *p >= '0' && *p <= '9')) return -1;
    *end = p;
    return v;
}

/* The message a busy room receives most, {"type":"chat","room":1,"text":"…","ref":7} (the
 * keys in any order, "cid" too), read without building a JSON tree: that was a tenth of a
 * chat's cost. It takes only what it can fully check: any other key, a repeated key, white
 * space, an escape, a number that is not plain digits, or a message the checks below would
 * refuse returns 1 and goes the general way, which then answers exactly as it always did. */
static int fast_chat(const char *data, size_t len, sr_cmsg *m)
{
    const char *p = data, *e = data + len, *text = NULL, *cid = NULL, *str = NULL;
    size_t text_len = 0, cid_len = 0, ref_len = 0;
    int64_t room = -1, ref = -1;
    int typed = 0;
    if (p == e || *p++ != '{') return 1;
    for (;;) {
        size_t kl;
        const char *k;
        if (p == e || *p++ != '"' || !(k = plain_string(p, e, &kl, &p))) return 1;
        if (p == e || *p++ != ':' || p == e) return 1;
        if (kl == 4 && !memcmp(k, "type", 4)) {
            size_t n;
            const char *v;
            if (typed || *p++ != '"' || !(v = plain_string(p, e, &n, &p)) || n != 4 ||
                memcmp(v, "chat", 4))
                return 1;
            typed = 1;
        } else if (kl == 4 && !memcmp(k, "room", 4)) {
            if (room >= 0 || (room = plain_int(p, e, &p)) <= 0) return 1;
        } else if (kl == 4 && !memcmp(k, "text", 4)) {
            if (text || *p++ != '"' || !(text = plain_string(p, e, &text_len, &p))) return 1;
        } else if (kl == 3 && !memcmp(k, "ref", 3)) {
            if (ref >= 0 || str) return 1;
            if (*p == '"') {
                if (!(str = plain_string(p + 1, e, &ref_len, &p)) || ref_len > 64) return 1;
            } else if ((ref = plain_int(p, e, &p)) < 0) {
                return 1;
            }
        } else if (kl == 3 && !memcmp(k, "cid", 3)) {
            if (cid || *p++ != '"' || !(cid = plain_string(p, e, &cid_len, &p))) return 1;
        } else {
            return 1;
        }
        if (p == e) return 1;
        if (*p == '}' && p + 1 == e) break;
        if (*p++ != ',') return 1;
    }
    /* what the general path checks, in the same terms */
    if (!typed || room <= 0 || !text || !text_len || blank(text, text_len) ||
        !sr_utf8_valid((const unsigned char *)text, text_len) ||
        sr_utf8_len(text, text_len) > SR_MAX_CHAT)
        return 1;
    if (cid) {
        if (cid_len < 1 || cid_len > SR_MAX_CID) return 1;
        for (size_t i = 0; i < cid_len; i++)
            if (cid[i] <= 0x20 || cid[i] >= 0x7f) return 1;
    }
    if (str && !sr_utf8_valid((const unsigned char *)str, ref_len)) return 1;
    /* The text points into data, which outlives the message's handling. The ref (answers
     * echo it) and the cid (kept as a C string) are objects in m->root, an array, so that
     * sr_cmsg_free releases them as it releases a tree. */
    m->type = SR_C_CHAT;
    m->room = room;
    m->text = text;
    m->text_len = text_len;
    if (!cid && !str && ref < 0) return 0;
    m->root = json_array();
    if (cid) {
        json_t *c = json_stringn(cid, cid_len);
        json_array_append_new(m->root, c);
        m->cid = json_string_value(c);
    }
    if (str || ref >= 0) {
        m->ref = str ? json_stringn(str, ref_len) : json_integer(ref);
        json_array_append_new(m->root, m->ref);
    }
    return 0;
}

int sr_proto_decode(const char *data, size_t len, sr_cmsg *m, sr_perr *err)
{
    memset(m, 0, sizeof *m);
    if (!fast_chat(data, len, m)) return 0;
    return sr_proto_decode_tree(data, len, m, err);
}

int sr_proto_decode_tree(const char *data, size_t len, sr_cmsg *m, sr_perr *err)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    m->root = json_loadb(data, len, JSON_DECODE_ANY, &je);
    if (!m->root)
        return bad(err, "bad_json", "invalid JSON at offset %d: %s", je.position, je.text);
    if (!json_is_object(m->root)) return bad(err, "bad_message", "a message must be a JSON object");
    json_t *ref = json_object_get(m->root, "ref");
    if (ref) {
        if (!(json_is_integer(ref) || (json_is_string(ref) && json_string_length(ref) <= 64)))
            return bad(err, "bad_message",
                       "'ref' must be an integer or a string of at most 64 bytes");
        m->ref = ref;
    }
    json_t *type = json_object_get(m->root, "type");
    if (!type || !json_is_string(type))
        return bad(err, "bad_message", "'type' is required and must be a string");
    const char *t = json_string_value(type);
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(t, types[i].name)) break;
    if (i == sizeof types / sizeof types[0])
        return bad(err, "unknown_type", "unknown message type '%.40s'", t);
    m->type = types[i].type;
    json_t *root = m->root, *v;

    switch (m->type) {
    case SR_C_HELLO: {
        if ((v = json_object_get(root, "v")) && (!json_is_integer(v) || json_integer_value(v) != 1))
            return bad(err, "bad_field", "field 'v' must be 1 (this server speaks protocol 1)");
        /* A signed-in client (bearer session or cookie) may leave the name out: its account's
         * name is used. Guests without a name are refused by the hub, which knows who is who. */
        if (get_str(root, "name", 0, &m->name, &m->name_len, err)) return -1;
        if (!m->name) {
            m->name = "";
            goto hello_rest;
        }
        /* Trim the name's surrounding blanks; the rest is kept as sent. */
        while (m->name_len && (*m->name == ' ' || *m->name == '\t'))
            m->name++, m->name_len--;
        while (m->name_len && (m->name[m->name_len - 1] == ' ' || m->name[m->name_len - 1] == '\t'))
            m->name_len--;
        if (!m->name_len) return bad(err, "bad_field", "field 'name' must not be empty");
        if (sr_utf8_len(m->name, m->name_len) > SR_MAX_NAME)
            return bad(err, "too_long", "field 'name' is over %d characters", SR_MAX_NAME);
        for (size_t k = 0; k < m->name_len; k++)
            if ((unsigned char)m->name[k] < 0x20)
                return bad(err, "bad_field", "field 'name' must not contain control characters");
    hello_rest:;
        size_t tl;
        if (get_str(root, "token", 0, &m->token, &tl, err)) return -1;
        if (m->token && tl > 128) return bad(err, "too_long", "field 'token' is over 128 bytes");
        if (get_str(root, "session", 0, &m->session, &tl, err)) return -1;
        if (m->session && tl > 128)
            return bad(err, "too_long", "field 'session' is over 128 bytes");
        return 0;
    }
    case SR_C_PING:
        v = json_object_get(root, "t0");
        if (!v) return bad(err, "missing_field", "field 't0' is required");
        if (!json_is_number(v)) return bad(err, "bad_field", "field 't0' must be a number");
        m->t0 = json_number_value(v);
        return 0;
    case SR_C_JOIN: {
        if (get_id(root, "room", &m->room, err)) return -1;
        json_t *ep = json_object_get(root, "epoch"), *sq = json_object_get(root, "seq");
        size_t il;
        if (get_str(root, "invite", 0, &m->invite, &il, err)) return -1;
        if (m->invite && il > 64) return bad(err, "too_long", "field 'invite' is over 64 bytes");
        if (!ep && !sq) return 0;
        if (!ep) return bad(err, "missing_field", "field 'epoch' is required with 'seq'");
        if (!sq) return bad(err, "missing_field", "field 'seq' is required with 'epoch'");
        if (!json_is_string(ep) || json_string_length(ep) > 64)
            return bad(err, "bad_field", "field 'epoch' must be a string");
        if (!json_is_integer(sq) || json_integer_value(sq) < 0)
            return bad(err, "bad_field", "field 'seq' must be a non-negative integer");
        m->epoch = json_string_value(ep);
        m->seq = (uint64_t)json_integer_value(sq);
        m->resume = 1;
        return 0;
    }
    case SR_C_LEAVE:
        return get_id(root, "room", &m->room, err);
    case SR_C_QUEUE_ADD: {
        if (get_id(root, "room", &m->room, err)) return -1;
        /* a library track by id, or a track to record first: a stream URL or a reference of
         * an external service (not "ref": that name is the message's own reference) */
        m->stream = json_object_get(root, "stream");
        m->external = json_object_get(root, "external");
        int given = !!json_object_get(root, "track") + !!m->stream + !!m->external;
        if (!given)
            return bad(err, "missing_field", "field 'track' (or 'stream', 'external') is required");
        if (given > 1)
            return bad(err, "bad_field", "give only one of 'track', 'stream' and 'external'");
        if (m->stream && !json_is_object(m->stream))
            return bad(err, "bad_field", "field 'stream' must be an object");
        if (m->external && !json_is_object(m->external))
            return bad(err, "bad_field", "field 'external' must be an object");
        if (get_cid(root, m, err)) return -1;
        /* recording a track answers later, off this path: no retry memory there yet */
        if (m->cid && (m->stream || m->external))
            return bad(err, "bad_field", "field 'cid' is only for a queue_add of a 'track'");
        return m->stream || m->external ? 0 : get_id(root, "track", &m->track, err);
    }
    case SR_C_QUEUE_REMOVE:
        return get_id(root, "room", &m->room, err) || get_id(root, "entry", &m->entry, err) ? -1
                                                                                            : 0;
    case SR_C_VOTE:
        if (get_id(root, "room", &m->room, err) || get_id(root, "entry", &m->entry, err)) return -1;
        v = json_object_get(root, "value");
        if (!v) return bad(err, "missing_field", "field 'value' is required");
        if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > 1)
            return bad(err, "bad_field", "field 'value' must be 1, -1 or 0");
        m->value = (int)json_integer_value(v);
        return get_cid(root, m, err);
    case SR_C_SKIP:
        if (get_id(root, "room", &m->room, err)) return -1;
        v = json_object_get(root, "value");
        if (!v) return bad(err, "missing_field", "field 'value' is required");
        if (!json_is_boolean(v))
            return bad(err, "bad_field", "field 'value' must be true or false");
        m->value = json_is_true(v);
        if ((v = json_object_get(root, "track")) &&
            (!json_is_integer(v) || json_integer_value(v) <= 0))
            return bad(err, "bad_field", "field 'track' must be a positive integer");
        m->track = v ? json_integer_value(v) : 0;
        return 0;
    case SR_C_CHAT:
        if (get_id(root, "room", &m->room, err)) return -1;
        if (get_str(root, "text", 1, &m->text, &m->text_len, err)) return -1;
        if (!m->text_len) return bad(err, "bad_field", "field 'text' must not be empty");
        if (blank(m->text, m->text_len))
            return bad(err, "bad_field", "field 'text' must not be only spaces");
        if (sr_utf8_len(m->text, m->text_len) > SR_MAX_CHAT)
            return bad(err, "too_long", "chat text is over %d characters", SR_MAX_CHAT);
        return get_cid(root, m, err);
    case SR_C_MOD: {
        static const char *const actions[] = {"skip",  "remove", "move",   "delete_chat",
                                              "mute",  "unmute", "kick",   "ban",
                                              "unban", "lock",   "unlock", "set_role"};
        if (get_id(root, "room", &m->room, err)) return -1;
        if (get_str(root, "action", 1, &m->action, NULL, err)) return -1;
        size_t k;
        for (k = 0; k < sizeof actions / sizeof actions[0]; k++)
            if (!strcmp(m->action, actions[k])) break;
        if (k == sizeof actions / sizeof actions[0])
            return bad(err, "bad_field", "unknown moderation action '%.40s'", m->action);
        if ((!strcmp(m->action, "remove") || !strcmp(m->action, "move")) &&
            get_id(root, "entry", &m->entry, err))
            return -1;
        if (!strcmp(m->action, "delete_chat") && get_id(root, "msg", &m->msg, err)) return -1;
        static const char *const on_user[] = {"mute", "unmute", "kick", "ban", "unban", "set_role"};
        for (k = 0; k < sizeof on_user / sizeof on_user[0]; k++)
            if (!strcmp(m->action, on_user[k]) && get_id(root, "user", &m->target_user, err))
                return -1;
        if ((v = json_object_get(root, "seconds"))) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 31536000)
                return bad(err, "bad_field",
                           "field 'seconds' must be an integer from 0 to 31536000");
            m->seconds = json_integer_value(v);
        }
        if (!strcmp(m->action, "set_role")) {
            if (get_str(root, "role", 1, &m->role, NULL, err)) return -1;
            if (strcmp(m->role, "moderator") && strcmp(m->role, "member") &&
                strcmp(m->role, "none"))
                return bad(err, "bad_field", "field 'role' must be moderator, member or none");
        }
        return 0;
    }
    case SR_C_LOBBY:
        m->value = 1;
        if ((v = json_object_get(root, "subscribe"))) {
            if (!json_is_boolean(v))
                return bad(err, "bad_field", "field 'subscribe' must be true or false");
            m->value = json_is_true(v);
        }
        return 0;
    case SR_C_LIKE:
        if (get_id(root, "track", &m->track, err)) return -1;
        v = json_object_get(root, "value");
        if (!v) return bad(err, "missing_field", "field 'value' is required");
        if (!json_is_boolean(v))
            return bad(err, "bad_field", "field 'value' must be true or false");
        m->value = json_is_true(v);
        return 0;
    case SR_C_SEARCH: {
        size_t ql;
        if (get_str(root, "q", 1, &m->q, &ql, err)) return -1;
        if (ql > SR_MAX_QUERY)
            return bad(err, "too_long", "field 'q' is over %d bytes", SR_MAX_QUERY);
        m->limit = 50;
        if ((v = json_object_get(root, "limit"))) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100)
                return bad(err, "bad_field", "field 'limit' must be an integer from 1 to 100");
            m->limit = json_integer_value(v);
        }
        return 0;
    }
    case SR_C_PARTY: {
        if (get_id(root, "room", &m->room, err)) return -1;
        if (get_str(root, "action", 1, &m->action, NULL, err)) return -1;
        if (!strcmp(m->action, "claim")) {
            size_t dl;
            if (get_str(root, "device", 1, &m->device, &dl, err)) return -1;
            if (dl < 8 || dl > 64 ||
                strspn(m->device,
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != dl)
                return bad(err, "bad_field", "field 'device' must be 8-64 letters, digits, _ or -");
        } else if (!strcmp(m->action, "give")) {
            if (get_id(root, "user", &m->target_user, err)) return -1;
        } else if (strcmp(m->action, "release")) {
            return bad(err, "bad_field", "unknown party action '%.40s'", m->action);
        }
        return 0;
    }
    case SR_C_SYNC:
        /* how far this listener's playback is from the room's schedule, as it measured it */
        if (get_id(root, "room", &m->room, err)) return -1;
        v = json_object_get(root, "error_ms");
        if (!v) return bad(err, "missing_field", "field 'error_ms' is required");
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > SR_MAX_SYNC_MS)
            return bad(err, "bad_field", "field 'error_ms' must be a number from 0 to %d",
                       SR_MAX_SYNC_MS);
        m->sync_ms = json_number_value(v);
        return 0;
    case SR_C_CANNOT_PLAY:
        if (get_id(root, "room", &m->room, err)) return -1;
        return get_id(root, "track", &m->track, err);
    case SR_C_QUEUE_ADD_RECORD: /* never a wire name: the kernel sets it after decoding */
        break;
    }
    return bad(err, "unknown_type", "unknown message type");
}

void sr_cmsg_free(sr_cmsg *m)
{
    json_decref(m->root);
    m->root = NULL;
}

json_t *sr_proto_reply(const char *type, json_t *ref)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    if (ref) json_object_set(o, "ref", ref);
    return o;
}

json_t *sr_proto_error(const char *code, const char *message, json_t *ref)
{
    json_t *o = sr_proto_reply("error", ref);
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "message", json_string(message));
    return o;
}

char *sr_proto_dump(json_t *o)
{
    /* 17 significant digits: a double survives the round trip (clients echo times exactly) */
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!s) s = sr_xstrdup("{}");
    return s;
}

int sr_proto_stores(sr_ctype t)
{
    switch (t) {
    case SR_C_QUEUE_ADD:
    case SR_C_QUEUE_ADD_RECORD:
    case SR_C_VOTE:
    case SR_C_QUEUE_REMOVE:
    case SR_C_CHAT:
    case SR_C_MOD:
    case SR_C_LIKE:
    case SR_C_PARTY:
        return 1;
    default:
        return 0;
    }
}
