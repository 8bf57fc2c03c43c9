/** Prints rows as an aligned text table: every key of any row is a column (first seen first), numbers right-aligned. */
export const printTable = (rows: Record<string, string | number>[]): void => {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[], numeric: boolean[]) =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ');
  const numeric = columns.map((column) => rows.some((row) => typeof row[column] === 'number'));
  console.log(line(columns, numeric));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const values of cells) console.log(line(values, numeric));
};
