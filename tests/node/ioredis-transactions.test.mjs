// ioredis pipelines and transactions: pipeline results and per-command errors, MULTI/EXEC,
// EXECABORT on a queued syntax error, WATCH with a conflicting write from another client.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix } from './helpers.mjs';

// ioredis 6 speaks RESP3 by default (HELLO 3); every test runs in both protocols.
for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const r = ioredis({ protocol });
    const other = ioredis({ protocol });
    const p = prefix(`iotx${protocol}`);

    test('pipeline returns [err, result] pairs in order, errors do not stop it', async () => {
      const results = await r
        .pipeline()
        .set(`${p}a`, '1')
        .incr(`${p}a`)
        .lpush(`${p}a`, 'x')
        .get(`${p}a`)
        .exec();
      assert.equal(results.length, 4);
      assert.deepEqual(results[0], [null, 'OK']);
      assert.deepEqual(results[1], [null, 2]);
      assert.match(String(results[2][0]), /WRONGTYPE/);
      assert.deepEqual(results[3], [null, '2']);
    });

    test('a large pipeline (5000 commands) is answered in order', async () => {
      const pl = r.pipeline();
      for (let i = 0; i < 5000; i++) pl.rpush(`${p}big`, String(i));
      const res = await pl.exec();
      assert.equal(res.length, 5000);
      assert.deepEqual(res[4999], [null, 5000]);
      assert.equal(await r.llen(`${p}big`), 5000);
      assert.equal(await r.lindex(`${p}big`, 1234), '1234');
    });

    test('multi/exec runs atomically and returns every reply', async () => {
      const res = await r.multi().set(`${p}m`, 'v').get(`${p}m`).incr(`${p}cnt`).exec();
      assert.deepEqual(res, [
        [null, 'OK'],
        [null, 'v'],
        [null, 1],
      ]);
      // A runtime error inside EXEC affects only that command.
      const mixed = await r.multi().set(`${p}w`, 'str').lpush(`${p}w`, 'x').get(`${p}w`).exec();
      assert.match(String(mixed[1][0]), /WRONGTYPE/);
      assert.deepEqual(mixed[2], [null, 'str']);
    });

    test('a syntax error while queueing aborts EXEC with EXECABORT', async () => {
      await assert.rejects(
        r.multi().set(`${p}x`, 'v').call('set', `${p}x`).exec(),
        /EXECABORT Transaction discarded because of previous errors/,
      );
      assert.equal(await r.exists(`${p}x`), 0);
    });

    test('multi({ pipeline: false }): MULTI, QUEUED replies, EXEC one by one', async () => {
      const c = ioredis({ protocol });
      assert.equal(await c.multi({ pipeline: false }), 'OK');
      assert.equal(await c.set(`${p}np`, '1'), 'QUEUED');
      assert.equal(await c.incr(`${p}np`), 'QUEUED');
      assert.deepEqual(await c.exec(), [
        [null, 'OK'],
        [null, 2],
      ]);
      assert.equal(await c.multi({ pipeline: false }), 'OK');
      assert.equal(await c.set(`${p}np`, 'gone'), 'QUEUED');
      assert.equal(await c.discard(), 'OK');
      assert.equal(await c.get(`${p}np`), '2');
    });

    test('watch: a conflicting write from another client aborts EXEC (null result)', async () => {
      const watcher = ioredis({ protocol });
      await watcher.set(`${p}bal`, '100');
      assert.equal(await watcher.watch(`${p}bal`), 'OK');
      const current = Number(await watcher.get(`${p}bal`));
      await other.incrby(`${p}bal`, 5);
      const res = await watcher.multi().set(`${p}bal`, String(current - 10)).exec();
      assert.equal(res, null);
      assert.equal(await watcher.get(`${p}bal`), '105');

      // Without a conflict the same transaction commits.
      await watcher.watch(`${p}bal`);
      const now = Number(await watcher.get(`${p}bal`));
      const ok = await watcher.multi().set(`${p}bal`, String(now - 10)).exec();
      assert.deepEqual(ok, [[null, 'OK']]);
      assert.equal(await watcher.get(`${p}bal`), '95');

      // Expiry of a watched key also aborts; UNWATCH forgets the watch.
      await watcher.set(`${p}exp`, 'v', 'PX', 30);
      await watcher.watch(`${p}exp`);
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await watcher.multi().set(`${p}exp`, 'new').exec(), null);
      await watcher.watch(`${p}bal`);
      await other.set(`${p}bal`, '1');
      await watcher.unwatch();
      assert.deepEqual(await watcher.multi().get(`${p}bal`).exec(), [[null, '1']]);
    });

    test('optimistic-lock retry loop converges with concurrent incrementers', async () => {
      const clients = [ioredis({ protocol }), ioredis({ protocol }), ioredis({ protocol })];
      await r.set(`${p}ctr`, '0');
      const bump = async (c) => {
        for (let i = 0; i < 20; i++) {
          for (;;) {
            await c.watch(`${p}ctr`);
            const v = Number(await c.get(`${p}ctr`));
            const res = await c.multi().set(`${p}ctr`, String(v + 1)).exec();
            if (res !== null) break;
          }
        }
      };
      await Promise.all(clients.map(bump));
      assert.equal(await r.get(`${p}ctr`), '60');
    });
  });
}
