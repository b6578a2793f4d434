/** The maxfiy mark: a shield holding a keyhole. Decorative; the text beside it names the product. */
export function Logo({ size = 32 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M16 2 4 6.5v8.3c0 7.4 5.1 13.4 12 15.2 6.9-1.8 12-7.8 12-15.2V6.5z"
        opacity="0.95"
      />
      <circle cx="16" cy="13.5" r="3.4" fill="var(--logo-inner, #fff)" />
      <path fill="var(--logo-inner, #fff)" d="M14.4 15.5h3.2l1.1 7h-5.4z" />
    </svg>
  );
}
