/** The supply cases the pacing benchmark runs, and the deviation limit it judges officers by. */
import { HOLIDAYS } from './scenario';

export const CASES = [
  { name: 'plenty', label: 'Supply ≈ 1.3× allocation (November as it is, Thanksgiving included)', supplyRatio: 1.3, holidays: HOLIDAYS },
  { name: 'plenty-ordinary', label: 'Supply ≈ 1.3× allocation, no holiday dip (Thanksgiving Thu/Fri arrive like ordinary weekdays)', supplyRatio: 1.3, holidays: [] },
  { name: 'short', label: 'Supply short (≈ 0.7× allocation), Thanksgiving included', supplyRatio: 0.7, holidays: HOLIDAYS },
] as const;
export type CaseName = (typeof CASES)[number]['name'];

/** The deviation a reader tolerates for an officer: max(3 leads, 8% of the allocation). */
export const deviationLimit = (allocation: number) => Math.max(3, 0.08 * allocation);
