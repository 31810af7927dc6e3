/** Catalogs (issue 11): the probes and actions a deployment declares, as files and as desks receive them. */
export * from './type-schema';
export * from './format';
export * from './parse';
export * from './publish';
