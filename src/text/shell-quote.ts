/** Single-quoted for bash: the value as is, whatever it holds (the node bootstrap's scripts). */
export function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}
