import { Link } from '../components/Link';
import { usePageTitle } from '../hooks/use-page-title';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <div className="page page--narrow">
      <h1 tabIndex={-1} className="page__title">Page not found</h1>
      <p>
        There's nothing at this address. Go to your <Link href="/">verification settings</Link>.
      </p>
    </div>
  );
}
