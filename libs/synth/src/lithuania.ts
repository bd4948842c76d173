/**
 * Shapes of the synthetic nation, close enough to Lithuania that caseloads and cohort sizes look right:
 * residents per municipality (thousands, around 2024), the age pyramid, and names, streets and towns for
 * the contacts register. The figures are rounded public statistics, not a census.
 */

export interface Municipality {
  /** ISO 3166-2:LT code. */
  readonly code: string;
  /** Town used in addresses. */
  readonly town: string;
  /** Residents, thousands. */
  readonly residents: number;
  /** Shares of contact languages ru and pl where they differ from the national pattern. */
  readonly ru?: number;
  readonly pl?: number;
}

export const MUNICIPALITIES: readonly Municipality[] = [
  { code: 'LT-01', town: 'Naujoji Akmenė', residents: 19 },
  { code: 'LT-02', town: 'Alytus', residents: 51 },
  { code: 'LT-03', town: 'Alytaus r.', residents: 24 },
  { code: 'LT-04', town: 'Anykščiai', residents: 22 },
  { code: 'LT-05', town: 'Birštonas', residents: 4 },
  { code: 'LT-06', town: 'Biržai', residents: 22 },
  { code: 'LT-07', town: 'Druskininkai', residents: 20, ru: 0.06, pl: 0.04 },
  { code: 'LT-08', town: 'Elektrėnai', residents: 22, ru: 0.08 },
  { code: 'LT-09', town: 'Ignalina', residents: 14, ru: 0.1, pl: 0.03 },
  { code: 'LT-10', town: 'Jonava', residents: 40 },
  { code: 'LT-11', town: 'Joniškis', residents: 20 },
  { code: 'LT-12', town: 'Jurbarkas', residents: 24 },
  { code: 'LT-13', town: 'Kaišiadorys', residents: 30 },
  { code: 'LT-14', town: 'Kalvarija', residents: 10 },
  { code: 'LT-15', town: 'Kaunas', residents: 305 },
  { code: 'LT-16', town: 'Kauno r.', residents: 100 },
  { code: 'LT-17', town: 'Kazlų Rūda', residents: 11 },
  { code: 'LT-18', town: 'Kėdainiai', residents: 45 },
  { code: 'LT-19', town: 'Kelmė', residents: 25 },
  { code: 'LT-20', town: 'Klaipėda', residents: 160, ru: 0.2 },
  { code: 'LT-21', town: 'Klaipėdos r.', residents: 68, ru: 0.04 },
  { code: 'LT-22', town: 'Kretinga', residents: 39 },
  { code: 'LT-23', town: 'Kupiškis', residents: 15 },
  { code: 'LT-24', town: 'Lazdijai', residents: 18, pl: 0.04 },
  { code: 'LT-25', town: 'Marijampolė', residents: 55 },
  { code: 'LT-26', town: 'Mažeikiai', residents: 50 },
  { code: 'LT-27', town: 'Molėtai', residents: 18 },
  { code: 'LT-28', town: 'Neringa', residents: 4 },
  { code: 'LT-29', town: 'Pagėgiai', residents: 7 },
  { code: 'LT-30', town: 'Pakruojis', residents: 19 },
  { code: 'LT-31', town: 'Palanga', residents: 17 },
  { code: 'LT-32', town: 'Panevėžys', residents: 86 },
  { code: 'LT-33', town: 'Panevėžio r.', residents: 34 },
  { code: 'LT-34', town: 'Pasvalys', residents: 23 },
  { code: 'LT-35', town: 'Plungė', residents: 33 },
  { code: 'LT-36', town: 'Prienai', residents: 24 },
  { code: 'LT-37', town: 'Radviliškis', residents: 34 },
  { code: 'LT-38', town: 'Raseiniai', residents: 31 },
  { code: 'LT-39', town: 'Rietavas', residents: 7 },
  { code: 'LT-40', town: 'Rokiškis', residents: 27 },
  { code: 'LT-41', town: 'Šakiai', residents: 25 },
  { code: 'LT-42', town: 'Šalčininkai', residents: 30, ru: 0.1, pl: 0.75 },
  { code: 'LT-43', town: 'Šiauliai', residents: 100, ru: 0.05 },
  { code: 'LT-44', town: 'Šiaulių r.', residents: 41 },
  { code: 'LT-45', town: 'Šilalė', residents: 21 },
  { code: 'LT-46', town: 'Šilutė', residents: 38 },
  { code: 'LT-47', town: 'Širvintos', residents: 15, pl: 0.08 },
  { code: 'LT-48', town: 'Skuodas', residents: 16 },
  { code: 'LT-49', town: 'Švenčionys', residents: 23, ru: 0.15, pl: 0.25 },
  { code: 'LT-50', town: 'Tauragė', residents: 36 },
  { code: 'LT-51', town: 'Telšiai', residents: 38 },
  { code: 'LT-52', town: 'Trakai', residents: 31, ru: 0.1, pl: 0.3 },
  { code: 'LT-53', town: 'Ukmergė', residents: 35 },
  { code: 'LT-54', town: 'Utena', residents: 36, ru: 0.04 },
  { code: 'LT-55', town: 'Varėna', residents: 20, pl: 0.06 },
  { code: 'LT-56', town: 'Vilkaviškis', residents: 35 },
  { code: 'LT-57', town: 'Vilnius', residents: 607, ru: 0.12, pl: 0.08 },
  { code: 'LT-58', town: 'Vilniaus r.', residents: 110, ru: 0.15, pl: 0.5 },
  { code: 'LT-59', town: 'Visaginas', residents: 18, ru: 0.8, pl: 0.03 },
  { code: 'LT-60', town: 'Zarasai', residents: 15, ru: 0.08 },
];

/** Residents (thousands) by five-year age band from 0–4 to 90–94; the last band also holds age 95. */
export const AGE_BANDS: readonly number[] = [
  125, 145, 150, 140, 145, 185, 190, 175, 170, 180, 190, 210, 205, 175, 140, 110, 80, 50, 25,
];
export const MAX_AGE = 95;

/** Share of women by age: even in youth, rising with age as men die younger. */
export function femaleShare(age: number): number {
  if (age < 40) return 0.49;
  if (age < 60) return 0.52;
  if (age < 75) return 0.6;
  if (age < 85) return 0.68;
  return 0.75;
}

/** A family name in its male, unmarried-female and married-female forms. */
export type FamilyName = readonly [string, string, string];

export interface NameSet {
  readonly male: readonly string[];
  readonly female: readonly string[];
  readonly family: readonly FamilyName[];
}

export const NAMES: Readonly<Record<'lt' | 'ru' | 'pl' | 'en', NameSet>> = {
  lt: {
    male: [
      'Jonas', 'Petras', 'Antanas', 'Tomas', 'Mantas', 'Lukas', 'Matas', 'Jokūbas', 'Dominykas', 'Šarūnas',
      'Jurgis', 'Žygimantas', 'Rokas', 'Kęstutis', 'Vytautas', 'Darius', 'Gediminas', 'Mindaugas', 'Arūnas',
      'Aurimas', 'Rimantas', 'Algirdas', 'Kazimieras', 'Eimantas', 'Nojus', 'Benediktas', 'Ignas', 'Julius',
    ],
    female: [
      'Emilija', 'Austėja', 'Gabija', 'Ugnė', 'Kotryna', 'Rūta', 'Jurgita', 'Aušra', 'Rasa', 'Giedrė', 'Eglė',
      'Laura', 'Vaida', 'Inga', 'Dalia', 'Birutė', 'Ona', 'Danutė', 'Žaneta', 'Miglė', 'Goda', 'Lėja',
      'Skaistė', 'Rugilė', 'Aistė', 'Indrė', 'Jūratė', 'Živilė',
    ],
    family: [
      ['Kazlauskas', 'Kazlauskaitė', 'Kazlauskienė'],
      ['Jankauskas', 'Jankauskaitė', 'Jankauskienė'],
      ['Petrauskas', 'Petrauskaitė', 'Petrauskienė'],
      ['Stankevičius', 'Stankevičiūtė', 'Stankevičienė'],
      ['Vasiliauskas', 'Vasiliauskaitė', 'Vasiliauskienė'],
      ['Žukauskas', 'Žukauskaitė', 'Žukauskienė'],
      ['Butkus', 'Butkutė', 'Butkienė'],
      ['Paulauskas', 'Paulauskaitė', 'Paulauskienė'],
      ['Urbonas', 'Urbonaitė', 'Urbonienė'],
      ['Kavaliauskas', 'Kavaliauskaitė', 'Kavaliauskienė'],
      ['Navickas', 'Navickaitė', 'Navickienė'],
      ['Ramanauskas', 'Ramanauskaitė', 'Ramanauskienė'],
      ['Žemaitis', 'Žemaitytė', 'Žemaitienė'],
      ['Šimkus', 'Šimkutė', 'Šimkienė'],
      ['Balčiūnas', 'Balčiūnaitė', 'Balčiūnienė'],
      ['Baranauskas', 'Baranauskaitė', 'Baranauskienė'],
      ['Mockus', 'Mockutė', 'Mockienė'],
      ['Grigas', 'Grigaitė', 'Grigienė'],
      ['Kairys', 'Kairytė', 'Kairienė'],
      ['Šidlauskas', 'Šidlauskaitė', 'Šidlauskienė'],
      ['Rimkus', 'Rimkutė', 'Rimkienė'],
      ['Lukošius', 'Lukošiūtė', 'Lukošienė'],
      ['Čepulis', 'Čepulytė', 'Čepulienė'],
      ['Adomaitis', 'Adomaitytė', 'Adomaitienė'],
    ],
  },
  ru: {
    male: ['Aleksandr', 'Sergej', 'Dmitrij', 'Nikolaj', 'Vladimir', 'Ivan', 'Jurij', 'Andrej', 'Michail', 'Pavel'],
    female: ['Olga', 'Natalja', 'Tatjana', 'Jelena', 'Irina', 'Svetlana', 'Anastasija', 'Marija', 'Jekaterina'],
    family: [
      ['Ivanov', 'Ivanova', 'Ivanova'],
      ['Smirnov', 'Smirnova', 'Smirnova'],
      ['Kuznecov', 'Kuznecova', 'Kuznecova'],
      ['Popov', 'Popova', 'Popova'],
      ['Sokolov', 'Sokolova', 'Sokolova'],
      ['Volkov', 'Volkova', 'Volkova'],
      ['Morozov', 'Morozova', 'Morozova'],
      ['Novikov', 'Novikova', 'Novikova'],
      ['Fiodorov', 'Fiodorova', 'Fiodorova'],
    ],
  },
  pl: {
    male: ['Tadeusz', 'Józef', 'Stanisław', 'Zbigniew', 'Krzysztof', 'Wojciech', 'Paweł', 'Łukasz', 'Henryk'],
    female: ['Małgorzata', 'Agnieszka', 'Jadwiga', 'Krystyna', 'Grażyna', 'Teresa', 'Halina', 'Danuta', 'Żaneta'],
    family: [
      ['Nowak', 'Nowak', 'Nowak'],
      ['Kowalski', 'Kowalska', 'Kowalska'],
      ['Wiśniewski', 'Wiśniewska', 'Wiśniewska'],
      ['Sawicki', 'Sawicka', 'Sawicka'],
      ['Jankowski', 'Jankowska', 'Jankowska'],
      ['Wołkowicz', 'Wołkowicz', 'Wołkowicz'],
      ['Sienkiewicz', 'Sienkiewicz', 'Sienkiewicz'],
      ['Mickiewicz', 'Mickiewicz', 'Mickiewicz'],
    ],
  },
  en: {
    male: ['James', 'Daniel', 'Oliver', 'Jonas', 'Lukas', 'Mark'],
    female: ['Olivia', 'Sophie', 'Emily', 'Emilija', 'Hannah', 'Grace'],
    family: [
      ['Smith', 'Smith', 'Smith'],
      ['Brown', 'Brown', 'Brown'],
      ["O'Neill", "O'Neill", "O'Neill"],
      ['Miller', 'Miller', 'Miller'],
      ['Kazlauskas', 'Kazlauskaitė', 'Kazlauskienė'],
    ],
  },
};

export const STREETS: readonly string[] = [
  'Gedimino pr.', 'Laisvės al.', 'Vilniaus g.', 'Kauno g.', 'Žalgirio g.', 'Taikos pr.', 'Savanorių pr.',
  'Sodų g.', 'Liepų g.', 'Ąžuolų g.', 'Beržų g.', 'Mokyklos g.', 'Pušų g.', 'Šviesos g.', 'Tilžės g.',
  'Žemaitės g.', 'Maironio g.', 'Vytauto g.', 'Dariaus ir Girėno g.', 'Kęstučio g.', 'Ūdrių g.', 'Jūros g.',
];

/** Garden communities: their names carry quotes in real addresses, which exercises CSV quoting. */
export const GARDENS: readonly string[] = ['Ąžuolas', 'Žalgiris', 'Rūta', 'Šilas', 'Pušynėlis', 'Vyturys'];

/** A plain-ASCII lowercase form of a name for e-mail addresses (diacritics dropped, ł to l, ' removed). */
export function asciiName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}
