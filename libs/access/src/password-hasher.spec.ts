import { generatePassword, hashPassword, verifyPassword } from './password-hasher';

describe('password hashing', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const stored = await hashPassword('correct horse battery', { ln: 10, r: 8, p: 1 });
    expect(stored).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', stored)).resolves.toBe(false);
  });

  it('salts each hash, so one password hashes differently twice', async () => {
    const a = await hashPassword('same password here', { ln: 10, r: 8, p: 1 });
    const b = await hashPassword('same password here', { ln: 10, r: 8, p: 1 });
    expect(a).not.toBe(b);
  });

  it('reads the cost parameters from the stored hash, so raising the default keeps old hashes valid', async () => {
    const old = await hashPassword('an older password', { ln: 11, r: 4, p: 2 });
    await expect(verifyPassword('an older password', old)).resolves.toBe(true);
  });

  it('refuses a malformed or absurdly expensive stored hash instead of throwing', async () => {
    await expect(verifyPassword('x', 'plain-text')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$ln=30,r=8,p=1$AAAA$AAAA')).resolves.toBe(false);
  });

  it('generates passwords of the asked length without look-alike characters', () => {
    const passwords = Array.from({ length: 50 }, () => generatePassword());
    for (const p of passwords) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(new Set(passwords).size).toBe(50);
  });
});
