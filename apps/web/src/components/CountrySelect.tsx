import { countryOptions } from '../lib/countries';

export function CountrySelect({
  id,
  value,
  onChange,
  senderCountry,
  invalid,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (code: string) => void;
  senderCountry: string;
  invalid?: boolean;
  describedBy?: string;
}) {
  const options = countryOptions(senderCountry, value);
  return (
    <select
      id={id}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      autoComplete="country"
      data-testid={`${id}`}
    >
      {options.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
          {c.dial ? ` (+${c.dial})` : ''}
        </option>
      ))}
    </select>
  );
}
