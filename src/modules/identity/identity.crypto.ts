import { createHmac } from 'node:crypto';
import { normaliseEmail } from '../staff/staff.crypto.js';
import type { ChannelId } from './identity.table.js';

export { normaliseEmail, once, openState, passwordMark, sealState, sha256 } from '../staff/staff.crypto.js';

/** A contact as the customer typed it, sorted into its channel and normalised. */
export interface Contact {
  channel: ChannelId;
  /** Lower-case trimmed e-mail, or a phone number as `+` and digits. */
  value: string;
}

/** E-mail when it has an `@`, else a phone number: digits only, with the leading `+`. */
export function parseContact(raw: string): Contact {
  if (raw.includes('@')) return { channel: 'email', value: normaliseEmail(raw) };
  return { channel: 'sms', value: `+${raw.replace(/\D/g, '')}` };
}

/** The blind-index domain of each channel. */
export function indexKind(channel: ChannelId): string {
  return channel === 'email' ? 'customer-email' : 'customer-phone';
}

/** `+998 ** *** ** 67`: enough for a log line to be useful, not enough to identify anyone. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `+${digits.slice(0, 3)}…${digits.slice(-2)}`;
}

/**
 * What staff may see of a contact (`a•••@example.com`, `+998•••••67`): enough
 * to match a caller's account, never the whole address. The mask's length
 * does not follow the address's.
 */
export function maskContact(contact: Contact): string {
  if (contact.channel === 'email') {
    const at = contact.value.lastIndexOf('@');
    return `${contact.value.slice(0, Math.min(1, at))}•••${contact.value.slice(at)}`;
  }
  return `${contact.value.slice(0, 4)}•••••${contact.value.slice(-2)}`;
}

export function hmac(key: Buffer, ...parts: string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\0')).digest();
}

/**
 * "Firefox on Windows": what a person recognises in their session list, without
 * the version details that would make the user agent a fingerprint.
 */
export function deviceSummary(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : /curl|wget|python|node|okhttp|Go-http/i.test(ua)
              ? 'a program'
              : 'a browser';
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'an unknown system';
  return `${browser} on ${system}`;
}
