import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';

const run = promisify(execFile);

/** Headless Chromium (Debian's `chromium`); root needs --no-sandbox. No network: the page must not need it. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>'];

/** The DOM after the page loaded and ran. */
export async function chromiumDom(htmlFile: string): Promise<string> {
  const { stdout } = await run('chromium', [...FLAGS, '--dump-dom', pathToFileURL(htmlFile).href], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A PNG screenshot of the page at the given window size. */
export async function chromiumScreenshot(htmlFile: string, pngFile: string, size = '1200,1600'): Promise<void> {
  await run('chromium', [...FLAGS, `--screenshot=${pngFile}`, `--window-size=${size}`, pathToFileURL(htmlFile).href], { timeout: 120_000 });
}
