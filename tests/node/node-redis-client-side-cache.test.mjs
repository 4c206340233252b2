// node-redis RESP3 client-side caching (CLIENT TRACKING on, invalidation pushes): a cached GET
// is served locally until another client writes the key, then re-fetched; FLUSHDB invalidates
// everything (a flush of any database). Needs CLIENT TRACKING (PENDING list in
// tools/node-tests.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicClientSideCache } from 'redis';
import { nodeRedis, prefix, waitFor } from './helpers.mjs';

const p = prefix('nrcsc');

test('cached reads are served locally and invalidated by other clients\' writes', {
  timeout: 30_000,
}, async () => {
  const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
  const c = await nodeRedis({ RESP: 3, clientSideCache: cache });
  const writer = await nodeRedis();
  const invalidated = [];
  cache.on('invalidate', (key) => invalidated.push(key === null ? null : String(key)));

  await writer.set(`${p}k`, 'v1');
  assert.equal(await c.get(`${p}k`), 'v1');
  assert.equal(cache.stats().missCount, 1);
  assert.equal(await c.get(`${p}k`), 'v1');
  assert.equal(cache.stats().hitCount, 1);
  assert.equal(cache.size(), 1);

  // The server tracks this connection's read keys.
  const info = await c.clientInfo();
  assert.match(String(info.flags), /t/);

  await writer.set(`${p}k`, 'v2');
  await waitFor(() => invalidated.includes(`${p}k`), 'the invalidation push');
  assert.equal(await c.get(`${p}k`), 'v2');
  assert.equal(cache.stats().missCount, 2);

  // Hashes too (HGETALL is cacheable); an expiring key invalidates when it expires.
  await writer.hSet(`${p}h`, 'f', 'a');
  assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { f: 'a' });
  assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { f: 'a' });
  await writer.hSet(`${p}h`, 'f', 'b');
  await waitFor(() => invalidated.includes(`${p}h`), 'the hash invalidation');
  assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { f: 'b' });

  await writer.set(`${p}e`, 'soon', { PX: 50 });
  assert.equal(await c.get(`${p}e`), 'soon');
  await waitFor(async () => (await c.get(`${p}e`)) === null, 'the expired key to be re-read', 3000);

  // FLUSHDB sends a null invalidation: the whole cache is dropped.
  assert.equal(await c.get(`${p}k`), 'v2');
  // (Flushing another database: tracking drops every key on any flush, and db 11 is this
  // file's own, so keys of other files running alongside survive.)
  const flusher = await nodeRedis({ database: 11 });
  await flusher.flushDb();
  await waitFor(() => invalidated.includes(null), 'the flush invalidation');
  assert.equal(cache.size(), 0);
});
