// Shared helpers for the real-client suite: where the server is (REDIS_HOST/REDIS_PORT, set by
// tools/node-tests.sh), per-file key prefixes so files can run side by side on one server,
// client factories that are closed after each file, and small waiting utilities.

import { after } from 'node:test';
import net from 'node:net';
import Redis from 'ioredis';
import { createClient } from 'redis';

/** The server's host. */
export const HOST = process.env.REDIS_HOST ?? '127.0.0.1';

if (!process.env.REDIS_PORT) {
  throw new Error('REDIS_PORT is not set: run the suite through tools/node-tests.sh');
}

/** The server's port. */
export const PORT = Number(process.env.REDIS_PORT);

/** "carmine", "redis" or "external": what the runner started. */
export const TARGET = process.env.CARMINE_TARGET ?? 'external';

/** A key prefix unique to this file and process: every key a test writes starts with it. */
export function prefix(name) {
  return `nt:${name}:${process.pid}:${Date.now()}:`;
}

const toClose = [];

after(async () => {
  for (const close of toClose.reverse()) {
    try {
      await close();
    } catch {
      // already closed by the test
    }
  }
});

/** An ioredis client on the server under test, disconnected when the file ends. */
export function ioredis(options = {}) {
  const client = new Redis({
    host: HOST,
    port: PORT,
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    ...options,
  });
  toClose.push(() => client.disconnect());
  return client;
}

/** A connected node-redis client (RESP2 unless `{ RESP: 3 }`), closed when the file ends. */
export async function nodeRedis(options = {}) {
  const client = createClient({ socket: { host: HOST, port: PORT }, ...options });
  client.on('error', () => {});
  await client.connect();
  toClose.push(async () => {
    if (client.isOpen) client.destroy();
  });
  return client;
}

/** Registers a cleanup function to run when the file ends. */
export function onClose(fn) {
  toClose.push(fn);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until it returns a truthy value; rejects with `what` after `timeoutMs`. */
export async function waitFor(fn, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves with the first emission of `event` on `emitter`, rejects after `timeoutMs`. */
export function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for '${event}'`)),
      timeoutMs,
    );
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Collects `count` emissions of `event` (each as its argument array). */
export function collect(emitter, event, count, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(
      () => reject(new Error(`timed out: ${got.length}/${count} '${event}' events`)),
      timeoutMs,
    );
    const on = (...args) => {
      got.push(args);
      if (got.length === count) {
        clearTimeout(timer);
        emitter.off(event, on);
        resolve(got);
      }
    };
    emitter.on(event, on);
  });
}

/**
 * A raw RESP connection: `send(...args)` writes one command, `read()` resolves with the next
 * complete reply's raw bytes as a latin1 string (so tests can assert exact RESP2/RESP3 bytes).
 */
export async function rawConnection() {
  const socket = net.connect(PORT, HOST);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  const waiters = [];
  const pump = () => {
    while (waiters.length > 0) {
      const end = replyEnd(buffer, 0);
      if (end < 0) return;
      const reply = buffer.subarray(0, end).toString('latin1');
      buffer = buffer.subarray(end);
      waiters.shift().resolve(reply);
    }
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    pump();
  });
  const conn = {
    socket,
    send(...args) {
      const parts = [`*${args.length}\r\n`];
      for (const a of args) {
        const b = Buffer.from(String(a));
        parts.push(`$${b.length}\r\n`, b, '\r\n');
      }
      socket.write(Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p)))));
    },
    read(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('raw read timed out')), timeoutMs);
        waiters.push({
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
        pump();
      });
    },
    async call(...args) {
      conn.send(...args);
      return conn.read();
    },
    close() {
      socket.destroy();
    },
  };
  toClose.push(() => socket.destroy());
  return conn;
}

// Index just past the RESP value starting at `at`, or -1 if it is incomplete.
function replyEnd(buf, at) {
  if (at >= buf.length) return -1;
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return -1;
  const type = String.fromCharCode(buf[at]);
  const header = buf.subarray(at + 1, nl).toString('latin1');
  const next = nl + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return next;
    case '$':
    case '=':
    case '!': {
      const n = Number(header);
      if (n < 0) return next;
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = Number(header);
      if (n < 0) return next;
      if (type === '%' || type === '|') n *= 2;
      let pos = next;
      for (let i = 0; i < n; i++) {
        pos = replyEnd(buf, pos);
        if (pos < 0) return -1;
      }
      // An attribute is followed by the value it annotates.
      return type === '|' ? replyEnd(buf, pos) : pos;
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(type)}`);
  }
}
