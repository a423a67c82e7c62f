/** A host presented a key that is unknown (under `strict`), changed or revoked: nothing was run. */
export class HostKeyError extends Error {
  constructor(
    readonly host: string,
    /** Fingerprint of the key the host presented, `SHA256:...` as OpenSSH prints it. */
    readonly fingerprint: string,
    /** Where the expected key is (`file:line`), or undefined when the host is unknown. */
    readonly expected: string | undefined,
    readonly reason: 'unknown' | 'changed' | 'revoked',
  ) {
    super(HostKeyError.describe(host, fingerprint, expected, reason));
    this.name = 'HostKeyError';
  }

  private static describe(host: string, fp: string, expected: string | undefined, reason: string): string {
    if (reason === 'revoked') return `host key for ${host} is REVOKED (${fp}, marked at ${expected}); refusing to connect`;
    if (reason === 'unknown')
      return `host key for ${host} is not known (${fp}); add it to known_hosts or use host key policy accept-new`;
    return (
      `host key for ${host} has CHANGED: it presented ${fp}, expected the key at ${expected}. ` +
      `If the host was rebuilt, remove the old entry (ssh-keygen -R) and reconnect`
    );
  }
}
