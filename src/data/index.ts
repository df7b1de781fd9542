/** Bitext and evaluation-set loaders. See `spec.ts` for the CLI spec grammar. */
export * from './bitext.ts';
export * from './datadir.ts';
export * from './loaders.ts';
export * from './spec.ts';
export * from './dictd.ts';
export * from './multi30k.ts';
export * from './apertium.ts';
