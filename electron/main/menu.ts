import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { AppRoute } from '../../shared/routes';

/** The standard application menu, plus a Go menu for the app's main views. */
export function applicationMenu(go: (route: AppRoute) => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'Go',
      submenu: [
        { label: 'Fleet', accelerator: 'CmdOrCtrl+1', click: () => go({ view: 'fleet' }) },
        { label: 'Customers', accelerator: 'CmdOrCtrl+2', click: () => go({ view: 'customers' }) },
        { label: 'Wizards', accelerator: 'CmdOrCtrl+3', click: () => go({ view: 'wizards' }) },
        { label: 'Sync', accelerator: 'CmdOrCtrl+4', click: () => go({ view: 'sync' }) },
        { type: 'separator' },
        { label: 'About Lightkeeper', click: () => go({ view: 'about' }) },
      ],
    },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
