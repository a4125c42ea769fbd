// Clients waiting for a container to reach a condition (POST /containers/{id}/wait, and the
// lifecycle's own stop and remove). Registered before the caller answers, so an exit that
// happens right after cannot be missed.
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

export class Waiters {
  private readonly byId = new Map<string, Waiter[]>();

  add(id: string, condition: WaitCondition): Promise<number> {
    return new Promise((resolve) => {
      const list = this.byId.get(id) ?? [];
      list.push({ condition, resolve });
      this.byId.set(id, list);
    });
  }

  /** Resolves the waiters of `id` whose condition is in `conditions` with the exit code. */
  wake(id: string, conditions: WaitCondition[], code: number): void {
    const list = this.byId.get(id);
    if (!list) return;
    const keep: Waiter[] = [];
    for (const w of list) (conditions.includes(w.condition) ? w.resolve(code) : keep.push(w));
    if (keep.length) this.byId.set(id, keep);
    else this.byId.delete(id);
  }
}
