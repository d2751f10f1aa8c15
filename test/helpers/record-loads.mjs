// A Node `--import` hook that records every module a process imports, for the cold-start test and
// benchmark: the resolved URL (and the importing module) of each ESM resolution, every CommonJS
// `require`, and every script compiled through `vm.Script` with a file name (the CLI bundle, which
// bin/bundle-loader.js compiles with its code cache: whether it offered V8 cached data and whether
// V8 took it), appended as JSON lines to the file named by KOPS_TS_RECORD_LOADS.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

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
  const Script = vm.Script;
  vm.Script = class extends Script {
    constructor(code, options) {
      super(code, options);
      const filename = typeof options === 'string' ? options : options?.filename;
      if (filename?.startsWith('/')) {
        const cachedData = typeof options === 'object' && options.cachedData !== undefined;
        appendFileSync(out, `${JSON.stringify({ kind: 'script', specifier: filename, url: pathToFileURL(filename).href, parent: null, cachedData, cachedDataRejected: this.cachedDataRejected === true })}\n`);
      }
    }
  };
}
