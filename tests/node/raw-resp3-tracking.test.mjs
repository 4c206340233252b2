// CLIENT TRACKING over raw RESP3 sockets, byte for byte: default mode (keys this connection
// read), BCAST with PREFIX, OPTIN/CACHING, NOLOOP, REDIRECT to a RESP2 connection subscribed to
// __redis__:invalidate, and CLIENT TRACKINGINFO / GETREDIR. Needs CLIENT TRACKING (PENDING).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefix, rawConnection } from './helpers.mjs';

const p = prefix('track');
const bulk = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const invalidate = (...keys) =>
  `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map(bulk).join('')}`;

async function resp3() {
  const c = await rawConnection();
  const hello = await c.call('HELLO', '3');
  assert.match(hello, /^%7\r\n/);
  return c;
}

test('default mode: a read key is invalidated once on another client\'s write', async () => {
  const c = await resp3();
  const w = await rawConnection();
  assert.equal(await c.call('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
  await w.call('SET', `${p}a`, '1');
  assert.equal(await c.call('GET', `${p}a`), '$1\r\n1\r\n');
  assert.equal(await w.call('SET', `${p}a`, '2'), '+OK\r\n');
  assert.equal(await c.read(), invalidate(`${p}a`));
  // Not read again: a second write sends nothing; the next reply is PING's.
  await w.call('SET', `${p}a`, '3');
  assert.equal(await c.call('PING'), '+PONG\r\n');
  // The client's own write also invalidates (no NOLOOP): Redis 7.0 sends the push after the reply.
  await c.call('GET', `${p}a`);
  c.send('SET', `${p}a`, '4');
  assert.equal(await c.read(), '+OK\r\n');
  assert.equal(await c.read(), invalidate(`${p}a`));
  assert.equal(await c.call('CLIENT', 'TRACKING', 'off'), '+OK\r\n');
});

test('BCAST with PREFIX and NOLOOP', async () => {
  const c = await resp3();
  const w = await rawConnection();
  assert.equal(
    await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', `${p}user:`, 'NOLOOP'),
    '+OK\r\n',
  );
  await w.call('SET', `${p}user:1`, 'x');
  assert.equal(await c.read(), invalidate(`${p}user:1`));
  await w.call('SET', `${p}other`, 'x');
  await c.call('SET', `${p}user:2`, 'mine');
  assert.equal(await c.call('PING'), '+PONG\r\n');
  const info = await c.call('CLIENT', 'TRACKINGINFO');
  assert.equal(
    info,
    `%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n` +
      `$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*1\r\n${bulk(`${p}user:`)}`,
  );
});

test('OPTIN: only reads after CLIENT CACHING yes are tracked', async () => {
  const c = await resp3();
  const w = await rawConnection();
  assert.equal(await c.call('CLIENT', 'TRACKING', 'on', 'OPTIN'), '+OK\r\n');
  await c.call('GET', `${p}o1`);
  assert.equal(await c.call('CLIENT', 'CACHING', 'yes'), '+OK\r\n');
  await c.call('GET', `${p}o2`);
  await w.call('SET', `${p}o1`, 'x');
  await w.call('SET', `${p}o2`, 'x');
  assert.equal(await c.read(), invalidate(`${p}o2`));
  assert.equal(await c.call('PING'), '+PONG\r\n');
});

test('REDIRECT to a RESP2 client subscribed to __redis__:invalidate', async () => {
  const sink = await rawConnection();
  const id = (await sink.call('CLIENT', 'ID')).slice(1, -2);
  assert.equal(
    await sink.call('SUBSCRIBE', '__redis__:invalidate'),
    '*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n',
  );
  const c = await rawConnection(); // RESP2: needs the redirect
  assert.equal(await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id), '+OK\r\n');
  assert.equal(await c.call('CLIENT', 'GETREDIR'), `:${id}\r\n`);
  await c.call('GET', `${p}r`);
  const w = await rawConnection();
  await w.call('SET', `${p}r`, 'x');
  assert.equal(
    await sink.read(),
    `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n${bulk(`${p}r`)}`,
  );
  // FLUSHDB sends a null invalidation message (a null bulk in RESP2).
  await c.call('GET', `${p}r`);
  // Any database's flush drops all tracked keys; db 12 is this file's own.
  assert.equal(await w.call('SELECT', '12'), '+OK\r\n');
  await w.call('FLUSHDB');
  assert.equal(await sink.read(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
});

test('tracking errors', async () => {
  const c = await rawConnection();
  assert.equal(
    await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999999'),
    '-ERR The client ID you want redirect to does not exist\r\n',
  );
  assert.equal(
    await c.call('CLIENT', 'CACHING', 'yes'),
    '-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or ' +
      'OPTOUT mode enabled\r\n',
  );
  assert.equal(
    await c.call('CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'),
    '-ERR PREFIX option requires BCAST mode to be enabled\r\n',
  );
});
