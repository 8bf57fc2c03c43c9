import type { Projection } from './projection.js';

export const projections: readonly Projection[] = [];
