import { CsrfInput, csrfProblem } from './csrf';

const base: CsrfInput = {
  method: 'POST',
  origin: undefined,
  referer: undefined,
  allowedOrigins: ['https://tiltas.example', 'http://127.0.0.1:3000'],
  bearer: false,
  sessionToken: null,
  presentedToken: undefined,
  preSessionCookie: undefined,
};

describe('csrfProblem', () => {
  it('lets safe methods through whatever their origin', () => {
    expect(csrfProblem({ ...base, method: 'GET', origin: 'https://evil.example' })).toBeNull();
  });

  it('refuses a post whose Origin names another site, even with a valid session token', () => {
    expect(csrfProblem({ ...base, origin: 'https://evil.example', sessionToken: 'tok', presentedToken: 'tok' })).toMatch(/another site/);
  });

  it('refuses a post whose Referer names another site when there is no Origin', () => {
    expect(csrfProblem({ ...base, referer: 'https://evil.example/page', sessionToken: 'tok', presentedToken: 'tok' })).toMatch(/another site/);
  });

  it('accepts a cookie-signed-in post from the public origin that echoes the session token', () => {
    expect(csrfProblem({ ...base, origin: 'https://tiltas.example', sessionToken: 'tok', presentedToken: 'tok' })).toBeNull();
  });

  it('refuses a cookie-signed-in post from the right origin without the session token', () => {
    expect(csrfProblem({ ...base, origin: 'https://tiltas.example', sessionToken: 'tok' })).toMatch(/expired/);
    expect(csrfProblem({ ...base, origin: 'https://tiltas.example', sessionToken: 'tok', presentedToken: 'other' })).toMatch(/expired/);
  });

  it('exempts bearer-token requests, which no browser sends by itself', () => {
    expect(csrfProblem({ ...base, origin: 'https://evil.example', bearer: true })).toBeNull();
  });

  it('accepts a signed-out post from an allowed origin (the sign-in form)', () => {
    expect(csrfProblem({ ...base, origin: 'http://127.0.0.1:3000' })).toBeNull();
  });

  it('asks a signed-out post with a hidden origin (Origin: null) for the pre-session token', () => {
    expect(csrfProblem({ ...base, origin: 'null' })).toMatch(/expired/);
    expect(csrfProblem({ ...base, origin: 'null', preSessionCookie: 'pre', presentedToken: 'pre' })).toBeNull();
    expect(csrfProblem({ ...base, origin: 'null', preSessionCookie: 'pre', presentedToken: 'nope' })).toMatch(/expired/);
  });

  it('treats a malformed Origin as another site', () => {
    expect(csrfProblem({ ...base, origin: 'not a url' })).toMatch(/another site/);
  });
});
