// node-redis and Lua: defineScript (EVALSHA with EVAL fallback), RESP3 replies from scripts
// (redis.setresp(3): maps, sets, doubles, booleans, big numbers), FUNCTION LOAD with functions
// called through FCALL. Needs Lua scripting (PENDING list in tools/node-tests.sh).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineScript } from 'redis';
import { nodeRedis, prefix, rawConnection } from './helpers.mjs';

const scripts = {
  incrTwice: defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[1], ARGV[1])",
    parseCommand(parser, key, by) {
      parser.pushKey(key);
      parser.push(String(by));
    },
    transformReply: undefined,
  }),
};

for (const RESP of [2, 3]) {
  describe(`RESP${RESP}`, () => {
    const p = prefix(`nrlua${RESP}`);

    test('defineScript runs via EVALSHA and survives SCRIPT FLUSH', async () => {
      const c = await nodeRedis({ RESP, scripts });
      assert.equal(await c.incrTwice(`${p}n`, 2), 4);
      await c.scriptFlush();
      assert.equal(await c.incrTwice(`${p}n`, 3), 10);
      assert.equal(await c.get(`${p}n`), '10');
      const tx = await c.multi().incrTwice(`${p}n`, 1).get(`${p}n`).exec();
      assert.deepEqual(tx, [12, '12']);
    });

    test('eval and evalSha with keys and arguments', async () => {
      const c = await nodeRedis({ RESP });
      assert.deepEqual(
        await c.eval('return {KEYS[1], ARGV[1]}', { keys: [`${p}k`], arguments: ['a'] }),
        [`${p}k`, 'a'],
      );
      const sha = await c.scriptLoad("return 'hi'");
      assert.equal(await c.evalSha(sha), 'hi');
      assert.deepEqual(await c.scriptExists([sha]), [1]);
    });

    test('functions: load, fCall, fCallRo, list', async () => {
      const c = await nodeRedis({ RESP });
      const name = `nrlib${RESP}_${process.pid}`;
      await c.functionLoad(
        `#!lua name=${name}
redis.register_function('nr_hset', function(keys, args)
  return redis.call('HSET', keys[1], args[1], args[2])
end)
redis.register_function{function_name='nr_hget', flags={'no-writes'},
  callback=function(keys, args) return redis.call('HGET', keys[1], args[1]) end}`,
        { REPLACE: true },
      );
      assert.equal(await c.fCall('nr_hset', { keys: [`${p}h`], arguments: ['f', 'v'] }), 1);
      assert.equal(await c.fCallRo('nr_hget', { keys: [`${p}h`], arguments: ['f'] }), 'v');
      const libs = await c.functionList({ LIBRARYNAMEPATTERN: name });
      assert.equal(libs.length, 1);
      assert.equal(libs[0].library_name, name);
      assert.equal(libs[0].engine, 'LUA');
      await c.functionDelete(name);
    });
  });
}

test('RESP3 script replies: raw bytes with redis.setresp(3)', async () => {
  const raw = await rawConnection();
  await raw.call('HELLO', '3');
  const ev = (body) => raw.call('EVAL', body, '0');
  assert.equal(await ev("redis.setresp(3); return {map={a=1}}"), '%1\r\n$1\r\na\r\n:1\r\n');
  assert.equal(await ev("redis.setresp(3); return {set={x=true}}"), '~1\r\n$1\r\nx\r\n');
  assert.equal(await ev("redis.setresp(3); return {double=3.5}"), ',3.5\r\n');
  assert.equal(await ev('redis.setresp(3); return true'), '#t\r\n');
  assert.equal(await ev('redis.setresp(3); return false'), '#f\r\n');
  assert.equal(await ev("redis.setresp(3); return {big_number='123456789012345678901234567890'}"),
    '(123456789012345678901234567890\r\n');
  assert.equal(await ev('return nil'), '_\r\n');
  // Inside a script a RESP3 reply from redis.call becomes a Lua table again.
  await raw.call('HSET', `nt:nrlua:${process.pid}:h`, 'f', 'v');
  assert.equal(
    await raw.call('EVAL', "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", '1',
      `nt:nrlua:${process.pid}:h`),
    '%1\r\n$1\r\nf\r\n$1\r\nv\r\n',
  );
});
