/**
 * The OpenPGP worker thread: runs one encrypt or decrypt job (the first message) and streams its
 * bytes with the main thread under the credit scheme of worker-protocol.ts. Started by
 * worker-client.ts; one worker per stream, terminated by the main thread when the stream is done.
 */
import { parentPort } from 'node:worker_threads';
import { ReadableStream } from 'node:stream/web';
import { CHUNK } from './chunk.ts';
import { CryptoError } from './errors.ts';
import { encryptInThread, openDecryptInThread } from './pgp-streams.ts';
import { IN_FLIGHT, transferable, type Flow, type Job, type Status } from './worker-protocol.ts';

const port = parentPort!;
const send = (m: Flow | Status, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** Plaintext the main thread sent (encrypt), taken one chunk per read and acknowledged as taken. */
const incoming: (ArrayBuffer | null)[] = [];
let wakeReader: (() => void) | undefined;
/** Chunks sent to the main thread that it has not taken yet. */
let unacked = 0;
let wakeWriter: (() => void) | undefined;

function onFlow(m: Flow): void {
  if (m.t === 'data') incoming.push(m.buf);
  else if (m.t === 'end') incoming.push(null);
  else if (m.t === 'ack') {
    unacked--;
    wakeWriter?.();
    return;
  }
  wakeReader?.();
}

function plaintextFromMain(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (incoming.length === 0) await new Promise<void>((r) => (wakeReader = r));
        const buf = incoming.shift()!;
        if (buf === null) return controller.close();
        controller.enqueue(new Uint8Array(buf));
        send({ t: 'ack' });
      },
    },
    { highWaterMark: 0 },
  );
}

/** Sends the output in ~1 MiB messages, at most IN_FLIGHT of them not yet taken by the main thread. */
async function sendToMain(output: AsyncIterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = async () => {
    const buf = transferable(batch);
    batch = [];
    size = 0;
    send({ t: 'data', buf }, [buf]);
    unacked++;
    while (unacked >= IN_FLIGHT) await new Promise<void>((r) => (wakeWriter = r));
  };
  for await (const chunk of output) {
    batch.push(chunk);
    size += chunk.byteLength;
    if (size >= CHUNK) await flush();
  }
  if (size > 0) await flush();
  send({ t: 'end' });
}

async function run(job: Job): Promise<void> {
  try {
    const output =
      job.t === 'encrypt'
        ? await encryptInThread(plaintextFromMain() as never, job.recipient)
        : await openDecryptInThread(job.input, { keyFile: job.keyFile, passphrase: job.passphrase });
    send({ t: 'ready' });
    await sendToMain(output);
  } catch (e) {
    send({ t: 'error', message: (e as Error)?.message ?? String(e), ...(e instanceof CryptoError ? { reason: e.reason } : {}) });
  }
}

let started = false;
port.on('message', (m: Job | Flow) => {
  if (started) return onFlow(m as Flow);
  started = true;
  void run(m as Job);
});
