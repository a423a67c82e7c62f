/**
 * Lists the entries of a tar archive as it streams past, without extracting anything: only the
 * 512-byte headers are read (and GNU long names / pax paths); file data is skipped. Every header's
 * checksum is checked, so a file that is not a tar, or is cut short, is named as such.
 */

const BLOCK = 512;
/** GNU long-name and pax headers are small; a bigger one means the bytes are not a tar. */
const MAX_META = 1 << 20;

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function octal(field: Buffer): number {
  // GNU base-256 for sizes >= 8 GiB: high bit of the first byte set.
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

const str = (b: Buffer) => b.toString('utf8').replace(/\0.*$/s, '');

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h.subarray(148, 156));
}

function paxPath(meta: Buffer): string | undefined {
  for (const rec of meta.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/s.exec(rec);
    if (m) return m[1];
  }
  return undefined;
}

/** Entry names (directories end with `/`), in archive order. Consumes `source` to its end. */
export async function listTarEntries(source: AsyncIterable<Buffer | Uint8Array>): Promise<string[]> {
  const it = source[Symbol.asyncIterator]();
  let buf = Buffer.alloc(0);
  let done = false;
  const fill = async (n: number): Promise<boolean> => {
    while (buf.length < n && !done) {
      const r = await it.next();
      if (r.done) done = true;
      else buf = buf.length ? Buffer.concat([buf, Buffer.from(r.value)]) : Buffer.from(r.value);
    }
    return buf.length >= n;
  };
  const take = async (n: number, what: string): Promise<Buffer> => {
    if (!(await fill(n))) throw new TarFormatError(`the archive ends in the middle of ${what} (truncated)`);
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  const skip = async (n: number, what: string): Promise<void> => {
    while (n > 0) {
      if (!(await fill(1))) throw new TarFormatError(`the archive ends in the middle of ${what} (truncated)`);
      const d = Math.min(n, buf.length);
      buf = buf.subarray(d);
      n -= d;
    }
  };
  const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

  const names: string[] = [];
  let longName: string | undefined;
  for (;;) {
    if (!(await fill(BLOCK))) {
      if (buf.length === 0 && names.length > 0) break; // no end-of-archive marker: GNU tar accepts it too
      throw new TarFormatError(names.length ? `the archive ends in the middle of a header after ${names.length} entries (truncated)` : 'empty or not a tar archive');
    }
    const h = await take(BLOCK, 'a header');
    if (h.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(h)) throw new TarFormatError(names.length ? `bad tar header after entry ${names.at(-1)} (corrupt)` : 'not a tar archive (the first header\'s checksum is wrong)');
    const size = octal(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]!);
    if (type === 'L' || type === 'x') {
      if (size > MAX_META) throw new TarFormatError(`a ${size}-byte ${type === 'L' ? 'long-name' : 'pax'} header is not plausible (corrupt)`);
      const meta = (await take(padded(size), 'a long-name header')).subarray(0, size);
      longName = type === 'L' ? str(meta) : (paxPath(meta) ?? longName);
      continue;
    }
    if (type === 'g') {
      await skip(padded(size), 'a pax global header');
      continue;
    }
    const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? str(h.subarray(345, 500)) : '';
    const name = longName ?? (prefix ? `${prefix}/${str(h.subarray(0, 100))}` : str(h.subarray(0, 100)));
    longName = undefined;
    names.push(type === '5' && !name.endsWith('/') ? `${name}/` : name);
    // Only regular files (and old-style files, typeflag NUL) carry data; links and directories do not.
    if (type === '0' || type === '\0' || type === '7') await skip(padded(size), `the data of ${name}`);
  }
  // The rest is zero padding up to the record size: read it so the caller's hash covers every byte.
  while (!done) {
    const r = await it.next();
    if (r.done) done = true;
  }
  return names;
}
