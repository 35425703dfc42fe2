/**
 * Column lists and row builders for the hand-written SQL of the repositories. Rows come back with the field
 * names of the records (camelCase aliases); a patch object becomes a SET clause over known columns only.
 */

/** `"userId"` → `user_id`. */
function columnOf(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `user_id AS "userId", status, …` for the given fields, optionally qualified by a table alias. */
export function selectList(fields: readonly string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return fields.map((f) => (columnOf(f) === f ? `${prefix}"${f}"` : `${prefix}${columnOf(f)} AS "${f}"`)).join(', ');
}

/**
 * `SET a = $n, b = $n+1 …` from the defined entries of `patch` (undefined entries are left out; null is written).
 * Throws on a field outside `allowed`: a patch never writes a column by accident.
 */
export function setClause(patch: Record<string, unknown>, allowed: ReadonlySet<string>, firstParam: number): { sql: string; values: unknown[] } {
  const written = writtenColumns(patch, allowed, 'patch');
  return { sql: written.map(([column], i) => `"${column}" = $${firstParam + i}`).join(', '), values: written.map(([, value]) => value) };
}

/**
 * `(a, b …)` and `($n, $n+1 …)` for an INSERT of the defined entries of `row`, whose values are appended to
 * `values`. Throws on a field outside `allowed`, as setClause does.
 */
export function insertClause(row: Record<string, unknown>, allowed: ReadonlySet<string>, values: unknown[]): { columns: string; params: string } {
  const written = writtenColumns(row, allowed, 'row');
  const first = values.length + 1;
  values.push(...written.map(([, value]) => value));
  return { columns: written.map(([column]) => `"${column}"`).join(', '), params: written.map((_, i) => `$${first + i}`).join(', ') };
}

/** The columns and values of the defined entries of `fields`; throws on a field outside `allowed` (`what`: patch or row). */
function writtenColumns(fields: Record<string, unknown>, allowed: ReadonlySet<string>, what: string): Array<[column: string, value: unknown]> {
  const written: Array<[string, unknown]> = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!allowed.has(field)) throw new Error(`unknown column in ${what}: ${field}`);
    written.push([columnOf(field), value]);
  }
  return written;
}

/** `($1, $2), ($3, $4)` and the flat values, for a multi-row INSERT. */
export function valuesList(rows: ReadonlyArray<readonly unknown[]>, firstParam = 1): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((v) => (values.push(v), `$${firstParam + values.length - 1}`)).join(', ')})`);
  return { sql: tuples.join(', '), values };
}

/** Timestamps inside json_agg come back as ISO strings: turn the named fields back into Dates. */
export function revive<T>(row: Record<string, unknown>, dateFields: readonly string[]): T {
  for (const f of dateFields) {
    const v = row[f];
    if (typeof v === 'string') row[f] = new Date(v);
  }
  return row as T;
}
