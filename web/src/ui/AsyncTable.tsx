import type { ReactNode } from 'react';
import { ErrorNotice, Loading } from './Notice';
import type { Loadable } from './useApi';

type Reloadable<T> = Loadable<T> & { reload: () => void };

/** The loading and error states of a `useApi` answer; `children` draws the data once it is there. */
export function Loaded<T>({ result, children }: { result: Reloadable<T>; children: (data: T) => ReactNode }) {
  if (result.state === 'loading') return <Loading />;
  if (result.state === 'failed') return <ErrorNotice error={result.error} onRetry={result.reload} />;
  return <>{children(result.data)}</>;
}

interface AsyncTableProps<T, Row> {
  result: Reloadable<T>;
  /** The rows inside the answer. */
  rows: (data: T) => Row[];
  /** Said instead of the table when there are no rows. */
  empty: string;
  /** The table's name for screen readers (not shown); none when a heading names it. */
  caption?: string;
  /** False inside a section that is already a card. */
  card?: boolean;
  /** Column headings, in order. */
  columns: string[];
  /** One `<tr>` (with its key) per row. */
  row: (row: Row) => ReactNode;
}

/** A list from the API in a card table: loading, error with retry, an empty line, or the rows. */
export function AsyncTable<T, Row>({
  result,
  rows,
  empty,
  caption,
  card = true,
  columns,
  row,
}: AsyncTableProps<T, Row>) {
  return (
    <Loaded result={result}>
      {(data) => {
        const items = rows(data);
        if (items.length === 0) return <p className={card ? 'card empty' : 'empty'}>{empty}</p>;
        return (
          <div className={card ? 'card table-wrap' : 'table-wrap'}>
            <table className="table">
              {caption && <caption className="visually-hidden">{caption}</caption>}
              <thead>
                <tr>
                  {columns.map((column) => (
                    <th scope="col" key={column}>
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{items.map(row)}</tbody>
            </table>
          </div>
        );
      }}
    </Loaded>
  );
}

/** The small "refresh" button of a list page's header. */
export function RefreshButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className="button button--secondary button--small" onClick={onClick}>
      {children}
    </button>
  );
}
