import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '@mesh/harness';

/** Flags that keep Debian's Chromium quiet and self-contained in a headless, network-less run. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's chromium, as setup links it (Playwright's own browser download is not used). */
export function chromiumPath(): string {
  return join(repoRoot(), '.tools', 'bin', 'chromium');
}

/**
 * One page in real headless Chromium, with every console error and uncaught exception
 * recorded, and screenshots saved under the suite's run directory.
 */
export class ConsoleBrowser {
  readonly errors: string[] = [];

  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
    readonly screenshotDir: string,
  ) {}

  static async launch(runDir: string): Promise<ConsoleBrowser> {
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mesh-console-chromium-')), {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 960 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const screenshots = join(runDir, 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    const browser = new ConsoleBrowser(context, page, screenshots);
    page.on('console', (message) => {
      if (message.type() === 'error') browser.errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => browser.errors.push(`page: ${error.message}`));
    return browser;
  }

  async screenshot(name: string): Promise<string> {
    const path = join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
