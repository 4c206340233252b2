// ioredis reconnection: after CLIENT KILL the client reconnects by itself, re-selects its
// database, re-subscribes its channels and patterns, and replays commands sent while offline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, once, prefix, waitFor } from './helpers.mjs';

const admin = ioredis();
const p = prefix('iorec');

async function killById(client) {
  const id = await client.client('ID');
  assert.equal(await admin.client('KILL', 'ID', id), 1);
  return id;
}

for (const protocol of [2, 3]) {
  test(`RESP${protocol}: reconnects after CLIENT KILL ID, keeping db and name`, async () => {
    const c = ioredis({ protocol, db: 3, connectionName: `${p}named${protocol}`,
      retryStrategy: () => 20 });
    await c.set(`${p}indb3`, 'yes');
    const reconnected = once(c, 'ready');
    const oldId = await killById(c);
    await reconnected;
    const newId = await c.client('ID');
    assert.notEqual(newId, oldId);
    assert.equal(await c.get(`${p}indb3`), 'yes');
    assert.equal(await c.client('GETNAME'), `${p}named${protocol}`);
    assert.equal(await admin.get(`${p}indb3`), null);
    const list = await admin.client('LIST');
    assert.match(list, new RegExp(`id=${newId} .*name=${p}named${protocol} .*db=3 `));
  });

  test(`RESP${protocol}: commands issued while disconnected are replayed`, async () => {
    const c = ioredis({ protocol, retryStrategy: () => 50 });
    await c.ping();
    const closed = once(c, 'close');
    await killById(c);
    await closed;
    const pending = c.incr(`${p}offline${protocol}`);
    assert.equal(await pending, 1);
  });

  test(`RESP${protocol}: subscriptions survive CLIENT KILL TYPE pubsub`, async () => {
    const sub = ioredis({ protocol, retryStrategy: () => 20 });
    // Files share one server: the kill is narrowed to this subscriber (filters combine), so other
    // files' subscribers running at the same time are left alone.
    const id = await sub.client('ID');
    await sub.subscribe(`${p}ch${protocol}`);
    await sub.psubscribe(`${p}pat${protocol}.*`);
    const messages = [];
    sub.on('message', (ch, msg) => messages.push([ch, msg]));
    sub.on('pmessage', (pat, ch, msg) => messages.push([pat, ch, msg]));
    const ready = once(sub, 'ready');
    const killed = await admin.client('KILL', 'TYPE', 'pubsub', 'ID', String(id));
    assert.equal(killed, 1);
    await ready;
    await waitFor(
      async () => (await admin.publish(`${p}ch${protocol}`, 'probe')) === 1,
      'the channel subscription to come back',
    );
    assert.equal(await admin.publish(`${p}ch${protocol}`, 'after'), 1);
    assert.equal(await admin.publish(`${p}pat${protocol}.x`, 'after-p'), 1);
    await waitFor(() => messages.some((m) => m.at(-1) === 'after-p'), 'the pattern message');
    const after = messages.filter((m) => m.at(-1) !== 'probe');
    assert.deepEqual(after, [
      [`${p}ch${protocol}`, 'after'],
      [`${p}pat${protocol}.*`, `${p}pat${protocol}.x`, 'after-p'],
    ]);
  });
}

test('CLIENT KILL with a filter reports the count; the old-style form replies OK', async () => {
  const victim = ioredis({ retryStrategy: () => null });
  await victim.client('SETNAME', `${p}victim`);
  const list = await admin.client('LIST');
  const line = list.split('\n').find((l) => l.includes(`name=${p}victim`));
  assert.ok(line, list);
  const addr = /addr=(\S+)/.exec(line)[1];
  const closed = once(victim, 'end');
  assert.equal(await admin.client('KILL', addr), 'OK');
  await closed;
  await assert.rejects(admin.client('KILL', addr), /ERR No such client/);
  assert.equal(await admin.client('KILL', 'ID', '999999999'), 0);
});
