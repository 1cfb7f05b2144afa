export * from './findings';
export * from './sources';
export * from './verifier';
export { canonicalJson, canonicalJsonText, eventHashOfParts } from './canonical-json';
