/**
 * POSTs one JSON body to a webhook URL (http or https) with a hard timeout
 * over the whole exchange; resolves the status code. The answer's body is
 * read and thrown away (at most 64 KiB, then the socket is closed), and
 * errors never carry the URL: its path is the secret.
 */
import http from 'node:http';
import https from 'node:https';
import { PimanError } from '../errors.js';

const MAX_ANSWER = 64 * 1024;

export function postJson(url: URL, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'piman' },
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new PimanError('E_WEBHOOK', `no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    const finish = (f: () => void): void => {
      clearTimeout(timer);
      f();
    };
    req.on('response', (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_ANSWER) res.destroy();
      });
      const status = res.statusCode ?? 0;
      res.on('end', () => finish(() => resolve(status)));
      res.on('close', () => finish(() => resolve(status)));
      res.on('error', () => finish(() => resolve(status)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(new PimanError('E_WEBHOOK', e instanceof PimanError ? e.message : (e.code ?? 'request failed')))));
    req.end(body);
  });
}
