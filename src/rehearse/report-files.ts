import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check } from './checks.ts';
import type { RunTimings } from './run-timings.ts';

export interface Phase {
  name: string;
  ms: number;
  ok: boolean;
  detail?: string;
}

export interface RehearsalReport {
  scenario: string;
  lab: string;
  hosts: number;
  entries: number;
  started: string;
  finished: string;
  ok: boolean;
  phases: Phase[];
  run?: { runId: string; runDir: string; status: string; failed?: { step: number; host: string; error: string } };
  backup?: string;
  checks: Check[];
  timings?: RunTimings;
  kept: boolean;
  inventoryFile: string;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function reportMarkdown(r: RehearsalReport): string {
  const lines = [
    `# Rehearsal: ${r.scenario} — ${r.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `Lab \`${r.lab}\`: ${r.hosts} hosts, ${r.entries} entries. Started ${r.started}, finished ${r.finished}.`,
    r.run ? `Playbook run \`${r.run.runId}\` (${r.run.status}), journal in \`${r.run.runDir}\`.` : 'The playbook did not run.',
    r.backup ? `Backup: \`${r.backup}\`.` : '',
    '',
    '## Phases',
    '',
    '| phase | time | ok | detail |',
    '| --- | ---: | --- | --- |',
    ...r.phases.map((p) => `| ${p.name} | ${secs(p.ms)} | ${p.ok ? 'yes' : 'NO'} | ${(p.detail ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`),
    '',
    '## Checks',
    '',
    ...r.checks.map((c) => `- ${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}`),
  ];
  if (r.timings) {
    const t = r.timings;
    lines.push('', '## Playbook steps', '', '| # | step | action | wall time |', '| ---: | --- | --- | ---: |');
    for (const s of t.steps) lines.push(`| ${s.index + 1} | ${s.name} | ${s.action} | ${secs(s.durationMs)} |`);
    if (t.inits.length) {
      lines.push('', `Re-initializations (servers' own timestamps, 1 s resolution): ${secs(t.reinitServerMs)} in total (overlapping ones counted once).`, '');
      for (const i of t.inits) lines.push(`- ${i.supplier} → ${i.consumer} (${i.suffix}): ${secs(i.endMs - i.startMs)}`);
    }
  }
  if (r.kept) lines.push('', `The lab was kept: inventory \`${r.inventoryFile}\`; remove it with \`lifeboat lab down --name ${r.lab}\`.`);
  return `${lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n')}\n`;
}

export async function writeReport(dir: string, r: RehearsalReport): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const markdown = join(dir, 'rehearsal.md');
  const json = join(dir, 'rehearsal.json');
  await writeFile(markdown, reportMarkdown(r));
  await writeFile(json, `${JSON.stringify(r, null, 2)}\n`);
  return { markdown, json };
}
