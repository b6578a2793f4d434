import i18next from 'i18next';
import { currentLanguage } from './i18n';

/** An answer of the API that was not a success, with the server's own (localised) message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; requestId?: unknown };
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * Calls the JSON API with the session cookie and the UI language, so that error
 * messages come back in the language the person reads.
 */
export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': currentLanguage(),
  };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      credentials: 'same-origin',
      signal: request.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'MXF_NETWORK', i18next.t('common.networkError'));
  }

  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) return payload as T;

  const error = (payload as ErrorBody | undefined)?.error;
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : i18next.t('common.unexpectedError', { status: response.status });
  throw new ApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
    message,
    typeof error?.requestId === 'string' ? error.requestId : undefined,
  );
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Any thrown value as a message a person can read. */
export function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : i18next.t('common.networkError');
}
