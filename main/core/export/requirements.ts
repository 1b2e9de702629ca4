/**
 * The Python packages an exported TRL project pins, known to work together
 * (torch 2.13 with this TRL, transformers, accelerate and peft; the export's
 * tests run them in scripts/python-env.sh's venv, which pins the same — a unit
 * test checks the two agree).
 */
export const TRL_REQUIREMENTS = {
  torch: '2.13.0',
  transformers: '5.17.0',
  trl: '1.13.0',
  accelerate: '1.15.0',
  peft: '0.21.0',
  datasets: '5.2.0',
} as const;

export function requirementsTxt(pins: Record<string, string>): string {
  return [
    '# Pinned versions known to work together (Alignment Studio TRL export).',
    '# For the DeepSpeed configs also: pip install deepspeed',
    ...Object.entries(pins).map(([name, version]) => `${name}==${version}`),
    '',
  ].join('\n');
}
