/**
 * Transport figures over loopback against a private OpenSSH server (its own port, host key and
 * authorized key; the system sshd is not touched): SFTP put/get MB/s next to scp of the same file,
 * and exec round-trip latency next to `ssh` with ControlMaster. Prints figures, never pass/fail.
 *
 * P3: fetch+encrypt and decrypt+upload as streams, next to each stage alone; each operation runs in
 * its own process (bench/pipeline-child.ts) and prints its own peak RSS, its CPU and the sshd's.
 * P4: `inventory check` of --hosts N inventory hosts (default 60, IdM's largest topology), all
 * served by this one sshd with OpenSSH's default MaxStartups 10:30:100 — harsher than 60 servers,
 * each with its own limit — timed, with the hosts lost and the refused handshakes retried.
 *
 *   npx tsx bench/transport.ts [--size 1G|300M|...] [--rounds 200] [--hosts 60] [--keep-shell-rc]
 *   npx tsx bench/transport.ts --only check [--hosts 60]      (P4 only: no file transfers)
 *   npx tsx bench/transport.ts --only pipeline [--size 1G[,4G]] [--dist]   (P3 only: the backup pipelines)
 *
 * --dist: the pipeline children run the compiled dist/ (`npm run build` first) with no tsx loaded,
 * as `lifeboat` runs; the peak RSS is then the shipped one.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import type { Inventory } from '../src/inventory/types.ts';
import { SshPool, cryptoBindingAvailable } from '../src/transport/index.ts';
import { checkHosts } from '../src/cli/inventory-check.ts';
import { arg, parseSize } from './args.ts';
import { measured } from './measured.ts';
import { PIPELINE_OPS, type PipelineFigure, type PipelineJob, type PipelineOp } from './pipeline-child.ts';
import { yardsticks, type StageFigure } from './pipeline-yardstick.ts';
import { childrenReaped, reapedCpuOf } from './reaped-cpu.ts';



async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}

async function writeSeeded(path: string, bytes: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 3), Buffer.alloc(16, 0));
  const fh = await open(path, 'w');
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= zeros.length) await fh.write(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
  await fh.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** A bare ssh2 connection for the fastPut/fastGet reference figures. */
async function rawSsh2(port: number, user: string, keyFile: string) {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve()).once('error', reject);
    const sock = connect(port, '127.0.0.1', () => {
      sock.setNoDelay(true);
      // The private sshd this bench just started; its key is checked by the pooled connection.
      client.connect({ sock, username: user, privateKey: readFileSync(keyFile), hostVerifier: () => true });
    });
  });
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((e, s) => (e ? reject(e) : resolve(s))));
  return {
    time: async (fn: (s: SFTPWrapper, cb: (err?: Error | null) => void) => void): Promise<number> => {
      const t = performance.now();
      await new Promise<void>((resolve, reject) => fn(sftp, (err) => (err ? reject(err) : resolve())));
      return performance.now() - t;
    },
    exec: (command: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const t = performance.now();
        client.exec(command, (err, ch) => {
          if (err) return reject(err);
          ch.resume();
          ch.stderr.resume();
          ch.on('close', () => resolve(performance.now() - t));
        });
      }),
    end: () => client.end(),
  };
}

/**
 * `inventory check` of n hosts that all resolve to the bench sshd: the same checkHosts the CLI
 * runs (10 handshakes at a time), then all n at once through one pool (jittered retries only).
 */
async function checkMany(base: Inventory['hosts'][number], n: number): Promise<string[]> {
  const hosts = Array.from({ length: n }, (_, i) => ({ ...base, name: `h${String(i + 1).padStart(2, '0')}` }));
  const inv: Inventory = { file: 'bench', cluster: 'bench', profile: '389ds', vars: {}, groups: {}, secrets: {}, hosts };
  const out: string[] = [];
  for (const mode of ['inventory check (10 handshakes at a time)', `all ${n} connections at once`]) {
    let retries = 0;
    const pool = new SshPool(inv, { sshConfigPath: null, onEvent: (e) => (retries += /retrying in/.test(e.message) ? 1 : 0) });
    const t0 = performance.now();
    let ok = 0;
    let detail = '';
    if (mode.startsWith('inventory')) {
      const rows = await checkHosts(inv, pool);
      ok = rows.filter((r) => r.reachable && !r.error).length;
      // Where the time goes: a host's connect includes its wait for a handshake slot.
      const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
      const conn = rows.map((r) => r.connectMs ?? NaN);
      const lat = rows.map((r) => r.latencyMs ?? NaN);
      detail = `; connect (slot wait + handshake) median ${pct(conn, 0.5)} ms, max ${pct(conn, 1)} ms; \`true\` median ${pct(lat, 0.5)} ms, max ${pct(lat, 1)} ms`;
    } else {
      const got = await Promise.allSettled(hosts.map(async (h) => (await (await pool.get(h.name)).exec('true')).code));
      ok = got.filter((g) => g.status === 'fulfilled' && g.value === 0).length;
    }
    const ms = performance.now() - t0;
    await pool.closeAll();
    out.push(`${mode}: ${n} hosts in ${(ms / 1000).toFixed(2)} s, ${ok} of ${n} OK (${n - ok} lost), ${retries} refused handshakes retried${detail}`);
  }
  return out;
}

const PIPELINE_CHILD = fileURLToPath(new URL('./pipeline-child.ts', import.meta.url));

/**
 * How to start a pipeline child: from src/ under tsx, or with --dist from dist/ with no tsx at all
 * (pipeline-child.ts transpiled into `dir`, so neither thread loads tsx: the shipped RSS).
 */
function pipelineChild(dir: string): { argv: string[]; lib: string; ext: string } {
  if (!process.argv.includes('--dist')) {
    return { argv: [process.execPath, '--import', 'tsx', PIPELINE_CHILD, '--pipeline-job'], lib: new URL('../src/', import.meta.url).href, ext: '.ts' };
  }
  const js = join(dir, 'pipeline-child.mjs');
  writeFileSync(js, transformSync(readFileSync(PIPELINE_CHILD, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' }).code);
  return { argv: [process.execPath, js, '--pipeline-job'], lib: new URL('../dist/', import.meta.url).href, ext: '.js' };
}

interface OpFigure extends PipelineFigure {
  rssMiB: number;
  /** CPU seconds of the sshd session that served it (0 when it used no connection). */
  sshdCpuS: number;
}

/**
 * P3: the backup pipelines against each stage alone, each operation in its own process (its own
 * peak RSS). fetch+encrypt = backup.create's download through the encrypting Encoder;
 * decrypt+upload = backup.restore's send of the decrypting stream into a remote command's stdin. Two yardsticks per pipeline
 * (bench/pipeline-yardstick.ts): x the slower stage alone, and x the CPU bound of this machine.
 */
async function pipelines(inventory: Inventory, sshdPid: number, dir: string, remoteDir: string, src: string, size: number): Promise<{ lines: string[]; rss: Map<string, number> }> {
  const { generateKeyPair } = await import('../src/crypto/index.ts');
  const passphrase = 'bench-pass';
  const key = await generateKeyPair({ name: 'Bench', passphrase, outDir: join(dir, `keys-${size}`) });
  const remoteSrc = join(remoteDir, 'archive.tar');
  copyFileSync(src, remoteSrc);
  const child = pipelineChild(dir);
  const encrypted = join(dir, 'alone.gpg');
  const outs: Record<PipelineOp, string> = {
    download: join(dir, 'alone.tar'),
    encrypt: encrypted,
    'fetch+encrypt': join(dir, 'pipe.gpg'),
    upload: join(remoteDir, 'up-alone.tar'),
    decrypt: '',
    'decrypt+upload': join(remoteDir, 'up-pipe.tar'),
  };
  const figs: Partial<Record<PipelineOp, OpFigure>> = {};
  // --ops a,b: only these (for experiments; the decrypting ones need 'encrypt' first).
  const ops = PIPELINE_OPS.filter((op) => arg('ops', PIPELINE_OPS.join(',')).split(',').includes(op));
  for (const op of ops) {
    const job: PipelineJob = {
      op, lib: child.lib, ext: child.ext, inventory, src, remoteSrc, encrypted, out: outs[op],
      publicKeyFile: key.publicKeyFile, privateKeyFile: key.privateKeyFile, passphrase,
    };
    const sshd0 = reapedCpuOf(sshdPid);
    const m = measured<PipelineFigure>(child.argv, { input: JSON.stringify(job) });
    await childrenReaped(sshdPid);
    if (!m.inner) throw new Error(`${op}: the child printed no figures`);
    figs[op] = { ...m.inner, rssMiB: m.rssMiB, sshdCpuS: reapedCpuOf(sshdPid) - sshd0 };
    if (op !== 'encrypt' && outs[op]) rmSync(outs[op], { force: true });
  }
  rmSync(encrypted, { force: true });
  rmSync(remoteSrc);
  const cores = cpus().length;
  const stage = (f: OpFigure): StageFigure => ({ ms: f.ms, cpuS: f.cpuS + f.sshdCpuS });
  const line = (op: PipelineOp) => {
    const f = figs[op]!;
    return `  ${op.padEnd(15)} ${mbps(size, f.ms).toFixed(0).padStart(4)} MB/s ${(f.ms / 1000).toFixed(1).padStart(6)} s  peak RSS ${f.rssMiB.toFixed(0).padStart(4)} MiB  CPU ${f.cpuS.toFixed(1)} s (main thread ${(f.mainBusy * 100).toFixed(0)}% busy) + sshd ${f.sshdCpuS.toFixed(1)} s`;
  };
  const verdict = (name: string, a: PipelineOp, b: PipelineOp, pipe: PipelineOp) => {
    const [fa, fb, fp] = [figs[a], figs[b], figs[pipe]];
    if (!fa || !fb || !fp) return [];
    const y = yardsticks(size, stage(fa), stage(fb), fp.ms, cores);
    return [`  ${name}: ${y.vsSlowerStage.toFixed(2)}x the slower stage alone; ${y.vsCpuBound.toFixed(2)}x the CPU bound (${y.boundMBps.toFixed(0)} MB/s, ${y.cpuLimited ? `the stages' CPU / ${cores} cores` : 'the slower stage'} sets it)`];
  };
  const mib = (size / 2 ** 20).toFixed(0);
  return {
    lines: [
      `P3 ${mib} MiB, each operation in its own process (load ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`,
      ...ops.map(line),
      ...verdict('fetch+encrypt ', 'download', 'encrypt', 'fetch+encrypt'),
      ...verdict('decrypt+upload', 'decrypt', 'upload', 'decrypt+upload'),
    ],
    rss: new Map(ops.map((op) => [op, figs[op]!.rssMiB])),
  };
}

/** Peak RSS per operation and size side by side, so whether it stays flat is visible. */
function rssTable(bySize: [string, Map<string, number>][]): string[] {
  if (bySize.length < 2) return [];
  return [
    `peak RSS (MiB)   ${bySize.map(([s]) => s.padStart(10)).join('')}`,
    ...PIPELINE_OPS.filter((op) => bySize[0]![1].has(op)).map((op) => `  ${op.padEnd(15)}${bySize.map(([, m]) => (m.get(op) ?? NaN).toFixed(0).padStart(10)).join('')}`),
  ];
}

async function main(): Promise<void> {
  // --size 1G,4G (pipeline only): every size in turn, then their peak RSS side by side.
  const sizes = arg('size', '1G').split(',').map(parseSize);
  const size = sizes[0]!;
  const rounds = Number(arg('rounds', '200'));
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-'));
  const port = await freePort();
  let sshd: ChildProcess | undefined;
  let pool: SshPool | undefined;
  let shellNote = '';
  try {
    // A private sshd: own host key, own authorized key, loopback only.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `ListenAddress 127.0.0.1`,
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'LogLevel ERROR',
        'Subsystem sftp internal-sftp',
      ].join('\n') + '\n',
    );
    if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 }); // privilege separation dir
    const sshdArgs = ['-D', '-e', '-p', String(port), '-f', join(dir, 'sshd_config')];
    // Root's ~/.bashrc here runs `pyenv init` (~280 ms per command under sshd). It is hidden from
    // this sshd only — bind-mounted over with /dev/null in the sshd's own mount namespace — so the
    // figures measure the transport; --keep-shell-rc measures with it.
    const rc = join(homedir(), '.bashrc');
    const hideRc = !process.argv.includes('--keep-shell-rc') && existsSync(rc);
    shellNote = hideRc ? `${rc} hidden from the bench sshd (own mount namespace); --keep-shell-rc to include it` : 'shell start-up files included';
    sshd = hideRc
      ? spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind /dev/null "$0" && exec /usr/sbin/sshd "$@"', rc, ...sshdArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('/usr/sbin/sshd', sshdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdLog = '';
    sshd.stderr!.on('data', (d: Buffer) => (sshdLog += d.toString()));
    await waitForPort(port, 5000).catch((err: Error) => {
      throw new Error(`${err.message}\n${sshdLog}`);
    });
    const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/);
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);

    const user = process.env.USER || 'root';
    const sshOpts = ['-F', '/dev/null', '-i', join(dir, 'client_key'), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];

    const inv: Inventory = {
      file: join(dir, 'inventory.yaml'),
      cluster: 'bench',
      profile: '389ds',
      vars: {},
      groups: {},
      secrets: {},
      hosts: [
        {
          name: 'local',
          address: '127.0.0.1',
          roles: [],
          groups: [],
          vars: {},
          ssh: {
            user, port, identityFile: join(dir, 'client_key'), knownHosts, hostKeyPolicy: 'strict',
            become: false, useAgent: false, connectTimeoutMs: 10000, keepaliveMs: 15000, connectRetries: 3,
          },
        },
      ],
    };
    const only = arg('only', '');
    const checkLines = only === 'pipeline' ? [] : await checkMany(inv.hosts[0]!, Number(arg('hosts', '60')));
    if (only === 'check') {
      console.log(`P4 against one OpenSSH sshd (default MaxStartups 10:30:100) on 127.0.0.1; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
      for (const l of checkLines) console.log(l);
      return;
    }
    const src = join(dir, 'src.bin');
    const remoteDir = join(dir, 'remote');
    mkdirSync(remoteDir);
    const sshdPid = sshd.pid!;
    if (only === 'pipeline') {
      console.log(`P3 pipelines (Lifeboat from ${process.argv.includes('--dist') ? 'dist/' : 'src/ (tsx)'}) over loopback to one sshd on ${cpus().length} cores`);
      const bySize: [string, Map<string, number>][] = [];
      for (const s of sizes) {
        process.stderr.write(`generating ${s} bytes...\n`);
        await writeSeeded(src, s);
        const p = await pipelines(inv, sshdPid, dir, remoteDir, src, s);
        for (const l of p.lines) console.log(l);
        bySize.push([`${(s / 2 ** 20).toFixed(0)} MiB`, p.rss]);
        rmSync(src);
      }
      for (const l of rssTable(bySize)) console.log(l);
      return;
    }
    process.stderr.write(`generating ${size} bytes...\n`);
    await writeSeeded(src, size);
    const pipelineLines = (await pipelines(inv, sshdPid, dir, remoteDir, src, size)).lines;
    pool = new SshPool(inv, { sshConfigPath: null });
    const connectStart = performance.now();
    const host = await pool.get('local');
    const connectMs = performance.now() - connectStart;
    const rows: [string, string, string][] = [];
    const put = await host.put(src, join(remoteDir, 'put.bin'));
    const get = await host.get(join(remoteDir, 'put.bin'), join(dir, 'get.bin'));
    rmSync(join(dir, 'get.bin'));
    rmSync(join(remoteDir, 'put.bin'));
    // ssh2's own fastPut/fastGet with the same tuning, no hashing: what the stream path costs.
    const raw = await rawSsh2(port, user, join(dir, 'client_key'));
    const fastPutMs = await raw.time((sftp, cb) => sftp.fastPut(src, join(remoteDir, 'fast.bin'), { chunkSize: 261120, concurrency: 64 }, cb));
    const fastGetMs = await raw.time((sftp, cb) => sftp.fastGet(join(remoteDir, 'fast.bin'), join(dir, 'fast-back.bin'), { chunkSize: 261120, concurrency: 64 }, cb));
    const defGetMs = await raw.time((sftp, cb) => sftp.fastGet(join(remoteDir, 'fast.bin'), join(dir, 'fast-back.bin'), cb));
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) bare.push(await raw.exec('true'));
    raw.end();
    rmSync(join(dir, 'fast-back.bin'));
    rmSync(join(remoteDir, 'fast.bin'));
    const scpUp = timed(() => execFileSync('scp', ['-q', ...sshOpts, '-P', String(port), src, `${user}@127.0.0.1:${join(remoteDir, 'scp.bin')}`]));
    const scpDown = timed(() => execFileSync('scp', ['-q', ...sshOpts, '-P', String(port), `${user}@127.0.0.1:${join(remoteDir, 'scp.bin')}`, join(dir, 'scp-back.bin')]));
    rmSync(join(dir, 'scp-back.bin'));
    rmSync(join(remoteDir, 'scp.bin'));
    rows.push(['upload (put, incl. remote sha256 check)', `${mbps(size, put.durationMs).toFixed(0)} MB/s`, `scp ${mbps(size, scpUp).toFixed(0)} MB/s — lifeboat at ${(scpUp / put.durationMs).toFixed(2)}x scp`]);
    rows.push(['download (get, incl. remote sha256 check)', `${mbps(size, get.durationMs).toFixed(0)} MB/s`, `scp ${mbps(size, scpDown).toFixed(0)} MB/s — lifeboat at ${(scpDown / get.durationMs).toFixed(2)}x scp`]);
    rows.push(['ssh2 fastPut / fastGet, tuned, no hashing', `${mbps(size, fastPutMs).toFixed(0)} / ${mbps(size, fastGetMs).toFixed(0)} MB/s`, `ssh2 default fastGet ${mbps(size, defGetMs).toFixed(0)} MB/s`]);

    // Exec round trip on the one pooled connection.
    const ours: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await host.exec('true');
      if (r.code !== 0) throw new Error(`exec failed: ${r.stderr}`);
      ours.push(r.durationMs);
    }
    // OpenSSH with a ControlMaster: the first call opens the master, then each call is a new ssh process.
    const ctl = join(dir, 'ctl');
    const cm = [...sshOpts, '-p', String(port), '-o', 'ControlMaster=auto', '-o', `ControlPath=${ctl}`, '-o', 'ControlPersist=60', `${user}@127.0.0.1`];
    execFileSync('ssh', [...cm, 'true']);
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) theirs.push(timed(() => execFileSync('ssh', [...cm, 'true'])));
    const fresh: number[] = [];
    for (let i = 0; i < 10; i++) fresh.push(timed(() => execFileSync('ssh', [...sshOpts, '-p', String(port), `${user}@127.0.0.1`, 'true'])));
    spawnSync('ssh', [...cm.slice(0, -1), '-O', 'exit', `${user}@127.0.0.1`], { stdio: 'ignore' });
    rows.push([`exec round trip (median of ${rounds})`, `${median(ours).toFixed(1)} ms`, `ssh ControlMaster ${median(theirs).toFixed(1)} ms (lifeboat at ${(median(ours) / median(theirs)).toFixed(2)}x); new ssh connection ${median(fresh).toFixed(0)} ms`]);
    rows.push(['  same without the kill wrapper (bare ssh2)', `${median(bare).toFixed(1)} ms`, '']);
    rows.push(['connect to ready (ssh2)', `${connectMs.toFixed(0)} ms`, '']);

    // A timeout must stop the remote process for real, not just close the channel.
    const marker = `sleep 3599.${process.pid}`;
    const stop = await host.exec(`${marker}; echo never`, { timeoutMs: 500 });
    const stopStart = performance.now();
    let left = 'yes';
    for (let i = 0; i < 50; i++) {
      if (spawnSync('pgrep', ['-f', marker]).status !== 0) {
        left = 'no';
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    rows.push(['exec timeout 500 ms: result / process left', `${stop.timedOut ? 'timed out' : 'NOT timed out'} in ${stop.durationMs.toFixed(0)} ms`, `left running: ${left} (checked ${(performance.now() - stopStart).toFixed(0)} ms later)`]);

    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log(`Lifeboat transport over loopback: ${(size / 1024 / 1024).toFixed(0)} MiB file, OpenSSH ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}`);
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (figures are noisy when the machine is busy)`);
    console.log(`shell start-up: ${shellNote}`);
    console.log(`ssh2 native crypto binding: ${cryptoBindingAvailable() ? 'available' : 'NOT available (pure-JS ciphers, slower)'}`);
    console.log(`${'measure'.padEnd(w0)}  ${'lifeboat'.padEnd(w1)}  openssh`);
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
    for (const l of checkLines) console.log(`P4 ${l}`);
    for (const l of pipelineLines) console.log(l);
  } finally {
    await pool?.closeAll();
    if (sshd && sshd.exitCode === null) {
      sshd.kill('SIGTERM');
      await new Promise((r) => sshd!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
