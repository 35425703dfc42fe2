import { useConfig } from '../lib/config';
import { useLocation } from '../lib/router';
import { Link } from './Link';

interface NavItem {
  href: string;
  label: string;
  active: (path: string) => boolean;
}

export function Header() {
  const { config } = useConfig();
  const { path } = useLocation();
  const items: NavItem[] = [
    { href: '/', label: 'Settings', active: (p) => p === '/' || p.startsWith('/status/') },
    ...(config?.sandbox
      ? [{ href: '/simulator', label: 'Phone simulator', active: (p: string) => p.startsWith('/simulator') }]
      : []),
    { href: '/ops', label: 'Operators', active: (p) => p.startsWith('/ops') },
  ];
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link href="/" className="brand">
          <span className="brand__mark" aria-hidden="true">R</span>
          <span className="brand__name">Redial</span>
          {config?.sandbox && <span className="badge badge--sandbox">Sandbox</span>}
        </Link>
        <nav aria-label="Main">
          <ul className="nav">
            {items.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  className="nav__link"
                  aria-current={item.active(path) ? 'page' : undefined}
                  data-testid={`nav-${item.href.replace(/\W/g, '') || 'settings'}`}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </header>
  );
}
