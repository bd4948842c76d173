import QRCode from 'qrcode';
import { LETTER_LANGUAGES } from '../message-kinds';
import { forbiddenWordsIn } from './forbidden-words';
import { LetterComposer } from './letter-composer';
import { NATIONAL_TEMPLATES } from './national-templates';
import { RESPONSE_BLOCK_TEXTS, SAMPLE_RESPONSE_LINK, qrSvg } from './response-block';
import { MAX_SMS_LENGTH, sampleRecipient, sampleVariables } from './template-validation';

const composer = new LetterComposer();
const link = { url: 'http://127.0.0.1:3000/r/7KQ2-M9XD-HT4P-3WZB', expiresOn: '2027-01-31' };

describe('the response link in letters and messages', () => {
  it('is worded in every language without a word that says why the person was written to', () => {
    for (const language of LETTER_LANGUAGES) {
      const texts = RESPONSE_BLOCK_TEXTS[language];
      expect({ language, words: forbiddenWordsIn(Object.values(texts).join('\n')) }).toEqual({ language, words: [] });
    }
  });

  it('ends every letter with the link, its QR code and the last day it works, in the letter language', () => {
    for (const language of LETTER_LANGUAGES) {
      const letter = composer.compose('LETTER', NATIONAL_TEMPLATES[language].LETTER, sampleVariables(language, 'Vilniaus miesto savivaldybė'), language, sampleRecipient(language), link);
      expect(letter.html).toContain('<section class="respond"><svg');
      expect(letter.html).toContain(`<p class="url">${link.url}</p>`);
      expect(letter.html).toContain(RESPONSE_BLOCK_TEXTS[language].heading);
      expect(letter.html).toMatch(/2027/);
    }
    const en = composer.compose('LETTER', NATIONAL_TEMPLATES.en.LETTER, sampleVariables('en', 'Vilnius city municipality'), 'en', sampleRecipient('en'), link);
    expect(en.html).toContain('The link works until 31 January 2027.');
  });

  it('puts the link on a line of its own at the end of an email, in both parts', () => {
    const email = composer.compose('EMAIL', NATIONAL_TEMPLATES.pl.EMAIL, sampleVariables('pl', 'Vilniaus miesto savivaldybė'), 'pl', undefined, link);
    expect(email.text.endsWith(`\n${link.url}`)).toBe(true);
    expect(email.html).toContain(`<br>\n${link.url}</p>`);
  });

  it('ends an SMS with the link and keeps every national SMS within two segments with a link of typical length', () => {
    for (const language of LETTER_LANGUAGES) {
      const sms = composer.compose('SMS', NATIONAL_TEMPLATES[language].SMS, sampleVariables(language, 'Vilniaus miesto savivaldybė'), language, undefined, SAMPLE_RESPONSE_LINK);
      expect(sms.text.endsWith(` ${SAMPLE_RESPONSE_LINK.url}`)).toBe(true);
      expect(sms.text.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
    }
  });

  it('draws the QR code module for module as the qrcode library computes it, with a text alternative and no style', () => {
    const svg = qrSvg(link.url, 'QR <code>', (t) => t.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    const qr = QRCode.create(link.url, { errorCorrectionLevel: 'M' });
    const dark = [...qr.modules.data].filter((bit) => bit === 1).length;
    expect(svg.match(/M\d+ \d+h1v1h-1z/g)).toHaveLength(dark);
    // The top-left finder pattern starts at the quiet zone's edge: module (0, 0) is dark.
    expect(svg).toContain('M2 2h1v1h-1z');
    expect(svg).toContain('aria-label="QR &lt;code&gt;"');
    expect(svg).not.toMatch(/style/);
  });
});
