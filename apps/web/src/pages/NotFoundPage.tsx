import { Link } from '../components/Link';
import { usePageTitle } from '../hooks/use-page-title';
import { useLocation } from '../lib/router';

/** Any address the app does not know (the api answers it with a 404 and this page for browsers). */
export function NotFoundPage() {
  usePageTitle('Page not found');
  const { path } = useLocation();
  return (
    <div className="page page--narrow" data-testid="not-found">
      <h1 tabIndex={-1} className="page__title">
        Page not found
      </h1>
      <p>
        There's nothing at <code className="not-found__path">{path}</code>.
      </p>
      <ul className="not-found__links">
        <li>
          <Link href="/">Your verification settings</Link>
        </li>
        <li>
          <Link href="/ops">The operators' dashboard</Link>
        </li>
      </ul>
    </div>
  );
}
