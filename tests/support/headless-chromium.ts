import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (installed by .ci/run), driven by playwright-core; it never downloads a browser. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  // A fresh profile per run; playwright takes it as the persistent context's user-data-dir.
  const profile = mkdtempSync(join(tmpdir(), 'bullite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    headless: true,
    viewport: { width: 1400, height: 820 },
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
