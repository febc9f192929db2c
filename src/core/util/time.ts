// Time values on their way into SQL. The engine's DateTime64 parser does not
// take ISO-8601's "T" and "Z", and bound parameters of type DateTime64(3)
// want "YYYY-MM-DD hh:mm:ss.sss" in UTC: this is the one conversion.

/** "2026-11-23T18:00:00.123Z" (or a Date or epoch ms) as "2026-11-23 18:00:00.123", UTC. */
export function toClickHouseTime(t: Date | string | number): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid time ${String(t)}`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A ClickHouse DateTime64 text in UTC ("2026-11-23 18:00:00.123") as ISO-8601. */
export function fromClickHouseTime(text: string): string {
  return new Date(text.replace(' ', 'T') + (text.endsWith('Z') ? '' : 'Z')).toISOString();
}
