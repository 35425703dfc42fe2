import { geoVerdict, GeoPolicy, GeoSubject } from './geo.policy';

const policy: GeoPolicy = {
  smsCountries: ['US', 'CA', 'GB'],
  callCountries: ['US', 'CA', 'GB', 'DE'],
  blockedNumberTypes: ['premium_rate', 'shared_cost'],
};

describe('geoVerdict', () => {
  const rows: Array<{ name: string; subject: GeoSubject; policy?: GeoPolicy; code?: 'geo_blocked' | 'premium_rate_not_allowed'; says?: RegExp }> = [
    { name: 'a US mobile by text', subject: { country: 'US', method: 'sms', lineType: 'mobile' } },
    { name: 'a GB mobile by call', subject: { country: 'GB', method: 'call', lineType: 'mobile' } },
    { name: 'the country in lower case', subject: { country: 'gb', method: 'sms', lineType: 'mobile' } },
    { name: 'a DE mobile by call (calls only)', subject: { country: 'DE', method: 'call', lineType: 'mobile' } },
    { name: 'a DE mobile by text', subject: { country: 'DE', method: 'sms', lineType: 'mobile' }, code: 'geo_blocked', says: /^This service doesn't send texts to phones in Germany \(DE\)\. Choose "Call me" instead\.$/ },
    { name: 'a NG mobile by text', subject: { country: 'NG', method: 'sms', lineType: 'mobile' }, code: 'geo_blocked', says: /texts to phones in Nigeria \(NG\)\.$/ },
    { name: 'a JM number by call (Caribbean +1)', subject: { country: 'JM', method: 'call', lineType: 'fixed_line_or_mobile' }, code: 'geo_blocked', says: /calls.*\(JM\)/ },
    { name: 'a premium-rate number', subject: { country: 'GB', method: 'call', lineType: 'premium_rate' }, code: 'premium_rate_not_allowed', says: /Premium-rate/ },
    { name: 'a shared-cost number', subject: { country: 'GB', method: 'call', lineType: 'shared_cost' }, code: 'premium_rate_not_allowed', says: /Shared-cost/ },
    { name: 'a blocked type outside the allowed countries: the type is named', subject: { country: 'ES', method: 'call', lineType: 'shared_cost' }, code: 'premium_rate_not_allowed' },
    { name: 'a UAN number (not blocked here)', subject: { country: 'GB', method: 'call', lineType: 'uan' } },
    { name: 'an unknown line type is judged by country only', subject: { country: 'US', method: 'sms', lineType: null } },
    { name: 'every country allowed with *', subject: { country: 'NG', method: 'sms', lineType: 'mobile' }, policy: { ...policy, smsCountries: ['*'] } },
    { name: 'no blocked types', subject: { country: 'GB', method: 'call', lineType: 'shared_cost' }, policy: { ...policy, blockedNumberTypes: [] } },
  ];

  it.each(rows)('$name', ({ subject, policy: p, code, says }) => {
    const verdict = geoVerdict(subject, p ?? policy);
    if (code === undefined) {
      expect(verdict).toEqual({ allowed: true });
      return;
    }
    expect(verdict).toMatchObject({ allowed: false, code });
    if (says && !verdict.allowed) expect(verdict.message).toMatch(says);
  });
});
