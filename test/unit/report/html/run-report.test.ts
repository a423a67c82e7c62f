import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal, readRunRecord } from '../../../../src/engine/journal.ts';
import { buildRunModel } from '../../../../src/report/html/run-model.ts';
import { renderRunReport } from '../../../../src/report/html/render.ts';
import { writeRunReport } from '../../../../src/report/html/write-report.ts';
import { forgetSecretsForTests, registerSecret } from '../../../../src/util/secrets.ts';

const FIXTURES = new URL('.', import.meta.url).pathname;
const dirs: string[] = [];

/** A run directory holding the recorded data-loss run (4 hosts, 2 suffixes, master ds1). */
async function recordedRun(extraLines: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-report-'));
  dirs.push(dir);
  await copyFile(join(FIXTURES, 'data-loss.run.json'), join(dir, 'run.json'));
  const journal = await readFile(join(FIXTURES, 'data-loss.journal.jsonl'), 'utf8');
  await writeFile(join(dir, 'journal.jsonl'), journal + extraLines.map((l) => `${l}\n`).join(''));
  return dir;
}

afterEach(async () => {
  forgetSecretsForTests();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('the run model from a recorded data-loss journal', () => {
  it('knows the hosts, every agreement with its final state, and the re-init waves', async () => {
    const dir = await recordedRun();
    const m = buildRunModel(await readRunRecord(dir), await readJournal(dir), { ds1: ['ca', 'renewal'], ds4: ['hidden'] });
    expect(m.hosts.map((h) => h.name)).toEqual(['ds1', 'ds2', 'ds3', 'ds4']);
    expect(m.hosts.find((h) => h.name === 'ds1')).toMatchObject({ master: true, roles: ['ca', 'renewal'] });
    // 4 hosts in a mesh on dc=lab,dc=test (12) plus o=ipaca among ds1, ds2, ds4 (6).
    expect(m.agreements).toHaveLength(18);
    expect(m.agreements.every((a) => a.state === 'ok')).toBe(true);
    const waved = m.agreements.filter((a) => a.wave !== undefined).map((a) => `${a.supplier}>${a.consumer} ${a.suffix} ${a.wave}`).sort();
    expect(waved).toEqual([
      'ds1>ds2 dc=lab,dc=test 1', 'ds1>ds2 o=ipaca 1', 'ds1>ds3 dc=lab,dc=test 1', 'ds1>ds4 dc=lab,dc=test 1', 'ds1>ds4 o=ipaca 1',
    ]);
    expect(m.steps).toHaveLength(9);
    expect(m.todo).toEqual([]);
    expect(m.checks.map((c) => c.ok)).toEqual([true, true]);
  });

  it('puts on the critical path the unit each step waited for last', async () => {
    const dir = await recordedRun();
    const m = buildRunModel(await readRunRecord(dir), await readJournal(dir));
    const critical = m.units.filter((u) => u.critical);
    expect(critical).toHaveLength(m.steps.length);
    // The re-init step waited for ds2 (28.4 s, the slowest of the three).
    expect(critical.find((u) => u.step === 6)?.host).toBe('ds2');
  });

  it('an agreement a re-init switched on (389-ds inits only along an enabled one) is not reported still disabled', async () => {
    // Seen on a two-dc lab with a fenced host: ds2-to-ds3, disabled in step 4, was switched on by
    // ds3's re-init from ds2, so step 9 found it "already on" and did not list it as enabled.
    const dir = await recordedRun();
    const lines = await readJournal(dir);
    const reinit = lines.find((l) => l.type === 'host.done' && Array.isArray((l.output as { inits?: unknown })?.inits))!;
    const init = (reinit.output as { inits: { agreement: string; enabledAgreement?: boolean; switchedBackOff?: boolean }[] }).inits[0]!;
    init.enabledAgreement = true;
    for (const l of lines) {
      const out = l.output as { enabled?: string[] } | undefined;
      if (l.type === 'host.done' && Array.isArray(out?.enabled)) out.enabled = out.enabled.filter((dn) => dn !== init.agreement);
    }
    const m = buildRunModel(await readRunRecord(dir), lines);
    expect(m.agreements.filter((a) => a.state === 'disabled')).toEqual([]);
    expect(m.todo).toEqual([]);
    // Off before the run (the disable step found it off; the re-init switched it back off after):
    // shown off, and nothing for the administrator to do about it.
    init.switchedBackOff = true;
    const disable = lines.find((l) => l.type === 'host.done' && Array.isArray((l.output as { disabled?: unknown })?.disabled))!;
    const out = disable.output as { disabled: string[]; alreadyDisabled?: string[] };
    out.disabled = out.disabled.filter((dn) => dn !== init.agreement);
    out.alreadyDisabled = [init.agreement];
    const m2 = buildRunModel(await readRunRecord(dir), lines);
    expect(m2.agreements.filter((a) => a.state === 'disabled').map((a) => a.name)).toHaveLength(1);
    expect(m2.todo).toEqual([]);
  });

  it('says what is left to do when agreements stay disabled and the run failed', async () => {
    const dir = await recordedRun();
    const lines = (await readJournal(dir)).filter((l) => Number(l.step ?? 0) < 7 && l.type !== 'run.done');
    lines.push({ type: 'run.done', runId: 'x', status: 'failed', durationMs: 1, next: 'lifeboat resume x', time: '2026-11-30T20:46:10.000Z' });
    const record = { ...(await readRunRecord(dir)), status: 'failed' as const };
    const m = buildRunModel(record, lines);
    expect(m.status).toBe('failed');
    expect(m.todo[0]).toBe('lifeboat resume x');
    expect(m.agreements.filter((a) => a.state === 'disabled').length).toBeGreaterThan(0);
    expect(m.todo.some((t) => t.includes('still disabled'))).toBe(true);
  });

  it('a run interrupted, then resumed to the end, no longer says to resume it', async () => {
    const dir = await recordedRun();
    const lines = await readJournal(dir);
    const end = lines.findIndex((l) => l.type === 'run.done');
    const interrupted = { type: 'run.done', runId: 'x', status: 'interrupted', durationMs: 1, next: 'finish it with: lifeboat resume x', time: '2026-11-30T20:45:40.000Z' };
    const m = buildRunModel(await readRunRecord(dir), [...lines.slice(0, 20), interrupted, ...lines.slice(20, end), { ...lines[end]!, next: undefined }]);
    expect(m.status).toBe('done');
    expect(m.todo).toEqual([]);
  });
});

describe('the HTML report', () => {
  it('is one offline file with one node per host, one edge per agreement and every step', async () => {
    const dir = await recordedRun();
    const file = await writeRunReport(dir);
    expect(file).toBe(join(dir, 'report.html'));
    const html = await readFile(file, 'utf8');
    expect(html.match(/<g class="host[^"]*" data-host=/g)).toHaveLength(4);
    expect(html.match(/<path class="agreement /g)).toHaveLength(18);
    for (let i = 0; i < 9; i++) expect(html).toContain(`<g class="step" data-step="${i}">`);
    expect(html.match(/<g class="unit critical/g)).toHaveLength(9);
    expect(html.match(/<details class="unit-commands"/g)).toHaveLength(17);
    // Offline: no external resources of any kind.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?http/i);
    expect(html).toContain('@media print');
  });

  it('reads as words: times in UTC, what changed on which host, step names cut with an ellipsis', async () => {
    const html = await readFile(await writeRunReport(await recordedRun()), 'utf8');
    expect(html).toMatch(/Started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC;/);
    const changed = html.slice(html.indexOf('<h2>What changed</h2>'), html.indexOf('<h2>Topology</h2>'));
    expect(changed).toContain('<li data-step="3">Step 4 ');
    expect(changed).toContain('<b>ds3</b>: 3 agreement(s) disabled');
    expect(changed).toMatch(/<li data-step="4">Step 5 [^<]*<ul><li><b>ds1<\/b>: restored lifeboat-data-/);
    expect(html).toMatch(/<text class="step-name"[^>]*>[^<]{45}…<title>/);
  });

  it('never shows a secret, even one that slipped into a journal line', async () => {
    const secret = 'S3cret-Directory-Manager-pw';
    registerSecret(secret);
    const dir = await recordedRun([
      JSON.stringify({ type: 'warning', message: `ldapmodify -w ${secret} failed`, time: '2026-11-30T20:46:16.600Z' }),
    ]);
    const html = await readFile(await writeRunReport(dir), 'utf8');
    expect(html).not.toContain(secret);
    expect(html).toContain('ldapmodify -w *** failed');
  });

  it('escapes what comes from the journal', async () => {
    const dir = await recordedRun();
    const m = buildRunModel(await readRunRecord(dir), await readJournal(dir));
    m.warnings.push('<script>alert(1)</script>');
    const html = renderRunReport(m);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
