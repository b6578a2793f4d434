import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { ConfirmButton } from '../ui/ConfirmButton';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireEmail, requireText } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import type { PasswordLinkKind } from './InvitePage';
import { useSession } from './session';

/** Only administrators manage staff; the server checks again. */
export const STAFF_ROLES = ['admin'];
const ROLES = ['admin', 'dpo', 'legal', 'support', 'marketing', 'security', 'auditor'] as const;

interface Member {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  status: 'active' | 'disabled';
  createdAt: number;
}

interface Invite {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  expiresAt: number;
}

function RolePicker({
  legend,
  value,
  onChange,
  error,
}: {
  legend: string;
  value: string[];
  onChange: (roles: string[]) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className="field" aria-invalid={error ? true : undefined}>
      <legend className="field-label">{legend}</legend>
      {ROLES.map((role) => (
        <label key={role} className="nowrap">
          <input
            type="checkbox"
            checked={value.includes(role)}
            onChange={(event) =>
              onChange(event.target.checked ? [...value, role] : value.filter((r) => r !== role))
            }
          />{' '}
          {t(`people.roles.${role}`)}
        </label>
      ))}
      {error && <p className="field-error">{error}</p>}
    </fieldset>
  );
}

/** The invitation link, shown once: the server keeps only its hash. Takes focus so nobody misses it. */
function LinkOnce({ link, kind, onDone }: { link: string; kind: PasswordLinkKind; onDone: () => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card section-card" aria-labelledby="link-title">
      <h2 id="link-title" ref={heading} tabIndex={-1}>
        {t(kind === 'reset' ? 'staff.link.resetTitle' : 'staff.link.title')}
      </h2>
      <Notice>
        <p>{t(kind === 'reset' ? 'staff.link.resetOnce' : 'staff.link.once')}</p>
      </Notice>
      <p className="mono break" data-testid="invite-link">
        {link}
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void navigator.clipboard?.writeText(link).catch(() => undefined)}
        >
          {t('staff.link.copy')}
        </button>
        <button type="button" className="button" onClick={onDone}>
          {t('staff.link.done')}
        </button>
      </div>
    </section>
  );
}

type InviteField = 'displayName' | 'email' | 'roles';

function InviteForm({ onInvited }: { onInvited: (link: string) => void }) {
  const { t } = useTranslation();
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors<InviteField>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const found: FieldErrors<InviteField> = {
      displayName: requireText(displayName),
      email: requireEmail(email),
      roles: roles.length === 0 ? 'staff.invite.pickRole' : undefined,
    };
    setErrors(found);
    setFailure(null);
    if (hasErrors(found)) return focusFirstInvalid(form);
    setBusy(true);
    try {
      const { link } = await api<{ link: string }>('/v1/staff/invites', {
        method: 'POST',
        body: { displayName: displayName.trim(), email: email.trim(), roles },
      });
      setDisplayName('');
      setEmail('');
      setRoles([]);
      onInvited(link);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="form card section-card"
      noValidate
      onSubmit={submit}
      aria-labelledby="invite-title"
      aria-busy={busy}
    >
      <h2 id="invite-title">{t('staff.invite.formTitle')}</h2>
      <p>{t('staff.invite.formLead')}</p>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <Field
        label={t('admin.fields.displayName')}
        value={displayName}
        maxLength={100}
        onChange={(event) => setDisplayName(event.target.value)}
        error={errors.displayName && t(errors.displayName)}
      />
      <Field
        label={t('admin.fields.email')}
        type="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={errors.email && t(errors.email)}
      />
      <RolePicker
        legend={t('staff.roles')}
        value={roles}
        onChange={setRoles}
        error={errors.roles && t(errors.roles)}
      />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('staff.invite.send')}
        </button>
      </div>
    </form>
  );
}

/** A member's roles, and for another active member an editor; one's own roles another administrator changes. */
function RolesCell({ member, self, onSaved }: { member: Member; self: boolean; onSaved: () => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [roles, setRoles] = useState(member.roles);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const names = member.roles.map((role) => t(`people.roles.${role}`, role)).join(', ');

  async function save() {
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/staff/${encodeURIComponent(member.id)}/roles`, { method: 'PUT', body: { roles } });
      setEditing(false);
      onSaved();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  if (!editing) {
    return (
      <>
        {names || '—'}{' '}
        {member.status === 'active' && !self && (
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={t('staff.editRolesOf', { name: member.displayName })}
            onClick={() => {
              setRoles(member.roles);
              setEditing(true);
            }}
          >
            {t('staff.editRoles')}
          </button>
        )}
      </>
    );
  }
  return (
    <div>
      <RolePicker
        legend={t('staff.rolesOf', { name: member.displayName })}
        value={roles}
        onChange={setRoles}
      />
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <div className="cell-actions">
        <button type="button" className="button button--small" disabled={busy} onClick={save}>
          {t('staff.save')}
        </button>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => setEditing(false)}
        >
          {t('staff.cancel')}
        </button>
      </div>
    </div>
  );
}

/** Staff members, their roles, and invitations of new ones (administrators). */
/** Deactivates an active member, or reactivates a deactivated one, after a confirmation. */
function StatusButton({ member, onChanged }: { member: Member; onChanged: () => void }) {
  const { t } = useTranslation();
  const change = member.status === 'active' ? 'deactivate' : 'reactivate';
  // Keyed by the change: once it is done, the other button starts afresh, not mid-question.
  return (
    <ConfirmButton
      key={change}
      label={t(`staff.members.${change}`)}
      question={t(`staff.members.${change}Confirm`, { name: member.displayName })}
      yes={t(`staff.members.${change}Yes`)}
      cancel={t('staff.cancel')}
      act={async () => {
        await api(`/v1/staff/${encodeURIComponent(member.id)}/${change}`, { method: 'POST' });
        onChanged();
      }}
    />
  );
}

export function StaffPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const me = session.status === 'signed-in' ? session.staff.id : '';
  const members = useApi<{ staff: Member[] }>('/v1/staff');
  const invites = useApi<{ invites: Invite[] }>('/v1/staff/invites');
  const [link, setLink] = useState<{ link: string; kind: PasswordLinkKind } | null>(null);
  const roleNames = (roles: string[]) => roles.map((role) => t(`people.roles.${role}`, role)).join(', ');

  return (
    <div className="page">
      <PageHeader title={t('staff.title')} lead={t('staff.lead')} />
      {link && <LinkOnce link={link.link} kind={link.kind} onDone={() => setLink(null)} />}
      {!link && (
        <InviteForm
          onInvited={(made) => {
            setLink({ link: made, kind: 'invite' });
            invites.reload();
          }}
        />
      )}

      <section className="card section-card" aria-labelledby="pending-title">
        <h2 id="pending-title">{t('staff.pending.title')}</h2>
        {invites.state === 'loading' && <Loading />}
        {invites.state === 'failed' && <ErrorNotice error={invites.error} onRetry={invites.reload} />}
        {invites.state === 'ready' &&
          (invites.data.invites.length === 0 ? (
            <p className="empty">{t('staff.pending.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('admin.fields.displayName')}</th>
                    <th scope="col">{t('admin.fields.email')}</th>
                    <th scope="col">{t('staff.roles')}</th>
                    <th scope="col">{t('staff.pending.expires')}</th>
                    <th scope="col">{t('staff.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {invites.data.invites.map((invite) => (
                    <tr key={invite.id}>
                      <th scope="row">{invite.displayName}</th>
                      <td>{invite.email}</td>
                      <td>{roleNames(invite.roles)}</td>
                      <td className="nowrap">{formatDateTime(invite.expiresAt)}</td>
                      <td>
                        <ConfirmButton
                          label={t('staff.pending.revoke')}
                          question={t('staff.pending.revokeConfirm', { name: invite.displayName })}
                          yes={t('staff.pending.revokeYes')}
                          cancel={t('staff.cancel')}
                          act={async () => {
                            await api(`/v1/staff/invites/${encodeURIComponent(invite.id)}`, {
                              method: 'DELETE',
                            });
                            invites.reload();
                          }}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>

      <section className="card section-card" aria-labelledby="members-title">
        <h2 id="members-title">{t('staff.members.title')}</h2>
        {members.state === 'loading' && <Loading />}
        {members.state === 'failed' && <ErrorNotice error={members.error} onRetry={members.reload} />}
        {members.state === 'ready' && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.fields.displayName')}</th>
                  <th scope="col">{t('admin.fields.email')}</th>
                  <th scope="col">{t('staff.roles')}</th>
                  <th scope="col">{t('staff.members.state')}</th>
                  <th scope="col">{t('staff.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {members.data.staff.map((member) => (
                  <tr key={member.id}>
                    <th scope="row">{member.displayName}</th>
                    <td>{member.email}</td>
                    <td>
                      <RolesCell member={member} self={member.id === me} onSaved={members.reload} />
                    </td>
                    <td>{t(`staff.members.${member.status}`)}</td>
                    <td>
                      {member.id !== me && (
                        <div className="cell-actions">
                          <StatusButton member={member} onChanged={members.reload} />
                          <ConfirmButton
                            label={t('staff.members.reset')}
                            name={t('staff.members.resetOf', { name: member.displayName })}
                            question={t('staff.members.resetConfirm', { name: member.displayName })}
                            yes={t('staff.members.resetYes')}
                            cancel={t('staff.cancel')}
                            act={async () => {
                              const made = await api<{ link: string }>(
                                `/v1/staff/${encodeURIComponent(member.id)}/reset`,
                                { method: 'POST', body: {} },
                              );
                              setLink({ link: made.link, kind: 'reset' });
                              members.reload();
                              window.scrollTo({ top: 0 });
                            }}
                          />
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
