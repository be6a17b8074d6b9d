/* wsguard.h - the RFC 6455 frame checks that libwebsockets 4.1.6 leaves out.
 *
 * Debian's lws 4.1.6 accepts unmasked client frames (RFC 6455 §5.1: the server MUST close
 * the connection), and on a control frame longer than 125 bytes or a fragmented one (§5.5)
 * it drops the TCP connection without a close frame, so the client never learns why. lws
 * has no hook to see frame headers, but it reads every WebSocket byte with recv(), which it
 * imports from libc (over TLS, with SSL_read(), which it imports from OpenSSL); the server
 * defines both itself (src/net/wsguard.c), so each read of a watched socket passes a small
 * frame-header tracker before lws parses it.
 *
 * lws also echoes a close code of 5000 and up, and a one-byte close payload, where §7.4 wants
 * 1002: the tracker unmasks a close frame's first two payload bytes to check them.
 *
 * It also stops a data frame whose header announces more than the message limit, alone or
 * added to the message's earlier fragments, before its body (lws would read the body to its
 * end first, however long it says it is or however slowly it comes).
 *
 * On a violation, lws gets only the bytes before the offending frame, the owner is told (it
 * closes with sr_wsguard_code's code and the reason), and from then on the socket's input is read
 * and dropped, as during any closing linger. Sockets not watched (HTTP, files, other libraries)
 * pass straight through. Only the lws service thread watches, forgets or reads watched sockets. */
#ifndef SR_WSGUARD_H
#define SR_WSGUARD_H

#include <stddef.h>
#include <stdint.h>

enum sr_ws_violation {
    SR_WS_OK = 0,
    SR_WS_UNMASKED,           /* a client frame without a mask */
    SR_WS_CONTROL_TOO_LONG,   /* ping/pong/close with more than 125 bytes of payload */
    SR_WS_CONTROL_FRAGMENTED, /* ping/pong/close without FIN */
    SR_WS_TOO_BIG,            /* a data frame taking its message over the limit (1009) */
    SR_WS_BAD_CLOSE           /* a close frame with a 1-byte payload or a code not allowed */
};

/* Where one connection's byte stream stands, frame by frame. */
typedef struct sr_wsguard_state {
    uint64_t left;  /* payload bytes still to come in this frame */
    uint64_t msg;   /* payload bytes of the data message so far, this frame included */
    uint64_t max;   /* the message limit in bytes; 0: none */
    uint8_t st;     /* which part of a frame the next byte belongs to */
    uint8_t need;   /* bytes still to come of the extended length or the mask key */
    uint8_t op;     /* first header byte of this frame */
    uint8_t bad;    /* the violation found, if any */
    uint8_t key[4]; /* this frame's mask key */
    uint8_t pos;    /* payload bytes of this frame seen so far, up to 2 (a close code) */
    uint8_t code0;  /* a close frame's first code byte, unmasked */
} sr_wsguard_state;

/* Follows n bytes of the stream. Returns how many of them come before the first violating
 * frame (n if none); *v says which violation (SR_WS_OK if none). Once a violation is found
 * the state stays bad. */
size_t sr_wsguard_scan(sr_wsguard_state *g, const uint8_t *p, size_t n, enum sr_ws_violation *v);
/* The close reason of a violation (a static string) and its close code (1002, or 1009 for
 * SR_WS_TOO_BIG). */
const char *sr_wsguard_reason(enum sr_ws_violation v);
int sr_wsguard_code(enum sr_ws_violation v);
/* 1 when a client may send close code c (RFC 6455 §7.4): 1000-1003, 1007-1011, 3000-4999. */
int sr_wsguard_close_code_ok(unsigned c);

/* Sizes the table of watched sockets to the open-file limit, sets the message limit of every
 * watched socket (max_message bytes; 0: none) and what is called for a violation (once per
 * connection) and for each read dropped after it. */
void sr_wsguard_init(uint64_t max_message,
                     void (*on_violation)(void *owner, enum sr_ws_violation v),
                     void (*on_dropped)(void *owner));
/* Watches fd from now on (call once the WebSocket handshake is done); owner is handed to the
 * callbacks. With tls, fd carries TLS: the frames are read from what SSL_read() (also defined
 * in wsguard.c) decrypts for lws, not from recv(). */
void sr_wsguard_watch(int fd, void *owner, int tls);
/* Stops watching fd when it still belongs to owner (a closed connection). */
void sr_wsguard_forget(int fd, void *owner);
/* Stops watching fd whoever watched it (a new connection was accepted on it). */
void sr_wsguard_reset(int fd);

#endif
