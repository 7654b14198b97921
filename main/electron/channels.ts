/** IPC channel names shared by the preload and the Electron main process. */
export const IPC_INVOKE_CHANNEL = 'netcity:invoke';
export const IPC_EVENT_CHANNEL = 'netcity:event';
/** A native file or folder dialog; what the user picks there the backend may then use. */
export const IPC_PICK_CHANNEL = 'netcity:pick';
export type PickKind = 'snapshot' | 'flows' | 'folder';
export const APP_SCHEME = 'app';
export const APP_HOST = 'netcity';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
