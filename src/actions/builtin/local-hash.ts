import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** sha256 and size of a local file, streamed (backups are large). */
export async function localSha256(path: string): Promise<{ sha256: string; bytes: number }> {
  const { size } = await stat(path);
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return { sha256: h.digest('hex'), bytes: size };
}

/** `0600`, `"600"` or 384 -> 384; undefined stays undefined. */
export function parseMode(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (!/^0?[0-7]{3,4}$/.test(s)) throw new Error(`mode must be octal like 0600, got ${JSON.stringify(v)}`);
  return parseInt(s, 8);
}
