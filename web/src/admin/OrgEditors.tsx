import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import {
  type FieldErrors,
  focusFirstInvalid,
  hasErrors,
  requireEmail,
  requireHttpsUrl,
  requireText,
} from '../ui/forms';
import { ErrorNotice } from '../ui/Notice';
import type { Company, Product, Site } from '../ui/org';

type CompanyContact = Pick<Company, 'email' | 'phone' | 'address'>;

interface EditorProps {
  onCancel: () => void;
  onSaved: () => void;
}

/** A titled form that takes focus when it opens, so keyboard users land in it. */
function EditorForm({
  title,
  busy,
  failure,
  onSubmit,
  onCancel,
  children,
}: {
  title: string;
  busy: boolean;
  failure: unknown;
  onSubmit: (form: HTMLFormElement) => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => form.current?.querySelector<HTMLInputElement>('input')?.focus(), []);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSubmit(event.currentTarget);
  };
  return (
    <form ref={form} className="form editor" noValidate onSubmit={submit} aria-label={title} aria-busy={busy}>
      <h3>{title}</h3>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {children}
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {busy ? t('admin.org.saving') : t('admin.org.save')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('admin.org.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Sends a PATCH and reports back; the form stays open with the server's message on failure. */
function usePatch(url: string, onSaved: () => void) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const send = async (body: Record<string, string | null>) => {
    setBusy(true);
    setFailure(null);
    try {
      await api(url, { method: 'PATCH', body });
      onSaved();
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };
  return { busy, failure, send };
}

export function ProductEditor({ product, onCancel, onSaved }: EditorProps & { product: Product }) {
  const { t } = useTranslation();
  const [name, setName] = useState(product.name);
  const [error, setError] = useState<string>();
  const patch = usePatch(`/v1/org/products/${encodeURIComponent(product.id)}`, onSaved);
  return (
    <EditorForm
      title={t('admin.org.editProduct', { name: product.name })}
      busy={patch.busy}
      failure={patch.failure}
      onCancel={onCancel}
      onSubmit={(form) => {
        const problem = requireText(name);
        setError(problem);
        if (problem) return focusFirstInvalid(form);
        if (name.trim() === product.name) return onCancel();
        void patch.send({ name: name.trim() });
      }}
    >
      <Field
        label={t('admin.org.name')}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={error && t(error)}
      />
    </EditorForm>
  );
}

type SiteField = 'name' | 'agreementUrl';

export function SiteEditor({ site, onCancel, onSaved }: EditorProps & { site: Site }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({ name: site.name, agreementUrl: site.agreementUrl });
  const [errors, setErrors] = useState<FieldErrors<SiteField>>({});
  const patch = usePatch(`/v1/org/sites/${encodeURIComponent(site.id)}`, onSaved);
  return (
    <EditorForm
      title={t('admin.org.editSite', { name: site.name })}
      busy={patch.busy}
      failure={patch.failure}
      onCancel={onCancel}
      onSubmit={(form) => {
        const found = { name: requireText(values.name), agreementUrl: requireHttpsUrl(values.agreementUrl) };
        setErrors(found);
        if (hasErrors(found)) return focusFirstInvalid(form);
        // Only what changed: the audit entry then says exactly what was edited.
        const changed: Record<string, string> = {};
        if (values.name.trim() !== site.name) changed.name = values.name.trim();
        if (values.agreementUrl.trim() !== site.agreementUrl)
          changed.agreementUrl = values.agreementUrl.trim();
        if (Object.keys(changed).length === 0) return onCancel();
        void patch.send(changed);
      }}
    >
      <Field
        label={t('admin.org.name')}
        value={values.name}
        onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
        error={errors.name && t(errors.name)}
      />
      <Field
        label={t('admin.org.agreementUrl')}
        type="url"
        inputMode="url"
        value={values.agreementUrl}
        onChange={(e) => setValues((v) => ({ ...v, agreementUrl: e.target.value }))}
        error={errors.agreementUrl && t(errors.agreementUrl)}
      />
    </EditorForm>
  );
}

type ContactField = keyof CompanyContact;

// What the server accepts (src/modules/org/org.schemas.ts): E.164, and an address of at most 300 characters.
const E164 = /^\+[1-9][0-9]{6,14}$/;
const MAX_ADDRESS = 300;

/** A phone number as typed, without the spaces, dashes and brackets people group digits with. */
const compactPhone = (value: string) => value.replace(/[\s()-]/g, '');

/** Each field may be left empty (no value); what is filled in must be well formed. */
function contactErrors(values: Record<ContactField, string>): FieldErrors<ContactField> {
  const email = values.email.trim();
  const phone = compactPhone(values.phone);
  return {
    email: email ? requireEmail(email) : undefined,
    phone: phone && !E164.test(phone) ? 'admin.org.invalidPhone' : undefined,
    address: values.address.trim().length > MAX_ADDRESS ? 'admin.org.addressTooLong' : undefined,
  };
}

export function CompanyContactEditor({ company, onCancel, onSaved }: EditorProps & { company: Company }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({
    email: company.email ?? '',
    phone: company.phone ?? '',
    address: company.address ?? '',
  });
  const [errors, setErrors] = useState<FieldErrors<ContactField>>({});
  const patch = usePatch('/v1/org/company', onSaved);
  const set = (field: ContactField) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));
  return (
    <EditorForm
      title={t('admin.org.editContact')}
      busy={patch.busy}
      failure={patch.failure}
      onCancel={onCancel}
      onSubmit={(form) => {
        const found = contactErrors(values);
        setErrors(found);
        if (hasErrors(found)) return focusFirstInvalid(form);
        // Only what changed, an emptied field as null: the audit entry then says exactly what was edited.
        const next: CompanyContact = {
          email: values.email.trim() || null,
          phone: compactPhone(values.phone) || null,
          address: values.address.trim() || null,
        };
        const changed: Record<string, string | null> = {};
        for (const field of ['email', 'phone', 'address'] as const)
          if (next[field] !== company[field]) changed[field] = next[field];
        if (Object.keys(changed).length === 0) return onCancel();
        void patch.send(changed);
      }}
    >
      <p className="muted">{t('admin.org.contactNote')}</p>
      <Field
        label={t('admin.org.email')}
        type="email"
        inputMode="email"
        autoComplete="off"
        value={values.email}
        onChange={set('email')}
        error={errors.email && t(errors.email)}
      />
      <Field
        label={t('admin.org.phone')}
        type="tel"
        inputMode="tel"
        autoComplete="off"
        hint={t('admin.org.phoneHint')}
        value={values.phone}
        onChange={set('phone')}
        error={errors.phone && t(errors.phone)}
      />
      <Field
        label={t('admin.org.address')}
        autoComplete="off"
        hint={t('admin.org.addressHint')}
        value={values.address}
        onChange={set('address')}
        error={errors.address && t(errors.address)}
      />
    </EditorForm>
  );
}
