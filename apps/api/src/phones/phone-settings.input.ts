import type { ContactMethod, PhoneInput, PhoneLabel, PhoneSettingsInput } from '@redial/contracts';
import { ApiError } from '../common/api-error';
import { Json, oneOf, onlyKeys, optionalString, requireObject, requiredString } from '../common/input';

export const MAX_BACKUPS = 4;
const PHONE_KEYS = ['number', 'country', 'method', 'label', 'extension'] as const;
const METHODS: readonly ContactMethod[] = ['call', 'sms'];
const LABELS: readonly PhoneLabel[] = ['mobile', 'office', 'alternate'];

/** The shape of `PUT /v1/users/:userId/phones`; number rules are applied afterwards by the domain. */
export function parsePhoneSettingsInput(body: unknown): PhoneSettingsInput {
  const root = requireObject(body, undefined);
  onlyKeys(root, ['primary', 'backups'], '');
  if (root.primary === undefined || root.primary === null) {
    throw ApiError.badRequest('required', 'primary is required: the phone to contact first.', 'primary');
  }
  const primary = parsePhone(root.primary, 'primary');
  const backups: PhoneInput[] = [];
  if (root.backups !== undefined && root.backups !== null) {
    if (!Array.isArray(root.backups)) throw ApiError.badRequest('invalid_type', 'backups must be an array of phones.', 'backups');
    if (root.backups.length > MAX_BACKUPS) {
      throw ApiError.badRequest('too_many_backups', `At most ${MAX_BACKUPS} backup phones can be registered.`, 'backups');
    }
    root.backups.forEach((b, i) => backups.push(parsePhone(b, `backups[${i}]`)));
  }
  return { primary, backups };
}

function parsePhone(value: unknown, path: string): PhoneInput {
  const obj: Json = requireObject(value, path, 'an object with number and method');
  onlyKeys(obj, PHONE_KEYS, path);
  const number = requiredString(obj, 'number', `${path}.number`, 40);
  const country = optionalString(obj, 'country', `${path}.country`, 8);
  const method = oneOf(obj, 'method', `${path}.method`, METHODS, true) as ContactMethod;
  const label = oneOf(obj, 'label', `${path}.label`, LABELS, false);
  let extension = optionalString(obj, 'extension', `${path}.extension`, 10);
  if (extension !== undefined && extension.trim() === '') extension = undefined;
  const phone: PhoneInput = { number, method };
  if (country !== undefined && country !== '') phone.country = country;
  if (label !== undefined) phone.label = label;
  if (extension !== undefined) phone.extension = extension.trim();
  return phone;
}
