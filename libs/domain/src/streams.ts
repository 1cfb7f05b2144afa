/** Stream names are `category-id`; one helper per category so no caller spells them by hand. */
export const leadStream = (leadId: string) => `lead-${leadId}`;
export const clockStream = () => 'clock-manual';

export const streamCategory = (stream: string) => stream.slice(0, stream.indexOf('-'));
