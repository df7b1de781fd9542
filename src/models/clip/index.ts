/** CLIP towers exported to ONNX (transformers.js layout), run by ONNX Runtime; see model.ts. */
export { ClipModel, type ClipTextResult, type ClipEncodeOptions } from './model.ts';
export { readClipConfig, readImageProcessorConfig, type ClipConfig, type ImageProcessorConfig } from './config.ts';
export { preprocessImage, resizedSize, centreCrop, toPixelValues } from './image.ts';
export { fitProjection } from './projection.ts';
