import { countryName } from '../lib/countries';

/** "United States, Canada and United Kingdom"; `*` is every country. */
function names(codes: readonly string[]): string {
  if (codes.includes('*')) return 'any country';
  const list = codes.map((c) => countryName(c) || c).sort((a, b) => a.localeCompare(b));
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/**
 * Geo permissions, as the person reads them: which countries this service texts and calls (from
 * /ui-config.json). A phone elsewhere is refused when the settings are saved, with the reason under its number.
 */
export function AllowedCountries({ smsCountries, callCountries }: { smsCountries?: readonly string[]; callCountries?: readonly string[] }) {
  if (!smsCountries && !callCountries) return null;
  const same = smsCountries && callCountries && smsCountries.join() === callCountries.join();
  return (
    <div className="hint allowed-countries" data-testid="allowed-countries">
      {same ? (
        <p data-testid="allowed-countries-both">We can text and call phones in {names(smsCountries)}.</p>
      ) : (
        <>
          {smsCountries && <p data-testid="allowed-countries-sms">Texts: phones in {names(smsCountries)}.</p>}
          {callCountries && <p data-testid="allowed-countries-call">Calls: phones in {names(callCountries)}.</p>}
        </>
      )}
      <p>Premium-rate and other special-rate numbers can't be used.</p>
    </div>
  );
}
