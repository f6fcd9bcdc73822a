// Typed functions, one per Tauri command. The only module (with `client.ts`) that knows IPC.
import { call, onEvent } from './client';
import type { AddOutcome } from './types/AddOutcome';
import type { AddedToNew } from './types/AddedToNew';
import type { Collection } from './types/Collection';
import type { CollectionHistory } from './types/CollectionHistory';
import type { CollectionPatch } from './types/CollectionPatch';
import type { Dataset } from './types/Dataset';
import type { Duplicates } from './types/Duplicates';
import type { ImportStatus } from './types/ImportStatus';
import type { ExportProgress } from './types/ExportProgress';
import type { ExportReport } from './types/ExportReport';
import type { ExportRequest } from './types/ExportRequest';
import type { HistoryQuery } from './types/HistoryQuery';
import type { ItemDetail } from './types/ItemDetail';
import type { ItemPage } from './types/ItemPage';
import type { ItemQuery } from './types/ItemQuery';
import type { LinkTarget } from './types/LinkTarget';
import type { MoveOutcome } from './types/MoveOutcome';
import type { MoveTarget } from './types/MoveTarget';
import type { NewCollection } from './types/NewCollection';
import type { NewQueue } from './types/NewQueue';
import type { Project } from './types/Project';
import type { Queue } from './types/Queue';
import type { QueueItem } from './types/QueueItem';
import type { QueueItemPage } from './types/QueueItemPage';
import type { QueueStatus } from './types/QueueStatus';
import type { RemoteProject } from './types/RemoteProject';
import type { SavedView } from './types/SavedView';
import type { ReviewOutcome } from './types/ReviewOutcome';
import type { Selection } from './types/Selection';
import type { ServerSettings } from './types/ServerSettings';
import type { ServerSettingsInput } from './types/ServerSettingsInput';
import type { Settings } from './types/Settings';
import type { Summary } from './types/Summary';
import type { SyncStatus } from './types/SyncStatus';
import type { UndoState } from './types/UndoState';
import type { Undone } from './types/Undone';

export { ApiFailure, onFileDrop, pickFolder, pickSaveFile, thumbUrl } from './client';

// Projects and catalog
export const listProjects = () => call<Project[]>('list_projects');
export const listDatasets = (projectId: number) => call<Dataset[]>('list_datasets', { projectId });
export const renameDataset = (projectId: number, datasetId: number, name: string) =>
  call<Dataset>('rename_dataset', { projectId, datasetId, name });
export const listTags = (projectId: number) => call<string[]>('list_tags', { projectId });

// Import a folder (one at a time; its status is read while it runs)
export const importFolder = (projectId: number, path: string, dataset: string | null) =>
  call<ImportStatus>('import_folder', { projectId, path, dataset });
export const importStatus = () => call<ImportStatus>('import_status');
export const cancelImport = () => call<ImportStatus>('cancel_import');
export const exportCollection = (request: ExportRequest) => call<ExportReport>('export_collection', { request });
/** How far a running export of files is: the backend's `export-progress` event. */
export const onExportProgress = (handler: (progress: ExportProgress) => void) => onEvent<ExportProgress>('export-progress', handler);
export const openOriginal = (projectId: number, itemId: number) => call<void>('open_original', { projectId, itemId });
export const showInFolder = (projectId: number, itemId: number) => call<void>('show_in_folder', { projectId, itemId });

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
export const nearDuplicates = (projectId: number, query: ItemQuery, distance: number) =>
  call<Duplicates>('near_duplicates', { projectId, query, distance });
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
/** "Add to a new collection": one action, one undo step. */
export const createCollectionAndAdd = (projectId: number, input: NewCollection, selection: Selection) =>
  call<AddedToNew>('create_collection_and_add', { projectId, input, selection });
export const removeFromCollection = (projectId: number, collectionId: number, selection: Selection) =>
  call<number>('remove_from_collection', { projectId, collectionId, selection });
export const moveItem = (collectionId: number, itemId: number, before: number | null) =>
  call<void>('move_item', { collectionId, itemId, before });
export const setNote = (collectionId: number, itemId: number, note: string) =>
  call<void>('set_note', { collectionId, itemId, note });
/** Who changed the collection, how and when: the server's changes and this device's pending ones, newest first. */
export const collectionHistory = (collectionId: number, query: HistoryQuery) =>
  call<CollectionHistory>('collection_history', { collectionId, query });

// Deep links: `trove://open?project=…&collection=…&filter=…`, everything named by UUID so a link
// means the same on every device with a copy of the project.
// Saved views
export const listViews = (projectId: number) => call<SavedView[]>('list_views', { projectId });
export const openView = (viewId: number) => call<SavedView>('open_view', { viewId });
export const createView = (projectId: number, name: string, query: ItemQuery) => call<SavedView>('create_view', { projectId, name, query });
/** Renames (`name`) and/or saves the current filter and sort into the view (`query`). */
export const updateView = (viewId: number, name: string | null, query: ItemQuery | null) => call<SavedView>('update_view', { viewId, name, query });
export const deleteView = (viewId: number) => call<void>('delete_view', { viewId });
export const convertView = (viewId: number, title: string) => call<AddedToNew>('convert_view', { viewId, title });

export const makeLink = (projectId: number, query: ItemQuery) => call<string>('make_link', { projectId, query });
export const resolveLink = (link: string) => call<LinkTarget>('resolve_link', { link });
/** The link the app was started with, once. */
export const takeLink = () => call<string | null>('take_link');
/** Links handed over by a later start (a link clicked while Trove runs). */
export const onOpenLink = (handler: (link: string) => void) => onEvent<string>('open-link', handler);

// Undo and redo of the project's collection actions (this session's last 50). An undo is a
// change that syncs; one that no longer means anything is refused with a sentence.
export const undo = (projectId: number) => call<Undone | null>('undo', { projectId });
export const redo = (projectId: number) => call<Undone | null>('redo', { projectId });
export const undoState = (projectId: number) => call<UndoState>('undo_state', { projectId });

// Labeling queues. A queue follows its source collection live; every status change is one
// mutation, refused with a sentence when the user's role or the item's status does not allow it.
export const listQueues = (projectId: number) => call<Queue[]>('list_queues', { projectId });
export const createQueue = (projectId: number, input: NewQueue) =>
  call<Queue>('create_queue', { projectId, input });
export const closeQueue = (queueId: number) => call<void>('close_queue', { queueId });
/** A page of the queue's items; `status` null lists every item (collection order, then history). */
export const queueItems = (queueId: number, status: QueueStatus | null, offset: number, limit: number) =>
  call<QueueItemPage>('queue_items', { queueId, status, offset, limit });
/** The items the user holds: annotating by them, and rejected ones sent back to them. */
export const myQueueWork = (queueId: number) => call<QueueItem[]>('my_queue_work', { queueId });
/** Claims up to `count` pending items (collection order); resolves to the newly claimed ones. */
export const claimQueueItems = (queueId: number, count: number) =>
  call<QueueItem[]>('claim_queue_items', { queueId, count });
/** Sets the item's tags and labeled flag and marks it done; resolves to the queue's fresh counts. */
export const submitQueueItem = (queueId: number, itemId: number, add: string[], remove: string[]) =>
  call<Queue>('submit_queue_item', { queueId, itemId, add, remove });
export const reviewQueueItems = (queueId: number, itemIds: number[], accept: boolean, comment: string) =>
  call<ReviewOutcome>('review_queue_items', { queueId, itemIds, accept, comment });
/** Adds the accepted items to the target and removes them from the source collection. */
export const moveAccepted = (queueId: number, target: MoveTarget) =>
  call<MoveOutcome>('move_accepted', { queueId, target });
/** User names that may be a queue's annotators and reviewers. */
export const projectPeople = (projectId: number) => call<string[]>('project_people', { projectId });
/** The name the user acts as in that project. */
export const currentUser = (projectId: number) => call<string>('current_user', { projectId });

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
