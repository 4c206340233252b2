// connect-redis as the express-session store: a real express app on a free port, driven by
// fetch with a cookie jar; sessions are created, read back across requests, touched (TTL
// renewed), expire with the cookie's maxAge, and are destroyed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { nodeRedis, prefix, sleep } from './helpers.mjs';

const client = await nodeRedis();
const p = prefix('sess');
const store = new RedisStore({ client, prefix: p });

const app = express();
app.use(
  session({
    store,
    secret: 'carmine-test-secret',
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { maxAge: 60_000 },
  }),
);
app.get('/login/:user', (req, res) => {
  req.session.user = req.params.user;
  req.session.visits = 0;
  res.json({ ok: true });
});
app.get('/visit', (req, res) => {
  if (!req.session.user) return res.status(401).json({ user: null });
  req.session.visits += 1;
  res.json({ user: req.session.user, visits: req.session.visits, id: req.sessionID });
});
app.get('/short', (req, res) => {
  req.session.cookie.maxAge = 1000;
  req.session.user = 'brief';
  res.json({ id: req.sessionID });
});
app.get('/logout', (req, res) => {
  req.session.destroy((err) => res.json({ destroyed: !err }));
});

const server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
after(() => new Promise((resolve) => server.close(resolve)));
const base = `http://127.0.0.1:${server.address().port}`;

/** A tiny cookie jar around fetch. */
function agent() {
  let cookie = null;
  return async (path) => {
    const res = await fetch(base + path, { headers: cookie ? { cookie } : {} });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    return { status: res.status, body: await res.json(), cookie };
  };
}

test('a session is stored in the server and read back across requests', async () => {
  const get = agent();
  assert.equal((await get('/visit')).status, 401);
  const login = await get('/login/ada');
  assert.match(login.cookie, /^connect\.sid=s%3A/);
  const v1 = await get('/visit');
  const v2 = await get('/visit');
  assert.deepEqual([v1.body.user, v1.body.visits, v2.body.visits], ['ada', 1, 2]);
  const raw = await client.get(`${p}${v2.body.id}`);
  const stored = JSON.parse(raw);
  assert.equal(stored.user, 'ada');
  assert.equal(stored.visits, 2);
  const ttl = await client.ttl(`${p}${v2.body.id}`);
  assert.ok(ttl > 50 && ttl <= 60, `ttl ${ttl}`);
  // Another browser has no session.
  assert.equal((await agent()('/visit')).status, 401);
});

test('touch renews the TTL of an unmodified session', async () => {
  const get = agent();
  await get('/login/bob');
  const { body } = await get('/visit');
  const key = `${p}${body.id}`;
  await client.expire(key, 5);
  assert.ok((await client.ttl(key)) <= 5);
  // resave: false + an unmodified session -> express-session calls store.touch().
  await new Promise((resolve, reject) =>
    store.get(body.id, (err, sess) => {
      if (err) return reject(err);
      store.touch(body.id, sess, (e) => (e ? reject(e) : resolve()));
    }),
  );
  const ttl = await client.ttl(key);
  assert.ok(ttl > 50, `ttl after touch ${ttl}`);
});

test('store.all / length / ids list the sessions under the prefix', async () => {
  const get = agent();
  await get('/login/carol');
  const { body } = await get('/visit');
  const ids = await new Promise((resolve, reject) =>
    store.ids((err, v) => (err ? reject(err) : resolve(v))),
  );
  assert.ok(ids.includes(body.id));
  const len = await new Promise((resolve, reject) =>
    store.length((err, v) => (err ? reject(err) : resolve(v))),
  );
  assert.equal(len, ids.length);
  const all = await new Promise((resolve, reject) =>
    store.all((err, v) => (err ? reject(err) : resolve(v))),
  );
  assert.ok(all.some((s) => s.user === 'carol'));
});

test('a session with a short maxAge expires in the server', async () => {
  const get = agent();
  const { body } = await get('/short');
  const key = `${p}${body.id}`;
  const pttl = await client.pTTL(key);
  // connect-redis rounds the TTL up to whole seconds (SET ... EX 1).
  assert.ok(pttl > 0 && pttl <= 1000, `pttl ${pttl}`);
  await sleep(1200);
  assert.equal(await client.exists(key), 0);
  assert.equal((await get('/visit')).status, 401);
});

test('destroy removes the session', async () => {
  const get = agent();
  await get('/login/dave');
  const { body } = await get('/visit');
  assert.equal(await client.exists(`${p}${body.id}`), 1);
  assert.deepEqual((await get('/logout')).body, { destroyed: true });
  assert.equal(await client.exists(`${p}${body.id}`), 0);
  assert.equal((await get('/visit')).status, 401);
});
