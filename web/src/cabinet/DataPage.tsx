import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { currentLanguage } from '../ui/i18n';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

/** A register text: one string, or one per language. */
type Text = string | Record<string, string> | undefined;

interface Category {
  id: string;
  class: string;
  names?: Text;
  name?: string;
  storedIn: string | { storeId: string; country: string };
  mustStayInUz: boolean;
}

type ConsentState = 'given' | 'withdrawn' | 'expired' | 'none';

/** A consent to one channel (topic null: every topic) or one topic of it, as the decision engine reads it now. */
interface ScopedConsent {
  channel: string;
  topic: string | null;
  consent: ConsentState;
}

interface Purpose {
  id: string;
  version: number;
  names?: Text;
  name?: string;
  descriptions?: Text;
  rationale?: string;
  legalBasis: string;
  categories: string[];
  retentionDays: number | null;
  automated: boolean;
  depersonalisedOnly: boolean;
  consent: ConsentState | null;
  channels?: ScopedConsent[];
  objected: boolean | null;
}

interface MyData {
  categories: Category[];
  purposes: Purpose[];
}

/** The text in the UI language, else English, else whatever the register has. */
export function localized(text: Text, fallback = ''): string {
  if (typeof text === 'string') return text;
  if (!text) return fallback;
  return text[currentLanguage()] ?? text.en ?? Object.values(text)[0] ?? fallback;
}

const BASES = ['contract', 'consent', 'legitimate-interest', 'legal-obligation'];
const CLASSES = ['cabinet', 'personal', 'usage', 'depersonalised'];
/** Channels named in words; another channel an app uses is shown by its id. */
const CHANNELS = ['email', 'sms', 'push', 'telegram', 'phone', 'post'];

/** "My data and why": what is kept, for which purpose, on which legal basis, for how long. */
export function DataPage() {
  const { t } = useTranslation();
  const data = useApi<MyData>('/v1/me/data');
  return (
    <div className="container page">
      <PageHeader title={t('cabinet.data.title')} lead={t('cabinet.data.lead')} />
      {data.state === 'loading' && <Loading />}
      {data.state === 'failed' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.state === 'ready' && <Register data={data.data} onChanged={data.reload} />}
    </div>
  );
}

function Register({ data, onChanged }: { data: MyData; onChanged: () => void }) {
  const { t } = useTranslation();
  const categoryName = (id: string) => {
    const category = data.categories.find((c) => c.id === id);
    return category ? localized(category.names ?? category.name, id) : id;
  };
  return (
    <>
      <section className="card section-card" aria-labelledby="purposes-title">
        <h2 id="purposes-title">{t('cabinet.data.purposes')}</h2>
        <ul className="purpose-list">
          {data.purposes.map((purpose) => (
            <PurposeCard
              key={purpose.id}
              purpose={purpose}
              categoryName={categoryName}
              onChanged={onChanged}
            />
          ))}
        </ul>
      </section>
      <section className="card section-card" aria-labelledby="categories-title">
        <h2 id="categories-title">{t('cabinet.data.categories')}</h2>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('cabinet.data.category')}</th>
                <th scope="col">{t('cabinet.data.class')}</th>
                <th scope="col">{t('cabinet.data.storedIn')}</th>
              </tr>
            </thead>
            <tbody>
              {data.categories.map((category) => (
                <tr key={category.id}>
                  <th scope="row">{localized(category.names ?? category.name, category.id)}</th>
                  <td>
                    {CLASSES.includes(category.class)
                      ? t(`cabinet.data.classes.${category.class}`)
                      : category.class}
                  </td>
                  <td>
                    {typeof category.storedIn === 'string'
                      ? category.storedIn
                      : `${category.storedIn.storeId} (${category.storedIn.country})`}
                    {category.mustStayInUz && ` · ${t('cabinet.data.inUz')}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function PurposeCard({
  purpose,
  categoryName,
  onChanged,
}: {
  purpose: Purpose;
  categoryName: (id: string) => string;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const name = localized(purpose.names ?? purpose.name, purpose.id);
  const titleId = `purpose-${purpose.id}`;

  async function put(path: string, body: object) {
    setBusy(true);
    setFailure(null);
    try {
      await api(path, { method: 'PUT', body: { ...body, lang: currentLanguage() } });
      onChanged();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="card purpose-card">
      <h3 id={titleId}>{name}</h3>
      {localized(purpose.descriptions ?? purpose.rationale) && (
        <p>{localized(purpose.descriptions ?? purpose.rationale)}</p>
      )}
      <dl className="facts">
        <div>
          <dt>{t('cabinet.data.basis')}</dt>
          <dd>
            {BASES.includes(purpose.legalBasis)
              ? t(`cabinet.data.bases.${purpose.legalBasis}`)
              : purpose.legalBasis}
          </dd>
        </div>
        <div>
          <dt>{t('cabinet.data.retention')}</dt>
          <dd>
            {purpose.retentionDays === null
              ? t('cabinet.data.forContract')
              : t('cabinet.data.days', { n: purpose.retentionDays })}
          </dd>
        </div>
        <div className="facts-wide">
          <dt>{t('cabinet.data.uses')}</dt>
          <dd>{purpose.categories.map(categoryName).join(', ')}</dd>
        </div>
        {purpose.automated && (
          <div className="facts-wide">
            <dt>{t('cabinet.data.automated')}</dt>
            <dd>{t('cabinet.data.automatedText')}</dd>
          </div>
        )}
      </dl>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {purpose.consent !== null && (
        <Switch
          label={t('cabinet.data.consent', { purpose: name })}
          checked={purpose.consent === 'given'}
          disabled={busy}
          onChange={(given) => put(`/v1/me/consents/${encodeURIComponent(purpose.id)}`, { given })}
        />
      )}
      {purpose.channels && purpose.channels.length > 0 && (
        <ChannelSwitches
          idPrefix={titleId}
          channels={purpose.channels}
          busy={busy}
          onSwitch={(scoped, given) =>
            put(`/v1/me/consents/${encodeURIComponent(purpose.id)}`, {
              given,
              channel: scoped.channel,
              ...(scoped.topic === null ? {} : { topic: scoped.topic }),
            })
          }
        />
      )}
      {purpose.objected !== null && (
        <Switch
          label={t('cabinet.data.object', { purpose: name })}
          checked={purpose.objected}
          disabled={busy}
          onChange={(objected) => put(`/v1/me/objections/${encodeURIComponent(purpose.id)}`, { objected })}
        />
      )}
    </li>
  );
}

/**
 * A purpose's consents per channel and topic, one switch each. The state is
 * the engine's: a later switch of the whole purpose shows here too.
 */
function ChannelSwitches({
  idPrefix,
  channels,
  busy,
  onSwitch,
}: {
  idPrefix: string;
  channels: ScopedConsent[];
  busy: boolean;
  onSwitch: (scoped: ScopedConsent, given: boolean) => void;
}) {
  const { t } = useTranslation();
  const headingId = `${idPrefix}-channels`;
  const label = (scoped: ScopedConsent) => {
    const channel = CHANNELS.includes(scoped.channel)
      ? t(`cabinet.data.channelNames.${scoped.channel}`)
      : t('cabinet.data.otherChannel', { channel: scoped.channel });
    return scoped.topic === null
      ? t('cabinet.data.everyTopic', { channel })
      : t('cabinet.data.oneTopic', { channel, topic: scoped.topic });
  };
  return (
    <div className="channels">
      <h4 id={headingId}>{t('cabinet.data.channels')}</h4>
      <p className="muted">{t('cabinet.data.channelsHint')}</p>
      {/* Named with the purpose too: two newsletter purposes each have their own list. */}
      <ul className="channel-list" aria-labelledby={`${idPrefix} ${headingId}`}>
        {channels.map((scoped, index) => {
          const stateId = `${headingId}-${index}`;
          return (
            <li key={`${scoped.channel}:${scoped.topic ?? '*'}`}>
              <Switch
                label={label(scoped)}
                checked={scoped.consent === 'given'}
                disabled={busy}
                describedBy={stateId}
                onChange={(given) => onSwitch(scoped, given)}
              />
              <span id={stateId} className="channel-state">
                {t(`cabinet.data.consentStates.${scoped.consent}`)}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** An on/off choice that takes effect when flipped: a checkbox with the switch role, its label beside it. */
function Switch(props: {
  label: string;
  checked: boolean;
  disabled: boolean;
  describedBy?: string;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.describedBy}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}
