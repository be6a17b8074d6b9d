// sources-sdk.test.js - the SDK's client-side player adapters (sdk/adapters.js): the registry's
// contract, and the "tone" adapter driving a recording stand-in for WebAudio.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sdk from '../../sdk/soundroom.js';
import { AdapterRegistry, parseToneRef, toneAdapter, SoundroomError } from '../../sdk/soundroom.js';

/** A stand-in AudioContext that records what a player builds and lets the test move time. */
class FakeAudioContext {
  static made = [];
  currentTime = 10;
  state = 'running';
  destination = { name: 'speakers' };
  oscillators = [];
  constructor() {
    FakeAudioContext.made.push(this);
  }
  createGain() {
    return { gain: { value: 1 }, connected: null, connect(n) { this.connected = n; }, disconnect() { this.connected = null; } };
  }
  createOscillator() {
    const o = {
      type: 'sine', frequency: { value: 440 }, started: false, stopAt: null, stopped: false, connected: null,
      connect(n) { this.connected = n; },
      disconnect() { this.connected = null; },
      start() { this.started = true; },
      stop(t) { if (t === undefined) this.stopped = true; else this.stopAt = t; },
    };
    this.oscillators.push(o);
    return o;
  }
}

const toneTrack = (ref, extra = {}) => ({ id: 9, title: 'A chord', source: 'tone', ref, url: null, duration_ms: 0, ...extra });

test('the SDK entry point re-exports the adapter interface', () => {
  assert.equal(typeof sdk.AdapterRegistry, 'function');
  assert.ok(sdk.adapters instanceof sdk.AdapterRegistry, 'a default registry');
  assert.equal(sdk.ADAPTER_VERSION, 1);
});

test('registry: register, look up by track source, refuse bad and duplicate adapters', async () => {
  const reg = new AdapterRegistry();
  const calls = [];
  const fake = {
    name: 'fakesvc',
    version: 1,
    canPlay: (t) => t.ref.startsWith('ok:'),
    load: async (t) => {
      calls.push(t.ref);
      return { play() {}, pause() {}, seek() {}, destroy() {}, positionMs: 0 };
    },
  };
  const off = reg.register(fake);
  assert.deepEqual(reg.list(), ['fakesvc']);
  assert.equal(reg.get('fakesvc'), fake);
  assert.equal(reg.get('nope'), null);
  assert.equal(reg.forTrack({ source: 'fakesvc', ref: 'ok:1' }), fake);
  assert.equal(reg.forTrack({ source: 'fakesvc', ref: 'region-locked' }), null, 'canPlay says no');
  assert.equal(reg.forTrack({ source: 'local', ref: undefined, url: '/media/1' }), null);
  assert.equal(reg.forTrack(null), null);
  const player = await reg.load({ source: 'fakesvc', ref: 'ok:2' });
  assert.equal(typeof player.play, 'function');
  assert.deepEqual(calls, ['ok:2']);
  await assert.rejects(reg.load({ source: 'spotify', ref: 'spotify:track:x' }), (e) => e instanceof SoundroomError && e.code === 'no_adapter');
  assert.throws(() => reg.register({ ...fake }), (e) => e.code === 'adapter_exists');
  for (const bad of [null, {}, { ...fake, name: 'Bad Name' }, { ...fake, name: 'stream' }, { ...fake, name: 'x', canPlay: 1 },
    { ...fake, name: 'y', load: undefined }, { ...fake, name: 'z', version: 2 }]) {
    assert.throws(() => reg.register(bad), (e) => e.code === 'bad_adapter', JSON.stringify(bad));
  }
  // a canPlay that throws counts as "cannot"; a player missing methods is refused
  reg.register({ name: 'flaky', canPlay: () => { throw new Error('boom'); }, load: async () => ({}) });
  assert.equal(reg.forTrack({ source: 'flaky', ref: 'a' }), null);
  reg.register({ name: 'broken', canPlay: () => true, load: async () => ({ play() {} }) });
  await assert.rejects(reg.load({ source: 'broken', ref: 'a' }), (e) => e.code === 'bad_adapter');
  off();
  assert.equal(reg.get('fakesvc'), null);
  assert.equal(reg.unregister('fakesvc'), false);
});

test('tone references', () => {
  assert.deepEqual(parseToneRef('440'), { freqs: [440], wave: 'sine', durationMs: null });
  assert.deepEqual(parseToneRef('440+554.37+659.25/triangle@3000'), { freqs: [440, 554.37, 659.25], wave: 'triangle', durationMs: 3000 });
  for (const bad of ['', 'abc', '10', '30000', '440/noise', '440@0', '440@700000', '1+2+3', `${'440+'.repeat(8)}440`, 'http://x', null, 440]) {
    assert.equal(parseToneRef(bad), null, String(bad));
  }
});

test('tone adapter: oscillators at the referenced pitches, started at a position, ended on time', async () => {
  FakeAudioContext.made = [];
  const reg = new AdapterRegistry();
  reg.register(toneAdapter({ AudioContext: FakeAudioContext, gain: 0.3 }));
  assert.equal(reg.forTrack(toneTrack('not a tone')), null);
  assert.equal(new AdapterRegistry().forTrack(toneTrack('440')), null, 'not registered: nothing plays it');
  const player = await reg.load(toneTrack('220+330/square@400'));
  let ended = 0;
  player.onended = () => ended++;
  player.play(100); // joining 100 ms into the track
  const ctx = FakeAudioContext.made[0];
  assert.equal(ctx.oscillators.length, 2);
  assert.deepEqual(ctx.oscillators.map((o) => [o.frequency.value, o.type, o.started]), [[220, 'square', true], [330, 'square', true]]);
  assert.ok(ctx.oscillators.every((o) => Math.abs(o.stopAt - (10 + 0.3)) < 1e-9), 'stops when the remaining 300 ms are over');
  assert.equal(ctx.oscillators[0].connected.gain.value, 0.15, 'the level is shared by the chord');
  assert.equal(ctx.oscillators[0].connected.connected, ctx.destination);
  ctx.currentTime += 0.2;
  assert.ok(Math.abs(player.positionMs - 300) < 1e-6);
  player.pause();
  assert.ok(ctx.oscillators.every((o) => o.stopped && o.connected === null), 'pause silences and releases');
  player.seek(50);
  assert.equal(player.positionMs, 50);
  player.play(350);
  assert.equal(ctx.oscillators.length, 4, 'a new voice per play');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(ended, 1, 'onended after the remaining 50 ms');
  assert.equal(player.positionMs, 400);
  player.play(400); // at the end already: ends at once, no sound
  assert.equal(ctx.oscillators.length, 4);
  // a reference without a length takes the track's; duration 0 means endless
  const endless = await reg.load(toneTrack('440'));
  endless.play(0);
  assert.equal(ctx.oscillators.at(-1).stopAt, null);
  endless.destroy();
  assert.equal(ctx.oscillators.at(-1).stopped, true);
  assert.equal(FakeAudioContext.made.length, 1, 'one AudioContext for every tone player');
});
