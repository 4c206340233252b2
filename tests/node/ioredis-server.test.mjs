// ioredis and the server commands clients rely on: the INFO ready check, CLIENT SETNAME/LIST/
// INFO/ID, CONFIG GET/SET, SELECT, DBSIZE, TIME, ECHO, COMMAND, MONITOR (raw), and reply types
// with stringNumbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix, rawConnection } from './helpers.mjs';

const r = ioredis();
const p = prefix('iosrv');

test('INFO parses into sections ioredis reads (ready check uses it)', async () => {
  const info = await r.info();
  assert.match(info, /^# Server\r\n/);
  assert.match(info, /\r\nredis_version:7\.0\.\d+\r\n/);
  assert.match(info, /\r\nloading:0\r\n/);
  const clients = await r.info('clients');
  assert.match(clients, /^# Clients\r\nconnected_clients:\d+\r\n/);
  const ks = await r.info('keyspace');
  assert.match(ks, /^# Keyspace\r\n/);
});

test('CLIENT SETNAME/GETNAME/ID/INFO/LIST and connectionName', async () => {
  const c = ioredis({ connectionName: `${p}conn` });
  assert.equal(await c.client('GETNAME'), `${p}conn`);
  const id = await c.client('ID');
  assert.equal(typeof id, 'number');
  const info = await c.client('INFO');
  assert.match(info, new RegExp(`^id=${id} addr=\\S+ laddr=\\S+ fd=\\d+ name=${p}conn `));
  assert.match(info, /cmd=client\|info/);
  assert.equal(await c.client('SETNAME', `${p}renamed`), 'OK');
  const list = await r.client('LIST', 'ID', id);
  assert.match(list, new RegExp(`name=${p}renamed`));
  await assert.rejects(c.client('SETNAME', 'has space'), /ERR Client names cannot contain spaces/);
  assert.equal(await c.client('NO-EVICT', 'on'), 'OK');
});

test('CONFIG GET/SET round-trips and rejects bad values', async () => {
  const [name, value] = await r.config('GET', 'maxmemory-policy');
  assert.equal(name, 'maxmemory-policy');
  assert.ok(value.length > 0);
  assert.equal(await r.config('SET', 'maxmemory-policy', 'allkeys-lru'), 'OK');
  assert.deepEqual(await r.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
  assert.equal(await r.config('SET', 'maxmemory-policy', value), 'OK');
  await assert.rejects(r.config('SET', 'maxmemory-policy', 'bogus'), /ERR CONFIG SET failed/);
  const many = await r.config('GET', 'hash-max-*');
  assert.ok(many.length >= 4 && many.length % 2 === 0);
  // node-redis and BullMQ read this one.
  const [, notify] = await r.config('GET', 'notify-keyspace-events');
  assert.equal(typeof notify, 'string');
});

test('SELECT, DBSIZE, TIME, ECHO, PING, TYPE, stringNumbers', async () => {
  const c = ioredis({ db: 5 });
  await c.set(`${p}db5`, 'v');
  assert.ok((await c.dbsize()) >= 1);
  assert.equal(await r.exists(`${p}db5`), 0);
  assert.equal(await c.select(0), 'OK');
  assert.equal(await c.exists(`${p}db5`), 0);
  const [sec, usec] = await r.time();
  assert.ok(Math.abs(Number(sec) - Date.now() / 1000) < 5);
  assert.ok(Number(usec) < 1_000_000);
  assert.equal(await r.echo('héllo'), 'héllo');
  assert.equal(await r.ping(), 'PONG');
  assert.equal(await r.ping('x'), 'x');
  const big = ioredis({ stringNumbers: true });
  await big.set(`${p}big`, '9007199254740993');
  assert.equal(await big.incr(`${p}big`), '9007199254740994');
});

test('COMMAND INFO/COUNT/DOCS answer the shapes clients parse', async () => {
  const count = await r.command('COUNT');
  // Redis 7.0 has 240; carmine counts the commands it implements.
  assert.ok(count > 150, `count ${count}`);
  const [get] = await r.command('INFO', 'get');
  assert.equal(get[0], 'get');
  assert.equal(get[1], 2);
  assert.deepEqual(get[2], ['readonly', 'fast']);
  assert.deepEqual(get.slice(3, 6), [1, 1, 1]);
  const keys = await r.command('GETKEYS', 'MSET', 'a', '1', 'b', '2');
  assert.deepEqual(keys, ['a', 'b']);
});

test('MONITOR: +OK first even under load, then one line per command', async () => {
  // Raw socket: ioredis's own monitor() has a client-side race (a feed line in the same read as
  // MONITOR's +OK reaches its command queue before it switches to monitoring mode).
  const busy = ioredis();
  let hammering = true;
  const hammer = (async () => {
    while (hammering) await busy.set(`${p}hammer`, 'x');
  })();
  const mon = await rawConnection();
  assert.equal(await mon.call('MONITOR'), '+OK\r\n');
  const c = ioredis({ db: 2 });
  await c.set(`${p}monitored`, 'v a"l');
  let line;
  for (;;) {
    line = await mon.read();
    if (line.includes(`${p}monitored`)) break;
  }
  hammering = false;
  await hammer;
  assert.match(
    line,
    new RegExp(`^\\+\\d+\\.\\d{6} \\[2 127\\.0\\.0\\.1:\\d+\\] "set" "${p}monitored" "v a\\\\"l"\r\n$`),
  );
  const ts = Number(line.slice(1, line.indexOf(' ')));
  assert.ok(Math.abs(ts - Date.now() / 1000) < 5);
});
