import { useMemo } from 'react';
import { qrSymbol } from './qr';

/** A QR code of `text`, drawn as SVG; `label` names it for screen readers. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const symbol = useMemo(() => qrSymbol(text), [text]);
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${symbol.size} ${symbol.size}`}
      shapeRendering="crispEdges"
      data-testid="qr-code"
    >
      <rect width={symbol.size} height={symbol.size} fill="#fff" />
      <path d={symbol.path} fill="#000" />
    </svg>
  );
}
