import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the stand-in received it, with the number of the connection it came on. */
export interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as form fields, in order (repeated keys repeat). */
  form: Array<[string, string]>;
  socket: number;
}

/** How the stand-in answers a request: a status and a JSON body, no answer at all (`hold`), or a dropped connection (`reset`). */
export type StandInAnswer = { status: number; body: unknown } | 'hold' | 'reset';

/** Twilio's answer to a create: a queued call for the Calls resource, else a queued text. */
export const queued = (req: Pick<Seen, 'path'>): StandInAnswer => ({
  status: 201,
  body: req.path.endsWith('Calls.json') ? { sid: `CA${'a'.repeat(32)}`, status: 'queued' } : { sid: `SM${'b'.repeat(32)}`, status: 'queued' },
});

type Numbered = Socket & { n?: number };

/**
 * A local stand-in for api.twilio.com (telephony specs): records exactly what arrived — each request with the
 * connection it came on, and how many connections were opened — and answers as `answer` says.
 */
export class TwilioStandIn {
  readonly seen: Seen[] = [];
  /** Connections opened so far; each request's `socket` is the number of its own. */
  connections = 0;
  answer: (req: Seen) => StandInAnswer = queued;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, form: [...new URLSearchParams(body).entries()], socket: (req.socket as Numbered).n ?? 0 };
      this.seen.push(seen);
      const answer = this.answer(seen);
      if (answer === 'hold') return;
      if (answer === 'reset') return void req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });

  constructor() {
    this.server.on('connection', (socket: Numbered) => (socket.n = ++this.connections));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  last(): Seen {
    const last = this.seen.at(-1);
    if (last === undefined) throw new Error('no request seen');
    return last;
  }
}
