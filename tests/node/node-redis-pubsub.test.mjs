// node-redis pub/sub in RESP2 and RESP3: subscribe/pSubscribe listeners, buffer mode, unsubscribe
// of one listener, and (RESP3) ordinary commands on the subscribed connection.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeRedis, prefix, waitFor } from './helpers.mjs';

for (const RESP of [2, 3]) {
  describe(`RESP${RESP}`, () => {
    const p = prefix(`nrps${RESP}`);

    test('subscribe and pSubscribe listeners receive messages', async () => {
      const pub = await nodeRedis({ RESP });
      const sub = await nodeRedis({ RESP });
      const got = [];
      await sub.subscribe(`${p}ch`, (message, channel) => got.push(['m', channel, message]));
      await sub.pSubscribe(`${p}p.*`, (message, channel) => got.push(['p', channel, message]));
      assert.equal(await pub.publish(`${p}ch`, 'one'), 1);
      assert.equal(await pub.publish(`${p}p.x`, 'two'), 1);
      await waitFor(() => got.length === 2, 'two messages');
      assert.deepEqual(got, [
        ['m', `${p}ch`, 'one'],
        ['p', `${p}p.x`, 'two'],
      ]);
      const numsub = await pub.pubSubNumSub([`${p}ch`]);
      assert.equal(numsub[`${p}ch`], 1);
      assert.ok((await pub.pubSubNumPat()) >= 1);
      await sub.pUnsubscribe(`${p}p.*`);
      assert.equal(await pub.publish(`${p}p.x`, 'gone'), 0);
      await sub.unsubscribe(`${p}ch`);
      assert.equal(await pub.publish(`${p}ch`, 'gone'), 0);
    });

    test('buffer mode delivers raw bytes', async () => {
      const pub = await nodeRedis({ RESP });
      const sub = await nodeRedis({ RESP });
      const got = [];
      await sub.subscribe(`${p}bin`, (message, channel) => got.push([channel, message]), true);
      const payload = Buffer.from([0, 1, 0xff, 13, 10]);
      await pub.publish(`${p}bin`, payload);
      await waitFor(() => got.length === 1, 'the binary message');
      assert.deepEqual(got[0][0], Buffer.from(`${p}bin`));
      assert.deepEqual(got[0][1], payload);
    });

    test('two listeners on one channel; removing one keeps the subscription', async () => {
      const pub = await nodeRedis({ RESP });
      const sub = await nodeRedis({ RESP });
      const a = [];
      const b = [];
      const la = (m) => a.push(m);
      const lb = (m) => b.push(m);
      await sub.subscribe(`${p}two`, la);
      await sub.subscribe(`${p}two`, lb);
      await pub.publish(`${p}two`, '1');
      await waitFor(() => a.length === 1 && b.length === 1, 'both listeners');
      await sub.unsubscribe(`${p}two`, la);
      assert.equal(await pub.publish(`${p}two`, '2'), 1);
      await waitFor(() => b.length === 2, 'the remaining listener');
      assert.deepEqual(a, ['1']);
      assert.deepEqual(b, ['1', '2']);
    });

    if (RESP === 3) {
      test('RESP3: the subscribed connection still runs commands', async () => {
        const sub = await nodeRedis({ RESP });
        const got = [];
        await sub.subscribe(`${p}mixed`, (m) => got.push(m));
        await sub.set(`${p}k`, 'v');
        assert.equal(await sub.get(`${p}k`), 'v');
        await sub.publish(`${p}mixed`, 'self');
        await waitFor(() => got.length === 1, 'its own message');
        assert.deepEqual(got, ['self']);
      });
    }
  });
}
