// Real HTTP servers on 127.0.0.1 with ephemeral ports, closed by the tests that start them.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  readonly server: Server;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly origin: string;
  /** Requests received, as `METHOD path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

const open = new Set<TestServer>();

export async function startServer(listener: RequestListener): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TestServer = {
    server,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        open.delete(handle);
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
        // Keep-alive sockets and requests a test server never answers would hold close() open.
        server.closeAllConnections();
      }),
  };
  open.add(handle);
  return handle;
}

/**
 * A server whose listener needs the server's own origin (a discovery handler's issuer is its URL).
 */
export async function startServerFor(
  makeListener: (origin: string) => RequestListener,
): Promise<TestServer> {
  const slot: { listener?: RequestListener } = {};
  const handle = await startServer((req, res) => {
    slot.listener?.(req, res);
  });
  slot.listener = makeListener(handle.origin);
  return handle;
}

/** Closes every server a test file started and did not close itself. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...open].map((handle) => handle.close()));
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A request with the real global fetch. */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
