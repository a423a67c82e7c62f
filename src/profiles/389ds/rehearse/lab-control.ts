import { labKill, labRevive } from '../../../lab/index.ts';
import type { LabSession } from './lab-session.ts';
import type { LabControl } from './scenarios.ts';

/** Binds the scenarios' lab operations to the lab module; connections to a changed host are dropped. */
export function labControl(lab: string, session: LabSession): LabControl {
  return {
    async kill(host) {
      await labKill(lab, host);
      await session.reset();
    },
    async replace(host) {
      await labRevive(lab, host);
      await session.reset();
    },
  };
}
