import type { LetterLanguage, MessageKind } from '../message-kinds';

/** A template's text: `subject` is the letter's heading or the email's Subject line; SMS has none. */
export interface TemplateText {
  readonly subject: string | null;
  readonly body: string;
}

/*
 * The national defaults every municipality starts from. The wording is plain and discreet on purpose: a
 * letter can be opened by anyone in the household, so it invites and offers, and never says or hints why
 * the person was written to (forbidden-words.ts holds the words that would, and a test scans these texts).
 * The municipality's name is always the sentence's subject (nominative), so names need no inflection.
 * Line breaks matter: a blank line starts a paragraph, a single one a new line.
 */
export const NATIONAL_TEMPLATES: Readonly<Record<LetterLanguage, Readonly<Record<MessageKind, TemplateText>>>> = {
  lt: {
    LETTER: {
      subject: 'Kvietimas susitikti',
      body: `Laba diena, {{personName}},

šį laišką Jums siunčia {{municipalityName}}. Susisiekiame su savo gyventojais, kad papasakotume apie jiems atviras galimybes: mokymąsi, darbą, konsultacijas ir kitas paslaugas.

Norėčiau su Jumis susitikti arba pasikalbėti telefonu Jums patogiu laiku. Pokalbis nemokamas ir Jūsų niekuo neįpareigoja.

Kaip su manimi susisiekti:
{{#if contactPhone}}
telefonu {{contactPhone}}
{{/if}}
{{#if contactEmail}}
el. paštu {{contactEmail}}
{{/if}}
{{#if officeAddress}}
atvykus adresu {{officeAddress}}
{{/if}}

Jei nenorite, kad su Jumis susisiektume, tiesiog praneškite – daugiau nebesikreipsime.

Pagarbiai
{{workerName}}
{{municipalityName}}`,
    },
    EMAIL: {
      subject: 'Kvietimas pasikalbėti',
      body: `Laba diena, {{personName}},

Jums rašo {{workerName}}, {{municipalityName}}. Kviečiu Jus pasikalbėti apie galimybes mokytis, dirbti, gauti konsultacijų ir kitų paslaugų.

Pokalbis nemokamas ir Jūsų niekuo neįpareigoja. Galime susitikti arba pasikalbėti telefonu Jums patogiu laiku.
{{#if contactPhone}}
Mano telefonas: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
Galite atsakyti į šį laišką arba rašyti adresu {{contactEmail}}.
{{/if}}

Jei nenorite, kad su Jumis susisiektume, tiesiog praneškite – daugiau nebesikreipsime.

Pagarbiai
{{workerName}}
{{municipalityName}}`,
    },
    SMS: {
      subject: null,
      body: `Laba diena, {{personName}}. Čia {{workerName}}, {{municipalityName}}. Kviečiu pasikalbėti apie galimybes mokytis, dirbti ir gauti konsultacijų.{{#if contactPhone}} Tel. {{contactPhone}}.{{/if}} Jei nenorite, kad susisiektume, tiesiog praneškite.`,
    },
  },
  ru: {
    LETTER: {
      subject: 'Приглашение на встречу',
      body: `Здравствуйте, {{personName}}!

Это письмо Вам направляет {{municipalityName}}. Мы связываемся с жителями, чтобы рассказать о возможностях, которые для них открыты: учёба, работа, консультации и другие услуги.

Предлагаю встретиться или поговорить по телефону в удобное для Вас время. Разговор бесплатный и ни к чему Вас не обязывает.

Как со мной связаться:
{{#if contactPhone}}
по телефону {{contactPhone}}
{{/if}}
{{#if contactEmail}}
по электронной почте {{contactEmail}}
{{/if}}
{{#if officeAddress}}
лично по адресу: {{officeAddress}}
{{/if}}

Если Вы не хотите, чтобы мы с Вами связывались, просто сообщите нам об этом — больше мы Вас не побеспокоим.

С уважением,
{{workerName}}
{{municipalityName}}`,
    },
    EMAIL: {
      subject: 'Приглашение к разговору',
      body: `Здравствуйте, {{personName}}!

Вам пишет {{workerName}}, {{municipalityName}}. Приглашаю Вас поговорить о возможностях учёбы, работы, консультаций и других услуг.

Разговор бесплатный и ни к чему Вас не обязывает. Мы можем встретиться или поговорить по телефону в удобное для Вас время.
{{#if contactPhone}}
Мой телефон: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
Вы можете ответить на это письмо или написать по адресу {{contactEmail}}.
{{/if}}

Если Вы не хотите, чтобы мы с Вами связывались, просто сообщите нам об этом — больше мы Вас не побеспокоим.

С уважением,
{{workerName}}
{{municipalityName}}`,
    },
    SMS: {
      subject: null,
      body: `Здравствуйте, {{personName}}. Это {{workerName}}, {{municipalityName}}. Приглашаю Вас поговорить о возможностях учёбы, работы и консультаций.{{#if contactPhone}} Тел. {{contactPhone}}.{{/if}} Если не хотите, чтобы мы связывались, просто сообщите.`,
    },
  },
  pl: {
    LETTER: {
      subject: 'Zaproszenie na spotkanie',
      body: `Dzień dobry, {{personName}}!

Ten list przesyła {{municipalityName}}. Kontaktujemy się z mieszkańcami, aby opowiedzieć o dostępnych dla nich możliwościach: nauce, pracy, doradztwie i innych usługach.

Proponuję spotkanie lub rozmowę telefoniczną w dogodnym dla Pana/Pani terminie. Rozmowa jest bezpłatna i do niczego nie zobowiązuje.

Jak się ze mną skontaktować:
{{#if contactPhone}}
telefonicznie: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
e-mailem: {{contactEmail}}
{{/if}}
{{#if officeAddress}}
osobiście pod adresem: {{officeAddress}}
{{/if}}

Jeśli nie chce Pan/Pani, abyśmy się kontaktowali, wystarczy nam o tym powiedzieć — nie będziemy więcej pisać.

Z poważaniem
{{workerName}}
{{municipalityName}}`,
    },
    EMAIL: {
      subject: 'Zaproszenie do rozmowy',
      body: `Dzień dobry, {{personName}}!

Nazywam się {{workerName}} i reprezentuję instytucję: {{municipalityName}}. Zapraszam Pana/Panią na rozmowę o możliwościach nauki, pracy, doradztwa i innych usług.

Rozmowa jest bezpłatna i do niczego nie zobowiązuje. Możemy się spotkać lub porozmawiać telefonicznie w dogodnym terminie.
{{#if contactPhone}}
Mój telefon: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
Można odpowiedzieć na tę wiadomość lub napisać na adres {{contactEmail}}.
{{/if}}

Jeśli nie chce Pan/Pani, abyśmy się kontaktowali, wystarczy nam o tym powiedzieć — nie będziemy więcej pisać.

Z poważaniem
{{workerName}}
{{municipalityName}}`,
    },
    SMS: {
      subject: null,
      body: `Dzień dobry, {{personName}}. Tu {{workerName}}, {{municipalityName}}. Zapraszam na rozmowę o możliwościach nauki, pracy i doradztwa.{{#if contactPhone}} Tel. {{contactPhone}}.{{/if}} Jeśli nie chce Pan/Pani kontaktu, wystarczy dać znać.`,
    },
  },
  en: {
    LETTER: {
      subject: 'An invitation to meet',
      body: `Hello {{personName}},

This letter comes from {{municipalityName}}. We are getting in touch with residents to tell them about the opportunities open to them: learning, work, advice and other services.

I would like to meet you, or talk on the phone, at a time that suits you. The conversation is free and you are under no obligation.

How to reach me:
{{#if contactPhone}}
by phone: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
by email: {{contactEmail}}
{{/if}}
{{#if officeAddress}}
in person at: {{officeAddress}}
{{/if}}

If you would rather we did not contact you, just let us know and we will not write again.

Kind regards,
{{workerName}}
{{municipalityName}}`,
    },
    EMAIL: {
      subject: 'An invitation to talk',
      body: `Hello {{personName}},

My name is {{workerName}} and I am writing from {{municipalityName}}. I would like to invite you to a conversation about learning, work, advice and other services.

The conversation is free and you are under no obligation. We can meet, or talk on the phone, at a time that suits you.
{{#if contactPhone}}
My phone: {{contactPhone}}
{{/if}}
{{#if contactEmail}}
You can reply to this email or write to {{contactEmail}}.
{{/if}}

If you would rather we did not contact you, just let us know and we will not write again.

Kind regards,
{{workerName}}
{{municipalityName}}`,
    },
    SMS: {
      subject: null,
      body: `Hello {{personName}}, this is {{workerName}} from {{municipalityName}}. I would like to invite you to talk about learning, work and advice.{{#if contactPhone}} Tel. {{contactPhone}}.{{/if}} If you would rather not be contacted, just let us know.`,
    },
  },
};
