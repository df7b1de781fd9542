/**
 * optical/ot — optimal-transport solvers on typed arrays (imports nothing from the rest of optical
 * except `src/errors.ts`). See README.md in this folder for the API and how to choose a variant.
 *
 * Shape legend: `[N, M]` cost / plan (row-major), `a` `[N]`, `b` `[M]`, potentials `f` `[N]`,
 * `g` `[M]`; batches `[B, N, M]`.
 */
export * from './types.ts';
export { sinkhorn, sinkhornAuto, sinkhornBatched, AUTO_KERNEL_MAX_RATIO } from './sinkhorn.ts';
export { sinkhornLog, sinkhornLogBatched } from './log.ts';
export { sinkhornStabilized, ABSORB_TAU } from './kernel.ts';
export { sinkhornEpsilonScaling, epsilonSchedule, EPS_DECAY } from './scaling.ts';
export { MASS_RTOL } from './validate.ts';
export { sinkhornUnbalanced, type UnbalancedOptions } from './unbalanced.ts';
export { emd, type ExactOptions } from './exact.ts';
export { sinkhornDivergence, type DivergenceResult } from './divergence.ts';
export { otGradients, type OTGradients } from './gradients.ts';
export { setOtThreads, otThreads, PARALLEL_MIN_ENTRIES } from './parallel.ts';
