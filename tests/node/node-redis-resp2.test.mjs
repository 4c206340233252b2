// node-redis over RESP2 (`RESP: 2`; node-redis 6 defaults to RESP3): basic types and the
// client-side transforms that turn flat arrays into objects (HGETALL, CONFIG GET), doubles into
// numbers, multi/exec, WATCH, a pool of isolated connections, and scanIterator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClientPool, ErrorReply, WatchError } from 'redis';
import { HOST, PORT, nodeRedis, onClose, prefix } from './helpers.mjs';

const c = await nodeRedis({ RESP: 2 });
const p = prefix('nr2');

test('strings, numbers, null and binary values', async () => {
  assert.equal(await c.set(`${p}s`, 'v'), 'OK');
  assert.equal(await c.get(`${p}s`), 'v');
  assert.equal(await c.get(`${p}none`), null);
  assert.equal(await c.set(`${p}s`, 'w', { condition: 'NX' }), null);
  assert.equal(await c.incrBy(`${p}n`, 5), 5);
  assert.equal(await c.incrByFloat(`${p}f`, 1.5), '1.5');
  assert.deepEqual(await c.mGet([`${p}s`, `${p}none`]), ['v', null]);
  const bytes = Buffer.from([0, 0xff, 0x0d, 0x0a]);
  await c.set(`${p}b`, bytes);
  const buffers = c.withTypeMapping({ [36]: Buffer });
  assert.deepEqual(await buffers.get(`${p}b`), bytes);
  assert.equal(await c.exists([`${p}s`, `${p}b`, `${p}none`]), 2);
  assert.equal(await c.type(`${p}s`), 'string');
  assert.equal(await c.expire(`${p}s`, 100), 1);
  assert.equal(await c.ttl(`${p}s`), 100);
});

test('hashes come back as objects, lists and sets as arrays', async () => {
  assert.equal(await c.hSet(`${p}h`, { a: '1', b: '2' }), 2);
  assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { a: '1', b: '2' });
  assert.deepEqual({ ...(await c.hGetAll(`${p}nohash`)) }, {});
  assert.deepEqual(await c.hmGet(`${p}h`, ['a', 'zz']), ['1', null]);
  assert.equal(await c.hIncrBy(`${p}h`, 'a', 10), 11);
  await c.rPush(`${p}l`, ['x', 'y', 'z']);
  assert.deepEqual(await c.lRange(`${p}l`, 0, -1), ['x', 'y', 'z']);
  assert.deepEqual(await c.lPopCount(`${p}l`, 2), ['x', 'y']);
  await c.sAdd(`${p}set`, ['a', 'b']);
  assert.deepEqual((await c.sMembers(`${p}set`)).sort(), ['a', 'b']);
  assert.equal(await c.sIsMember(`${p}set`, 'a'), 1);
});

test('sorted sets: scores as numbers, withScores objects', async () => {
  await c.zAdd(`${p}z`, [
    { score: 1.5, value: 'a' },
    { score: 2, value: 'b' },
    { score: -Infinity, value: 'c' },
  ]);
  assert.equal(await c.zScore(`${p}z`, 'a'), 1.5);
  assert.equal(await c.zScore(`${p}z`, 'none'), null);
  assert.deepEqual(await c.zRangeWithScores(`${p}z`, 0, -1), [
    { value: 'c', score: -Infinity },
    { value: 'a', score: 1.5 },
    { value: 'b', score: 2 },
  ]);
  assert.deepEqual(await c.zPopMax(`${p}z`), { value: 'b', score: 2 });
  assert.equal(await c.zIncrBy(`${p}z`, 0.25, 'a'), 1.75);
  assert.deepEqual(await c.zRange(`${p}z`, '-inf', '+inf', { BY: 'SCORE' }), ['c', 'a']);
});

test('CONFIG GET becomes an object, INFO a string, errors are ErrorReply', async () => {
  const cfg = await c.configGet('maxmemory*');
  assert.equal(cfg.maxmemory, '0');
  assert.ok('maxmemory-policy' in cfg);
  assert.match(await c.info('server'), /redis_version:7\.0\./);
  await c.set(`${p}str`, 'x');
  await assert.rejects(c.lPush(`${p}str`, 'y'), (err) => {
    assert.ok(err instanceof ErrorReply);
    assert.equal(
      err.message,
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    return true;
  });
  await assert.rejects(c.sendCommand(['NOSUCHCMD', 'a']), /ERR unknown command 'NOSUCHCMD'/);
});

test('multi/exec returns replies; WATCH conflict throws WatchError', async () => {
  const replies = await c.multi().set(`${p}m`, '1').incr(`${p}m`).get(`${p}m`).exec();
  assert.deepEqual(replies, ['OK', 2, '2']);
  const other = await nodeRedis({ RESP: 2 });
  const watcher = c.duplicate();
  watcher.on('error', () => {});
  await watcher.connect();
  onClose(() => watcher.destroy());
  await watcher.watch(`${p}m`);
  await other.set(`${p}m`, 'changed');
  await assert.rejects(watcher.multi().set(`${p}m`, 'mine').exec(), WatchError);
  assert.equal(await c.get(`${p}m`), 'changed');
  await watcher.watch(`${p}m`);
  assert.deepEqual(await watcher.multi().set(`${p}m`, 'mine').exec(), ['OK']);
  // A pipeline (no MULTI) with an error in the middle.
  await assert.rejects(
    c.multi().set(`${p}pl`, 'a').incr(`${p}pl`).get(`${p}pl`).execAsPipeline(),
    /ERR value is not an integer or out of range/,
  );
  assert.equal(await c.get(`${p}pl`), 'a');
});

test('a client pool runs isolated WATCH/MULTI transactions concurrently', async () => {
  const pool = createClientPool({ RESP: 2, socket: { host: HOST, port: PORT } }, { minimum: 2,
    maximum: 4 });
  pool.on('error', () => {});
  await pool.connect();
  onClose(() => pool.destroy());
  await c.set(`${p}pc`, '0');
  const bump = () =>
    pool.execute(async (client) => {
      for (;;) {
        await client.watch(`${p}pc`);
        const v = Number(await client.get(`${p}pc`));
        try {
          await client.multi().set(`${p}pc`, String(v + 1)).exec();
          return;
        } catch (err) {
          if (!(err instanceof WatchError)) throw err;
        }
      }
    });
  await Promise.all(Array.from({ length: 20 }, bump));
  assert.equal(await c.get(`${p}pc`), '20');
});

test('scanIterator and hScanIterator', async () => {
  for (let i = 0; i < 300; i++) await c.set(`${p}it:${i}`, 'x');
  const seen = new Set();
  for await (const keys of c.scanIterator({ MATCH: `${p}it:*`, COUNT: 50 })) {
    for (const k of keys) seen.add(k);
  }
  assert.equal(seen.size, 300);
  await c.hSet(`${p}hs`, { f1: 'v1', f2: 'v2' });
  const entries = [];
  for await (const batch of c.hScanIterator(`${p}hs`)) entries.push(...batch);
  assert.deepEqual(
    entries.map((e) => `${e.field}=${e.value}`).sort(),
    ['f1=v1', 'f2=v2'],
  );
});
