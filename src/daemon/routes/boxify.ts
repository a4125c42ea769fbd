// Boxify's additions where Docker's API has no equivalent.
import type { DaemonContext } from '../context.js';
import type { Router } from '../router.js';

export function registerBoxifyRoutes(router: Router, d: DaemonContext): void {
  /** One sample of every running container: the TUI's one request per second. */
  router.get('/boxify/stats', () => d.containers.allStats());

  /**
   * What a client needs to run a shell in a running container on a terminal of its own (CLI and
   * TUI shells): the ExecSpec fields and the program (the daemon's read-only node, boxify-init).
   * The path keeps its historical name.
   */
  router.get('/boxify/containers/:id/nsenter', (ctx) => d.containers.enterTarget(ctx.params.id!));
}
