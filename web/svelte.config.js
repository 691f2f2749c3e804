// Svelte compiler options for the app: runes everywhere (no legacy reactive syntax).
export default {
  compilerOptions: { runes: true },
};
