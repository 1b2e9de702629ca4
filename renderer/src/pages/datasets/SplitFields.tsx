import { Field, inputClass } from '../../components/Field';

/** The two settings of a seeded train/test split, as the split dialog and the launcher's "split and snapshot here" show them. */
export function SplitFields({
  testFraction,
  seed,
  onTestFraction,
  onSeed,
  minFraction,
  testIdPrefix,
}: {
  testFraction: string;
  seed: string;
  onTestFraction: (value: string) => void;
  onSeed: (value: string) => void;
  minFraction: number;
  /** `split` → `split-fraction`, `split-seed` (what the e2e tests select on). */
  testIdPrefix: string;
}) {
  return (
    <>
      <Field label="Test fraction (0–0.9)">
        <input
          className={`${inputClass} w-28`}
          type="number"
          min={minFraction}
          max={0.9}
          step={0.05}
          value={testFraction}
          onChange={(e) => onTestFraction(e.target.value)}
          data-testid={`${testIdPrefix}-fraction`}
        />
      </Field>
      <Field label="Seed">
        <input
          className={`${inputClass} w-28`}
          type="number"
          step={1}
          value={seed}
          onChange={(e) => onSeed(e.target.value)}
          data-testid={`${testIdPrefix}-seed`}
        />
      </Field>
    </>
  );
}
