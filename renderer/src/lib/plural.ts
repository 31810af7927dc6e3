/**
 * The UI's words are English, so English plural rules pick the form; the number
 * itself is formatted for the reader's locale.
 */
const RULES = new Intl.PluralRules('en');

/** "1 event", "3 events", "1,200 events": the count with the noun in the form that fits it. */
export function countOf(count: number, one: string, other: string): string {
  return `${count.toLocaleString()} ${RULES.select(count) === 'one' ? one : other}`;
}

/** The verb that agrees with a count: "1 event matches", "3 events match". */
export function agreeing(count: number, singular: string, plural: string): string {
  return RULES.select(count) === 'one' ? singular : plural;
}
