import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { parsePlaybook } from '../../../src/playbook/index.ts';
import { tempDir } from '../inventory/temp-files.ts';

// The complete examples in the README's formats section must stay valid: they are what users copy.
const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const section = readme.slice(readme.indexOf('## Inventory and playbook formats'), readme.indexOf('## Actions'));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const tmp = tempDir();

describe('README format examples', () => {
  it('has the three complete examples', () => {
    expect(blocks).toHaveLength(3);
  });

  it('the Lifeboat inventory example loads without warnings', async () => {
    const inv = await loadInventory(tmp.write('doc-inventory.yaml', blocks[0]!));
    expect(inv.hosts.map((h) => h.name)).toEqual(['ds1', 'ds2', 'ds3']);
    expect(inv.warnings).toBeUndefined();
  });

  it('the Ansible inventory example loads', async () => {
    const inv = await loadInventory(tmp.write('doc-ansible.yaml', blocks[1]!));
    expect(inv.profile).toBe('ipa');
    expect(inv.hosts.map((h) => [h.name, h.roles])).toEqual([
      ['ipa1', ['ca']],
      ['ipa2', []],
      ['ipa3', ['kra', 'dns']],
    ]);
    expect(inv.hosts[1]!.ssh.become).toBe(true);
  });

  it('the playbook example loads', () => {
    const pb = parsePlaybook('doc-playbook.yaml', blocks[2]!);
    expect(pb.steps.map((s) => s.do)).toEqual(['replication.disable', 'backup.restore', 'replication.reinit']);
    expect(pb.params.stopped).toMatchObject({ type: 'list', default: [] });
  });
});
