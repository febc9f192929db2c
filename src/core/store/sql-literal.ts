// A string as a ClickHouse SQL literal, for the few statements whose values
// cannot be bound parameters (DDL arguments, INFILE paths, SETTINGS values).
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
