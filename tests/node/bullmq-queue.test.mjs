// BullMQ on the server under test: Queue + Worker with concurrency, QueueEvents, delayed jobs,
// retries with exponential backoff, priorities, getJobCounts, pause/resume, clean, obliterate,
// and a few thousand jobs to completion. BullMQ runs everything through Lua scripts and streams
// (QueueEvents), so this file is in the PENDING list until both land.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { bullPrefix, connection, track } from './bullmq-helpers.mjs';
import { ioredis, sleep, waitFor } from './helpers.mjs';

const prefix = bullPrefix('queue');
let n = 0;
const qname = (what) => `${what}-${++n}`;

function queue(name, opts = {}) {
  const q = track(new Queue(name, { connection, prefix, ...opts }));
  q.setMaxListeners(100); // addBulk of 500 jobs adds a listener per pending job
  return q;
}
function worker(name, fn, opts = {}) {
  const w = track(new Worker(name, fn, { connection, prefix, ...opts }));
  w.on('error', () => {});
  return w;
}
async function events(name) {
  const qe = track(new QueueEvents(name, { connection, prefix }));
  await qe.waitUntilReady();
  return qe;
}

test('jobs run on a worker with concurrency; results and QueueEvents completed', async () => {
  const name = qname('basic');
  const q = queue(name);
  const qe = await events(name);
  let running = 0;
  let maxRunning = 0;
  worker(
    name,
    async (job) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running -= 1;
      return { doubled: job.data.x * 2 };
    },
    { concurrency: 5 },
  );
  const jobs = await q.addBulk(
    Array.from({ length: 20 }, (_, i) => ({ name: 'double', data: { x: i } })),
  );
  const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(qe, 30_000)));
  assert.deepEqual(
    results.map((r) => r.doubled),
    Array.from({ length: 20 }, (_, i) => i * 2),
  );
  assert.ok(maxRunning > 1 && maxRunning <= 5, `max concurrent ${maxRunning}`);
  const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active');
  assert.deepEqual(counts, { completed: 20, failed: 0, waiting: 0, active: 0 });
  const done = await q.getJob(jobs[3].id);
  assert.equal(done.returnvalue.doubled, 6);
  assert.equal(await done.getState(), 'completed');
});

test('delayed jobs wait for their delay', async () => {
  const name = qname('delayed');
  const q = queue(name);
  const qe = await events(name);
  const started = Date.now();
  const job = await q.add('later', { v: 1 }, { delay: 400 });
  assert.equal(await job.getState(), 'delayed');
  assert.equal((await q.getJobCounts('delayed')).delayed, 1);
  let ranAt = 0;
  worker(name, async () => {
    ranAt = Date.now();
    return 'ok';
  });
  assert.equal(await job.waitUntilFinished(qe, 30_000), 'ok');
  assert.ok(ranAt - started >= 390, `ran after ${ranAt - started} ms`);
});

test('failed jobs retry with exponential backoff, then fail for good', async () => {
  const name = qname('retry');
  const q = queue(name);
  const qe = await events(name);
  const attempts = [];
  const w = worker(name, async (job) => {
    attempts.push(Date.now());
    if (job.data.succeedOn && job.attemptsMade + 1 >= job.data.succeedOn) return 'finally';
    throw new Error(`boom ${job.attemptsMade + 1}`);
  });
  const ok = await q.add('flaky', { succeedOn: 3 }, {
    attempts: 5,
    backoff: { type: 'exponential', delay: 100 },
  });
  assert.equal(await ok.waitUntilFinished(qe, 30_000), 'finally');
  assert.equal(attempts.length, 3);
  // Exponential: ~100 ms then ~200 ms between attempts.
  assert.ok(attempts[1] - attempts[0] >= 90, `first gap ${attempts[1] - attempts[0]}`);
  assert.ok(attempts[2] - attempts[1] >= 190, `second gap ${attempts[2] - attempts[1]}`);
  const bad = await q.add('doomed', {}, { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
  await assert.rejects(bad.waitUntilFinished(qe, 30_000), /boom 2/);
  const failed = await q.getJob(bad.id);
  assert.equal(failed.attemptsMade, 2);
  assert.equal(failed.failedReason, 'boom 2');
  assert.equal(await failed.getState(), 'failed');
  assert.equal((await q.getJobCounts('failed')).failed, 1);
  // A failed job can be retried by hand (worker stopped, so it stays waiting).
  await w.close();
  await failed.retry();
  assert.equal(await failed.getState(), 'waiting');
});

test('priorities: lower number runs first', async () => {
  const name = qname('prio');
  const q = queue(name);
  const order = [];
  await q.add('p', { id: 'low' }, { priority: 10 });
  await q.add('p', { id: 'high' }, { priority: 1 });
  await q.add('p', { id: 'none' });
  await q.add('p', { id: 'mid' }, { priority: 5 });
  assert.equal((await q.getJobCounts('prioritized')).prioritized, 3);
  worker(name, async (job) => {
    order.push(job.data.id);
  });
  await waitFor(() => order.length === 4, 'four jobs');
  assert.deepEqual(order, ['none', 'high', 'mid', 'low']);
});

test('pause and resume the queue', async () => {
  const name = qname('pause');
  const q = queue(name);
  const done = [];
  worker(name, async (job) => {
    done.push(job.data.i);
  });
  await q.pause();
  assert.equal(await q.isPaused(), true);
  await q.add('j', { i: 1 });
  await q.add('j', { i: 2 });
  await sleep(300);
  assert.deepEqual(done, []);
  // (BullMQ 6 keeps paused jobs in the wait list and counts them as waiting or paused.)
  const held = await q.getJobCounts('paused', 'waiting');
  assert.equal(held.paused + held.waiting, 2);
  await q.resume();
  assert.equal(await q.isPaused(), false);
  await waitFor(() => done.length === 2, 'the paused jobs');
  assert.deepEqual(done.sort(), [1, 2]);
});

test('clean, drain and obliterate remove jobs and keys', async () => {
  const name = qname('clean');
  const q = queue(name);
  const qe = await events(name);
  worker(name, async (job) => {
    if (job.data.fail) throw new Error('no');
    return 1;
  });
  const jobs = await q.addBulk([
    { name: 'a', data: {} },
    { name: 'b', data: {} },
    { name: 'c', data: { fail: true } },
  ]);
  await jobs[0].waitUntilFinished(qe, 30_000);
  await jobs[1].waitUntilFinished(qe, 30_000);
  await assert.rejects(jobs[2].waitUntilFinished(qe, 30_000), /no/);
  const cleaned = await q.clean(0, 100, 'completed');
  assert.equal(cleaned.length, 2);
  assert.equal((await q.getJobCounts('completed')).completed, 0);
  assert.equal((await q.clean(0, 100, 'failed')).length, 1);
  await q.pause();
  await q.add('x', {});
  await q.add('y', {}, { delay: 60_000 });
  await q.drain(true);
  const counts = await q.getJobCounts('paused', 'delayed', 'waiting');
  assert.deepEqual(counts, { paused: 0, delayed: 0, waiting: 0 });
  await q.add('z', {});
  await q.obliterate({ force: true });
  const keys = await ioredis().keys(`${prefix}:${name}:*`);
  assert.deepEqual(keys, []);
});

test('three thousand jobs run to completion', async () => {
  const name = qname('many');
  const q = queue(name);
  let processed = 0;
  worker(name, async () => {
    processed += 1;
  }, { concurrency: 50 });
  const total = 3000;
  for (let i = 0; i < total; i += 500) {
    await q.addBulk(Array.from({ length: 500 }, (_, j) => ({ name: 'n', data: { i: i + j } })));
  }
  await waitFor(async () => (await q.getJobCounts('completed')).completed === total,
    'all jobs completed', 60_000);
  assert.equal(processed, total);
  const counts = await q.getJobCounts('waiting', 'active', 'failed', 'delayed');
  assert.deepEqual(counts, { waiting: 0, active: 0, failed: 0, delayed: 0 });
});
