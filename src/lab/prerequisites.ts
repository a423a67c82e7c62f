import { runLocal } from './run-local.ts';

export const LAB_PACKAGES = ['389-ds-base', 'openssh-server', 'ldap-utils', 'iproute2'];
export const INSTALL_HINT = `apt-get install -y ${LAB_PACKAGES.join(' ')}`;

export class LabPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabPrerequisiteError';
  }
}

async function missingPackages(): Promise<string[]> {
  const r = await runLocal(['dpkg-query', '-W', '-f', '${Package} ${Status}\n', ...LAB_PACKAGES], { allowFail: true });
  const installed = new Set(
    r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return LAB_PACKAGES.filter((p) => !installed.has(p));
}

/**
 * The lab needs root (namespaces, bridge, /etc/hosts) and four Debian packages. As root it installs
 * what is missing; otherwise it says exactly what to run.
 */
export async function ensurePrerequisites(log: string): Promise<void> {
  const root = process.getuid?.() === 0;
  let missing: string[];
  try {
    missing = await missingPackages();
  } catch {
    throw new LabPrerequisiteError(`cannot query installed packages (dpkg-query); the lab needs Debian with: ${INSTALL_HINT}`);
  }
  if (!root) {
    throw new LabPrerequisiteError(
      `the lab needs root (network namespaces, a bridge, /etc/hosts).` +
        (missing.length ? ` Missing packages; as root run: apt-get install -y ${missing.join(' ')}` : ' Run it as root.'),
    );
  }
  if (missing.length === 0) return;
  // apt must never stop to ask; the child processes inherit this.
  process.env.DEBIAN_FRONTEND = 'noninteractive';
  await runLocal(['apt-get', 'update'], { log, allowFail: true });
  await runLocal(['apt-get', 'install', '-y', ...missing], { log });
  const still = await missingPackages();
  if (still.length) throw new LabPrerequisiteError(`could not install ${still.join(' ')}; run: ${INSTALL_HINT}`);
}
