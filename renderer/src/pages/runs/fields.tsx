import { Fragment, useEffect, useState, type ReactNode } from 'react';
import { settingLabel, type DescribedSetting } from '../../../../shared/run-settings';
import type { RunEstimate } from '../../../../shared/runs';
import { getAt, type FormConfig } from './launch-form';
import { cardClass } from '../../components/Card';
import { Field, inputClass } from '../../components/Field';

export type Issues = RunEstimate['issues'];

/** What the form edits and where it shows problems; passed to every field. */
export interface FormBinding {
  config: FormConfig;
  set: (path: string, value: unknown) => void;
  issues: Issues;
  /** Values a text setting may take, offered as it is typed (evalSuite: the workspace's suites). */
  suggestions?: Record<string, readonly string[]>;
}

function testIdOf(path: string): string {
  return `field-${path.replace(/\./g, '-')}`;
}

function FieldIssues({ issues, path }: { issues: Issues; path: string }) {
  const mine = issues.filter((i) => i.path === path);
  if (mine.length === 0) return null;
  return (
    <span className="text-xs font-normal text-rose-600 dark:text-rose-400" data-testid={`issue-${path.replace(/\./g, '-')}`}>
      {mine.map((i) => (/expected number, received (null|NaN)/.test(i.message) ? 'Enter a number.' : i.message)).join(' ')}
    </span>
  );
}

/** A labelled setting with its problems under it. */
function SettingControl({
  label,
  hint,
  path,
  issues,
  children,
  className,
}: {
  label: string;
  hint?: string;
  path: string;
  issues: Issues;
  children: ReactNode;
  className?: string;
}) {
  return (
    <Field label={label} hint={hint} className={className} after={<FieldIssues issues={issues} path={path} />}>
      {children}
    </Field>
  );
}

/**
 * A number input that keeps what the person types ("5e-", "0.") while
 * sending the parsed number (NaN while unparseable, so the estimate flags
 * it). `nullable` fields send null when left empty.
 */
export function NumberField({
  form,
  path,
  label,
  hint,
  nullable = false,
  step = 'any',
  placeholder,
}: {
  form: FormBinding;
  path: string;
  label: string;
  hint?: string;
  nullable?: boolean;
  step?: number | 'any';
  placeholder?: string;
}) {
  const value = getAt(form.config, path);
  const parse = (text: string) => (text.trim() === '' ? (nullable ? null : Number.NaN) : Number(text));
  const shown = typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  const [text, setText] = useState(shown);
  useEffect(() => {
    // Follow changes from outside (defaults, presets) without fighting the person typing ("5e-" parses to NaN, as sent).
    setText((current) => (Object.is(parse(current), value) ? current : shown));
    // parse only depends on `nullable`, which never changes for a field.
  }, [value, shown]);
  const invalid = form.issues.some((i) => i.path === path);
  return (
    <SettingControl label={label} hint={hint} path={path} issues={form.issues}>
      <input
        className={`${inputClass} w-full tabular-nums ${invalid ? '!border-rose-500' : ''}`}
        inputMode="decimal"
        type="text"
        value={text}
        step={step}
        placeholder={placeholder}
        aria-invalid={invalid}
        data-testid={testIdOf(path)}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          form.set(path, parse(next));
        }}
      />
    </SettingControl>
  );
}

export function CheckField({ form, path, label, hint }: { form: FormBinding; path: string; label: string; hint?: string }) {
  return (
    <label className="flex items-center gap-2 text-sm" title={hint}>
      <input
        type="checkbox"
        checked={getAt(form.config, path) === true}
        onChange={(e) => form.set(path, e.target.checked)}
        data-testid={testIdOf(path)}
      />
      {label}
      <FieldIssues issues={form.issues} path={path} />
    </label>
  );
}

export function SelectField({
  form,
  path,
  label,
  options,
  hint,
}: {
  form: FormBinding;
  path: string;
  label: string;
  options: { value: string; label: string }[];
  hint?: string;
}) {
  return (
    <SettingControl label={label} hint={hint} path={path} issues={form.issues}>
      <select
        className={inputClass}
        value={String((getAt(form.config, path) as string | null | undefined) ?? '')}
        onChange={(e) => form.set(path, e.target.value)}
        data-testid={testIdOf(path)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </SettingControl>
  );
}

/** A list of names typed comma- or space-separated; empty sends null (the setting's "all"). */
function NamesField({
  form,
  path,
  label,
  hint,
  placeholder,
}: {
  form: FormBinding;
  path: string;
  label: string;
  hint?: string;
  placeholder?: string;
}) {
  const value = getAt(form.config, path);
  const [text, setText] = useState(Array.isArray(value) ? value.join(', ') : '');
  return (
    <SettingControl label={label} hint={hint} path={path} issues={form.issues} className="col-span-2">
      <input
        className={`${inputClass} font-mono`}
        value={text}
        placeholder={placeholder}
        data-testid={testIdOf(path)}
        onChange={(e) => {
          setText(e.target.value);
          const names = e.target.value.split(/[\s,]+/).filter(Boolean);
          form.set(path, names.length > 0 ? names : null);
        }}
      />
    </SettingControl>
  );
}

/** A name typed as is; empty sends null (the setting's "none"). */
function TextField({
  form,
  path,
  label,
  hint,
  placeholder,
}: {
  form: FormBinding;
  path: string;
  label: string;
  hint?: string;
  placeholder?: string;
}) {
  const value = getAt(form.config, path);
  const suggestions = form.suggestions?.[path] ?? [];
  const listId = `${testIdOf(path)}-options`;
  return (
    <SettingControl label={label} hint={hint} path={path} issues={form.issues}>
      <input
        className={`${inputClass} font-mono`}
        value={typeof value === 'string' ? value : ''}
        placeholder={placeholder}
        list={suggestions.length > 0 ? listId : undefined}
        data-testid={testIdOf(path)}
        onChange={(e) => form.set(path, e.target.value.trim() === '' ? null : e.target.value)}
      />
      {suggestions.length > 0 && (
        <datalist id={listId}>
          {suggestions.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      )}
    </SettingControl>
  );
}

/** The form field of a described run setting (run-settings.ts): its kind picks the control; label, help and bounds come from the description. */
export function SettingField({ form, setting }: { form: FormBinding; setting: DescribedSetting }) {
  const label = settingLabel(setting);
  switch (setting.kind) {
    case 'boolean':
      return <CheckField form={form} path={setting.path} label={label} hint={setting.help} />;
    case 'choice':
      return (
        <SelectField
          form={form}
          path={setting.path}
          label={label}
          hint={setting.help}
          options={setting.options.map((o) => ({ value: o, label: o }))}
        />
      );
    case 'names':
      return <NamesField form={form} path={setting.path} label={label} hint={setting.help} placeholder={setting.placeholder} />;
    case 'text':
      return <TextField form={form} path={setting.path} label={label} hint={setting.help} placeholder={setting.placeholder} />;
    default:
      return (
        <NumberField
          form={form}
          path={setting.path}
          label={label}
          hint={setting.help}
          nullable={setting.nullable === true}
          placeholder={setting.placeholder}
        />
      );
  }
}

/** A section's settings: fields in a grid, check boxes in a row below it. `extra` renders items that are not settings. */
export function SettingsGrid({
  form,
  settings,
  extra,
}: {
  form: FormBinding;
  settings: (DescribedSetting | string)[];
  extra?: (item: string) => ReactNode;
}) {
  const isBox = (s: DescribedSetting | string) => typeof s !== 'string' && s.kind === 'boolean';
  const render = (s: DescribedSetting | string) =>
    typeof s === 'string' ? <Fragment key={s}>{extra?.(s)}</Fragment> : <SettingField key={s.path} form={form} setting={s} />;
  const boxes = settings.filter(isBox);
  return (
    <>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">{settings.filter((s) => !isBox(s)).map(render)}</div>
      {boxes.length > 0 && <div className="mt-3 flex flex-wrap gap-x-5 gap-y-2">{boxes.map(render)}</div>}
    </>
  );
}

export function Fieldset({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <fieldset className={`${cardClass} p-4`}>
      <legend className="flex items-center gap-2 px-1 text-sm font-semibold">
        {title}
        {aside}
      </legend>
      {children}
    </fieldset>
  );
}
