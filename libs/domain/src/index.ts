export * from './errors';
export * from './streams';
export * from './decider';
export * from './lead/lead.events';
export * from './lead/lead.commands';
export * from './lead/lead.decider';
export * from './lead/lead.vocabulary';
export * from './clock/manual-clock';
