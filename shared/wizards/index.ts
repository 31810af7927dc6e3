/** The wizard format, its validation, the run engine and scenario tests (issue 5). */
export * from './format';
export * from './catalog';
export * from './cel';
export type { Json } from '../json';
export * from './validate';
export * from './engine';
export * from './run-state';
export * from './fields';
export * from './scenario';
export * from './json-schema';
export { canonicalJson, sha256Hex } from './hash';
