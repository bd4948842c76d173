import QRCode from 'qrcode';
import type { LetterLanguage } from '../message-kinds';

/** The person's response link, as a letter or message carries it. */
export interface ResponseLinkBlock {
  /** The whole link (PUBLIC_URL/r/XXXX-XXXX-XXXX-XXXX). */
  readonly url: string;
  /** The last day the link works, YYYY-MM-DD. */
  readonly expiresOn: string;
}

/** What a preview or a template check shows in place of a person's link: no link of anyone's, of a typical length. */
export const SAMPLE_RESPONSE_LINK: ResponseLinkBlock = { url: 'https://tiltas.savivaldybe.lt/r/0000-0000-0000-0000', expiresOn: '2027-01-01' };

interface BlockTexts {
  /** The letter's heading over the link and its QR code. */
  readonly heading: string;
  /** The letter's invitation to answer; `{url}` where the link goes. */
  readonly invitation: string;
  /** The email's, the link on a line of its own after it (to click rather than to scan). */
  readonly email: string;
  /** The letter's line on how long the link works; `{date}` is the last day, written out. */
  readonly validUntil: string;
  /** The QR code's text alternative. */
  readonly qrLabel: string;
  /** Before the link at the end of an SMS. */
  readonly sms: string;
}

/*
 * Every letter, email and SMS ends with the person's own link, in the language of the rest of it, whatever
 * the municipality's template says: the wording is fixed here (and checked against the forbidden words
 * like the national templates), so no template can leave the link out or word it badly.
 */
export const RESPONSE_BLOCK_TEXTS: Readonly<Record<LetterLanguage, BlockTexts>> = {
  lt: {
    heading: 'Atsakykite mums internetu',
    invitation: 'Nuskenuokite QR kodą arba naršyklėje įveskite adresą {url} ir pažymėkite, ar norėtumėte pagalbos, ar geriau susisiektume vėliau, ar nenorite, kad su Jumis susisiektume.',
    email: 'Atsakyti galite internetu: paspaudę nuorodą pažymėkite, ar norėtumėte pagalbos, ar geriau susisiektume vėliau, ar nenorite, kad su Jumis susisiektume.',
    validUntil: 'Nuoroda veikia iki {date}.',
    qrLabel: 'QR kodas su nuoroda atsakymui',
    sms: 'Atsakyti:',
  },
  ru: {
    heading: 'Ответьте нам онлайн',
    invitation: 'Отсканируйте QR-код или введите в браузере адрес {url} и отметьте, хотите ли Вы получить помощь, связаться с Вами позже или не связываться с Вами.',
    email: 'Ответить можно онлайн: перейдите по ссылке и отметьте, хотите ли Вы получить помощь, связаться с Вами позже или не связываться с Вами.',
    validUntil: 'Ссылка действует до {date}.',
    qrLabel: 'QR-код со ссылкой для ответа',
    sms: 'Ответить:',
  },
  pl: {
    heading: 'Prosimy o odpowiedź przez internet',
    invitation: 'Wystarczy zeskanować kod QR lub wpisać w przeglądarce adres {url} i zaznaczyć, czy chce Pan/Pani otrzymać pomoc, czy woli, abyśmy odezwali się później, czy też nie życzy sobie kontaktu.',
    email: 'Odpowiedzieć można przez internet: wystarczy kliknąć link i zaznaczyć, czy chce Pan/Pani otrzymać pomoc, czy woli, abyśmy odezwali się później, czy też nie życzy sobie kontaktu.',
    validUntil: 'Link działa do {date}.',
    qrLabel: 'Kod QR z linkiem do odpowiedzi',
    sms: 'Odpowiedź:',
  },
  en: {
    heading: 'Answer us online',
    invitation: 'Scan the QR code or type {url} into a browser, and tell us whether you would like help, would rather we got in touch later, or do not want to be contacted.',
    email: 'You can answer online: follow the link and tell us whether you would like help, would rather we got in touch later, or do not want to be contacted.',
    validUntil: 'The link works until {date}.',
    qrLabel: 'QR code with the link to answer',
    sms: 'Answer:',
  },
};

/** The email's closing line: the same invitation, the link to click rather than to scan. */
export function emailResponseText(language: LetterLanguage, url: string): string {
  return `${RESPONSE_BLOCK_TEXTS[language].email}\n${url}`;
}

export function smsResponseText(language: LetterLanguage, url: string): string {
  return `${RESPONSE_BLOCK_TEXTS[language].sms} ${url}`;
}

/**
 * The link as a QR code, inline SVG of plain rectangles: nothing to load, no style (the letter page's CSP
 * allows only its own stylesheet), sharp when printed at any size.
 */
export function qrSvg(url: string, label: string, escape: (text: string) => string): string {
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 2;
  const cells: string[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if (qr.modules.get(y, x)) cells.push(`M${x + quiet} ${y + quiet}h1v1h-1z`);
  }
  const box = size + 2 * quiet;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 ${box} ${box}" width="30mm" height="30mm" role="img" aria-label="${escape(label)}" shape-rendering="crispEdges"><rect width="${box}" height="${box}" fill="#fff"/><path d="${cells.join('')}" fill="#000"/></svg>`;
}
