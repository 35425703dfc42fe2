/**
 * Small inline SVG icons, drawn with the text colour: no font glyph (✓ ⛔ ⚠) that a system may lack and draw as a
 * box. Decorative only — the words beside an icon say what it means — so every icon is hidden from assistive tech.
 */
export type IconName = 'check' | 'cross' | 'stop' | 'clock' | 'minus' | 'alert' | 'info' | 'dot' | 'up' | 'down';

const PATHS: Record<IconName, string> = {
  check: 'M5 12.5l4.5 4.5L19 7.5',
  cross: 'M6.5 6.5l11 11M17.5 6.5l-11 11',
  // An octagon with a bar: "stopped" (a denied sign-in).
  stop: 'M8.3 3h7.4L21 8.3v7.4L15.7 21H8.3L3 15.7V8.3zM7.5 12h9',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3.5 2',
  minus: 'M6 12h12',
  alert: 'M12 3.5L22 20H2zM12 10v4.5M12 17.2v.3',
  info: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 11v5.5M12 7.7v.3',
  dot: 'M12 9.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5z',
  up: 'M12 19V5M6 11l6-6 6 6',
  down: 'M12 5v14M6 13l6 6 6-6',
};

export function Icon({ name, className = 'icon' }: { name: IconName; className?: string }) {
  return (
    <svg
      className={className}
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill={name === 'dot' ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={2.25}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      data-icon={name}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
