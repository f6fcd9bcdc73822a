// The one module that talks to Tauri. Everything else imports the typed functions of
// `ui/src/lib/api/index.ts`; nothing else imports `@tauri-apps/api`.
import { invoke, convertFileSrc } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { open as openDialog, save as saveDialog } from '@tauri-apps/plugin-dialog';
import type { ApiError } from './types/ApiError';
import type { ErrorCode } from './types/ErrorCode';

/** A command the backend refused (or that could not run): `message` is the backend's sentence. */
export class ApiFailure extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.code = code;
  }
}

function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/** Converts whatever a rejected `invoke` gave into an `ApiFailure`. */
export function toFailure(e: unknown): ApiFailure {
  if (e instanceof ApiFailure) return e;
  if (isApiError(e)) return new ApiFailure(e.code, String(e.message));
  if (e instanceof Error) return new ApiFailure('internal', e.message);
  return new ApiFailure('internal', typeof e === 'string' ? e : 'the command failed');
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toFailure(e);
  }
}

/** URL of a thumbnail in the cache, served by the `thumb:` protocol. */
export function thumbUrl(hash: string): string {
  return convertFileSrc(hash, 'thumb');
}

/** Calls `handler` with the payload of every `event` the backend emits; resolves to a function
 * that stops listening. */
export async function onEvent<T>(event: string, handler: (payload: T) => void): Promise<() => void> {
  try {
    return await listen<T>(event, (e) => handler(e.payload));
  } catch (e) {
    throw toFailure(e);
  }
}

/** Calls `handler` with the paths of files or folders dropped onto the window (from the file
 * manager); resolves to a function that stops listening. Outside Tauri (the dev mock) nothing
 * is ever dropped. */
export async function onFileDrop(handler: (paths: string[]) => void): Promise<() => void> {
  try {
    return await getCurrentWebview().onDragDropEvent((e) => {
      if (e.payload.type === 'drop' && e.payload.paths.length > 0) handler(e.payload.paths);
    });
  } catch {
    return () => {};
  }
}

/** The native folder picker; the chosen folder's path, or null when cancelled (or outside
 * Tauri, where there is none). */
export async function pickFolder(title: string): Promise<string | null> {
  try {
    const chosen = await openDialog({ directory: true, multiple: false, title });
    return typeof chosen === 'string' ? chosen : null;
  } catch (e) {
    console.warn('the folder picker failed', e);
    return null;
  }
}

/** The native "save as" picker, starting at `defaultPath`; null when cancelled. */
export async function pickSaveFile(title: string, defaultPath: string, extension: string): Promise<string | null> {
  try {
    return await saveDialog({ title, defaultPath, filters: [{ name: extension.toUpperCase(), extensions: [extension] }] });
  } catch (e) {
    console.warn('the file picker failed', e);
    return null;
  }
}
