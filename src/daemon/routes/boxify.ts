// Boxify's additions where Docker's API has no equivalent.
import type { DaemonContext } from '../context.js';
import type { Router } from '../router.js';

export function registerBoxifyRoutes(router: Router, d: DaemonContext): void {
  /** One sample of every running container: the TUI's one request per second. */
  router.get('/boxify/stats', () => d.containers.allStats());

  /** What a client needs to enter a running container with nsenter (CLI and TUI shells). */
  router.get('/boxify/containers/:id/nsenter', (ctx) => d.containers.enterTarget(ctx.params.id!));
}
