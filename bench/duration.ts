/** `--duration=`: seconds as a bare number, or with a unit: `90s`, `30m`, `1h`. */
export const parseDuration = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] ?? 's']! : Number.NaN;
  if (!(seconds > 0)) {
    throw new Error(`--duration must be a time above 0 such as 90, 90s, 30m or 1h, not "${text}"`);
  }
  return seconds;
};
