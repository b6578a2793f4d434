import { useTranslation } from 'react-i18next';
import { Field } from '../ui/Field';

export const MIN_PASSWORD = 10;

export function requirePassword(value: string): string | undefined {
  return value.length >= MIN_PASSWORD ? undefined : 'cabinet.fields.passwordShort';
}

/** What is wrong with a new password and its repeat, as message keys. */
export function checkNewPassword(password: string, repeat: string): { password?: string; repeat?: string } {
  return {
    password: requirePassword(password),
    repeat: repeat === password ? undefined : 'cabinet.fields.repeatMismatch',
  };
}

/** A new password (with the length hint) and its repeat. */
export function NewPasswordFields({
  label,
  password,
  repeat,
  onPassword,
  onRepeat,
  errors,
}: {
  label: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  errors: { password?: string; repeat?: string };
}) {
  const { t } = useTranslation();
  return (
    <>
      <Field
        label={label}
        hint={t('cabinet.fields.passwordHint', { n: MIN_PASSWORD })}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(event) => onPassword(event.target.value)}
        error={errors.password && t(errors.password, { n: MIN_PASSWORD })}
      />
      <Field
        label={t('cabinet.fields.repeat')}
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={(event) => onRepeat(event.target.value)}
        error={errors.repeat && t(errors.repeat)}
      />
    </>
  );
}
