// Entry point: mounts the app and registers the service worker.
import { mount } from 'svelte';
import { z } from 'zod';
import App from './app/App.svelte';
import './app/global.css';
import { appUpdate } from './state/app-update.svelte.ts';

// zod otherwise probes `new Function` once, which the Content-Security-Policy of docker/'s nginx
// (no 'unsafe-eval') reports as a violation; jitless parsing is as correct and fast enough here.
z.config({ jitless: true });

mount(App, { target: document.getElementById('app')! });
void appUpdate.register();
