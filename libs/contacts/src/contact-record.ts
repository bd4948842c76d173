/** One person's contact details as the contacts register delivers them (the columns except the pseudonym). */
export interface ContactRecord {
  readonly given_name: string;
  readonly family_name: string;
  readonly phone: string | null;
  readonly email: string | null;
  readonly address: string;
  readonly postal_code: string;
  readonly language: 'lt' | 'ru' | 'pl' | 'en';
}
