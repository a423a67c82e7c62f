/** POSIX single-quoting for a path or word placed in a remote command line. */
export function shq(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Describes what goes to stdin in a plan without showing a secret: masked, shortened. */
export function describeStdin(text: string, masked: string): string {
  const lines = text.split('\n').length;
  const shown = masked.length > 120 ? masked.slice(0, 120) + '…' : masked;
  return `${lines} line${lines === 1 ? '' : 's'}: ${JSON.stringify(shown)}`;
}
