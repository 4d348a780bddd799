/** The last `days` days up to today (inclusive), as the API's ReportPeriodInput. */
export function lastDays(days: number, today: Date = new Date()): { gte: string; lte: string } {
  const end = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()));
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - (days - 1));
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  return { gte: iso(start), lte: iso(end) };
}
