// ioredis and Lua: EVAL reply conversions, defineCommand (EVALSHA first, EVAL when the server
// answers NOSCRIPT, e.g. after SCRIPT FLUSH), scripts in pipelines and MULTI, errors raised by
// scripts, SCRIPT LOAD/EXISTS, and FUNCTION LOAD/FCALL. Needs Lua scripting (PENDING list).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix } from './helpers.mjs';

for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const r = ioredis({ protocol });
    const p = prefix(`iolua${protocol}`);

    test('EVAL converts Lua values to replies', async () => {
      assert.equal(await r.eval('return 1', 0), 1);
      assert.equal(await r.eval('return 3.99', 0), 3);
      assert.equal(await r.eval("return 'str'", 0), 'str');
      assert.equal(await r.eval('return nil', 0), null);
      assert.equal(await r.eval('return false', 0), null);
      assert.equal(await r.eval('return true', 0), 1);
      assert.deepEqual(await r.eval("return {1, 'two', {3}, nil, 5}", 0), [1, 'two', [3]]);
      assert.equal(await r.eval("return {ok='fine'}", 0), 'fine');
      await assert.rejects(r.eval("return {err='My Error'}", 0), /^ReplyError: My Error/);
      assert.deepEqual(
        await r.eval('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}', 2, `${p}k1`, `${p}k2`, 'a',
          'b'),
        [`${p}k1`, `${p}k2`, 'a', 'b'],
      );
      await r.set(`${p}v`, '10');
      assert.equal(
        await r.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, `${p}v`, 5),
        15,
      );
      await assert.rejects(
        r.eval("return redis.call('LPUSH', KEYS[1], 'x')", 1, `${p}v`),
        /WRONGTYPE Operation against a key holding the wrong kind of value/,
      );
      // pcall catches the error as a table; returning it raises it as the reply.
      await assert.rejects(
        r.eval("return redis.pcall('LPUSH', KEYS[1], 'x')", 1, `${p}v`),
        /WRONGTYPE/,
      );
      await assert.rejects(r.eval('syntax error here', 0), /ERR Error compiling script/);
    });

    test('defineCommand: EVALSHA, then EVAL after SCRIPT FLUSH', async () => {
      const c = ioredis({ protocol });
      c.defineCommand('getAndBump', {
        numberOfKeys: 1,
        lua: `local v = redis.call('GET', KEYS[1]) or '0'
              redis.call('SET', KEYS[1], tonumber(v) + tonumber(ARGV[1]))
              return v`,
      });
      await c.set(`${p}ctr`, '1');
      assert.equal(await c.getAndBump(`${p}ctr`, 2), '1');
      assert.equal(await c.getAndBump(`${p}ctr`, 2), '3');
      assert.equal(await c.script('FLUSH'), 'OK');
      // The cached SHA is gone: ioredis gets NOSCRIPT and falls back to EVAL.
      assert.equal(await c.getAndBump(`${p}ctr`, 2), '5');
      assert.equal(await c.get(`${p}ctr`), '7');
      const sha = await c.script('LOAD', "return 'loaded'");
      assert.match(sha, /^[0-9a-f]{40}$/);
      assert.deepEqual(await c.script('EXISTS', sha, '0'.repeat(40)), [1, 0]);
      assert.equal(await c.evalsha(sha, 0), 'loaded');
      await assert.rejects(
        c.evalsha('0'.repeat(40), 0),
        /NOSCRIPT No matching script\. Please use EVAL\./,
      );
    });

    test('defined commands inside pipelines and MULTI', async () => {
      const c = ioredis({ protocol });
      c.defineCommand('pushTwo', {
        numberOfKeys: 1,
        lua: "redis.call('RPUSH', KEYS[1], ARGV[1]); return redis.call('RPUSH', KEYS[1], ARGV[2])",
      });
      await c.script('FLUSH');
      const res = await c.pipeline().pushTwo(`${p}l`, 'a', 'b').pushTwo(`${p}l`, 'c', 'd').exec();
      assert.deepEqual(res, [[null, 2], [null, 4]]);
      const tx = await c.multi().pushTwo(`${p}l`, 'e', 'f').lrange(`${p}l`, 0, -1).exec();
      assert.deepEqual(tx, [[null, 6], [null, ['a', 'b', 'c', 'd', 'e', 'f']]]);
    });

    test('FUNCTION LOAD and FCALL / FCALL_RO', async () => {
      const lib = `#!lua name=${`lib${protocol}_${process.pid}`}
redis.register_function('kset', function(keys, args)
  return redis.call('SET', keys[1], args[1])
end)
redis.register_function{function_name='kget', flags={'no-writes'},
  callback=function(keys) return redis.call('GET', keys[1]) end}`;
      assert.equal(await r.function('LOAD', 'REPLACE', lib), `lib${protocol}_${process.pid}`);
      assert.equal(await r.fcall('kset', 1, `${p}f`, 'val'), 'OK');
      assert.equal(await r.fcall_ro('kget', 1, `${p}f`), 'val');
      await assert.rejects(r.fcall_ro('kset', 1, `${p}f`, 'x'),
        /ERR Can not execute a script with write flag using \*_ro command/);
      const list = await r.function('LIST', 'LIBRARYNAME', `lib${protocol}_${process.pid}`);
      assert.equal(list.length, 1);
      assert.equal(await r.function('DELETE', `lib${protocol}_${process.pid}`), 'OK');
      await assert.rejects(r.fcall('kset', 1, `${p}f`, 'v'), /ERR Function not found/);
    });
  });
}
