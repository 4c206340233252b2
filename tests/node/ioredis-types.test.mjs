// ioredis against the data types: strings, hashes, lists, sets, sorted sets, expiry and binary
// values read back as Buffers (getBuffer and friends).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredis, prefix, sleep } from './helpers.mjs';

// ioredis 6 speaks RESP3 by default (HELLO 3); every test runs in both protocols.
for (const protocol of [2, 3]) {
  describe(`RESP${protocol}`, () => {
    const r = ioredis({ protocol });
    const p = prefix(`iotypes${protocol}`);

    test('strings: set/get, options, counters, ranges', async () => {
      assert.equal(await r.set(`${p}s`, 'hello'), 'OK');
      assert.equal(await r.get(`${p}s`), 'hello');
      assert.equal(await r.get(`${p}missing`), null);
      assert.equal(await r.set(`${p}s`, 'x', 'NX'), null);
      assert.equal(await r.set(`${p}s`, 'world', 'XX', 'GET'), 'hello');
      assert.equal(await r.append(`${p}s`, '!!'), 7);
      assert.equal(await r.strlen(`${p}s`), 7);
      assert.equal(await r.getrange(`${p}s`, 1, 3), 'orl');
      assert.equal(await r.setrange(`${p}s`, 0, 'W'), 7);
      assert.equal(await r.get(`${p}s`), 'World!!');
      assert.equal(await r.incr(`${p}n`), 1);
      assert.equal(await r.incrby(`${p}n`, 41), 42);
      assert.equal(await r.decrby(`${p}n`, 2), 40);
      assert.equal(await r.incrbyfloat(`${p}n`, '0.5'), '40.5');
      await assert.rejects(r.incr(`${p}s`), /ERR value is not an integer or out of range/);
      assert.equal(await r.mset(`${p}a`, '1', `${p}b`, '2'), 'OK');
      assert.deepEqual(await r.mget(`${p}a`, `${p}b`, `${p}c`), ['1', '2', null]);
      assert.equal(await r.msetnx(`${p}a`, 'x', `${p}c`, '3'), 0);
      assert.equal(await r.getdel(`${p}a`), '1');
      assert.equal(await r.exists(`${p}a`, `${p}b`), 1);
      assert.equal(await r.getex(`${p}b`, 'PX', 5000), '2');
      const pttl = await r.pttl(`${p}b`);
      assert.ok(pttl > 4000 && pttl <= 5000, `pttl ${pttl}`);
      assert.equal(await r.type(`${p}b`), 'string');
    });

    test('binary values round-trip as Buffers', async () => {
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80, 0]);
      assert.equal(await r.set(`${p}bin`, bytes), 'OK');
      const back = await r.getBuffer(`${p}bin`);
      assert.ok(Buffer.isBuffer(back));
      assert.deepEqual(back, bytes);
      assert.equal(await r.strlen(`${p}bin`), bytes.length);
      await r.hset(`${p}binh`, Buffer.from([0xc3, 0x28]), bytes);
      const h = await r.hgetallBuffer(`${p}binh`);
      assert.deepEqual(Object.values(h)[0], bytes);
      await r.rpush(`${p}binl`, bytes, Buffer.alloc(0));
      assert.deepEqual(await r.lrangeBuffer(`${p}binl`, 0, -1), [bytes, Buffer.alloc(0)]);
      // A key that is itself binary.
      const key = Buffer.concat([Buffer.from(p), Buffer.from([0, 0xff, 0x0d, 0x0a])]);
      await r.set(key, 'v');
      assert.equal(await r.get(key), 'v');
      // A 1 MiB value crosses many socket reads.
      const big = Buffer.alloc(1 << 20, 0x61);
      big[12345] = 0;
      await r.set(`${p}big`, big);
      assert.deepEqual(await r.getBuffer(`${p}big`), big);
    });

    test('hashes', async () => {
      const k = `${p}h`;
      assert.equal(await r.hset(k, { f1: 'v1', f2: 'v2', n: '10' }), 3);
      assert.equal(await r.hset(k, 'f1', 'v1b'), 0);
      assert.equal(await r.hget(k, 'f1'), 'v1b');
      assert.deepEqual(await r.hgetall(k), { f1: 'v1b', f2: 'v2', n: '10' });
      assert.deepEqual(await r.hgetall(`${p}nohash`), {});
      assert.deepEqual(await r.hmget(k, 'f2', 'nope'), ['v2', null]);
      assert.equal(await r.hincrby(k, 'n', 5), 15);
      assert.equal(await r.hincrbyfloat(k, 'n', '1.5'), '16.5');
      assert.equal(await r.hsetnx(k, 'f2', 'x'), 0);
      assert.equal(await r.hexists(k, 'f2'), 1);
      assert.equal(await r.hlen(k), 3);
      assert.equal(await r.hstrlen(k, 'f1'), 3);
      assert.deepEqual((await r.hkeys(k)).sort(), ['f1', 'f2', 'n']);
      assert.deepEqual((await r.hvals(k)).sort(), ['16.5', 'v1b', 'v2']);
      assert.equal(await r.hdel(k, 'f1', 'nope'), 1);
      const rand = await r.hrandfield(k, -5, 'WITHVALUES');
      assert.equal(rand.length, 10);
      await assert.rejects(r.hget(`${p}s`, 'x'), /WRONGTYPE|ERR/);
      await r.set(`${p}str`, 'x');
      await assert.rejects(
        r.hget(`${p}str`, 'x'),
        /^ReplyError: WRONGTYPE Operation against a key holding the wrong kind of value$/,
      );
    });

    test('lists, including blocking pops served by another client', async () => {
      const k = `${p}l`;
      assert.equal(await r.rpush(k, 'a', 'b', 'c'), 3);
      assert.equal(await r.lpush(k, 'z'), 4);
      assert.deepEqual(await r.lrange(k, 0, -1), ['z', 'a', 'b', 'c']);
      assert.equal(await r.lindex(k, -1), 'c');
      assert.equal(await r.linsert(k, 'BEFORE', 'b', 'ab'), 5);
      assert.equal(await r.lpos(k, 'b'), 3);
      assert.equal(await r.lset(k, 0, 'zz'), 'OK');
      assert.equal(await r.lrem(k, 0, 'ab'), 1);
      assert.equal(await r.ltrim(k, 0, 2), 'OK');
      assert.deepEqual(await r.lrange(k, 0, -1), ['zz', 'a', 'b']);
      assert.equal(await r.lmove(k, `${p}l2`, 'LEFT', 'RIGHT'), 'zz');
      assert.deepEqual(await r.lpop(k, 5), ['a', 'b']);
      assert.equal(await r.exists(k), 0);
      assert.equal(await r.rpop(k), null);

      const blocker = ioredis({ protocol });
      const pending = blocker.blpop(`${p}bl`, 5);
      await sleep(50);
      await r.rpush(`${p}bl`, 'served');
      assert.deepEqual(await pending, [`${p}bl`, 'served']);
      assert.equal(await blocker.brpop(`${p}empty`, 0.1), null);
      const moved = blocker.blmove(`${p}bm`, `${p}bm2`, 'LEFT', 'LEFT', 5);
      await sleep(50);
      await r.rpush(`${p}bm`, 'x');
      assert.equal(await moved, 'x');
      assert.deepEqual(await r.lrange(`${p}bm2`, 0, -1), ['x']);
    });

    test('sets', async () => {
      assert.equal(await r.sadd(`${p}s1`, 'a', 'b', 'c', 'a'), 3);
      await r.sadd(`${p}s2`, 'b', 'c', 'd');
      assert.equal(await r.scard(`${p}s1`), 3);
      assert.equal(await r.sismember(`${p}s1`, 'a'), 1);
      assert.deepEqual(await r.smismember(`${p}s1`, 'a', 'q'), [1, 0]);
      assert.deepEqual((await r.sinter(`${p}s1`, `${p}s2`)).sort(), ['b', 'c']);
      assert.deepEqual((await r.sunion(`${p}s1`, `${p}s2`)).sort(), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await r.sdiff(`${p}s1`, `${p}s2`), ['a']);
      assert.equal(await r.sintercard(2, `${p}s1`, `${p}s2`), 2);
      assert.equal(await r.sinterstore(`${p}s3`, `${p}s1`, `${p}s2`), 2);
      assert.equal(await r.smove(`${p}s1`, `${p}s2`, 'a'), 1);
      assert.deepEqual((await r.smembers(`${p}s2`)).sort(), ['a', 'b', 'c', 'd']);
      const popped = await r.spop(`${p}s2`, 2);
      assert.equal(popped.length, 2);
      assert.equal(await r.scard(`${p}s2`), 2);
      assert.equal(await r.srem(`${p}s3`, 'b', 'c'), 2);
      assert.equal(await r.exists(`${p}s3`), 0);
      // Integer-encoded sets.
      await r.sadd(`${p}si`, 3, 1, 2);
      assert.deepEqual(await r.smembers(`${p}si`), ['1', '2', '3']);
    });

    test('sorted sets', async () => {
      const k = `${p}z`;
      assert.equal(await r.zadd(k, 1, 'one', 2, 'two', 3, 'three'), 3);
      assert.equal(await r.zadd(k, 'XX', 'CH', 'INCR', 10, 'one'), '11');
      assert.equal(await r.zscore(k, 'one'), '11');
      assert.deepEqual(await r.zrange(k, 0, -1, 'WITHSCORES'), [
        'two', '2', 'three', '3', 'one', '11',
      ]);
      assert.deepEqual(await r.zrange(k, '(2', '+inf', 'BYSCORE', 'LIMIT', 0, 1), ['three']);
      assert.deepEqual(await r.zrevrange(k, 0, 0), ['one']);
      assert.equal(await r.zrank(k, 'three'), 1);
      assert.equal(await r.zrevrank(k, 'three'), 1);
      assert.equal(await r.zcount(k, '-inf', 3), 2);
      assert.equal(await r.zincrby(k, '0.5', 'two'), '2.5');
      assert.deepEqual(await r.zmscore(k, 'two', 'nope'), ['2.5', null]);
      assert.deepEqual(await r.zpopmin(k), ['two', '2.5']);
      assert.deepEqual(await r.zpopmax(k, 1), ['one', '11']);
      await r.zadd(`${p}lex`, 0, 'a', 0, 'b', 0, 'c', 0, 'd');
      assert.deepEqual(await r.zrangebylex(`${p}lex`, '[b', '(d'), ['b', 'c']);
      assert.equal(await r.zlexcount(`${p}lex`, '-', '+'), 4);
      await r.zadd(`${p}u1`, 1, 'a', 2, 'b');
      await r.zadd(`${p}u2`, 10, 'b', 20, 'c');
      assert.equal(await r.zunionstore(`${p}u`, 2, `${p}u1`, `${p}u2`, 'WEIGHTS', 1, 2), 3);
      assert.deepEqual(await r.zrange(`${p}u`, 0, -1, 'WITHSCORES'), [
        'a', '1', 'b', '22', 'c', '40',
      ]);
      assert.deepEqual(await r.zinter(2, `${p}u1`, `${p}u2`, 'WITHSCORES'), ['b', '12']);
      assert.equal(await r.zrangestore(`${p}zs`, `${p}u`, 0, 1), 2);
      const blocker = ioredis({ protocol });
      const pending = blocker.bzpopmin(`${p}bz`, 5);
      await sleep(50);
      await r.zadd(`${p}bz`, '1.5', 'm');
      assert.deepEqual(await pending, [`${p}bz`, 'm', '1.5']);
      // Scores that need 17 significant digits and infinities.
      await r.zadd(`${p}f`, '0.1', 'a', '+inf', 'b', '-inf', 'c');
      assert.deepEqual(await r.zrange(`${p}f`, 0, -1, 'WITHSCORES'), [
        'c', '-inf', 'a', '0.10000000000000001', 'b', 'inf',
      ]);
    });

    test('expiry: ttl, persist, expire options, lazy and active expiry', async () => {
      await r.set(`${p}e`, 'v', 'EX', 100);
      assert.equal(await r.ttl(`${p}e`), 100);
      assert.equal(await r.expire(`${p}e`, 200, 'GT'), 1);
      assert.equal(await r.expire(`${p}e`, 50, 'GT'), 0);
      assert.equal(await r.persist(`${p}e`), 1);
      assert.equal(await r.ttl(`${p}e`), -1);
      assert.equal(await r.ttl(`${p}nokey`), -2);
      const at = Math.floor(Date.now() / 1000) + 1000;
      assert.equal(await r.expireat(`${p}e`, at), 1);
      assert.equal(await r.expiretime(`${p}e`), at);
      await r.set(`${p}short`, 'v', 'PX', 50);
      await r.set(`${p}short2`, 'v');
      await r.pexpire(`${p}short2`, 50);
      await sleep(120);
      assert.equal(await r.get(`${p}short`), null);
      assert.equal(await r.exists(`${p}short2`), 0);
      // SET without KEEPTTL clears the TTL, with KEEPTTL keeps it.
      await r.set(`${p}k`, 'a', 'EX', 100);
      await r.set(`${p}k`, 'b', 'KEEPTTL');
      assert.ok((await r.ttl(`${p}k`)) > 0);
      await r.set(`${p}k`, 'c');
      assert.equal(await r.ttl(`${p}k`), -1);
    });

    test('generic key commands: rename, copy, object, sort', async () => {
      await r.set(`${p}g1`, 'v');
      assert.equal(await r.rename(`${p}g1`, `${p}g2`), 'OK');
      assert.equal(await r.renamenx(`${p}g2`, `${p}g2`), 0);
      assert.equal(await r.copy(`${p}g2`, `${p}g3`), 1);
      assert.equal(await r.get(`${p}g3`), 'v');
      assert.equal(await r.object('ENCODING', `${p}g3`), 'embstr');
      assert.equal(await r.copy(`${p}g3`, `${p}g4`), 1);
      await r.rpush(`${p}sort`, 3, 1, 2);
      assert.deepEqual(await r.sort(`${p}sort`), ['1', '2', '3']);
      assert.deepEqual(await r.sort(`${p}sort`, 'DESC', 'LIMIT', 0, 2), ['3', '2']);
      assert.equal(await r.unlink(`${p}g2`, `${p}g3`, `${p}g4`), 3);
      assert.equal(await r.touch(`${p}sort`, `${p}none`), 1);
    });
  });
}
