import { mount } from 'svelte';
import './styles/base.css';
import './styles/layout.css';
import './styles/gallery.css';
import './styles/panels.css';
import './styles/sync.css';
import './styles/queues.css';
import App from './App.svelte';

// Start-up marks (read by tests/e2e/bench/window.mjs beside trove:first-thumbnails).
performance.mark('trove:script');
const app = mount(App, { target: document.getElementById('app')! });

export default app;
