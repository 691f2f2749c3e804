// How a track without a title tag is named: its file name, made readable.

/** "01_my-song.final.mp3" -> "01 my-song.final" */
export function titleFromFileName(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  const withoutExtension = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const readable = withoutExtension.replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
  return readable || base || 'Untitled';
}
