import type { PhoneView } from '@redial/contracts';
import type { StoredPhone } from '@redial/database';
import { maskPhone } from '@redial/domain';

export function toPhoneView(phone: StoredPhone, senderCountry: string): PhoneView {
  const view: PhoneView = {
    e164: phone.e164,
    masked: maskPhone(phone.e164),
    country: phone.country,
    method: phone.method,
    role: phone.role,
    internationalSmsCharges: phone.method === 'sms' && phone.country !== senderCountry,
    verifiedAt: phone.verifiedAt?.toISOString() ?? null,
  };
  if (phone.label !== undefined) view.label = phone.label;
  if (phone.extension !== undefined) view.extension = phone.extension;
  if (phone.lineType !== undefined) view.lineType = phone.lineType;
  return view;
}
