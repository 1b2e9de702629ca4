import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, openPage } from './browser';
import { callApi, startServe, type ServeHandle } from './serve';
import { seedSmallDemo, type SmallDemoOptions } from './small-demo';
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
  /** Calls a contract method over HTTP with the owner's token; a refusal throws, naming the method and why. */
  api: <T>(method: string, args?: unknown) => Promise<T>;
  /** Closes the browser, stops the server and removes the folder. */
  stop(): Promise<void>;
}

type Viewport = { width: number; height: number };

/**
 * Starts both (light theme, the given viewport); what started is stopped again if a later part fails. With
 * `smallDemo`, the workspace is first seeded with a small demo (test/helpers/small-demo.ts; by default 42 held-out
 * pairs, not the demo's 274), for tests whose point is not the demo's own numbers.
 */
export async function startStudioInChromium(
  viewport: Viewport = { width: 1440, height: 1000 },
  options: { smallDemo?: SmallDemoOptions } = {},
): Promise<StudioInChromium> {
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
    if (options.smallDemo) await seedSmallDemo(workspace, options.smallDemo);
    serve = await startServe(workspace);
    browser = await launchChromium();
    const { page, consoleErrors } = await openPage(browser, { viewport, colorScheme: 'light' });
    const { port, token } = serve;
    const api = async <T>(method: string, args: unknown = {}): Promise<T> => {
      const { json } = await callApi(port, token, method, args);
      if (!json.ok) throw new Error(`${method}: ${json.error?.message}`);
      return json.value as T;
    };
    return { dir: t.dir, workspace, serve, browser, page, consoleErrors, api, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The one studio a test file drives: started in the file's beforeAll (then
 * `setup`, given the started studio, prepares what every test needs, within
 * `setupTimeoutMs`) and stopped in its afterAll. The returned object reads
 * the started studio's parts, so it may be used in any test or later hook.
 */
export function useStudioInChromium(
  options: {
    viewport?: Viewport;
    /** Seed the workspace with a small demo first (see startStudioInChromium). */
    smallDemo?: SmallDemoOptions;
    setup?: (studio: StudioInChromium) => Promise<void>;
    setupTimeoutMs?: number;
  } = {},
): StudioInChromium {
  let started: StudioInChromium | undefined;
  beforeAll(async () => {
    started = await startStudioInChromium(options.viewport, options.smallDemo ? { smallDemo: options.smallDemo } : {});
    await options.setup?.(started);
  }, options.setupTimeoutMs);
  afterAll(() => started?.stop());
  return new Proxy({} as StudioInChromium, {
    get(_, key) {
      if (!started) throw new Error(`studio.${String(key)} was read before the studio started: use it in a test or a later hook.`);
      return Reflect.get(started, key) as unknown;
    },
  });
}
