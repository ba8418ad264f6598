// The WebAssembly SIMD kernel set: runs in place on the imported shared arena memory (see kernels/abi.ts).
export { quantizeRowsQ8, matmulQ8, matmulF32, matmulF16 } from './matmul';
export { rmsnorm, rope, attention, attentionHeads, ATTENTION_BLOCK, storeKvF16, siluMul, add, addBias, embedQ8, embedF32, argmax } from './transformer';
export { geluMul, scale, softcap, attentionWindowed, ATTENTION_WINDOW_BLOCK } from './arch';
export { quantizeRowsQ8K, matmulQ4_0, matmulQ4K, matmulQ5K, matmulQ6K, matmulBF16 } from './blocks';
