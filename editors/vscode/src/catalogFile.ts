/**
 * Which documents belong to the Backline server: the same rules the server itself applies, so the
 * client never sends it YAML it would ignore and never withholds a catalog file it wants.
 *
 * Kept free of `vscode` imports so it runs under `node --test`.
 */

/** File-name globs that always mean "catalog file", whatever the content. */
export const CATALOG_FILE_GLOBS: readonly string[] = ['**/catalog-info.yaml', '**/*.catalog-info.yaml'];

/**
 * How much of a document the content check reads. Catalog files put `apiVersion` first; 4 KiB
 * leaves room for a licence header or a long comment block without reading large files whole.
 */
export const HEAD_CHARS = 4096;

/**
 * A top-level `apiVersion` key (column 0, optionally quoted, after an optional BOM) whose value
 * starts with `backstage.io/` or `scaffolder.backstage.io/`. Column 0 matters: an indented
 * `apiVersion: backstage.io/…` belongs to some other document embedding an entity, not to an entity.
 */
const BACKSTAGE_API_VERSION =
  /^\uFEFF?(?:apiVersion|"apiVersion"|'apiVersion')[ \t]*:[ \t]*["']?(?:scaffolder\.)?backstage\.io\//m;

/** The last path segment, for both `/` and `\` separators (VS Code hands us OS paths). */
export function baseName(fileName: string): string {
  const cut = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return fileName.slice(cut + 1);
}

/** `catalog-info.yaml` or `<anything>.catalog-info.yaml`, compared exactly as Backstage names them. */
export function isCatalogFileName(fileName: string): boolean {
  const name = baseName(fileName);
  return name === 'catalog-info.yaml' || (name.endsWith('.catalog-info.yaml') && name.length > '.catalog-info.yaml'.length);
}

/** `.yaml` or `.yml`, the only extensions whose content the server inspects. */
export function isYamlFileName(fileName: string): boolean {
  const name = baseName(fileName).toLowerCase();
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

/** Whether the head of `text` declares a Backstage (or Scaffolder) `apiVersion` at top level. */
export function declaresBackstageApiVersion(text: string): boolean {
  return BACKSTAGE_API_VERSION.test(text.slice(0, HEAD_CHARS));
}

/**
 * The whole rule: a catalog file by name, or a YAML file by name whose head declares a Backstage
 * apiVersion. `text` may be the full document or just its head.
 */
export function isCatalogDocument(fileName: string, text: string): boolean {
  if (isCatalogFileName(fileName)) {
    return true;
  }
  return isYamlFileName(fileName) && declaresBackstageApiVersion(text);
}

/** What to do with a text-document event for a document the gate has not seen before. */
export type GateDecision = 'forward' | 'open-now' | 'drop';

/**
 * Remembers which documents the server has been told about, so that every later event and
 * request for a document is forwarded or dropped consistently with its didOpen.
 *
 * Rules: a document is opened on the server when it opens as a catalog document, or later, when
 * an edit turns it into one (someone types the `apiVersion` line); from then on it stays open
 * until it is closed, even if an edit removes the line again (the server then sees a file it no
 * longer treats as a catalog file, which is harmless; closing and reopening would lose its state).
 */
export class DocumentGate {
  private readonly open = new Set<string>();

  /** didOpen: true when the document goes to the server. */
  opened(uri: string, fileName: string, head: string): boolean {
    if (!isCatalogDocument(fileName, head)) {
      return false;
    }
    this.open.add(uri);
    return true;
  }

  /** didChange: forward for known documents, open-now when the edit made it a catalog document. */
  changed(uri: string, fileName: string, head: string): GateDecision {
    if (this.open.has(uri)) {
      return 'forward';
    }
    if (isCatalogDocument(fileName, head)) {
      this.open.add(uri);
      return 'open-now';
    }
    return 'drop';
  }

  /** didClose: true when the server knew the document (and now forgets it). */
  closed(uri: string): boolean {
    return this.open.delete(uri);
  }

  /** Saves and feature requests go through only for documents the server has open. */
  allows(uri: string): boolean {
    return this.open.has(uri);
  }

  /** A new client re-sends didOpen for every open document, so the gate starts empty again. */
  reset(): void {
    this.open.clear();
  }
}
