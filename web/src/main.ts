// Entry point: mounts the app and registers the service worker.
import { mount } from 'svelte';
import App from './app/App.svelte';
import './app/global.css';
import { appUpdate } from './state/app-update.svelte.ts';

mount(App, { target: document.getElementById('app')! });
void appUpdate.register();
