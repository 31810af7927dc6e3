import type { Connector } from '../catalog/runtime';
import { runDemoProbe } from './probes';
import { actionFeature, createDemoRunner, isDemoAction } from './runner';

/**
 * The demo fleet as a catalog connector: `call: { kind: builtin, connector:
 * demo, operation: … }` in resources/catalogs/demo.catalog.yaml reaches the
 * simulator through this, the way a shop's catalog reaches its admin API over
 * HTTP. Only the composition root (server/cli.ts, tests) registers it.
 */
export function createDemoConnector(): Connector {
  return {
    probe: (operation, input) => runDemoProbe(operation, input),
    action: (operation) => (isDemoAction(operation) ? createDemoRunner(operation) : undefined),
    actionFeature: (operation, params) => actionFeature(operation, params),
  };
}
