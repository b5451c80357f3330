/** Entry point: global styles, the favicon, and the Svelte app mounted on #app. */
import { mount } from 'svelte';
import './ui/app.css';
import App from './ui/App.svelte';
import { ensureIsolation } from './isolation';

// A static host without COOP/COEP headers: a service worker adds them (docs/deploy.md).
if (import.meta.env.PROD) ensureIsolation();

const icon = document.createElement('link');
icon.rel = 'icon';
icon.type = 'image/svg+xml';
icon.href = `${import.meta.env.BASE_URL}favicon.svg`;
document.head.appendChild(icon);

const target = document.getElementById('app');
if (!target) throw new Error('index.html must contain <div id="app">');

export default mount(App, { target });
