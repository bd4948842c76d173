import { ResponseLinkTokens, normaliseToken } from './response-link-token';

describe('response link tokens', () => {
  const tokens = new ResponseLinkTokens('a configured secret of enough length for tests');

  it('are 16 characters of Crockford base32 in four groups, and verify to the lookup they were issued with', () => {
    const issued = tokens.issue();
    expect(issued.token).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(tokens.verify(issued.token)).toEqual({ lookup: issued.lookup });
    expect(issued.lookup).toHaveLength(32);
  });

  it('read the same typed in lower case, without hyphens, with spaces, or with O, I and L for 0 and 1', () => {
    const { token, lookup } = tokens.issue();
    const typed = token.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(tokens.verify(typed)).toEqual({ lookup });
    expect(tokens.verify(token.replace(/-/g, ''))).toEqual({ lookup });
  });

  it('refuse a changed character as forged and anything else as malformed, before any lookup', () => {
    const { token } = tokens.issue();
    const last = token[token.length - 1];
    const changed = token.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z');
    expect(tokens.verify(changed)).toBe('forged');
    expect(tokens.verify(`${token}-AAAA`)).toBe('malformed');
    expect(tokens.verify('ABCD-EFGH-UUUU-0000')).toBe('malformed');
    expect(normaliseToken('x'.repeat(100))).toBeNull();
  });

  it('signed under another secret do not verify', () => {
    const other = new ResponseLinkTokens('another configured secret of enough length');
    expect(other.verify(tokens.issue().token)).toBe('forged');
  });

  it('differ every time', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => tokens.issue().token));
    expect(seen.size).toBe(1000);
  });
});
