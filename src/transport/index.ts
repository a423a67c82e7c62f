/** The transport: SSH connections, commands, verified transfers. Other modules import from here. */
export type { ExecOptions, ExecResult, RemoteHost, TransferResult } from './types.ts';
export { SshPool, type SshPoolOptions } from './pool.ts';
export { HostKeyError } from './host-key-error.ts';
export { TransferError } from './sftp-transfer.ts';
export { readSshConfig, parseSshConfig, sshConfigFor, type SshConfig, type SshConfigHost } from './ssh-config.ts';
export { checkHostKey, parseKnownHosts, appendKnownHost, type HostKeyCheck } from './known-hosts.ts';
export { knownHostsLine, hashedKnownHostsLine, knownHostsName, fingerprint } from './known-hosts-format.ts';
export { cryptoBindingAvailable } from './native-crypto.ts';
export { shellQuote } from './shell-quote.ts';
