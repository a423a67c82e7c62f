import { Command, InvalidArgumentError } from 'commander';
import { createPlainReporter } from '../report/plain.ts';
import { PROFILE_INFOS } from '../profiles/info.ts';
import { DEFAULT_STATE_DIR } from './common.ts';
import { InputError } from '../util/errors.ts';

/** The rehearsals of the profile that declares the scenario (data-loss, kts-data-loss, ...), its code loaded. */
async function profileScenario(name: string) {
  const owner = PROFILE_INFOS.find((p) => p.rehearsalNames?.includes(name));
  if (!owner) return undefined;
  const { loadProfile } = await import('../profiles/registry.ts');
  return (await loadProfile(owner.name)).rehearsals;
}

const allScenarioNames = () => PROFILE_INFOS.flatMap((p) => p.rehearsalNames ?? []);

/** `lifeboat rehearse SCENARIO`: build a lab, break it, recover it with the playbook, report, tear down. */

function intIn(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}, got "${v}"`);
    return n;
  };
}

export function registerRehearseCommand(program: Command): void {
  program
    .command('rehearse')
    .description('rehearse a recovery on a throw-away lab of real servers: backup, break, run the playbook, verify, report')
    .argument('<scenario>', `one of: ${allScenarioNames().join(', ')}`)
    .option('--hosts <n>', 'lab hosts (2..8)', intIn(2, 8), 4)
    .option('--entries <n>', 'test entries in the lab', intIn(10, 1_000_000), 1000)
    .option('--deposits <n>', 'deposits in a keytrustee lab', intIn(10, 10_000_000), 10_000)
    .option('--keep', 'keep the lab afterwards instead of tearing it down')
    .option('--state-dir <dir>', 'where runs, backups and reports go', DEFAULT_STATE_DIR)
    .option('--verbose', 'print every engine event, not only the phases')
    .action(async (scenario: string, o: { hosts: number; entries: number; deposits: number; keep?: boolean; stateDir: string; verbose?: boolean }) => {
      // The lab, the profiles and the engine are loaded when a rehearsal runs, so `lifeboat --help` does not wait for them.
      const rehearsals = await profileScenario(scenario);
      if (!rehearsals) throw new InputError(`unknown scenario "${scenario}" (known: ${allScenarioNames().join(', ')})`);
      const { labDown } = await import('../lab/index.ts');
      const { uniqueLabName } = await import('../rehearse/lab-name.ts');
      const reporter = o.verbose ? createPlainReporter(process.stdout) : undefined;
      const started = Date.now();
      const lab = uniqueLabName();
      // Ctrl-C: the lab is throw-away, so remove it rather than leave namespaces and servers behind.
      const onInterrupt = () => {
        process.stderr.write(`\nInterrupted: removing lab ${lab}${o.keep ? ' (--keep ignored)' : ''}\n`);
        void labDown(lab).finally(() => process.exit(3));
      };
      process.once('SIGINT', onInterrupt);
      const r = await rehearsals.run({
        lab,
        scenario,
        hosts: o.hosts,
        entries: o.entries,
        deposits: o.deposits,
        keep: !!o.keep,
        stateDir: o.stateDir,
        onEvent: reporter ? (e) => reporter.onEvent(e) : undefined,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.off('SIGINT', onInterrupt);
      reporter?.close();
      for (const c of r.checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
      process.stdout.write(`rehearsal ${scenario} ${r.ok ? 'PASSED' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n  report: ${r.files.markdown}\n  json:   ${r.files.json}\n`);
      process.exitCode = r.ok ? 0 : 1;
    });
}
