import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './LanguageSwitcher';
import { Logo } from './Logo';
import { Link, useRouter } from './router';

export interface NavItem {
  to: string;
  label: string;
}

interface ShellProps {
  variant: 'cabinet' | 'console';
  /** Which surface this is, shown beside the product name. */
  surface: string;
  nav?: { label: string; items: NavItem[] };
  /** The console puts its menu beside the content; the cabinet keeps it in the header. */
  navPlacement?: 'header' | 'side';
  /** Right end of the header, after the language switcher (e.g. the signed-in person). */
  tools?: ReactNode;
  children: ReactNode;
}

function Nav({ label, items, className }: { label: string; items: NavItem[]; className: string }) {
  return (
    <nav aria-label={label} className={className}>
      <ul>
        {items.map((item) => (
          <li key={item.to}>
            <Link to={item.to} nav>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Moves focus to the new page's content after client-side navigation (not on first load). */
function useFocusOnNavigate(path: string) {
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void path;
    main.current?.focus({ preventScroll: true });
  }, [path]);
  return main;
}

export function Shell({ variant, surface, nav, navPlacement = 'header', tools, children }: ShellProps) {
  const { t } = useTranslation();
  const { path } = useRouter();
  const main = useFocusOnNavigate(path);
  const year = new Date().getFullYear();
  const side = nav && navPlacement === 'side';

  const content = (
    <main id="main" ref={main} tabIndex={-1} className="main">
      {children}
    </main>
  );

  return (
    <div className={`shell shell--${variant}`}>
      {/* Following the fragment focuses <main> (it has tabIndex -1); the router ignores the hash. */}
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="site-header">
        <div className="container header-row">
          <Link to="/" className="brand">
            <Logo />
            <span className="brand-text">
              <span className="brand-name">maxfiy</span>
              <span className="brand-surface">{surface}</span>
            </span>
          </Link>
          {nav && !side && <Nav {...nav} className="header-nav" />}
          <div className="header-tools">
            <LanguageSwitcher />
            {tools}
          </div>
        </div>
      </header>
      {side ? (
        <div className="container console-body">
          <Nav {...nav} className="side-nav" />
          {content}
        </div>
      ) : (
        content
      )}
      <footer className="site-footer">
        <div className="container footer-row">
          <p>{t('common.footerRights', { year, company: t('brand.company'), city: t('brand.city') })}</p>
          <p className="footer-product">{t('common.footerProduct')}</p>
        </div>
      </footer>
    </div>
  );
}
