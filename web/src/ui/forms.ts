/**
 * Field checks return an i18n key, not text, so that a message already shown
 * follows a later language switch.
 */
export type FieldErrors<K extends string> = Partial<Record<K, string>>;

// Deliberately loose: the server decides what an address is; this only catches typos.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function requireText(value: string): string | undefined {
  return value.trim() ? undefined : 'common.required';
}

export function requireEmail(value: string): string | undefined {
  return requireText(value) ?? (EMAIL.test(value.trim()) ? undefined : 'common.invalidEmail');
}

/** Sites are published over TLS only; the server refuses anything else too. */
export function requireHttpsUrl(value: string): string | undefined {
  const missing = requireText(value);
  if (missing) return missing;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' && url.hostname ? undefined : 'common.invalidUrl';
  } catch {
    return 'common.invalidUrl';
  }
}

export function hasErrors<K extends string>(errors: FieldErrors<K>): boolean {
  return Object.values(errors).some(Boolean);
}

/** Puts the cursor in the first field that needs attention, after React has rendered the errors. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
