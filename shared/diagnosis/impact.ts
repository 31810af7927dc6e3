import { compareVersions } from '../versions';
import { signalNoun } from './suspects';

/**
 * "Who else is hit", in words: from the counts the desk reads off its cache
 * (electron/db/diagnosis.ts), the sentences the customer page and the event
 * details show ("2 other customers on 26.12.0 have the same alert", "7 of 9
 * affected customers upgraded to 26.12.0 in the 24 h before; 0 of 40 on 26.11.0
 * are affected").
 */

/** One value of a dimension (a version, a plan, …): affected customers with it, and fleet customers with it. */
export type ImpactCount = { value: string; affected: number; fleet: number };

/** A change many affected customers had before their first signal. `unaffected`: fleet customers who had it and are not hit (null when unknown). */
export type SharedChange = { changeKey: string; label: string; affected: number; unaffected: number | null };

export type ImpactFacts = {
  kind: string;
  /** Affected customers other than the one looked at. */
  others: number;
  /** Affected customers in all, the one looked at included. */
  affectedCount: number;
  fleetSize: number;
  /** The version of the customer looked at, and how many other affected customers run it too. */
  thisVersion: string | null;
  sameVersionOthers: number;
  versions: readonly ImpactCount[];
  sharedChanges: readonly SharedChange[];
  windowHours: number;
  changeWindowHours: number;
};

function customers(count: number): string {
  return `${count} ${count === 1 ? 'customer' : 'customers'}`;
}

function otherCustomers(count: number): string {
  return `${count} other ${count === 1 ? 'customer' : 'customers'}`;
}

/** Share as a whole percentage ("12%"), "0%" for an empty fleet. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;
}

/** The short line for the customer page: "2 other customers on 26.12.0 have the same alert". */
export function impactHeadline(facts: Pick<ImpactFacts, 'kind' | 'others' | 'thisVersion' | 'sameVersionOthers'>): string {
  const noun = signalNoun(facts.kind);
  if (facts.others === 0) return `No other customer has the same ${noun}`;
  if (facts.thisVersion !== null && facts.sameVersionOthers > 0) {
    const rest = facts.others - facts.sameVersionOthers;
    return `${otherCustomers(facts.sameVersionOthers)} on ${facts.thisVersion} ${facts.sameVersionOthers === 1 ? 'has' : 'have'} the same ${noun}${rest > 0 ? ` (and ${rest} on other versions)` : ''}`;
  }
  return `${otherCustomers(facts.others)} ${facts.others === 1 ? 'has' : 'have'} the same ${noun}`;
}

/**
 * The who-else breakdown in sentences, most telling first: how much of the
 * fleet is hit, the change most affected customers share, and how the versions
 * compare (each version with affected customers, and the version before the
 * most affected one, even at 0).
 */
export function describeImpact(facts: ImpactFacts): string[] {
  const noun = signalNoun(facts.kind);
  const lines = [
    `${customers(facts.affectedCount)} of ${facts.fleetSize} (${percent(facts.affectedCount, facts.fleetSize)} of the fleet) had the same ${noun} within ${facts.windowHours} h.`,
  ];
  const top = facts.sharedChanges[0];
  if (top && facts.affectedCount > 1 && top.affected > 1) {
    const unaffected =
      top.unaffected === null ? '' : `; ${top.unaffected} ${top.unaffected === 1 ? 'customer' : 'customers'} not hit had it too`;
    lines.push(
      `${top.affected} of ${facts.affectedCount} affected customers had “${top.label}” in the ${facts.changeWindowHours} h before${unaffected}.`,
    );
  }
  const hit = facts.versions.filter((entry) => entry.affected > 0).sort((a, b) => b.affected - a.affected);
  const worst = hit[0];
  const parts = hit.slice(0, 3).map((entry) => `${entry.affected} of ${entry.fleet} on ${entry.value} are affected`);
  if (worst) {
    const previous = facts.versions
      .filter((entry) => compareVersions(entry.value, worst.value) < 0)
      .sort((a, b) => compareVersions(b.value, a.value))[0];
    if (previous && !hit.slice(0, 3).includes(previous))
      parts.push(`${previous.affected} of ${previous.fleet} on ${previous.value} are affected`);
  }
  if (parts.length > 0) lines.push(`${parts.join('; ')}.`);
  return lines;
}
