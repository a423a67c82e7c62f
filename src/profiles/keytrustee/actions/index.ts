import type { Action } from '../../../actions/types.ts';
import { ktsActiveFromPassive } from './active-from-passive.ts';
import { ktsConfdirCopy } from './confdir-copy.ts';
import { ktsBackupCheck } from './backup-check.ts';
import { ktsBackupCreate } from './backup-create.ts';
import { ktsBackupRestore } from './backup-restore.ts';
import { ktsPreflight } from './preflight.ts';
import { ktsServiceStart, ktsServiceStop } from './service.ts';
import { ktsStandbyRebuild } from './standby-rebuild.ts';
import { ktsVerifyPair } from './verify-pair.ts';

/** The keytrustee verbs; `backup.*` and `service.*` share their names with the 389ds ones. */
export const ktsActions: Action[] = [
  ktsPreflight, ktsBackupCreate, ktsBackupCheck, ktsBackupRestore, ktsServiceStop, ktsServiceStart, ktsStandbyRebuild, ktsActiveFromPassive, ktsConfdirCopy, ktsVerifyPair,
];
