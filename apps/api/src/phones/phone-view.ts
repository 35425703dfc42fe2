import type { PhoneSettingsView, PhoneView } from '@redial/contracts';
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

/** The settings as an operator sees them: each phone by its `masked` number only (CONTRACT.md), never its `e164`. */
export function withoutNumbers(settings: PhoneSettingsView): PhoneSettingsView {
  const hide = ({ e164: _e164, ...phone }: PhoneView): PhoneView => phone;
  const shown: PhoneSettingsView = { ...settings, primary: settings.primary && hide(settings.primary), backups: settings.backups.map(hide) };
  if (settings.pending) shown.pending = { ...settings.pending, primary: hide(settings.pending.primary), backups: settings.pending.backups.map(hide) };
  return shown;
}
