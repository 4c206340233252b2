// BullMQ helpers shared by the bullmq-*.test.mjs files and the throughput bench: connection
// options for the server under test, a per-file key prefix, and tracking of every Queue, Worker,
// QueueEvents and FlowProducer so they are closed when the file ends.

import { after } from 'node:test';
import { HOST, PORT } from './helpers.mjs';

/** ioredis options BullMQ needs (workers block, so no per-request retry limit). */
export const connection = { host: HOST, port: PORT, maxRetriesPerRequest: null };

const open = [];

after(async () => {
  for (const thing of open.reverse()) {
    try {
      await thing.close();
    } catch {
      // closing a half-failed worker can throw; the test already reported the failure
    }
  }
});

/** Registers a BullMQ object to be closed after the file, and returns it. */
export function track(thing) {
  open.push(thing);
  return thing;
}

/** A BullMQ key prefix unique to this file and process. */
export function bullPrefix(name) {
  return `nt-bull-${name}-${process.pid}`;
}
