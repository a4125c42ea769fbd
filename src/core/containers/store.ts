// Container records on disk: <root>/containers/<id>/container.json, written atomically, and
// an in-memory index by ID and name. Resolves references as Docker does: full ID, name
// (with or without the leading '/'), or a unique ID prefix.
import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ContainerRecord } from './record.js';

const RECORD_FILE = 'container.json';

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Loads every record; returns the directories that hold no valid record (half-made). */
  load(): string[] {
    const orphans: string[] = [];
    for (const entry of fs.readdirSync(this.dir)) {
      const d = path.join(this.dir, entry);
      let rec: ContainerRecord | null = null;
      try {
        rec = readJson<ContainerRecord>(path.join(d, RECORD_FILE));
      } catch {
        rec = null;
      }
      if (rec && rec.id === entry) this.byId.set(rec.id, rec);
      else orphans.push(d);
    }
    return orphans;
  }

  containerDir(id: string): string {
    return path.join(this.dir, id);
  }

  save(rec: ContainerRecord): void {
    const d = this.containerDir(rec.id);
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    writeJsonAtomic(path.join(d, RECORD_FILE), rec);
    this.byId.set(rec.id, rec);
  }

  delete(id: string): void {
    this.byId.delete(id);
    fs.rmSync(this.containerDir(id), { recursive: true, force: true });
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  byName(name: string): ContainerRecord | undefined {
    const n = name.replace(/^\//, '');
    for (const r of this.byId.values()) if (r.name === n) return r;
    return undefined;
  }

  resolve(ref: string): ContainerRecord {
    if (!ref) throw errors.invalid('container', 'empty container name or ID');
    const exact = this.byId.get(ref) ?? this.byName(ref);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = this.all().filter((r) => r.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw errors.ambiguous(ref);
    }
    throw errors.noSuchContainer(ref);
  }
}
