/**
 * Host and cluster names become path parts (`runs/<id>/fetched/<host>/`, `backups/<cluster>/`):
 * a name such as `../../x` would write outside those directories. Refused at load.
 */
export function pathNameProblem(name: string): string | undefined {
  if (/[/\\\0]/.test(name)) return 'cannot contain "/", "\\" or NUL (it names a directory)';
  if (name === '.' || name.includes('..')) return 'cannot be "." or contain ".." (it names a directory)';
  if (/^\s|\s$/.test(name)) return 'cannot start or end with white space';
  return undefined;
}
