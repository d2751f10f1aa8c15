/**
 * Secrets for the fake Kubernetes API server (test/fakes/kube-apiserver.ts), as the apiserver
 * serves core/v1 Secrets:
 *
 *  - `POST /api/v1/namespaces/{ns}/secrets`: `stringData` merged into `data` (base64) and dropped,
 *    as the API does on write; `data` values must be base64; keys must be config keys (422
 *    Invalid); a body naming another namespace is refused (400); 409 AlreadyExists with the
 *    Status `details` {name, kind: "secrets"}
 *  - `GET .../secrets` (and `/api/v1/secrets`): labelSelector, and fieldSelector on the fields
 *    the apiserver supports for Secrets (`metadata.name`, `metadata.namespace`, `type`); any other
 *    field is 400 BadRequest `field label not supported: <field>`
 *  - `GET .../secrets/{name}`, `DELETE .../secrets/{name}`: 404 NotFound `secrets "<name>" not
 *    found`; a delete answers the apiserver's Status Success with details {name, kind, uid}
 *    (Secrets have no graceful deletion, so the object itself is not returned)
 */
import { isObject, parseObject, status, type Answer, type Json, type JsonObject } from './kube-wire.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const SECRET_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'type']);

function meta(o: JsonObject): JsonObject {
  const m = o['metadata'];
  return isObject(m) ? m : {};
}

export class FakeSecrets {
  /** Keyed `<namespace>/<name>`. */
  readonly items = new Map<string, JsonObject>();

  constructor(
    private readonly uid: () => string,
    private readonly nextRv: () => string,
    private readonly labelFilter: (items: JsonObject[], q: URLSearchParams) => JsonObject[],
  ) {}

  /**
   * Seeds a bootstrap token (`<id>.<secret>`) as `kubeadm init` or `kubeadm token create` stores it:
   * `kube-system/bootstrap-token-<id>` with kubeadm's keys, no expiration (the tests' running cluster).
   */
  registerBootstrapToken(token: string, description: string): void {
    const [id, secret] = token.split('.') as [string, string];
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    this.items.set(`kube-system/bootstrap-token-${id}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system', uid: `uid-${id}`, resourceVersion: '1' },
      type: 'bootstrap.kubernetes.io/token',
      data: { 'token-id': b64(id), 'token-secret': b64(secret), description: b64(description), 'usage-bootstrap-authentication': b64('true'), 'usage-bootstrap-signing': b64('true'), 'auth-extra-groups': b64('system:bootstrappers:kubeadm:default-node-token') },
    });
  }

  /** The answer to a Secrets request, or undefined when the path is not a Secrets path. */
  route(method: string, path: string, q: URLSearchParams, body: string): Answer | undefined {
    if (path === '/api/v1/secrets' && method === 'GET') return this.list([...this.items.values()], q);
    const m = path.match(/^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/);
    if (!m) return undefined;
    const ns = decodeURIComponent(m[1] ?? '');
    if (m[2] === undefined) {
      if (method === 'GET') return this.list([...this.items.values()].filter((s) => meta(s)['namespace'] === ns), q);
      if (method === 'POST') return this.create(ns, body);
      return { code: 405, body: status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource') };
    }
    const name = decodeURIComponent(m[2]);
    const found = this.items.get(`${ns}/${name}`);
    if (!found) return { code: 404, body: status(404, 'NotFound', `secrets "${name}" not found`, 'Failure', { name, kind: 'secrets' }) };
    if (method === 'GET') return { code: 200, body: found };
    if (method === 'DELETE') {
      this.items.delete(`${ns}/${name}`);
      return { code: 200, body: status(200, '', '', 'Success', { name, kind: 'secrets', uid: meta(found)['uid'] ?? '' }) };
    }
    return { code: 405, body: status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource') };
  }

  private list(items: JsonObject[], q: URLSearchParams): Answer {
    let out = this.labelFilter(items, new URLSearchParams(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}));
    const fs = q.get('fieldSelector');
    for (const term of fs ? fs.split(',') : []) {
      const t = term.match(/^([^!=]+)(!=|==?)(.*)$/);
      if (!t) return { code: 400, body: status(400, 'BadRequest', `invalid field selector: ${term}`) };
      const [, field = '', op, value] = t;
      if (!SECRET_FIELDS.has(field)) return { code: 400, body: status(400, 'BadRequest', `field label not supported: ${field}`) };
      const get = (o: JsonObject): Json | undefined => (field === 'type' ? o['type'] : meta(o)[field.slice('metadata.'.length)]);
      out = out.filter((o) => ((get(o) ?? '') === value) === (op !== '!='));
    }
    const sorted = [...out].sort((a, b) => `${meta(a)['namespace']}/${meta(a)['name']}`.localeCompare(`${meta(b)['namespace']}/${meta(b)['name']}`));
    return { code: 200, body: { apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion: '1' }, items: sorted } };
  }

  private create(ns: string, body: string): Answer {
    const parsed = parseObject(body);
    if ('answer' in parsed) return parsed.answer;
    const o = parsed.object;
    const m = { ...meta(o) };
    const name = typeof m['name'] === 'string' ? m['name'] : '';
    if (!name) return { code: 422, body: status(422, 'Invalid', 'Secret "" is invalid: metadata.name: Required value: name or generateName is required', 'Failure', { name: '', kind: 'Secret' }) };
    if (typeof m['namespace'] === 'string' && m['namespace'] !== '' && m['namespace'] !== ns) {
      return { code: 400, body: status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request') };
    }
    const data: JsonObject = {};
    const given = isObject(o['data']) ? o['data'] : {};
    for (const [k, v] of Object.entries(given)) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return { code: 400, body: status(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`) };
      data[k] = v;
    }
    // The apiserver merges stringData into data (stringData wins) and never stores or returns it.
    const stringData = isObject(o['stringData']) ? o['stringData'] : {};
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(typeof v === 'string' ? v : '', 'utf8').toString('base64');
    for (const k of Object.keys(data)) {
      if (!CONFIG_KEY.test(k)) {
        return { code: 422, body: status(422, 'Invalid', `Secret "${name}" is invalid: data[${k}]: Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`, 'Failure', { name, kind: 'Secret' }) };
      }
    }
    if (this.items.has(`${ns}/${name}`)) return { code: 409, body: status(409, 'AlreadyExists', `secrets "${name}" already exists`, 'Failure', { name, kind: 'secrets' }) };
    const stored: JsonObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { ...m, name, namespace: ns, uid: this.uid(), resourceVersion: this.nextRv(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      type: typeof o['type'] === 'string' && o['type'] !== '' ? o['type'] : 'Opaque',
      data,
    };
    this.items.set(`${ns}/${name}`, stored);
    return { code: 201, body: stored };
  }
}
