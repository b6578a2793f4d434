import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AsyncTable } from '../ui/AsyncTable';
import { api } from '../ui/api';
import { ConfirmButton } from '../ui/ConfirmButton';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors } from '../ui/forms';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

/** Only administrators register and remove single sign-on apps. The server checks again. */
export const SSO_ROLES = ['admin'];

/** A relying party as `GET /v1/oidc/clients` gives it. */
interface OidcClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  tokenEndpointAuth: 'none' | 'private_key_jwt';
  keyIds: string[];
  source: 'config' | 'admin';
  createdAt: number;
}

// The same limits as the server's ClientInput schema; the server decides the rest (https, loopback).
const CLIENT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const URI = /^https?:\/\/[^\s#]+$/;
const MAX_URIS = 10;

/** The non-empty lines of a textarea, each once. */
function linesOf(value: string): string[] {
  return [...new Set(value.split('\n').map((line) => line.trim()))].filter(Boolean);
}

function urisError(uris: string[], required: boolean): string | undefined {
  if (required && uris.length === 0) return 'common.required';
  const bad = uris.length > MAX_URIS || uris.some((u) => u.length < 8 || u.length > 500 || !URI.test(u));
  return bad ? 'console.sso.urisInvalid' : undefined;
}

/**
 * A key set as pasted: a JWKS, or one key alone (wrapped into a set); undefined
 * when empty, null when it is not JSON of either shape. The server checks the keys.
 */
function keySetOf(value: string): { keys: object[] } | undefined | null {
  if (!value.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    if ('keys' in parsed) return Array.isArray(parsed.keys) ? { keys: parsed.keys } : null;
    return 'kty' in parsed ? { keys: [parsed] } : null;
  } catch {
    return null;
  }
}

/** JWK members that only a private or secret key has: such a key is never sent. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const holdsPrivate = (set: { keys: object[] }) =>
  set.keys.some((key) => typeof key === 'object' && key !== null && PRIVATE_MEMBERS.some((m) => m in key));

/** A labelled textarea (addresses one a line, or a key set), with its hint and error tied to it. */
function TextLines({
  label,
  hint,
  value,
  error,
  rows = 3,
  onChange,
}: {
  label: string;
  hint: string;
  value: string;
  error?: string;
  rows?: number;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <textarea
        id={id}
        className="input textarea textarea--short"
        rows={rows}
        spellCheck={false}
        value={value}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <p className="field-hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type FormField = 'clientId' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'jwks';

function RegisterForm({ onRegistered }: { onRegistered: (client: OidcClient) => void }) {
  const { t } = useTranslation();
  const [clientId, setClientId] = useState('');
  const [name, setName] = useState('');
  const [redirectUris, setRedirectUris] = useState('');
  const [postLogout, setPostLogout] = useState('');
  const [backchannel, setBackchannel] = useState('');
  const [jwks, setJwks] = useState('');
  const [errors, setErrors] = useState<FieldErrors<FormField>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const input = {
      clientId: clientId.trim(),
      name: name.trim() || undefined,
      redirectUris: linesOf(redirectUris),
      postLogoutRedirectUris: linesOf(postLogout),
      backchannelLogoutUri: backchannel.trim() || undefined,
      jwks: keySetOf(jwks),
    };
    const found: FieldErrors<FormField> = {
      clientId: !input.clientId
        ? 'common.required'
        : CLIENT_ID.test(input.clientId)
          ? undefined
          : 'console.sso.clientIdInvalid',
      redirectUris: urisError(input.redirectUris, true),
      postLogoutRedirectUris: urisError(input.postLogoutRedirectUris, false),
      backchannelLogoutUri: urisError(input.backchannelLogoutUri ? [input.backchannelLogoutUri] : [], false),
      jwks:
        input.jwks === null
          ? 'console.sso.jwksInvalid'
          : input.jwks && holdsPrivate(input.jwks)
            ? 'console.sso.jwksPrivate'
            : undefined,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const { client } = await api<{ client: OidcClient }>('/v1/oidc/clients', {
        method: 'POST',
        body: input,
      });
      setClientId('');
      setName('');
      setRedirectUris('');
      setPostLogout('');
      setBackchannel('');
      setJwks('');
      onRegistered(client);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const shown = (key: FormField) => errors[key] && t(errors[key]);
  return (
    <form
      className="form card section-card"
      noValidate
      onSubmit={submit}
      aria-labelledby="register-title"
      aria-busy={busy}
    >
      <h2 id="register-title">{t('console.sso.registerTitle')}</h2>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <Field
        label={t('console.sso.clientId')}
        hint={t('console.sso.clientIdHint')}
        value={clientId}
        maxLength={63}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setClientId(event.target.value)}
        error={shown('clientId')}
      />
      <Field
        label={t('console.sso.name')}
        hint={t('console.sso.nameHint')}
        value={name}
        maxLength={100}
        autoComplete="off"
        onChange={(event) => setName(event.target.value)}
      />
      <TextLines
        label={t('console.sso.redirectUris')}
        hint={t('console.sso.redirectUrisHint')}
        value={redirectUris}
        onChange={setRedirectUris}
        error={shown('redirectUris')}
      />
      <TextLines
        label={t('console.sso.postLogoutRedirectUris')}
        hint={t('console.sso.postLogoutHint')}
        value={postLogout}
        onChange={setPostLogout}
        error={shown('postLogoutRedirectUris')}
      />
      <Field
        label={t('console.sso.backchannelLogoutUri')}
        hint={t('console.sso.backchannelHint')}
        type="url"
        value={backchannel}
        maxLength={500}
        autoComplete="off"
        onChange={(event) => setBackchannel(event.target.value)}
        error={shown('backchannelLogoutUri')}
      />
      <TextLines
        label={t('console.sso.jwks')}
        hint={t('console.sso.jwksHint')}
        value={jwks}
        rows={5}
        onChange={setJwks}
        error={shown('jwks')}
      />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('console.sso.register')}
        </button>
      </div>
    </form>
  );
}

/**
 * The key set of an app's server, shown as its key ids, and replaced in place:
 * rotation without ending its customers' sign-ins. A private key is stopped
 * here, before it is sent.
 */
function KeysCell({ client, onReplaced }: { client: OidcClient; onReplaced: () => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  async function save() {
    const jwks = keySetOf(value);
    const problem = !jwks
      ? 'console.sso.jwksInvalid'
      : holdsPrivate(jwks)
        ? 'console.sso.jwksPrivate'
        : undefined;
    setError(problem);
    if (problem || !jwks) return;
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/oidc/clients/${encodeURIComponent(client.clientId)}/keys`, {
        method: 'PUT',
        body: jwks,
      });
      setEditing(false);
      setValue('');
      onReplaced();
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(false);
    }
  }

  const summary = (
    <>
      {t(`console.sso.auths.${client.tokenEndpointAuth}`)}
      {client.keyIds.map((kid) => (
        <div key={kid} className="mono break">
          {kid}
        </div>
      ))}
    </>
  );
  if (client.source !== 'admin') return summary;
  if (!editing) {
    return (
      <>
        {summary}
        <button
          type="button"
          className="button button--secondary button--small"
          aria-label={t('console.sso.replaceKeysOf', { clientId: client.clientId })}
          onClick={() => setEditing(true)}
        >
          {t('console.sso.replaceKeys')}
        </button>
      </>
    );
  }
  return (
    <div>
      <TextLines
        label={t('console.sso.newKeysOf', { clientId: client.clientId })}
        hint={t('console.sso.newKeysHint')}
        value={value}
        rows={5}
        onChange={setValue}
        error={error && t(error)}
      />
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <div className="cell-actions">
        <button type="button" className="button button--small" disabled={busy} onClick={save}>
          {t('console.sso.saveKeys')}
        </button>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => {
            setEditing(false);
            setError(undefined);
            setFailure(null);
          }}
        >
          {t('console.sso.cancel')}
        </button>
      </div>
    </div>
  );
}

/** Apps (OIDC relying parties) that sign customers in with their maxfiy account. */
export function OidcClientsPage() {
  const { t } = useTranslation();
  const list = useApi<{ clients: OidcClient[] }>('/v1/oidc/clients');
  // What the last action did, said once above the list.
  const [done, setDone] = useState<{ key: string; clientId: string } | null>(null);
  return (
    <div className="page">
      <PageHeader title={t('console.sso.title')} lead={t('console.sso.lead')} />
      <RegisterForm
        onRegistered={(client) => {
          setDone({ key: 'console.sso.registered', clientId: client.clientId });
          list.reload();
        }}
      />
      <section className="card section-card" aria-labelledby="clients-title">
        <h2 id="clients-title">{t('console.sso.listTitle')}</h2>
        {done && (
          <Notice tone="success">
            <p>{t(done.key, { clientId: done.clientId })}</p>
          </Notice>
        )}
        <AsyncTable
          result={list}
          card={false}
          rows={(data) => data.clients}
          empty={t('console.sso.empty')}
          columns={[
            t('console.sso.clientId'),
            t('console.sso.name'),
            t('console.sso.redirectUris'),
            t('console.sso.auth'),
            t('console.sso.source'),
            t('console.sso.actions'),
          ]}
          row={(client) => (
            <tr key={client.clientId}>
              <th scope="row" className="mono">
                {client.clientId}
              </th>
              <td>{client.name}</td>
              <td>
                {client.redirectUris.map((uri) => (
                  <div key={uri} className="mono break">
                    {uri}
                  </div>
                ))}
              </td>
              <td>
                <KeysCell
                  client={client}
                  onReplaced={() => {
                    setDone({ key: 'console.sso.keysReplaced', clientId: client.clientId });
                    list.reload();
                  }}
                />
              </td>
              <td>{t(`console.sso.sources.${client.source}`)}</td>
              <td>
                {client.source === 'admin' ? (
                  <ConfirmButton
                    label={t('console.sso.remove')}
                    name={t('console.sso.removeNamed', { clientId: client.clientId })}
                    question={t('console.sso.removeConfirm', { clientId: client.clientId })}
                    yes={t('console.sso.removeYes')}
                    cancel={t('console.sso.cancel')}
                    act={async () => {
                      await api(`/v1/oidc/clients/${encodeURIComponent(client.clientId)}`, {
                        method: 'DELETE',
                      });
                      setDone({ key: 'console.sso.removed', clientId: client.clientId });
                      list.reload();
                    }}
                  />
                ) : (
                  t('console.sso.fixed')
                )}
              </td>
            </tr>
          )}
        />
      </section>
    </div>
  );
}
