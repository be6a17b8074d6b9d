/* front.h - the plain-HTTP port, when our own WebSocket layer (wsown.h) carries the sessions.
 *
 * The listening socket is ours rather than lws's: each new connection's first request is
 * looked at with MSG_PEEK, so nothing is read from it unless it is a WebSocket handshake we
 * answer ourselves (GET, HTTP/1.1, Upgrade: websocket, version 13, a key, no subprotocol, an
 * Origin we accept). Every other connection, including handshakes lws refuses with a reason
 * (426, 400, 403), goes to lws by lws_adopt_socket() with its bytes unread, and lws serves it
 * as if it had accepted it. A connection must send its request's headers within
 * --header-timeout seconds of being accepted, as with lws.
 *
 * Used when the port speaks plain HTTP and the service loop is libev's (server.c); over TLS, or
 * with lws's own poll() loop, lws keeps the port and carries the WebSockets as before. Service
 * thread only. */
#ifndef SR_NET_FRONT_H
#define SR_NET_FRONT_H

typedef struct net_front net_front;
struct sr_server;

/* Binds and listens on the configured host and port. Returns the front; NULL when the host is
 * not an address we can bind (lws should listen instead); or (net_front *)-1 when the port
 * cannot be had (logged). */
net_front *net_front_open(struct sr_server *srv);
/* Starts accepting in the server's libev loop (once its lws context exists). 0 or -1. */
int net_front_start(net_front *f);
/* Stops listening, drops the connections still sending their first request and closes every
 * WebSocket of ours (their sessions closed). NULL is fine. */
void net_front_close(net_front *f);

#endif
