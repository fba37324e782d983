// onnxruntime-node 1.17.0 (the last release without an install script that downloads binaries
// from outside npm) was published without its type declarations. Its API is onnxruntime-common's,
// which it re-exports after registering the native CPU backend.
declare module 'onnxruntime-node' {
  export * from 'onnxruntime-common';
}
