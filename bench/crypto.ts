/**
 * Streaming OpenPGP figures: Lifeboat's encryptFile / decryptFile (openpgp, 1 MiB chunks, SEIPDv1)
 * next to gpg on the same file, MB/s and peak RSS of each (each in its own process, measured by
 * /usr/bin/time). Prints figures, never pass/fail.
 *
 *   npx tsx bench/crypto.ts [--size 1G|256M|...] [--buffered] [--dist]
 *
 * --buffered also times openpgp's default decryption (no allowUnauthenticatedStream), which holds
 * the whole plaintext in memory: the reason decryptFile streams into a temporary file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { decryptFile, encryptFile, generateKeyPair, readPrivateKeyFile, unlockPrivateKey } from '../src/crypto/index.ts';
import { arg, parseSize } from './args.ts';
import { measured } from './measured.ts';

const PASS = 'bench-passphrase';
const SELF = fileURLToPath(import.meta.url);



/** Child mode: one operation, prints its own duration (start-up excluded). */
async function child(op: string, input: string, output: string, key: string): Promise<void> {
  const t0 = performance.now();
  if (op === 'encrypt') await encryptFile(input, output, { recipientKeyFile: key });
  else if (op === 'decrypt') await decryptFile(input, output, { keyFile: key, passphrase: PASS });
  else if (op === 'decrypt-buffered') {
    const privateKey = await unlockPrivateKey(await readPrivateKeyFile(key), key, PASS);
    const web = Readable.toWeb(createReadStream(input, { highWaterMark: 1 << 20 })) as unknown as WebReadableStream<Uint8Array>;
    const message = await openpgp.readMessage({ binaryMessage: web as never });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: 'binary' });
    await writeFile(output, Readable.fromWeb(data as unknown as WebReadableStream<Uint8Array>));
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
}

/** The child of --dist: the same operations as child(), from dist/crypto (argv: op input output key). */
const DIST_CHILD = `
const [op, input, output, key] = process.argv.slice(-4);
const lib = await import(${JSON.stringify(new URL('../dist/crypto/index.js', import.meta.url).href)});
const t0 = performance.now();
if (op === 'encrypt') await lib.encryptFile(input, output, { recipientKeyFile: key });
else await lib.decryptFile(input, output, { keyFile: key, passphrase: ${JSON.stringify(PASS)} });
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
`;

interface Figure {
  ms: number;
  rssMiB: number;
}

/** One operation in its own process; `inner` takes the child's own timing (start-up excluded). */
function measuredFigure(argv: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; inner?: boolean } = {}): Figure {
  const m = measured<{ ms: number }>(argv, opts);
  return { ms: opts.inner && m.inner ? m.inner.ms : m.wallMs, rssMiB: m.rssMiB };
}

async function main(): Promise<void> {
  const size = parseSize(arg('size', '1G'));
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-bench-crypto-'));
  const gnupg = path.join(dir, 'gnupg');
  const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
  try {
    const key = await generateKeyPair({ name: 'Bench', passphrase: PASS, outDir: path.join(dir, 'keys') });
    const plain = path.join(dir, 'plain.bin');
    const fd = openSync(plain, 'w');
    const block = Buffer.alloc(1 << 24);
    for (let left = size; left > 0; left -= block.length) writeSync(fd, randomFillSync(block), 0, Math.min(block.length, left));
    closeSync(fd);
    execFileSync('mkdir', ['-m', '700', gnupg]);
    execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--import', key.privateKeyFile], { env: gpgEnv, input: PASS, stdio: ['pipe', 'ignore', 'ignore'] });

    // --dist: the children run the compiled dist/ (what `lifeboat` runs; `npm run build` first), with
    // no tsx in either thread, so the RSS is the shipped one; by default they run the sources.
    // (A file, not -e: the worker thread would inherit -e's --input-type and refuse to start.)
    const distChild = path.join(dir, 'dist-child.mjs');
    writeFileSync(distChild, DIST_CHILD);
    const node = process.argv.includes('--dist') ? [process.execPath, distChild] : [process.execPath, '--import', 'tsx', SELF, '--child'];
    const rows: [string, Figure][] = [];
    const run = (label: string, f: () => Figure) => {
      const fig = f();
      rows.push([label, fig]);
      process.stdout.write(`  ${label.padEnd(44)} ${((size / 1e6) / (fig.ms / 1000)).toFixed(0).padStart(5)} MB/s  ${(fig.ms / 1000).toFixed(1).padStart(6)} s  peak RSS ${fig.rssMiB.toFixed(0).padStart(5)} MiB\n`);
    };
    const enc = path.join(dir, 'lb.gpg');
    const gpgEnc = path.join(dir, 'gpg.gpg');
    const out = (n: string) => path.join(dir, n);
    process.stdout.write(`crypto bench: ${(size / 2 ** 20).toFixed(0)} MiB of random data, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}, node ${process.version}, Lifeboat from ${process.argv.includes('--dist') ? 'dist/' : 'src/ (tsx)'}, openpgp ${openpgp.config.versionString}\n`);
    run('lifeboat encryptFile (openpgp, SEIPDv1)', () => measuredFigure([...node, 'encrypt', plain, enc, key.publicKeyFile], { inner: true }));
    run('gpg --encrypt (no compression)', () =>
      measuredFigure(['gpg', '--batch', '--trust-model', 'always', '--compress-algo', 'none', '-r', key.fingerprint, '-o', gpgEnc, '--encrypt', plain], { env: gpgEnv }),
    );
    run('lifeboat decryptFile (stream to .part)', () => measuredFigure([...node, 'decrypt', enc, out('lb.out'), key.privateKeyFile], { inner: true }));
    rmSync(out('lb.out'));
    run('gpg --decrypt (Lifeboat file)', () =>
      measuredFigure(['gpg', '--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '-o', out('gpg.out'), '--decrypt', enc], { env: gpgEnv, input: PASS }),
    );
    rmSync(out('gpg.out'));
    run('lifeboat decryptFile (gpg file)', () => measuredFigure([...node, 'decrypt', gpgEnc, out('lb2.out'), key.privateKeyFile], { inner: true }));
    rmSync(out('lb2.out'));
    if (process.argv.includes('--buffered')) {
      run('openpgp default decrypt (buffers all)', () => measuredFigure([process.execPath, '--import', 'tsx', SELF, '--child', 'decrypt-buffered', enc, out('buf.out'), key.privateKeyFile], { inner: true }));
    }
    writeFileSync(path.join(dir, 'done'), '');
  } finally {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: gpgEnv });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  const [op, input, output, key] = process.argv.slice(i + 1) as [string, string, string, string];
  await child(op, input, output, key);
} else {
  await main();
}
