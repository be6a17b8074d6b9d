// uws-relay.mjs - the second comparison peer for bench/: uWebSockets.js (npm
// @trufflesuite/uws-js-unofficial, a build of uWS.js with its C++ core) speaking the same subset of
// soundroom's protocol v1 as ws-relay.mjs (hello, join, chat with acks, leave, ping) with the same
// message shapes, and relaying chat through uWS's native publish: the delta is encoded once and
// the C++ topic tree sends the same bytes to every subscriber of the room (sender included, as in
// ws-relay.mjs and soundroom).
//
// Like ws-relay.mjs it deliberately does less than soundroom: no store (acks are immediate,
// nothing is durable), no rate limits, no presence deltas and an empty listener list in
// snapshots, no playback. A yardstick for the fan-out path, not a second implementation.
// The protocol itself is relay.mjs, shared with ws-relay.mjs; this file is the transport.
//
// The package silently falls back to a pure-JS implementation (on top of `ws`) when its native
// binary does not load; this peer loads the native binary itself and refuses to start without it,
// so the figures are always uWS's.
//
// usage: node bench/peer/uws-relay.mjs --port 8082 [--host 0.0.0.0]
// SPDX-License-Identifier: GPL-3.0-or-later
import { createRequire } from 'node:module';
import path from 'node:path';
import { opt, relay } from './relay.mjs';

const require = createRequire(import.meta.url);
const PKG = '@trufflesuite/uws-js-unofficial';
let uWS;
let pkgVersion = '?';
try {
  const pkgJson = require.resolve(`${PKG}/package.json`);
  pkgVersion = require(pkgJson).version;
  uWS = require(path.join(path.dirname(pkgJson), 'binaries',
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`));
} catch (e) {
  process.stderr.write(`uws-relay: the native uWS.js binary of ${PKG} does not load here ` +
    `(${process.platform} ${process.arch}, node ABI ${process.versions.modules}): ${e.message}\n`);
  process.exit(3);
}

const port = Number(opt('port', '8082'));
const host = opt('host', '0.0.0.0');
const decoder = new TextDecoder();

const proto = relay({
  send: (ws, text) => ws.send(text, false),
  enter: (ws, room) => ws.subscribe(`room/${room.id}`),
  exit: (ws, room) => ws.unsubscribe(`room/${room.id}`),
  // encode once; uWS's topic tree sends the same bytes to every subscriber as a text frame
  publish: (room, text) => app.publish(`room/${room.id}`, text, false),
  close: (ws, code, reason) => ws.end(code, reason),
});

// the ArrayBuffer is only valid during the call: decode it now (uWS has checked the UTF-8)
const onMessage = (ws, data, isBinary) =>
  proto.message(ws, ws.getUserData().d, isBinary ? '' : decoder.decode(data), isBinary);

const app = uWS.App()
  .ws('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: 65536,
    // ws-relay.mjs and soundroom never drop a delta for a slow reader: nor does this peer (uWS
    // skips publishes to a socket over maxBackpressure, so it is set far above what a run queues)
    maxBackpressure: 256 * 1024 * 1024,
    closeOnBackpressureLimit: false,
    idleTimeout: 0, // no idle timeout, as ws-relay.mjs
    sendPingsAutomatically: false,
    open: (ws) => {
      ws.getUserData().d = proto.open();
    },
    message: onMessage,
    close: (ws) => {
      // uWS unsubscribes a closed socket from its topics itself: forget the room only
      ws.getUserData().d.room = null;
    },
  })
  .get('/api/health', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"ok":true,"version":"uws-relay"}');
  })
  .any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('content-type', 'application/json')
      .end('{"error":{"code":"not_found","message":"not found"}}');
  });

let listenSocket = null;
app.listen(host, port, (token) => {
  if (!token) {
    process.stderr.write(`uws-relay: could not listen on ${host}:${port}\n`);
    process.exit(1);
  }
  listenSocket = token;
  process.stderr.write(`uws-relay: ${PKG} ${pkgVersion} (native) listening on ${host}:${port}\n`);
});

const shutdown = () => {
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
