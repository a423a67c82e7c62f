import { addRecord } from '../replication/ldif-build.ts';

/**
 * 389-ds keeps a RUV element for every replica id it has ever seen; one whose server is gone is
 * removed only by a CLEANALLRUV task, added on one replica and carried by the server to every
 * other one (it waits until all have caught up, so it may finish after the run). Without it, a
 * rebuilt host's old id stays in every RUV for good.
 */
export function cleanAllRuvRecord(suffix: string, id: number, stamp: string): string {
  const cn = `lifeboat-clean-${id}-${stamp}`;
  return addRecord(`cn=${cn},cn=cleanallruv,cn=tasks,cn=config`, {
    objectClass: ['top', 'extensibleObject'],
    cn: [cn],
    'replica-base-dn': [suffix],
    'replica-id': [String(id)],
    'replica-force-cleaning': ['no'],
  });
}
