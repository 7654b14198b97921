/**
 * The preload: the API contract over Electron IPC. The renderer gets `window.netcity` with two
 * narrow functions — invoke a named API method, subscribe to push events — never ipcRenderer.
 * Method names are checked here too, so nothing else can be sent on the channel.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES, type WireResponse } from '../main/api/contract.js';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_PICK_CHANNEL } from '../main/electron/channels.js';

const methods = new Set<string>(METHOD_NAMES);

contextBridge.exposeInMainWorld('netcity', {
  invoke(method: string, args: unknown) {
    if (!methods.has(method)) return Promise.resolve<WireResponse<never>>({ error: { code: 'invalid-argument', name: 'ValidationError', message: `unknown method ${JSON.stringify(method)}: the preload passes only the API contract's methods (main/api/contract.ts); update the renderer and the backend together` } });
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, args);
  },
  /** A native file or folder dialog ('snapshot' | 'flows' | 'folder'); resolves to the path picked, or undefined. */
  pick(kind: string) {
    return ipcRenderer.invoke(IPC_PICK_CHANNEL, kind);
  },
  onEvent(listener: (event: unknown) => void) {
    const wrapped = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
});
