import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import type { Company, Organisation, Product, Site } from '../ui/org';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { CompanyContactEditor, ProductEditor, SiteEditor } from './OrgEditors';
import { useSession } from './session';

type Editing =
  | { kind: 'company' }
  | { kind: 'product'; product: Product }
  | { kind: 'site'; site: Site }
  | null;

export function OrgPage() {
  const { t } = useTranslation();
  const org = useApi<Organisation>('/v1/org');
  const { session } = useSession();
  // Only administrators may change the registry; the server enforces it, the UI just does not offer it.
  const canEdit = session.status === 'signed-in' && session.staff.roles.includes('admin');
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState(false);

  const edit = (next: Editing) => {
    setSaved(false);
    setEditing(next);
  };
  const done = () => {
    setEditing(null);
    setSaved(true);
    org.reload();
  };

  return (
    <div className="page">
      <PageHeader title={t('admin.org.title')} lead={t('admin.org.lead')} />
      {org.state === 'loading' && <Loading />}
      {org.state === 'failed' && <ErrorNotice error={org.error} onRetry={org.reload} />}
      {saved && (
        <Notice tone="success">
          <p>{t('admin.org.saved')}</p>
        </Notice>
      )}
      {org.state === 'ready' && (
        <>
          <CompanyCard
            company={org.data.company}
            canEdit={canEdit}
            editing={editing?.kind === 'company'}
            onEdit={() => edit({ kind: 'company' })}
            onCancel={() => setEditing(null)}
            onSaved={done}
          />

          <section className="card section-card" aria-labelledby="products-title">
            <h2 id="products-title">{t('admin.org.products')}</h2>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('admin.org.name')}</th>
                    <th scope="col">{t('admin.org.site')}</th>
                    {canEdit && (
                      <th scope="col">
                        <span className="visually-hidden">{t('admin.org.actions')}</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {org.data.products.map((product) => (
                    <tr key={product.id}>
                      <th scope="row">{product.name}</th>
                      <td>{product.siteId}</td>
                      {canEdit && (
                        <td className="cell-actions">
                          <button
                            type="button"
                            className="button button--secondary button--small"
                            aria-label={t('admin.org.editProduct', { name: product.name })}
                            onClick={() => edit({ kind: 'product', product })}
                          >
                            {t('admin.org.edit')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {editing?.kind === 'product' && (
              <ProductEditor product={editing.product} onCancel={() => setEditing(null)} onSaved={done} />
            )}
          </section>

          <section className="card section-card" aria-labelledby="sites-title">
            <h2 id="sites-title">{t('admin.org.sites')}</h2>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('admin.org.name')}</th>
                    <th scope="col">{t('admin.org.origin')}</th>
                    <th scope="col">{t('admin.org.agreementUrl')}</th>
                    {canEdit && (
                      <th scope="col">
                        <span className="visually-hidden">{t('admin.org.actions')}</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {org.data.sites.map((site) => (
                    <tr key={site.id}>
                      <th scope="row">{site.name}</th>
                      <td className="mono">{site.origin}</td>
                      <td className="mono break">{site.agreementUrl}</td>
                      {canEdit && (
                        <td className="cell-actions">
                          <button
                            type="button"
                            className="button button--secondary button--small"
                            aria-label={t('admin.org.editSite', { name: site.name })}
                            onClick={() => edit({ kind: 'site', site })}
                          >
                            {t('admin.org.edit')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {editing?.kind === 'site' && (
              <SiteEditor site={editing.site} onCancel={() => setEditing(null)} onSaved={done} />
            )}
          </section>
        </>
      )}
    </div>
  );
}

function CompanyCard({
  company,
  canEdit,
  editing,
  onEdit,
  onCancel,
  onSaved,
}: {
  company: Company;
  canEdit: boolean;
  editing: boolean;
  onEdit: () => void;
  onCancel: () => void;
  onSaved: () => void;
}) {
  const { t, i18n } = useTranslation();
  const legalName = company.legalNames[i18n.language] ?? company.name;
  const notSet = <span className="muted">{t('admin.org.notSet')}</span>;
  return (
    <section className="card section-card" aria-labelledby="company-title">
      <h2 id="company-title">{t('admin.org.company')}</h2>
      <dl className="facts">
        {(
          [
            ['legalName', legalName],
            ['city', company.city],
            ['country', company.country],
            ['tin', company.tin],
            ['email', company.email],
            ['phone', company.phone],
            ['address', company.address],
          ] as const
        ).map(([key, value]) => (
          <div key={key}>
            <dt>{t(`admin.org.${key}`)}</dt>
            <dd>{value ?? notSet}</dd>
          </div>
        ))}
      </dl>
      {canEdit && (
        <p>
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={t('admin.org.editContact')}
            onClick={onEdit}
          >
            {t('admin.org.edit')}
          </button>
        </p>
      )}
      {editing && <CompanyContactEditor company={company} onCancel={onCancel} onSaved={onSaved} />}
    </section>
  );
}
