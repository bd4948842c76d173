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

  it("takes a multipart post's token from the query string only when the post names this site as its origin", () => {
    const upload = { ...base, sessionToken: 'tok', multipart: true, queryToken: 'tok' };
    expect(csrfProblem({ ...upload, origin: 'https://tiltas.example' })).toBeNull();
    expect(csrfProblem({ ...upload, referer: 'https://tiltas.example/admin/extracts' })).toBeNull();
    expect(csrfProblem({ ...upload, origin: 'https://tiltas.example', queryToken: 'other' })).toMatch(/expired/);
    expect(csrfProblem({ ...upload, origin: 'https://evil.example' })).toMatch(/another site/);
    // No origin to check (or a hidden one): the token must come in the body or the header, as for any form.
    expect(csrfProblem({ ...upload })).toMatch(/expired/);
    expect(csrfProblem({ ...upload, origin: 'null' })).toMatch(/expired/);
    // Any other body reaches the guard parsed: its token is in the body, never taken from a URL.
    expect(csrfProblem({ ...upload, origin: 'https://tiltas.example', multipart: false })).toMatch(/expired/);
  });
});
