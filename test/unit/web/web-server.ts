/** An RpcServer with the status page in front of it, on a free loopback port, for one test. */
import type { ExecutionContext } from 'ava';
import { RpcServer } from '../../../src/rpc/server.js';
import { type Logger, silentLogger } from '../../../src/util/logger.js';
import type { WsLimits } from '../../../src/web/hub.js';
import { StatusPage } from '../../../src/web/status-page.js';
import type { WebSource } from '../../../src/web/source.js';
import { type FakeSource, fakeSource } from './fake-source.js';

export const COOKIE = 'cd'.repeat(32);
export const AUTH = `Basic ${Buffer.from(`__cookie__:${COOKIE}`).toString('base64')}`;

export interface TestWebServer {
  port: number;
  fake: FakeSource;
  page: StatusPage;
}

export interface WebServerExtras {
  /** Instead of the silent logger (tests that count log lines). */
  readonly logger?: Logger;
  readonly isLoopback?: (address: string | undefined) => boolean;
}

export async function startWebServer(t: ExecutionContext, limits: Partial<WsLimits> = {}, overrides: Partial<WebSource> = {}, extras: WebServerExtras = {}): Promise<TestWebServer> {
  const fake = fakeSource(overrides);
  const logger = extras.logger ?? silentLogger();
  const page = new StatusPage({ source: fake.source, logger, bindHost: '127.0.0.1', limits, ...(extras.isLoopback === undefined ? {} : { isLoopback: extras.isLoopback }) });
  const rpc = new RpcServer({ host: '127.0.0.1', port: 0, cookie: COOKIE, methods: { getinfo: () => ({ ok: true }) }, logger, web: page });
  page.start();
  const { port } = await rpc.start();
  t.teardown(async () => {
    page.stop();
    await rpc.stop();
  });
  return { port, fake, page };
}
