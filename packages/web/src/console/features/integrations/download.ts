/** Saves text as a file the browser downloads (a Blob URL, released right after). */
export function downloadText(text: string, fileName: string, type = 'application/yaml'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** `order-router-v3.yml`, `order-router-draft.yml`. */
export function yamlFileName(name: string, which: number | 'draft'): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'integration'}-${which === 'draft' ? 'draft' : `v${which}`}.yml`;
}
