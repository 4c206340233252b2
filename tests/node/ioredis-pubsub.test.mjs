// ioredis pub/sub: channel and pattern subscriptions, message/pmessage delivery (also as
// Buffers), unsubscribe/punsubscribe, PUBSUB introspection, and the subscriber-mode guard.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, ioredis, once, prefix, rawConnection, sleep } from './helpers.mjs';

// ioredis 6 speaks RESP3 by default (HELLO 3); every test runs in both protocols.
for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const pub = ioredis({ protocol });
    const p = prefix(`iops${protocol}`);

    test('subscribe: message delivery and subscription counts', async () => {
      const sub = ioredis({ protocol });
      assert.equal(await sub.subscribe(`${p}c1`, `${p}c2`), 2);
      const got = collect(sub, 'message', 3);
      assert.equal(await pub.publish(`${p}c1`, 'one'), 1);
      assert.equal(await pub.publish(`${p}c2`, 'two'), 1);
      assert.equal(await pub.publish(`${p}c1`, 'three'), 1);
      assert.equal(await pub.publish(`${p}nobody`, 'x'), 0);
      assert.deepEqual(await got, [
        [`${p}c1`, 'one'],
        [`${p}c2`, 'two'],
        [`${p}c1`, 'three'],
      ]);
      assert.equal(await sub.unsubscribe(`${p}c1`), 1);
      assert.equal(await pub.publish(`${p}c1`, 'gone'), 0);
      assert.equal(await sub.unsubscribe(), 0);
    });

    test('psubscribe: pmessage delivery with pattern, channel and message', async () => {
      const sub = ioredis({ protocol });
      assert.equal(await sub.psubscribe(`${p}news.*`, `${p}h?llo`), 2);
      const got = collect(sub, 'pmessage', 3);
      assert.equal(await pub.publish(`${p}news.sport`, 'goal'), 1);
      assert.equal(await pub.publish(`${p}hello`, 'hi'), 1);
      assert.equal(await pub.publish(`${p}hxllo`, 'hx'), 1);
      assert.deepEqual(await got, [
        [`${p}news.*`, `${p}news.sport`, 'goal'],
        [`${p}h?llo`, `${p}hello`, 'hi'],
        [`${p}h?llo`, `${p}hxllo`, 'hx'],
      ]);
      // A channel matching a pattern and a channel subscription is delivered twice.
      await sub.subscribe(`${p}news.tech`);
      const both = Promise.all([once(sub, 'message'), once(sub, 'pmessage')]);
      assert.equal(await pub.publish(`${p}news.tech`, 'cpu'), 2);
      const [[ch, msg], [pat, ch2, msg2]] = await both;
      assert.deepEqual([ch, msg, pat, ch2, msg2], [
        `${p}news.tech`, 'cpu', `${p}news.*`, `${p}news.tech`, 'cpu',
      ]);
      // punsubscribe one pattern; the other still delivers.
      assert.equal(await sub.punsubscribe(`${p}news.*`), 2);
      assert.equal(await pub.publish(`${p}news.sport`, 'none'), 0);
      const last = once(sub, 'pmessage');
      assert.equal(await pub.publish(`${p}hallo`, 'still'), 1);
      assert.deepEqual(await last, [`${p}h?llo`, `${p}hallo`, 'still']);
      // (ioredis's argument-less punsubscribe() never resolves while channels remain: name them.)
      assert.equal(await sub.punsubscribe(`${p}h?llo`), 1);
      assert.equal(await sub.unsubscribe(`${p}news.tech`), 0);
      assert.equal(await pub.publish(`${p}hallo`, 'none'), 0);
    });

    test('messageBuffer / pmessageBuffer deliver binary payloads intact', async () => {
      const sub = ioredis({ protocol });
      await sub.subscribe(`${p}bin`);
      await sub.psubscribe(`${p}binp*`);
      const payload = Buffer.from([0, 0xff, 13, 10, 0x80]);
      const m = once(sub, 'messageBuffer');
      await pub.publish(`${p}bin`, payload);
      const [channel, message] = await m;
      assert.deepEqual(channel, Buffer.from(`${p}bin`));
      assert.deepEqual(message, payload);
      const pm = once(sub, 'pmessageBuffer');
      await pub.publish(`${p}binpx`, payload);
      const [pattern, ch, msg] = await pm;
      assert.equal(String(pattern), `${p}binp*`);
      assert.deepEqual(ch, Buffer.from(`${p}binpx`));
      assert.deepEqual(msg, payload);
    });

    test('PUBSUB CHANNELS / NUMSUB / NUMPAT see the subscriptions', async () => {
      const sub = ioredis({ protocol });
      await sub.subscribe(`${p}intro1`, `${p}intro2`);
      await sub.psubscribe(`${p}introp*`);
      const channels = await pub.pubsub('CHANNELS', `${p}intro*`);
      assert.deepEqual(channels.sort(), [`${p}intro1`, `${p}intro2`]);
      assert.deepEqual(await pub.pubsub('NUMSUB', `${p}intro1`, `${p}none`), [
        `${p}intro1`, 1, `${p}none`, 0,
      ]);
      assert.ok((await pub.pubsub('NUMPAT')) >= 1);
    });

    test('a subscribed connection: command guard, PING as a message, RESET', async () => {
      const sub = ioredis({ protocol });
      await sub.subscribe(`${p}guard`);
      if (protocol === 2) {
        // ioredis refuses locally before sending anything.
        await assert.rejects(sub.get('x'), /subscriber mode/);
      } else {
        // RESP3 lets a subscribed connection run any command; pushes arrive out of band.
        await pub.set(`${p}guardkey`, 'v');
        assert.equal(await sub.get(`${p}guardkey`), 'v');
        const m = once(sub, 'message');
        await pub.publish(`${p}guard`, 'push');
        assert.deepEqual(await m, [`${p}guard`, 'push']);
        assert.equal(await sub.get(`${p}guardkey`), 'v');
      }
      // The server's own answers, byte for byte.
      const raw = await rawConnection();
      assert.equal(
        await raw.call('SUBSCRIBE', `${p}guard`),
        `*3\r\n$9\r\nsubscribe\r\n$${Buffer.byteLength(`${p}guard`)}\r\n${p}guard\r\n:1\r\n`,
      );
      assert.equal(
        await raw.call('GET', 'x'),
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET " +
          'are allowed in this context\r\n',
      );
      assert.equal(await raw.call('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
      assert.equal(await raw.call('PING', 'hi'), '*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
      assert.equal(await raw.call('RESET'), '+RESET\r\n');
      assert.equal(await raw.call('GET', `${p}none`), '$-1\r\n');
    });

    test('many subscribers all receive a published message', async () => {
      const subs = [];
      for (let i = 0; i < 10; i++) {
        const s = ioredis({ protocol });
        await s.subscribe(`${p}fan`);
        subs.push(s);
      }
      const all = Promise.all(subs.map((s) => once(s, 'message')));
      assert.equal(await pub.publish(`${p}fan`, 'hi'), 10);
      for (const [ch, msg] of await all) assert.deepEqual([ch, msg], [`${p}fan`, 'hi']);
      await sleep(10);
    });
  });
}
