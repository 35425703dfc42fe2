/** Common countries and regions with their dialling codes, for the phone pickers. */
export interface Country {
  code: string;
  name: string;
  dial: string;
}

export const COUNTRIES: Country[] = [
  { code: 'AR', name: 'Argentina', dial: '54' },
  { code: 'AU', name: 'Australia', dial: '61' },
  { code: 'AT', name: 'Austria', dial: '43' },
  { code: 'BD', name: 'Bangladesh', dial: '880' },
  { code: 'BE', name: 'Belgium', dial: '32' },
  { code: 'BR', name: 'Brazil', dial: '55' },
  { code: 'CA', name: 'Canada', dial: '1' },
  { code: 'CL', name: 'Chile', dial: '56' },
  { code: 'CN', name: 'China', dial: '86' },
  { code: 'CO', name: 'Colombia', dial: '57' },
  { code: 'CZ', name: 'Czechia', dial: '420' },
  { code: 'DK', name: 'Denmark', dial: '45' },
  { code: 'EG', name: 'Egypt', dial: '20' },
  { code: 'FI', name: 'Finland', dial: '358' },
  { code: 'FR', name: 'France', dial: '33' },
  { code: 'DE', name: 'Germany', dial: '49' },
  { code: 'GR', name: 'Greece', dial: '30' },
  { code: 'HK', name: 'Hong Kong', dial: '852' },
  { code: 'IN', name: 'India', dial: '91' },
  { code: 'ID', name: 'Indonesia', dial: '62' },
  { code: 'IE', name: 'Ireland', dial: '353' },
  { code: 'IL', name: 'Israel', dial: '972' },
  { code: 'IT', name: 'Italy', dial: '39' },
  { code: 'JP', name: 'Japan', dial: '81' },
  { code: 'KE', name: 'Kenya', dial: '254' },
  { code: 'MY', name: 'Malaysia', dial: '60' },
  { code: 'MX', name: 'Mexico', dial: '52' },
  { code: 'NL', name: 'Netherlands', dial: '31' },
  { code: 'NZ', name: 'New Zealand', dial: '64' },
  { code: 'NG', name: 'Nigeria', dial: '234' },
  { code: 'NO', name: 'Norway', dial: '47' },
  { code: 'PK', name: 'Pakistan', dial: '92' },
  { code: 'PE', name: 'Peru', dial: '51' },
  { code: 'PH', name: 'Philippines', dial: '63' },
  { code: 'PL', name: 'Poland', dial: '48' },
  { code: 'PT', name: 'Portugal', dial: '351' },
  { code: 'SA', name: 'Saudi Arabia', dial: '966' },
  { code: 'SG', name: 'Singapore', dial: '65' },
  { code: 'ZA', name: 'South Africa', dial: '27' },
  { code: 'KR', name: 'South Korea', dial: '82' },
  { code: 'ES', name: 'Spain', dial: '34' },
  { code: 'SE', name: 'Sweden', dial: '46' },
  { code: 'CH', name: 'Switzerland', dial: '41' },
  { code: 'TW', name: 'Taiwan', dial: '886' },
  { code: 'TH', name: 'Thailand', dial: '66' },
  { code: 'TR', name: 'Türkiye', dial: '90' },
  { code: 'UA', name: 'Ukraine', dial: '380' },
  { code: 'AE', name: 'United Arab Emirates', dial: '971' },
  { code: 'GB', name: 'United Kingdom', dial: '44' },
  { code: 'US', name: 'United States', dial: '1' },
  { code: 'VN', name: 'Vietnam', dial: '84' },
];

const byCode = new Map(COUNTRIES.map((c) => [c.code, c]));

export function findCountry(code: string | undefined): Country | undefined {
  return code ? byCode.get(code.toUpperCase()) : undefined;
}

export function countryName(code: string | undefined): string {
  return findCountry(code)?.name ?? code ?? '';
}

/** The countries offered, with `extra` codes (the sender's country, a saved phone's) added when missing. */
export function countryOptions(...extra: Array<string | undefined>): Country[] {
  const missing = extra
    .filter((c): c is string => !!c && !byCode.has(c.toUpperCase()))
    .map((c) => ({ code: c.toUpperCase(), name: c.toUpperCase(), dial: '' }));
  const unique = [...new Map(missing.map((c) => [c.code, c])).values()];
  return [...COUNTRIES, ...unique];
}

/**
 * Whether a text to this number would be international for the sender. A number typed in full (`+44…`)
 * is judged by its dialling code; otherwise by the chosen country.
 */
export function isInternational(country: string, number: string, senderCountry: string): boolean {
  const sender = findCountry(senderCountry);
  const typed = number.replace(/[^\d+]/g, '');
  if (typed.startsWith('+') && sender?.dial) return !typed.startsWith(`+${sender.dial}`);
  return country.toUpperCase() !== senderCountry.toUpperCase();
}
