// ioredis and streams: XADD (ids, MAXLEN), XRANGE/XREVRANGE, XREAD (blocking), consumer groups
// with XREADGROUP, XACK, XPENDING (summary and extended), XCLAIM, XAUTOCLAIM, XINFO, XTRIM, XDEL.
// Needs the streams feature (PENDING list in tools/node-tests.sh).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix, sleep } from './helpers.mjs';

for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const r = ioredis({ protocol });
    const p = prefix(`iostream${protocol}`);

    test('xadd, xlen, xrange, xrevrange, explicit and partial ids', async () => {
      const k = `${p}s`;
      assert.equal(await r.xadd(k, '1-1', 'a', '1'), '1-1');
      assert.equal(await r.xadd(k, '1-*', 'a', '2'), '1-2');
      await assert.rejects(
        r.xadd(k, '1-1', 'a', 'x'),
        /ERR The ID specified in XADD is equal or smaller than the target stream top item/,
      );
      const auto = await r.xadd(k, '*', 'f', 'v', 'g', 'w');
      assert.match(auto, /^\d+-0$/);
      assert.equal(await r.xlen(k), 3);
      assert.deepEqual(await r.xrange(k, '-', '+', 'COUNT', 2), [
        ['1-1', ['a', '1']],
        ['1-2', ['a', '2']],
      ]);
      assert.deepEqual(await r.xrevrange(k, '+', '-', 'COUNT', 1), [[auto, ['f', 'v', 'g', 'w']]]);
      assert.deepEqual(await r.xrange(k, '(1-1', '1-2'), [['1-2', ['a', '2']]]);
      assert.equal(await r.xdel(k, '1-1'), 1);
      assert.equal(await r.xlen(k), 2);
      for (let i = 0; i < 20; i++) await r.xadd(k, 'MAXLEN', '=', 5, '*', 'i', String(i));
      assert.equal(await r.xlen(k), 5);
      assert.equal(await r.xtrim(k, 'MAXLEN', 2), 3);
      assert.equal(await r.type(k), 'stream');
    });

    test('xread returns new entries; a blocked XREAD is woken by XADD', async () => {
      const k = `${p}read`;
      await r.xadd(k, '5-0', 'x', '1');
      assert.deepEqual(await r.xread('COUNT', 10, 'STREAMS', k, '0'), [[k, [['5-0', ['x', '1']]]]]);
      assert.equal(await r.xread('STREAMS', k, '$'), null);
      const reader = ioredis({ protocol });
      const pending = reader.xread('BLOCK', 5000, 'STREAMS', k, '$');
      await sleep(50);
      await r.xadd(k, '6-0', 'x', '2');
      assert.deepEqual(await pending, [[k, [['6-0', ['x', '2']]]]]);
      assert.equal(await reader.xread('BLOCK', 50, 'STREAMS', k, '$'), null);
    });

    test('consumer groups: xreadgroup, xack, xpending, xclaim, xautoclaim', async () => {
      const k = `${p}jobs`;
      assert.equal(await r.xgroup('CREATE', k, 'g', '$', 'MKSTREAM'), 'OK');
      await assert.rejects(
        r.xgroup('CREATE', k, 'g', '$'),
        /BUSYGROUP Consumer Group name already exists/,
      );
      for (let i = 1; i <= 4; i++) await r.xadd(k, `${i}-0`, 'n', String(i));
      const a = await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', k, '>');
      assert.deepEqual(a, [[k, [['1-0', ['n', '1']], ['2-0', ['n', '2']]]]]);
      const b = await r.xreadgroup('GROUP', 'g', 'bob', 'STREAMS', k, '>');
      assert.deepEqual(b[0][1].map((e) => e[0]), ['3-0', '4-0']);
      assert.equal(await r.xack(k, 'g', '1-0', '3-0'), 2);
      const summary = await r.xpending(k, 'g');
      assert.equal(summary[0], 2);
      assert.equal(summary[1], '2-0');
      assert.equal(summary[2], '4-0');
      assert.deepEqual(summary[3].sort(), [['alice', '1'], ['bob', '1']]);
      const ext = await r.xpending(k, 'g', '-', '+', 10, 'alice');
      assert.equal(ext.length, 1);
      assert.equal(ext[0][0], '2-0');
      assert.equal(ext[0][1], 'alice');
      assert.equal(ext[0][3], 1);
      // History of alice: her pending entry, re-read with id 0.
      const hist = await r.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', k, '0');
      assert.deepEqual(hist, [[k, [['2-0', ['n', '2']]]]]);
      await sleep(20);
      const claimed = await r.xclaim(k, 'g', 'carol', 10, '2-0');
      assert.deepEqual(claimed, [['2-0', ['n', '2']]]);
      const ext2 = await r.xpending(k, 'g', '-', '+', 10, 'carol');
      assert.equal(ext2[0][3], 3);
      const justid = await r.xclaim(k, 'g', 'dave', 0, '2-0', 'JUSTID');
      assert.deepEqual(justid, ['2-0']);
      await sleep(20);
      const auto = await r.xautoclaim(k, 'g', 'erin', 10, '0-0', 'COUNT', 10);
      assert.equal(auto[0], '0-0');
      assert.deepEqual(auto[1].map((e) => e[0]), ['2-0', '4-0']);
      assert.deepEqual(auto[2], []);
      assert.equal(await r.xack(k, 'g', '2-0', '4-0'), 2);
      assert.deepEqual((await r.xpending(k, 'g'))[0], 0);
      // A blocked XREADGROUP is woken by XADD.
      const reader = ioredis({ protocol });
      const pending = reader.xreadgroup('GROUP', 'g', 'fay', 'BLOCK', 5000, 'STREAMS', k, '>');
      await sleep(50);
      await r.xadd(k, '9-0', 'n', '9');
      assert.deepEqual(await pending, [[k, [['9-0', ['n', '9']]]]]);
    });

    test('xinfo stream/groups/consumers and xgroup management', async () => {
      const k = `${p}info`;
      await r.xadd(k, '1-0', 'a', '1');
      await r.xgroup('CREATE', k, 'g1', '0');
      await r.xreadgroup('GROUP', 'g1', 'c1', 'STREAMS', k, '>');
      const info = await r.xinfo('STREAM', k);
      const obj = {};
      for (let i = 0; i < info.length; i += 2) obj[info[i]] = info[i + 1];
      assert.equal(obj.length, 1);
      assert.equal(obj.groups, 1);
      assert.equal(obj['last-generated-id'], '1-0');
      const groups = await r.xinfo('GROUPS', k);
      assert.equal(groups.length, 1);
      assert.deepEqual(groups[0].slice(0, 8), [
        'name', 'g1', 'consumers', 1, 'pending', 1, 'last-delivered-id', '1-0',
      ]);
      const consumers = await r.xinfo('CONSUMERS', k, 'g1');
      assert.equal(consumers[0][1], 'c1');
      assert.equal(await r.xgroup('CREATECONSUMER', k, 'g1', 'c2'), 1);
      assert.equal(await r.xgroup('DELCONSUMER', k, 'g1', 'c1'), 1);
      assert.equal(await r.xgroup('SETID', k, 'g1', '0'), 'OK');
      assert.equal(await r.xgroup('DESTROY', k, 'g1'), 1);
      assert.deepEqual(await r.xinfo('GROUPS', k), []);
    });
  });
}
