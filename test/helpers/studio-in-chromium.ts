import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from './browser';
import { startServe, type ServeHandle } from './serve';
import { tempDir } from './tmp';

/** What an end-to-end test file drives: a real `studio serve` on a fresh workspace and one Chromium page. */
export interface StudioInChromium {
  /** The temporary folder; the workspace is `ws/` inside it, so tests can write their own files beside it. */
  dir: string;
  workspace: string;
  serve: ServeHandle;
  browser: Browser;
  page: Page;
  /** Console errors and uncaught page errors, for tests to assert on. */
  consoleErrors: string[];
  /** Closes the browser, stops the server and removes the folder. */
  stop(): Promise<void>;
}

/** Starts both (light theme, the given viewport); what started is stopped again if a later part fails. */
export async function startStudioInChromium(viewport = { width: 1440, height: 1000 }): Promise<StudioInChromium> {
  const t = tempDir();
  const workspace = join(t.dir, 'ws');
  let serve: ServeHandle | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await serve?.stop();
    t.cleanup();
  };
  try {
    serve = await startServe(workspace);
    browser = await launchChromium();
    const { page, consoleErrors } = await openPage(browser, { viewport, colorScheme: 'light' });
    return { dir: t.dir, workspace, serve, browser, page, consoleErrors, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
