/** Line icons used beside headings; decorative, so hidden from assistive technology. */
const PATHS = {
  folder:
    'M3 7.5A1.5 1.5 0 0 1 4.5 6H9l2 2h8.5A1.5 1.5 0 0 1 21 9.5v8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5zM12 11.5v4m-2-2h4',
  key: 'M14.5 4a5.5 5.5 0 1 1-4.9 8L4 17.6V20h2.4v-1.6H8V16.8h1.6l2.2-2.2A5.5 5.5 0 0 1 14.5 4Zm1.8 3.2h.01',
  door: 'M6 20V5a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v15M4 20h16M14.5 12h.01M9 8h5',
  list: 'M9 6h11M9 12h11M9 18h11M4.5 6l.9.9L7 5.3M4.5 12l.9.9L7 11.3M4.5 18l.9.9L7 17.3',
  shield: 'M12 3 4.5 6v5.5c0 4.6 3.2 8.3 7.5 9.5 4.3-1.2 7.5-4.9 7.5-9.5V6zM9 12l2.2 2.2L15.5 10',
  arrow: 'M5 12h14m-5-5 5 5-5 5',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 24 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.7"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
