export * from './export-request';
export * from './export-events';
export * from './export-rows';
export * from './export-leads';
export * from './lead-candidates';
export * from './redaction';
export * from './pii-disclosure';
