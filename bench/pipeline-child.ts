/**
 * One P3 operation in its own process (bench/transport.ts runs this file once per operation, so
 * each peak RSS is that operation's own). Imports Lifeboat from src/ (run under tsx) or from dist/
 * (bench/transport.ts transpiles this file for --dist, so no tsx is loaded in either thread).
 * Prints {ms, cpuS, mainBusy} of the operation itself: connecting and loading keys come before.
 *
 *   node [--import tsx] bench/pipeline-child.ts --pipeline-job < job.json   (a PipelineJob)
 */
import { createReadStream } from 'node:fs';
import { performance as perf } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type * as SourceCrypto from '../src/crypto/index.ts';
import type * as SourceTransport from '../src/transport/index.ts';
import type { Inventory } from '../src/inventory/types.ts';

export const PIPELINE_OPS = ['download', 'encrypt', 'fetch+encrypt', 'upload', 'decrypt', 'decrypt+upload'] as const;
export type PipelineOp = (typeof PIPELINE_OPS)[number];

export interface PipelineJob {
  op: PipelineOp;
  /** Where Lifeboat is loaded from: the src/ or dist/ directory, as a file URL ending in '/'. */
  lib: string;
  /** '.ts' for src/, '.js' for dist/. */
  ext: string;
  inventory: Inventory;
  /** Local plaintext, remote plaintext, encrypted file, where to write, the key pair. */
  src: string;
  remoteSrc: string;
  encrypted: string;
  out: string;
  publicKeyFile: string;
  privateKeyFile: string;
  passphrase: string;
}

export interface PipelineFigure {
  ms: number;
  /** CPU seconds of this process (all threads) during the operation. */
  cpuS: number;
  /** Share of the operation's time the main thread's event loop was busy. */
  mainBusy: number;
}

async function run(job: PipelineJob): Promise<PipelineFigure> {
  const crypto = (await import(new URL(`crypto/index${job.ext}`, job.lib).href)) as typeof SourceCrypto;
  const transport = (await import(new URL(`transport/index${job.ext}`, job.lib).href)) as typeof SourceTransport;
  const needsHost = job.op !== 'encrypt' && job.op !== 'decrypt';
  const pool = needsHost ? new transport.SshPool(job.inventory, { sshConfigPath: null }) : undefined;
  try {
    const host = pool ? await pool.get(job.inventory.hosts[0]!.name) : undefined;
    // Only the operations that encrypt load the key (and openpgp with it) before the clock starts.
    const recipient = job.op === 'fetch+encrypt' ? await crypto.readPublicKeyFile(job.publicKeyFile) : undefined;
    const decrypting = (onWorker = false) => crypto.openDecryptStream(job.encrypted, { keyFile: job.privateKeyFile, passphrase: job.passphrase, onWorker });
    const drain = async (r: Readable) => {
      for await (const _ of r) void _;
    };
    // As backup.restore sends an archive: into a remote command's stdin, hashed on both sides (there
    // `tee` into tar and the hash; here into the file and the hash).
    const send = async (source: Readable) => {
      const hasher = crypto.hashingPassThrough();
      const r = await host!.exec(`tee '${job.out}' | openssl dgst -sha256 -r`, { stdin: source.pipe(hasher), timeoutMs: 3_600_000 });
      const theirs = r.stdout.trim().split(/\s+/)[0];
      if (r.code !== 0 || theirs !== hasher.result().sha256) throw new Error(`upload not verified: exit ${r.code}, ${r.stderr.trim()}`);
    };
    const ops: Record<PipelineOp, () => Promise<unknown>> = {
      download: () => host!.get(job.remoteSrc, job.out),
      encrypt: () => crypto.encryptFile(job.src, job.out, { recipientKeyFile: job.publicKeyFile }),
      'fetch+encrypt': () => host!.get(job.remoteSrc, job.out, { encode: crypto.encryptingEncoder(recipient!) }),
      upload: () => send(createReadStream(job.src, { highWaterMark: 1 << 20 })),
      decrypt: async () => drain(await decrypting(false)),
      // As backup.restore runs it: decryption on the worker.
      'decrypt+upload': async () => send(await decrypting(true)),
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const elu0 = perf.eventLoopUtilization();
    await ops[job.op]();
    const cpu = process.cpuUsage(cpu0);
    return { ms: performance.now() - t0, cpuS: (cpu.user + cpu.system) / 1e6, mainBusy: perf.eventLoopUtilization(elu0).utilization };
  } finally {
    await pool?.closeAll();
  }
}

if (process.argv.includes('--pipeline-job')) {
  // The job comes on stdin: it holds the key's passphrase, kept out of argv.
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  process.stdout.write(JSON.stringify(await run(JSON.parse(text) as PipelineJob)));
}
