/**
 * Words a letter or message must never contain, in every language we write in. A letter can be opened by
 * anyone in the household, and the mere reason someone was written to (leaving prison or care, a
 * disability, unemployment, being on a list at all) is itself sensitive data (GDPR Art. 9 and 10). Each
 * entry is a regular expression matched at the start of a word, case-insensitively, so inflected forms
 * (kalėjime, тюрьмы, więzieniu) are caught. Entries are checked against all four languages at once, since
 * a coordinator may mix them.
 */
export const FORBIDDEN_WORDS: Readonly<Record<'lt' | 'ru' | 'pl' | 'en', readonly string[]>> = {
  en: [
    'prison', 'jail', 'gaol', 'custody', 'convict', 'inmate', 'offender', 'offen[cs]e', 'criminal', 'crime',
    'probation', 'parole', 'sentence', 'release[ds]?\\b', 'incarcerat', 'disab', 'handicap', 'invalid',
    'impair', 'unemploy', 'jobless', 'out of work', 'benefit', 'welfare', 'orphan', 'foster', 'care leaver',
    'leaving care', 'in care\\b', 'neet\\b', 'register', 'listed', 'vulnerab', 'poverty', 'poor\\b',
  ],
  lt: [
    'kalėj', 'kalin', 'įkalin', 'nuteist', 'bausm', 'teistum', 'nusikalt', 'nusikalst', 'lygtin', 'probacij',
    'paleist', 'išleist', 'neįgal', 'negali[aąoų]', 'invalid', 'bedarb', 'nedarb', 'darbo neturin', 'pašalp',
    'globo[jt]', 'globos', 'našlait', 'registr', 'sąraš', 'pažeidžiam', 'skurd', 'nepasiturin',
  ],
  ru: [
    'тюр[ье]м', 'заключ[её]нн', 'лишени[еяю] свобод', 'осужд', 'судим', 'наказан', 'преступ', 'пробаци',
    'освобожд', 'освобод', 'инвалид', 'ограниченн\\S* возможност', 'безработ', 'пособи', 'сирот', 'опек',
    'детск\\S* дом', 'реестр', 'регистр', 'списк', 'список', 'уязвим', 'бедн', 'малоимущ',
  ],
  pl: [
    'więzie', 'więźni', 'zakład\\S* karn', 'skazan', 'wyrok', 'karaln', 'przestęp', 'kurator', 'zwolnien',
    'zwolnion', 'niepełnospraw', 'inwalid', 'bezrobot', 'bez pracy', 'zasił', 'sierot', 'sieroc', 'dom\\S* dziecka',
    'piecz\\S* zastępcz', 'rodzin\\S* zastępcz', 'rejestr', 'wykaz', 'ubóstw', 'biedn', 'bezbronn',
  ],
};

const PATTERNS: ReadonlyArray<{ word: string; re: RegExp }> = Object.values(FORBIDDEN_WORDS)
  .flat()
  .map((word) => ({ word, re: new RegExp(`(?<![\\p{L}\\p{N}])(?:${word})`, 'iu') }));

/** The forbidden words `text` contains (as their list entries), in list order; empty when it is clean. */
export function forbiddenWordsIn(text: string): string[] {
  const normalized = text.normalize('NFC');
  return PATTERNS.filter((p) => p.re.test(normalized)).map((p) => p.word);
}
