/** GET http://ip:port/event/ with a hard timeout; resolves a sample or rejects. */
import { request } from 'node:http';
import { PimanError } from '../errors.js';
import { parseHealth, type HealthSample } from './health.js';

const MAX_BODY = 64 * 1024;

export function probeHealth(ip: string, port: number, timeoutMs: number): Promise<HealthSample> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path: '/event/', method: 'GET', timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new PimanError('E_DECODE', `health endpoint of ${ip} answered HTTP ${res.statusCode}`));
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) req.destroy(new PimanError('E_DECODE', `health endpoint of ${ip} sent more than 64 KiB`));
      });
      res.on('end', () => {
        try {
          resolve(parseHealth(body));
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new PimanError('E_DECODE', `health endpoint of ${ip}:${port} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
