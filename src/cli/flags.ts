/** Flag value parsers shared by the commands. */
import { KopsError } from '../diagnostics.js';

/** kops's boolean flags take `--flag`, `--flag=true` or `--flag=false`; anything else is a usage error. */
export const boolFlag = (flag: string) => (v: string | undefined): boolean => {
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new KopsError('InvalidFlag', `${flag}=${v}: expected true or false`, { exitCode: 2 });
};
