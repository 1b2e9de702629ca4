/**
 * `node:module` for the GPU worker page: the engine's Node backends resolve
 * their packages (Dawn's binding, tfjs-node) with createRequire; none of them
 * runs in a page, so every such require fails, saying why.
 */
export function createRequire() {
  const require = (name: string): never => {
    throw new Error(`${name} cannot be loaded in the GPU worker page: it runs on Chromium's WebGPU only.`);
  };
  require.resolve = require;
  return require;
}

export default { createRequire };
