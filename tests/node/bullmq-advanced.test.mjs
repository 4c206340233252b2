// BullMQ beyond plain queues: repeatable jobs (job schedulers: every and cron pattern),
// FlowProducer parent/child trees (children first, parent sees their results), the worker rate
// limiter, and job progress/logs through QueueEvents. PENDING until Lua and streams land.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';
import { bullPrefix, connection, track } from './bullmq-helpers.mjs';
import { waitFor } from './helpers.mjs';

const prefix = bullPrefix('adv');
let n = 0;
const qname = (what) => `${what}-${++n}`;

function queue(name) {
  return track(new Queue(name, { connection, prefix }));
}
function worker(name, fn, opts = {}) {
  const w = track(new Worker(name, fn, { connection, prefix, ...opts }));
  w.on('error', () => {});
  return w;
}

test('a job scheduler repeats every N ms up to its limit', async () => {
  const name = qname('sched');
  const q = queue(name);
  const runs = [];
  worker(name, async (job) => {
    runs.push({ at: Date.now(), data: job.data, name: job.name });
  });
  await q.upsertJobScheduler('tick', { every: 150, limit: 3 }, { name: 'tick-job',
    data: { hello: 'world' } });
  assert.equal(await q.getJobSchedulersCount(), 1);
  const [sched] = await q.getJobSchedulers();
  assert.equal(sched.key, 'tick');
  assert.equal(sched.every, 150);
  await waitFor(() => runs.length === 3, 'three scheduled runs', 30_000);
  assert.ok(runs.every((r) => r.name === 'tick-job' && r.data.hello === 'world'));
  // Runs land on 150 ms slots; a late first run (a loaded machine) can eat into the first
  // slot, so only a full period between the first and the third is certain.
  assert.ok(runs[2].at - runs[0].at >= 150, `spread ${runs[2].at - runs[0].at}`);
  assert.equal(await q.removeJobScheduler('tick'), true);
  assert.equal(await q.getJobSchedulersCount(), 0);
});

test('upserting a scheduler replaces it; a cron pattern schedules too', async () => {
  // (BullMQ 6 dropped the `repeat` job option; job schedulers replace it.)
  const name = qname('upsert');
  const q = queue(name);
  const runs = [];
  worker(name, async (job) => {
    runs.push(job.name);
  });
  await q.upsertJobScheduler('s', { every: 60_000 }, { name: 'slow' });
  await q.upsertJobScheduler('s', { every: 100, limit: 2 }, { name: 'fast' });
  assert.equal(await q.getJobSchedulersCount(), 1);
  await waitFor(() => runs.filter((r) => r === 'fast').length === 2, 'two fast runs', 30_000);
  await q.removeJobScheduler('s');
  await q.upsertJobScheduler('cron', { pattern: '* * * * * *', limit: 1 }, { name: 'cron' });
  await waitFor(() => runs.includes('cron'), 'the cron run', 30_000);
  const [sched] = await q.getJobSchedulers();
  assert.equal(sched.pattern, '* * * * * *');
});

test('FlowProducer: children run first, the parent reads their values', async () => {
  const parentQ = qname('flow-parent');
  const childQ = qname('flow-child');
  const order = [];
  // Workers start only after the tree is checked (autorun: false, then run()).
  const children = worker(childQ, async (job) => {
    order.push(`child:${job.data.part}`);
    return job.data.part * 10;
  }, { concurrency: 3, autorun: false });
  const parent = worker(parentQ, async (job) => {
    order.push('parent');
    const values = await job.getChildrenValues();
    return Object.values(values).reduce((a, b) => a + b, 0);
  }, { autorun: false });
  const pq = queue(parentQ);
  const events = track(new QueueEvents(parentQ, { connection, prefix }));
  await events.waitUntilReady();
  const flow = track(new FlowProducer({ connection, prefix }));
  const tree = await flow.add({
    name: 'assemble',
    queueName: parentQ,
    data: {},
    children: [1, 2, 3].map((part) => ({ name: 'part', queueName: childQ, data: { part } })),
  });
  assert.equal(tree.children.length, 3);
  assert.equal(await tree.job.getState(), 'waiting-children');
  assert.equal(await tree.children[0].job.getState(), 'waiting');
  children.run().catch(() => {});
  parent.run().catch(() => {});
  assert.equal(await tree.job.waitUntilFinished(events, 30_000), 60);
  assert.equal(order.at(-1), 'parent');
  assert.deepEqual(order.slice(0, 3).sort(), ['child:1', 'child:2', 'child:3']);
  const deps = await (await pq.getJob(tree.job.id)).getDependenciesCount();
  assert.equal(deps.processed, 3);
});

test('the rate limiter caps jobs per duration', async () => {
  const name = qname('limited');
  const q = queue(name);
  const times = [];
  worker(name, async () => {
    times.push(Date.now());
  }, { concurrency: 10, limiter: { max: 3, duration: 400 } });
  await q.addBulk(Array.from({ length: 7 }, (_, i) => ({ name: 'l', data: { i } })));
  await waitFor(() => times.length === 7, 'seven rate-limited jobs', 30_000);
  // 7 jobs at 3 per 400 ms need at least two full windows.
  assert.ok(times[6] - times[0] >= 700, `spread ${times[6] - times[0]} ms`);
  const firstWindow = times.filter((t) => t - times[0] < 350).length;
  assert.ok(firstWindow <= 3, `${firstWindow} jobs in the first window`);
});

test('progress and logs reach QueueEvents', async () => {
  const name = qname('progress');
  const q = queue(name);
  const events = track(new QueueEvents(name, { connection, prefix }));
  await events.waitUntilReady();
  const progress = [];
  events.on('progress', ({ data }) => progress.push(data));
  worker(name, async (job) => {
    await job.updateProgress(50);
    await job.log('halfway');
    await job.updateProgress({ step: 'done' });
    return 'ok';
  });
  const job = await q.add('p', {});
  assert.equal(await job.waitUntilFinished(events, 30_000), 'ok');
  await waitFor(() => progress.length === 2, 'two progress events');
  assert.deepEqual(progress, [50, { step: 'done' }]);
  const { logs, count } = await q.getJobLogs(job.id);
  assert.equal(count, 1);
  assert.deepEqual(logs, ['halfway']);
});
