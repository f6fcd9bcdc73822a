// Typed functions, one per Tauri command. The only module (with `client.ts`) that knows IPC.
import { call, onEvent } from './client';
import type { AddOutcome } from './types/AddOutcome';
import type { Collection } from './types/Collection';
import type { CollectionPatch } from './types/CollectionPatch';
import type { Dataset } from './types/Dataset';
import type { ItemDetail } from './types/ItemDetail';
import type { ItemPage } from './types/ItemPage';
import type { ItemQuery } from './types/ItemQuery';
import type { NewCollection } from './types/NewCollection';
import type { Project } from './types/Project';
import type { RemoteProject } from './types/RemoteProject';
import type { Selection } from './types/Selection';
import type { ServerSettings } from './types/ServerSettings';
import type { ServerSettingsInput } from './types/ServerSettingsInput';
import type { Settings } from './types/Settings';
import type { Summary } from './types/Summary';
import type { SyncStatus } from './types/SyncStatus';

export { ApiFailure, thumbUrl } from './client';

// Projects and catalog
export const listProjects = () => call<Project[]>('list_projects');
export const listDatasets = (projectId: number) => call<Dataset[]>('list_datasets', { projectId });
export const listTags = (projectId: number) => call<string[]>('list_tags', { projectId });

// Items
export const queryItems = (projectId: number, query: ItemQuery, offset: number, limit: number) =>
  call<ItemPage>('query_items', { projectId, query, offset, limit });
export const itemIds = (projectId: number, query: ItemQuery, offset: number, limit: number) =>
  call<number[]>('item_ids', { projectId, query, offset, limit });
export const summarize = (projectId: number, query: ItemQuery) =>
  call<Summary>('summarize', { projectId, query });
export const countSelection = (projectId: number, selection: Selection) =>
  call<number>('count_selection', { projectId, selection });
export const getItem = (projectId: number, itemId: number) =>
  call<ItemDetail>('get_item', { projectId, itemId });
export const tagItems = (projectId: number, selection: Selection, tags: string[]) =>
  call<number>('tag_items', { projectId, selection, tags });
export const untagItems = (projectId: number, selection: Selection, tags: string[]) =>
  call<number>('untag_items', { projectId, selection, tags });

// Collections
export const listCollections = (projectId: number) =>
  call<Collection[]>('list_collections', { projectId });
export const createCollection = (projectId: number, input: NewCollection) =>
  call<Collection>('create_collection', { projectId, input });
export const updateCollection = (collectionId: number, patch: CollectionPatch) =>
  call<Collection>('update_collection', { collectionId, patch });
export const deleteCollection = (collectionId: number) =>
  call<void>('delete_collection', { collectionId });
export const addToCollection = (projectId: number, collectionId: number, selection: Selection) =>
  call<AddOutcome>('add_to_collection', { projectId, collectionId, selection });
export const removeFromCollection = (projectId: number, collectionId: number, selection: Selection) =>
  call<number>('remove_from_collection', { projectId, collectionId, selection });
export const moveItem = (collectionId: number, itemId: number, before: number | null) =>
  call<void>('move_item', { collectionId, itemId, before });
export const setNote = (collectionId: number, itemId: number, note: string) =>
  call<void>('set_note', { collectionId, itemId, note });

// Settings
export const getSettings = () => call<Settings>('get_settings');
export const setSettings = (settings: Settings) => call<void>('set_settings', { settings });

// Server connection and sync. Long work (a download, a prefetch) reports its progress in the
// `sync-status` event, which the backend sends on every change of the status.
export const syncStatus = () => call<SyncStatus>('sync_status');
export const onSyncStatus = (handler: (status: SyncStatus) => void) => onEvent<SyncStatus>('sync-status', handler);
export const syncNow = () => call<void>('sync_now');
export const dismissRefusals = () => call<void>('dismiss_refusals');
export const getServerSettings = () => call<ServerSettings>('get_server_settings');
/** Checks the URL and token against the server unless working offline; refuses with a sentence. */
export const saveServerSettings = (input: ServerSettingsInput) => call<ServerSettings>('save_server_settings', { input });
export const remoteProjects = () => call<RemoteProject[]>('remote_projects');
/** Downloads a server project into the local cache; resolves once it is there. */
export const connectProject = (uuid: string) => call<Project>('connect_project', { uuid });
/** Fetches every thumbnail of a downloaded project within the offline budget; resolves, once
 * done, to a sentence saying what it did. */
export const makeAvailableOffline = (projectId: number) => call<string>('make_available_offline', { projectId });
/** The project `TROVE_PROJECT` names, once the backend downloaded it (null without it). */
export const startupProject = () => call<number | null>('startup_project');
