/**
 * Why a file could not be read or written, in words a person reads: `no such file`, not `ENOENT`
 * (nor Node's "ENOENT: no such file or directory, open '…'", which repeats the path).
 */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

export function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && WORDS[code]) return WORDS[code]!;
  return code ?? (err instanceof Error ? err.message : String(err));
}
