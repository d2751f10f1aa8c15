// A Node `--import` hook that records every module a process imports, for the cold-start test and
// benchmark: the resolved URL (and the importing module) of each ESM resolution, plus every
// CommonJS `require`, appended as JSON lines to the file named by KOPS_TS_RECORD_LOADS.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.KOPS_TS_RECORD_LOADS;
if (out) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (m) => appendFileSync(out, `${JSON.stringify(m)}\n`));
  port1.unref();
  const hooks = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage({ kind: 'import', specifier, url: r.url, parent: context.parentURL ?? null });
  return r;
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    appendFileSync(out, `${JSON.stringify({ kind: 'require', specifier: request, parent: parent?.filename ?? null })}\n`);
    return load.call(this, request, parent, isMain);
  };
}
