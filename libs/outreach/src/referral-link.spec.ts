import { ReferralLinkSigner } from './referral-link';

describe('ReferralLinkSigner', () => {
  const signer = new ReferralLinkSigner('a-session-secret-of-at-least-32-characters');
  const now = new Date('2026-10-01T08:00:00Z');
  const later = new Date('2026-10-31T08:00:00Z');

  it('accepts its own link until it expires and reads the referral back', () => {
    const link = signer.sign(42, later);
    expect(signer.verify(link, now)).toEqual({ referralId: 42, expiresAt: later });
    expect(signer.verify(link, later)).toBe('expired');
  });

  it('refuses a link whose referral or expiry was changed, or that another secret signed', () => {
    const [, exp, mac] = signer.sign(42, later).split('.');
    expect(signer.verify(`43.${exp}.${mac}`, now)).toBe('forged');
    expect(signer.verify(`42.${Number(exp) + 86400}.${mac}`, now)).toBe('forged');
    expect(new ReferralLinkSigner('another-session-secret-of-32-characters!').verify(signer.sign(42, later), now)).toBe('forged');
  });

  it('calls anything that is not a link malformed', () => {
    expect(signer.verify('42', now)).toBe('malformed');
    expect(signer.verify('42.1.短', now)).toBe('malformed');
    expect(signer.verify('', now)).toBe('malformed');
  });
});
