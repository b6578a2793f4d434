import { useTranslation } from 'react-i18next';
import { Icon, type IconName } from '../ui/icons';
import { useDocumentTitle } from '../ui/Page';
import { Link } from '../ui/router';

const PROMISES: { key: 'own' | 'password' | 'grant' | 'audit'; icon: IconName }[] = [
  { key: 'own', icon: 'folder' },
  { key: 'password', icon: 'key' },
  { key: 'grant', icon: 'door' },
  { key: 'audit', icon: 'list' },
];

export function HomePage() {
  const { t } = useTranslation();
  useDocumentTitle(t('cabinet.home.title'));
  return (
    <>
      <section className="hero" aria-labelledby="home-title">
        <div className="container hero-row">
          <div className="hero-text">
            <p className="eyebrow">{t('common.tagline')}</p>
            <h1 id="home-title">{t('cabinet.home.title')}</h1>
            <p className="hero-lead">{t('cabinet.home.lead', { products: t('brand.products') })}</p>
            <Link to="/privacy" className="button button--light">
              {t('cabinet.home.cta')}
              <Icon name="arrow" size={20} />
            </Link>
          </div>
          <div className="hero-art" aria-hidden="true">
            <HeroArt />
          </div>
        </div>
      </section>

      <section className="section container" aria-labelledby="promises-title">
        <h2 id="promises-title">{t('cabinet.home.promisesTitle')}</h2>
        <ul className="card-grid">
          {PROMISES.map(({ key, icon }) => (
            <li key={key} className="card promise">
              <span className="promise-icon">
                <Icon name={icon} />
              </span>
              <h3>{t(`cabinet.home.${key}Title`)}</h3>
              <p>{t(`cabinet.home.${key}Text`)}</p>
            </li>
          ))}
        </ul>
      </section>

      <section className="section container" aria-labelledby="account-title">
        <div className="band">
          <span className="band-icon">
            <Icon name="shield" size={28} />
          </span>
          <div>
            <h2 id="account-title">{t('cabinet.home.oneAccountTitle')}</h2>
            <p>{t('cabinet.home.oneAccountText')}</p>
          </div>
        </div>
      </section>
    </>
  );
}

/** A calm illustration: a cabinet card under a shield. */
function HeroArt() {
  return (
    <svg viewBox="0 0 320 260" width="320" height="260" aria-hidden="true" focusable="false">
      <rect x="40" y="48" width="220" height="160" rx="18" fill="#ffffff" opacity="0.12" />
      <rect x="60" y="30" width="220" height="160" rx="18" fill="#ffffff" opacity="0.96" />
      <circle cx="100" cy="74" r="18" fill="#cfe7e3" />
      <rect x="128" y="64" width="110" height="10" rx="5" fill="#cfd8dc" />
      <rect x="128" y="82" width="76" height="8" rx="4" fill="#e3e8eb" />
      <rect x="82" y="112" width="176" height="10" rx="5" fill="#e3e8eb" />
      <rect x="82" y="132" width="150" height="10" rx="5" fill="#e3e8eb" />
      <rect x="82" y="152" width="164" height="10" rx="5" fill="#e3e8eb" />
      <path
        d="M236 140 200 154v26c0 23 15.4 41.6 36 47 20.6-5.4 36-24 36-47v-26z"
        fill="#f2b544"
        stroke="#0f4a46"
        strokeWidth="4"
      />
      <circle cx="236" cy="180" r="9" fill="#0f4a46" />
      <path d="M232 186h8l3 19h-14z" fill="#0f4a46" />
    </svg>
  );
}
