/** A host presented a key that is unknown (under `strict`), changed or revoked: nothing was run. */
export class HostKeyError extends Error {
  constructor(
    readonly host: string,
    /** Fingerprint of the key the host presented, `SHA256:...` as OpenSSH prints it. */
    readonly fingerprint: string,
    /** Where the expected key is (`file:line`), or undefined when the host is unknown. */
    readonly expected: string | undefined,
    readonly reason: 'unknown' | 'changed' | 'revoked',
    /** The known_hosts file and the name the host is looked up under there (`addr` or `[addr]:port`), for the fix. */
    readonly knownHosts?: { file: string; name: string; address: string; port: number },
  ) {
    super(HostKeyError.describe(host, fingerprint, expected, reason, knownHosts));
    this.name = 'HostKeyError';
  }

  private static describe(host: string, fp: string, expected: string | undefined, reason: string, kh?: HostKeyError['knownHosts']): string {
    if (reason === 'revoked') return `host key for ${host} is REVOKED (${fp}, marked at ${expected}); refusing to connect`;
    if (reason === 'unknown') {
      // The exact commands: scan the key, compare its fingerprint with the host's own, then append it.
      const scan = kh ? ` (\`ssh-keyscan${kh.port === 22 ? '' : ` -p ${kh.port}`} ${kh.address} > key && ssh-keygen -lf key\` shows ${fp} if it is really that host; then \`cat key >> ${kh.file}\`)` : '';
      return `host key for ${host} is not known (${fp}); add it to ${kh ? kh.file : 'known_hosts'}${scan}, or use --accept-new-host-keys / host_key_policy accept-new`;
    }
    return (
      `host key for ${host} has CHANGED: it presented ${fp}, expected the key at ${expected}. ` +
      `If the host was rebuilt, remove the old entry (${kh ? `ssh-keygen -R '${kh.name}' -f ${kh.file}` : 'ssh-keygen -R'}) and reconnect`
    );
  }
}
