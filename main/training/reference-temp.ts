/** Kept until main/core/studio.ts imports `removeStaleTemps` from ./temp-files (a shared file, edited last). */
export { removeStaleTemps as removeStaleReferenceTemps } from './temp-files';
