import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../ui/format';
import './Chart.css';

export interface ChartSeries {
  key: string;
  label: string;
  values: number[];
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };
/** Told apart by dash pattern as well as colour, so the chart reads without colour vision. */
const DASHES = ['', '6 4', '2 3', '10 3 2 3'];

/**
 * A line chart of daily figures in plain SVG. The drawing is hidden from
 * assistive technology; the same figures follow as a table that screen readers
 * always read and that a sighted reader can show with the button.
 */
export function LineChart({ title, days, series }: { title: string; days: string[]; series: ChartSeries[] }) {
  const { t } = useTranslation();
  const id = useId();
  const [tableShown, setTableShown] = useState(false);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length > 1 ? (i / (days.length - 1)) * innerW : innerW / 2);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, Math.round(max / 2), max];
  const total = (s: ChartSeries) => s.values.reduce((a, b) => a + b, 0);

  return (
    <figure className="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`} className="chart-title">
        {title}
      </figcaption>
      <ul className="chart-legend">
        {series.map((s, i) => (
          <li key={s.key}>
            <svg width="28" height="10" aria-hidden="true" focusable="false">
              <line
                x1="0"
                y1="5"
                x2="28"
                y2="5"
                className={`chart-line chart-line--${i}`}
                strokeDasharray={DASHES[i % 4]}
              />
            </svg>
            {s.label}: <strong>{formatNumber(total(s))}</strong>
          </li>
        ))}
      </ul>
      {days.length === 0 ? (
        <p className="muted">{t('console.chart.empty')}</p>
      ) : (
        <svg
          className="chart-plot"
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          aria-hidden="true"
          focusable="false"
          data-testid="chart-plot"
        >
          {ticks.map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
              <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-axis">
                {formatNumber(v)}
              </text>
            </g>
          ))}
          <text x={x(0)} y={HEIGHT - 8} textAnchor="start" className="chart-axis">
            {days[0]}
          </text>
          {days.length > 1 && (
            <text x={x(days.length - 1)} y={HEIGHT - 8} textAnchor="end" className="chart-axis">
              {days[days.length - 1]}
            </text>
          )}
          {series.map((s, i) => (
            <polyline
              key={s.key}
              className={`chart-line chart-line--${i}`}
              strokeDasharray={DASHES[i % 4]}
              points={s.values.map((v, d) => `${x(d)},${y(v)}`).join(' ')}
            />
          ))}
        </svg>
      )}
      <button
        type="button"
        className="button button--secondary button--small chart-toggle"
        aria-pressed={tableShown}
        onClick={() => setTableShown((v) => !v)}
      >
        {tableShown ? t('console.chart.hideTable') : t('console.chart.showTable')}
      </button>
      <div className={tableShown ? 'table-wrap' : 'visually-hidden'}>
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.chart.day')}</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day, d) => (
              <tr key={day}>
                <th scope="row">{day}</th>
                {series.map((s) => (
                  <td key={s.key}>{formatNumber(s.values[d] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
