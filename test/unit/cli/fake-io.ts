import { PassThrough } from 'node:stream';
import type { CliIO } from '../../../src/cli/common.ts';

/** Streams for runCli in-process: nothing is a TTY, everything written is kept. */
export function fakeIO(): CliIO & { out: () => string; err: () => string } {
  const capture = () => {
    const s = new PassThrough();
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    return { stream: s as unknown as NodeJS.WriteStream, text: () => text };
  };
  const stdout = capture();
  const stderr = capture();
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  return { stdout: stdout.stream, stderr: stderr.stream, stdin, out: stdout.text, err: stderr.text };
}
