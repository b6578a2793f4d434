import '../ui/theme.css';
import '../ui/components.css';
import '../ui/pages.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setupI18n } from '../ui/i18n';
import { AdminApp } from './AdminApp';

await setupI18n();
const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from admin.html');
createRoot(root).render(
  <StrictMode>
    <AdminApp />
  </StrictMode>,
);
