import { InputError } from '../util/errors.ts';
import { runLocal } from './run-local.ts';

export const LAB_PACKAGES = ['389-ds-base', 'openssh-server', 'ldap-utils', 'iproute2'];
export const INSTALL_HINT = `apt-get install -y ${LAB_PACKAGES.join(' ')}`;

/** Nothing was changed (exit 2): the machine is not ready for a lab. */
export class LabPrerequisiteError extends InputError {}

async function missingPackages(): Promise<string[]> {
  const r = await runLocal(['dpkg-query', '-W', '-f', '${Package} ${Status}\n', ...LAB_PACKAGES], { allowFail: true });
  const installed = new Set(
    r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return LAB_PACKAGES.filter((p) => !installed.has(p));
}

/**
 * The lab needs root (namespaces, bridge, /etc/hosts). Checked before anything is written, and
 * the message names the packages to install as well when some are missing.
 */
export async function requireRoot(): Promise<void> {
  if (process.getuid?.() === 0) return;
  const missing = await missingPackages().catch(() => LAB_PACKAGES);
  throw new LabPrerequisiteError(
    'the lab needs root (network namespaces, a bridge, /etc/hosts); run it as root' +
      (missing.length ? `, after: apt-get install -y ${missing.join(' ')}` : ''),
  );
}

/** As root: installs whichever of the four Debian packages is missing. */
export async function ensurePackages(log: string): Promise<void> {
  let missing: string[];
  try {
    missing = await missingPackages();
  } catch {
    throw new LabPrerequisiteError(`cannot query installed packages (dpkg-query); the lab needs Debian with: ${INSTALL_HINT}`);
  }
  if (missing.length === 0) return;
  // apt must never stop to ask; the child processes inherit this.
  process.env.DEBIAN_FRONTEND = 'noninteractive';
  await runLocal(['apt-get', 'update'], { log, allowFail: true });
  await runLocal(['apt-get', 'install', '-y', ...missing], { log, allowFail: true });
  const still = await missingPackages();
  if (still.length) throw new LabPrerequisiteError(`could not install ${still.join(' ')} (see ${log}); run: apt-get install -y ${still.join(' ')}`);
}
