/** Test support for the decision engine (imported only by tests and benchmarks). */
import { type RegisterSnapshot, readRegisterFile } from '../purposes/purposes.service.js';

/** The shipped register (`config/purposes.json`) as the engine receives it, every purpose at version 1. */
export function shippedRegister(file = 'config/purposes.json'): RegisterSnapshot {
  const config = readRegisterFile(file);
  return {
    stores: config.stores,
    categories: config.categories,
    purposes: config.purposes.map((p, idx) => ({ ...p, idx, version: 1 })),
  };
}
