/** The SFTP side of the test SSH server: requests served from the real filesystem. */
import * as fs from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, SFTPWrapper } from 'ssh2';

const { utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

/** Requests being served right now, and the most there ever were at once. */
export interface InFlight {
  inFlight: number;
  max: number;
}

/** `reads` counts the READ requests in flight. */
export function serveSftp(sftp: SFTPWrapper, cwd: string, reads?: InFlight): void {
  const handles = new Map<number, { fd?: number; dir?: string[]; }>();
  let nextHandle = 1;
  const at = (p: string) => resolvePath(cwd, p);

  const newHandle = (entry: { fd?: number; dir?: string[] }): Buffer => {
    const id = nextHandle++;
    handles.set(id, entry);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id, 0);
    return b;
  };
  const lookup = (h: Buffer) => (h.length === 4 ? handles.get(h.readUInt32BE(0)) : undefined);
  const fail = (reqId: number, err: NodeJS.ErrnoException) =>
    sftp.status(reqId, err.code === 'ENOENT' ? STATUS.NO_SUCH_FILE : err.code === 'EACCES' ? STATUS.PERMISSION_DENIED : STATUS.FAILURE, err.message);
  const done = (reqId: number) => (err: NodeJS.ErrnoException | null) => (err ? fail(reqId, err) : sftp.status(reqId, STATUS.OK));
  const sendStats = (reqId: number) => (err: NodeJS.ErrnoException | null, st: fs.Stats) =>
    err ? fail(reqId, err) : sftp.attrs(reqId, toAttrs(st));

  sftp.on('OPEN', (reqId, filename, flags, attrs) => {
    const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o644;
    fs.open(at(filename), utils.sftp.flagsToString(flags) ?? 'r', mode, (err, fd) =>
      err ? fail(reqId, err) : sftp.handle(reqId, newHandle({ fd })),
    );
  });
  sftp.on('READ', (reqId, handle, offset, len) => {
    const h = lookup(handle);
    if (h?.fd === undefined) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    const buf = Buffer.allocUnsafe(len);
    if (reads) reads.max = Math.max(reads.max, ++reads.inFlight);
    fs.read(h.fd, buf, 0, len, offset, (err, n) => {
      if (reads) reads.inFlight--;
      if (err) return fail(reqId, err);
      if (n === 0) return sftp.status(reqId, STATUS.EOF);
      sftp.data(reqId, buf.subarray(0, n));
    });
  });
  sftp.on('WRITE', (reqId, handle, offset, data) => {
    const h = lookup(handle);
    if (h?.fd === undefined) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    fs.write(h.fd, data, 0, data.length, offset, (err) => done(reqId)(err));
  });
  sftp.on('FSTAT', (reqId, handle) => {
    const h = lookup(handle);
    if (h?.fd === undefined) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    fs.fstat(h.fd, sendStats(reqId));
  });
  sftp.on('FSETSTAT', (reqId, handle, attrs) => {
    const h = lookup(handle);
    if (h?.fd === undefined) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    if (typeof attrs.mode === 'number') fs.fchmod(h.fd, attrs.mode & 0o7777, done(reqId));
    else sftp.status(reqId, STATUS.OK);
  });
  sftp.on('SETSTAT', (reqId, path, attrs) => {
    if (typeof attrs.mode === 'number') fs.chmod(at(path), attrs.mode & 0o7777, done(reqId));
    else sftp.status(reqId, STATUS.OK);
  });
  sftp.on('CLOSE', (reqId, handle) => {
    const h = lookup(handle);
    if (!h) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    handles.delete(handle.readUInt32BE(0));
    if (h.fd !== undefined) fs.close(h.fd, done(reqId));
    else sftp.status(reqId, STATUS.OK);
  });
  sftp.on('OPENDIR', (reqId, path) => {
    fs.readdir(at(path), (err, names) => (err ? fail(reqId, err) : sftp.handle(reqId, newHandle({ dir: names }))));
  });
  sftp.on('READDIR', (reqId, handle) => {
    const h = lookup(handle);
    if (!h?.dir) return sftp.status(reqId, STATUS.FAILURE, 'bad handle');
    if (h.dir.length === 0) return sftp.status(reqId, STATUS.EOF);
    const names = h.dir.splice(0, h.dir.length);
    sftp.name(reqId, names.map((n) => ({ filename: n, longname: n, attrs: {} as Attributes })));
  });
  sftp.on('STAT', (reqId, path) => fs.stat(at(path), sendStats(reqId)));
  sftp.on('LSTAT', (reqId, path) => fs.lstat(at(path), sendStats(reqId)));
  sftp.on('REALPATH', (reqId, path) => {
    const full = at(path);
    sftp.name(reqId, [{ filename: full, longname: full, attrs: {} as Attributes }]);
  });
  sftp.on('RENAME', (reqId, from, to) => fs.rename(at(from), at(to), done(reqId)));
  sftp.on('REMOVE', (reqId, path) => fs.unlink(at(path), done(reqId)));
  sftp.on('RMDIR', (reqId, path) => fs.rmdir(at(path), done(reqId)));
  sftp.on('MKDIR', (reqId, path, attrs) => {
    const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o755;
    fs.mkdir(at(path), { mode }, done(reqId));
  });
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.fd !== undefined) fs.close(h.fd, () => undefined);
    handles.clear();
  });
}

function toAttrs(st: fs.Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}
