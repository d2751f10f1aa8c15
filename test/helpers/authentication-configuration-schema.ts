/**
 * The shape of kube-apiserver's AuthenticationConfiguration (`--authentication-config`), written
 * from the Kubernetes API types (k8s.io/apiserver pkg/apis/apiserver/{v1beta1,v1}/types.go, the
 * same fields in both for what is here) and the checks of its validation
 * (pkg/apis/apiserver/validation/validation.go): kube-apiserver is not installable here, so this
 * stands in for its loader. Unknown fields are refused, as a strict decoder does.
 */

type Shape =
  | { readonly t: 'string' | 'boolean' }
  | { readonly t: 'array'; readonly of: Shape }
  | { readonly t: 'object'; readonly fields: Readonly<Record<string, Shape>>; readonly required?: readonly string[] };

const string: Shape = { t: 'string' };
const boolean: Shape = { t: 'boolean' };
const arrayOf = (of: Shape): Shape => ({ t: 'array', of });
const object = (fields: Record<string, Shape>, required: string[] = []): Shape => ({ t: 'object', fields, required });

const prefixedClaimOrExpression = object({ claim: string, prefix: string, expression: string });
const claimOrExpression = object({ claim: string, expression: string });

const JWT_AUTHENTICATOR = object({
  issuer: object({ url: string, discoveryURL: string, certificateAuthority: string, audiences: arrayOf(string), audienceMatchPolicy: string, egressSelectorType: string }, ['url', 'audiences']),
  claimValidationRules: arrayOf(object({ claim: string, requiredValue: string, expression: string, message: string })),
  claimMappings: object({
    username: prefixedClaimOrExpression,
    groups: prefixedClaimOrExpression,
    uid: claimOrExpression,
    extra: arrayOf(object({ key: string, valueExpression: string }, ['key', 'valueExpression'])),
  }, ['username']),
  userValidationRules: arrayOf(object({ expression: string, message: string }, ['expression'])),
}, ['issuer', 'claimMappings']);

const AUTHENTICATION_CONFIGURATION = object({
  apiVersion: string,
  kind: string,
  jwt: arrayOf(JWT_AUTHENTICATOR),
  anonymous: object({ enabled: boolean, conditions: arrayOf(object({ path: string }, ['path'])) }, ['enabled']),
}, ['apiVersion', 'kind']);

function shapeProblems(v: unknown, s: Shape, at: string, out: string[]): void {
  switch (s.t) {
    case 'string':
    case 'boolean':
      if (typeof v !== s.t) out.push(`${at}: expected a ${s.t}, got ${JSON.stringify(v)}`);
      return;
    case 'array':
      if (!Array.isArray(v)) return void out.push(`${at}: expected a list`);
      v.forEach((x, i) => shapeProblems(x, s.of, `${at}[${i}]`, out));
      return;
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return void out.push(`${at}: expected an object`);
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const f = s.fields[k];
        if (!f) out.push(`${at}: unknown field ${JSON.stringify(k)}`);
        else shapeProblems(o[k], f, at === '' ? k : `${at}.${k}`, out);
      }
      for (const k of s.required ?? []) if (!(k in o)) out.push(`${at}: ${k} is required`);
    }
  }
}

type Obj = Record<string, unknown>;

/** The checks validation.go makes of what the shape cannot say. */
function ruleProblems(doc: Obj, out: string[]): void {
  const jwt = (doc.jwt ?? []) as Obj[];
  const urls = new Set<string>();
  jwt.forEach((a, i) => {
    const at = `jwt[${i}]`;
    const issuer = a.issuer as Obj;
    const url = String(issuer.url);
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      out.push(`${at}.issuer.url: not a URL`);
    }
    if (u && (u.protocol !== 'https:' || u.username || u.password || u.search || u.hash)) out.push(`${at}.issuer.url: must be https, without user, query or fragment`);
    if (urls.has(url)) out.push(`${at}.issuer.url: duplicate`);
    urls.add(url);
    const auds = issuer.audiences as string[];
    if (auds.length === 0 || auds.some((x) => x === '') || new Set(auds).size !== auds.length) out.push(`${at}.issuer.audiences: at least one, none empty, no duplicate`);
    if (auds.length > 1 && issuer.audienceMatchPolicy !== 'MatchAny') out.push(`${at}.issuer.audienceMatchPolicy: MatchAny for several audiences`);
    if (issuer.certificateAuthority !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(String(issuer.certificateAuthority))) out.push(`${at}.issuer.certificateAuthority: not PEM certificates`);
    const claims = new Set<string>();
    ((a.claimValidationRules ?? []) as Obj[]).forEach((r, j) => {
      const hasClaim = typeof r.claim === 'string' && r.claim !== '';
      if (hasClaim === (typeof r.expression === 'string' && r.expression !== '')) out.push(`${at}.claimValidationRules[${j}]: claim or expression, one of them`);
      if (hasClaim && claims.has(String(r.claim))) out.push(`${at}.claimValidationRules[${j}].claim: duplicate`);
      if (hasClaim) claims.add(String(r.claim));
    });
    const m = a.claimMappings as Obj;
    const user = m.username as Obj;
    if ((typeof user.claim === 'string' && user.claim !== '') === (typeof user.expression === 'string' && user.expression !== '')) out.push(`${at}.claimMappings.username: claim or expression, one of them`);
    if (user.claim && user.prefix === undefined) out.push(`${at}.claimMappings.username.prefix: required with claim (may be "")`);
    const groups = m.groups as Obj | undefined;
    if (groups?.claim && groups.prefix === undefined) out.push(`${at}.claimMappings.groups.prefix: required with claim (may be "")`);
    if (groups && !groups.claim && groups.prefix !== undefined) out.push(`${at}.claimMappings.groups.prefix: only with claim`);
  });
  const anon = doc.anonymous as Obj | undefined;
  if (anon && ((anon.conditions ?? []) as unknown[]).length > 0 && anon.enabled !== true) out.push('anonymous.conditions: enabled must be true with conditions');
}

/** Every problem kube-apiserver's loader would find in the document, for a Kubernetes minor. */
export function authenticationConfigurationProblems(doc: unknown, minor: number): string[] {
  const out: string[] = [];
  shapeProblems(doc, AUTHENTICATION_CONFIGURATION, '', out);
  if (out.length > 0) return out;
  const d = doc as Obj;
  // v1 is served from 1.34 (GA); v1beta1 has `anonymous` from 1.32.
  const versions = minor >= 34 ? ['apiserver.config.k8s.io/v1', 'apiserver.config.k8s.io/v1beta1'] : minor >= 32 ? ['apiserver.config.k8s.io/v1beta1'] : [];
  if (!versions.includes(String(d.apiVersion))) out.push(`apiVersion: ${String(d.apiVersion)} is not read by 1.${minor}`);
  if (d.kind !== 'AuthenticationConfiguration') out.push(`kind: ${String(d.kind)}`);
  ruleProblems(d, out);
  return out;
}
