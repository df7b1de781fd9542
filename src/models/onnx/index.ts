/** ONNX export and ONNX Runtime inference (the only place optical's sources load onnxruntime-node). */
export { konaToOnnx, KonaOnnx } from './kona.ts';
export { OrtSession, ortAvailable, ortUnavailableReason, ortThreads, type OrtArray } from './runtime.ts';
export { GraphBuilder } from './proto.ts';
export { OrtProducts } from './gemm.ts';
