/* wsown.h - WebSocket connections of our own (RFC 6455, server side), for the plain-TCP port.
 *
 * libwebsockets 4.1.6 holds about 1,340 bytes per connection (its `struct lws`, its WebSocket
 * state and a receive buffer each); issue 11 wants at most 1 KiB per idle listener for everything.
 * A connection here is one small struct: its socket, who owns it, and buffers that exist only
 * while a frame is half-read or the kernel has not taken all of a write. Input is read into one
 * buffer shared by all connections (the service thread reads one socket at a time).
 *
 * The transport knows frames, not sessions: the owner (ws.c) is told of each complete text
 * message, of the end of a choked write, of its timer, of a violation and of the end. Every
 * check of RFC 6455 that wsguard.h adds to lws is made here as the frames are parsed, with the
 * same close codes and reasons, plus UTF-8 (1007) and binary frames (1003).
 *
 * Sockets are watched by one epoll set owned by front.c, whose events carry the connection
 * (its first byte is NET_POLL_WSO). Service thread only. */
#ifndef SR_NET_WSOWN_H
#define SR_NET_WSOWN_H

#include <stddef.h>
#include <stdint.h>

/* The first byte of whatever front.c's epoll events point to. */
enum { NET_POLL_LISTEN = 1, NET_POLL_PENDING, NET_POLL_WSO };

typedef struct net_wso net_wso;

typedef struct net_wso_hooks {
    /* A complete text message (valid UTF-8, at most the limit); data is only valid during the call. */
    void (*message)(void *owner, const char *data, size_t len);
    /* Everything written so far has gone to the kernel: more may be written. */
    void (*writable)(void *owner);
    /* The timer set with net_wso_timer came due. */
    void (*timer)(void *owner);
    /* The client broke the protocol: the transport is sending the close frame (code, static
     * reason) itself; the owner should queue nothing more. */
    void (*violation)(void *owner, int code, const char *reason);
    /* The connection is gone (the struct is freed after this returns). */
    void (*closed)(void *owner);
} net_wso_hooks;

/* Once, before any connection: the epoll set to register sockets in, the hooks, the largest
 * message accepted (bytes; a frame announcing more closes with 1009 before its body) and how
 * long to wait for the client's half of a close handshake (microseconds). */
void net_wso_init(int epfd, const net_wso_hooks *hooks, size_t max_message, int64_t close_wait_us);
/* Takes fd (non-blocking, handshake done) and registers it; owner is handed to the hooks (it
 * may be set later with net_wso_set_owner, before the first event). NULL on failure (fd closed). */
net_wso *net_wso_new(int fd, void *owner);
void net_wso_set_owner(net_wso *c, void *owner);
int net_wso_fd(const net_wso *c);
/* 1 while bytes of an earlier write wait for the kernel (the writable hook follows). */
int net_wso_busy(const net_wso *c);
/* Frames payload (len bytes, with at least 10 bytes of headroom before it that this may
 * overwrite) as one text frame and writes it; what the kernel does not take is kept and sent
 * in order before anything else. Returns 0, or -1 when the connection is dead or closing. */
int net_wso_text(net_wso *c, char *payload, size_t len);
/* Writes the header of a final frame of opcode op carrying len bytes (server frames are not
 * masked) into h (10 bytes at most); returns its length. */
size_t net_wso_header(unsigned char *h, int op, size_t len);
/* After a direct send of a whole frame by someone else: keeps its unsent rest (len bytes). */
void net_wso_keep(net_wso *c, const void *rest, size_t len);
/* Sends a close frame with code and reason after what is queued, then waits (at most
 * close_wait_us) for the client's close or end of stream before closing the socket. */
void net_wso_close(net_wso *c, int code, const char *reason);
/* Ends the connection without a close frame, at the next event (never inside the caller). */
void net_wso_kill(net_wso *c);
/* Calls the timer hook once after us microseconds (replacing any timer set before). */
void net_wso_timer(net_wso *c, int64_t us);
/* An epoll event of c. */
void net_wso_event(net_wso *c, uint32_t events);
/* Runs the timers that came due (call every few tens of ms). */
void net_wso_tick(int64_t now_us);
/* Closes every connection (closed hook for each), at shutdown. */
void net_wso_close_all(void);
/* Connections open. */
int net_wso_count(void);

#endif
