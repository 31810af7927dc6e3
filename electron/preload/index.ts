import { contextBridge, ipcRenderer } from 'electron';
import { buildDeskApi, type Transport } from '../../shared/ipc/build-api';
import type { Result } from '../../shared/ipc/result';

// The renderer gets named functions generated from the contract, never ipcRenderer.
const transport: Transport = {
  call: (channel, input) => ipcRenderer.invoke(channel, input) as Promise<Result<unknown>>,
  subscribe(event, listener) {
    const forward = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('lightkeeper', buildDeskApi(transport));
