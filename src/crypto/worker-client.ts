/**
 * Main-thread side of the OpenPGP worker: starts pgp-worker (compiled .js from dist/, or the .ts
 * source through tsx when Lifeboat runs from src/) and exposes its job as Node streams. OpenPGP
 * then runs on its own thread, beside SFTP on the main one, instead of taking turns with it.
 */
import { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { CHUNK } from './chunk.ts';
import { CryptoError } from './errors.ts';
import { IN_FLIGHT, transferable, type Flow, type Job, type Status } from './worker-protocol.ts';

/** Same extension as this file: .js in dist/, .ts when running the sources. */
const WORKER_URL = new URL(`./pgp-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function spawn(): Worker {
  if (WORKER_URL.pathname.endsWith('.js')) return new Worker(WORKER_URL);
  // A worker thread does not inherit the parent's loaders: register tsx in it, then load the source.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true });
}

export interface WorkerJob {
  /** Resolves once the job is set up (for decrypt: key matched, passphrase right); rejects with its error. */
  ready: Promise<void>;
  /** What the worker produces. */
  output: Readable;
  /** What the worker consumes (encrypt only; decrypt reads its file itself). */
  input: Writable;
}

function toError(m: Extract<Status, { t: 'error' }>): Error {
  return m.reason ? new CryptoError(m.message, m.reason) : new Error(m.message);
}

export function startWorkerJob(job: Job): WorkerJob {
  const worker = spawn();
  let finished = false;
  const stop = () => {
    if (finished) return;
    finished = true;
    void worker.terminate();
  };
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let isReady = false;

  // Worker -> main: pushed as it arrives; "taken" is acknowledged when the consumer keeps up.
  let owedAcks = 0;
  const output = new Readable({
    highWaterMark: CHUNK,
    read() {
      while (owedAcks > 0) {
        owedAcks--;
        worker.postMessage({ t: 'ack' } satisfies Flow);
      }
    },
    destroy(err, cb) {
      stop();
      cb(err);
    },
  });

  // Main -> worker: what was written since the last message goes as one (writev), and a write
  // completes at once while fewer than IN_FLIGHT messages wait in the worker.
  let unacked = 0;
  let blocked: (() => void) | undefined;
  const input = new Writable({
    highWaterMark: CHUNK,
    writev(chunks: { chunk: Buffer }[], cb) {
      const buf = transferable(chunks.map((c) => c.chunk));
      worker.postMessage({ t: 'data', buf } satisfies Flow, [buf]);
      if (++unacked < IN_FLIGHT) cb();
      else blocked = () => cb();
    },
    final(cb) {
      worker.postMessage({ t: 'end' } satisfies Flow);
      cb();
    },
    destroy(err, cb) {
      if (err) output.destroy(err);
      cb(err);
    },
  });

  const fail = (e: Error) => {
    // Before "ready" the caller holds only the promise (no listener on output yet): reject that.
    if (isReady) output.destroy(e);
    else {
      settle.reject(e);
      output.destroy();
    }
    stop();
  };
  worker.on('message', (m: Flow | Status) => {
    switch (m.t) {
      case 'ready':
        isReady = true;
        settle.resolve();
        return;
      case 'error':
        return fail(toError(m));
      case 'ack': {
        unacked--;
        const b = blocked;
        blocked = undefined;
        b?.();
        return;
      }
      case 'data':
        if (output.push(Buffer.from(m.buf))) worker.postMessage({ t: 'ack' } satisfies Flow);
        else owedAcks++;
        return;
      case 'end':
        output.push(null);
        finished = true; // the worker is done; let it exit on its own as well
        void worker.terminate();
        return;
    }
  });
  worker.on('error', (e) => fail(new Error(`the OpenPGP worker failed: ${e.message}`)));
  worker.on('exit', (code) => {
    if (!finished) fail(new Error(`the OpenPGP worker exited (code ${code}) before its stream ended`));
  });
  worker.postMessage(job);
  return { ready, output, input };
}
