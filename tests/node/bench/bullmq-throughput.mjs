// BullMQ throughput: adds N no-op jobs (default 10,000) in bulk to a fresh queue, runs them on
// one Worker with concurrency 50, and prints jobs/s for adding and for processing.
//
//   node tests/node/bench/bullmq-throughput.mjs PORT [JOBS] [CONCURRENCY]
//
// Point it at carmine and at redis-server in turn (same machine, same build type) and compare.
// Needs Lua scripting and streams on the server (BullMQ is built on them).

import { Queue, Worker } from 'bullmq';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node bullmq-throughput.mjs PORT [JOBS] [CONCURRENCY]');
  process.exit(2);
}
const jobs = Number(process.argv[3] ?? 10_000);
const concurrency = Number(process.argv[4] ?? 50);
const host = process.env.REDIS_HOST ?? '127.0.0.1';
const connection = { host, port, maxRetriesPerRequest: null };
const prefix = `bench-bull-${process.pid}`;
const name = 'throughput';

const queue = new Queue(name, { connection, prefix });
queue.setMaxListeners(0);
await queue.obliterate({ force: true });

const addStart = performance.now();
const batch = 1000;
for (let i = 0; i < jobs; i += batch) {
  const n = Math.min(batch, jobs - i);
  await queue.addBulk(Array.from({ length: n }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
}
const addMs = performance.now() - addStart;

let done = 0;
let resolveAll;
const allDone = new Promise((resolve) => {
  resolveAll = resolve;
});
const runStart = performance.now();
const worker = new Worker(name, async () => {}, { connection, prefix, concurrency });
// Counted on 'completed' (after BullMQ moved the job to the completed set), not in the processor.
worker.on('completed', () => {
  done += 1;
  if (done === jobs) resolveAll();
});
worker.on('error', (err) => console.error('worker error:', err.message));
const timeout = setTimeout(() => {
  console.error(`timed out after ${done}/${jobs} jobs`);
  process.exit(1);
}, 600_000);
await allDone;
const runMs = performance.now() - runStart;
clearTimeout(timeout);

const counts = await queue.getJobCounts('completed', 'failed');
await worker.close();
await queue.obliterate({ force: true });
await queue.close();

const rate = (n, ms) => Math.round((n * 1000) / ms);
console.log(
  JSON.stringify({
    port,
    jobs,
    concurrency,
    add_ms: Math.round(addMs),
    add_jobs_per_s: rate(jobs, addMs),
    process_ms: Math.round(runMs),
    process_jobs_per_s: rate(jobs, runMs),
    completed: counts.completed,
    failed: counts.failed,
  }),
);
if (counts.completed !== jobs || counts.failed !== 0) process.exit(1);
