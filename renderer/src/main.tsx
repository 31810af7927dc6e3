import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createDeskApi } from './api/desk';
import { DeskProvider } from './api/DeskContext';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <DeskProvider api={createDeskApi()}>
      <App />
    </DeskProvider>
  </StrictMode>,
);
