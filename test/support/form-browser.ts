import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PASSWORD } from '../outreach/outreach-test-app';

/** A browser, as far as the case page needs: the session cookie, the flash cookie a post leaves, and the form token. */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();
  private csrf = '';
  constructor(private readonly app: NestExpressApplication) {}

  async signIn(username: string, password = PASSWORD): Promise<void> {
    const res = await request(this.app.getHttpServer()).post('/api/auth/sign-in').send({ username, password }).expect(200);
    this.keep(res);
    this.csrf = (res.body as { csrfToken: string }).csrfToken;
  }

  private keep(res: request.Response): void {
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasFlash(): boolean {
    return this.cookies.has('tiltas_flash');
  }

  async get(path: string): Promise<request.Response> {
    const res = await request(this.app.getHttpServer()).get(path).set('Cookie', this.cookie());
    this.keep(res);
    return res;
  }

  async post(path: string, form: Record<string, string>): Promise<request.Response> {
    const res = await request(this.app.getHttpServer()).post(path).set('Cookie', this.cookie()).type('form').send({ ...form, _csrf: this.csrf });
    this.keep(res);
    return res;
  }
}
