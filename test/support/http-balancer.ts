import { createServer, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

export interface BalancerOptions {
  /**
   * Sees each request and the backend's answer to it; returning false withholds the answer: the caller never hears
   * back (as when it dies just after the backend did the work).
   */
  pass?: (req: IncomingMessage, answer: IncomingMessage) => boolean;
}

/**
 * A round-robin HTTP balancer in front of `backends` (ports on 127.0.0.1), as a load balancer is: each request goes
 * to the next backend, or, when that one refuses the connection (it was killed), to the one after (nginx's
 * `proxy_next_upstream error`). Per request, not per connection (a keep-alive connection from a client outlives the
 * backend it first reached), and a new connection to the backend for each (a pooled one to a killed backend would
 * fail the request instead of moving it).
 */
export async function startBalancer(backends: number[], options: BalancerOptions = {}): Promise<Balancer> {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++;
      const forward = (tries: number) => {
        const port = backends[(first + backends.length - tries) % backends.length];
        const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
          if (options.pass?.(req, answer) === false) {
            answer.resume();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED' && tries > 1) forward(tries - 1);
          else res.destroy(); // reset mid-request (that backend was killed while it held it): the caller sees it fail
        });
        upstream.end(body);
      };
      forward(backends.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
