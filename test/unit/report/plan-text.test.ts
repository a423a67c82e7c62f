import { afterEach, describe, expect, it } from 'vitest';
import { formatPlan } from '../../../src/report/plan-text.ts';
import { forgetSecretsForTests, registerSecret } from '../../../src/util/secrets.ts';

describe('plan text', () => {
  afterEach(() => forgetSecretsForTests());

  it('lists per step and host the exact commands, stdin and notes, masking secrets', () => {
    registerSecret('Secret123!');
    const lines = formatPlan(
      {
        steps: [
          {
            index: 0,
            name: 'Disable agreements',
            action: 'replication.disable',
            confirm: 'sure?',
            hosts: [
              { host: 'ds1', commands: [{ host: 'ds1', command: 'ldapmodify -Y EXTERNAL -H ldapi://%2frun%2fslapd-lab.socket', stdin: 'LDIF, 12 lines' }] },
              { host: 'ds2', parent: 'ds1', commands: [{ host: 'ds2', command: 'echo Secret123!', note: 'leaks?' }] },
            ],
          },
          { index: 1, name: 'Nothing', action: 'shell', hosts: [] },
        ],
      },
      'Plan: pb.yaml on inv.yaml',
    );
    expect(lines).toEqual([
      'Plan: pb.yaml on inv.yaml',
      '',
      '[1/2] Disable agreements  (replication.disable, asks for confirmation)',
      '  ds1',
      '    $ ldapmodify -Y EXTERNAL -H ldapi://%2frun%2fslapd-lab.socket',
      '      stdin: LDIF, 12 lines',
      '  ds2  (after ds1)',
      '    $ echo ***',
      '      # leaks?',
      '',
      '[2/2] Nothing  (shell)',
      '  (no hosts)',
      '',
      'Nothing was changed.',
    ]);
  });
});
