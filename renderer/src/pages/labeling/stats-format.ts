/** Statistics as the labeling pages print them: undefined ones as a dash (the reason goes beside it). */
export function formatRate(perHour: number | null): string {
  return perHour === null ? '—' : perHour >= 100 ? String(Math.round(perHour)) : perHour.toFixed(1);
}

export function formatShare(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}

export function formatStat(value: number | null, digits = 3): string {
  return value === null ? '—' : value.toFixed(digits);
}
