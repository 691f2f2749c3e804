// The web app manifest: installable, standalone, and registered with the OS for audio files
// ("Open with") and as a share target.
import type { ManifestOptions } from 'vite-plugin-pwa';

const AUDIO_TYPES: Record<string, string[]> = {
  'audio/wav': ['.wav'],
  'audio/x-wav': ['.wav'],
  'audio/mpeg': ['.mp3'],
  'audio/flac': ['.flac'],
  'audio/ogg': ['.ogg', '.oga'],
  'audio/opus': ['.opus'],
  'audio/mp4': ['.m4a'],
  'audio/aac': ['.aac'],
};

export const manifest: Partial<ManifestOptions> = {
  id: '/',
  name: 'Sound Forge Alchemy',
  short_name: 'SF Alchemy',
  description: 'Split songs into stems and analyse them on your own machine, offline.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#12101a',
  theme_color: '#12101a',
  categories: ['music', 'utilities'],
  icons: [
    { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
    { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
    { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
  ],
  file_handlers: [{ action: '/', accept: AUDIO_TYPES }],
  share_target: {
    action: '/share-target',
    method: 'POST',
    enctype: 'multipart/form-data',
    params: { files: [{ name: 'audio', accept: ['audio/*', ...new Set(Object.values(AUDIO_TYPES).flat())] }] },
  },
  launch_handler: { client_mode: 'focus-existing' },
};
