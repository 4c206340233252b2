// node-redis with `RESP: 3`: maps, sets, doubles and nulls decoded from
// RESP3 types (as objects or, with type mapping, as Map/Set), multi/exec and pushes; plus the
// raw RESP3 bytes of the same replies after HELLO 3.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESP_TYPES, WatchError } from 'redis';
import { nodeRedis, prefix, rawConnection } from './helpers.mjs';

const c = await nodeRedis({ RESP: 3 });
const p = prefix('nr3');

test('HELLO 3 handshake: server map with proto 3', async () => {
  const hello = await c.hello();
  assert.equal(hello.server, 'redis');
  assert.equal(hello.proto, 3);
  assert.match(hello.version, /^7\.0\./);
  assert.equal(hello.mode, 'standalone');
  assert.equal(hello.role, 'master');
  assert.deepEqual(hello.modules, []);
});

test('maps decode as objects (and as Map with type mapping)', async () => {
  await c.hSet(`${p}h`, { a: '1', b: '2' });
  assert.deepEqual({ ...(await c.hGetAll(`${p}h`)) }, { a: '1', b: '2' });
  assert.deepEqual({ ...(await c.hGetAll(`${p}nohash`)) }, {});
  const mapped = c.withTypeMapping({ [RESP_TYPES.MAP]: Map });
  const m = await mapped.hGetAll(`${p}h`);
  assert.ok(m instanceof Map);
  assert.deepEqual([...m.entries()].sort(), [['a', '1'], ['b', '2']]);
  const cfg = await c.configGet('maxmemory');
  assert.deepEqual({ ...cfg }, { maxmemory: '0' });
});

test('sets, doubles and nulls', async () => {
  await c.sAdd(`${p}s`, ['x', 'y']);
  assert.deepEqual((await c.sMembers(`${p}s`)).sort(), ['x', 'y']);
  const asSet = c.withTypeMapping({ [RESP_TYPES.SET]: Set });
  const s = await asSet.sMembers(`${p}s`);
  assert.ok(s instanceof Set);
  assert.deepEqual([...s].sort(), ['x', 'y']);
  await c.zAdd(`${p}z`, [{ score: 0.1, value: 'a' }, { score: Infinity, value: 'b' }]);
  assert.equal(await c.zScore(`${p}z`, 'a'), 0.1);
  assert.equal(await c.zScore(`${p}z`, 'b'), Infinity);
  assert.equal(await c.zScore(`${p}z`, 'none'), null);
  assert.deepEqual(await c.zRangeWithScores(`${p}z`, 0, -1), [
    { value: 'a', score: 0.1 },
    { value: 'b', score: Infinity },
  ]);
  assert.equal(await c.get(`${p}none`), null);
  assert.deepEqual(await c.hmGet(`${p}h`, ['a', 'none']), ['1', null]);
  assert.deepEqual(await c.zmScore(`${p}z`, ['a', 'none']), [0.1, null]);
});

test('multi/exec and WATCH over RESP3', async () => {
  const replies = await c.multi().hSet(`${p}mh`, 'f', 'v').hGetAll(`${p}mh`).zScore(`${p}z`, 'a')
    .exec();
  assert.equal(replies[0], 1);
  assert.deepEqual({ ...replies[1] }, { f: 'v' });
  assert.equal(replies[2], 0.1);
  const w = c.duplicate();
  w.on('error', () => {});
  await w.connect();
  await w.watch(`${p}mh`);
  await c.hSet(`${p}mh`, 'f', 'changed');
  await assert.rejects(w.multi().hSet(`${p}mh`, 'f', 'mine').exec(), WatchError);
  w.destroy();
});

test('raw RESP3 bytes after HELLO 3', async () => {
  const raw = await rawConnection();
  const hello = await raw.call('HELLO', '3');
  assert.match(hello, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
  assert.match(hello, /\$7\r\nversion\r\n\$6\r\n7\.0\.\d+\r\n\$5\r\nproto\r\n:3\r\n/);
  assert.match(hello, /\$2\r\nid\r\n:\d+\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n/);
  assert.match(hello, /\$4\r\nrole\r\n\$6\r\nmaster\r\n\$7\r\nmodules\r\n\*0\r\n$/);
  assert.equal(await raw.call('GET', `${p}none`), '_\r\n');
  await raw.call('DEL', `${p}rh`);
  await raw.call('HSET', `${p}rh`, 'f', 'v');
  assert.equal(await raw.call('HGETALL', `${p}rh`), '%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
  assert.equal(await raw.call('ZSCORE', `${p}z`, 'a'), ',0.10000000000000001\r\n');
  assert.equal(await raw.call('ZSCORE', `${p}z`, 'b'), ',inf\r\n');
  assert.equal(await raw.call('SMEMBERS', `${p}nothing`), '~0\r\n');
  assert.equal(await raw.call('ZINCRBY', `${p}z`, '1', 'a'), ',1.1000000000000001\r\n');
  assert.equal(
    await raw.call('ZRANGE', `${p}z`, '0', '0', 'WITHSCORES'),
    '*1\r\n*2\r\n$1\r\na\r\n,1.1000000000000001\r\n',
  );
  assert.equal(
    await raw.call('CONFIG', 'GET', 'maxmemory'),
    '%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n',
  );
  assert.equal(await raw.call('HRANDFIELD', `${p}rh`, '1', 'WITHVALUES'),
    '*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
  assert.equal(await raw.call('BLPOP', `${p}nolist`, '0.01'), '_\r\n');
  assert.equal(await raw.call('SUBSCRIBE', `${p}ch`),
    `>3\r\n$9\r\nsubscribe\r\n$${Buffer.byteLength(`${p}ch`)}\r\n${p}ch\r\n:1\r\n`);
  assert.equal(await raw.call('PING'), '+PONG\r\n');
  assert.equal(await raw.call('GET', `${p}none`), '_\r\n');
  await c.publish(`${p}ch`, 'hi');
  assert.equal(await raw.read(),
    `>3\r\n$7\r\nmessage\r\n$${Buffer.byteLength(`${p}ch`)}\r\n${p}ch\r\n$2\r\nhi\r\n`);
});
