/* proto.h - decode and validate client messages; small encoders for server messages. */
#ifndef SR_PROTO_H
#define SR_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SR_PROTO_VERSION 1
#define SR_MAX_MESSAGE 65536
#define SR_MAX_CHAT 500
#define SR_MAX_NAME 40
#define SR_MAX_QUERY 200
#define SR_MAX_SYNC_MS 60000
/* a client-chosen write id ("cid"): 1 to this many printable ASCII characters */
#define SR_MAX_CID 64

typedef enum sr_ctype {
    SR_C_HELLO,
    SR_C_PING,
    SR_C_JOIN,
    SR_C_LEAVE,
    SR_C_QUEUE_ADD,
    SR_C_VOTE,
    SR_C_QUEUE_REMOVE,
    SR_C_SKIP,
    SR_C_CHAT,
    SR_C_SEARCH,
    SR_C_MOD,
    SR_C_LOBBY,
    SR_C_LIKE,
    SR_C_QUEUE_ADD_RECORD, /* a queue_add with "stream" or "external": set by the kernel, which
                              hands it to the module that records tracks */
    SR_C_PARTY,            /* party mode's speaker: claim, give, release */
    SR_C_SYNC,             /* a listener's measured playback sync (error_ms in m->sync_ms) */
    SR_C_CANNOT_PLAY,      /* a listener's player cannot play the room's track (m->track) */
} sr_ctype;

/* 1 when a message of type t asks for a change the server must store before it acknowledges
 * it (chat, queue, votes, likes, moderation, party): refused while the store cannot write.
 * hello, join, skip, sync and the rest work from memory (or write nothing anyone waits for). */
int sr_proto_stores(sr_ctype t);

/* A decoded client message. Strings and ref borrow from root, which the caller releases with
 * sr_cmsg_free() whether decoding succeeded or not. */
typedef struct sr_cmsg {
    json_t *root;
    json_t *ref; /* NULL when absent */
    sr_ctype type;
    const char *name, *token, *session, *text, *q, *epoch, *invite;
    const char *action, *role; /* mod */
    int64_t target_user, msg, seconds;
    size_t name_len, text_len;
    int64_t room, track, entry, limit;
    json_t *stream, *external; /* queue_add of a track to record (objects, borrowed) */
    int value;
    int resume; /* join carried epoch and seq */
    uint64_t seq;
    double t0;
    const char *device; /* party: the claiming device's id */
    double sync_ms;     /* sync: error_ms, 0 to SR_MAX_SYNC_MS */
    const char *cid;    /* chat, vote, queue_add of a track: the client's write id, NULL if none */
} sr_cmsg;

/* A decoding error: code is one of the protocol's error codes (static string). */
typedef struct sr_perr {
    const char *code;
    char message[160];
} sr_perr;

/* Decodes the len bytes at data into *m. Returns 0, or -1 with *err filled (m->ref is still set
 * when the message had a valid one, so the error can echo it). */
int sr_proto_decode(const char *data, size_t len, sr_cmsg *m, sr_perr *err);
/* sr_proto_decode without its fast path for plain chat messages: every message through a
 * jansson tree. The two answer alike for every input (test_proto compares them). */
int sr_proto_decode_tree(const char *data, size_t len, sr_cmsg *m, sr_perr *err);
/* Drops m's reference to the decoded JSON (m itself is the caller's). */
void sr_cmsg_free(sr_cmsg *m);

/* Encoders return new references. ref may be NULL. */
json_t *sr_proto_error(const char *code, const char *message, json_t *ref);
/* {"type":type} with ref set when given. */
json_t *sr_proto_reply(const char *type, json_t *ref);

/* Serialises o compactly and drops the reference to it. Returns a malloc'd string. */
char *sr_proto_dump(json_t *o);

#endif
