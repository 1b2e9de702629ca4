// `node --import ./test/helpers/trace-tensorflow.mjs …`: appends the URL of
// every @tensorflow module the process loads to $TRACE_TENSORFLOW_FILE, so a
// test can check which commands pull in tfjs.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.includes('/@tensorflow/')) appendFileSync(process.env.TRACE_TENSORFLOW_FILE, url + '\\n');
  return next(url, context);
}`),
);
