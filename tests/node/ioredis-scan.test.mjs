// ioredis cursor streams: scanStream (MATCH, COUNT, TYPE), hscanStream, sscanStream and
// zscanStream each see every element exactly once, across encodings (listpack and hashtable).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix } from './helpers.mjs';

async function drain(stream) {
  const out = [];
  for await (const batch of stream) out.push(...batch);
  return out;
}

for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const r = ioredis({ protocol });
    const p = prefix(`ioscan${protocol}`);

    test('scanStream with MATCH visits every matching key once', async () => {
      const pl = r.pipeline();
      for (let i = 0; i < 1500; i++) pl.set(`${p}k:${i}`, String(i));
      for (let i = 0; i < 20; i++) pl.rpush(`${p}list:${i}`, 'x');
      await pl.exec();
      const keys = await drain(r.scanStream({ match: `${p}k:*`, count: 100 }));
      assert.equal(new Set(keys).size, 1500);
      assert.ok(keys.every((k) => k.startsWith(`${p}k:`)));
      const lists = await drain(r.scanStream({ match: `${p}*`, type: 'list', count: 500 }));
      assert.deepEqual(
        [...new Set(lists)].sort(),
        Array.from({ length: 20 }, (_, i) => `${p}list:${i}`).sort(),
      );
    });

    test('hscanStream: small (listpack) and large (hashtable) hashes', async () => {
      await r.hset(`${p}hs`, { a: '1', b: '2', c: '3' });
      const small = await drain(r.hscanStream(`${p}hs`));
      assert.deepEqual(small, ['a', '1', 'b', '2', 'c', '3']);
      const fields = {};
      for (let i = 0; i < 1000; i++) fields[`f${i}`] = `v${i}`;
      await r.hset(`${p}hl`, fields);
      const flat = await drain(r.hscanStream(`${p}hl`, { count: 50 }));
      const seen = {};
      for (let i = 0; i < flat.length; i += 2) seen[flat[i]] = flat[i + 1];
      assert.deepEqual(seen, fields);
      const matched = await drain(r.hscanStream(`${p}hl`, { match: 'f99*' }));
      const names = matched.filter((_, i) => i % 2 === 0).sort();
      assert.deepEqual(names, ['f99', 'f990', 'f991', 'f992', 'f993', 'f994', 'f995', 'f996',
        'f997', 'f998', 'f999']);
    });

    test('sscanStream and zscanStream', async () => {
      const members = Array.from({ length: 700 }, (_, i) => `m${i}`);
      await r.sadd(`${p}set`, ...members);
      const got = await drain(r.sscanStream(`${p}set`, { count: 64 }));
      assert.deepEqual([...new Set(got)].sort(), [...members].sort());
      await r.sadd(`${p}iset`, 1, 2, 3);
      assert.deepEqual((await drain(r.sscanStream(`${p}iset`))).sort(), ['1', '2', '3']);
      const args = [];
      for (let i = 0; i < 300; i++) args.push(i / 2, `z${i}`);
      await r.zadd(`${p}zset`, ...args);
      const flat = await drain(r.zscanStream(`${p}zset`, { count: 30 }));
      const scores = new Map();
      for (let i = 0; i < flat.length; i += 2) scores.set(flat[i], flat[i + 1]);
      assert.equal(scores.size, 300);
      assert.equal(scores.get('z3'), '1.5');
      assert.equal(scores.get('z0'), '0');
    });

    test('SCAN on an empty match and an unknown cursor end cleanly', async () => {
      assert.deepEqual(await drain(r.scanStream({ match: `${p}nothing:*` })), []);
      const [cursor, keys] = await r.scan('0', 'MATCH', `${p}nothing:*`, 'COUNT', 10);
      assert.equal(typeof cursor, 'string');
      assert.deepEqual(keys, []);
      await assert.rejects(r.scan('notanumber'), /ERR invalid cursor/);
    });
  });
}
