// web-extras.js - what the web client needs from the SDK that soundroom.js does not do (yet): the room's like count.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The server sends a `likes` delta ({track, count, room, epoch, seq}) when a present listener
// likes or unlikes the playing track, and `now_playing` deltas carry `likes` (docs/protocol.md,
// "Likes"). soundroom.js does not list `likes` among its delta types, so without help it neither
// applies the delta nor advances the room's `seq`; the next delta then looks like a gap and the
// client re-joins, is sent the same `likes` delta again, and loops. watchLikes() applies the
// delta (advancing `client.room.seq`) from the `message` event, which the SDK emits before it
// handles a message; an SDK that learns the type later then sees the seq as applied and skips it.

/**
 * Follows the like count of the playing track in `client`'s room. Calls `onChange(state)` when
 * it changes; `state` is `{room, track, count}` with `count` null while unknown (a snapshot
 * without `likes`). Returns a function that stops watching.
 */
export function watchLikes(client, onChange = () => {}) {
  const state = { room: null, track: null, count: null };
  const set = (room, track, count) => {
    state.room = room;
    state.track = track ?? null;
    state.count = typeof count === 'number' ? count : null;
    onChange(state);
  };
  return client.on('message', (m) => {
    const r = client.room;
    if (m.type === 'snapshot') {
      set(m.room, m.now_playing?.track?.id, m.now_playing?.likes);
    } else if (m.type === 'now_playing' && r && m.room === r.id && m.seq > r.seq) {
      set(m.room, m.track?.id, m.likes ?? 0);
    } else if (m.type === 'likes' && r && m.room === r.id) {
      if (m.epoch === r.epoch) {
        if (m.seq <= r.seq) return; // replayed by a resume: already applied
        if (m.seq !== r.seq + 1) return; // a gap: the SDK re-joins on the next delta
        r.seq = m.seq;
      }
      if (state.track === null || state.track === m.track || r.nowPlaying?.track?.id === m.track) {
        set(m.room, m.track, m.count);
      }
    }
  });
}
