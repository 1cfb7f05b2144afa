/** Stream names are `category-id`; one helper per category so no caller spells them by hand. */
export const leadStream = (leadId: string) => `lead-${leadId}`;
export const clockStream = () => 'clock-manual';

export const streamCategory = (stream: string) => stream.slice(0, stream.indexOf('-'));
export const marketStream = (marketId: string) => `market-${marketId}`;
export const officerStream = (officerId: string) => `officer-${officerId}`;
/** One stream per officer per month: `allocation-<officerId>.<YYYY-MM>` (slugs never contain "."). */
export const allocationStream = (officerId: string, month: string) => `allocation-${officerId}.${month}`;
